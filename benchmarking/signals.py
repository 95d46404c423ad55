"""Saves and deletes made one row at a time say that the figures changed (readcache)."""

from django.db.models.signals import post_delete, post_save

from benchmarking import readcache
from benchmarking.models import Metric, SharingChoice, Value
from selfreg.models import AreaGrouping, Council, GroupingMembership

# What the shared reads are worked out from. Statistics and similar councils are written in
# bulk, by code that calls readcache.changed() itself (or queues a recompute, which does): a
# delete signal would make Django read every deleted row first.
WATCHED = (Value, Metric, SharingChoice, Council, AreaGrouping, GroupingMembership)


def _changed(sender, **kwargs) -> None:
    readcache.changed()


def connect() -> None:
    for model in WATCHED:
        post_save.connect(_changed, sender=model, dispatch_uid=f"readcache-save-{model.__name__}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"readcache-delete-{model.__name__}"
        )

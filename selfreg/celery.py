import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selfreg.settings")

app = Celery("selfreg")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _beat_schedule():
    from selfreg.schedules import BEAT_SCHEDULE

    return BEAT_SCHEDULE


app.conf.beat_schedule = _beat_schedule()

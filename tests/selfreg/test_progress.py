"""A job's progress in the cache: kept, read and forgotten, and never an error when the cache
does not answer."""

import logging

import pytest
from django.core.cache import cache

from selfreg import progress
from selfreg.progress import progress_fetch, progress_forget, progress_keep


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_progress_kept_is_read_back_until_forgotten():
    progress_keep("job:1", {"done": 3, "total": 10}, job="job 1")
    assert progress_fetch("job:1", job="job 1") == {"done": 3, "total": 10}
    progress_forget("job:1", job="job 1")
    assert progress_fetch("job:1", job="job 1") == {}


class SilentCache:
    """A cache whose every call fails, as Redis does when it is down."""

    def set(self, *args, **kwargs):
        raise ConnectionError("no cache")

    get = delete = set


def test_a_cache_that_does_not_answer_is_logged_and_reads_as_no_progress(monkeypatch, caplog):
    monkeypatch.setattr(progress, "cache", SilentCache())
    with caplog.at_level(logging.WARNING, logger="selfreg.progress"):
        progress_keep("job:2", {"done": 1}, job="upload 2")
        assert progress_fetch("job:2", job="upload 2") == {}
        progress_forget("job:2", job="upload 2")
    assert [r.getMessage() for r in caplog.records] == [
        "Could not report progress of upload 2",
        "Could not read progress of upload 2",
        "Could not clear progress of upload 2",
    ]

"""Queueing follow-on jobs: held and sent once each by a long load."""

import pytest
from django.db import transaction

from selfreg import jobs


@pytest.fixture
def sent(monkeypatch):
    calls = []

    def record(task_name, kwargs, countdown=None):
        calls.append((task_name, kwargs))
        if task_name == "first":  # a job that queues another as it runs
            jobs.job_enqueue("second")
        return True

    monkeypatch.setattr(jobs, "_send", record)
    return calls


@pytest.mark.django_db(transaction=True)
def test_coalesced_jobs_are_sent_once_each_at_the_end(sent):
    """Five imports each ask for the same reassessment: it is sent once, after them all; a job
    queued by a sent job joins the rest, and one already sent is not sent again; a job of a
    rolled-back change is dropped."""
    with jobs.jobs_coalesced():
        for _ in range(5):
            with transaction.atomic():
                jobs.job_enqueue("second")
                jobs.job_enqueue("first", n=1)
        with pytest.raises(RuntimeError), transaction.atomic():
            jobs.job_enqueue("rolled-back")
            raise RuntimeError
        assert sent == []
    assert sent == [("second", {}), ("first", {"n": 1})]


@pytest.mark.django_db(transaction=True)
def test_outside_a_coalesced_block_each_job_is_sent_at_its_commit(sent):
    with transaction.atomic():
        jobs.job_enqueue("second")
        assert sent == []
    jobs.job_enqueue("second")
    assert sent == [("second", {}), ("second", {})]


@pytest.mark.django_db(transaction=True)
def test_a_held_job_whose_work_was_done_is_not_sent(sent):
    """A step that has just done a held job's work itself drops the held copy; a job with
    other arguments stays, and the same job asked for afterwards is sent."""
    with jobs.jobs_coalesced():
        jobs.job_enqueue("second")
        jobs.job_enqueue("second", n=2)
        jobs.job_done("second")
        assert sent == []
    assert sent == [("second", {"n": 2})]
    sent.clear()
    with jobs.jobs_coalesced():
        jobs.job_enqueue("second")
        jobs.job_done("second")
        jobs.job_enqueue("second")
    assert sent == [("second", {})]
    jobs.job_done("second")  # outside a held block: nothing to drop, nothing sent
    assert sent == [("second", {})]

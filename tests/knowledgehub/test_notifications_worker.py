"""Reply emails go out through a real Celery worker on the real Redis broker, each email a
job of its own."""

import time

import pytest
from django.core import mail

from knowledgehub import services
from knowledgehub.models import Post
from knowledgehub.tasks import notify_followers
from tests.knowledgehub import helpers

pytestmark = pytest.mark.redis


def test_a_real_worker_emails_followers_once(celery_worker, users):
    services.themes_load()
    group = helpers.community(users["sector_staff"])
    services.community_join(user=users["officer"], community=group)
    services.community_join(user=users["councillor"], community=group)
    thread = services.thread_start(
        user=users["officer"], community=group, title="Waste rounds", body="Any tips?"
    )
    mail.outbox.clear()
    # thread_reply queues the job on commit; this test commits as it goes.
    services.thread_reply(user=users["councillor"], thread=thread, body="Use route software.")
    post = Post.objects.get(thread=thread, author=users["councillor"])
    # Run it again through the worker: the first run (queued on commit) or this one sends;
    # the other finds the post already notified.
    notify_followers.delay(post.pk).get(timeout=30)
    post.refresh_from_db()
    assert post.notified_at is not None
    # Each email is a job of its own, queued when the notifying job commits.
    deadline = time.monotonic() + 30
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # room for a second email, were one wrongly sent
    assert [message.to for message in mail.outbox] == [["officer@example.com"]]

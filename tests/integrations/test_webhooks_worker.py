"""Webhooks on the real queue: django-tasks' database backend and `btl worker --batch`.

These prove the two promises that the immediate backend cannot: nothing touches the network
while the reader waits, and a delivery survives the worker stopping, even mid-request.
"""

import socket
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from belowtheline.discussion.models import Comment
from belowtheline.integrations import webhooks
from belowtheline.integrations.models import WebhookDelivery
from tests.integrations import test_webhooks as shared

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The worker commits as it goes and closes connections it finds inside a transaction, as a
# real worker process would: these tests run on committed data.
pytestmark = pytest.mark.django_db(transaction=True)

endpoint = shared.endpoint
post = shared.post
receiver = shared.receiver


@pytest.fixture(autouse=True)
def database_queue(settings) -> None:
    settings.TASKS = DATABASE_QUEUE


@pytest.fixture
def hanging_url() -> Iterator[str]:
    """A port that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/hooks"


def _queued_jobs() -> int:
    return DBTaskResult.objects.filter(
        task_path="belowtheline.integrations.tasks.deliver_webhook", status="READY"
    ).count()


def test_a_hanging_endpoint_costs_the_poster_nothing(site, post, hanging_url):
    endpoint(site, hanging_url)
    started = time.monotonic()
    comment = post()
    assert time.monotonic() - started < 1  # the endpoint would hold a request for 5 s
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PUBLISHED
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        "pending", 0, comment.created_at
    )
    assert _queued_jobs() == 1


def test_a_timeout_is_logged_and_retried(site, post, hanging_url, run_worker, monkeypatch):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.5)
    endpoint(site, hanging_url)
    post()
    run_worker()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "pending", 1, None
    )
    assert "No response within 0.5 seconds" in delivery.last_error
    assert _queued_jobs() == 1  # the retry, waiting for its time


def test_a_delivery_recorded_while_no_worker_runs_goes_out_when_one_starts(
    site, post, receiver, run_worker
):
    endpoint(site, receiver.url)
    post()
    assert receiver.requests == []
    assert WebhookDelivery.objects.get().status == "pending"

    run_worker()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert receiver.events() == ["comment.created"]


def test_a_worker_killed_mid_delivery_leaves_a_retry_that_the_next_worker_sends(
    site, post, receiver, run_worker, monkeypatch
):
    endpoint(site, receiver.url)
    post()

    def killed(**kwargs: object) -> None:
        raise SystemExit("worker killed while the request was in flight")

    monkeypatch.setattr(webhooks, "post", killed)
    run_worker()
    monkeypatch.undo()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, receiver.requests) == ("pending", 1, [])

    run_worker()  # restarted at once: the retry is not due yet
    assert receiver.requests == []
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
        run_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert receiver.events() == ["comment.created"]


def test_a_lost_job_is_found_again_when_the_worker_starts(site, post, receiver, run_worker):
    """A process that died between committing the comment and queuing its delivery: the
    delivery row was recorded, its job was not. The next worker start sweeps for it."""
    endpoint(site, receiver.url)
    post()
    DBTaskResult.objects.all().delete()
    assert WebhookDelivery.objects.get().status == "pending"
    run_worker()
    assert WebhookDelivery.objects.get().status == "delivered"
    assert len(receiver.requests) == 1


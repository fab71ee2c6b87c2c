"""Webhooks: which events reach which endpoints, what they carry, signing, retries and the
log. Deliveries go to a real HTTP server on 127.0.0.1, run in a thread by each test; the
task queue is the immediate backend here (the database backend and the worker are in
test_webhooks_worker.py).
"""

import base64
import json
import re
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from shutil import which
from typing import Any

import pytest
import time_machine

from belowtheline.discussion import hooks
from belowtheline.discussion import services as discussion
from belowtheline.discussion.errors import Conflict
from belowtheline.discussion.models import Comment
from belowtheline.integrations import webhooks
from belowtheline.integrations.models import EVENTS, WebhookDelivery, WebhookEndpoint
from belowtheline.moderation import services as moderation
from tests.conftest import make_staff

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
SECRET = "whsec_test-secret"
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


# --- a publisher's receiving end -------------------------------------------------------------

@dataclass
class Received:
    headers: Message
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An endpoint on loopback that records what it gets and answers `statuses` in turn
    (then 200 for ever)."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def events(self) -> list[str]:
        return [r.event["event"] for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(self.headers, body))
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def dead_url() -> str:
    """A loopback port with nobody listening: connection refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"


@pytest.fixture
def immediate_tasks(settings) -> None:
    settings.TASKS = IMMEDIATE


def endpoint(site, url: str, events: list[str] | None = None, **fields: Any) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        site=site, url=url, secret=SECRET, events=list(EVENTS) if events is None else events,
        **fields,
    )


@pytest.fixture
def post(site, article, subscriber, django_capture_on_commit_callbacks):
    """Post a comment as a reader would, running what waits for the commit."""
    def _post(text: str = "Long overdue.", **kwargs: Any) -> Comment:
        with django_capture_on_commit_callbacks(execute=True):
            return discussion.post_comment(site=site, article=article, author=subscriber,
                                           text=text, **kwargs)
    return _post


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service and then its after-commit work, as a real request would."""
    def _run(service, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)
    return _run


# --- events: who gets what -------------------------------------------------------------------

pytestmark = pytest.mark.usefixtures("immediate_tasks")


def test_every_event_reaches_the_endpoints_subscribed_to_it_on_its_own_site_only(
    site, other_site, post, committed, reader, receiver
):
    endpoint(site, receiver.url + "/all")
    endpoint(site, receiver.url + "/reports", events=["report.created"])
    endpoint(site, receiver.url + "/off", active=False)
    endpoint(other_site, receiver.url + "/other")
    moderator = make_staff(site, "moderator", "mona_k")

    comment = post("The council is corrupt.")
    committed(discussion.report_comment, site=site, comment_id=comment.pk, reporter=reader,
              reason="abusive")
    committed(moderation.amend_comment, site=site, actor=moderator, comment_id=comment.pk,
              text="The council is [amended].", rule=1, reason="Unfounded")
    committed(moderation.hold_comment, site=site, actor=moderator, comment_id=comment.pk)
    committed(moderation.release_comment, site=site, actor=moderator, comment_id=comment.pk)
    committed(moderation.remove_comment, site=site, actor=moderator, comment_id=comment.pk,
              rule=1)

    sent = [(r.headers["X-BTL-Event"], r.event["event"], r.event["site"])
            for r in receiver.requests]
    assert all(header == event and site_id == "gazette" for header, event, site_id in sent)
    assert [event for _, event, _ in sent] == [
        "comment.created", "report.created", "report.created", "comment.amended",
        "comment.held", "comment.removed",
    ]
    by_event: dict[str, list[str]] = {}
    for delivery in WebhookDelivery.objects.select_related("endpoint"):
        by_event.setdefault(delivery.event, []).append(delivery.endpoint.url.rsplit("/")[-1])
        assert delivery.status == "delivered"
    assert {event: sorted(paths) for event, paths in by_event.items()} == {
        "comment.created": ["all"], "report.created": ["all", "reports"],
        "comment.amended": ["all"], "comment.held": ["all"], "comment.removed": ["all"],
    }


def test_the_other_sites_events_go_to_its_own_endpoints(
    site, other_site, other_article, committed, receiver
):
    from tests.conftest import make_subscriber

    endpoint(site, receiver.url + "/gazette")
    endpoint(other_site, receiver.url + "/echo")
    author = make_subscriber(other_site, username="eve")
    committed(discussion.post_comment, site=other_site, article=other_article, author=author,
              text="Hello from elsewhere")
    assert [(r.event["site"], r.event["event"]) for r in receiver.requests] == [
        ("elsewhere", "comment.created")
    ]
    assert WebhookDelivery.objects.get().endpoint.url.endswith("/echo")


def test_the_automatic_hold_is_announced(site, article, post, committed, readers, receiver):
    endpoint(site, receiver.url, events=["comment.held"])
    comment = post()
    # With no cover schedule the site is out of hours: one legal-risk report holds.
    committed(discussion.report_comment, site=site, comment_id=comment.pk,
              reporter=readers[0], reason="legal_risk")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HELD
    assert receiver.events() == ["comment.held"]
    assert receiver.requests[0].event["data"]["status"] == "held"


def test_disagreeing_and_a_refused_duplicate_report_send_nothing(
    site, post, committed, reader, receiver
):
    comment = post()
    endpoint(site, receiver.url)
    committed(discussion.report_comment, site=site, comment_id=comment.pk, reporter=reader,
              reason="disagree")
    committed(discussion.report_comment, site=site, comment_id=comment.pk, reporter=reader,
              reason="spam")
    with pytest.raises(Conflict):
        committed(discussion.report_comment, site=site, comment_id=comment.pk,
                  reporter=reader, reason="spam")
    assert receiver.events() == ["report.created"]
    assert WebhookDelivery.objects.count() == 1


def test_the_admin_offers_exactly_the_events_that_are_emitted():
    assert tuple(EVENTS) == hooks.EVENTS


def test_a_site_without_endpoints_records_nothing(site, post):
    post()
    assert WebhookDelivery.objects.count() == 0


# --- what a delivery carries ----------------------------------------------------------------

def test_a_new_comment_is_described_for_the_publisher(site, article, post, receiver):
    endpoint(site, receiver.url)
    parent = post("First")
    reply = post("A reply", parent=parent)
    [_, received] = receiver.requests
    delivery = WebhookDelivery.objects.get(pk=int(received.headers["X-BTL-Delivery"]))
    body = received.event
    assert body["id"] == delivery.pk
    assert (body["event"], body["site"]) == ("comment.created", "gazette")
    assert body["created_at"] == reply.created_at.isoformat().replace("+00:00", "Z")
    assert body["data"] == {
        "id": reply.pk,
        "article": {"id": article.pk, "url": article.canonical_url, "title": article.title},
        "author": {"id": reply.author_id, "name": "Sam Subscriber", "external_id": None},
        "text": "A reply",
        "status": "published",
        "parent_id": parent.pk,
        "created_at": body["created_at"],
        "url": f"{article.canonical_url}#comment-{reply.pk}",
    }
    assert received.headers["Content-Type"] == "application/json"


def test_a_report_does_not_name_its_reporter_and_a_removal_does_not_repeat_the_text(
    site, post, committed, reader, receiver
):
    endpoint(site, receiver.url, events=["report.created", "comment.removed"])
    comment = post("Something libellous")
    result = committed(discussion.report_comment, site=site, comment_id=comment.pk,
                       reporter=reader, reason="legal_risk", note="I know who wrote this")
    moderator = make_staff(site, "moderator", "mona_k")
    committed(moderation.remove_comment, site=site, actor=moderator, comment_id=comment.pk,
              rule=1)
    report, removal = (r.event["data"] for r in receiver.requests)
    assert report == {
        "id": result.report.pk, "comment_id": comment.pk, "reason": "legal_risk",
        "created_at": result.report.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert "text" not in removal
    assert removal["status"] == "removed"
    assert "libellous" not in receiver.requests[1].body.decode()


# --- signing --------------------------------------------------------------------------------

def _docs_block(language: str, index: int = 0) -> str:
    return re.findall(rf"```{language}\n(.*?)```", DOCS.read_text(), re.S)[index]


def test_the_signature_verifies_with_the_documented_python_example(site, post, receiver):
    endpoint(site, receiver.url)
    post()
    [received] = receiver.requests
    namespace: dict[str, Any] = {}
    exec(_docs_block("python"), namespace)  # the copy-pasteable example, as published
    verify = namespace["verify_webhook"]

    assert verify(SECRET, received.headers, received.body)["event"] == "comment.created"
    with pytest.raises(ValueError, match="bad signature"):
        verify("whsec_someone-else", received.headers, received.body)
    with pytest.raises(ValueError, match="bad signature"):
        verify(SECRET, received.headers, received.body.replace(b"overdue", b"OVERDUE"))


def test_the_signature_covers_the_timestamp_and_old_timestamps_are_refused(
    site, post, receiver
):
    endpoint(site, receiver.url)
    post()
    [received] = receiver.requests
    namespace: dict[str, Any] = {}
    exec(_docs_block("python"), namespace)
    verify = namespace["verify_webhook"]
    timestamp = int(received.headers["X-BTL-Timestamp"])
    assert received.headers["X-BTL-Signature"] == webhooks.sign(
        secret=SECRET, timestamp=timestamp, body=received.body
    )

    replayed = Message()
    replayed["X-BTL-Timestamp"] = str(timestamp + 60)
    replayed["X-BTL-Signature"] = received.headers["X-BTL-Signature"]
    with pytest.raises(ValueError, match="bad signature"):
        verify(SECRET, replayed, received.body)
    with time_machine.travel(datetime.fromtimestamp(timestamp + 301, UTC)), \
            pytest.raises(ValueError, match="stale"):
        verify(SECRET, received.headers, received.body)


@pytest.mark.skipif(which("node") is None, reason="Node.js is not installed")
def test_the_signature_verifies_with_the_documented_node_example(site, post, receiver):
    endpoint(site, receiver.url)
    post()
    [received] = receiver.requests
    script = _docs_block("js") + """
const input = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
const body = Buffer.from(input.body, "base64");
for (const secret of [input.secret, "whsec_someone-else"]) {
  try { console.log(verifyWebhook(secret, input.headers, body).event); }
  catch (err) { console.log(err.message); }
}
"""
    headers = {name.lower(): value for name, value in received.headers.items()}
    result = subprocess.run(
        ["node", "-e", script], capture_output=True, text=True, timeout=30, check=True,
        input=json.dumps({"secret": SECRET, "headers": headers,
                          "body": base64.b64encode(received.body).decode()}),
    )
    assert result.stdout.splitlines() == ["comment.created", "bad signature"]


# --- failures, retries, the log -------------------------------------------------------------

def test_a_dead_endpoint_never_stops_a_comment_being_posted(site, post, dead_url):
    endpoint(site, dead_url)
    comment = post()
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PUBLISHED
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "pending", 1, None
    )
    assert "Could not connect" in delivery.last_error
    assert delivery.next_attempt_at > comment.created_at


def test_a_failing_endpoint_is_retried_with_backoff_then_delivered_when_it_recovers(
    site, post, receiver
):
    endpoint(site, receiver.url)
    receiver.statuses = [500, 503]
    with time_machine.travel(T0, tick=False) as clock:
        post()
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            "pending", 1, 500
        )
        assert "HTTP 500" in delivery.last_error
        assert delivery.next_attempt_at == T0 + timedelta(seconds=30)

        clock.shift(timedelta(seconds=29))
        assert webhooks.deliver_due_webhooks() == 0  # not yet due
        clock.shift(timedelta(seconds=1))
        assert webhooks.deliver_due_webhooks() == 1
        delivery.refresh_from_db()
        assert (delivery.attempts, delivery.last_status_code) == (2, 503)
        assert delivery.next_attempt_at == T0 + timedelta(seconds=30 + 120)

        clock.shift(timedelta(minutes=2))
        webhooks.deliver_due_webhooks()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "delivered", 3, 200
    )
    assert delivery.last_error == ""
    assert delivery.delivered_at == T0 + timedelta(seconds=150)
    # The same delivery each time: same id and body, a fresh timestamp and signature.
    assert len({r.body for r in receiver.requests}) == 1
    assert {r.headers["X-BTL-Delivery"] for r in receiver.requests} == {str(delivery.pk)}
    assert [int(r.headers["X-BTL-Timestamp"]) - int(T0.timestamp())
            for r in receiver.requests] == [0, 30, 150]
    assert webhooks.deliver_due_webhooks(T0 + timedelta(days=30)) == 0


def test_a_delivery_is_given_up_after_eight_failed_attempts(site, post, receiver):
    endpoint(site, receiver.url)
    receiver.statuses = [500] * 20
    waits = []
    with time_machine.travel(T0, tick=False) as clock:
        post()
        delivery = WebhookDelivery.objects.get()
        while delivery.status == "pending":
            waits.append(delivery.next_attempt_at - webhooks.clock.now())
            clock.move_to(delivery.next_attempt_at)
            webhooks.deliver_due_webhooks()
            delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 8, 500)
    assert len(receiver.requests) == 8
    assert [w.total_seconds() for w in waits] == [30, 120, 480, 1920, 7680, 30720, 122880]
    assert webhooks.deliver_due_webhooks(T0 + timedelta(days=30)) == 0


def test_a_redirect_is_not_followed(site, post, receiver):
    endpoint(site, receiver.url)
    receiver.statuses = [302]
    post()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)
    assert "redirects are not followed" in delivery.last_error
    assert len(receiver.requests) == 1


def test_a_switched_off_endpoint_gets_no_more_retries(site, post, dead_url):
    hook = endpoint(site, dead_url)
    post()
    hook.active = False
    hook.save()
    with time_machine.travel(WebhookDelivery.objects.get().next_attempt_at):
        assert webhooks.deliver_due_webhooks() == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "switched off" in delivery.last_error


def test_two_jobs_for_one_due_delivery_send_it_once(site, post, dead_url, receiver):
    hook = endpoint(site, dead_url)
    post()
    hook.url = receiver.url
    hook.save()
    delivery = WebhookDelivery.objects.get()
    later = delivery.next_attempt_at
    with time_machine.travel(later, tick=False):
        webhooks.attempt_delivery(delivery_id=delivery.pk)
        assert webhooks.attempt_delivery(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)


def test_an_endpoint_added_paused_or_deleted_counts_from_the_very_next_post(
    site, post, receiver
):
    """Endpoints are remembered per process under the site's config_version, so a change
    to them must reach the next post, not the next restart."""
    post("Before any endpoint")
    hook = endpoint(site, receiver.url)
    post("After it was added")
    assert [r.event["data"]["text"] for r in receiver.requests] == ["After it was added"]
    hook.active = False
    hook.save()
    post("While it is paused")
    hook.active = True
    hook.save()
    post("Back on")
    hook.delete()
    post("After it was deleted")
    assert [r.event["data"]["text"] for r in receiver.requests] == [
        "After it was added", "Back on",
    ]

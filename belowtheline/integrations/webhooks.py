"""Webhooks: tell a publisher's own systems what happened on its threads.

The life of a delivery, and why it is shaped this way:

1. Discussion and moderation `emit` an event inside the transaction that made it happen.
   `record_deliveries` (registered in `IntegrationsConfig.ready()`) writes one pending
   `WebhookDelivery` per active endpoint of that site subscribed to the event, in that same
   transaction, and asks the task queue to deliver each one once it commits. Nothing here
   touches the network, so a dead or slow endpoint can never slow or break posting.
2. The delivery task (`tasks.deliver_webhook`) calls `attempt_delivery`. It first *claims*
   the attempt with one conditional UPDATE (attempts + 1, next_attempt_at pushed to when a
   retry would be due) and, when the queue can defer work, schedules that retry before
   sending anything. Only then does it POST. Success marks the delivery delivered and the
   scheduled retry finds nothing to do; failure is logged on the row and the retry is
   already waiting. A worker killed mid-request leaves the row pending with its retry
   queued, so the next worker to start sends it again: the same write-ahead idea as
   recording the delivery before the first attempt.
3. After `MAX_ATTEMPTS` failures the delivery is marked failed and stays in the log.

`deliver_due_webhooks` re-enqueues every pending delivery that is due: the safety net for a
process that died between commit and enqueue, and the way to drive retries on a queue that
cannot defer work (the immediate backend used in tests).
"""

import hashlib
import hmac
import http.client
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F

from belowtheline import clock
from belowtheline.accounts.models import ExternalIdentity
from belowtheline.discussion.models import Comment, Report
from belowtheline.integrations.destinations import destination_problem
from belowtheline.integrations.models import WebhookDelivery, WebhookEndpoint
from belowtheline.sites.config_cache import site_cached
from belowtheline.sites.models import Site

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
BACKOFF_FACTOR = 4  # 30 s, 2 min, 8 min, 32 min, ~2 h, ~8.5 h, ~34 h, then give up
# How long a claimed final attempt may run before it counts as lost (worker killed). Well
# above the request timeout, so a slow but live attempt is never sent twice.
FINAL_ATTEMPT_LEASE = timedelta(seconds=60)
MAX_ERROR_LENGTH = 1000
USER_AGENT = "BelowTheLine-Webhooks/1"

Pending = WebhookDelivery.Status.PENDING


def new_secret() -> str:
    """A signing secret for an endpoint whose admin left the field blank."""
    return "whsec_" + secrets.token_urlsafe(32)


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: exponential, from 30 seconds."""
    return FIRST_RETRY * BACKOFF_FACTOR ** max(attempts - 1, 0)


# --- payloads -------------------------------------------------------------------------------

def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat().replace("+00:00", "Z") if instant else None


def comment_data(comment: Comment) -> dict[str, Any]:
    """What a publisher learns about a comment. A removed comment's text is left out: it was
    taken down for breaking the rules and should not travel further than our audit trail."""
    article = comment.article
    subject = (
        ExternalIdentity.objects.filter(site_id=comment.site_id, user_id=comment.author_id)
        .values_list("subject", flat=True).first()
    )
    data: dict[str, Any] = {
        "id": comment.pk,
        "article": {"id": article.pk, "url": article.canonical_url, "title": article.title},
        # external_id is the `sub` of the publisher's own token, when the author came in
        # through single sign-on: the key a publisher's systems know the person by.
        "author": {"id": comment.author_id, "name": comment.author.public_name,
                   "external_id": subject},
        "status": comment.status,
        "parent_id": comment.parent_id,
        "created_at": _iso(comment.created_at),
        "url": f"{article.canonical_url}#comment-{comment.pk}",
    }
    if comment.status != Comment.Status.REMOVED:
        data["text"] = comment.text
    return data


def report_data(report: Report) -> dict[str, Any]:
    """A report without its reporter: readers report in confidence, and a publisher's
    systems have no need to know who complained."""
    return {
        "id": report.pk,
        "comment_id": report.comment_id,
        "reason": report.reason,
        "created_at": _iso(report.created_at),
    }


def event_data(event: str, payload: Comment | Report) -> dict[str, Any]:
    if isinstance(payload, Report):
        return report_data(payload)
    return comment_data(payload)


def envelope(delivery: WebhookDelivery) -> dict[str, Any]:
    """The JSON body: the same on every retry of a delivery (its id is the idempotency key),
    while the timestamp and signature headers are made afresh for each attempt."""
    return {
        "id": delivery.pk,
        "event": delivery.event,
        "site": delivery.site.slug,
        "created_at": _iso(delivery.created_at),
        "data": delivery.payload,
    }


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    """The X-BTL-Signature value: HMAC-SHA256 over "<timestamp>.<raw body>".

    The timestamp is inside the signed text so that a captured delivery cannot be replayed
    later with a fresh timestamp; receivers reject old timestamps.
    """
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


# --- recording (inside the event's transaction) --------------------------------------------

def record_deliveries(
    *, site: Site, event: str, payload: Comment | Report, now: datetime
) -> list[WebhookDelivery]:
    """The event listener: one pending delivery per subscribed endpoint, queued on commit.

    Runs inside the emitting transaction and does no network work. Endpoints are few per
    site, so they are matched in Python (JSON "contains" is not portable to SQLite).
    """
    active = site_cached(
        site, "webhook_endpoints",
        lambda: list(WebhookEndpoint.objects.filter(site=site, active=True)),
    )
    endpoints = [endpoint for endpoint in active if event in endpoint.events]
    if not endpoints:
        return []
    data = event_data(event, payload)
    deliveries = [
        WebhookDelivery.objects.create(
            site=site, endpoint=endpoint, event=event, payload=data,
            status=Pending, next_attempt_at=now, created_at=now,
        )
        for endpoint in endpoints
    ]
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: _enqueue_all(ids))
    return deliveries


def _enqueue_all(delivery_ids: list[int], run_after: datetime | None = None) -> None:
    """Queue deliveries without ever failing the caller: after commit, the comment is
    posted; if the queue cannot take the job now, the row is still pending and
    `deliver_due_webhooks` will find it."""
    for delivery_id in delivery_ids:
        try:
            enqueue_delivery(delivery_id, run_after=run_after)
        except Exception:
            logger.exception("Could not queue webhook delivery %s", delivery_id)


def enqueue_delivery(delivery_id: int, *, run_after: datetime | None = None) -> bool:
    """Queue one delivery attempt. With `run_after`, only on a queue that can defer work;
    returns whether it was queued."""
    from belowtheline.integrations.tasks import deliver_webhook

    task = deliver_webhook
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return False
        task = task.using(run_after=run_after)
    task.enqueue(delivery_id)
    return True


def deliver_due_webhooks(now: datetime | None = None) -> int:
    """Queue every pending delivery whose time has come; returns how many.

    The task re-checks and claims each one, so queuing a delivery that already has a job
    waiting sends it at most once.
    """
    now = now or clock.now()
    ids = list(
        WebhookDelivery.objects.filter(  # cross-site: the worker serves every site
            status=Pending, next_attempt_at__lte=now
        ).order_by("next_attempt_at").values_list("pk", flat=True)
    )
    _enqueue_all(ids)
    return len(ids)


# --- attempting (in the worker) -------------------------------------------------------------

@dataclass(frozen=True)
class Response:
    status_code: int | None
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect: urllib would turn a POST into a bodiless GET, possibly on
    another host. A redirect is logged as a failure so the admin fixes the URL."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(*, url: str, body: bytes, headers: dict[str, str]) -> Response:
    """One HTTP POST, its outcome reduced to a status code and a line for the log."""
    problem = destination_problem(url)
    if problem:
        return Response(None, f"Not sent: {problem}")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(65536)
            return Response(response.status, "")
    except urllib.error.HTTPError as error:
        with error:
            if 300 <= error.code < 400:
                where = error.headers.get("Location", "?")
                return Response(error.code, f"Redirected to {where}; redirects are not "
                                            "followed, update the endpoint URL.")
            snippet = error.read(300).decode("utf-8", "replace").strip()
        return Response(error.code, f"HTTP {error.code} {error.reason}. {snippet}".strip())
    except urllib.error.URLError as error:
        return Response(None, f"Could not connect: {error.reason}")
    except TimeoutError:
        return Response(None, f"No response within {TIMEOUT_SECONDS} seconds.")
    except (OSError, http.client.HTTPException, ValueError) as error:
        return Response(None, f"{type(error).__name__}: {error}")


def _claim(delivery_id: int, now: datetime) -> tuple[WebhookDelivery, datetime] | None:
    """Take the next attempt of a due delivery, or None if there is nothing to do.

    One conditional UPDATE decides who attempts: two jobs for the same delivery (a retry and
    a sweep) cannot both send it. The row's next_attempt_at moves to when a retry would be
    due, so a lost attempt is retried then, not forgotten.
    """
    delivery = (
        WebhookDelivery.objects.select_related("endpoint", "site")
        .filter(pk=delivery_id).first()  # cross-site: the worker serves every site
    )
    if delivery is None or delivery.status != Pending or delivery.next_attempt_at > now:
        return None
    if delivery.attempts >= MAX_ATTEMPTS or not delivery.endpoint.active:
        why = ("The last attempt never finished (the worker stopped)."
               if delivery.endpoint.active else "The endpoint was switched off.")
        WebhookDelivery.objects.filter(site=delivery.site, pk=delivery.pk, status=Pending).update(
            status=WebhookDelivery.Status.FAILED, last_error=why
        )
        return None
    attempt = delivery.attempts + 1
    retry_at = now + (retry_delay(attempt) if attempt < MAX_ATTEMPTS else FINAL_ATTEMPT_LEASE)
    claimed = WebhookDelivery.objects.filter(
        site=delivery.site, pk=delivery.pk, status=Pending, attempts=delivery.attempts
    ).update(attempts=F("attempts") + 1, next_attempt_at=retry_at)
    if not claimed:
        return None
    delivery.attempts = attempt
    delivery.next_attempt_at = retry_at
    return delivery, retry_at


def attempt_delivery(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery | None:
    """Send one delivery if it is due, and log the outcome on its row.

    Returns the delivery as it now stands, or None when there was nothing to do (already
    delivered, given up, not yet due, or claimed by another job).
    """
    now = now or clock.now()
    with transaction.atomic():
        claimed = _claim(delivery_id, now)
        if claimed is None:
            return None
        delivery, retry_at = claimed
        # The retry is queued with the claim and before the request goes out, so that even a
        # worker killed during the request leaves one behind. If this attempt succeeds, that
        # job finds nothing to do.
        enqueue_delivery(delivery.pk, run_after=retry_at)

    endpoint = delivery.endpoint
    body = json.dumps(envelope(delivery), ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(now.timestamp())
    response = post(url=endpoint.url, body=body, headers={
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-BTL-Event": delivery.event,
        "X-BTL-Delivery": str(delivery.pk),
        "X-BTL-Timestamp": str(timestamp),
        "X-BTL-Signature": sign(secret=endpoint.secret, timestamp=timestamp, body=body),
    })

    done = clock.now()
    fields: dict[str, Any] = {"last_status_code": response.status_code,
                              "last_error": response.error[:MAX_ERROR_LENGTH]}
    if response.ok:
        fields.update(status=WebhookDelivery.Status.DELIVERED, delivered_at=done)
    elif delivery.attempts >= MAX_ATTEMPTS:
        fields.update(status=WebhookDelivery.Status.FAILED)
    else:
        logger.info("Webhook delivery %s to %s failed (attempt %s), retry at %s: %s",
                    delivery.pk, endpoint.url, delivery.attempts, retry_at, response.error)
    WebhookDelivery.objects.filter(
        site=delivery.site, pk=delivery.pk, status=Pending, attempts=delivery.attempts
    ).update(**fields)
    delivery.refresh_from_db()
    return delivery

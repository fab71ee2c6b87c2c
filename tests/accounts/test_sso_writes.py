"""A subscriber's token is checked on every read: it may write only when it changes something.

On SQLite any write takes the one write lock that posters queue for; on PostgreSQL it is a
row lock and a WAL record per page view. So a reader's repeated reads with the same claims
must write nothing, while a change of name, email or subscription still lands at once.
"""

from datetime import timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from belowtheline import clock
from belowtheline.accounts.models import ExternalIdentity, Subscription
from belowtheline.accounts.selectors import is_subscriber
from belowtheline.accounts.sso import SEEN_RESOLUTION, verify_subscriber_token
from tests.accounts.test_sso import hs_site, hs_token  # noqa: F401  (fixture)

WRITES = ("INSERT", "UPDATE", "DELETE", "SAVEPOINT", "BEGIN")


def _writes(context: CaptureQueriesContext) -> list[str]:
    sql = [query["sql"].lstrip() for query in context.captured_queries]
    return [statement for statement in sql if statement.upper().startswith(WRITES)]


def _read(site, **claims):
    """One request's token check, with a fresh token as the publisher mints per page."""
    with CaptureQueriesContext(connection) as context:
        user = verify_subscriber_token(site=site, token=hs_token(site, **claims), now=clock.now())
    return user, context


def test_repeated_reads_with_the_same_claims_write_nothing(hs_site):  # noqa: F811
    first, _ = _read(hs_site)
    for _ in range(3):
        again, context = _read(hs_site)
        assert again.pk == first.pk
        assert _writes(context) == []
        assert len(context.captured_queries) == 1  # identity, user and subscription at once


def test_a_new_name_or_email_in_the_token_is_saved_at_once(hs_site):  # noqa: F811
    _read(hs_site)
    user, context = _read(hs_site, name="Pat Renamed", email="pat@new.example")
    assert _writes(context)
    user.refresh_from_db()
    assert (user.display_name, user.email) == ("Pat Renamed", "pat@new.example")
    _, context = _read(hs_site, name="Pat Renamed", email="pat@new.example")
    assert _writes(context) == []


def test_a_lapsed_subscription_in_the_token_is_saved_at_once_and_restored(hs_site):  # noqa: F811
    user, _ = _read(hs_site)
    _, context = _read(hs_site, subscriber=False)
    assert _writes(context)
    assert not is_subscriber(site=hs_site, user=user, now=clock.now())
    _read(hs_site, subscriber=True)
    assert is_subscriber(site=hs_site, user=user, now=clock.now())


def test_a_subscription_an_admin_changed_is_put_back_by_the_next_token(hs_site):  # noqa: F811
    user, _ = _read(hs_site)
    Subscription.objects.filter(user=user).update(
        status=Subscription.Status.CANCELLED, expires_at=clock.now() - timedelta(days=1)
    )
    _, context = _read(hs_site)
    assert _writes(context)
    subscription = Subscription.objects.get(user=user)
    assert (subscription.status, subscription.expires_at) == ("active", None)


def test_a_deleted_subscription_is_made_again_from_the_token(hs_site):  # noqa: F811
    user, _ = _read(hs_site)
    Subscription.objects.filter(user=user).delete()
    _read(hs_site)
    assert Subscription.objects.get(user=user).status == "active"


def test_last_seen_moves_only_once_per_resolution_without_a_transaction(hs_site):  # noqa: F811
    start = clock.now()
    with time_machine.travel(start, tick=False):
        user, _ = _read(hs_site)
    with time_machine.travel(start + SEEN_RESOLUTION - timedelta(seconds=1), tick=False):
        _, context = _read(hs_site)
        assert _writes(context) == []
    later = start + SEEN_RESOLUTION + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        _, context = _read(hs_site)
    writes = _writes(context)
    assert len(writes) == 1  # one statement, no savepoint around it
    assert writes[0].startswith("UPDATE")
    assert ExternalIdentity.objects.get(user=user).last_seen_at == later

"""Sessions read with SQL written once (`accounts/sessions.py`): the same session Django's
database engine reads, in one query, and nothing once it has expired or been signed out."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from belowtheline.accounts.sessions import SessionStore


def test_the_site_uses_it():
    assert settings.SESSION_ENGINE == "belowtheline.accounts.sessions"


@pytest.mark.django_db
def test_a_session_reads_as_djangos_own_engine_reads_it_in_one_query(moderator):
    client = Client()
    client.force_login(moderator)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    with CaptureQueriesContext(connection) as queries:
        data = SessionStore(key).load()
    assert len(queries.captured_queries) == 1
    assert data == DjangoStore(key).load()
    assert data["_auth_user_id"] == str(moderator.pk)


@pytest.mark.django_db
def test_an_expired_session_is_not_read(moderator):
    client = Client()
    client.force_login(moderator)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1))

    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None  # as Django's engine: a new session, not that one


@pytest.mark.django_db
def test_an_unknown_key_reads_nothing():
    assert SessionStore("no-such-session-key-at-all").load() == {}


@pytest.mark.django_db
def test_the_sign_out_page_ends_the_session_for_every_later_request(client, moderator, site):
    client.force_login(moderator)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    queue = reverse("moderation_queue", args=[site.slug])
    assert client.get(queue).status_code == 200

    client.post(reverse("logout"))
    later = Client()
    later.cookies[settings.SESSION_COOKIE_NAME] = key
    assert later.get(queue).status_code == 302


@pytest.mark.django_db
def test_a_session_signed_in_with_djangos_own_backend_still_opens_the_queue(moderator, site):
    """Sessions made before accounts.backends name Django's ModelBackend: nobody is signed
    out by the change, and the same rules apply to them."""
    client = Client()
    client.force_login(moderator, backend="django.contrib.auth.backends.ModelBackend")
    queue = reverse("moderation_queue", args=[site.slug])
    assert client.get(queue).status_code == 200

    moderator.is_active = False
    moderator.save()
    assert client.get(queue).status_code == 302


@pytest.mark.django_db
def test_signing_in_is_decided_by_one_backend(client, moderator):
    """Only this backend is listed, so a wrong password is not checked a second time by
    Django's own (a failed sign-in costs one hashing, not two)."""
    moderator.set_password("the right one, at length")
    moderator.save()
    assert not client.login(username=moderator.username, password="a wrong one")
    assert client.login(username=moderator.username, password="the right one, at length")
    assert settings.AUTHENTICATION_BACKENDS == ["belowtheline.accounts.backends.AccountBackend"]

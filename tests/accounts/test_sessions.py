"""Sessions read from the cache in front of the database (`accounts/sessions.py`): a session
survives the cache being emptied, and a signed-out session is gone from both, even when the
cache fails at that moment."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from belowtheline.accounts.sessions import SessionStore

DEAD_REDIS = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1: refused at once
    "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
}


def test_the_engine_is_redis_backed_only_when_redis_is_shared():
    """A per-process cache would keep a session signed out on another worker alive."""
    if settings.REDIS_URL:
        assert settings.SESSION_ENGINE == "belowtheline.accounts.sessions"
    else:
        assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


@pytest.mark.django_db
def test_a_session_outlives_an_emptied_cache():
    store = SessionStore()
    store["_auth_user_id"] = "7"
    store.create()
    caches[settings.SESSION_CACHE_ALIAS].clear()

    assert SessionStore(store.session_key).load()["_auth_user_id"] == "7"


@pytest.mark.django_db
def test_signing_out_forgets_the_session_in_the_cache_and_the_database(moderator):
    client = Client()
    client.force_login(moderator)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = SessionStore(key)
    assert store.load()  # read once: now in the cache too

    store.flush()
    assert caches[settings.SESSION_CACHE_ALIAS].get(SessionStore.cache_key_prefix + key) is None
    assert not Session.objects.filter(session_key=key).exists()
    assert SessionStore(key).load() == {}


@pytest.mark.django_db
def test_a_sign_out_the_cache_fails_deletes_nothing_and_says_so(settings):
    """Forgotten in the database but not in the cache, a signed-out session would come back
    when the cache answered again; so the cache goes first, and its failure is the
    request's error."""
    store = SessionStore()
    store["_auth_user_id"] = "7"
    store.create()
    key = store.session_key
    settings.CACHES = {**settings.CACHES, "sessions_dead": DEAD_REDIS}
    settings.SESSION_CACHE_ALIAS = "sessions_dead"

    with pytest.raises(Exception, match="(?i)connect|refused"):
        SessionStore(key).delete()
    assert Session.objects.filter(session_key=key).exists()


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

"""Write limits, on the local-memory cache and (when BTL_TEST_REDIS=1) on a real Redis."""

from datetime import timedelta

import pytest
from django.core.cache import caches

from belowtheline import clock
from belowtheline.discussion import services
from belowtheline.discussion.models import Comment
from belowtheline.ratelimit import RateLimited, check_rate_limit
from tests.conftest import redis_enabled


def test_eleventh_comment_in_a_minute_is_refused_with_429(site, article, subscriber):
    now = clock.now().replace(second=0, microsecond=0)
    for n in range(10):
        services.post_comment(site=site, article=article, author=subscriber, text=f"n{n}",
                              now=now + timedelta(seconds=n))
    with pytest.raises(RateLimited) as exc:
        services.post_comment(site=site, article=article, author=subscriber, text="one more",
                              now=now + timedelta(seconds=30))
    assert (exc.value.code, exc.value.status) == ("rate_limited", 429)
    assert Comment.objects.count() == 10
    services.post_comment(site=site, article=article, author=subscriber, text="next minute",
                          now=now + timedelta(seconds=61))
    assert Comment.objects.count() == 11


def test_one_readers_limit_does_not_touch_anothers(site, article, subscriber, other_subscriber):
    now = clock.now().replace(second=0, microsecond=0)
    for n in range(10):
        services.post_comment(site=site, article=article, author=subscriber, text=f"n{n}",
                              now=now)
    services.post_comment(site=site, article=article, author=other_subscriber, text="me too",
                          now=now)


@pytest.fixture
def redis_cache(settings):
    if not redis_enabled():
        pytest.skip("Redis cases need a Redis server: set BTL_TEST_REDIS=1 (CI does)")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/14",
            "KEY_PREFIX": "btl-ratelimit-test",
        }
    }
    cache = caches["default"]
    assert "Redis" in type(cache).__name__
    cache.clear()
    yield cache
    cache.clear()


@pytest.mark.redis
def test_limit_is_shared_through_redis_across_processes(redis_cache, settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "3/60"}
    now = clock.now()
    for _ in range(3):
        check_rate_limit(kind="comment", who="42", now=now)
    # Another web process sees the same counter: that is what Redis is for.
    assert int(redis_cache.get(f"ratelimit:comment:42:{int(now.timestamp()) // 60}")) == 3
    with pytest.raises(RateLimited):
        check_rate_limit(kind="comment", who="42", now=now)


@pytest.mark.redis
def test_the_redis_counter_expires_after_its_window(redis_cache, settings):
    now = clock.now()
    check_rate_limit(kind="comment", who="7", now=now)
    key = redis_cache.make_and_validate_key(f"ratelimit:comment:7:{int(now.timestamp()) // 60}")
    ttl = redis_cache._cache.get_client(key).ttl(key)
    assert 0 < ttl <= 61


@pytest.fixture
def redis_down(settings):
    """A Redis cache that cannot be reached: nothing listens on port 1."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }


def test_comments_still_go_up_while_redis_is_down(site, article, subscriber, redis_down):
    comment = services.post_comment(site=site, article=article, author=subscriber,
                                    text="Posted while the cache was away")
    assert Comment.objects.get(pk=comment.pk).text == "Posted while the cache was away"


def test_sign_in_is_refused_with_503_while_redis_is_down(client, reader, redis_down):
    response = client.post("/accounts/login/", {"username": "rita", "password": "x"})
    assert response.status_code == 503
    assert b"briefly unavailable" in response.content


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(rf, settings):
    from belowtheline.ratelimit import client_address

    # The client forged the first entry; our one proxy appended what it saw.
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    assert client_address(request) == "10.0.0.2"  # no proxy configured: the peer
    settings.BTL_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.9"
    settings.BTL_PROXY_COUNT = 2
    assert client_address(request) == "6.6.6.6"
    settings.BTL_PROXY_COUNT = 3  # fewer entries than proxies: not from our proxies
    assert client_address(request) == "10.0.0.2"


def test_sign_in_attempts_behind_a_load_balancer_are_counted_per_reader(client, reader,
                                                                         settings):
    settings.BTL_PROXY_COUNT = 1
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "login": "2/300"}
    for _ in range(2):
        client.post("/accounts/login/", {"username": "rita", "password": "x"},
                    HTTP_X_FORWARDED_FOR="198.51.100.1")
    refused = client.post("/accounts/login/", {"username": "rita", "password": "x"},
                          HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert refused.status_code == 429
    other = client.post("/accounts/login/", {"username": "rita", "password": "x"},
                        HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code != 429

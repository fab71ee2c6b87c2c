"""Shared fixtures: one publication with published rules, and people in each role.

Tests run on the real database the settings name (SQLite by default, PostgreSQL when the
Makefile's second run sets DATABASE_URL) and the real cache; nothing of ours is mocked.
"""

import os

import pytest
from django.core.cache import cache

from belowtheline.accounts.models import User
from belowtheline.discussion import services
from belowtheline.discussion.models import Article, RulesVersion
from belowtheline.sites.models import Site
from tests.accounts.factories import SubscriptionFactory, UserFactory
from tests.discussion.factories import ArticleFactory, RulesVersionFactory
from tests.sites.factories import SiteFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; each test starts with a clean one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site(db) -> Site:
    return SiteFactory(slug="gazette", name="The Test Gazette")


@pytest.fixture
def rules(site) -> RulesVersion:
    return RulesVersionFactory(site=site, number=1)


@pytest.fixture
def article(site) -> Article:
    return ArticleFactory(site=site, title="Council approves new bridge")


def make_subscriber(site: Site, *, accept_rules: bool = True, **user_fields) -> User:
    """A paying subscriber; by default one who has already accepted the current rules."""
    user = UserFactory(**user_fields)
    SubscriptionFactory(site=site, user=user)
    if accept_rules:
        services.accept_rules(site=site, user=user)
    return user


@pytest.fixture
def subscriber(site, rules) -> User:
    return make_subscriber(site, username="sam", display_name="Sam Subscriber")


@pytest.fixture
def other_subscriber(site, rules) -> User:
    return make_subscriber(site, username="olive", display_name="Olive Other")


@pytest.fixture
def reader(db) -> User:
    """Signed in, but not a subscriber: may read and report, not comment."""
    return UserFactory(username="rita", display_name="Rita Reader")


def postgres_enabled() -> bool:
    return os.environ.get("BTL_TEST_POSTGRES") == "1"


def redis_enabled() -> bool:
    return os.environ.get("BTL_TEST_REDIS") == "1"

"""Shared fixtures: one publication with published rules, and people in each role.

Tests run on the real database the settings name (SQLite by default, PostgreSQL when the
Makefile's second run sets DATABASE_URL) and the real cache; nothing of ours is mocked.
"""

import os
import signal
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.core.management import call_command

from belowtheline.accounts.models import StaffRole, User
from belowtheline.discussion import fragments, services, thread_cache
from belowtheline.discussion.models import Article, RulesVersion
from belowtheline.moderation import queue_cache
from belowtheline.sites import config_cache
from belowtheline.sites.models import Site
from belowtheline.sites.services import seed_default_cover
from tests.accounts.factories import SubscriptionFactory, UserFactory
from tests.discussion.factories import ArticleFactory, RulesVersionFactory
from tests.sites.factories import SiteFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and thread renderings live in the cache, and renderings (threads,
    queue pages, comments) in each process's memory too; each test starts with clean ones (ids and
    versions repeat between tests)."""
    cache.clear()
    thread_cache.clear()
    queue_cache.clear()
    fragments.clear()
    yield
    cache.clear()
    thread_cache.clear()
    queue_cache.clear()
    fragments.clear()


@pytest.fixture(autouse=True)
def _fresh_site_config():
    """Each process keeps sites' rules, cover and sanctions in memory, keyed by site id and
    config version: both repeat between tests, whose rows are rolled back."""
    config_cache.forget_all()
    yield
    config_cache.forget_all()


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    """Tests make hundreds of accounts; real password hashing would cost minutes. Passwords
    are still checked, with a cheap hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


def on_postgresql() -> bool:
    """This run's database is PostgreSQL (the second run of `scripts/run-tests`)."""
    from django.db import connection

    return connection.vendor == "postgresql"


def redis_enabled() -> bool:
    return os.environ.get("BTL_TEST_REDIS") == "1"


# --- staff of the test site, and of another site ---------------------------------------

def make_staff(site, role: str, username: str, cover: str = "full_time"):
    user = UserFactory(username=username, display_name=username.title())
    StaffRole.objects.create(site=site, user=user, role=role, cover=cover)
    return user


@pytest.fixture
def covered_site(site):
    """The test site with the default schedule: full-time 9–6 on weekdays, UK time."""
    seed_default_cover(site=site)
    return site


@pytest.fixture
def moderator(site):
    return make_staff(site, "moderator", "mona_k")


@pytest.fixture
def second_moderator(site):
    return make_staff(site, "moderator", "max_p", cover="part_time")


@pytest.fixture
def editor(site):
    return make_staff(site, "editor", "ed_r")


@pytest.fixture
def site_admin(site):
    return make_staff(site, "admin", "ada_l")


@pytest.fixture
def other_site(db):
    other = SiteFactory(slug="elsewhere", name="The Elsewhere Echo")
    RulesVersionFactory(site=other, number=1)
    return other


@pytest.fixture
def foreign_moderator(other_site):
    return make_staff(other_site, "moderator", "fred_x")


@pytest.fixture
def comment(site, article, subscriber):
    return services.post_comment(site=site, article=article, author=subscriber,
                                   text="The council is corrupt, everyone knows it.")


@pytest.fixture
def reported(site, comment, reader):
    services.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                              reason="abusive", note="Unfounded accusation")
    return comment


@pytest.fixture
def other_article(other_site):
    return ArticleFactory(site=other_site)


@pytest.fixture
def readers(site):
    """Six of the site's subscribers with no reports decided yet: each report of theirs
    counts one ordinary report towards the automatic holds."""
    return [make_subscriber(site, accept_rules=False, username=f"complainer{i}")
            for i in range(6)]


class CountingDjango:
    """Django behind a WSGI path of ours (fast, viewer, posting), counting how often a
    request reaches it: what the path answered itself never does."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, environ, start_response):
        from belowtheline import wsgi

        self.calls += 1
        return wsgi.django_application(environ, start_response)


@pytest.fixture
def django_app() -> CountingDjango:
    return CountingDjango()


@pytest.fixture
def run_worker() -> Iterator:
    """`btl worker --batch`: run what is due, then exit, like a worker that has just
    (re)started. The worker installs its own SIGINT/SIGTERM handlers; pytest gets its own
    back afterwards."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM,
                                                    signal.SIGQUIT)}

    def _run() -> None:
        call_command("worker", "--batch", "--interval", "0", verbosity=0)

    yield _run
    for sig, handler in saved.items():
        signal.signal(sig, handler)

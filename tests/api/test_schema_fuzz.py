"""The JSON API fuzzed from its own OpenAPI description (schemathesis), as three callers:
nobody, a publisher's subscriber (signed token) and a publisher's server (API key).

Bounded for CI: a few cases per operation and mode (`BTL_FUZZ_EXAMPLES`, default 4),
derandomized so a failure here fails the same way on the next run. `scripts/fuzz-api`
runs the same fuzz for longer with a random seed. What is checked, and how requests reach
the real stack against the test's database, is in `tests/api/fuzzing.py`.
"""

import os

import pytest

from belowtheline import clock, wsgi
from belowtheline.accounts.api_keys import create_api_key
from belowtheline.accounts.models import User
from belowtheline.discussion import services
from belowtheline.moderation import services as moderation
from tests.api import fuzzing
from tests.api.test_bearer_tokens import SECRET, token
from tests.conftest import make_staff, make_subscriber
from tests.discussion.factories import ArticleFactory

EXAMPLES = fuzzing.examples_from_environment(4)
# scripts/fuzz-api sets a seed: random cases, shrunk when one fails. Unset: derandomized.
SEED = int(os.environ["BTL_FUZZ_SEED"]) if os.environ.get("BTL_FUZZ_SEED") else None


@pytest.fixture
def fuzz_world(site, rules, settings) -> tuple[fuzzing.World, dict[str, str]]:
    """A site with a thread worth fuzzing (comments, a reply, a report, a sanction, a
    comment awaiting approval), a token reader who accepted the rules, and an API key: the
    world, and the credentials by role."""
    # Many writes from one caller in a short time: the limits are tested elsewhere.
    settings.BTL_RATE_LIMITS = {name: "100000/60" for name in settings.BTL_RATE_LIMITS}
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    admin = make_staff(site, "admin", "fuzz_admin")
    moderator = make_staff(site, "moderator", "fuzz_mod")
    author = make_subscriber(site, username="fuzz_author", display_name="Fuzz Author")
    reporter = make_subscriber(site, username="fuzz_reporter")
    article = ArticleFactory(site=site, title="Fuzzed article")
    second = ArticleFactory(site=site, title="Second article")
    first = services.post_comment(site=site, article=article, author=author, text="First.")
    reply = services.post_comment(site=site, article=article, author=reporter,
                                  text="A reply.", parent=first)
    services.report_comment(site=site, comment_id=first.pk, reporter=reporter,
                            reason="abusive", note="Rude")
    sanction = moderation.sanction_author(site=site, actor=moderator, user_id=reporter.pk,
                                          kind="premoderation", days=None, reason="spam")
    # On pre-moderation now: this one waits for approval.
    pending = services.post_comment(site=site, article=second, author=reporter,
                                    text="Waiting for approval.")
    _, key = create_api_key(site=site, actor=admin, name="fuzz", now=clock.now())
    subscriber_token = token(site, sub="fuzz-1", name="Fuzz Token")
    with fuzzing.requests_keep_the_test_transaction():
        # The token reader's first visit creates them; then they accept the rules.
        _me(site.slug, subscriber_token)
    token_user = User.objects.get(external_identity__subject="fuzz-1")
    services.accept_rules(site=site, user=token_user)
    world = fuzzing.World(
        site_slug=site.slug,
        ids={
            "article_id": [article.pk, second.pk],
            "comment_id": [first.pk, reply.pk, pending.pk],
            "user_id": [author.pk, reporter.pk, token_user.pk],
            "sanction_id": [sanction.pk],
        },
    )
    return world, {"anonymous": "", "subscriber token": subscriber_token, "API key": key}


def _me(slug: str, bearer: str) -> None:
    from django.test import Client

    Client().get(f"/api/v1/sites/{slug}/me", HTTP_AUTHORIZATION=f"Bearer {bearer}")


@pytest.mark.parametrize("role", ["anonymous", "subscriber token", "API key"])
def test_every_operation_answers_as_described_whatever_it_is_sent(fuzz_world, role):
    """No 5xx, and every answer is one the description promises, for well-formed and
    malformed requests alike, whoever calls."""
    world, credentials = fuzz_world
    headers = {"Authorization": f"Bearer {credentials[role]}"} if credentials[role] else {}
    with fuzzing.requests_keep_the_test_transaction():
        schema = fuzzing.load_schema(wsgi.application)
        findings, sent = fuzzing.fuzz(schema, world, headers, examples=EXAMPLES,
                                      run_seed=SEED)
    print(f"\n{role}: {sent} requests, {len(findings)} operations failing")  # noqa: T201
    assert sent > 0
    assert not findings, fuzzing.report(findings)

"""The demo publication: loaded once through the services, believable, and the way in printed.

`make demo` runs `btl demo` on every start, so the second run matters as much as the
first: it must add nothing and still print the accounts.
"""

import re
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import F

from belowtheline.accounts.models import StaffRole, Subscription, User
from belowtheline.demo import content
from belowtheline.demo.loader import load_demo
from belowtheline.discussion import selectors
from belowtheline.discussion.models import (
    Article,
    Comment,
    Recommendation,
    Report,
    Rule,
    RulesAcceptance,
)
from belowtheline.ratelimit import RateLimited
from belowtheline.sites.models import Site

LONDON = ZoneInfo("Europe/London")
ACCOUNT_LINE = re.compile(r"^\s+(\S+) / (\S+)\s+— ", re.MULTILINE)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Fifteen accounts with the production hasher take seconds per test; the demo's
    passwords are checked the same way with a fast one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "sites": Site.objects.count(),
        "users": User.objects.count(),
        "articles": Article.objects.count(),
        "comments": Comment.objects.count(),
        "recommendations": Recommendation.objects.count(),
        "reports": Report.objects.count(),
        "rules": Rule.objects.count(),
        "acceptances": RulesAcceptance.objects.count(),
    }


@pytest.fixture
def demo(db) -> Site:
    run_demo()
    return Site.objects.get(slug="demo")


def test_demo_is_a_london_publication_with_its_own_texts(demo):
    assert demo.name == content.SITE_NAME
    assert demo.time_zone == "Europe/London"
    assert demo.subscribe_url == ""
    assert "9am to 6pm on weekdays" in demo.moderation_notice
    assert "Report this comment" in demo.moderation_notice
    assert "<" not in demo.moderation_notice  # the template adds the link to the rules
    assert "subscribers" in demo.subscriber_only_text
    assert len(demo.why_subscribers_text.split("\n\n")) >= 3


def test_demo_loads_three_stories_and_about_sixty_comments(demo):
    articles = list(Article.objects.filter(site=demo))
    assert len(articles) == 3
    assert all(a.comment_mode == Article.CommentMode.OPEN for a in articles)
    assert all(len(a.body.split("\n\n")) >= 4 for a in articles)
    assert all(300 <= len(a.body.split()) <= 500 for a in articles)
    assert 55 <= Comment.objects.filter(site=demo).count() <= 65
    assert Comment.objects.values("author").distinct().count() >= 10


def test_article_comment_count_is_its_published_comments(demo):
    for article in Article.objects.filter(site=demo):
        published = article.comments.filter(status=Comment.Status.PUBLISHED).count()
        assert published > 0
        assert article.comment_count == published


def test_threads_have_replies_and_replies_to_replies(demo):
    replies = Comment.objects.filter(site=demo, parent__isnull=False)
    deeper = replies.exclude(parent=F("thread_root"))
    assert replies.count() >= 15
    assert deeper.count() >= 5
    for reply in replies.select_related("parent"):
        assert reply.created_at > reply.parent.created_at


def test_recommendation_counts_match_the_recommendations(demo):
    recommended = Comment.objects.filter(site=demo, recommendation_count__gt=0)
    assert recommended.count() >= 30
    for comment in recommended:
        assert comment.recommendation_count == comment.recommendations.count()
        assert not comment.recommendations.filter(user=comment.author).exists()


def test_comments_are_backdated_after_their_story_and_before_now(demo):
    for article in Article.objects.filter(site=demo):
        times = list(article.comments.values_list("created_at", flat=True))
        assert min(times) > article.published_at
        assert max(times) < Site.objects.get(pk=demo.pk).created_at


def test_rules_are_published_with_numbered_rules_and_commenters_accepted_them(demo):
    rules = selectors.current_rules(site=demo)
    assert rules is not None
    assert rules.number == 1
    assert rules.preamble
    assert [r.number for r in rules.rules.all()] == list(range(1, len(content.RULES) + 1))
    assert len(rules.rules.all()) >= 6
    for username in content.COMMENTERS:
        user = User.objects.get(username=username)
        assert selectors.has_accepted(site=demo, user=user, rules_version=rules)


def test_reader_has_open_reports_waiting_for_the_moderators(demo):
    reports = Report.objects.filter(site=demo, status=Report.Status.OPEN)
    assert reports.count() == len(content.REPORTS) >= 2
    assert set(reports.values_list("reporter__username", flat=True)) == {"reader"}
    assert {"legal_risk", "off_topic", "spam"} <= set(reports.values_list("reason", flat=True))


def test_printed_accounts_sign_in_with_their_printed_passwords(db):
    output = run_demo()
    assert 'Demo publication "The Wrenmouth Courier" is ready at http://127.0.0.1:8000/' in output
    printed = dict(ACCOUNT_LINE.findall(output))
    assert set(printed) == {"subscriber", "reader", "moderator", "admin"}
    for username, password in printed.items():
        assert authenticate(username=username, password=password) is not None, username


def test_printed_address_follows_port(db, monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    assert "http://127.0.0.1:8123/" in run_demo()


def test_each_demo_account_plays_its_part(demo):
    now = demo.created_at
    subscriber = User.objects.get(username="subscriber")
    standing = selectors.viewer_standing(site=demo, user=subscriber, now=now)
    assert standing.subscriber
    assert standing.must_accept_rules  # the visitor meets the acceptance step

    reader = User.objects.get(username="reader")
    assert not selectors.viewer_standing(site=demo, user=reader, now=now).subscriber

    moderator = User.objects.get(username="moderator")
    role = StaffRole.objects.get(site=demo, user=moderator)
    assert (role.role, role.cover) == ("moderator", "full_time")
    assert not moderator.is_staff

    admin = User.objects.get(username="admin")
    assert admin.is_staff
    assert admin.is_superuser
    assert StaffRole.objects.get(site=demo, user=admin).role == "admin"

    commenters = Subscription.objects.filter(site=demo, status="active")
    assert commenters.count() == len(content.COMMENTERS) + 1


def test_second_run_adds_nothing_and_still_prints_the_accounts(demo):
    before = counts()
    output = run_demo()
    assert counts() == before
    assert "already loaded; nothing was added" in output
    assert set(dict(ACCOUNT_LINE.findall(output))) == {"subscriber", "reader", "moderator", "admin"}


def test_loading_fails_whole_leaving_nothing_behind(db, settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "0/60"}
    with pytest.raises(RateLimited):
        load_demo()
    assert set(counts().values()) == {0}


def test_demo_refuses_to_take_over_existing_usernames(db):
    User.objects.create_user(username="admin", password="someone-elses")
    with pytest.raises(CommandError, match="admin"):
        run_demo()
    assert not Site.objects.exists()
    assert authenticate(username="admin", password="someone-elses") is not None


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 25, 0, 1, tzinfo=LONDON),  # just after midnight
        datetime(2026, 3, 30, 0, 1, tzinfo=LONDON),  # the night after the clocks went forward
        datetime(2026, 11, 25, 23, 59, tzinfo=LONDON),
    ],
)
def test_every_demo_event_is_in_the_past_whenever_it_is_loaded(db, now):
    result = load_demo(now=now)
    assert result.loaded
    latest = max(
        [*Comment.objects.values_list("created_at", flat=True),
         *Recommendation.objects.values_list("created_at", flat=True),
         *Report.objects.values_list("created_at", flat=True)]
    )
    assert latest < now


def test_demo_content_is_consistent():
    keys: dict[str, tuple[str, int, str]] = {}
    for article in content.ARTICLES:
        for item in article.comments:
            assert item.key not in keys
            assert item.author in content.COMMENTERS
            assert item.author not in item.recommended_by
            assert len(set(item.recommended_by)) == len(item.recommended_by)
            assert set(item.recommended_by) <= set(content.COMMENTERS)
            if item.reply_to:
                parent_article, parent_minutes, _ = keys[item.reply_to]  # earlier in the list
                assert parent_article == article.slug
                assert parent_minutes < item.minutes
            keys[item.key] = (article.slug, item.minutes, item.author)
    for report in content.REPORTS:
        assert report.comment in keys
        assert report.reason in Report.Reason.values

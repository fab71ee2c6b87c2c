"""The demo publication: loaded once through the services, believable, and the way in printed.

`make demo` runs `btl demo` on every start, so the second run matters as much as the
first: it must add nothing and still print the accounts.
"""

import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import F
from django.urls import reverse

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
from belowtheline.moderation import selectors as moderation
from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction
from belowtheline.ratelimit import RateLimited
from belowtheline.sites.cover import cover_at, describe_cover
from belowtheline.sites.models import CoverException, CoverPeriod, Site

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
        "audit": AuditEntry.objects.count(),
        "sanctions": Sanction.objects.count(),
        "notes": ModeratorNote.objects.count(),
        "cover": CoverPeriod.objects.count() + CoverException.objects.count(),
    }


@pytest.fixture
def demo(db) -> Site:
    run_demo()
    return Site.objects.get(slug="demo")


def test_demo_is_a_london_publication_with_its_own_texts(demo):
    assert demo.name == content.SITE_NAME
    assert demo.time_zone == "Europe/London"
    assert demo.subscribe_url == ""
    assert "Report this comment" in demo.moderation_notice
    assert "personally responsible" in demo.moderation_notice
    # The hours are stated under the notice from the schedule, never in the publisher's text.
    assert not re.search(r"\d\s*(am|pm)|weekday|UK time", demo.moderation_notice)
    assert "<" not in demo.moderation_notice  # the template adds the link to the rules
    assert "subscribers" in demo.subscriber_only_text
    assert len(demo.why_subscribers_text.split("\n\n")) >= 3


def test_demo_loads_three_stories_and_about_sixty_comments(demo):
    articles = list(Article.objects.filter(site=demo))
    assert len(articles) == 3
    assert all(a.comment_mode == Article.CommentMode.OPEN for a in articles)
    assert all(len(a.body.split("\n\n")) >= 4 for a in articles)
    assert all(300 <= len(a.body.split()) <= 500 for a in articles)
    assert 60 <= Comment.objects.filter(site=demo).count() <= 70
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


def test_the_demo_site_has_the_default_cover_and_a_bank_holiday(demo):
    assert describe_cover(site=demo) == (
        "Moderated full-time 9am–6pm on weekdays, and part-time outside those hours, UK time."
    )
    holidays = list(CoverException.objects.filter(site=demo).order_by("date"))
    assert [(h.date.month, h.date.day, h.kind, h.note) for h in holidays] == [
        (12, 25, "part_time", "Christmas Day"), (12, 26, "part_time", "Boxing Day"),
    ]
    assert holidays[0].date >= demo.created_at.astimezone(LONDON).date() - timedelta(days=1)
    christmas = datetime.combine(holidays[0].date, time(12), tzinfo=LONDON)
    assert cover_at(site=demo, instant=christmas).kind == "part_time"


def test_reports_of_every_reason_wait_for_the_moderators(demo):
    reports = Report.objects.filter(site=demo, status=Report.Status.OPEN)
    assert set(reports.values_list("reason", flat=True)) == set(Report.Reason.values)
    reporters = set(reports.values_list("reporter__username", flat=True))
    assert len(reporters) >= 4
    assert "reader" in reporters
    assert reporters & set(content.READERS)  # readers who are not subscribers report too
    queue = moderation.reported_queue(site=demo, now=demo.created_at).items
    assert len(queue) == reports.values("comment").distinct().count() >= 5
    assert queue[0].legal_risk  # legal risk first, as the dashboard orders it
    # Below the thresholds of either cover: no comment but the legal-risk one is held.
    assert max(item.open_reports for item in queue) <= 2


def test_a_comment_was_held_by_the_system_out_of_hours(demo):
    held = Comment.objects.get(site=demo, status=Comment.Status.HELD)
    entry = AuditEntry.objects.get(site=demo, comment=held, action="hold")
    assert entry.actor is None
    assert entry.actor_name == "system"
    assert entry.cover == "part_time"
    assert "legal-risk" in entry.reason
    report = held.reports.get()
    assert (report.reason, report.status) == ("legal_risk", "open")
    assert report.created_at == entry.created_at
    assert cover_at(site=demo, instant=entry.created_at).kind == "part_time"


def test_an_author_on_premoderation_has_a_comment_awaiting_approval(demo):
    sanction = Sanction.objects.get(site=demo, kind="premoderation")
    assert moderation.active_sanction(
        site=demo, user=sanction.user, kind="premoderation", now=demo.created_at
    ) == sanction
    assert sanction.created_by.username == "moderator"
    pending = Comment.objects.get(site=demo, status=Comment.Status.PENDING)
    assert pending.author == sanction.user
    assert pending.created_at > sanction.created_at
    published = Comment.objects.filter(site=demo, author=sanction.user).exclude(pk=pending.pk)
    assert all(c.created_at < sanction.created_at for c in published)
    note = ModeratorNote.objects.get(site=demo, user=sanction.user)
    assert note.author.username == "moderator"
    held = {i.comment.pk for i in moderation.held_queue(site=demo, now=demo.created_at).items}
    assert pending.pk in held


def test_the_moderators_history_is_in_the_audit_trail(demo):
    entries = AuditEntry.objects.filter(site=demo, actor__username="moderator")
    assert {"amend", "remove", "dismiss", "premoderate", "note"} <= set(
        entries.values_list("action", flat=True)
    )

    amend = entries.get(action="amend")
    assert amend.rule.number == 6
    assert "07700 900461" in amend.text_before
    assert amend.comment.text == amend.text_after
    assert "07700" not in amend.text_after
    assert amend.comment.amended_at == amend.created_at

    remove = entries.get(action="remove")
    assert remove.rule.number == 1
    assert remove.comment.status == Comment.Status.REMOVED
    assert remove.text_before == remove.comment.text  # kept, never hard-deleted

    dismiss = entries.get(action="dismiss")
    assert dismiss.comment.status == Comment.Status.PUBLISHED
    assert set(dismiss.comment.reports.values_list("status", flat=True)) == {"dismissed"}

    for entry in entries.filter(comment__isnull=False):
        decided = entry.comment.reports.exclude(status=Report.Status.OPEN)
        assert decided.exists()
        for report in decided:
            assert report.created_at < report.decided_at == entry.created_at


def test_the_removed_comment_leaves_a_tombstone_citing_its_rule(demo, client):
    removed = Comment.objects.get(site=demo, status=Comment.Status.REMOVED)
    held = Comment.objects.get(site=demo, status=Comment.Status.HELD)
    article = removed.article
    response = client.get(reverse("thread", args=[demo.slug, article.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    rule = Rule.objects.get(pk=removed.moderation_rule_id)
    assert (
        f'<p class="tombstone">Removed by a moderator — breaks '
        f'<a href="{rule.get_absolute_url()}">rule 1</a></p>'
    ) in html
    assert removed.text[:40] not in html
    assert "Moderated full-time 9am–6pm on weekdays" in html
    if held.article_id == article.pk:
        assert "This comment is being reviewed" in html
    held_html = client.get(reverse("thread", args=[demo.slug, held.article_id])).content
    assert "This comment is being reviewed" in held_html.decode()


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
    for username in content.READERS:
        reader = User.objects.get(username=username)
        assert not selectors.viewer_standing(site=demo, user=reader, now=now).subscriber


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


def moderation_outcome() -> dict[str, object]:
    """What the reports and decisions came to, for comparing loads on different days."""
    return {
        "statuses": Counter(Comment.objects.values_list("status", flat=True)),
        "reports": Counter(Report.objects.values_list("reason", "status")),
        "audit": Counter(AuditEntry.objects.values_list("action", "actor_name")),
    }


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 25, 0, 1, tzinfo=LONDON),  # just after midnight
        datetime(2026, 3, 30, 0, 1, tzinfo=LONDON),  # the night after the clocks went forward
        datetime(2026, 11, 25, 23, 59, tzinfo=LONDON),
        datetime(2026, 11, 23, 0, 1, tzinfo=LONDON),  # a Monday: yesterday was part-time
        datetime(2026, 11, 29, 12, 0, tzinfo=LONDON),  # a Sunday: the weekend before it too
        datetime(2026, 12, 27, 0, 1, tzinfo=LONDON),  # yesterday was a bank holiday
    ],
)
def test_every_demo_event_is_in_the_past_and_the_same_whenever_it_is_loaded(db, now):
    result = load_demo(now=now)
    assert result.loaded
    assert (result.reports, result.awaiting) == (7, 2)
    latest = max(
        [*Comment.objects.values_list("created_at", flat=True),
         *Recommendation.objects.values_list("created_at", flat=True),
         *Report.objects.values_list("created_at", flat=True),
         *AuditEntry.objects.values_list("created_at", flat=True),
         *Sanction.objects.values_list("created_at", flat=True),
         *ModeratorNote.objects.values_list("created_at", flat=True)]
    )
    assert latest < now
    # Cover depends on the weekday; what the system did with the reports must not.
    assert moderation_outcome() == {
        "statuses": Counter(published=60, held=1, removed=1, pending=1),
        "reports": Counter({
            ("abusive", "dismissed"): 1, ("abusive", "upheld"): 2, ("other", "upheld"): 1,
            ("off_topic", "open"): 2, ("spam", "open"): 2, ("abusive", "open"): 1,
            ("other", "open"): 1, ("legal_risk", "open"): 1,
        }),
        "audit": Counter({
            ("dismiss", "moderator"): 1, ("remove", "moderator"): 1,
            ("premoderate", "moderator"): 1, ("note", "moderator"): 1,
            ("amend", "moderator"): 1, ("hold", "system"): 1,
        }),
    }


def local_moment(days_ago: int, at: time, minutes: int = 0) -> datetime:
    """A demo moment on the wall clock, as the loader computes it (any fixed day will do)."""
    return datetime.combine(date(2030, 1, 31) - timedelta(days=days_ago), at) + timedelta(
        minutes=minutes
    )


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
    people = {*content.COMMENTERS, *content.READERS, content.READER.username}
    posted = {
        item.key: local_moment(article.days_ago, article.published_at, item.minutes)
        for article in content.ARTICLES for item in article.comments
    }
    reported: dict[str, list[datetime]] = {}
    for report in content.REPORTS:
        assert report.comment in keys
        assert report.reason in Report.Reason.values
        assert report.reporter in people
        assert report.reporter != keys[report.comment][2]  # nobody reports their own
        when = local_moment(report.days_ago, report.at)
        assert when > posted[report.comment]
        reported.setdefault(report.comment, []).append(when)
    for reports in reported.values():
        assert len(reports) <= 2  # below the report threshold of either cover
    rules = len(content.RULES)
    for decision in content.DECISIONS:
        when = local_moment(decision.days_ago, decision.at)
        if decision.comment is not None:
            assert decision.comment in keys
            assert all(r < when for r in reported.get(decision.comment, []))
        else:
            assert decision.author in content.COMMENTERS
        if decision.action in ("amend", "remove"):
            assert decision.rule is not None
            assert 1 <= decision.rule <= rules
    # What the demo sets out to show: a moderator's amend, remove and dismiss, an author on
    # pre-moderation with a note, and open reports of every reason.
    assert {d.action for d in content.DECISIONS} >= {
        "amend", "remove", "dismiss", "premoderate", "note"
    }
    decided = {d.comment for d in content.DECISIONS}
    assert {r.reason for r in content.REPORTS if r.comment not in decided} == set(
        Report.Reason.values
    )

"""Reports weighed by who files them: a brigade of throwaway accounts cannot hide an
ordinary comment out of hours, readers whose reports moderators upheld can."""

from datetime import UTC, datetime, timedelta

import pytest

from belowtheline.discussion import reports as report_figures
from belowtheline.discussion import services as discussion
from belowtheline.discussion.models import Comment, Report
from belowtheline.moderation import services as moderation
from belowtheline.moderation.models import AuditEntry
from tests.accounts.factories import UserFactory
from tests.conftest import make_staff, make_subscriber

WEDNESDAY_NIGHT = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # part-time cover


@pytest.fixture
def unlimited(settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "report": "100000/60"}


def _ordinary(site, article, author, text="The bridge should have been built years ago."):
    return discussion.post_comment(site=site, article=article, author=author, text=text,
                                   now=WEDNESDAY_NIGHT - timedelta(hours=1))


def test_twenty_fresh_free_accounts_do_not_hide_a_comment_at_night(
        covered_site, article, subscriber, unlimited):
    comment = _ordinary(covered_site, article, subscriber)
    brigade = [UserFactory(username=f"throwaway{i}",
                           date_joined=WEDNESDAY_NIGHT - timedelta(hours=2)) for i in range(20)]
    for account in brigade:
        discussion.report_comment(site=covered_site, comment_id=comment.pk, reporter=account,
                                  reason="abusive", now=WEDNESDAY_NIGHT)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED
    assert comment.open_report_count == 20  # still in the queue, for a moderator to see
    weights = set(Report.objects.values_list("weight", flat=True))
    assert weights == {report_figures.reporter_weight(None, subscriber=False,
                                                      account_age=timedelta(hours=2))}


def test_readers_with_upheld_records_hold_a_comment_sooner(
        covered_site, article, subscriber, unlimited):
    moderator = make_staff(covered_site, "moderator", "mona")
    trusted = [make_subscriber(covered_site, username=f"trusted{i}") for i in range(2)]
    earlier = WEDNESDAY_NIGHT - timedelta(days=3)
    for n, reader in enumerate(trusted):  # each has had one report upheld before
        rude = discussion.post_comment(site=covered_site, article=article, author=subscriber,
                                       text=f"An earlier rude comment, number {n}", now=earlier)
        discussion.report_comment(site=covered_site, comment_id=rude.pk, reporter=reader,
                                  reason="abusive", now=earlier)
        moderation.remove_comment(site=covered_site, comment_id=rude.pk, actor=moderator,
                                  rule=1, reason="Abuse", now=earlier)
    comment = _ordinary(covered_site, article, subscriber)
    discussion.report_comment(site=covered_site, comment_id=comment.pk, reporter=trusted[0],
                              reason="abusive", now=WEDNESDAY_NIGHT)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED
    # an upheld reporter's report weighs 1.25 / 0.75 = 1.67 ordinary ones: the second makes
    # 3.3, past the part-time threshold of 3 (three ordinary subscribers' reports)
    discussion.report_comment(site=covered_site, comment_id=comment.pk, reporter=trusted[1],
                              reason="abusive", now=WEDNESDAY_NIGHT)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HELD
    hold = AuditEntry.objects.get(comment=comment, action="hold")
    assert "2 open reports (weight 3.3)" in hold.reason


def test_a_legal_risk_report_from_a_new_account_does_not_hold_by_itself(
        covered_site, article, subscriber, unlimited):
    comment = _ordinary(covered_site, article, subscriber)
    newcomer = UserFactory(username="newcomer",
                           date_joined=WEDNESDAY_NIGHT - timedelta(minutes=5))
    discussion.report_comment(site=covered_site, comment_id=comment.pk, reporter=newcomer,
                              reason="legal_risk", now=WEDNESDAY_NIGHT)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED
    assert comment.has_open_legal_report  # it still goes first in the queue

    established = make_subscriber(covered_site, username="longtime")
    discussion.report_comment(site=covered_site, comment_id=comment.pk, reporter=established,
                              reason="legal_risk", now=WEDNESDAY_NIGHT)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HELD

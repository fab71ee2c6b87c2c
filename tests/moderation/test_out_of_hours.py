"""Thresholds that take a comment out of view, per cover, and hours with no cover."""

from datetime import UTC, datetime, time

import pytest
import time_machine

from belowtheline.discussion import services as discussion
from belowtheline.discussion.errors import Forbidden
from belowtheline.discussion.models import Comment
from belowtheline.discussion.publishing import why_closed
from belowtheline.moderation.models import AuditEntry
from belowtheline.sites.models import CoverKind, CoverPeriod

WEDNESDAY_NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # full-time (GMT)
WEDNESDAY_NIGHT = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # part-time
SUNDAY = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # part-time
NIGHT = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # no cover, where the site has a gap


def _report(site, comment, readers, reasons, at):
    for reader, reason in zip(readers, reasons, strict=False):
        discussion.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                                  reason=reason, now=at)
    comment.refresh_from_db()
    return comment.status


@pytest.mark.parametrize(
    ("at", "reports", "expected"),
    [
        (WEDNESDAY_NIGHT, 2, "published"),
        (WEDNESDAY_NIGHT, 3, "held"),
        (SUNDAY, 3, "held"),
        (WEDNESDAY_NOON, 4, "published"),
        (WEDNESDAY_NOON, 5, "held"),
    ],
)
def test_report_threshold_depends_on_the_cover_in_force(covered_site, comment, readers, at,
                                                        reports, expected):
    assert _report(covered_site, comment, readers, ["spam"] * reports, at) == expected


def test_one_legal_risk_report_holds_out_of_hours_but_not_in_full_time(covered_site, article,
                                                                       subscriber, readers):
    night = discussion.post_comment(site=covered_site, article=article, author=subscriber,
                                    text="The defendant is obviously guilty")
    day = discussion.post_comment(site=covered_site, article=article, author=subscriber,
                                  text="The defendant did it")
    assert _report(covered_site, night, readers, ["legal_risk"], WEDNESDAY_NIGHT) == "held"
    assert _report(covered_site, day, readers, ["legal_risk"], WEDNESDAY_NOON) == "published"


def test_the_automatic_hold_is_recorded_as_the_system(covered_site, article, comment, readers):
    _report(covered_site, comment, readers, ["abusive", "abusive", "spam"], WEDNESDAY_NIGHT)
    entry = AuditEntry.objects.get(comment=comment)
    assert (entry.action, entry.actor, entry.actor_name, entry.cover) == (
        "hold", None, "system", "part_time"
    )
    assert "3 open reports" in entry.reason
    article.refresh_from_db()
    assert article.comment_count == 0


def test_thresholds_are_per_site_configuration(covered_site, comment, readers):
    covered_site.hold_after_reports_part_time = None
    covered_site.hold_after_legal_reports_part_time = None
    covered_site.save()
    assert _report(covered_site, comment, readers, ["legal_risk"] * 6,
                   WEDNESDAY_NIGHT) == "published"


@pytest.fixture
def night_gap(covered_site):
    for day in range(7):
        CoverPeriod.objects.create(site=covered_site, weekday=day, starts=time(1),
                                   ends=time(6), kind=CoverKind.NONE)
    return covered_site


def test_no_cover_hours_hold_new_comments_for_approval(night_gap, article, subscriber):
    with time_machine.travel(NIGHT, tick=False):
        comment = discussion.post_comment(site=night_gap, article=article, author=subscriber,
                                          text="Posted at 2am")
    assert comment.status == Comment.Status.PENDING


def test_no_cover_hours_can_close_commenting_until_cover_resumes(night_gap, article,
                                                                 subscriber):
    night_gap.when_no_cover = "close"
    night_gap.save()
    with time_machine.travel(NIGHT, tick=False):
        with pytest.raises(Forbidden) as exc:
            discussion.post_comment(site=night_gap, article=article, author=subscriber,
                                    text="Posted at 2am")
        closed = why_closed(article, NIGHT)
    assert exc.value.code == "commenting_paused"
    assert "06:00" in closed.message
    # It reopens by itself at 06:00 local time.
    with time_machine.travel(datetime(2026, 11, 26, 6, 0, tzinfo=UTC), tick=False):
        comment = discussion.post_comment(site=night_gap, article=article, author=subscriber,
                                          text="Morning")
    assert comment.status == Comment.Status.PUBLISHED

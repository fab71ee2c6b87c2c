"""Moderators' decisions are triage's feedback: a hold or flag a moderator acted on is kept
as upheld (removed, amended, rejected) or dismissed (released, approved, dismissed), and the
figures page counts them per cover."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.test import Client

from belowtheline.discussion import services as discussion
from belowtheline.moderation import services as moderation
from belowtheline.moderation.stats import moderation_figures
from belowtheline.sites.models import CoverKind, CoverPeriod
from belowtheline.triage import services as triage
from belowtheline.triage.models import LegalProceedings, TriageFlag
from tests.conftest import make_staff, make_subscriber

MORNING = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # Wednesday, full-time cover
NIGHT = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # part-time cover
SUNDAY = datetime(2026, 11, 29, 3, 0, 1, tzinfo=UTC)  # no cover, from 03:00 (below)
GUILTY = "Everyone knows Tulley did it."  # legal 0.95: held out of hours, else flagged
NAMING = "I wonder what Graham Tulley will say."  # legal 0.7: flagged


@pytest.fixture
def desk(covered_site, article, rules):
    LegalProceedings.objects.create(article=article, site=covered_site, people="Graham Tulley")
    CoverPeriod.objects.create(site=covered_site, weekday=6, starts=time(3, 0),
                               ends=time(6, 0), kind=CoverKind.NONE)
    covered_site.refresh_from_db()
    return covered_site


def _scored(site, article, text: str, at: datetime, n: int = 0):
    author = make_subscriber(site, username=f"author{at:%d%H}{n}{len(text)}")
    comment = discussion.post_comment(site=site, article=article, author=author, text=text,
                                      now=at - timedelta(seconds=2))
    triage.score_comment(comment_id=comment.pk, now=at)
    comment.refresh_from_db()
    return comment


def test_decisions_uphold_or_dismiss_triages_holds_and_flags(desk, article):
    mona = make_staff(desk, "moderator", "mona")
    later = timedelta(hours=1)
    held_then_removed = _scored(desk, article, GUILTY, NIGHT)
    held_then_released = _scored(desk, article, GUILTY + " Surely.", NIGHT)
    flagged_then_amended = _scored(desk, article, NAMING, MORNING)
    flagged_then_dismissed = _scored(desk, article, NAMING + " Soon.", MORNING)
    moderation.remove_comment(site=desk, actor=mona, comment_id=held_then_removed.pk, rule=1,
                              now=NIGHT + later)
    moderation.release_comment(site=desk, actor=mona, comment_id=held_then_released.pk,
                               now=NIGHT + later)
    moderation.amend_comment(site=desk, actor=mona, comment_id=flagged_then_amended.pk,
                             text="[Removed: names a person in active proceedings]", rule=1,
                             reason="Contempt of court", now=MORNING + later)
    moderation.dismiss_reports(site=desk, actor=mona, comment_id=flagged_then_dismissed.pk,
                               now=MORNING + later)

    outcome = {f.comment_id: (f.held, f.outcome, f.decision) for f in TriageFlag.objects.all()}
    assert outcome == {
        held_then_removed.pk: (True, "upheld", "remove"),
        held_then_released.pk: (True, "dismissed", "release"),
        flagged_then_amended.pk: (False, "upheld", "amend"),
        flagged_then_dismissed.pk: (False, "dismissed", "dismiss"),
    }
    # A moderator's own hold decides nothing: the flag still waits.
    waiting = _scored(desk, article, NAMING + " Later.", MORNING)
    moderation.hold_comment(site=desk, actor=mona, comment_id=waiting.pk, now=MORNING + later)
    assert TriageFlag.objects.get(comment=waiting).outcome == "open"


def test_the_figures_count_triages_holds_and_flags_upheld_per_cover(desk, article):
    mona = make_staff(desk, "moderator", "mona")
    removed_at_night = _scored(desk, article, GUILTY, NIGHT)
    released_on_sunday = _scored(desk, article, GUILTY + " Really.", SUNDAY)
    _scored(desk, article, NAMING, MORNING)  # flagged, still waiting
    dismissed_by_day = _scored(desk, article, NAMING + " Next.", MORNING)
    moderation.remove_comment(site=desk, actor=mona, comment_id=removed_at_night.pk, rule=1,
                              now=NIGHT + timedelta(hours=1))
    moderation.release_comment(site=desk, actor=mona, comment_id=released_on_sunday.pk,
                               now=SUNDAY + timedelta(hours=1))
    moderation.dismiss_reports(site=desk, actor=mona, comment_id=dismissed_by_day.pk,
                               now=MORNING + timedelta(hours=1))
    start, end = MORNING - timedelta(days=1), SUNDAY + timedelta(days=1)

    figures = moderation_figures(site=desk, start=start, end=end, now=end)

    holds, flags = figures.triage_holds, figures.triage_flags
    assert (holds[CoverKind.PART_TIME].count, holds[CoverKind.PART_TIME].upheld) == (1, 1)
    assert (holds[CoverKind.NONE].count, holds[CoverKind.NONE].dismissed) == (1, 1)
    assert holds[CoverKind.FULL_TIME].count == 0  # full-time cover only flags
    full = flags[CoverKind.FULL_TIME]
    assert (full.count, full.upheld, full.dismissed, full.waiting) == (2, 0, 1, 1)

    client = Client()
    client.force_login(make_staff(desk, "editor", "eddie"))
    page = client.get(f"/moderate/stats/{desk.slug}/",
                      {"period": "custom", "start": "2026-11-24", "end": "2026-11-30"})
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode()))
    assert "Triage's holds and flags" in text
    assert "Full-time cover 0 0 0 2 0 1" in text
    assert "Part-time cover 1 1 0 0 0 0" in text
    assert "No cover 1 0 1 0 0 0" in text

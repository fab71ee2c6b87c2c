"""What the scores do when the worker stores them: a comment over the site's flag threshold
waits in the Flagged tab; out of full-time cover, one over the hold threshold is taken out
of view at once, audited as "triage" with the score and the scorer's version.

The legal-risk scorer is rules, not a model, so its scores are fixed: "Everyone knows
Tulley did it" on an article marked active proceedings scores 0.95 (hold and flag by
default), naming Tulley alone 0.7 (flag only)."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from belowtheline.discussion import reports as report_figures
from belowtheline.discussion import services as discussion
from belowtheline.discussion.models import Comment
from belowtheline.moderation import services as moderation
from belowtheline.moderation.models import AuditEntry
from belowtheline.sites.models import CoverKind, CoverPeriod
from belowtheline.triage import services as triage
from belowtheline.triage.models import (
    LegalProceedings,
    SiteWord,
    TriageFlag,
    TriageSettings,
    TriageThreshold,
)
from tests.conftest import make_staff, make_subscriber

WEDNESDAY_MORNING = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # full-time cover (UK time)
WEDNESDAY_NIGHT = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # part-time cover
# No cover from 03:00 on Sundays (added below): a comment posted just before is scored
# just after. (One posted during no cover awaits approval anyway, by the site's setting.)
SUNDAY_SMALL_HOURS = datetime(2026, 11, 29, 3, 0, 1, tzinfo=UTC)
GUILTY = "Everyone knows Tulley did it."
NAMING = "I wonder what Graham Tulley will say in court."


@pytest.fixture
def marked(covered_site, article):
    LegalProceedings.objects.create(article=article, site=covered_site,
                                    people="Graham Tulley\nR v Tulley")
    CoverPeriod.objects.create(site=covered_site, weekday=6, starts=time(3, 0),
                               ends=time(6, 0), kind=CoverKind.NONE)
    covered_site.refresh_from_db()
    return article


def _scored(site, article, author, text: str, at: datetime) -> Comment:
    comment = discussion.post_comment(site=site, article=article, author=author, text=text,
                                      now=at - timedelta(seconds=2))
    triage.score_comment(comment_id=comment.pk, now=at)
    comment.refresh_from_db()
    return comment


@pytest.mark.parametrize(("at", "cover"), [(WEDNESDAY_NIGHT, "part_time"),
                                           (SUNDAY_SMALL_HOURS, "none")])
def test_out_of_hours_a_score_over_the_hold_threshold_holds_the_comment_at_once(
        covered_site, marked, subscriber, at, cover):
    version_before = report_figures.queue_version(site=covered_site)

    comment = _scored(covered_site, marked, subscriber, GUILTY, at)

    assert comment.status == Comment.Status.HELD
    flag = TriageFlag.objects.get(comment=comment)
    assert flag.held
    assert flag.cover == cover
    assert flag.outcome == "open"
    entry = AuditEntry.objects.get(comment=comment)
    assert entry.actor_name == "triage"
    assert entry.action == "hold"
    assert entry.cover == cover
    assert "legal score 0.95" in entry.reason
    assert "(scorer rules/1)" in entry.reason
    assert "Tulley" in entry.reason
    assert report_figures.queue_version(site=covered_site) > version_before


def test_during_full_time_cover_the_same_comment_is_only_flagged(
        covered_site, marked, subscriber):
    comment = _scored(covered_site, marked, subscriber, GUILTY, WEDNESDAY_MORNING)

    assert comment.status == Comment.Status.PUBLISHED
    flag = TriageFlag.objects.get(comment=comment)
    assert not flag.held
    assert flag.cover == "full_time"
    assert flag.scorers.startswith("legal")
    assert not AuditEntry.objects.filter(comment=comment).exists()


@pytest.mark.parametrize("at", [WEDNESDAY_MORNING, WEDNESDAY_NIGHT, SUNDAY_SMALL_HOURS])
def test_a_score_over_the_flag_threshold_only_flags_in_every_cover(
        covered_site, marked, subscriber, at):
    version_before = report_figures.queue_version(site=covered_site)

    comment = _scored(covered_site, marked, subscriber, NAMING, at)

    assert comment.status == Comment.Status.PUBLISHED
    flag = TriageFlag.objects.get(comment=comment)
    assert not flag.held
    assert flag.score == pytest.approx(0.7)
    assert report_figures.queue_version(site=covered_site) > version_before


def test_an_ordinary_comment_is_neither_flagged_nor_held_and_the_queue_does_not_move(
        covered_site, marked, subscriber):
    comment = discussion.post_comment(site=covered_site, article=marked, author=subscriber,
                                      text="The bridge will take years to build.",
                                      now=WEDNESDAY_NIGHT)
    version_before = report_figures.queue_version(site=covered_site)
    triage.score_comment(comment_id=comment.pk, now=WEDNESDAY_NIGHT)
    assert not TriageFlag.objects.exists()
    assert report_figures.queue_version(site=covered_site) == version_before


def test_a_site_sets_its_own_thresholds_per_cover(covered_site, marked, subscriber):
    settings = TriageSettings.objects.create(site=covered_site)
    TriageThreshold.objects.create(site_settings=settings, scorer="legal", flag_full_time=0.99,
                                   flag_part_time=0.5, flag_no_cover=0.5,
                                   hold_part_time=0.6, hold_no_cover=None)
    covered_site.refresh_from_db()  # the row moved the configuration version

    by_day = _scored(covered_site, marked, subscriber, NAMING, WEDNESDAY_MORNING)
    at_night = _scored(covered_site, marked, subscriber, NAMING + " Soon.", WEDNESDAY_NIGHT)
    no_cover = _scored(covered_site, marked, subscriber, NAMING + " Later.", SUNDAY_SMALL_HOURS)

    assert not TriageFlag.objects.filter(comment=by_day).exists()  # 0.7 < 0.99
    assert at_night.status == Comment.Status.HELD  # 0.7 >= 0.6
    assert no_cover.status == Comment.Status.PUBLISHED  # no hold threshold: only flagged
    assert TriageFlag.objects.get(comment=no_cover).held is False


def test_thresholds_are_scores_and_a_hold_is_never_below_the_flag(covered_site):
    settings = TriageSettings.objects.create(site=covered_site)
    low_hold = TriageThreshold(site_settings=settings, scorer="abuse", flag_full_time=0.8,
                               flag_part_time=0.8, flag_no_cover=0.8, hold_part_time=0.5)
    with pytest.raises(ValidationError) as below:
        low_hold.full_clean()
    assert "hold_part_time" in below.value.message_dict
    too_big = TriageThreshold(site_settings=settings, scorer="abuse", flag_full_time=1.5,
                              flag_part_time=0.8, flag_no_cover=0.8)
    with pytest.raises(ValidationError) as over:
        too_big.full_clean()
    assert "flag_full_time" in over.value.message_dict


def test_admin_edits_thresholds_on_the_sites_triage_settings(admin_client, covered_site):
    settings = TriageSettings.objects.create(site=covered_site)
    url = reverse("admin:triage_triagesettings_change", args=[settings.pk])
    form = {"site": str(covered_site.pk), "banned_words": "refuse",
            "thresholds-TOTAL_FORMS": "1",
            "thresholds-INITIAL_FORMS": "0", "thresholds-MIN_NUM_FORMS": "0",
            "thresholds-MAX_NUM_FORMS": "1000", "thresholds-0-scorer": "abuse",
            "thresholds-0-flag_full_time": "0.7", "thresholds-0-flag_part_time": "0.7",
            "thresholds-0-flag_no_cover": "0.7", "thresholds-0-hold_part_time": "0.6",
            "thresholds-0-hold_no_cover": ""}
    refused = admin_client.post(url, form)
    assert refused.status_code == 200
    assert "cannot be below the flag threshold" in refused.content.decode()
    assert not TriageThreshold.objects.exists()

    form["thresholds-0-hold_part_time"] = "0.9"
    saved = admin_client.post(url, form)
    assert saved.status_code == 302, saved.context["errors"] if saved.context else ""
    assert TriageThreshold.objects.get().hold_part_time == 0.9


def test_a_held_comments_author_sees_it_is_being_reviewed(
        client, covered_site, marked, subscriber, other_subscriber):
    comment = _scored(covered_site, marked, subscriber, GUILTY, WEDNESDAY_NIGHT)
    assert comment.status == Comment.Status.HELD

    client.force_login(other_subscriber)
    html = client.get(reverse("thread", args=[covered_site.slug, marked.pk])).content.decode()
    assert "This comment is being reviewed" in html
    assert "Tulley did it" not in html


def test_a_rescore_does_not_flag_again_what_a_moderator_has_decided(
        covered_site, marked, subscriber):
    moderator = make_staff(covered_site, "moderator", "mona")
    comment = _scored(covered_site, marked, subscriber, NAMING, WEDNESDAY_MORNING)
    moderation.dismiss_reports(site=covered_site, actor=moderator, comment_id=comment.pk,
                               now=WEDNESDAY_MORNING + timedelta(minutes=5))
    assert TriageFlag.objects.get(comment=comment).outcome == "dismissed"

    triage.score_comment(comment_id=comment.pk, now=WEDNESDAY_MORNING + timedelta(hours=1),
                         again=True)
    assert TriageFlag.objects.filter(comment=comment).count() == 1


def test_a_suspect_word_flags_and_never_holds(covered_site, article, subscriber):
    SiteWord.objects.create(site=covered_site, word="scoundrel", kind="suspect")
    covered_site.refresh_from_db()
    author = make_subscriber(covered_site, username="wordy")
    comment = _scored(covered_site, article, author, "The minister is a scoundrel.",
                      WEDNESDAY_NIGHT)
    assert comment.status == Comment.Status.PUBLISHED
    flag = TriageFlag.objects.get(comment=comment)
    assert "words" in flag.scorers.split(",")
    assert not flag.held

"""The Flagged tab: comments nobody has reported whose triage scores reached the site's
flag thresholds, each score explained in a moderator's words; the same scores on the
Reported tab's rows, with the reports' weighed figure and why.

The scores here are the legal-risk scorer's (rules, so fixed: naming a person listed on an
article marked active proceedings scores 0.7) through the worker's own service, or stored
scores put through the same thresholds (`act_on_scores`) where a test needs a particular
score or explanation."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from belowtheline import clock
from belowtheline.discussion import reports as report_figures
from belowtheline.discussion import services as discussion
from belowtheline.discussion.models import Comment
from belowtheline.moderation import selectors
from belowtheline.sites.services import seed_default_cover
from belowtheline.triage import services as triage
from belowtheline.triage.models import CommentScore, LegalProceedings, TriageFlag
from tests.accounts.factories import UserFactory
from tests.api.conftest import api_path
from tests.conftest import make_subscriber

EVIL = '<img src=x onerror="alert(1)">'
WEDNESDAY_MORNING = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # full-time cover: flags only


@pytest.fixture(autouse=True)
def schedule(site):
    """Full-time cover 9-6 on weekdays: at WEDNESDAY_MORNING triage only flags."""
    seed_default_cover(site=site)


@pytest.fixture
def many(settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "100000/60",
                                "report": "100000/60"}


@pytest.fixture
def signed_in(client, moderator):
    client.force_login(moderator)
    return client


def _flagged(site, article, author, text, *, scorer="abuse", score=0.91,
             explanation="abuse 0.91: weighed most \u201call savages they\u201d",
             version="minilm-l6-linear/test") -> Comment:
    """A posted comment with one stored score, put through the site's thresholds as the
    worker does after scoring (`act_on_scores`, in full-time cover: flagged only)."""
    comment = discussion.post_comment(site=site, article=article, author=author, text=text)
    now = WEDNESDAY_MORNING
    stored = {scorer: CommentScore.objects.create(
        site=site, comment=comment, scorer=scorer, version=version, score=score,
        explanation=explanation, scored_at=now)}
    triage.act_on_scores(comment=comment, scores=stored, now=now)
    return comment


def _tab(client, site, tab="flagged", **params) -> str:
    response = client.get(reverse("moderation_queue", args=[site.slug]), {"tab": tab, **params})
    assert response.status_code == 200
    return response.content.decode()


def _rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li id="row-(\d+)"', html)]


def _words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_flagged_tab_lists_unreported_flagged_comments_with_their_explanations(
        signed_in, site, article, subscriber, rules):
    LegalProceedings.objects.create(article=article, site=site, people="Graham Tulley")
    naming = discussion.post_comment(site=site, article=article, author=subscriber,
                                     text="What will Graham Tulley say in court?")
    triage.score_comment(comment_id=naming.pk, now=WEDNESDAY_MORNING)  # the worker's: 0.7
    abusive = _flagged(site, article, subscriber, "A comment the abuse head disliked.")
    spam = _flagged(site, article, subscriber, "Buy now", scorer="spam", score=0.97,
                    explanation="same text as 14 comments in 3 threads by 5 accounts",
                    version="minhash64x16-shingle5/1")
    ordinary = discussion.post_comment(site=site, article=article, author=subscriber,
                                       text="The bridge will take years to build.")
    triage.score_comment(comment_id=ordinary.pk, now=WEDNESDAY_MORNING)

    html = _tab(signed_in, site)

    # Legal risk first, then by score.
    assert _rows(html) == [naming.pk, spam.pk, abusive.pk]
    text = _words(html)
    assert "names Graham Tulley on an article marked active proceedings" in text
    assert "Spam or duplicate 0.97 — same text as 14 comments in 3 threads by 5 accounts" in text
    assert "Abuse 0.91 — abuse 0.91: weighed most \u201call savages they\u201d" in text
    assert "Flagged by triage" in text
    assert 'Dismiss flag' in html
    assert re.search(r"Flagged\s*<span class=\"waiting\"[^>]*>3<", html)


def test_a_flagged_comment_once_reported_is_in_the_reported_tab_with_its_scores(
        signed_in, site, article, subscriber, many):
    comment = _flagged(site, article, subscriber, "Flagged, then reported.")
    fresh = [UserFactory(username=f"fresh{i}", date_joined=timezone.now() - timedelta(hours=1))
             for i in range(2)]
    regular = make_subscriber(site, accept_rules=False, username="regular")
    for reader in [*fresh, regular]:
        discussion.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                                  reason="abusive")

    assert _rows(_tab(signed_in, site)) == []
    reported = _tab(signed_in, site, tab="reported")
    assert _rows(reported) == [comment.pk]
    text = _words(reported)
    assert "3 reports (weight 1.1: 2 from new accounts)" in text
    assert "Abuse 0.91 — abuse 0.91" in text


def test_explanations_and_texts_are_escaped(signed_in, site, article, subscriber):
    _flagged(site, article, subscriber, f"Text {EVIL}",
             explanation=f"abuse 0.91: weighed most \u201c{EVIL}\u201d")
    html = _tab(signed_in, site)
    assert EVIL not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_dismissing_a_flag_takes_it_off_the_tab_and_is_kept_as_feedback(
        signed_in, site, article, subscriber):
    comment = _flagged(site, article, subscriber, "Looks worse than it is.")
    html = _tab(signed_in, site)
    seen = re.search(r'name="seen_decision" value="(\d+)"', html).group(1)

    response = signed_in.post(reverse("moderation_dismiss", args=[site.slug, comment.pk]),
                              {"seen_decision": seen, "next": "/"})

    assert response.status_code in (302, 303)
    flag = TriageFlag.objects.get(comment=comment)
    assert (flag.outcome, flag.decision) == ("dismissed", "dismiss")
    assert _rows(_tab(signed_in, site)) == []
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PUBLISHED


def test_scoring_that_flags_moves_the_queue_so_a_cached_page_shows_it_at_once(
        signed_in, site, article, subscriber):
    assert _rows(_tab(signed_in, site)) == []  # rendered and kept under this version
    comment = _flagged(site, article, subscriber, "Flagged after the page was kept.")
    assert _rows(_tab(signed_in, site)) == [comment.pk]


def test_the_flagged_tab_pages_and_reads_in_the_same_number_of_queries_at_any_size(
        site, article, subscriber, many, django_assert_num_queries):
    for i in range(3):
        _flagged(site, article, subscriber, f"Flagged {i}", score=0.8 + i / 1000)
    now = clock.now()
    with django_assert_num_queries(9):
        small = selectors.flagged_queue(site=site, now=now)
    for i in range(3, 60):
        _flagged(site, article, subscriber, f"Flagged {i}", score=0.8 + i / 1000)
    with django_assert_num_queries(9):
        big = selectors.flagged_queue(site=site, now=now)
    with django_assert_num_queries(9):
        rest = selectors.flagged_queue(site=site, now=now, after=big.next_after)
    assert (len(small.items), len(big.items), len(rest.items)) == (3, 50, 10)
    assert rest.next_after is None
    scores = [item.flag.score for item in big.items + rest.items]
    assert scores == sorted(scores, reverse=True)
    assert len({item.comment.pk for item in big.items + rest.items}) == 60


def test_the_dashboard_tab_reads_in_the_same_number_of_queries_at_any_size(
        signed_in, site, article, subscriber, many):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from belowtheline.moderation import queue_cache

    _tab(signed_in, site)  # the site's schedule and rules, read once per configuration
    counts = []
    for n in (3, 60):
        while TriageFlag.objects.count() < n:
            _flagged(site, article, subscriber, f"Flagged {TriageFlag.objects.count()}")
        queue_cache.clear()
        with CaptureQueriesContext(connection) as queries:
            _tab(signed_in, site)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_api_queue_has_the_flagged_tab_with_scores_and_weights(
        site, article, subscriber, moderator, client):
    comment = _flagged(site, article, subscriber, "Flagged for the API.", scorer="spam",
                       score=0.97, explanation="same text as 14 comments in 3 threads by "
                                               "5 accounts", version="minhash/1")
    client.force_login(moderator)
    body = client.get(api_path(site, "moderation/queue"), {"tab": "flagged"}).json()
    assert body["tab"] == "flagged"
    (item,) = body["items"]
    assert item["comment"]["id"] == comment.pk
    assert item["triage_flag"]["scorers"] == ["spam"]
    assert item["triage_flag"]["held"] is False
    assert item["triage_scores"] == [{
        "scorer": "spam", "score": 0.97, "version": "minhash/1", "over_threshold": True,
        "explanation": "same text as 14 comments in 3 threads by 5 accounts"}]
    assert item["report_weight"] == 0
    assert item["report_weight_words"] == ""


def test_another_sites_moderator_sees_none_of_its_flags(site, article, subscriber, client):
    from tests.conftest import make_staff
    from tests.sites.factories import SiteFactory

    _flagged(site, article, subscriber, "Ours only.")
    other = SiteFactory(slug="other")
    client.force_login(make_staff(other, "moderator", "otto"))
    assert client.get(api_path(site, "moderation/queue"), {"tab": "flagged"}).status_code == 403
    body = client.get(api_path(other, "moderation/queue"), {"tab": "flagged"}).json()
    assert body["items"] == []
    assert report_figures.queue_version(site=other) == 0


def test_the_reported_tabs_priority_includes_the_scores(site, article, subscriber, many):
    """One report on a comment flagged at 0.9 outranks two on an unflagged one: the flag
    counts as 1.8 ordinary reports, whether it came before the report or after."""
    readers = [make_subscriber(site, accept_rules=False, username=f"reader{i}")
               for i in range(4)]
    plain = discussion.post_comment(site=site, article=article, author=subscriber,
                                    text="Two readers disliked this one.")
    for reader in readers[:2]:
        discussion.report_comment(site=site, comment_id=plain.pk, reporter=reader,
                                  reason="abusive")
    flagged_first = _flagged(site, article, subscriber, "Flagged, then one report.",
                             score=0.9)
    discussion.report_comment(site=site, comment_id=flagged_first.pk, reporter=readers[2],
                              reason="abusive")
    reported_first = discussion.post_comment(site=site, article=article, author=subscriber,
                                             text="One report, then flagged.")
    discussion.report_comment(site=site, comment_id=reported_first.pk, reporter=readers[3],
                              reason="abusive")
    now = WEDNESDAY_MORNING
    stored = {"abuse": CommentScore.objects.create(
        site=site, comment=reported_first, scorer="abuse", version="test", score=0.85,
        explanation="abuse 0.85", scored_at=now)}
    triage.act_on_scores(comment=reported_first, scores=stored, now=now)

    page = selectors.reported_queue(site=site, now=clock.now())

    assert [item.comment.pk for item in page.items] == [flagged_first.pk, reported_first.pk,
                                                        plain.pk]
    first = page.items[0]
    assert first.weight_words == "1 report (weight 1.0)"  # the reports' own weight
    assert first.score > page.items[2].score


def test_a_decision_takes_the_scores_out_of_the_priority_with_the_reports(
        site, article, subscriber, moderator, many):
    reader = make_subscriber(site, accept_rules=False, username="reader")
    comment = _flagged(site, article, subscriber, "Flagged and reported.", score=0.9)
    discussion.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                              reason="abusive")
    from belowtheline.moderation import services as moderation

    moderation.dismiss_reports(site=site, actor=moderator, comment_id=comment.pk)
    comment.refresh_from_db()
    assert (comment.open_report_weight, comment.queue_rising_key) == (0, None)
    assert TriageFlag.objects.get(comment=comment).outcome == "dismissed"
    assert _rows(_tab_for(moderator, site)) == []


def _tab_for(user, site) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return _tab(client, site)


def test_the_worker_flags_clear_abuse_and_the_tab_quotes_the_phrase_that_weighed_most(
        signed_in, site, article, subscriber):
    """End to end with the real abuse head: this site flags abuse from 0.5 (the shipped
    head puts the clear example above it; the default 0.7 is for the top few percent)."""
    from belowtheline.triage.models import TriageSettings, TriageThreshold
    from tests.triage.test_scorers import CIVIL, HATEFUL

    settings = TriageSettings.objects.create(site=site)
    TriageThreshold.objects.create(site_settings=settings, scorer="abuse", flag_full_time=0.5,
                                   flag_part_time=0.5, flag_no_cover=0.5,
                                   hold_part_time=None, hold_no_cover=None)
    site.refresh_from_db()
    hateful = discussion.post_comment(site=site, article=article, author=subscriber,
                                      text=HATEFUL)
    civil = discussion.post_comment(site=site, article=article, author=subscriber, text=CIVIL)
    for comment in (hateful, civil):
        triage.score_comment(comment_id=comment.pk, now=WEDNESDAY_MORNING)

    html = _tab(signed_in, site)

    assert _rows(html) == [hateful.pk]
    text = _words(html)
    found = re.search(r"Abuse (0\.\d\d) — abuse \1: weighed most \u201c([^\u201d]+)\u201d", text)
    assert found, text
    assert all(word in HATEFUL for word in found.group(2).split())  # its words, in order

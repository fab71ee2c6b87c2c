"""The Reported tab at scale: the open-report figures each comment carries, the order they
give, the pages of 50 and their cursors, and a fixed number of queries whatever the size."""

import importlib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from belowtheline import clock
from belowtheline.discussion import reports as report_figures
from belowtheline.discussion import services as discussion
from belowtheline.discussion.models import Comment, Report
from belowtheline.moderation import selectors, services
from belowtheline.moderation.selectors import QueueFilters, report_priority
from tests.api.conftest import api_path
from tests.conftest import make_subscriber

FIGURES = list(report_figures.CLOSED)


@pytest.fixture
def many(settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "100000/60",
                                "report": "100000/60"}


@pytest.fixture
def crowd(site):
    """Subscribers with no decided reports: each report weighs WEIGHT_UNKNOWN."""
    return [make_subscriber(site, accept_rules=False, username=f"reader{i}")
            for i in range(8)]


def _post(site, article, author, text):
    return discussion.post_comment(site=site, article=article, author=author, text=text)


def _report(site, comment, reader, reason="abusive", note="", now=None):
    discussion.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                              reason=reason, note=note, now=now)


def _figures(site):
    return {c["id"]: {k: c[k] for k in FIGURES}
            for c in Comment.objects.filter(site=site).values("id", *FIGURES)}


def _grow(site, article, author, crowd, n, *, start=0):
    """n reported comments with one to three reports each, a few of them legal risk."""
    made = []
    for i in range(start, start + n):
        comment = _post(site, article, author, f"Comment {i}")
        for r in range(1 + i % 3):
            _report(site, comment, crowd[r], "legal_risk" if i % 17 == 0 and r == 0
                    else "abusive", note=f"note {i}.{r}")
        made.append(comment)
    return made


def _reference_order(site, now):
    """The queue's order worked out from the reports themselves, the slow way."""
    keyed = []
    for comment in Comment.objects.filter(site=site):
        open_reports = list(Report.objects.filter(comment=comment, status="open"))
        if not open_reports:
            continue
        first = min(r.created_at for r in open_reports)
        weight = sum(r.weight for r in open_reports)
        age = min(report_figures.age_units(now) - report_figures.age_units(first),
                  report_figures.AGE_CAP)
        legal = any(r.reason == "legal_risk" for r in open_reports)
        keyed.append(((legal, weight + age, -report_figures.age_units(first) + weight,
                       -comment.pk), comment.pk))
    return [pk for _, pk in sorted(keyed, reverse=True)]


# --- the figures ---------------------------------------------------------------------------

def test_filing_and_closing_keep_the_figures_the_reports_give(site, article, subscriber,
                                                              crowd, moderator, many):
    now = clock.now()
    busy = _post(site, article, subscriber, "Busy")
    legal = _post(site, article, subscriber, "Legal")
    old = _post(site, article, subscriber, "Old")
    dismissed = _post(site, article, subscriber, "Dismissed")
    for reader in crowd[:3]:
        _report(site, busy, reader, now=now)
    _report(site, legal, crowd[0], "spam", now=now)
    _report(site, legal, crowd[1], "legal_risk", now=now)
    _report(site, old, crowd[2], now=now - timedelta(days=3))
    _report(site, old, crowd[3], now=now - timedelta(hours=30))
    _report(site, dismissed, crowd[4], now=now)
    services.dismiss_reports(site=site, actor=moderator, comment_id=dismissed.pk)
    _report(site, dismissed, crowd[5], "off_topic", now=now)  # a fresh report after

    busy.refresh_from_db()
    assert (busy.open_report_count, busy.has_open_legal_report) == (3, False)
    assert busy.open_report_weight == 3 * report_figures.WEIGHT_UNKNOWN
    legal.refresh_from_db()
    assert (legal.open_report_count, legal.has_open_legal_report) == (2, True)
    dismissed.refresh_from_db()
    assert dismissed.open_report_count == 1
    assert dismissed.first_open_report_at == now

    report_figures.settle_open_reports(site=site, now=now)
    kept = _figures(site)
    Comment.objects.filter(site=site).update(**report_figures.CLOSED)
    assert report_figures.recount_open_reports(site=site, now=now) == 4
    assert _figures(site) == kept


def test_the_data_migration_computes_what_recount_open_reports_does(site, article, subscriber,
                                                                   crowd, many):
    """0005 carries a copy of recount_open_reports (migrations import no app code)."""
    from django.apps import apps

    backfill = importlib.import_module(
        "belowtheline.discussion.migrations.0005_backfill_open_report_figures").backfill
    made = _grow(site, article, subscriber, crowd, 12)
    _report(site, made[0], crowd[5], now=clock.now() - timedelta(days=2))
    report_figures.recount_open_reports(site=site)
    expected = _figures(site)
    Comment.objects.filter(site=site).update(**report_figures.CLOSED)
    backfill(apps, SimpleNamespace(connection=connection))  # it needs only the alias
    assert _figures(site) == expected


def test_removing_or_amending_takes_the_comment_out_of_the_queue(site, article, subscriber,
                                                                 crowd, moderator):
    removed = _post(site, article, subscriber, "Go away")
    amended = _post(site, article, subscriber, "Fix me")
    _report(site, removed, crowd[0])
    _report(site, amended, crowd[1], "legal_risk")
    services.remove_comment(site=site, actor=moderator, comment_id=removed.pk, rule=1)
    services.amend_comment(site=site, actor=moderator, comment_id=amended.pk, text="Fixed",
                           rule=1, reason="Defamatory")
    assert selectors.reported_queue(site=site, now=clock.now()).items == []
    assert selectors.queue_counts(site=site)["reported"] == 0
    assert all(figures == report_figures.CLOSED for figures in _figures(site).values())


def test_a_reporters_later_record_does_not_move_reports_already_filed(
    site, article, subscriber, crowd, moderator, many
):
    early = _post(site, article, subscriber, "Early")
    _report(site, early, crowd[0])
    for n in range(2):  # crowd[0] is then upheld twice: a perfect record
        other = _post(site, article, subscriber, f"Other {n}")
        _report(site, other, crowd[0])
        services.remove_comment(site=site, actor=moderator, comment_id=other.pk, rule=1)
    late = _post(site, article, subscriber, "Late")
    _report(site, late, crowd[0])
    early.refresh_from_db()
    late.refresh_from_db()
    assert early.open_report_weight == report_figures.WEIGHT_UNKNOWN
    assert late.open_report_weight == report_figures.WEIGHT_FLOOR + report_figures.WEIGHT_SPAN


@pytest.mark.django_db(transaction=True)
def test_reports_filed_at_the_same_moment_are_all_counted(site, rules, article, subscriber):
    comment = _post(site, article, subscriber, "Everyone hates this")
    people = [make_subscriber(site, accept_rules=False, username=f"angry{i}")
              for i in range(4)]
    start = Barrier(len(people))

    def file(reader) -> None:
        try:
            start.wait()
            _report(site, comment, reader, "legal_risk" if reader is people[0] else "spam")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        list(pool.map(file, people))

    comment.refresh_from_db()
    assert Report.objects.filter(comment=comment, status="open").count() == 4
    assert comment.open_report_count == 4
    assert comment.has_open_legal_report
    assert comment.open_report_weight == 4 * report_figures.WEIGHT_UNKNOWN


# --- the order and the pages ---------------------------------------------------------------

def test_priority_in_points_matches_the_queues_thousandths():
    assert report_priority(open_reports=2, reporter_records=[1.0, None], age_hours=12) == 3.0
    assert report_priority(open_reports=1, reporter_records=[0.0], age_hours=48) == 2.25


def test_an_old_report_settles_at_the_age_cap_and_is_ordered_by_weight(
    site, article, subscriber, crowd, many
):
    start = clock.now()
    single_old = _post(site, article, subscriber, "One report, two days ago")
    triple_new = _post(site, article, subscriber, "Three reports, just now")
    double_mid = _post(site, article, subscriber, "Two reports, six hours ago")
    _report(site, single_old, crowd[0], now=start - timedelta(days=2))
    for reader in crowd[:2]:
        _report(site, double_mid, reader, now=start - timedelta(hours=6))
    for reader in crowd[:3]:
        _report(site, triple_new, reader, now=start)
    # 0.75 + 2 (capped) = 2.75; 1.5 + 0.5 = 2.0; 2.25 + 0 = 2.25
    page = selectors.reported_queue(site=site, now=start)
    assert [i.comment for i in page.items] == [single_old, triple_new, double_mid]
    assert [i.score for i in page.items] == [2.75, 2.25, 2.0]
    with time_machine.travel(start + timedelta(hours=20), tick=False):
        later = clock.now()  # 0.75 + 2 = 2.75; 1.5 + 2 (capped) = 3.5; 2.25 + 1.667
        page = selectors.reported_queue(site=site, now=later)
        assert [i.comment for i in page.items] == [triple_new, double_mid, single_old]
        # Age is counted in steps of 43.2 seconds: a thousandth of a point either way.
        assert [i.score for i in page.items] == pytest.approx([3.917, 3.5, 2.75], abs=0.0015)
        assert _reference_order(site, later) == [i.comment.pk for i in page.items]


def test_pages_of_fifty_follow_the_order_without_repeats(site, article, subscriber, crowd,
                                                        many):
    _grow(site, article, subscriber, crowd, 120)
    now = clock.now()
    seen, after, pages = [], None, 0
    while True:
        page = selectors.reported_queue(site=site, now=now, after=after)
        assert len(page.items) <= selectors.PAGE_SIZE
        seen += [i.comment.pk for i in page.items]
        pages += 1
        after = page.next_after
        if after is None:
            break
    assert pages == 3
    assert seen == _reference_order(site, now)
    assert selectors.queue_counts(site=site)["reported"] == 120


def test_held_and_recent_tabs_page_too(site, article, subscriber, moderator, many):
    made = [_post(site, article, subscriber, f"Comment {i}") for i in range(55)]
    for comment in made[:52]:
        services.hold_comment(site=site, actor=moderator, comment_id=comment.pk)
    now = clock.now()
    for tab, expected in (("held", [c.pk for c in made[:52]]),
                          ("recent", [c.pk for c in reversed(made)])):
        read = getattr(selectors, f"{tab}_queue")
        first = read(site=site, now=now)
        rest = read(site=site, now=now, after=first.next_after)
        assert [i.comment.pk for i in first.items + rest.items] == expected
        assert rest.next_after is None


def test_a_filter_narrows_every_page(site, article, subscriber, crowd, many):
    made = _grow(site, article, subscriber, crowd, 60)
    legal = [c.pk for i, c in enumerate(made) if i % 17 == 0]
    page = selectors.reported_queue(site=site, now=clock.now(),
                                    filters=QueueFilters(reason="legal_risk"))
    assert sorted(i.comment.pk for i in page.items) == sorted(legal)
    assert all(i.legal_risk for i in page.items)


def _every_page(site, now, filters, **kwargs):
    seen, after, pages = [], None, []
    while True:
        page = selectors.reported_queue(site=site, now=now, filters=filters, after=after,
                                        **kwargs)
        seen += [i.comment.pk for i in page.items]
        pages.append(page)
        after = page.next_after
        if after is None:
            return seen, pages


def test_a_reason_is_looked_for_a_window_at_a_time_and_every_match_is_found_once(
    site, article, subscriber, crowd, many
):
    made = _grow(site, article, subscriber, crowd, 40)
    for comment in made[::9]:
        _report(site, comment, crowd[6], "spam")
    now = clock.now()
    expected = [pk for pk in _reference_order(site, now) if pk in {c.pk for c in made[::9]}]
    seen, pages = _every_page(site, now, QueueFilters(reason="spam"), size=2, window=7)
    assert seen == expected
    # a window without a page of matches says how far it looked, and goes on from there
    short = [p for p in pages if p.looked_through is not None]
    assert short
    assert all(p.looked_through == 7 and len(p.items) <= 2 for p in short)
    whole, [one_page] = _every_page(site, now, QueueFilters(reason="spam"))
    assert whole == expected
    assert one_page.looked_through is None


def test_words_are_looked_for_a_window_at_a_time_too(site, article, subscriber, crowd,
                                                     many):
    made = _grow(site, article, subscriber, crowd, 30)
    wanted = {made[3].pk, made[17].pk, made[29].pk}
    for comment in made:
        if comment.pk in wanted:
            Comment.objects.filter(pk=comment.pk).update(text="A zebra crossing")
    now = clock.now()
    seen, _ = _every_page(site, now, QueueFilters(search="zebra"), size=50, window=4)
    assert seen == [pk for pk in _reference_order(site, now) if pk in wanted]


def test_an_article_filter_pages_through_that_articles_comments_only(
    site, article, subscriber, crowd, many
):
    from tests.discussion.factories import ArticleFactory

    elsewhere = ArticleFactory(site=site, title="Elsewhere")
    _grow(site, elsewhere, subscriber, crowd, 20)
    mine = _grow(site, article, subscriber, crowd, 7, start=20)
    now = clock.now()
    seen, pages = _every_page(site, now, QueueFilters(article_id=article.pk), size=3)
    assert seen == [pk for pk in _reference_order(site, now) if pk in {c.pk for c in mine}]
    assert len(pages) == 3


def test_filtered_pages_read_in_the_same_number_of_queries_at_any_size(
    site, article, subscriber, crowd, many, django_assert_num_queries
):
    _grow(site, article, subscriber, crowd, 3)
    now = clock.now()
    filters = [QueueFilters(reason="spam"), QueueFilters(search="Comment 1"),
               QueueFilters(article_id=article.pk), QueueFilters(reason="legal_risk")]
    few = []
    for wanted in filters:
        with CaptureQueriesContext(connection) as queries:
            selectors.reported_queue(site=site, now=now, filters=wanted, window=20)
        few.append(len(queries))
    _grow(site, article, subscriber, crowd, 60, start=3)
    for wanted, count in zip(filters, few, strict=True):
        with django_assert_num_queries(count):
            selectors.reported_queue(site=site, now=now, filters=wanted, window=20)


def test_tab_counts_stop_at_the_cap(site, article, subscriber, crowd, many):
    _grow(site, article, subscriber, crowd, 6)  # some are held too, by the system
    reported = Comment.objects.filter(site=site, open_report_count__gt=0).count()
    held = Comment.objects.filter(site=site, status__in=["held", "pending"]).count()
    assert (reported, held) == (6, 3)
    assert selectors.queue_counts(site=site) == {"reported": 6, "flagged": 0, "held": 3}
    assert selectors.queue_counts(site=site, cap=4) == {"reported": 5, "flagged": 0, "held": 3}
    assert selectors.queue_counts(site=site, cap=1) == {"reported": 2, "flagged": 0, "held": 2}


def test_a_row_carries_the_count_the_reasons_and_the_first_notes(site, article, subscriber,
                                                                  crowd):
    comment = _post(site, article, subscriber, "Many complaints")
    for n, reader in enumerate(crowd[:5]):
        _report(site, comment, reader, "spam" if n % 2 else "abusive", note=f"Note {n}")
    [item] = selectors.reported_queue(site=site, now=clock.now()).items
    assert item.open_reports == 5
    assert item.reasons == {"abusive": 3, "spam": 2}
    assert item.notes == ["Note 0", "Note 1", "Note 2"]
    assert item.more_notes == 2
    assert len(selectors.queue_item(site=site, comment_id=comment.pk,
                                    now=clock.now()).notes) == 5


def test_the_reported_tab_reads_in_the_same_number_of_queries_at_any_size(
    site, article, subscriber, crowd, many, django_assert_num_queries
):
    _grow(site, article, subscriber, crowd, 3)
    now = clock.now()
    # 11, and two for triage's flags and scores of the page's comments.
    with django_assert_num_queries(13):
        small = selectors.reported_queue(site=site, now=now)
    _grow(site, article, subscriber, crowd, 120, start=3)
    with django_assert_num_queries(13):
        big = selectors.reported_queue(site=site, now=now)
    with django_assert_num_queries(13):
        selectors.reported_queue(site=site, now=now, after=big.next_after)
    assert (len(small.items), len(big.items)) == (3, 50)


# --- bad cursors ---------------------------------------------------------------------------

@pytest.mark.parametrize("after", ["nonsense", "!!!", "cmVwb3J0ZWQuMS4y",  # too short
                                   "aGVsZC4xLjI",  # a cursor of the Held tab
                                   "cmVwb3J0ZWQuMS54LjMuNA", "x" * 500])
def test_a_bad_cursor_is_refused_with_a_code(site, moderator, client, after):
    client.force_login(moderator)
    response = client.get(api_path(site, "moderation/queue"), {"after": after})
    assert response.status_code == 400
    assert response.json()["code"] in ("cursor_invalid", "invalid_input")


def test_a_bad_cursor_on_the_dashboard_shows_the_first_page_and_says_so(
    site, article, subscriber, crowd, moderator, client
):
    from django.urls import reverse

    comment = _post(site, article, subscriber, "Reported")
    _report(site, comment, crowd[0])
    client.force_login(moderator)
    response = client.get(reverse("moderation_queue", args=[site.slug]), {"after": "bogus"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "That page of the queue no longer exists" in page
    assert f'id="row-{comment.pk}"' in page


def test_the_api_pages_with_next_after(site, article, subscriber, crowd, moderator, client,
                                      many):
    _grow(site, article, subscriber, crowd, 55)
    client.force_login(moderator)
    first = client.get(api_path(site, "moderation/queue")).json()
    assert first["count"] == 50
    assert first["next_after"]
    rest = client.get(api_path(site, "moderation/queue"), {"after": first["next_after"]})
    body = rest.json()
    assert body["count"] == 5
    assert body["next_after"] is None
    ids = [r["comment"]["id"] for r in first["items"] + body["items"]]
    assert len(set(ids)) == 55

"""The editors' figures, computed from a week with known answers.

The week is Monday 23 to Sunday 29 November 2026 on a site with the default cover
(full-time 09:00–18:00 on weekdays, part-time otherwise, UK time). In November the UK is on
GMT, so the times below are both UTC and local. Every report and decision goes through the
services with an explicit `now`, as it would have happened.

Comment  first report          decided                     wait     cover at 1st report
A        Wed 10:00 abusive     removed Wed 10:30           30 min   full-time
B        Wed 11:00, 11:20 spam dismissed Wed 12:00         60 min   full-time
         Thu 10:00 abusive     removed Thu 10:10           10 min   full-time (a second round
                                                                    of complaints, timed on its own)
C        Thu 14:00 off-topic   amended Thu 16:00           120 min  full-time
D        Wed 20:00 abusive     removed Thu 09:15           795 min  part-time
E        Sat 10:00 legal risk  held by the system at once; removed Sat 10:45  45 min  part-time
F        Sun 22:00 other       dismissed Sun 23:00         60 min   part-time
G        Tue 07:00 abusive     dismissed Tue 09:30         150 min  part-time
H        Sun 22 Nov 23:00      dismissed Mon 00:30         90 min   part-time (report before
                                                                    the period, decision in it)
I        Sun 23:30 other       dismissed Mon 30 Nov 08:00  (decided after the period)
J        Fri 17:00 abusive     open                        (the oldest open report)
K        Sun 12:00, 12:05 spam open
L        no report; held by a moderator Wed 13:00, released Wed 13:30
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from belowtheline.discussion import services as discussion
from belowtheline.moderation import services
from belowtheline.moderation.stats import CoverTimeline, moderation_figures, nearest_rank
from belowtheline.sites.cover import CoverSchedule
from belowtheline.sites.models import CoverException, CoverKind, CoverPeriod
from belowtheline.sites.services import seed_default_cover
from tests.accounts.factories import UserFactory
from tests.conftest import make_subscriber
from tests.discussion.factories import ArticleFactory, RulesVersionFactory
from tests.moderation.conftest import make_staff


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026 (GMT, so UTC and UK time agree)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


START, END = at(23, 0), at(30, 0)
NOW = at(30, 9)
MIN = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def week(covered_site, rules, article, subscriber, moderator):
    site = covered_site
    readers = [UserFactory(username=f"complainer{i}") for i in range(3)]
    posted = at(22, 20)
    comments = {}
    for n, name in enumerate("ABCDEFGHIJKL"):
        comments[name] = discussion.post_comment(site=site, article=article, author=subscriber,
                                                 text=f"Comment {name}", now=posted + n * MIN)

    def report(name, when, reason, reader=0):
        discussion.report_comment(site=site, comment_id=comments[name].pk,
                                  reporter=readers[reader], reason=reason, now=when)

    def act(action, name, when, **fields):
        getattr(services, action)(site=site, actor=moderator, comment_id=comments[name].pk,
                                  now=when, **fields)

    report("H", at(22, 23), "abusive")
    act("dismiss_reports", "H", at(23, 0, 30))
    report("G", at(24, 7), "abusive")
    act("dismiss_reports", "G", at(24, 9, 30))
    report("A", at(25, 10), "abusive")
    act("remove_comment", "A", at(25, 10, 30), rule=1)
    report("B", at(25, 11), "spam")
    report("B", at(25, 11, 20), "spam", reader=1)
    act("dismiss_reports", "B", at(25, 12))
    act("hold_comment", "L", at(25, 13))
    act("release_comment", "L", at(25, 13, 30))
    report("D", at(25, 20), "abusive")
    report("B", at(26, 10), "abusive", reader=2)
    act("remove_comment", "B", at(26, 10, 10), rule=1)
    act("remove_comment", "D", at(26, 9, 15), rule=1)
    report("C", at(26, 14), "off_topic")
    act("amend_comment", "C", at(26, 16), text="Amended C", rule=2, reason="Off topic")
    report("J", at(27, 17), "abusive")
    report("E", at(28, 10), "legal_risk")  # part-time: held by the system at once
    act("remove_comment", "E", at(28, 10, 45), rule=1)
    report("K", at(29, 12), "spam")
    report("K", at(29, 12, 5), "spam", reader=1)
    report("F", at(29, 22), "other")
    act("dismiss_reports", "F", at(29, 23))
    report("I", at(29, 23, 30), "other")
    act("dismiss_reports", "I", at(30, 8))
    return site


@pytest.fixture
def figures(week):
    return moderation_figures(site=week, start=START, end=END, now=NOW)


def test_reports_received_in_the_period_by_reason(figures):
    assert figures.reports_received == 13
    assert figures.reports_by_reason == {
        "abusive": 5, "off_topic": 1, "spam": 4, "legal_risk": 1, "other": 2,
    }


def test_comments_decided_once_each_and_decisions_by_kind(figures):
    assert figures.comments_decided == 9  # A B C D E F G H L; B twice, I after the period
    assert figures.decisions_by_kind == {
        "dismiss": 4, "amend": 1, "remove": 4, "reject": 0, "release": 1, "approve": 0,
    }
    assert (figures.holds, figures.automatic_holds) == (2, 1)  # L by hand, E by the system


def test_time_to_decision_by_cover_at_the_first_report(figures):
    """Each round of complaints is timed from its own first report: B counts twice."""
    full = figures.response_times[CoverKind.FULL_TIME]
    part = figures.response_times[CoverKind.PART_TIME]
    none = figures.response_times[CoverKind.NONE]
    overall = figures.response_times_overall

    # Full-time: 10, 30, 60, 120 → median at rank 2, 90th percentile at rank ⌈3.6⌉ = 4.
    assert (full.count, full.median, full.p90) == (4, 30 * MIN, 120 * MIN)
    # Part-time: 45, 60, 90, 150, 795 → ranks 3 and ⌈4.5⌉ = 5.
    assert (part.count, part.median, part.p90) == (5, 90 * MIN, 795 * MIN)
    assert (none.count, none.median, none.p90) == (0, None, None)
    # All nine: 10, 30, 45, 60, 60, 90, 120, 150, 795 → ranks ⌈4.5⌉ = 5 and ⌈8.1⌉ = 9.
    assert (overall.count, overall.median, overall.p90) == (9, 60 * MIN, 795 * MIN)


def test_the_backlog_is_as_of_now_whatever_the_period(week, figures):
    assert figures.open_reports == 3  # J, and K's two
    assert figures.comments_with_open_reports == 2
    assert figures.oldest_open_report.created_at == at(27, 17)
    assert figures.oldest_open_report.age == timedelta(days=2, hours=16)
    earlier = moderation_figures(site=week, start=at(1, 0), end=at(8, 0), now=NOW)
    assert (earlier.open_reports, earlier.reports_received, earlier.comments_decided) == (3, 0, 0)


def test_the_hourly_series_with_the_cover_of_each_hour(figures):
    hours = {h.start: h for h in figures.hours}

    assert len(figures.hours) == 7 * 24
    assert figures.hours[0].start == START
    assert figures.hours[-1].start == END - timedelta(hours=1)
    assert sum(h.reports for h in figures.hours) == 13
    # B is decided in two different hours, so the hours add up to one more than the total.
    assert sum(h.decided for h in figures.hours) == 10
    assert (hours[at(25, 10)].reports, hours[at(25, 10)].decided) == (1, 1)  # A
    assert (hours[at(25, 11)].reports, hours[at(25, 11)].decided) == (2, 0)  # B's two
    assert (hours[at(25, 12)].reports, hours[at(25, 12)].decided) == (0, 1)
    assert (hours[at(26, 10)].reports, hours[at(26, 10)].decided) == (1, 1)
    assert hours[at(25, 8)].cover == CoverKind.PART_TIME
    assert hours[at(25, 9)].cover == CoverKind.FULL_TIME
    assert hours[at(25, 17)].cover == CoverKind.FULL_TIME
    assert hours[at(25, 18)].cover == CoverKind.PART_TIME
    assert hours[at(28, 12)].cover == CoverKind.PART_TIME  # Saturday
    assert sum(h.cover == CoverKind.FULL_TIME for h in figures.hours) == 5 * 9


def test_another_sites_activity_never_counts(week, figures, db):
    other = ArticleFactory(site__slug="elsewhere").site
    RulesVersionFactory(site=other, number=1)
    seed_default_cover(site=other)
    their_moderator = make_staff(other, "moderator", "fred_x")
    author = make_subscriber(other, username="otto")
    comment = discussion.post_comment(site=other, article=ArticleFactory(site=other),
                                      author=author, text="Elsewhere", now=at(24, 9))
    discussion.report_comment(site=other, comment_id=comment.pk,
                              reporter=UserFactory(username="rex"), reason="spam", now=at(24, 10))
    services.remove_comment(site=other, actor=their_moderator, comment_id=comment.pk, rule=1,
                            now=at(24, 11))

    again = moderation_figures(site=week, start=START, end=END, now=NOW)

    assert again == figures


def test_a_report_in_hours_with_no_cover_is_counted_as_such(covered_site, rules, article,
                                                            subscriber, moderator, reader):
    CoverPeriod.objects.create(site=covered_site, weekday=2, starts="00:00", ends="06:00",
                               kind=CoverKind.NONE)
    comment = discussion.post_comment(site=covered_site, article=article, author=subscriber,
                                      text="Night owl", now=at(24, 12))
    discussion.report_comment(site=covered_site, comment_id=comment.pk, reporter=reader,
                              reason="abusive", now=at(25, 2))
    services.dismiss_reports(site=covered_site, actor=moderator, comment_id=comment.pk,
                             now=at(25, 9, 5))

    figures = moderation_figures(site=covered_site, start=START, end=END, now=NOW)

    none = figures.response_times[CoverKind.NONE]
    assert (none.count, none.median, none.p90) == (1, 425 * MIN, 425 * MIN)
    assert {h.cover for h in figures.hours if at(25, 0) <= h.start < at(25, 6)} == {
        CoverKind.NONE
    }


def test_the_hours_follow_the_clock_change(covered_site):
    """Sunday 25 October 2026: the UK falls back, and the local day has 25 hours."""
    start = datetime(2026, 10, 25, 0, 0, tzinfo=covered_site.zone)
    end = datetime(2026, 10, 26, 0, 0, tzinfo=covered_site.zone)

    figures = moderation_figures(site=covered_site, start=start, end=end, now=NOW)

    assert len(figures.hours) == 25
    assert figures.hours[0].start == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)


def test_the_cover_timeline_agrees_with_the_schedule_at_every_moment(covered_site):
    """Across the October clock change, a bank holiday and a night with no cover."""
    CoverPeriod.objects.create(site=covered_site, weekday=1, starts="01:00", ends="05:30",
                               kind=CoverKind.NONE)
    CoverException.objects.create(site=covered_site, date=date(2026, 10, 27),
                                  kind=CoverKind.PART_TIME)
    schedule = CoverSchedule(covered_site)
    start = datetime(2026, 10, 22, 0, 7, tzinfo=UTC)
    end = start + timedelta(days=10)
    timeline = CoverTimeline(schedule, start, end)

    instant = start
    while instant < end:
        assert timeline.at(instant) == schedule.at(instant).kind, instant
        instant += 13 * MIN


def test_the_figures_cost_a_fixed_number_of_queries(week, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        moderation_figures(site=week, start=START, end=END, now=NOW)


@pytest.mark.parametrize(
    ("values", "percent", "expected"),
    [
        ([], 50, None),
        ([7], 50, 7),
        ([7], 90, 7),
        ([1, 2, 3, 4], 50, 2),  # nearest rank: ⌈0.5 × 4⌉ = 2, the lower middle
        ([1, 2, 3, 4, 5], 50, 3),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9),
        ([10, 1, 9, 2, 8, 3, 7, 4, 6, 5, 11], 90, 10),  # ⌈9.9⌉ = 10; unsorted input
    ],
)
def test_nearest_rank_percentiles(values, percent, expected):
    got = nearest_rank([v * MIN for v in values], percent)
    assert got == (expected * MIN if expected is not None else None)

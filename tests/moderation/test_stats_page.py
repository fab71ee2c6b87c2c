"""The figures page: staff only, a period chooser that never errs with a 500, the numbers,
and an accessible SVG chart drawn on the server."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from belowtheline.discussion import services as discussion
from belowtheline.moderation import services
from belowtheline.moderation.stats import Hour, moderation_figures
from belowtheline.moderation.stats_views import build_chart, duration, nice_scale
from belowtheline.sites.models import CoverKind
from tests.moderation.conftest import make_staff

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # Thursday, full-time cover


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _path(site, query=""):
    return f"/moderate/stats/{site.slug}/{query}"


def _as(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def activity(covered_site, rules, article, subscriber, reader, moderator):
    """Two reports yesterday, one dismissed after 45 minutes; one open since this morning."""
    site = covered_site
    first = discussion.post_comment(site=site, article=article, author=subscriber,
                                    text="First", now=NOW - timedelta(days=2))
    second = discussion.post_comment(site=site, article=article, author=subscriber,
                                     text="Second", now=NOW - timedelta(days=2, minutes=-1))
    discussion.report_comment(site=site, comment_id=first.pk, reporter=reader, reason="spam",
                              now=NOW - timedelta(hours=28))
    services.dismiss_reports(site=site, actor=moderator, comment_id=first.pk,
                             now=NOW - timedelta(hours=27, minutes=15))
    discussion.report_comment(site=site, comment_id=second.pk, reporter=reader,
                              reason="abusive", now=NOW - timedelta(hours=5))
    return site


# --- who may look -------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["moderator", "editor", "admin"])
def test_this_sites_staff_see_the_figures(covered_site, role):
    staff = make_staff(covered_site, role, f"staff_{role}")

    response = _as(staff).get(_path(covered_site))

    assert response.status_code == 200
    assert b"Moderation figures" in response.content


@pytest.mark.parametrize("who", ["reader", "subscriber", "foreign_moderator"])
def test_everyone_else_is_refused(request, activity, who):
    response = _as(request.getfixturevalue(who)).get(_path(activity))

    assert response.status_code == 403
    assert b"Reports received" not in response.content


def test_an_anonymous_visitor_is_sent_to_sign_in(activity):
    response = Client().get(_path(activity, "?period=24h"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_unknown_site_is_not_found(moderator):
    response = _as(moderator).get("/moderate/stats/nowhere/")

    assert response.status_code == 404


def test_another_sites_moderator_sees_only_their_own_sites_figures(activity, other_site,
                                                                   foreign_moderator):
    response = _as(foreign_moderator).get(_path(other_site, "?period=30d"))

    assert response.status_code == 200
    assert response.context["figures"].reports_received == 0
    assert response.context["figures"].open_reports == 0


def test_the_page_only_reads(activity, moderator):
    assert _as(moderator).post(_path(activity)).status_code == 405


# --- the period ---------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "span"), [
    ("", timedelta(days=7)),
    ("?period=24h", timedelta(hours=24)),
    ("?period=7d", timedelta(days=7)),
    ("?period=30d", timedelta(days=30)),
])
def test_preset_periods_run_up_to_now(activity, moderator, query, span):
    figures = _as(moderator).get(_path(activity, query)).context["figures"]

    assert (figures.start, figures.end) == (NOW - span, NOW)


def test_custom_dates_are_whole_local_days_inclusive(activity, moderator):
    response = _as(moderator).get(_path(activity, "?period=custom&start=2026-11-25&end=2026-11-25"))

    figures = response.context["figures"]
    assert response.status_code == 200
    assert (figures.start, figures.end) == (datetime(2026, 11, 25, tzinfo=UTC),
                                            datetime(2026, 11, 26, tzinfo=UTC))
    assert (figures.reports_received, figures.comments_decided) == (1, 1)


def test_summer_dates_start_at_local_midnight(activity, moderator):
    figures = _as(moderator).get(
        _path(activity, "?period=custom&start=2026-07-01&end=2026-07-02")
    ).context["figures"]

    assert figures.start == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)  # BST
    assert figures.end == datetime(2026, 7, 2, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(("query", "message"), [
    ("?period=custom&start=2026-11-25&end=yesterday", "Enter the last date as YYYY-MM-DD."),
    ("?period=custom&start=2026-13-01&end=2026-11-25", "Enter the first date as YYYY-MM-DD."),
    ("?period=custom&start=2026-11-25", "Choose both a first and a last date."),
    ("?period=custom", "Choose both a first and a last date."),
    ("?period=custom&start=2026-11-26&end=2026-11-20", "must not be after the last"),
    ("?period=custom&start=2026-01-01&end=2026-11-20", "Choose at most 92 days."),
    ("?period=custom&start=0001-01-01&end=0001-01-02", "between 2000 and 2100"),
    ("?period=custom&start=9999-12-30&end=9999-12-31", "between 2000 and 2100"),
    ("?period=forever", "Choose one of the periods offered."),
    ("?start=2026-11-26&end=2026-11-20", "must not be after the last"),
])
def test_a_bad_period_is_a_form_error_not_a_crash(activity, moderator, query, message):
    response = _as(moderator).get(_path(activity, query))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<svg" not in response.content.decode()
    assert 'role="alert"' in response.content.decode()


# --- what the page shows ------------------------------------------------------------------

def test_the_numbers_and_the_way_back_to_the_dashboard(activity, moderator):
    page = _as(moderator).get(_path(activity, "?period=7d")).content.decode()

    assert 'href="/moderate/gazette/"' in page
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Reports received 2" in text
    assert "Comments decided 1" in text
    assert "Full-time cover 1 45 min 45 min" in text  # reported Wednesday 11:00 GMT
    assert "Oldest open report 5 h" in text
    assert "1 open report" in text


def test_the_chart_is_inline_accessible_svg_with_a_legend(activity, moderator):
    page = _as(moderator).get(_path(activity, "?period=24h")).content.decode()

    svg = page[page.index("<svg"):page.index("</svg>")]
    assert 'role="img"' in svg
    assert '<title id="chart-title">Reports received and comments decided per hour</title>' in svg
    assert '<desc id="chart-desc">' in svg
    assert 'aria-labelledby="chart-title chart-desc"' in svg
    for words in ("Reports received", "Comments decided", "Full-time cover",
                  "Part-time cover", "No cover", "Per hour", "Hours, UK time"):
        assert words in svg
    assert 'class="band-full_time"' in svg
    assert 'class="band-part_time"' in svg
    assert svg.count('class="bar-reports"') == 24 + 1  # a pair per hour, plus the legend
    assert "<script" not in page[page.index("<main"):]
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_thirty_days_are_drawn_per_day(activity, moderator):
    chart = _as(moderator).get(_path(activity, "?period=30d")).context["chart"]

    assert chart.unit == "day"
    assert len(chart.bars) == 31  # 30 days from 15:00 touch 31 calendar days
    assert sum(b.reports for b in chart.buckets) == 2


def test_a_chart_of_an_empty_period_still_draws(covered_site, moderator):
    page = _as(moderator).get(_path(covered_site, "?period=24h")).content.decode()

    assert "<svg" in page
    assert "0 reports received" in page


# --- the pieces ---------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "words"), [
    (None, "—"),
    (timedelta(seconds=20), "under a minute"),
    (timedelta(minutes=45), "45 min"),
    (timedelta(hours=2), "2 h"),
    (timedelta(hours=13, minutes=15), "13 h 15 min"),
    (timedelta(days=2, hours=16, minutes=5), "2 d 16 h"),
    (timedelta(days=3), "3 d"),
])
def test_durations_read_as_a_newsroom_says_them(value, words):
    assert duration(value) == words


@pytest.mark.parametrize(("largest", "top", "step"), [
    (0, 1, 1), (1, 1, 1), (3, 3, 1), (4, 4, 1), (7, 8, 2), (13, 15, 5), (48, 50, 10),
    (130, 150, 50),
])
def test_the_count_axis_has_round_steps(largest, top, step):
    assert nice_scale(largest) == (top, step)


def test_cover_bands_follow_the_hours(covered_site):
    start = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
    figures = moderation_figures(site=covered_site, start=start,
                                 end=start + timedelta(days=1), now=NOW)

    chart = build_chart(figures)

    assert [band.kind for band in chart.bands] == ["part_time", "full_time", "part_time"]
    assert isinstance(figures.hours[0], Hour)
    assert figures.hours[9].cover == CoverKind.FULL_TIME

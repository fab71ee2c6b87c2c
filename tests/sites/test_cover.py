"""Which cover is in force: weekly schedule in local time, exceptions, and clock changes."""

from datetime import UTC, date, datetime, time

import pytest

from belowtheline.sites.cover import CoverSchedule, cover_at, describe_cover
from belowtheline.sites.models import CoverException, CoverKind, CoverPeriod
from belowtheline.sites.services import seed_default_cover
from tests.sites.factories import SiteFactory


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def london(db):
    site = SiteFactory(slug="london", time_zone="Europe/London")
    seed_default_cover(site=site)
    return site


@pytest.mark.parametrize(
    ("instant", "kind", "until"),
    [
        # Wednesday 25 November 2026 is GMT (UTC+0).
        (utc(2026, 11, 25, 10, 0), "full_time", utc(2026, 11, 25, 18, 0)),
        (utc(2026, 11, 25, 8, 59), "part_time", utc(2026, 11, 25, 9, 0)),
        (utc(2026, 11, 25, 18, 0), "part_time", utc(2026, 11, 26, 9, 0)),
        # Friday evening: part-time all weekend, until Monday morning.
        (utc(2026, 11, 27, 19, 0), "part_time", utc(2026, 11, 30, 9, 0)),
    ],
)
def test_default_schedule_is_full_time_nine_to_six_on_weekdays(london, instant, kind, until):
    state = cover_at(site=london, instant=instant)
    assert (state.kind, state.until) == (kind, until)


def test_spring_clock_change_keeps_nine_am_local(london):
    # Friday 27 March 2026, GMT: 08:30 UTC is 08:30 local, before cover starts.
    assert cover_at(site=london, instant=utc(2026, 3, 27, 8, 30)).kind == "part_time"
    # Sunday 29 March, the clocks go forward at 01:00 UTC; the weekend stays part-time
    # and full-time cover starts at 09:00 BST on Monday, which is 08:00 UTC.
    sunday = cover_at(site=london, instant=utc(2026, 3, 29, 0, 30))
    assert (sunday.kind, sunday.until) == ("part_time", utc(2026, 3, 30, 8, 0))
    monday = cover_at(site=london, instant=utc(2026, 3, 30, 8, 30))
    assert (monday.kind, monday.until) == ("full_time", utc(2026, 3, 30, 17, 0))


def test_autumn_clock_change_keeps_nine_am_local(london):
    # Friday 23 October 2026, BST: 08:30 UTC is 09:30 local, in cover until 17:00 UTC.
    friday = cover_at(site=london, instant=utc(2026, 10, 23, 8, 30))
    assert (friday.kind, friday.until) == ("full_time", utc(2026, 10, 23, 17, 0))
    # Sunday 25 October the clocks go back; Monday's 09:00 GMT is 09:00 UTC.
    sunday = cover_at(site=london, instant=utc(2026, 10, 25, 1, 30))
    assert (sunday.kind, sunday.until) == ("part_time", utc(2026, 10, 26, 9, 0))
    assert cover_at(site=london, instant=utc(2026, 10, 26, 8, 30)).kind == "part_time"


def test_bank_holiday_is_part_time_all_day(london):
    CoverException.objects.create(site=london, date=date(2026, 12, 28), note="Bank holiday")
    state = cover_at(site=london, instant=utc(2026, 12, 28, 11, 0))
    assert (state.kind, state.until) == ("part_time", utc(2026, 12, 29, 9, 0))


def test_hours_with_no_cover_at_all(london):
    for day in range(7):
        CoverPeriod.objects.create(site=london, weekday=day, starts=time(1), ends=time(6),
                                   kind=CoverKind.NONE)
    night = cover_at(site=london, instant=utc(2026, 11, 25, 2, 0))
    assert (night.kind, night.until) == ("none", utc(2026, 11, 25, 6, 0))
    evening = cover_at(site=london, instant=utc(2026, 11, 25, 23, 0))
    assert (evening.kind, evening.until) == ("part_time", utc(2026, 11, 26, 1, 0))


def test_schedule_in_another_time_zone(db):
    site = SiteFactory(slug="ny", time_zone="America/New_York")
    seed_default_cover(site=site)
    # 14:00 UTC on a November Wednesday is 09:00 in New York (UTC-5).
    assert cover_at(site=site, instant=utc(2026, 11, 25, 14, 0)).kind == "full_time"
    assert cover_at(site=site, instant=utc(2026, 11, 25, 13, 59)).kind == "part_time"


def test_a_site_with_no_periods_is_part_time_around_the_clock(db):
    site = SiteFactory()
    state = cover_at(site=site, instant=utc(2026, 11, 25, 10, 0))
    assert (state.kind, state.until) == ("part_time", None)


def test_the_public_notice_describes_the_schedule_itself(london):
    assert describe_cover(site=london) == (
        "Moderated full-time 9am–6pm on weekdays, and part-time outside those hours, UK time."
    )
    CoverPeriod.objects.create(site=london, weekday=5, starts=time(10, 30), ends=time(14),
                               kind=CoverKind.FULL_TIME)
    for day in range(7):
        CoverPeriod.objects.create(site=london, weekday=day, starts=time(0), ends=time(6),
                                   kind=CoverKind.NONE)
    text = CoverSchedule(london).describe()
    assert "9am–6pm on weekdays" in text
    assert "10:30am–2pm on Saturdays" in text
    assert "No moderator is on duty midnight–6am every day" in text


def test_admin_creates_a_site_with_domains_keys_and_the_default_schedule(client, db):
    from django.urls import reverse

    from belowtheline.sites.models import Site
    from tests.accounts.factories import UserFactory

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    form = {
        "name": "The Northern Echo Test", "slug": "northern", "time_zone": "Europe/London",
        "allowed_origins": "https://www.northern.example\nhttps://m.northern.example",
        "sso_algorithm": "HS256", "sso_secret": "s3cret-s3cret-s3cret-s3cret-s3cret!",
        "moderation_notice": "You are responsible for what you post.",
        "subscriber_only_text": "Subscribers only.", "why_subscribers_text": "Because.",
        "hold_after_reports_full_time": "5", "hold_after_reports_part_time": "3",
        "hold_after_legal_reports_part_time": "1", "when_no_cover": "hold",
        "erasure_policy": "anonymise", "retention_days": "90",
        "no_cover_message": "Paused until {reopens}.",
        "cover_periods-TOTAL_FORMS": "0", "cover_periods-INITIAL_FORMS": "0",
        "cover_exceptions-TOTAL_FORMS": "0", "cover_exceptions-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:btl_sites_site_add"), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    site = Site.objects.get(slug="northern")
    assert site.origins == ["https://www.northern.example", "https://m.northern.example"]
    assert site.sso_algorithm == "HS256"
    assert describe_cover(site=site).startswith("Moderated full-time 9am–6pm on weekdays")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"sso_algorithm": "HS256", "sso_secret": "short"}, "sso_secret"),
        ({"sso_algorithm": "RS256", "sso_public_key": "not a key"}, "sso_public_key"),
        ({"allowed_origins": "https://news.example/path"}, "allowed_origins"),
    ],
)
def test_a_site_refuses_keys_and_origins_that_could_never_work(db, fields, field):
    from django.core.exceptions import ValidationError

    site = SiteFactory.build(slug="checks", **fields)
    with pytest.raises(ValidationError) as exc:
        site.full_clean()
    assert field in exc.value.message_dict

"""Which moderation cover is in force, and when it changes, from a site's schedule.

The schedule is wall-clock times in the site's time zone: full-time cover Monday to Friday
09:00–18:00 stays 9 to 6 local time across the clock changes, which is what the newsroom
rota means. Anything the weekly periods do not cover is part-time cover; a dated exception
(a bank holiday) replaces that whole day.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from belowtheline.sites.config_cache import site_cached
from belowtheline.sites.models import CoverException, CoverKind, CoverPeriod, Site

MINUTES_A_DAY = 24 * 60
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ZONE_NAMES = {"Europe/London": "UK time"}


@dataclass(frozen=True)
class Segment:
    start: int  # minutes after local midnight
    end: int  # exclusive; 1440 is the next midnight
    kind: CoverKind


@dataclass(frozen=True)
class CoverState:
    kind: CoverKind
    until: datetime | None  # when it next changes (UTC); None if it never does

    @property
    def label(self) -> str:
        return CoverKind(self.kind).label


def _minutes(value: time, *, is_end: bool = False) -> int:
    minutes = value.hour * 60 + value.minute
    return MINUTES_A_DAY if is_end and minutes == 0 else minutes


class CoverSchedule:
    """A site's weekly periods and dated exceptions, read once and asked many times."""

    def __init__(self, site: Site) -> None:
        self.zone = ZoneInfo(site.time_zone)
        self.zone_name = site.time_zone
        self.periods: dict[int, list[CoverPeriod]] = {day: [] for day in range(7)}
        for period in CoverPeriod.objects.filter(site=site).order_by("weekday", "starts"):
            self.periods[period.weekday].append(period)
        self.exceptions = {
            e.date: CoverKind(e.kind) for e in CoverException.objects.filter(site=site)
        }

    def day(self, day: date) -> list[Segment]:
        """The day's cover from midnight to midnight, gaps filled with part-time cover."""
        if day in self.exceptions:
            return [Segment(0, MINUTES_A_DAY, self.exceptions[day])]
        segments: list[Segment] = []
        cursor = 0
        for period in self.periods[day.weekday()]:
            start, end = _minutes(period.starts), _minutes(period.ends, is_end=True)
            start = max(start, cursor)  # overlapping periods: the earlier one wins
            if end <= start:
                continue
            if start > cursor:
                segments.append(Segment(cursor, start, CoverKind.PART_TIME))
            segments.append(Segment(start, end, CoverKind(period.kind)))
            cursor = end
        if cursor < MINUTES_A_DAY:
            segments.append(Segment(cursor, MINUTES_A_DAY, CoverKind.PART_TIME))
        return segments

    def _instant(self, day: date, minute: int) -> datetime:
        if minute >= MINUTES_A_DAY:
            day, minute = day + timedelta(days=1), 0
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.zone)
        return local.astimezone(UTC)

    def at(self, instant: datetime) -> CoverState:
        local = instant.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        today = local.date()
        current = next(s for s in self.day(today) if s.start <= minute < s.end)
        # Walk forward, day by day, to the first stretch of another kind.
        for offset in range(0, 15):
            day = today + timedelta(days=offset)
            for segment in self.day(day):
                if offset == 0 and segment.end <= current.end:
                    continue
                if segment.kind != current.kind:
                    return CoverState(current.kind, self._instant(day, segment.start))
        return CoverState(current.kind, None)

    def describe(self) -> str:
        """The schedule in a reader's words, for the public notice under every thread."""
        groups: dict[tuple[tuple[int, int], ...], list[int]] = {}
        quiet: dict[tuple[tuple[int, int], ...], list[int]] = {}
        for weekday in range(7):
            full = tuple(
                (_minutes(p.starts), _minutes(p.ends, is_end=True))
                for p in self.periods[weekday] if p.kind == CoverKind.FULL_TIME
            )
            none = tuple(
                (_minutes(p.starts), _minutes(p.ends, is_end=True))
                for p in self.periods[weekday] if p.kind == CoverKind.NONE
            )
            if full:
                groups.setdefault(full, []).append(weekday)
            if none:
                quiet.setdefault(none, []).append(weekday)
        zone = ZONE_NAMES.get(self.zone_name, f"{self.zone_name} time")
        if not groups:
            text = "Moderated part-time at all hours"
        else:
            spans = "; ".join(f"{_spans(times)} {_days(days)}" for times, days in groups.items())
            text = f"Moderated full-time {spans}, and part-time outside those hours"
        if quiet:
            gaps = "; ".join(f"{_spans(times)} {_days(days)}" for times, days in quiet.items())
            text += f". No moderator is on duty {gaps}"
        return f"{text}, {zone}."


def _clock(minute: int) -> str:
    if minute in (0, MINUTES_A_DAY):
        return "midnight"
    if minute == 12 * 60:
        return "noon"
    hour, rest = divmod(minute, 60)
    suffix = "am" if hour < 12 else "pm"
    hour = hour % 12 or 12
    return f"{hour}{suffix}" if rest == 0 else f"{hour}:{rest:02d}{suffix}"


def _spans(times: tuple[tuple[int, int], ...]) -> str:
    return " and ".join(f"{_clock(start)}–{_clock(end)}" for start, end in times)


def _days(days: list[int]) -> str:
    if days == [0, 1, 2, 3, 4]:
        return "on weekdays"
    if days == [5, 6]:
        return "at weekends"
    if days == list(range(7)):
        return "every day"
    names = [WEEKDAYS[d] + "s" for d in days]
    return "on " + (", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0])


def schedule(*, site: Site) -> CoverSchedule:
    """The site's schedule, read once per change of its configuration (periods, exceptions
    and time zone all move `config_version`): every post and thread read asks for it."""
    return site_cached(site, "cover", lambda: CoverSchedule(site))


def cover_at(*, site: Site, instant: datetime) -> CoverState:
    """What cover is in force at `instant`, and until when."""
    return schedule(site=site).at(instant)


def describe_cover(*, site: Site) -> str:
    return site_cached(site, "cover-text", lambda: schedule(site=site).describe())

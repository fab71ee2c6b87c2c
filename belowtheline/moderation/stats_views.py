"""/moderate/stats/<slug>/: the editors' figures for a chosen period, as numbers and a chart.

The figures are `stats.moderation_figures`; this module picks the period from the form,
shows the numbers in the site's time zone, and draws the chart as inline SVG on the
server: no script, no library, nothing fetched from elsewhere, and it prints.

The chart shows reports received and comments decided per hour, over bands shaded by the
cover in force. Up to seven days that is one pair of bars an hour (168 pairs at most);
beyond, hourly bars would be slivers, so they are added up per day in the site's time zone,
while the cover bands stay hourly and show each day's office hours as stripes.
"""

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.views.decorators.http import require_GET

from belowtheline import clock
from belowtheline.discussion.models import Report
from belowtheline.errors import BtlError
from belowtheline.moderation import services
from belowtheline.moderation.models import AuditEntry
from belowtheline.moderation.stats import (
    DECISIONS,
    Figures,
    Hour,
    TriageOutcomes,
    moderation_figures,
)
from belowtheline.sites.cover import ZONE_NAMES
from belowtheline.sites.models import CoverKind, Site
from belowtheline.sites.selectors import site_by_slug

PRESETS = {
    "24h": ("Last 24 hours", timedelta(hours=24)),
    "7d": ("Last 7 days", timedelta(days=7)),
    "30d": ("Last 30 days", timedelta(days=30)),
}
DEFAULT_PERIOD = "7d"
MAX_CUSTOM_DAYS = 92  # a quarter: beyond that the hourly series is thousands of rows
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
HOURLY_UP_TO = timedelta(days=7, hours=1)  # 7 days, plus a clock change

COVER_LABELS = {
    CoverKind.FULL_TIME: "Full-time cover",
    CoverKind.PART_TIME: "Part-time cover",
    CoverKind.NONE: "No cover",
}
DECISION_LABELS = {action: AuditEntry.Action(action).label for action in DECISIONS}


# --- the period ---------------------------------------------------------------------------

class PeriodForm(forms.Form):
    period = forms.ChoiceField(
        required=False,
        label="Period",
        choices=[*((key, label) for key, (label, _) in PRESETS.items()),
                 ("custom", "Custom dates")],
        error_messages={"invalid_choice": "Choose one of the periods offered."},
    )
    start = forms.DateField(required=False, label="From",
                            error_messages={"invalid": "Enter the first date as YYYY-MM-DD."})
    end = forms.DateField(required=False, label="To",
                          error_messages={"invalid": "Enter the last date as YYYY-MM-DD."})

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        period = data.get("period") or ("custom" if start or end else DEFAULT_PERIOD)
        data["period"] = period
        if period != "custom" or self.errors:
            return data
        if start is None or end is None:
            raise forms.ValidationError("Choose both a first and a last date.")
        if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
            raise forms.ValidationError("Choose dates between 2000 and 2100.")
        if start > end:
            raise forms.ValidationError("The first date must not be after the last.")
        if (end - start).days + 1 > MAX_CUSTOM_DAYS:
            raise forms.ValidationError(f"Choose at most {MAX_CUSTOM_DAYS} days.")
        return data


def _midnight(day: date, site: Site) -> datetime:
    return datetime.combine(day, time(0), tzinfo=site.zone)


def period_bounds(data: dict[str, Any], *, site: Site, now: datetime) -> tuple[datetime, datetime]:
    """[start, end): a preset runs up to now; custom dates are whole local days, inclusive."""
    if data["period"] == "custom":
        return _midnight(data["start"], site), _midnight(data["end"] + timedelta(days=1), site)
    return now - PRESETS[data["period"]][1], now


# --- words and numbers --------------------------------------------------------------------

def duration(value: timedelta | None) -> str:
    """A wait as a newsroom says it: "45 min", "13 h 15 min", "2 d 16 h"."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h" + (f" {rest} min" if rest else "")
    days, hours = divmod(hours, 24)
    return f"{days} d" + (f" {hours} h" if hours else "")


def _local(instant: datetime, site: Site, fmt: str = "D j M Y, H:i") -> str:
    return formats.date_format(instant.astimezone(site.zone), fmt)


def zone_words(site: Site) -> str:
    return ZONE_NAMES.get(site.time_zone, f"{site.time_zone} time")


# --- the chart ------------------------------------------------------------------------------

WIDTH, HEIGHT = 960, 360
LEFT, RIGHT, TOP, BOTTOM = 58, 16, 48, 70  # margins around the plot


def _n(value: float) -> str:
    """SVG coordinates, independent of the locale's decimal separator."""
    return f"{value:.1f}"


@dataclass(frozen=True)
class Box:
    x: str
    y: str
    width: str
    height: str


@dataclass(frozen=True)
class Band:
    box: Box
    kind: str


@dataclass(frozen=True)
class BarPair:
    reports: Box
    decided: Box
    title: str


@dataclass(frozen=True)
class Tick:
    at: str  # x for the time axis, y for the count axis
    label: str
    major: bool = False  # a day's boundary: drawn across the plot as well
    mark: bool = True  # a tick mark on the axis; False for a label centred on a span
    anchor: str = "middle"


@dataclass(frozen=True)
class Bucket:
    start: datetime
    end: datetime
    reports: int
    decided: int
    cover: CoverKind | None  # None: a day with more than one kind of cover
    label: str


@dataclass(frozen=True)
class Chart:
    unit: str  # "hour" or "day"
    title: str
    description: str
    width: int
    height: int
    left: str
    right: str
    top: str
    bottom: str
    middle_y: str
    tick_end: str
    x_title_y: str
    bands: list[Band]
    bars: list[BarPair]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    buckets: list[Bucket]
    x_title: str
    y_title: str


def nice_scale(largest: int) -> tuple[int, int]:
    """The top of the count axis and its step: 1, 2 or 5 times a power of ten, whole numbers,
    at most five steps."""
    if largest <= 0:
        return 1, 1
    rough = largest / 5
    power = 10 ** math.floor(math.log10(rough)) if rough >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    step = max(1, int(step))
    return step * math.ceil(largest / step), step


def _buckets(hours: list[Hour], site: Site, *, daily: bool) -> list[Bucket]:
    if not daily:
        return [
            Bucket(h.start, h.start + timedelta(hours=1), h.reports, h.decided, h.cover,
                   _local(h.start, site, "D j M, H:i"))
            for h in hours
        ]
    days: dict[date, list[Hour]] = {}
    for h in hours:
        days.setdefault(h.start.astimezone(site.zone).date(), []).append(h)
    buckets = []
    for day, group in days.items():
        covers = {h.cover for h in group}
        buckets.append(Bucket(
            group[0].start, group[-1].start + timedelta(hours=1),
            sum(h.reports for h in group), sum(h.decided for h in group),
            covers.pop() if len(covers) == 1 else None,
            formats.date_format(day, "D j M"),
        ))
    return buckets


def _runs(hours: list[Hour]) -> Iterable[tuple[datetime, datetime, CoverKind]]:
    """Consecutive hours under the same cover, as one stretch each."""
    run_start, kind = hours[0].start, hours[0].cover
    for h in hours[1:]:
        if h.cover != kind:
            yield run_start, h.start, kind
            run_start, kind = h.start, h.cover
    yield run_start, hours[-1].start + timedelta(hours=1), kind


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def build_chart(figures: Figures) -> Chart | None:
    """The SVG's geometry: a continuous time axis, so that bars and cover bands line up
    whatever the bucket, and days of 23 or 25 hours keep their true width."""
    hours = figures.hours
    if not hours:
        return None
    site = figures.site
    daily = figures.end - figures.start > HOURLY_UP_TO
    unit = "day" if daily else "hour"
    buckets = _buckets(hours, site, daily=daily)
    t0, t1 = hours[0].start, hours[-1].start + timedelta(hours=1)
    plot_left, plot_right = LEFT, WIDTH - RIGHT
    plot_top, plot_bottom = TOP, HEIGHT - BOTTOM
    span = (t1 - t0).total_seconds()

    def x(instant: datetime) -> float:
        return plot_left + (instant - t0).total_seconds() / span * (plot_right - plot_left)

    top_value, step = nice_scale(max(max(b.reports, b.decided) for b in buckets))

    def y(value: int) -> float:
        return plot_bottom - value / top_value * (plot_bottom - plot_top)

    height = plot_bottom - plot_top
    bands = [
        Band(Box(_n(x(a)), _n(plot_top), _n(x(b) - x(a)), _n(height)), kind.value)
        for a, b, kind in _runs(hours)
    ]
    bars = []
    for bucket in buckets:
        left, right = x(bucket.start), x(bucket.end)
        width = max(right - left, 1.0)
        # Two bars side by side; packed tighter when an hour is only a few pixels wide.
        gap = 0.05 if width < 12 else 0.12
        bar = max(width * (0.5 - gap), 0.8)
        cover = f", {COVER_LABELS[bucket.cover].lower()}" if bucket.cover else ""
        bars.append(BarPair(
            reports=Box(_n(left + width * gap), _n(y(bucket.reports)), _n(bar),
                        _n(plot_bottom - y(bucket.reports))),
            decided=Box(_n(left + width * 0.5), _n(y(bucket.decided)), _n(bar),
                        _n(plot_bottom - y(bucket.decided))),
            title=f"{bucket.label}: {_plural(bucket.reports, 'report')} received, "
                  f"{_plural(bucket.decided, 'comment')} decided{cover}",
        ))
    y_ticks = [Tick(_n(y(v)), str(v)) for v in range(0, top_value + 1, step)]
    x_ticks = _time_ticks(buckets, hours, site, x, daily=daily)
    busiest = max(buckets, key=lambda b: (b.reports, -b.start.timestamp()))
    period = f"{_local(figures.start, site)} to {_local(figures.end, site)}"
    description = (
        f"Bars for each {unit} from {period} ({zone_words(site)}): reports received and "
        f"comments decided, over shading for the moderation cover in force (full-time, "
        f"part-time or none). {_plural(figures.reports_received, 'report')} received and "
        f"{_plural(figures.comments_decided, 'comment')} decided in all."
        + (f" The busiest {unit} was {busiest.label}, with "
           f"{_plural(busiest.reports, 'report')}." if busiest.reports else "")
    )
    return Chart(
        unit=unit,
        title=f"Reports received and comments decided per {unit}",
        description=description,
        width=WIDTH, height=HEIGHT,
        left=_n(plot_left), right=_n(plot_right), top=_n(plot_top), bottom=_n(plot_bottom),
        middle_y=_n((plot_top + plot_bottom) / 2),
        tick_end=_n(plot_bottom + 5),
        x_title_y=_n(HEIGHT - 12),
        bands=bands, bars=bars, x_ticks=x_ticks, y_ticks=y_ticks, buckets=buckets,
        x_title=f"{'Days' if daily else 'Hours'}, {zone_words(site)}",
        y_title=f"Per {unit}",
    )


def _time_ticks(buckets: list[Bucket], hours: list[Hour], site: Site,
                x: Callable[[datetime], float], *, daily: bool) -> list[Tick]:
    """Labels a reader can take in: days under a daily chart (every few, if many); over a
    week of hours, a line at each local midnight and the day's name under its middle; over
    a day, every third hour."""
    plot_left, plot_right = x(hours[0].start), x(hours[-1].start + timedelta(hours=1))

    def placed(at: float, label: str, *, mark: bool, major: bool = False) -> Tick:
        # A label at the very edge would be cut off: align it inwards.
        anchor = "end" if at > plot_right - 28 else "start" if at < plot_left + 28 else "middle"
        return Tick(_n(at), label, major=major, mark=mark, anchor=anchor)

    if daily:
        every = max(1, math.ceil(len(buckets) / 12))
        return [
            placed((x(b.start) + x(b.end)) / 2,
                   formats.date_format(b.start.astimezone(site.zone), "j M"), mark=False)
            for i, b in enumerate(buckets) if i % every == 0 and x(b.end) - x(b.start) > 12
        ]
    ticks = []
    if len(hours) <= 48:
        for h in hours:
            local = h.start.astimezone(site.zone)
            if local.hour == 0:
                ticks.append(placed(x(h.start), formats.date_format(local, "D j M"), mark=True,
                                    major=True))
            elif local.hour % 3 == 0:
                ticks.append(placed(x(h.start), formats.date_format(local, "H:i"), mark=True))
        return ticks
    days: dict[date, list[Hour]] = {}
    for h in hours:
        days.setdefault(h.start.astimezone(site.zone).date(), []).append(h)
    for day, group in days.items():
        left, right = x(group[0].start), x(group[-1].start + timedelta(hours=1))
        if group[0].start.astimezone(site.zone).hour == 0 and left > plot_left:
            ticks.append(placed(left, "", mark=True, major=True))
        if right - left >= 70:  # room for "Thu 19 Nov"
            ticks.append(placed((left + right) / 2, formats.date_format(day, "D j M"),
                                mark=False))
    return ticks


# --- the page -------------------------------------------------------------------------------

@dataclass(frozen=True)
class WaitRow:
    label: str
    count: int
    median: str
    p90: str
    kind: str


@dataclass(frozen=True)
class TriageRow:
    label: str
    holds: TriageOutcomes
    flags: TriageOutcomes


def _context(figures: Figures) -> dict[str, Any]:
    site = figures.site
    times = figures.response_times
    waits = [
        WaitRow(COVER_LABELS[kind], times[kind].count, duration(times[kind].median),
                duration(times[kind].p90), kind.value)
        for kind in (CoverKind.FULL_TIME, CoverKind.PART_TIME, CoverKind.NONE)
    ]
    overall = figures.response_times_overall
    waits.append(WaitRow("All", overall.count, duration(overall.median), duration(overall.p90),
                         "all"))
    triage = [
        TriageRow(COVER_LABELS[kind], figures.triage_holds[kind], figures.triage_flags[kind])
        for kind in (CoverKind.FULL_TIME, CoverKind.PART_TIME, CoverKind.NONE)
    ]
    oldest = figures.oldest_open_report
    return {
        "triage": triage,
        "figures": figures,
        "period_label": f"{_local(figures.start, site)} – {_local(figures.end, site)}",
        "reasons": [(label, figures.reports_by_reason[value])
                    for value, label in Report.Reason.choices],
        "decisions": [(DECISION_LABELS[action], figures.decisions_by_kind[action])
                      for action in DECISIONS],
        "waits": waits,
        "oldest_at": _local(oldest.created_at, site) if oldest else None,
        "oldest_age": duration(oldest.age) if oldest else None,
        "oldest_url": reverse("moderation_comment", args=[site.slug, oldest.comment_id])
        if oldest else None,
        "chart": build_chart(figures),
    }


@require_GET
def figures_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Staff only: the same people who may moderate the site (moderators, editors, admins)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        site = site_by_slug(slug)
        services.check_can_moderate(site=site, actor=request.user)
    except BtlError as error:
        return render(request, "error.html", {"error": error}, status=error.status)
    now = clock.now()
    form = PeriodForm(request.GET)
    context: dict[str, Any] = {
        "site": site,
        "form": form,
        "presets": [(key, label) for key, (label, _) in PRESETS.items()],
        "dashboard_url": reverse("moderation_queue", args=[site.slug]),
        "zone": zone_words(site),
        "now_label": _local(now, site),
    }
    if not form.is_valid():
        context.update(period=request.GET.get("period", ""),
                       custom_start=request.GET.get("start", ""),
                       custom_end=request.GET.get("end", ""))
        context["period_errors"] = [
            (form.fields[field].label if field in form.fields else "", message)
            for field, messages in form.errors.items() for message in messages
        ]
        return render(request, "moderation/stats.html", context, status=400)
    start, end = period_bounds(form.cleaned_data, site=site, now=now)
    figures = moderation_figures(site=site, start=start, end=end, now=now)
    context.update(
        _context(figures),
        period=form.cleaned_data["period"],
        # The dates form starts from the period shown, ready to be adjusted.
        custom_start=start.astimezone(site.zone).date().isoformat(),
        custom_end=(end - timedelta(microseconds=1)).astimezone(site.zone).date().isoformat(),
    )
    return render(request, "moderation/stats.html", context)

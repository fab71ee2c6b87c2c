"""Editors' figures: how many complaints came in, what was decided, and how fast, by cover.

The newsroom's question is "are complaints handled as fast at night and at weekends as in
office hours?", so response times are split by the cover in force when the first report
arrived: that is when the clock started for the reader who complained.

Definitions (the page states them too):
- reports received: reports filed in the period (`Report.created_at`).
- comments decided: comments with at least one decision in the period, counted once each;
  a decision is an audit entry dismissing, amending, removing, releasing, approving or
  rejecting (a hold is not a decision: the comment still waits for one).
- decisions by kind: the audit entries of each of those actions in the period.
- time to decision: for each decision in the period that closed reports, from the first of
  the reports it closed to the decision. A decision closes all of a comment's open reports
  at one instant (`Report.decided_at`), so the reports sharing a comment and a `decided_at`
  are one round of complaints; a comment dismissed, reported again and then removed is two
  rounds, each timed from its own first report. (Timing each comment only from its very
  first report to its very first decision would leave the second round out of the figures,
  and these are exactly the contested comments editors ask about.) Median and 90th
  percentile by the nearest-rank method: the value at rank ⌈p × n⌉ of the n sorted times,
  so each figure is a time some complaint actually waited, and "half (90 %) were decided
  within it" is literally true.
- backlog: reports open now, whatever the period, and the oldest of them.
- triage: comments triage held (part-time and no cover) or flagged in the period, by the
  cover in force when it did, and how many of them a moderator has since upheld (removed,
  amended, rejected) or dismissed (approved, released, dismissed); the rest still wait.
- hourly series: each clock hour (in the site's time zone) that overlaps the period, with
  the reports received and comments decided within the period in that hour, and the cover
  in force at the start of the hour.

Everything is read with a handful of queries; the cover of each instant comes from one
`CoverSchedule`, read once, through the list of its changes over the period.
"""

import math
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Min, Q

from belowtheline.discussion.models import Report
from belowtheline.moderation.models import AuditEntry
from belowtheline.sites.cover import CoverSchedule
from belowtheline.sites.models import CoverKind, Site

Action = AuditEntry.Action
DECISIONS = (Action.DISMISS, Action.AMEND, Action.REMOVE, Action.REJECT, Action.RELEASE,
             Action.APPROVE)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class ResponseTimes:
    """Time from first report to decision, for the rounds of complaints whose first report
    came in under one kind of cover."""

    count: int  # decisions (rounds of complaints) timed
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class OpenReport:
    created_at: datetime
    age: timedelta
    comment_id: int


@dataclass(frozen=True)
class Hour:
    start: datetime  # UTC, on the hour in the site's time zone
    reports: int
    decided: int
    cover: CoverKind


@dataclass(frozen=True)
class TriageOutcomes:
    """What moderators made of triage's holds or flags under one kind of cover."""

    count: int = 0
    upheld: int = 0
    dismissed: int = 0

    @property
    def waiting(self) -> int:
        return self.count - self.upheld - self.dismissed


@dataclass(frozen=True)
class Figures:
    site: Site
    start: datetime
    end: datetime
    now: datetime
    reports_received: int
    reports_by_reason: dict[str, int]  # every reason, in the dialog's order, zeros included
    comments_decided: int
    decisions_by_kind: dict[str, int]  # every decision action, zeros included
    holds: int  # comments taken out of view in the period (not decisions)
    automatic_holds: int  # of which by the system, on reaching a threshold
    response_times: dict[CoverKind, ResponseTimes]  # full-time, part-time, no cover
    response_times_overall: ResponseTimes
    open_reports: int
    comments_with_open_reports: int
    oldest_open_report: OpenReport | None
    hours: list[Hour]
    triage_holds: dict[CoverKind, TriageOutcomes]
    triage_flags: dict[CoverKind, TriageOutcomes]  # flagged and left in view


def triage_outcomes(*, site: Site, start: datetime, end: datetime
                    ) -> tuple[dict[CoverKind, TriageOutcomes], dict[CoverKind, TriageOutcomes]]:
    """Triage's holds and flags made in [start, end), by cover, with their outcomes: one
    grouped query."""
    from belowtheline.triage.models import TriageFlag

    counts: dict[tuple[bool, str], Counter[str]] = {}
    for row in (TriageFlag.objects.filter(site=site, flagged_at__gte=start, flagged_at__lt=end)
                .values("held", "cover", "outcome").annotate(n=Count("pk")).order_by()):
        counts.setdefault((row["held"], row["cover"]), Counter())[row["outcome"]] += row["n"]

    def by_cover(held: bool) -> dict[CoverKind, TriageOutcomes]:
        found = {}
        for kind in CoverKind:
            c = counts.get((held, kind.value), Counter())
            found[kind] = TriageOutcomes(count=sum(c.values()), upheld=c["upheld"],
                                         dismissed=c["dismissed"])
        return found

    return by_cover(True), by_cover(False)


def nearest_rank(values: list[timedelta], percent: float) -> timedelta | None:
    """The value at rank ⌈percent/100 × n⌉ of the sorted values (1-based); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def _times(values: list[timedelta]) -> ResponseTimes:
    return ResponseTimes(count=len(values), median=nearest_rank(values, 50),
                         p90=nearest_rank(values, 90))


def _hour_of(instant: datetime, schedule: CoverSchedule) -> datetime:
    """The start of the clock hour holding `instant`, in the site's time zone, as UTC.

    Floored locally so that a site on a half-hour offset gets its own clock hours.
    """
    local = instant.astimezone(schedule.zone)
    return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)


class CoverTimeline:
    """The cover from one instant to another as a list of changes, from one schedule.

    A national title's month holds tens of thousands of reports; asking the schedule about
    each would walk its weeks again every time. The changes are few (two a weekday), so
    they are listed once and each instant is looked up by bisection.
    """

    def __init__(self, schedule: CoverSchedule, start: datetime, end: datetime) -> None:
        self.starts: list[datetime] = []
        self.kinds: list[CoverKind] = []
        instant: datetime | None = start
        while instant is not None and instant < end:
            state = schedule.at(instant)
            self.starts.append(instant)
            self.kinds.append(CoverKind(state.kind))
            instant = state.until

    def at(self, instant: datetime) -> CoverKind:
        return self.kinds[max(bisect_right(self.starts, instant) - 1, 0)]


def moderation_figures(*, site: Site, start: datetime, end: datetime, now: datetime) -> Figures:
    """The figures for [start, end), and the backlog as it stands at `now`."""
    schedule = CoverSchedule(site)
    reports = Report.objects.filter(site=site, created_at__gte=start, created_at__lt=end)
    by_reason = Counter(dict(
        reports.values("reason").annotate(n=Count("pk")).values_list("reason", "n")
    ))
    decisions = AuditEntry.objects.filter(site=site, created_at__gte=start, created_at__lt=end,
                                          action__in=DECISIONS)
    by_kind = Counter(dict(
        decisions.values("action").annotate(n=Count("pk")).values_list("action", "n")
    ))
    holds = AuditEntry.objects.filter(
        site=site, created_at__gte=start, created_at__lt=end, action=Action.HOLD
    ).aggregate(all=Count("pk"), automatic=Count("pk", filter=Q(actor__isnull=True)))

    # One row per round of complaints: the reports one decision closed together.
    rounds = (
        Report.objects.filter(site=site, decided_at__gte=start, decided_at__lt=end)
        .values("comment_id", "decided_at")
        .annotate(first_report=Min("created_at"))
    )
    rounds_list = list(rounds)
    first_hour = _hour_of(start, schedule)
    timeline = CoverTimeline(
        schedule, min([first_hour, *(row["first_report"] for row in rounds_list)]), end
    )
    waits: dict[CoverKind, list[timedelta]] = {kind: [] for kind in CoverKind}
    for row in rounds_list:
        waits[timeline.at(row["first_report"])].append(row["decided_at"] - row["first_report"])

    backlog = Report.objects.filter(site=site, status=Report.Status.OPEN).aggregate(
        reports=Count("pk"), comments=Count("comment", distinct=True)
    )
    oldest = (
        Report.objects.filter(site=site, status=Report.Status.OPEN)
        .order_by("created_at", "pk").values("created_at", "comment_id").first()
    )

    reports_by_hour = Counter(
        _hour_of(created, schedule) for created in reports.values_list("created_at", flat=True)
    )
    decided_by_hour: Counter[datetime] = Counter()
    seen: set[tuple[datetime, int]] = set()
    for created, comment_id in decisions.values_list("created_at", "comment_id"):
        key = (_hour_of(created, schedule), comment_id)
        if key not in seen:  # a comment decided twice within one hour counts once there
            seen.add(key)
            decided_by_hour[key[0]] += 1

    hours = []
    hour = first_hour
    while hour < end:
        hours.append(Hour(start=hour, reports=reports_by_hour[hour],
                          decided=decided_by_hour[hour], cover=timeline.at(hour)))
        hour += HOUR

    triage_holds, triage_flags = triage_outcomes(site=site, start=start, end=end)
    return Figures(
        site=site,
        start=start,
        end=end,
        now=now,
        reports_received=sum(by_reason.values()),
        reports_by_reason={reason: by_reason[reason] for reason in Report.Reason.values},
        comments_decided=decisions.values("comment_id").distinct().count(),
        decisions_by_kind={action.value: by_kind[action.value] for action in DECISIONS},
        holds=holds["all"],
        automatic_holds=holds["automatic"],
        response_times={kind: _times(values) for kind, values in waits.items()},
        response_times_overall=_times([w for values in waits.values() for w in values]),
        open_reports=backlog["reports"],
        comments_with_open_reports=backlog["comments"],
        oldest_open_report=OpenReport(
            created_at=oldest["created_at"], age=now - oldest["created_at"],
            comment_id=oldest["comment_id"],
        ) if oldest else None,
        hours=hours,
        triage_holds=triage_holds,
        triage_flags=triage_flags,
    )

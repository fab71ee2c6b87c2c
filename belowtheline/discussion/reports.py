"""The open-report figures every comment carries, so that the moderation queue never has
to count reports.

The Reported tab orders comments by legal risk, then by a priority score: each open report
weighted by its reporter's track record, plus up to two points for age over the first
day. Counting that from the reports for every comment is comments x reports; instead each
comment keeps its open-report count, whether one of them is a legal-risk report, the time
of the first, the summed weight, and two sort keys that indexes can walk:

- `queue_rising_key` = weight - age units of the first report. While the first report is
  under a day old the score is this key plus the age units of *now*, so ordering by the key
  is ordering by score, and the key never changes with time.
- `queue_settled_key` = weight, once the first report is a day old (the age bonus is then
  at its cap, so the score is weight + cap). It is set by `settle_open_reports` when the
  queue is read; until then it is null.

Everything is in thousandths of a point (integers), so the figures kept by filing and
closing and the ones `recount_open_reports` computes from the reports agree exactly.

Filing adds with F() expressions (concurrent reports never lose one another); closing, which
always closes every open report of a comment and runs with the comment locked, resets them.
"""

import functools
import threading
from datetime import UTC, datetime, timedelta

from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, Count, F, Max, Min, Q, Sum, Value, When

from belowtheline.discussion.models import Comment, QueueVersion, Report
from belowtheline.sites.models import Site

# A report counts 0.25 from a reporter never upheld, 1.25 from one always upheld, and 0.75
# from a reporter with no decided reports yet.
WEIGHT_FLOOR = 250
WEIGHT_SPAN = 1000
WEIGHT_UNKNOWN = 750
# Age adds up to two points over the first day, so that a comment with a single report
# is not left at the bottom for ever: one unit (a thousandth of a point) per 43.2 seconds.
AGE_CAP = 2000
AGE_FULL = timedelta(hours=24)
_MICROSECONDS_PER_UNIT = int(AGE_FULL.total_seconds() * 1_000_000) // AGE_CAP
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# Who files counts too, so that a handful of throwaway accounts cannot hide a comment
# (Discourse weighs flags by the flagger's trust in the same spirit): a free account's
# report counts half a subscriber's, and an account under a day old a tenth of that again.
FREE_ACCOUNT_SHARE = 0.5
NEW_ACCOUNT_SHARE = 0.1
NEW_ACCOUNT_AGE = timedelta(hours=24)
# The automatic holds count "ordinary reports": one from a subscriber with no decided
# reports yet (WEIGHT_UNKNOWN) counts one; and a legal-risk report holds by itself only
# from a reader worth at least half of that (not a new account, not one mostly dismissed).
ORDINARY_REPORT = WEIGHT_UNKNOWN
TRUSTED_LEGAL_REPORT = WEIGHT_UNKNOWN // 2


def reporter_weight(record: float | None, *, subscriber: bool = True,
                    account_age: timedelta | None = None) -> int:
    """What one report counts, in thousandths: its reporter's share of reports upheld,
    scaled down for free accounts and for accounts under a day old."""
    if record is None:
        weight = float(WEIGHT_UNKNOWN)
    else:
        weight = WEIGHT_FLOOR + WEIGHT_SPAN * min(max(record, 0.0), 1.0)
    if not subscriber:
        weight *= FREE_ACCOUNT_SHARE
    if account_age is not None and account_age < NEW_ACCOUNT_AGE:
        weight *= NEW_ACCOUNT_SHARE
    return round(weight)


def describe_weight(*, weight: int, reports: int, new_accounts: int = 0,
                    free_accounts: int = 0, noun: str = "report") -> str:
    """The weighted figure in a moderator's words: "3 reports (weight 1.4: 2 from new
    accounts)"."""
    parts = [f"{n} from {what}" for n, what in ((new_accounts, "new accounts"),
                                                 (free_accounts, "free accounts")) if n]
    figure = f"weight {weight / ORDINARY_REPORT:.1f}"
    return (f"{reports} {noun}{'s' if reports != 1 else ''} ({figure}"
            + (f": {', '.join(parts)}" if parts else "") + ")")


def age_units(instant: datetime) -> int:
    """A point in time on the age scale (thousandths of a point since the epoch)."""
    delta = instant - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return micros // _MICROSECONDS_PER_UNIT


def queue_score(*, weight: int, rising_key: int | None, settled_key: int | None,
                now: datetime) -> int:
    """The priority, in thousandths, of a comment with open reports, as of `now`."""
    if rising_key is None:
        return 0
    if settled_key is not None:
        return settled_key + AGE_CAP
    return min(rising_key + age_units(now), weight + AGE_CAP)


def reporter_record(*, site: Site, reporter_id: int) -> float | None:
    """The share of this reader's decided reports on this site that moderators upheld."""
    row = Report.objects.filter(site=site, reporter_id=reporter_id).exclude(
        status=Report.Status.OPEN
    ).aggregate(decided=Count("pk"), upheld=Count("pk", filter=Q(status=Report.Status.UPHELD)))
    return row["upheld"] / row["decided"] if row["decided"] else None


def record_filed(report: Report) -> None:
    """Add a new open report to its comment's figures, in the filing transaction."""
    created, weight = report.created_at, report.weight
    starts = Q(first_open_report_at__isnull=True) | Q(first_open_report_at__gt=created)
    changes: dict[str, object] = {
        "open_report_count": F("open_report_count") + 1,
        "open_report_weight": F("open_report_weight") + weight,
        "first_open_report_at": Case(When(starts, then=Value(created)),
                                     default=F("first_open_report_at")),
        # Every right-hand side reads the row as it was: the new first report restarts
        # the rising key from the new total weight.
        "queue_rising_key": Case(
            When(starts, then=F("open_report_weight") + (weight - age_units(created))),
            default=F("queue_rising_key") + weight,
            output_field=BigIntegerField(),
        ),
        "queue_settled_key": F("queue_settled_key") + weight,  # null stays null
    }
    if report.reason == Report.Reason.LEGAL_RISK:
        changes["has_open_legal_report"] = Value(True)
    Comment.objects.filter(pk=report.comment_id, site_id=report.site_id).update(**changes)
    # The filing transaction moves the queue's version last (`report_comment`).


def queue_changed(*, site_id: int) -> None:
    """Say, inside the transaction that changes it, that the moderation queue has changed:
    a report filed, a decision, a sanction or a note (the rows show the author's record).

    In the transaction rather than after it, so that whoever can read the change also reads
    the new version (and a test's transaction sees it too). On PostgreSQL this holds the
    site's version row until commit, so a site's reports and decisions commit one after
    another; each of those transactions is a handful of statements."""
    seen = getattr(_this_request, "versions", None)
    if seen is not None:
        seen.pop(site_id, None)
    moved = QueueVersion.objects.filter(site_id=site_id).update(version=F("version") + 1)
    if not moved:  # the site's first change: make its row (once, whoever races), then move
        QueueVersion.objects.bulk_create([QueueVersion(site_id=site_id)], ignore_conflicts=True)
        QueueVersion.objects.filter(site_id=site_id).update(version=F("version") + 1)


def queue_version(*, site: Site) -> int:
    """The site's queue version as this transaction sees it (0 before the first change).

    Read on every dashboard request: SQL written once (compiling the ORM's lookup cost
    more than the database's answer), or read already by this request with other rows
    (`remember_queue_version`)."""
    seen: dict[int, int] | None = getattr(_this_request, "versions", None)
    if seen is not None and site.pk in seen:
        return seen[site.pk]
    with connection.cursor() as cursor:
        cursor.execute(_queue_version_sql(), [site.pk])
        row = cursor.fetchone()
    return row[0] if row else 0


@functools.cache
def _queue_version_sql() -> str:
    return queue_version_sql("%s")


def queue_version_sql(site_param: str) -> str:
    """The version lookup as a subquery, for a query that reads it with other rows."""
    quote, meta = connection.ops.quote_name, QueueVersion._meta
    return (f"SELECT {quote(meta.get_field('version').column)} FROM {quote(meta.db_table)} "
            f"WHERE {quote(meta.get_field('site').column)} = {site_param}")


# The versions this thread's request has read with other rows (the moderation desk reads
# the version with the moderator's account and role, in one query). Cleared when a request
# starts and ends, and a site's entry dropped when its queue changes, so nothing outside
# the request, nor after a change in it, is ever answered from here.
_this_request = threading.local()


def _request_started(**kwargs: object) -> None:
    _this_request.versions = {}


def _request_finished(**kwargs: object) -> None:
    _this_request.versions = None


request_started.connect(_request_started, dispatch_uid="btl-queue-version-request-started")
request_finished.connect(_request_finished, dispatch_uid="btl-queue-version-request-finished")


def remember_queue_version(*, site: Site, version: int | None) -> None:
    """Say that this request has just read the site's queue version (0 before the first
    change): `queue_version` answers with it for the rest of the request."""
    seen = getattr(_this_request, "versions", None)
    if seen is not None:
        seen[site.pk] = version or 0


CLOSED = {
    "open_report_count": 0,
    "has_open_legal_report": False,
    "first_open_report_at": None,
    "open_report_weight": 0,
    "queue_rising_key": None,
    "queue_settled_key": None,
}


def record_closed(comment: Comment) -> None:
    """Every open report of the comment has just been decided: nothing is open any more.

    The caller holds the comment's lock, so a report filed meanwhile adds itself (with
    F()) after this reset and is counted, never lost."""
    Comment.objects.filter(pk=comment.pk, site_id=comment.site_id).update(**CLOSED)
    for name, value in CLOSED.items():
        setattr(comment, name, value)


def settle_open_reports(*, site: Site, now: datetime) -> int:
    """Give the comments whose first open report has turned a day old their settled key:
    from then on their age bonus is at its cap and they are ordered by weight alone.

    Run before the queue is read (it is cheap: an index range over the comments that
    turned a day old since the last read, usually none), so the two orders the queue
    merges are exact."""
    due = Comment.objects.filter(site=site, queue_settled_key__isnull=True,
                                 first_open_report_at__isnull=False,
                                 first_open_report_at__lte=now - AGE_FULL)
    if not due.exists():
        return 0
    return due.update(queue_settled_key=F("open_report_weight"))


def recount_open_reports(*, site: Site, now: datetime | None = None) -> int:
    """Recompute every comment's open-report figures from the reports themselves.

    For bulk loads that bypass the services (benchmarks, imports) and the data migration
    (which carries a copy of this logic). Returns the number of comments with open reports.
    """
    from belowtheline import clock

    now = now or clock.now()
    settled_before = now - AGE_FULL
    rows = (
        Report.objects.filter(site=site, status=Report.Status.OPEN)
        .values("comment_id")
        .annotate(n=Count("pk"), weight=Sum("weight"), first=Min("created_at"),
                  legal=Max(Case(When(reason=Report.Reason.LEGAL_RISK, then=Value(1)),
                                 default=Value(0))))
        .order_by()
    )
    figures = {
        row["comment_id"]: {
            "open_report_count": row["n"],
            "has_open_legal_report": bool(row["legal"]),
            "first_open_report_at": row["first"],
            "open_report_weight": row["weight"],
            "queue_rising_key": row["weight"] - age_units(row["first"]),
            "queue_settled_key": row["weight"] if row["first"] <= settled_before else None,
        }
        for row in rows
    }
    with transaction.atomic():
        stale = set(
            Comment.objects.filter(site=site, first_open_report_at__isnull=False)
            .values_list("pk", flat=True)
        ) - figures.keys()
        _write_figures(site, {pk: CLOSED for pk in stale} | figures)
        queue_changed(site_id=site.pk)
    return len(figures)


def _write_figures(site: Site, figures: dict[int, dict[str, object]]) -> None:
    """One parameterised UPDATE per comment through executemany: a bulk load has tens of
    thousands, and bulk_update's CASE per column is many times slower at that size."""
    if not figures:
        return
    names = list(CLOSED)
    opts = Comment._meta
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(opts.get_field(name).column)} = %s" for name in names)
    sql = (f"UPDATE {quote(opts.db_table)} SET {columns} "
           f"WHERE {quote(opts.pk.column)} = %s AND {quote(opts.get_field('site').column)} = %s")
    fields = [opts.get_field(name) for name in names]
    params = [
        [field.get_db_prep_save(values[name], connection)
         for field, name in zip(fields, names, strict=True)] + [pk, site.pk]
        for pk, values in figures.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)

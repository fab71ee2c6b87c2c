"""Reads for the staff side: who may moderate, the queue in priority order, an author's
record, the audit trail. Site first, always."""

import base64
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    Value,
    When,
    Window,
)
from django.db.models.fields.tuple_lookups import (
    TupleGreaterThan,
    TupleLessThan,
    TupleLessThanOrEqual,
)
from django.db.models.functions import RowNumber
from django.db.models.lookups import GreaterThan, LessThan, LessThanOrEqual

from belowtheline.accounts.models import StaffRole, Subscription, User
from belowtheline.discussion import reports as report_figures
from belowtheline.discussion.models import Comment, Report
from belowtheline.moderation.errors import ModerationError, NotFound
from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction
from belowtheline.sites.models import Site
from belowtheline.triage.models import CommentScore, TriageFlag, TriageThreshold

MODERATING_ROLES = (StaffRole.Role.MODERATOR, StaffRole.Role.EDITOR, StaffRole.Role.ADMIN)
EDITING_ROLES = (StaffRole.Role.EDITOR, StaffRole.Role.ADMIN)
QUEUE_LIMIT = 200  # the Decided tab and the audit trail's API page
PAGE_SIZE = 50  # rows a page in the Reported, Held and All recent tabs
# A reason or words to look for are checked against this many comments of the Reported
# tab a page, in queue order: however many comments wait, a page costs the same, and a
# rare match further down is a "look further" away. The article filter has indexes.
FILTER_WINDOW = 1000
# Tab labels count the comments waiting up to this many, then say "1,000+".
COUNT_CAP = 1000
NOTES_SHOWN = 3  # reporters' notes in a queue row; the comment's page shows them all
NOTES_ON_COMMENT_PAGE = 100


def moderated_sites(*, user: User | AnonymousUser) -> list[Site]:
    """The sites this person moderates: the dashboard's site picker."""
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return list(Site.objects.order_by("name"))
    return list(
        Site.objects.filter(  # cross-site: the person's own roles, by definition
            staff_roles__user=user, staff_roles__role__in=MODERATING_ROLES
        ).order_by("name")
    )


def active_sanction(*, site: Site, user: User, kind: str, now: datetime) -> Sanction | None:
    return (
        Sanction.objects.filter(site=site, user=user, kind=kind, lifted_at__isnull=True)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("-created_at")
        .first()
    )


def active_sanctions(
    *, site: Site, user_ids: list[int], now: datetime
) -> dict[int, list[Sanction]]:
    found: dict[int, list[Sanction]] = {}
    for sanction in Sanction.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        site=site, user_id__in=user_ids, lifted_at__isnull=True,
    ):
        found.setdefault(sanction.user_id, []).append(sanction)
    return found


def report_priority(
    *, open_reports: int, reporter_records: list[float | None], age_hours: float
) -> float:
    """How urgently a reported comment needs a moderator, legal risk aside (it goes first
    whatever its score), in points.

    Each report counts, weighted by its reporter's record when they filed it: a reporter
    whose past reports were always upheld counts 1.25, one never upheld 0.25, and one with
    no history 0.75. Age adds up to two points over the first day, so that a comment with
    a single report is not left at the bottom for ever. The queue keeps the same figures
    on each comment (`discussion.reports`), in thousandths of a point.
    """
    weights = [report_figures.reporter_weight(record) for record in reporter_records]
    weights += [report_figures.WEIGHT_UNKNOWN] * max(0, open_reports - len(weights))
    age = min(max(age_hours, 0.0) / 24.0, 1.0) * report_figures.AGE_CAP
    return round((sum(weights) + age) / 1000, 3)


@dataclass
class AuthorRecord:
    comments_posted: int
    reports_upheld: int
    sanctions: list[Sanction]
    notes: list[ModeratorNote]


def author_records(*, site: Site, user_ids: list[int], now: datetime) -> dict[int, AuthorRecord]:
    """Each author's record on this site, in four queries for any number of authors."""
    posted = dict(
        Comment.objects.filter(site=site, author_id__in=user_ids)
        .values("author_id").annotate(n=Count("pk")).values_list("author_id", "n")
    )
    # From the authors' comments, not from every upheld report on the site: the reports
    # are found by comment alone (the comments are this site's), so that no planner, with
    # statistics or without, walks the site's reports instead.
    upheld_reports = Report.objects.filter(  # cross-site: the outer comment is this site's
        comment=OuterRef("pk"), status=Report.Status.UPHELD)
    upheld = dict(
        Comment.objects.filter(site=site, author_id__in=user_ids)
        .filter(Exists(upheld_reports))
        .values("author_id").annotate(n=Count("pk")).values_list("author_id", "n")
    )
    sanctions = active_sanctions(site=site, user_ids=user_ids, now=now)
    notes: dict[int, list[ModeratorNote]] = {}
    for note in ModeratorNote.objects.filter(site=site, user_id__in=user_ids).select_related(
        "author"
    ):
        notes.setdefault(note.user_id, []).append(note)
    return {
        uid: AuthorRecord(
            comments_posted=posted.get(uid, 0),
            reports_upheld=upheld.get(uid, 0),
            sanctions=sanctions.get(uid, []),
            notes=notes.get(uid, []),
        )
        for uid in user_ids
    }


# Triage's scores a row shows: those worth a moderator's eye, each in its scorer's words.
SCORE_SHOWN_FROM = 0.3
SCORER_LABELS = dict(TriageThreshold.Scorer.choices)


@dataclass(frozen=True)
class ScoreLine:
    """One of triage's scores as a moderator reads it: "Abuse 0.91 — abuse 0.91: weighed
    most “…”". `flagged` when it reached the site's flag threshold."""

    scorer: str
    label: str
    score: float
    explanation: str
    version: str
    flagged: bool = False


@dataclass
class QueueItem:
    """One comment in the queue, in context, with what its row shows: the report count,
    the reasons with their counts and the first few notes, never every report."""

    comment: Comment
    open_reports: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    more_notes: int = 0  # notes of open reports not shown in the row
    first_report_at: datetime | None = None
    legal_risk: bool = False
    score: float = 0.0
    author: AuthorRecord | None = None
    last_decision_id: int = 0  # sent back with an action: a later decision wins nothing
    report_weight: int = 0  # the open reports weighed by who filed them, in thousandths
    new_account_reports: int = 0  # of them, from accounts under a day old when they filed
    scores: list[ScoreLine] = field(default_factory=list)  # triage's, worst first
    flag: TriageFlag | None = None  # triage's open flag or hold, if any

    @property
    def weight_words(self) -> str:
        """ "3 reports (weight 0.2: 3 from new accounts)": the figure the holds compare."""
        if not self.open_reports:
            return ""
        return report_figures.describe_weight(weight=self.report_weight,
                                              reports=self.open_reports,
                                              new_accounts=self.new_account_reports)


@dataclass(frozen=True)
class QueuePage:
    """One page of a tab: its rows, and the `after` cursor of the next page (None on the
    last). A filtered Reported page that looked through its `FILTER_WINDOW` of the queue
    before it found a page of matches says how many it looked through (`looked_through`):
    it may be short, even empty, and still have a next page."""

    items: list[QueueItem]
    next_after: str | None = None
    looked_through: int | None = None


@dataclass(frozen=True)
class QueueFilters:
    article_id: int | None = None
    reason: str | None = None
    search: str = ""  # text of the comment or author's name
    author_id: int | None = None  # one author's comments: the dashboard's author page


def _filtered(comments, filters: QueueFilters, via: str = ""):  # type: ignore[no-untyped-def]
    """`via`: the path to the comment from the rows filtered ("comment__" for flags)."""
    if filters.article_id:
        comments = comments.filter(**{f"{via}article_id": filters.article_id})
    if filters.author_id:
        comments = comments.filter(**{f"{via}author_id": filters.author_id})
    if filters.search:
        term = filters.search
        comments = comments.filter(
            Q(**{f"{via}text__icontains": term})
            | Q(**{f"{via}author__display_name__icontains": term})
            | Q(**{f"{via}author__username__icontains": term})
        )
    return comments


# --- cursors: where the next page starts ---------------------------------------------------
#
# A cursor is the sort key of the last row shown and its id, so the next page is an index
# range from there, however deep: no OFFSET. It is opaque to callers (base64 of a short
# text naming its tab) and checked field by field; anything else is a 400, never a 500.

_CURSOR_FIELDS = {"reported": 4, "flagged": 2, "held": 2, "recent": 2}
_MAX_KEY = 2**62


def _encode_cursor(tab: str, *values: int) -> str:
    text = ".".join([tab, *(str(v) for v in values)])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(*, tab: str, after: str) -> tuple[int, ...]:
    """The sort key an `after` cursor of this tab carries; `cursor_invalid` otherwise."""
    bad = ModerationError("cursor_invalid",
                          "That page of the queue no longer exists: start from the first page.",
                          field="after")
    if len(after) > 200:
        raise bad
    try:
        text = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        raise bad from None
    parts = text.split(".")
    if parts[0] != tab or len(parts) != _CURSOR_FIELDS.get(tab, -1) + 1:
        raise bad
    try:
        values = tuple(int(part) for part in parts[1:])
    except ValueError:
        raise bad from None
    if any(abs(v) > _MAX_KEY for v in values) or values[-1] < 1:
        raise bad
    return values


def _micros(instant: datetime) -> int:
    delta = instant - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _instant(micros: int) -> datetime:
    try:
        return _EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        raise ModerationError("cursor_invalid", "That page of the queue no longer exists: "
                              "start from the first page.", field="after") from None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# Row values, `(a, b) <= (x, y)`, as SQL: an index range the planner starts the walk from.
# Django spells tuple lookups out as ORs on SQLite, which it then scans from the top to
# filter, and deep pages would cost more than the first. SQLite has had row values since
# 3.15 (2016); PostgreSQL always.

class _RowLessThan(TupleLessThan):
    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        return LessThan.as_sql(self, compiler, connection)


class _RowAtMost(TupleLessThanOrEqual):
    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        return LessThanOrEqual.as_sql(self, compiler, connection)


class _RowGreaterThan(TupleGreaterThan):
    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        return GreaterThan.as_sql(self, compiler, connection)


# --- rows in context -----------------------------------------------------------------------

def _with_context(site: Site, comments: list[Comment], now: datetime, *,
                  notes_shown: int = NOTES_SHOWN) -> list[QueueItem]:
    """The rows of a page, in a fixed number of queries whatever the queue's size: the
    reasons and the first notes of the page's comments, their latest decisions, and their
    authors' records."""
    ids = [c.pk for c in comments]
    items = {
        c.pk: QueueItem(
            comment=c,
            open_reports=c.open_report_count,
            first_report_at=c.first_open_report_at,
            legal_risk=c.has_open_legal_report,
            score=report_figures.queue_score(
                weight=c.open_report_weight, rising_key=c.queue_rising_key,
                settled_key=c.queue_settled_key, now=now) / 1000,
        )
        for c in comments
    }
    reported = [c.pk for c in comments if c.open_report_count]
    # Scoped through the comment, not the report's own site column: a planner without
    # statistics (a freshly loaded PostgreSQL) would otherwise walk the site's open reports.
    open_reports = Report.objects.filter(comment__site=site, comment_id__in=reported,
                                         status=Report.Status.OPEN)
    noted: Counter[int] = Counter()
    # A reporter's account was new if it was under a day old when they filed.
    new_account = Q(reporter__date_joined__gt=F("created_at") - report_figures.NEW_ACCOUNT_AGE)
    for row in (open_reports.values("comment_id", "reason")
                .annotate(n=Count("pk"), noted=Count("pk", filter=~Q(note="")),
                          new=Count("pk", filter=new_account))
                .order_by()):
        items[row["comment_id"]].reasons[row["reason"]] += row["n"]
        items[row["comment_id"]].new_account_reports += row["new"]
        noted[row["comment_id"]] += row["noted"]
    first_notes = (
        open_reports.exclude(note="")
        .annotate(place=Window(RowNumber(), partition_by=[F("comment_id")],
                               order_by=[F("created_at").asc(), F("pk").asc()]))
        .filter(place__lte=notes_shown)
        .order_by("comment_id", "place")
        .values_list("comment_id", "note")
    )
    for comment_id, note in first_notes:
        items[comment_id].notes.append(note)
    latest = (
        AuditEntry.objects.filter(site=site, comment_id__in=ids)
        .values("comment_id").annotate(last=Max("pk")).values_list("comment_id", "last")
    )
    last_ids = dict(latest)
    records = author_records(site=site, user_ids=sorted({c.author_id for c in comments}),
                             now=now)
    _add_triage(site, items, ids)
    for item in items.values():
        item.author = records[item.comment.author_id]
        item.last_decision_id = last_ids.get(item.comment.pk, 0)
        item.more_notes = noted[item.comment.pk] - len(item.notes)
        # The reports' own weight: without the bonus a flag adds to the priority.
        bonus = item.flag.report_bonus if item.flag is not None else 0
        item.report_weight = max(item.comment.open_report_weight - bonus, 0)
    return [items[i] for i in ids]


def _add_triage(site: Site, items: dict[int, QueueItem], ids: list[int]) -> None:
    """Each row's open triage flag and the scores worth showing, in two queries for any
    number of rows. The scores the flag names are marked: they reached the threshold."""
    if not ids:
        return
    for flag in TriageFlag.objects.filter(site=site, comment_id__in=ids,
                                          outcome=TriageFlag.Outcome.OPEN):
        items[flag.comment_id].flag = flag
    lines: dict[int, list[ScoreLine]] = {}
    for row in (CommentScore.objects.filter(site=site, comment_id__in=ids,
                                            score__gte=SCORE_SHOWN_FROM)
                .values_list("comment_id", "scorer", "score", "explanation", "version")):
        comment_id, scorer, score, explanation, version = row
        flag = items[comment_id].flag
        flagged = flag is not None and scorer in flag.scorers.split(",")
        lines.setdefault(comment_id, []).append(ScoreLine(
            scorer=scorer, label=SCORER_LABELS.get(scorer, scorer), score=score,
            explanation=explanation, version=version, flagged=flagged))
    for comment_id, found in lines.items():
        items[comment_id].scores = sorted(found, key=lambda line: (not line.flagged,
                                                                   -line.score, line.scorer))


_RELATED = ("author", "article", "parent__author", "moderation_rule")  # what a row shows


def _base(site: Site):  # type: ignore[no-untyped-def]
    return Comment.objects.filter(site=site).select_related(*_RELATED)


# --- the tabs --------------------------------------------------------------------------------

_WALKED = ("pk", "has_open_legal_report", "queue_settled_key", "queue_rising_key")
Walked = tuple[int, bool, int | None, int]  # what the walks read: all in their indexes


def _reported_key(row: Walked, now_units: int) -> tuple[bool, int, int, int]:
    """Where a comment sits in the Reported tab: legal risk first, then the priority score,
    then the older first report, then the older comment. Largest first."""
    pk, legal, settled, rising = row
    score = settled + report_figures.AGE_CAP if settled is not None else rising + now_units
    return (legal, score, rising, -pk)


def _reported_walk(site: Site, now: datetime, filters: QueueFilters,
                   after: tuple[int, ...] | None, size: int) -> list[Walked]:
    """The next `size` + 1 reported comments in queue order, from two index walks merged.

    Comments whose first open report is a day old score weight + the age cap: walked in the
    settled index by (legal risk, weight). Younger ones score their rising key + the age
    units of now: walked in the rising index by (legal risk, rising key). Each walk reads
    only its index and stops after `size` + 1 entries, so a page costs the same at ten
    reports or a million. The tie breaks (rising key, then id) are the same in both walks
    and in `_reported_key`. With an article, the same walks run in the article's indexes.
    """
    report_figures.settle_open_reports(site=site, now=now)
    comments = Comment.objects.filter(site=site)
    if filters.article_id:
        comments = comments.filter(article_id=filters.article_id)
    if filters.author_id:
        comments = comments.filter(author_id=filters.author_id)
    if filters.reason == Report.Reason.LEGAL_RISK:  # the flag the walks start with
        comments = comments.filter(has_open_legal_report=True)
    legal, rising = F("has_open_legal_report"), F("queue_rising_key")
    settled = comments.filter(queue_settled_key__isnull=False).order_by(
        "-has_open_legal_report", "-queue_settled_key", "-queue_rising_key", "pk")
    young = comments.filter(first_open_report_at__isnull=False,
                            queue_settled_key__isnull=True).order_by(
        "-has_open_legal_report", "-queue_rising_key", "pk")
    now_units = report_figures.age_units(now)
    if after is not None:
        was_legal, score, key, pk = bool(after[0]), after[1], after[2], after[3]
        weight = score - report_figures.AGE_CAP
        settled = settled.filter(
            _RowAtMost((legal, F("queue_settled_key"), rising), (was_legal, weight, key))
        ).exclude(has_open_legal_report=was_legal, queue_settled_key=weight,
                  queue_rising_key=key, pk__lte=pk)
        # A young comment's score is its rising key + now's age units: the cursor's score
        # names the key a young comment would need to tie with it.
        tie = score - now_units
        if tie < key:
            young = young.filter(_RowAtMost((legal, rising), (was_legal, tie)))
        elif tie == key:
            young = young.filter(
                _RowAtMost((legal, rising), (was_legal, tie))
            ).exclude(has_open_legal_report=was_legal, queue_rising_key=tie, pk__lte=pk)
        else:
            young = young.filter(_RowLessThan((legal, rising), (was_legal, tie)))
    found: list[Walked] = [*settled.values_list(*_WALKED)[: size + 1],
                           *young.values_list(*_WALKED)[: size + 1]]
    found.sort(key=lambda row: _reported_key(row, now_units), reverse=True)
    return found[: size + 1]


def _matching(site: Site, walked: list[Walked], filters: QueueFilters) -> set[int]:
    """Which of these comments have an open report for the reason and the words sought,
    by their ids: never a walk of the site's reports or comments, nor a join a planner
    without statistics could turn into one (a freshly loaded PostgreSQL ran a semi-join
    of 1,000 comments against the site's reports for 8 seconds)."""
    ids = [row[0] for row in walked]
    if filters.reason and filters.reason != Report.Reason.LEGAL_RISK:
        ids = list(Report.objects.filter(
            comment__site=site, comment_id__in=ids, status=Report.Status.OPEN,
            reason=filters.reason).values_list("comment_id", flat=True).distinct())
    if not filters.search:
        return set(ids)
    term = filters.search
    rows = list(_walked_comments(site, ids).annotate(
        says=Case(When(text__icontains=term, then=Value(True)), default=Value(False),
                  output_field=BooleanField())
    ).values_list("pk", "site_id", "author_id", "says"))
    authors = {author_id for _, site_id, author_id, _ in rows if site_id == site.pk}
    named = set(User.objects.filter(
        Q(display_name__icontains=term) | Q(username__icontains=term), pk__in=authors
    ).values_list("pk", flat=True))
    return {pk for pk, site_id, author_id, says in rows
            if site_id == site.pk and (says or author_id in named)}


def _walked_comments(site: Site, ids: list[int]):  # type: ignore[no-untyped-def]
    """The comments a walk of this site's queue found, by id alone. Asked for `site_id = ?
    AND id IN (…)`, SQLite walks the site's index of every comment rather than the ids
    (3 ms at 30,000 comments, growing with the site); the ids come from this site's own
    index walk, and callers keep only rows whose `site_id` is this site's."""
    return Comment.objects.filter(pk__in=ids)  # cross-site: ids from this site's walk


def _cursor(row: Walked, now: datetime) -> str:
    legal, score, key, pk = _reported_key(row, report_figures.age_units(now))
    return _encode_cursor("reported", int(legal), score, key, -pk)


def reported_queue(*, site: Site, now: datetime, filters: QueueFilters = QueueFilters(),
                   after: str | None = None, size: int = PAGE_SIZE,
                   window: int = FILTER_WINDOW) -> QueuePage:
    """Comments with open reports: legal risk first, then by priority score, `size` a page.

    The order moves while a moderator pages (reports come in, ages grow): the next page
    starts after the last row shown, so nothing is shown twice; a comment that rose past it
    meanwhile is on the first page again. A reason (other than legal risk) or words to
    look for are checked against the next `window` comments of the queue only: see
    `QueuePage.looked_through`."""
    cursor = decode_cursor(tab="reported", after=after) if after else None
    next_after, looked_through = None, None
    if (filters.reason and filters.reason != Report.Reason.LEGAL_RISK) or filters.search:
        walked = _reported_walk(site, now, filters, cursor, window)
        examined = walked[:window]
        wanted = _matching(site, examined, filters)
        found = [row for row in examined if row[0] in wanted]
        if len(found) > size:
            next_after = _cursor(found[size - 1], now)
        elif len(walked) > window:  # the window ran out before a page of matches
            next_after, looked_through = _cursor(examined[-1], now), len(examined)
    else:
        found = _reported_walk(site, now, filters, cursor, size)
        if len(found) > size:
            next_after = _cursor(found[size - 1], now)
    shown = [row[0] for row in found[:size]]
    comments = _walked_comments(site, shown).select_related(*_RELATED).in_bulk(shown)
    page = [comments[pk] for pk in shown if pk in comments and comments[pk].site_id == site.pk]
    return QueuePage(_with_context(site, page, now), next_after, looked_through)


def flagged_queue(*, site: Site, now: datetime, filters: QueueFilters = QueueFilters(),
                  after: str | None = None, size: int = PAGE_SIZE) -> QueuePage:
    """Comments nobody has reported that triage flagged: highest score first (legal risk
    before everything), `size` a page. A walk of the open flags' index from the top or
    from the cursor, so a page costs the same at ten flags or a million; a comment that
    has since been reported is in the Reported tab instead, one a moderator held in the
    Held tab."""
    flags = _filtered(TriageFlag.objects.filter(
        site=site, outcome=TriageFlag.Outcome.OPEN, held=False,
        comment__status=Comment.Status.PUBLISHED, comment__open_report_count=0,
    ).order_by("-priority", "-comment_id"), filters, via="comment__")
    if after:
        priority, pk = decode_cursor(tab="flagged", after=after)
        flags = flags.filter(_RowLessThan((F("priority"), F("comment_id")), (priority, pk)))
    found = list(flags.values_list("comment_id", "priority")[: size + 1])
    shown = [pk for pk, _ in found[:size]]
    next_after = None
    if len(found) > size:
        last_pk, last_priority = found[size - 1]
        next_after = _encode_cursor("flagged", last_priority, last_pk)
    comments = _walked_comments(site, shown).select_related(*_RELATED).in_bulk(shown)
    page = [comments[pk] for pk in shown if pk in comments and comments[pk].site_id == site.pk]
    return QueuePage(_with_context(site, page, now), next_after)


def held_queue(*, site: Site, now: datetime, filters: QueueFilters = QueueFilters(),
               after: str | None = None, size: int = PAGE_SIZE) -> QueuePage:
    """Held out of view, or awaiting approval: oldest first, they have waited longest."""
    comments = _filtered(
        _base(site).filter(status__in=[Comment.Status.HELD, Comment.Status.PENDING]), filters
    ).order_by("status_changed_at", "pk")
    if after:
        since, pk = decode_cursor(tab="held", after=after)
        comments = comments.filter(
            _RowGreaterThan((F("status_changed_at"), F("pk")), (_instant(since), pk)))
    found = list(comments[: size + 1])
    page = found[:size]
    next_after = None
    if len(found) > size:
        last = page[-1]
        next_after = _encode_cursor(
            "held", _micros(last.status_changed_at or last.created_at), last.pk)
    return QueuePage(_with_context(site, page, now), next_after)


def recent_queue(*, site: Site, now: datetime, filters: QueueFilters = QueueFilters(),
                 after: str | None = None, size: int = PAGE_SIZE) -> QueuePage:
    """Every new comment, newest first, for sweeps of a busy thread."""
    comments = _filtered(_base(site), filters).order_by("-created_at", "-pk")
    if after:
        since, pk = decode_cursor(tab="recent", after=after)
        comments = comments.filter(
            _RowLessThan((F("created_at"), F("pk")), (_instant(since), pk)))
    found = list(comments[: size + 1])
    page = found[:size]
    next_after = None
    if len(found) > size:
        next_after = _encode_cursor("recent", _micros(page[-1].created_at), page[-1].pk)
    return QueuePage(_with_context(site, page, now), next_after)


def queue_item(*, site: Site, comment_id: int, now: datetime) -> QueueItem:
    """One comment in context, as a queue row shows it: for its page in the dashboard, with
    every note of its open reports."""
    comment = _base(site).filter(pk=comment_id).first()
    if comment is None:
        raise NotFound("comment_not_found", "That comment does not exist.")
    return _with_context(site, [comment], now, notes_shown=NOTES_ON_COMMENT_PAGE)[0]


def author_on_site(*, site: Site, user_id: int) -> User:
    """A person whose record this site's moderators may look at and act on: a subscriber
    here, or someone who has commented, reported or been the subject of a decision here.
    Anyone else is no business of theirs."""
    known = (
        Comment.objects.filter(site=site, author_id=user_id).exists()
        or Subscription.objects.filter(site=site, user_id=user_id).exists()
        or Report.objects.filter(site=site, reporter_id=user_id).exists()
        or AuditEntry.objects.filter(site=site, subject_id=user_id).exists()
    )
    user = User.objects.filter(pk=user_id).first() if known else None
    if user is None:
        raise NotFound("user_not_found", "No such user on this site.")
    return user


def queue_counts(*, site: Site, cap: int = COUNT_CAP) -> dict[str, int]:
    """How many comments wait in each tab, for the tab labels: index-only counts over the
    reported and the held comments, never over reports, and each stopping after `cap` + 1
    (more than `cap` is shown as "1,000+"), so the labels cost the same at any size."""
    # Ordered as the indexes are, so that the planner reads them and no other (without
    # the order, SQLite counts through the site's index of every comment).
    young = Comment.objects.filter(
        site=site, first_open_report_at__isnull=False, queue_settled_key__isnull=True
    ).order_by("-has_open_legal_report", "-queue_rising_key", "pk")[: cap + 1].count()
    settled = Comment.objects.filter(site=site, queue_settled_key__isnull=False).order_by(
        "-has_open_legal_report", "-queue_settled_key", "-queue_rising_key", "pk"
    )[: cap + 1 - young].count() if young <= cap else 0
    held = Comment.objects.filter(
        site=site, status__in=[Comment.Status.HELD, Comment.Status.PENDING]
    ).order_by("status", "status_changed_at")[: cap + 1].count()
    flagged = TriageFlag.objects.filter(
        site=site, outcome=TriageFlag.Outcome.OPEN, held=False,
        comment__status=Comment.Status.PUBLISHED, comment__open_report_count=0,
    ).order_by("-priority", "-comment_id")[: cap + 1].count()
    return {"reported": min(young + settled, cap + 1), "flagged": flagged, "held": held}


def decided(*, site: Site, limit: int = QUEUE_LIMIT) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(site=site)
        .select_related("comment__article", "article", "subject", "rule")
        .order_by("-created_at", "-pk")[:limit]
    )


def audit_for_comment(*, site: Site, comment_id: int) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(site=site, comment_id=comment_id)
        .select_related("rule").order_by("created_at", "pk")
    )


def audit_for_user(*, site: Site, user_id: int) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(Q(subject_id=user_id) | Q(comment__author_id=user_id),
                                  site=site)
        .select_related("comment", "rule").order_by("created_at", "pk")
    )

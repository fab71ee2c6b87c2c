"""Reads for the staff side: who may moderate, the queue in priority order, an author's
record, the audit trail. Site first, always."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, Max, OuterRef, Q

from belowtheline.accounts.models import StaffRole, Subscription, User
from belowtheline.discussion.models import Comment, Report
from belowtheline.moderation.errors import NotFound
from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction
from belowtheline.sites.models import Site

MODERATING_ROLES = (StaffRole.Role.MODERATOR, StaffRole.Role.EDITOR, StaffRole.Role.ADMIN)
EDITING_ROLES = (StaffRole.Role.EDITOR, StaffRole.Role.ADMIN)
QUEUE_LIMIT = 200


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


def reporter_track_records(*, site: Site, reporter_ids: list[int]) -> dict[int, float | None]:
    """Share of each reporter's decided reports that were upheld; None with no history."""
    rows = (
        Report.objects.filter(site=site, reporter_id__in=reporter_ids)
        .exclude(status=Report.Status.OPEN)
        .values("reporter_id")
        .annotate(
            decided=Count("pk"), upheld=Count("pk", filter=Q(status=Report.Status.UPHELD))
        )
    )
    records: dict[int, float | None] = dict.fromkeys(reporter_ids)
    for row in rows:
        records[row["reporter_id"]] = row["upheld"] / row["decided"]
    return records


def report_priority(
    *, open_reports: int, reporter_records: list[float | None], age_hours: float
) -> float:
    """How urgently a reported comment needs a moderator, legal risk aside (it goes first
    whatever its score).

    Each report counts, weighted by its reporter's record: a reporter whose past reports
    were always upheld counts 1.25, one never upheld 0.25, and one with no history 0.75.
    Age adds up to two points over the first day, so that a comment with a single report
    is not left at the bottom for ever.
    """
    weights = [0.25 + (0.5 if record is None else record) for record in reporter_records]
    weights += [0.75] * max(0, open_reports - len(weights))
    return round(sum(weights) + min(max(age_hours, 0.0), 24.0) / 12.0, 3)


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
    upheld = dict(
        Report.objects.filter(site=site, comment__author_id__in=user_ids,
                              status=Report.Status.UPHELD)
        .values("comment__author_id").annotate(n=Count("comment", distinct=True))
        .values_list("comment__author_id", "n")
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


@dataclass
class QueueItem:
    """One comment in the queue, in context, with what a moderator needs to decide."""

    comment: Comment
    reports: list[Report] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)
    first_report_at: datetime | None = None
    legal_risk: bool = False
    score: float = 0.0
    author: AuthorRecord | None = None
    last_decision_id: int = 0  # sent back with an action: a later decision wins nothing

    @property
    def notes(self) -> list[str]:
        return [r.note for r in self.reports if r.note]


@dataclass(frozen=True)
class QueueFilters:
    article_id: int | None = None
    reason: str | None = None
    search: str = ""  # text of the comment or author's name
    author_id: int | None = None  # one author's comments: the dashboard's author page


def _filtered(comments, filters: QueueFilters):  # type: ignore[no-untyped-def]
    if filters.article_id:
        comments = comments.filter(article_id=filters.article_id)
    if filters.author_id:
        comments = comments.filter(author_id=filters.author_id)
    if filters.search:
        term = filters.search
        comments = comments.filter(
            Q(text__icontains=term) | Q(author__display_name__icontains=term)
            | Q(author__username__icontains=term)
        )
    return comments


def _with_context(site: Site, comments: list[Comment], now: datetime) -> list[QueueItem]:
    ids = [c.pk for c in comments]
    items = {c.pk: QueueItem(comment=c) for c in comments}
    for report in Report.objects.filter(site=site, comment_id__in=ids,
                                        status=Report.Status.OPEN).order_by("created_at"):
        item = items[report.comment_id]
        item.reports.append(report)
        item.reasons[report.reason] += 1
        if item.first_report_at is None:
            item.first_report_at = report.created_at
        if report.reason == Report.Reason.LEGAL_RISK:
            item.legal_risk = True
    latest = (
        AuditEntry.objects.filter(site=site, comment_id__in=ids)
        .values("comment_id").annotate(last=Max("pk")).values_list("comment_id", "last")
    )
    last_ids = dict(latest)
    records = author_records(site=site, user_ids=sorted({c.author_id for c in comments}),
                             now=now)
    reporter_ids = sorted({r.reporter_id for i in items.values() for r in i.reports})
    track = reporter_track_records(site=site, reporter_ids=reporter_ids)
    for item in items.values():
        item.author = records[item.comment.author_id]
        item.last_decision_id = last_ids.get(item.comment.pk, 0)
        if item.reports:
            age = (now - item.first_report_at).total_seconds() / 3600 if item.first_report_at \
                else 0.0
            item.score = report_priority(
                open_reports=len(item.reports),
                reporter_records=[track.get(r.reporter_id) for r in item.reports],
                age_hours=age,
            )
    return [items[i] for i in ids]


def _base(site: Site):  # type: ignore[no-untyped-def]
    return Comment.objects.filter(site=site).select_related(
        "author", "article", "parent__author", "moderation_rule"
    )


def reported_queue(*, site: Site, now: datetime,
                   filters: QueueFilters = QueueFilters()) -> list[QueueItem]:
    """Comments with open reports: legal risk first, then by priority score."""
    open_reports = Report.objects.filter(site=site, comment=OuterRef("pk"),
                                         status=Report.Status.OPEN)
    if filters.reason:
        open_reports = open_reports.filter(reason=filters.reason)
    comments = _filtered(_base(site).filter(Exists(open_reports)), filters)
    items = _with_context(site, list(comments.order_by("pk")[:QUEUE_LIMIT]), now)
    return sorted(
        items,
        key=lambda i: (not i.legal_risk, -i.score, i.first_report_at or now, i.comment.pk),
    )


def held_queue(*, site: Site, now: datetime,
               filters: QueueFilters = QueueFilters()) -> list[QueueItem]:
    """Held out of view, or awaiting approval: oldest first, they have waited longest."""
    comments = _filtered(
        _base(site).filter(status__in=[Comment.Status.HELD, Comment.Status.PENDING]), filters
    )
    return _with_context(site, list(comments.order_by("status_changed_at", "pk")[:QUEUE_LIMIT]),
                         now)


def recent_queue(*, site: Site, now: datetime,
                 filters: QueueFilters = QueueFilters()) -> list[QueueItem]:
    """Every new comment, newest first, for sweeps of a busy thread."""
    comments = _filtered(_base(site), filters)
    return _with_context(site, list(comments.order_by("-created_at", "-pk")[:QUEUE_LIMIT]), now)


def queue_item(*, site: Site, comment_id: int, now: datetime) -> QueueItem:
    """One comment in context, as a queue row shows it: for its page in the dashboard."""
    comment = _base(site).filter(pk=comment_id).first()
    if comment is None:
        raise NotFound("comment_not_found", "That comment does not exist.")
    return _with_context(site, [comment], now)[0]


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


def queue_counts(*, site: Site) -> dict[str, int]:
    """How many comments wait in each tab, for the tab labels: two counts, whatever the load."""
    reported = (
        Report.objects.filter(site=site, status=Report.Status.OPEN)
        .values("comment_id").distinct().count()
    )
    held = Comment.objects.filter(
        site=site, status__in=[Comment.Status.HELD, Comment.Status.PENDING]
    ).count()
    return {"reported": reported, "held": held}


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

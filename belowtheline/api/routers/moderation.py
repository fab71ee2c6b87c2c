"""The staff side: the dashboard's queue, actions and audit trail, for moderators' own tools.

The same services and selectors as the dashboard, so a rule is never written twice. Each
read first asks the services whether the person may moderate this site (a moderator of
another site may not, and learns nothing of this one); each action lets its service decide,
inside its transaction, with the audit entry. An action on a comment may send the
`last_decision_id` the moderator was shown as `seen_decision`: if a colleague acted since,
the answer is 409 `already_decided` and nothing is applied twice.
"""

from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Body, Path, Query, Router
from ninja.responses import Status

from belowtheline import clock
from belowtheline.accounts.models import User
from belowtheline.api.auth import acting_user
from belowtheline.api.errors import documented
from belowtheline.api.params import ArticleId, CommentId, SiteSlug
from belowtheline.api.presenters import (
    article_out,
    audit_entry_out,
    author_record_out,
    cover_out,
    moderator_note_out,
    queue_item_out,
    sanction_out,
)
from belowtheline.api.schemas import (
    MAX_ID,
    AmendIn,
    ApproveIn,
    ArticleOut,
    AuditTrailOut,
    CommentModeIn,
    CoverOut,
    DecisionOut,
    DismissIn,
    HoldIn,
    LiftIn,
    ModeratorNoteIn,
    ModeratorNoteOut,
    QueueOut,
    RejectIn,
    RemoveAllIn,
    RemovedAllOut,
    RemoveIn,
    SanctionIn,
    SanctionOut,
    UserAuditOut,
)
from belowtheline.discussion import selectors as discussion
from belowtheline.discussion.models import Comment, Report
from belowtheline.moderation import selectors, services
from belowtheline.sites.cover import cover_at, describe_cover
from belowtheline.sites.models import Site
from belowtheline.sites.selectors import site_by_slug

router = Router(tags=["moderation"])

UserId = Annotated[int, Path(ge=1, le=MAX_ID)]
SanctionId = Annotated[int, Path(ge=1, le=MAX_ID)]

STAFF_ONLY = {403: ["not_a_moderator"]}
COMMENT_ACTION = {403: ["not_a_moderator"], 404: ["comment_not_found"],
                  409: ["already_decided"]}
TEXT_ERRORS = ["text_empty", "text_invisible", "text_too_long", "text_invalid"]
RULE_ERRORS = ["rule_required", "rule_invalid"]
QUEUES = {
    "reported": selectors.reported_queue,
    "flagged": selectors.flagged_queue,
    "held": selectors.held_queue,
    "recent": selectors.recent_queue,
}


def _moderating(request: HttpRequest, slug: str) -> tuple[Site, User]:
    """The site, and the person reading its staff side, once the services agree they may."""
    site = site_by_slug(slug)
    return site, services.check_can_moderate(site=site, actor=acting_user(request))


def _decision(site: Site, comment: Comment) -> DecisionOut:
    # The entry the action just wrote is the comment's latest: one short query.
    entries = selectors.audit_for_comment(site=site, comment_id=comment.pk)
    return DecisionOut(comment_id=comment.pk, state=comment.status, text=comment.text,
                       decision=audit_entry_out(entries[-1]))


# --- reading ----------------------------------------------------------------------------------

@router.get(
    "moderation/queue",
    summary="The moderation queue",
    **documented({200: QueueOut}, {**STAFF_ONLY, 400: ["cursor_invalid"]}, params=True,
                 staff=True),
)
def queue(
    request: HttpRequest,
    site: SiteSlug,
    tab: Annotated[
        Literal["reported", "flagged", "held", "recent"],
        Query(description="reported: comments with open reports, legal risk first, then by "
              "priority; flagged: comments nobody has reported whose triage scores reached "
              "the site's flag thresholds, legal risk first, then highest score; held: held "
              "out of view or awaiting approval, oldest first; recent: every new comment, "
              "newest first."),
    ] = "reported",
    article: Annotated[int | None, Query(ge=1, le=MAX_ID, description="One article's.")] = None,
    reason: Annotated[
        Literal[tuple(Report.Reason.values)] | None,  # type: ignore[valid-type]
        Query(description="Only comments with an open report of this reason (reported tab)."),
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$",
              description="Search the comment's text and its author's name."),
    ] = None,
    after: Annotated[
        str | None,
        Query(max_length=200, description="The `next_after` of the previous page: where "
              "this page starts. Opaque; one made for another tab is refused."),
    ] = None,
) -> QueueOut:
    """50 comments a page, each in context: the article, the comment it answers, and its
    author's record on this site (comments posted, reports upheld, sanctions, notes).
    `next_after` asks for the next page; it is null on the last. On the reported tab a
    `reason` other than legal_risk, or `q`, is looked for among the next 1,000 comments of
    the queue a page, so such a page may hold fewer than 50, or none, and still have a
    `next_after`."""
    publication, _ = _moderating(request, site)
    filters = selectors.QueueFilters(article_id=article, reason=reason, search=(q or "").strip())
    page = QUEUES[tab](site=publication, now=clock.now(), filters=filters, after=after)
    return QueueOut(tab=tab, count=len(page.items), next_after=page.next_after,
                    items=[queue_item_out(i) for i in page.items])


@router.get(
    "moderation/decided",
    summary="Decisions, newest first",
    **documented({200: AuditTrailOut}, STAFF_ONLY, params=True, staff=True),
)
def decided(
    request: HttpRequest,
    site: SiteSlug,
    limit: Annotated[int, Query(ge=1, le=selectors.QUEUE_LIMIT)] = selectors.QUEUE_LIMIT,
) -> AuditTrailOut:
    """The audit trail of this site: every moderation event, by people and by the system."""
    publication, _ = _moderating(request, site)
    return AuditTrailOut(
        entries=[audit_entry_out(e) for e in selectors.decided(site=publication, limit=limit)]
    )


@router.get(
    "moderation/comments/{int:comment_id}/audit",
    summary="A comment's audit trail",
    **documented({200: AuditTrailOut}, {**STAFF_ONLY, 404: ["comment_not_found"]},
                 params=True, staff=True),
)
def comment_audit(request: HttpRequest, site: SiteSlug, comment_id: CommentId) -> AuditTrailOut:
    """Oldest first, with the text before and after each change."""
    publication, _ = _moderating(request, site)
    discussion.get_comment(site=publication, comment_id=comment_id)  # 404 if not this site's
    entries = selectors.audit_for_comment(site=publication, comment_id=comment_id)
    return AuditTrailOut(entries=[audit_entry_out(e) for e in entries])


@router.get(
    "moderation/users/{int:user_id}/audit",
    summary="An author's record and audit trail",
    **documented({200: UserAuditOut}, {**STAFF_ONLY, 404: ["user_not_found"]},
                 params=True, staff=True),
)
def user_audit(request: HttpRequest, site: SiteSlug, user_id: UserId) -> UserAuditOut:
    """Everything decided about the person or their comments on this site, oldest first.
    Only people who have commented here, or been the subject of a decision here, are
    found: another site's readers are none of this site's business."""
    publication, _ = _moderating(request, site)
    author = selectors.author_on_site(site=publication, user_id=user_id)
    record = selectors.author_records(site=publication, user_ids=[author.pk],
                                      now=clock.now())[author.pk]
    entries = selectors.audit_for_user(site=publication, user_id=author.pk)
    return UserAuditOut(user_id=author.pk, name=author.public_name,
                        record=author_record_out(record),
                        entries=[audit_entry_out(e) for e in entries])


@router.get(
    "moderation/cover",
    summary="The cover in force now",
    **documented({200: CoverOut}, STAFF_ONLY, staff=True),
)
def cover(request: HttpRequest, site: SiteSlug) -> CoverOut:
    """Full-time, part-time or no cover, and when that next changes, from the schedule."""
    publication, _ = _moderating(request, site)
    return cover_out(cover_at(site=publication, instant=clock.now()),
                     schedule=describe_cover(site=publication))


# --- acting on a comment ----------------------------------------------------------------------

@router.post(
    "moderation/comments/{int:comment_id}/dismiss",
    summary="Dismiss a comment's reports",
    **documented({200: DecisionOut},
                 {**COMMENT_ACTION, 400: TEXT_ERRORS, 409: ["already_decided", "no_open_reports"]},
                 params=True, body=True, write=True, staff=True),
)
def dismiss(
    request: HttpRequest, site: SiteSlug, comment_id: CommentId,
    payload: Annotated[DismissIn | None, Body()] = None,
) -> DecisionOut:
    """The comment stays; its open reports are closed as not upheld and the reporters told.
    `no_open_reports` (409) answers a comment with no open reports left."""
    actor = acting_user(request, writing=True)
    publication = site_by_slug(site)
    body = payload or DismissIn()
    comment = services.dismiss_reports(site=publication, actor=actor, comment_id=comment_id,
                                       reason=body.reason, seen_decision=body.seen_decision)
    return _decision(publication, comment)


@router.post(
    "moderation/comments/{int:comment_id}/amend",
    summary="Amend a comment, citing a rule",
    **documented({200: DecisionOut}, {**COMMENT_ACTION, 400: [*TEXT_ERRORS, *RULE_ERRORS]},
                 params=True, body=True, write=True, staff=True),
)
def amend(request: HttpRequest, site: SiteSlug, comment_id: CommentId,
          payload: AmendIn) -> DecisionOut:
    """The thread shows "Amended by a moderator"; the original text stays in the audit
    trail, and the author is told the rule and the reason."""
    actor = acting_user(request, writing=True)
    publication = site_by_slug(site)
    comment = services.amend_comment(
        site=publication, actor=actor, comment_id=comment_id, text=payload.text,
        rule=payload.rule, reason=payload.reason, seen_decision=payload.seen_decision,
    )
    return _decision(publication, comment)


@router.post(
    "moderation/comments/{int:comment_id}/remove",
    summary="Remove a comment, citing a rule",
    **documented({200: DecisionOut}, {**COMMENT_ACTION, 400: [*TEXT_ERRORS, *RULE_ERRORS]},
                 params=True, body=True, write=True, staff=True),
)
def remove(request: HttpRequest, site: SiteSlug, comment_id: CommentId,
           payload: RemoveIn) -> DecisionOut:
    """The thread keeps a tombstone naming the rule; the text stays in the audit trail."""
    actor = acting_user(request, writing=True)
    publication = site_by_slug(site)
    comment = services.remove_comment(
        site=publication, actor=actor, comment_id=comment_id, rule=payload.rule,
        reason=payload.reason, seen_decision=payload.seen_decision,
    )
    return _decision(publication, comment)


@router.post(
    "moderation/comments/{int:comment_id}/hold",
    summary="Hold a comment out of view",
    **documented({200: DecisionOut}, {**COMMENT_ACTION, 400: TEXT_ERRORS},
                 params=True, body=True, write=True, staff=True),
)
def hold(
    request: HttpRequest, site: SiteSlug, comment_id: CommentId,
    payload: Annotated[HoldIn | None, Body()] = None,
) -> DecisionOut:
    """Readers see "This comment is being reviewed" until it is released or removed."""
    actor = acting_user(request, writing=True)
    publication = site_by_slug(site)
    body = payload or HoldIn()
    comment = services.hold_comment(site=publication, actor=actor, comment_id=comment_id,
                                    reason=body.reason, seen_decision=body.seen_decision)
    return _decision(publication, comment)


@router.post(
    "moderation/comments/{int:comment_id}/release",
    summary="Release a held comment",
    **documented({200: DecisionOut}, {**COMMENT_ACTION, 400: TEXT_ERRORS},
                 params=True, body=True, write=True, staff=True),
)
def release(
    request: HttpRequest, site: SiteSlug, comment_id: CommentId,
    payload: Annotated[HoldIn | None, Body()] = None,
) -> DecisionOut:
    """Back on the thread: the moderator found it fine, so its open reports are dismissed."""
    actor = acting_user(request, writing=True)
    publication = site_by_slug(site)
    body = payload or HoldIn()
    comment = services.release_comment(site=publication, actor=actor, comment_id=comment_id,
                                       reason=body.reason, seen_decision=body.seen_decision)
    return _decision(publication, comment)


@router.post(
    "moderation/comments/{int:comment_id}/approve",
    summary="Approve a comment awaiting approval",
    **documented({200: DecisionOut}, COMMENT_ACTION, params=True, body=True, write=True,
                 staff=True),
)
def approve(
    request: HttpRequest, site: SiteSlug, comment_id: CommentId,
    payload: Annotated[ApproveIn | None, Body()] = None,
) -> DecisionOut:
    actor = acting_user(request, writing=True)
    publication = site_by_slug(site)
    body = payload or ApproveIn()
    comment = services.approve_comment(site=publication, actor=actor, comment_id=comment_id,
                                       seen_decision=body.seen_decision)
    return _decision(publication, comment)


@router.post(
    "moderation/comments/{int:comment_id}/reject",
    summary="Reject a comment awaiting approval",
    **documented({200: DecisionOut}, {**COMMENT_ACTION, 400: [*TEXT_ERRORS, "rule_invalid"]},
                 params=True, body=True, write=True, staff=True),
)
def reject(request: HttpRequest, site: SiteSlug, comment_id: CommentId,
           payload: RejectIn) -> DecisionOut:
    """Cite a rule, or give a reason: the author is told one or the other."""
    actor = acting_user(request, writing=True)
    publication = site_by_slug(site)
    comment = services.reject_comment(
        site=publication, actor=actor, comment_id=comment_id, rule=payload.rule,
        reason=payload.reason, seen_decision=payload.seen_decision,
    )
    return _decision(publication, comment)


# --- authors --------------------------------------------------------------------------------

@router.post(
    "moderation/users/{int:user_id}/sanctions",
    summary="Sanction an author",
    **documented(
        {201: SanctionOut},
        {400: ["sanction_invalid", "days_invalid", *TEXT_ERRORS],
         403: ["not_a_moderator", "own_account"], 404: ["user_not_found"],
         409: ["already_sanctioned"]},
        params=True, body=True, write=True, staff=True),
)
def sanction(request: HttpRequest, site: SiteSlug, user_id: UserId,
             payload: SanctionIn) -> Status[SanctionOut]:
    """Pre-moderation (their new comments wait for approval), a suspension of `days` days,
    or a ban, on this site only."""
    actor = acting_user(request, writing=True)
    publication = site_by_slug(site)
    created = services.sanction_author(site=publication, actor=actor, user_id=user_id,
                                       kind=payload.kind, days=payload.days,
                                       reason=payload.reason)
    return Status(201, sanction_out(created))


LIFT_ERRORS = {**STAFF_ONLY, 400: TEXT_ERRORS, 404: ["sanction_not_found"],
               409: ["already_decided"]}


@router.post(
    "moderation/sanctions/{int:sanction_id}/lift",
    summary="Lift a sanction, giving a reason",
    **documented({200: SanctionOut}, LIFT_ERRORS, params=True, body=True, write=True, staff=True),
)
def lift(
    request: HttpRequest, site: SiteSlug, sanction_id: SanctionId,
    payload: Annotated[LiftIn | None, Body()] = None,
) -> SanctionOut:
    actor = acting_user(request, writing=True)
    publication = site_by_slug(site)
    lifted = services.lift_sanction(site=publication, actor=actor, sanction_id=sanction_id,
                                    reason=payload.reason if payload else "")
    return sanction_out(lifted)


@router.delete(
    "moderation/sanctions/{int:sanction_id}",
    summary="Lift a sanction",
    **documented({200: SanctionOut}, LIFT_ERRORS, params=True, write=True, staff=True),
)
def lift_by_delete(request: HttpRequest, site: SiteSlug, sanction_id: SanctionId) -> SanctionOut:
    """The same as `POST …/lift` without a reason. The sanction is not erased: it stays on
    record as lifted, and the lifting is audited."""
    actor = acting_user(request, writing=True)
    publication = site_by_slug(site)
    return sanction_out(
        services.lift_sanction(site=publication, actor=actor, sanction_id=sanction_id)
    )


@router.post(
    "moderation/users/{int:user_id}/notes",
    summary="Add a moderator note on an author",
    **documented(
        {201: ModeratorNoteOut},
        {**STAFF_ONLY, 400: TEXT_ERRORS, 404: ["user_not_found"]},
        params=True, body=True, write=True, staff=True),
)
def add_note(request: HttpRequest, site: SiteSlug, user_id: UserId,
             payload: ModeratorNoteIn) -> Status[ModeratorNoteOut]:
    """For the other moderators; never shown to readers."""
    actor = acting_user(request, writing=True)
    publication = site_by_slug(site)
    note = services.add_moderator_note(site=publication, actor=actor, user_id=user_id,
                                       text=payload.text)
    return Status(201, moderator_note_out(note))


@router.post(
    "moderation/users/{int:user_id}/remove-all",
    summary="Remove all of an author's comments",
    **documented(
        {200: RemovedAllOut},
        {**STAFF_ONLY, 400: [*TEXT_ERRORS, *RULE_ERRORS]},
        params=True, body=True, write=True, staff=True),
)
def remove_all(request: HttpRequest, site: SiteSlug, user_id: UserId,
               payload: RemoveAllIn) -> RemovedAllOut:
    """A spam wave: every comment of theirs still up, held or waiting on this site, each
    with its own audit entry and tombstone."""
    actor = acting_user(request, writing=True)
    publication = site_by_slug(site)
    count = services.remove_all_by_author(site=publication, actor=actor, user_id=user_id,
                                          rule=payload.rule, reason=payload.reason)
    return RemovedAllOut(removed=count)


# --- articles -------------------------------------------------------------------------------

@router.put(
    "moderation/articles/{int:article_id}/comment-mode",
    summary="Open, pre-moderate or close an article's comments",
    **documented(
        {200: ArticleOut},
        {400: ["comment_mode_invalid"], 403: ["not_an_editor"], 404: ["article_not_found"]},
        params=True, body=True, write=True, staff=True),
)
def comment_mode(request: HttpRequest, site: SiteSlug, article_id: ArticleId,
                 payload: CommentModeIn) -> ArticleOut:
    """Editors and admins only. Pre-moderated suits a sensitive story: every new comment
    waits for approval."""
    actor = acting_user(request, writing=True)
    publication = site_by_slug(site)
    article = services.set_comment_mode(site=publication, actor=actor, article_id=article_id,
                                        mode=payload.mode)
    return article_out(article, site=publication)

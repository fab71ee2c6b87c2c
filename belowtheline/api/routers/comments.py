"""What a signed-in reader does to comments: post, reply, edit, delete, recommend, report.

Each endpoint resolves who is acting, calls one service and shows its result; every rule
(subscribers only, the edit window, one report each) is the service's to apply.
"""

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from belowtheline import clock
from belowtheline.api.auth import acting_user
from belowtheline.api.errors import documented
from belowtheline.api.params import ArticleId, CommentId, SiteSlug
from belowtheline.api.presenters import own_comment_out
from belowtheline.api.schemas import (
    CommentEditIn,
    CommentIn,
    CommentOut,
    DeletedOut,
    RecommendationOut,
    ReportIn,
    ReportOut,
)
from belowtheline.discussion import selectors, services
from belowtheline.discussion.selectors import ThreadEntry
from belowtheline.sites.selectors import site_by_slug

router = Router(tags=["comments"])

TEXT_ERRORS = ["text_empty", "text_invisible", "text_too_long", "text_invalid"]
COMMENT_ERRORS = {404: ["comment_not_found"]}


@router.post(
    "articles/{int:article_id}/comments",
    summary="Post a comment or a reply",
    **documented(
        {201: CommentOut},
        {
            400: [*TEXT_ERRORS, "parent_not_in_article", "idempotency_key_invalid"],
            403: ["subscription_required", "rules_not_accepted", "article_closed"],
            404: ["article_not_found", "comment_not_found"],
            409: ["rules_not_published", "parent_not_open", "idempotency_key_reused"],
        },
        params=True,
        body=True,
        write=True,
        rate_limited=True,
    ),
)
def post_comment(
    request: HttpRequest, site: SiteSlug, article_id: ArticleId, payload: CommentIn
) -> Status[CommentOut]:
    """Subscribers only, once they have accepted the current rules. The comment is up at
    once (`published`) unless the article is pre-moderated (`awaiting_approval`).

    Send an `Idempotency-Key` header (a new UUID per comment) to make retries safe: the
    same key again returns the comment the first request made, never a second one."""
    author = acting_user(request, writing=True)
    publication = site_by_slug(site)
    article = selectors.get_article(site=publication, article_id=article_id)
    parent = (
        selectors.get_comment(site=publication, comment_id=payload.parent_id)
        if payload.parent_id is not None
        else None
    )
    now = clock.now()
    comment = services.post_comment(
        site=publication, article=article, author=author, text=payload.text, parent=parent,
        now=now, idempotency_key=services.idempotency_key_from(
            request.headers.get("Idempotency-Key")),
    )
    return Status(201, own_comment_out(comment, now=now))


@router.patch(
    "comments/{int:comment_id}",
    summary="Edit your own comment",
    **documented(
        {200: CommentOut},
        {400: TEXT_ERRORS, 403: ["not_your_comment", "edit_window_closed"], **COMMENT_ERRORS},
        params=True,
        body=True,
        write=True,
    ),
)
def edit_comment(
    request: HttpRequest, site: SiteSlug, comment_id: CommentId, payload: CommentEditIn
) -> CommentOut:
    """Within 10 minutes of posting. The text before is kept for the moderators."""
    author = acting_user(request, writing=True)
    publication = site_by_slug(site)
    now = clock.now()
    comment = services.edit_own_comment(
        site=publication, comment_id=comment_id, author=author, text=payload.text, now=now
    )
    return own_comment_out(comment, now=now)


@router.delete(
    "comments/{int:comment_id}",
    summary="Delete your own comment",
    **documented(
        {200: DeletedOut},
        {403: ["not_your_comment"], 409: ["comment_removed"], **COMMENT_ERRORS},
        params=True,
        write=True,
    ),
)
def delete_comment(request: HttpRequest, site: SiteSlug, comment_id: CommentId) -> DeletedOut:
    """Replies stay, under a tombstone. Deleting twice is harmless."""
    author = acting_user(request, writing=True)
    publication = site_by_slug(site)
    comment = services.delete_own_comment(
        site=publication, comment_id=comment_id, author=author
    )
    return DeletedOut(id=comment.pk, state=ThreadEntry(comment=comment, is_own=True).state)


RECOMMEND_ERRORS = {
    403: ["subscription_required", "own_comment"],
    409: ["comment_not_available"],
    **COMMENT_ERRORS,
}


@router.put(
    "comments/{int:comment_id}/recommendation",
    summary="Recommend a comment",
    **documented(
        {200: RecommendationOut}, RECOMMEND_ERRORS, params=True, write=True, rate_limited=True
    ),
)
def recommend(request: HttpRequest, site: SiteSlug, comment_id: CommentId) -> RecommendationOut:
    """Subscribers only, never one's own comment. Recommending twice counts once."""
    user = acting_user(request, writing=True)
    publication = site_by_slug(site)
    comment = services.recommend_comment(site=publication, comment_id=comment_id, user=user)
    return RecommendationOut(
        comment_id=comment.pk, recommended=True,
        recommendation_count=comment.recommendation_count,
    )


@router.delete(
    "comments/{int:comment_id}/recommendation",
    summary="Withdraw your recommendation",
    **documented(
        {200: RecommendationOut}, COMMENT_ERRORS, params=True, write=True, rate_limited=True
    ),
)
def withdraw_recommendation(
    request: HttpRequest, site: SiteSlug, comment_id: CommentId
) -> RecommendationOut:
    user = acting_user(request, writing=True)
    publication = site_by_slug(site)
    comment = services.withdraw_recommendation(
        site=publication, comment_id=comment_id, user=user
    )
    return RecommendationOut(
        comment_id=comment.pk, recommended=False,
        recommendation_count=comment.recommendation_count,
    )


@router.post(
    "comments/{int:comment_id}/reports",
    summary="Report a comment",
    **documented(
        {200: ReportOut, 201: ReportOut},
        {
            400: ["reason_invalid", "text_invisible", "text_too_long", "text_invalid"],
            403: ["own_comment", "integration_cannot_report"],
            409: ["already_reported", "comment_not_available"],
            **COMMENT_ERRORS,
        },
        params=True,
        body=True,
        write=True,
        rate_limited=True,
    ),
)
def report_comment(
    request: HttpRequest, site: SiteSlug, comment_id: CommentId, payload: ReportIn
) -> Status[ReportOut]:
    """Any signed-in reader, once per comment: 201 and `reported: true` when the report
    goes to the moderators. "disagree" is not a report: 200 and `reported: false`, with a
    message suggesting a reply instead."""
    reporter = acting_user(request, writing=True)
    publication = site_by_slug(site)
    outcome = services.report_comment(
        site=publication, comment_id=comment_id, reporter=reporter, reason=payload.reason,
        note=payload.note or "",
    )
    return Status(
        201 if outcome.reported else 200,
        ReportOut(reported=outcome.reported, message=outcome.message),
    )

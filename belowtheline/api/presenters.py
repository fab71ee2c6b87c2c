"""Domain objects as the API shows them.

What a viewer may see is decided by the selectors (`ThreadEntry.shows_text`, `.state`);
this module only copies it out, and withholds what they say is not to be shown.
"""

from datetime import datetime
from typing import Any

from django.urls import reverse

from belowtheline.api.schemas import (
    ArticleOut,
    ArticleRefOut,
    AuditEntryOut,
    AuthorRecordOut,
    CommentOut,
    CoverOut,
    ModeratorNoteOut,
    ParentOut,
    QueueAuthorOut,
    QueueCommentOut,
    QueueItemOut,
    RuleOut,
    RuleRefOut,
    RulesOut,
    SanctionOut,
    StandingOut,
    TriageFlagOut,
    TriageScoreOut,
)
from belowtheline.discussion import services
from belowtheline.discussion.models import Article, Comment, Rule, RulesVersion
from belowtheline.discussion.reports import ORDINARY_REPORT
from belowtheline.discussion.selectors import (
    PAGE_SIZE,
    Standing,
    ThreadEntry,
    ThreadPage,
    ViewerOverlay,
)
from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction
from belowtheline.moderation.selectors import AuthorRecord, QueueItem
from belowtheline.sites.cover import CoverState
from belowtheline.sites.models import Site


def standing_fields(standing: Standing) -> dict[str, Any]:
    """`StandingOut` as plain data: the thread documents are built without pydantic (see
    `thread_fields`)."""
    return {
        "signed_in": standing.signed_in,
        "subscriber": standing.subscriber,
        "can_comment": standing.can_comment,
        "must_accept_rules": standing.must_accept_rules,
        "rules_version_id": standing.rules.pk if standing.rules else None,
        "refusal": (
            {"code": standing.refusal.reason, "message": standing.refusal.message}
            if standing.refusal is not None else None
        ),
    }


def standing_out(standing: Standing) -> StandingOut:
    return StandingOut(**standing_fields(standing))


def article_fields(article: Article, *, site: Site) -> dict[str, Any]:
    return {
        "id": article.pk,
        "site": site.slug,
        "title": article.title,
        "url": article.canonical_url,
        "comment_mode": article.comment_mode,
        "comment_count": article.comment_count,
    }


def article_out(article: Article, *, site: Site) -> ArticleOut:
    return ArticleOut(**article_fields(article, site=site))


def _rule_cited(entry: ThreadEntry) -> dict[str, Any] | None:
    rule = entry.rule_broken
    if rule is None:
        return None
    return {"number": rule.number, "title": rule.title, "url": rule.get_absolute_url()}


def comment_fields(entry: ThreadEntry, *, now: datetime) -> dict[str, Any]:
    """`CommentOut` as plain data, keys in the schema's order.

    The one description of a comment in the API: `comment_out` validates it into the
    schema for single comments, and the thread serialises it as it is, since a page of 112
    comments validated by pydantic (twice, by ninja) cost more than reading them.
    `tests/api/test_thread_cache.py` proves the two agree.
    """
    comment = entry.comment
    shown = entry.shows_text
    return {
        "id": comment.pk,
        "article_id": comment.article_id,
        "parent_id": comment.parent_id,
        "state": entry.state,
        "amended": entry.amended,
        "rule_broken": _rule_cited(entry),
        "text": comment.text if shown else None,
        "author": {"name": comment.author.public_name if shown else None},
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "edited": comment.is_edited,
        "recommendation_count": comment.recommendation_count,
        "in_reply_to": entry.in_reply_to,
        "viewer": {
            "own": entry.is_own,
            "recommended": entry.viewer_recommended,
            "reported": entry.viewer_reported,
            "can_edit": entry.is_own and services.can_still_edit(comment, now),
        },
        "replies": [comment_fields(reply, now=now) for reply in entry.replies],
    }


def comment_out(entry: ThreadEntry, *, now: datetime) -> CommentOut:
    return CommentOut.model_validate(comment_fields(entry, now=now))


def own_comment_entry(comment: Comment) -> ThreadEntry:
    """A comment of the viewer's own, as the thread shows it to them (with the name of the
    comment it answers, on a reply to a reply)."""
    entry = ThreadEntry(comment=comment, is_own=True)
    if comment.parent_id is not None and comment.parent_id != comment.thread_root_id:
        assert comment.parent is not None
        entry.in_reply_to = comment.parent.author.public_name
    return entry


def own_comment_out(comment: Comment, *, now: datetime) -> CommentOut:
    """A comment just posted or edited, as its author now sees it in the thread.

    An author can neither recommend nor report their own comment, so those are false.
    """
    return comment_out(own_comment_entry(comment), now=now)


def rules_out(rules: RulesVersion, *, site: Site) -> RulesOut:
    assert rules.published_at is not None
    # The public rules page, served by discussion's views; moderators cite `#rule-N`.
    page = reverse("rules", kwargs={"slug": site.slug})
    return RulesOut(
        id=rules.pk,
        version=rules.number,
        preamble=rules.preamble,
        published_at=rules.published_at,
        last_updated=rules.published_at.astimezone(site.zone).date(),
        url=page,
        rules=[
            RuleOut(
                number=rule.number,
                title=rule.title,
                text=rule.text,
                anchor=rule.anchor,
                url=f"{page}#{rule.anchor}",
            )
            for rule in rules.rules.all()
        ],
    )


# --- moderation -----------------------------------------------------------------------------
# Moderators see everything a comment ever said, whatever its state: these presenters copy
# it all out. They read only what the selectors already fetched (no query per row).


def _rule_ref(rule: Rule | None) -> RuleRefOut | None:
    return RuleRefOut(number=rule.number, title=rule.title) if rule else None


def sanction_out(sanction: Sanction) -> SanctionOut:
    return SanctionOut(
        id=sanction.pk,
        user_id=sanction.user_id,
        kind=sanction.kind,
        reason=sanction.reason,
        created_at=sanction.created_at,
        ends_at=sanction.ends_at,
        lifted_at=sanction.lifted_at,
    )


def moderator_note_out(note: ModeratorNote) -> ModeratorNoteOut:
    return ModeratorNoteOut(
        id=note.pk,
        text=note.text,
        author=note.author.public_name if note.author else None,
        created_at=note.created_at,
    )


def author_record_out(record: AuthorRecord) -> AuthorRecordOut:
    return AuthorRecordOut(
        comments_posted=record.comments_posted,
        reports_upheld=record.reports_upheld,
        sanctions=[sanction_out(s) for s in record.sanctions],
        notes=[moderator_note_out(n) for n in record.notes],
    )


def _parent_out(comment: Comment) -> ParentOut | None:
    parent = comment.parent
    if parent is None:
        return None
    return ParentOut(id=parent.pk, text=parent.text, state=parent.status,
                     author=parent.author.public_name)


def queue_item_out(item: QueueItem) -> QueueItemOut:
    comment = item.comment
    assert item.author is not None  # the selector fills every row's author record
    return QueueItemOut(
        comment=QueueCommentOut(
            id=comment.pk,
            text=comment.text,
            state=comment.status,
            created_at=comment.created_at,
            amended=comment.amended_at is not None,
            rule_broken=_rule_ref(comment.moderation_rule),
            article=ArticleRefOut(id=comment.article.pk, title=comment.article.title),
            author=QueueAuthorOut(
                id=comment.author.pk,
                name=comment.author.public_name,
                username=comment.author.get_username(),
                record=author_record_out(item.author),
            ),
            parent=_parent_out(comment),
        ),
        open_reports=item.open_reports,
        reasons=dict(item.reasons),
        notes=item.notes,
        first_report_at=item.first_report_at,
        legal_risk=item.legal_risk,
        score=item.score,
        report_weight=round(item.report_weight / ORDINARY_REPORT, 2),
        report_weight_words=item.weight_words,
        triage_scores=[TriageScoreOut(scorer=line.scorer, score=line.score,
                                      explanation=line.explanation, version=line.version,
                                      over_threshold=line.flagged) for line in item.scores],
        triage_flag=TriageFlagOut(held=item.flag.held, scorers=item.flag.scorers.split(","),
                                  score=item.flag.score, cover=item.flag.cover,
                                  flagged_at=item.flag.flagged_at) if item.flag else None,
        last_decision_id=item.last_decision_id,
    )


def audit_entry_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.pk,
        created_at=entry.created_at,
        actor=entry.actor_name,
        action=entry.action,
        action_label=entry.get_action_display(),
        comment_id=entry.comment_id,
        article_id=entry.article_id,
        subject_id=entry.subject_id,
        rule=_rule_ref(entry.rule),
        reason=entry.reason,
        text_before=entry.text_before,
        text_after=entry.text_after,
        cover=entry.cover,
    )


def cover_out(cover: CoverState, *, schedule: str) -> CoverOut:
    return CoverOut(kind=cover.kind, label=cover.label, until=cover.until, schedule=schedule)


# --- threads ----------------------------------------------------------------------------
# A page of a thread is rendered once for everyone (as a reader who is not signed in sees
# it) and cached; a signed-in reader's answer is that shared document with their part laid
# over it, which costs a few small queries instead of a second rendering.


def thread_fields(
    thread: ThreadPage, *, site: Site, standing: Standing, next_page: str | None,
    now: datetime,
) -> dict[str, Any]:
    """`ThreadOut` as plain data, keys in the schema's order."""
    return {
        "article": article_fields(thread.article, site=site),
        "sort": thread.sort.value,
        "page": thread.page,
        "page_size": PAGE_SIZE,
        "has_more": thread.has_more,
        "next_page": next_page,
        "viewer": standing_fields(standing),
        "comments": [comment_fields(entry, now=now) for entry in thread.entries],
    }


def viewer_thread_fields(
    shared: dict[str, Any], overlay: ViewerOverlay, *, now: datetime
) -> dict[str, Any]:
    """The shared (anonymous) thread document as the reader of `overlay` sees it: their
    standing, their marks on each comment, their own held comments with the text and name
    everybody else is spared, their own replies awaiting approval in their place.

    Exactly `thread_fields` for that reader, provided they have no top-level comment
    awaiting approval (which would move every page's boundaries for them: the caller
    renders the thread for them instead, see `thread_cache.page_is_shared_with`). Only the
    comments that differ are copied; the shared document is left as it was.
    """
    own_ids = overlay.own_ids
    recommended = overlay.recommended_ids
    reported = overlay.reported_ids
    editable = overlay.editable_ids
    marked = own_ids | recommended | reported
    theirs: dict[int, dict[str, Any]] = {}
    awaiting: dict[int, list[dict[str, Any]]] = {}
    for entry in overlay.unpublished:
        comment = entry.comment
        fields = comment_fields(entry, now=now)
        if comment.status == Comment.Status.PENDING and comment.thread_root_id is not None:
            # Nobody else sees a reply awaiting approval, so the shared page lacks it.
            awaiting.setdefault(comment.thread_root_id, []).append(fields)
        else:
            theirs[comment.pk] = fields

    def seen(comment: dict[str, Any], replies: list[dict[str, Any]]) -> dict[str, Any]:
        key = comment["id"]
        if key not in marked and key not in theirs and replies is comment["replies"]:
            return comment
        return {
            **theirs.get(key, comment),
            "viewer": {
                "own": key in own_ids,
                "recommended": key in recommended,
                "reported": key in reported,
                "can_edit": key in editable,
            },
            "replies": replies,
        }

    def replies_of(top: dict[str, Any]) -> list[dict[str, Any]]:
        replies = top["replies"]
        extra = awaiting.get(top["id"])
        if extra:
            replies = sorted([*replies, *extra], key=lambda r: (r["created_at"], r["id"]))
        elif not any(r["id"] in marked or r["id"] in theirs for r in replies):
            return replies
        return [seen(reply, reply["replies"]) for reply in replies]

    return {
        **shared,
        "viewer": standing_fields(overlay.standing),
        "comments": [seen(top, replies_of(top)) for top in shared["comments"]],
    }


def thread_viewer_fields(overlay: ViewerOverlay, *, now: datetime) -> dict[str, Any]:
    """`ThreadViewerOut`: the reader's part alone, for apps that lay it over the shared
    document themselves."""
    return {
        "viewer": standing_fields(overlay.standing),
        "recommended_ids": sorted(overlay.recommended_ids),
        "reported_ids": sorted(overlay.reported_ids),
        "own_ids": sorted(overlay.own_ids),
        "editable_ids": sorted(overlay.editable_ids),
        "comments": [
            {**comment_fields(entry, now=now), "viewer": {
                "own": True,
                "recommended": entry.comment.pk in overlay.recommended_ids,
                "reported": entry.comment.pk in overlay.reported_ids,
                "can_edit": entry.comment.pk in overlay.editable_ids,
            }}
            for entry in overlay.unpublished
        ],
    }

"""Domain objects as the API shows them.

What a viewer may see is decided by the selectors (`ThreadEntry.shows_text`, `.state`);
this module only copies it out, and withholds what they say is not to be shown.
"""

from datetime import datetime

from django.urls import reverse

from belowtheline.api.schemas import (
    ArticleOut,
    ArticleRefOut,
    AuditEntryOut,
    AuthorOut,
    AuthorRecordOut,
    CommentOut,
    CommentViewerOut,
    CoverOut,
    ModeratorNoteOut,
    ParentOut,
    QueueAuthorOut,
    QueueCommentOut,
    QueueItemOut,
    RuleCitedOut,
    RuleOut,
    RuleRefOut,
    RulesOut,
    SanctionOut,
    StandingOut,
)
from belowtheline.discussion import services
from belowtheline.discussion.models import Article, Comment, Rule, RulesVersion
from belowtheline.discussion.selectors import Standing, ThreadEntry
from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction
from belowtheline.moderation.selectors import AuthorRecord, QueueItem
from belowtheline.sites.cover import CoverState
from belowtheline.sites.models import Site


def standing_out(standing: Standing) -> StandingOut:
    return StandingOut(
        signed_in=standing.signed_in,
        subscriber=standing.subscriber,
        can_comment=standing.can_comment,
        must_accept_rules=standing.must_accept_rules,
        rules_version_id=standing.rules.pk if standing.rules else None,
    )


def article_out(article: Article, *, site: Site) -> ArticleOut:
    return ArticleOut(
        id=article.pk,
        site=site.slug,
        title=article.title,
        url=article.canonical_url,
        comment_mode=article.comment_mode,
        comment_count=article.comment_count,
    )


def _rule_cited(entry: ThreadEntry) -> RuleCitedOut | None:
    rule = entry.rule_broken
    if rule is None:
        return None
    return RuleCitedOut(number=rule.number, title=rule.title, url=rule.get_absolute_url())


def comment_out(entry: ThreadEntry, *, now: datetime) -> CommentOut:
    comment = entry.comment
    shown = entry.shows_text
    return CommentOut(
        id=comment.pk,
        article_id=comment.article_id,
        parent_id=comment.parent_id,
        state=entry.state,
        amended=entry.amended,
        rule_broken=_rule_cited(entry),
        text=comment.text if shown else None,
        author=AuthorOut(name=comment.author.public_name if shown else None),
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        edited=comment.is_edited,
        recommendation_count=comment.recommendation_count,
        in_reply_to=entry.in_reply_to,
        viewer=CommentViewerOut(
            own=entry.is_own,
            recommended=entry.viewer_recommended,
            reported=entry.viewer_reported,
            can_edit=entry.is_own and services.can_still_edit(comment, now),
        ),
        replies=[comment_out(reply, now=now) for reply in entry.replies],
    )


def own_comment_out(comment: Comment, *, now: datetime) -> CommentOut:
    """A comment just posted or edited, as its author now sees it in the thread.

    An author can neither recommend nor report their own comment, so those are false.
    """
    entry = ThreadEntry(comment=comment, is_own=True)
    if comment.parent_id is not None and comment.parent_id != comment.thread_root_id:
        assert comment.parent is not None
        entry.in_reply_to = comment.parent.author.public_name
    return comment_out(entry, now=now)


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
        open_reports=len(item.reports),
        reasons=dict(item.reasons),
        notes=item.notes,
        first_report_at=item.first_report_at,
        legal_risk=item.legal_risk,
        score=item.score,
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

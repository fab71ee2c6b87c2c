"""Domain objects as the API shows them.

What a viewer may see is decided by the selectors (`ThreadEntry.shows_text`, `.state`);
this module only copies it out, and withholds what they say is not to be shown.
"""

from datetime import datetime

from django.urls import reverse

from belowtheline.api.schemas import (
    ArticleOut,
    AuthorOut,
    CommentOut,
    CommentViewerOut,
    RuleCitedOut,
    RuleOut,
    RulesOut,
    StandingOut,
)
from belowtheline.discussion import services
from belowtheline.discussion.models import Article, Comment, RulesVersion
from belowtheline.discussion.selectors import Standing, ThreadEntry
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

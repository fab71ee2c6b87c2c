"""What happens to a new comment: the rules, in the order they are asked.

The first refusal wins; otherwise any rule asking for a hold holds the comment; otherwise
it is published at once, which is the policy: no pre-moderation unless an editor has put
the article on it.
"""

from datetime import datetime

from belowtheline.discussion.hooks import (
    NewComment,
    Outcome,
    Verdict,
    closing_rules,
    publish_rules,
)
from belowtheline.discussion.models import Article


def article_is_closed(article: Article, now: datetime) -> Verdict | None:
    if article.comment_mode == Article.CommentMode.CLOSED:
        return Verdict(Outcome.REFUSE, "article_closed", "Comments on this article are closed.")
    return None


def article_is_premoderated(new: NewComment, now: datetime) -> Verdict | None:
    if new.article.comment_mode == Article.CommentMode.PREMODERATED:
        return Verdict(
            Outcome.HOLD,
            "article_premoderated",
            "Comments on this article are checked by a moderator before they appear.",
        )
    return None


def why_closed(article: Article, now: datetime) -> Verdict | None:
    """Why nobody can comment on this article now, if that is so."""
    for rule in (article_is_closed, *closing_rules()):
        if (verdict := rule(article, now)) is not None:
            return verdict
    return None


def decide_publication(new: NewComment, now: datetime) -> Verdict:
    closed = why_closed(new.article, now)
    if closed is not None:
        return closed
    verdicts = [
        verdict
        for rule in (article_is_premoderated, *publish_rules())
        if (verdict := rule(new, now)) is not None
    ]
    for verdict in verdicts:
        if verdict.outcome == Outcome.REFUSE:
            return verdict
    for verdict in verdicts:
        if verdict.outcome == Outcome.HOLD:
            return verdict
    return Verdict(Outcome.PUBLISH, "published")

"""What happens to a new comment: the rules, in the order they are asked.

The first refusal wins; otherwise any rule asking for a hold holds the comment; otherwise
it is published at once, which is the policy: no pre-moderation unless an editor has put
the article on it.
"""

from datetime import datetime

from belowtheline.discussion.hooks import NewComment, Outcome, Verdict, publish_rules
from belowtheline.discussion.models import Article


def article_is_closed(new: NewComment, now: datetime) -> Verdict | None:
    if new.article.comment_mode == Article.CommentMode.CLOSED:
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


BUILT_IN_RULES = (article_is_closed, article_is_premoderated)


def decide_publication(new: NewComment, now: datetime) -> Verdict:
    verdicts = [
        verdict
        for rule in (*BUILT_IN_RULES, *publish_rules())
        if (verdict := rule(new, now)) is not None
    ]
    for verdict in verdicts:
        if verdict.outcome == Outcome.REFUSE:
            return verdict
    for verdict in verdicts:
        if verdict.outcome == Outcome.HOLD:
            return verdict
    return Verdict(Outcome.PUBLISH, "published")

"""Where other apps plug into the reader's side without discussion importing them.

`moderation` (next issue) and `triage` (later) register here from `AppConfig.ready()`:
rules that decide whether a new comment is published, held or refused, and callbacks run
when a report is filed. Each rule is a named function taking the comment and `now`, so that
the order in which they are asked is one readable list.

Events are the other direction: discussion and moderation `emit` what happened ("a comment
was created") inside the transaction that made it happen, and listeners (webhooks, in
`integrations`) record what they need in that same transaction. A listener must do no
network work here: anything slow belongs after commit, on the task queue.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from belowtheline.accounts.models import User
    from belowtheline.discussion.models import Article, Comment, Report
    from belowtheline.sites.models import Site


class Outcome(StrEnum):
    PUBLISH = "publish"
    HOLD = "hold"  # held for a moderator's approval before anyone else sees it
    REFUSE = "refuse"


@dataclass(frozen=True)
class NewComment:
    site: "Site"
    article: "Article"
    author: "User"
    parent: "Comment | None"
    text: str


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reason: str  # a stable code, e.g. "article_closed"
    message: str = ""


PublishRule = Callable[[NewComment, datetime], Verdict | None]
# A closing rule closes a whole thread for everyone (auto-close after N days, no cover):
# the thread page shows its message in place of the comment box.
ClosingRule = Callable[["Article", datetime], Verdict | None]
# A standing rule says that a signed-in person may not comment on the site at all, on any
# article (a ban, a suspension): asked for their comment box, so that they see why before
# they type, and by the publish rules that refuse their post.
StandingRule = Callable[["Site", "User", datetime], Verdict | None]
ReportFiledHook = Callable[["Report", datetime], None]

# What publishers may subscribe to; the payload is the domain object the event is about
# (a Comment for comment.*, a Report for report.created), so that shaping it for the outside
# world stays with the listener.
EVENTS = ("comment.created", "comment.amended", "comment.removed", "report.created",
          "comment.held")
# Emitted like the others but not offered to publishers (no webhook subscribes to it):
# an author's own correction within the edit window, which triage scores again.
INTERNAL_EVENTS = ("comment.edited",)


class EventListener(Protocol):
    def __call__(
        self, *, site: "Site", event: str, payload: "Comment | Report", now: datetime
    ) -> None: ...

_publish_rules: list[PublishRule] = []
_closing_rules: list[ClosingRule] = []
_standing_rules: list[StandingRule] = []
_report_filed_hooks: list[ReportFiledHook] = []
_event_listeners: list[EventListener] = []


def register_closing_rule(rule: ClosingRule) -> ClosingRule:
    if rule not in _closing_rules:
        _closing_rules.append(rule)
    return rule


def closing_rules() -> tuple[ClosingRule, ...]:
    return tuple(_closing_rules)


def register_standing_rule(rule: StandingRule) -> StandingRule:
    if rule not in _standing_rules:
        _standing_rules.append(rule)
    return rule


def standing_rules() -> tuple[StandingRule, ...]:
    return tuple(_standing_rules)


def register_publish_rule(rule: PublishRule) -> PublishRule:
    if rule not in _publish_rules:
        _publish_rules.append(rule)
    return rule


def register_on_report_filed(hook: ReportFiledHook) -> ReportFiledHook:
    if hook not in _report_filed_hooks:
        _report_filed_hooks.append(hook)
    return hook


def publish_rules() -> tuple[PublishRule, ...]:
    return tuple(_publish_rules)


def report_filed_hooks() -> tuple[ReportFiledHook, ...]:
    return tuple(_report_filed_hooks)


def register_event_listener(listener: EventListener) -> EventListener:
    if listener not in _event_listeners:
        _event_listeners.append(listener)
    return listener


def emit(*, site: "Site", event: str, payload: "Comment | Report", now: datetime) -> None:
    """Tell every listener what just happened, inside the caller's transaction.

    Being inside it is the point: what a listener records commits or rolls back with the
    change itself, so a webhook is never sent for a comment that was not saved, and never
    lost for one that was.
    """
    if event not in EVENTS and event not in INTERNAL_EVENTS:
        raise ValueError(f"Unknown event {event!r}; add it to hooks.EVENTS first.")
    for listener in _event_listeners:
        listener(site=site, event=event, payload=payload, now=now)

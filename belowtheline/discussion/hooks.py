"""Where other apps plug into the reader's side without discussion importing them.

`moderation` (next issue) and `triage` (later) register here from `AppConfig.ready()`:
rules that decide whether a new comment is published, held or refused, and callbacks run
when a report is filed. Each rule is a named function taking the comment and `now`, so that
the order in which they are asked is one readable list.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

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
ReportFiledHook = Callable[["Report", datetime], None]

_publish_rules: list[PublishRule] = []
_closing_rules: list[ClosingRule] = []
_report_filed_hooks: list[ReportFiledHook] = []


def register_closing_rule(rule: ClosingRule) -> ClosingRule:
    if rule not in _closing_rules:
        _closing_rules.append(rule)
    return rule


def closing_rules() -> tuple[ClosingRule, ...]:
    return tuple(_closing_rules)


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

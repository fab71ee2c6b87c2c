"""The shapes the API reads and writes.

Schemas check shape only (a string where a string belongs, an id that can exist); the
services decide what is allowed, so that a rule is never written twice. That is why
`text` is not refused here for its length and `reason` is a plain string: the service's
refusal, with its own code (`text_too_long`, `reason_invalid`), is the answer clients see.
The limits are still declared in the OpenAPI description (`_typed`), so that a client can
check before sending; the services count them after trimming and Unicode normalisation.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field

from belowtheline.discussion.models import Report
from belowtheline.discussion.services import (
    DISAGREE,
    MAX_COMMENT_LENGTH,
    MAX_REPORT_NOTE_LENGTH,
)

# The largest primary key either database can hold (belowtheline/ids.py): a bigger number
# cannot name a row, and SQLite refuses to even compare with it.
from belowtheline.ids import MAX_ID
from belowtheline.moderation.services import MAX_REASON_LENGTH


def _whole_number(value: Any) -> Any:
    """JSON has one kind of number: 5.0 is the integer 5 (JSON Schema agrees), and what a
    client's serialiser writes for it is not ours to refuse. 5.5, "5" and true still are."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# An integer in a body, as JSON and the description mean it. (The validator goes after any
# constraints, so that they are still described as `minimum`/`maximum`.)
WHOLE_NUMBER = BeforeValidator(_whole_number)
JsonInt = Annotated[int, WHOLE_NUMBER]
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID), WHOLE_NUMBER]
REPORT_REASONS = [*Report.Reason.values, DISAGREE]


def _typed(description: str, max_length: int, *, required: bool = True) -> dict[str, Any]:
    """A typed-text field's description and its declared limits (see the module's note)."""
    return {
        "description": description,
        "json_schema_extra": {"maxLength": max_length, **({"minLength": 1} if required else {})},
    }


class FieldErrorOut(Schema):
    field: str | None
    code: str = Field(description="The validator's code, e.g. `missing`, `string_type`.")
    message: str


class ErrorOut(Schema):
    """Every refusal: a stable `code` for programs, a `message` that can be shown to people."""

    code: str = Field(examples=["subscription_required"])
    message: str
    field: str | None = Field(
        None, description="The input field at fault, when one is (e.g. `text`, `reason`)."
    )
    errors: list[FieldErrorOut] | None = Field(
        None, description="With `invalid_input` only: every problem found in the request."
    )


class StrictIn(Schema):
    # JSON has types: "5" is not an id and true is not a number.
    model_config = ConfigDict(strict=True)


class CommentIn(StrictIn):
    text: str = Field(**_typed("Plain text, up to 5,000 characters after trimming.",
                               MAX_COMMENT_LENGTH))
    parent_id: ObjectId | None = Field(None, description="The comment this one replies to.")


class CommentEditIn(StrictIn):
    text: str = Field(**_typed("The corrected text, up to 5,000 characters. Editing is open "
                               "10 minutes.", MAX_COMMENT_LENGTH))


class ReportIn(StrictIn):
    reason: str = Field(
        description='Why the comment breaks the rules. "disagree" is answered, not queued.',
        json_schema_extra={"enum": REPORT_REASONS},
    )
    note: str | None = Field(None, **_typed("Optional, up to 500 characters.",
                                            MAX_REPORT_NOTE_LENGTH, required=False))


class RulesAcceptanceIn(StrictIn):
    rules_version_id: ObjectId | None = Field(
        None,
        description="The version the reader was shown; refused if the rules changed since.",
    )


class RefusalOut(Schema):
    code: str = Field(description="A stable code: `author_banned`, `author_suspended`.")
    message: str


class StandingOut(Schema):
    signed_in: bool
    subscriber: bool
    can_comment: bool
    must_accept_rules: bool
    rules_version_id: int | None = Field(description="The current rules version, if published.")
    refusal: RefusalOut | None = Field(
        None, description="Why this subscriber may not comment on the site at all (a ban or "
        "a suspension by its moderators), if so: the refusal a post would get."
    )


class AuthorOut(Schema):
    name: str | None = Field(description="Withheld while the comment's text is not shown.")


class CommentViewerOut(Schema):
    own: bool
    recommended: bool
    reported: bool
    can_edit: bool


class RuleCitedOut(Schema):
    number: int
    title: str
    url: str = Field(description="The rule on the public rules page of its version.")


class CommentOut(Schema):
    id: int
    article_id: int
    parent_id: int | None
    state: Literal[
        "published", "awaiting_approval", "under_review", "being_reviewed", "removed", "deleted"
    ] = Field(
        description="awaiting_approval: your own comment on a pre-moderated article or while "
        "you are on pre-moderation (nobody else sees it); under_review: your own comment, "
        "held; being_reviewed: someone else's."
    )
    amended: bool = Field(description="A moderator amended the text: say so beside it.")
    rule_broken: "RuleCitedOut | None" = Field(
        description="On a removed comment: the rule the moderator cited, for the tombstone."
    )
    text: str | None = Field(
        description="Verbatim plain text (escape it before putting it in HTML); null when "
        "the comment is not shown: removed, deleted, or held for review."
    )
    author: AuthorOut
    created_at: datetime
    edited_at: datetime | None
    edited: bool
    recommendation_count: int
    in_reply_to: str | None = Field(description="The name answered, on a reply to a reply.")
    viewer: CommentViewerOut
    replies: list["CommentOut"] = Field(
        description="Replies to a top-level comment in a thread; empty elsewhere."
    )


class ArticleOut(Schema):
    id: int
    site: str
    title: str
    url: str
    comment_mode: str
    comment_count: int


class ThreadOut(Schema):
    article: ArticleOut
    sort: str
    page: int
    page_size: int
    has_more: bool
    next_page: str | None = Field(description="The API path of the next page, if any.")
    viewer: StandingOut
    comments: list[CommentOut]


class ThreadViewerOut(Schema):
    """The reader's part of a thread page, to lay over the shared `ThreadOut` (fetched
    without credentials, so that it can be cached and shared): apps that do so get the
    same document the thread endpoint answers a signed-in reader."""

    viewer: StandingOut
    recommended_ids: list[int] = Field(
        description="Comments of the thread the reader recommended: `viewer.recommended`."
    )
    reported_ids: list[int] = Field(
        description="Comments of the thread the reader reported: `viewer.reported`."
    )
    own_ids: list[int] = Field(
        description="The reader's comments on this page, whatever their state: `viewer.own`."
    )
    editable_ids: list[int] = Field(
        description="Of those, the ones still inside the edit window: `viewer.can_edit`."
    )
    comments: list[CommentOut] = Field(
        description="The reader's own comments on this page that others see as a placeholder "
        "(held: it replaces the shared one of the same id) or not at all (awaiting approval: "
        "a reply goes, in date order, among the replies of the top-level comment that is or "
        "holds its `parent_id`; a top-level one is listed with the first page), as the reader "
        "alone sees them."
    )


class DeletedOut(Schema):
    id: int
    state: str


class RecommendationOut(Schema):
    comment_id: int
    recommended: bool
    recommendation_count: int


class ReportOut(Schema):
    reported: bool = Field(description="False when the reader only disagreed: nothing queued.")
    message: str


class RuleOut(Schema):
    number: int
    title: str
    text: str
    anchor: str
    url: str


class RulesOut(Schema):
    id: int
    version: int
    preamble: str
    published_at: datetime
    last_updated: date = Field(description="The publication date in the site's time zone.")
    url: str = Field(description="The public rules page.")
    rules: list[RuleOut]


class RulesAcceptanceOut(Schema):
    rules_version_id: int
    accepted_at: datetime


# --- moderation ---------------------------------------------------------------------------
# What moderators send and see. As above, shape only: whether a rule number exists, a
# sanction kind is known or a suspension's length is sensible is the services' to say, with
# their own codes (`rule_invalid`, `sanction_invalid`, `days_invalid`).

SeenDecision = Annotated[
    int,
    Field(
        ge=0,
        le=MAX_ID,
        description="The `last_decision_id` the moderator was shown. If someone has acted on "
        "the comment since, the answer is `already_decided` and nothing is changed.",
    ),
    WHOLE_NUMBER,
]
RULE_NUMBER = "The number of the rule broken, from the current rules (e.g. 2)."
# A moderator's note on an author (moderation.services.add_moderator_note).
MAX_NOTE_LENGTH = 2000


class DismissIn(StrictIn):
    reason: str | None = Field(None, **_typed("Optional, for the audit trail.", MAX_REASON_LENGTH,
                                              required=False))
    seen_decision: SeenDecision | None = None


class AmendIn(StrictIn):
    text: str = Field(**_typed("The comment's new text; the original stays in the trail.",
                               MAX_COMMENT_LENGTH))
    rule: JsonInt | None = Field(None, description=f"Required. {RULE_NUMBER}")
    reason: str | None = Field(None, **_typed("Required: shown to the author.", MAX_REASON_LENGTH,
                                              required=False))
    seen_decision: SeenDecision | None = None


class RemoveIn(StrictIn):
    rule: JsonInt | None = Field(None, description=f"Required. {RULE_NUMBER}")
    reason: str | None = Field(None, **_typed("Optional, shown to the author.", MAX_REASON_LENGTH,
                                              required=False))
    seen_decision: SeenDecision | None = None


class HoldIn(StrictIn):
    reason: str | None = Field(None, **_typed("Optional, for the audit trail.", MAX_REASON_LENGTH,
                                              required=False))
    seen_decision: SeenDecision | None = None


class ApproveIn(StrictIn):
    seen_decision: SeenDecision | None = None


class RejectIn(StrictIn):
    rule: JsonInt | None = Field(None, description=f"{RULE_NUMBER} Without one, a reason is "
                             "required.")
    reason: str | None = Field(None, **_typed("Shown to the author.", MAX_REASON_LENGTH,
                                              required=False))
    seen_decision: SeenDecision | None = None


class RemoveAllIn(StrictIn):
    rule: JsonInt | None = Field(None, description=f"Required. {RULE_NUMBER}")
    reason: str | None = Field(None, **_typed("Optional, shown to the author.", MAX_REASON_LENGTH,
                                              required=False))


class SanctionIn(StrictIn):
    kind: str = Field(json_schema_extra={"enum": ["premoderation", "suspension", "ban"]})
    days: JsonInt | None = Field(None, description="A suspension's length, 1 to 3650 days; "
                             "ignored for the other kinds.")
    reason: str | None = Field(None, **_typed("Required, for the audit trail.", MAX_REASON_LENGTH,
                                              required=False))


class LiftIn(StrictIn):
    reason: str | None = Field(None, **_typed("Optional, for the audit trail.", MAX_REASON_LENGTH,
                                              required=False))


class ModeratorNoteIn(StrictIn):
    text: str = Field(**_typed("Up to 2,000 characters. Never shown to readers.",
                               MAX_NOTE_LENGTH))


class CommentModeIn(StrictIn):
    mode: str = Field(json_schema_extra={"enum": ["open", "premoderated", "closed"]})


class RuleRefOut(Schema):
    number: int
    title: str


class ArticleRefOut(Schema):
    id: int
    title: str


class SanctionOut(Schema):
    id: int
    user_id: int
    kind: Literal["premoderation", "suspension", "ban"]
    reason: str
    created_at: datetime
    ends_at: datetime | None = Field(description="Null: until lifted.")
    lifted_at: datetime | None


class ModeratorNoteOut(Schema):
    id: int
    text: str
    author: str | None = Field(description="The moderator who wrote it.")
    created_at: datetime


class AuthorRecordOut(Schema):
    comments_posted: int = Field(description="On this site, whatever became of them.")
    reports_upheld: int = Field(description="Comments of theirs a moderator acted on.")
    sanctions: list[SanctionOut] = Field(description="The sanctions in force now.")
    notes: list[ModeratorNoteOut]


class QueueAuthorOut(Schema):
    id: int
    name: str
    username: str
    record: AuthorRecordOut


class ParentOut(Schema):
    id: int
    text: str
    state: str
    author: str


class QueueCommentOut(Schema):
    """A comment as moderators see it: the whole text, whatever its state."""

    id: int
    text: str
    state: Literal["published", "pending", "held", "removed", "deleted"]
    created_at: datetime
    amended: bool
    rule_broken: RuleRefOut | None
    article: ArticleRefOut
    author: QueueAuthorOut
    parent: ParentOut | None = Field(description="The comment it answers, for context.")


class TriageScoreOut(Schema):
    scorer: Literal["abuse", "insult", "offtopic", "spam", "legal", "words"]
    score: float = Field(description="0 to 1; higher is worse.")
    explanation: str = Field(description="Why, in a moderator's words (plain text).")
    version: str = Field(description="The scorer's name and version.")
    over_threshold: bool = Field(description="It reached the site's flag threshold.")


class TriageFlagOut(Schema):
    held: bool = Field(description="Held out of view by triage (part-time or no cover).")
    scorers: list[str] = Field(description="The scores that reached their flag thresholds.")
    score: float
    cover: Literal["full_time", "part_time", "none"]
    flagged_at: datetime


class QueueItemOut(Schema):
    comment: QueueCommentOut
    open_reports: int
    reasons: dict[str, int] = Field(description="Open reports by reason.")
    notes: list[str] = Field(description="What the first reporters wrote (three at most).")
    first_report_at: datetime | None = Field(description="The oldest open report.")
    legal_risk: bool
    score: float = Field(description="Priority among reported comments; legal risk first.")
    report_weight: float = Field(
        description="The open reports weighed by who filed them, in ordinary reports (a "
                    "subscriber's with no decided reports counts 1): what the holds compare.")
    report_weight_words: str = Field(
        description='The same in words: "3 reports (weight 0.2: 3 from new accounts)".')
    triage_scores: list[TriageScoreOut] = Field(
        description="Triage's scores of 0.3 or more, those over the flag threshold first.")
    triage_flag: TriageFlagOut | None = Field(
        description="Triage's open flag or hold on the comment, if any.")
    last_decision_id: int = Field(description="Send back as `seen_decision` with an action.")


class QueueOut(Schema):
    tab: Literal["reported", "flagged", "held", "recent"]
    count: int = Field(description="Rows on this page (at most 50).")
    next_after: str | None = Field(
        description="Send as `after` for the next page; null on the last page.")
    items: list[QueueItemOut]


class AuditEntryOut(Schema):
    id: int
    created_at: datetime
    actor: str = Field(description='The moderator\'s username, or "system".')
    action: str
    action_label: str
    comment_id: int | None
    article_id: int | None
    subject_id: int | None = Field(description="The author the action concerns.")
    rule: RuleRefOut | None
    reason: str
    text_before: str
    text_after: str
    cover: Literal["full_time", "part_time", "none"] = Field(
        description="The cover in force when it happened."
    )


class AuditTrailOut(Schema):
    entries: list[AuditEntryOut]


class UserAuditOut(Schema):
    user_id: int
    name: str
    record: AuthorRecordOut
    entries: list[AuditEntryOut]


class DecisionOut(Schema):
    """The comment after the action, and the audit entry that records it."""

    comment_id: int
    state: str
    text: str
    decision: AuditEntryOut = Field(
        description="Its `id` is the comment's new `last_decision_id`."
    )


class RemovedAllOut(Schema):
    removed: int = Field(description="Comments removed, one audit entry each.")


class CoverOut(Schema):
    kind: Literal["full_time", "part_time", "none"]
    label: str
    until: datetime | None = Field(description="When it next changes; null if never.")
    schedule: str = Field(description="The weekly schedule in words, as readers see it.")

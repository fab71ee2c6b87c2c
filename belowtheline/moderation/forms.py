"""The shapes of the dashboard's forms.

They check shape only (a number is a number, a choice is one of the choices). Whether the
moderator may act, whether a rule exists, whether a reason is needed and whether someone
else decided first are the services' to say, so that the dashboard and the JSON API can
never disagree about a rule.
"""

from dataclasses import dataclass

from django import forms

from belowtheline.discussion.models import Article, Report
from belowtheline.ids import MAX_ID
from belowtheline.moderation.errors import ModerationError
from belowtheline.moderation.models import Sanction

MAX_SEARCH_LENGTH = 200


@dataclass(frozen=True)
class QueueQuery:
    """Which tab of the queue, and which comments in it."""

    tab: str = "reported"
    article_id: int | None = None
    reason: str | None = None
    search: str = ""
    after: str | None = None  # where the page starts: the cursor the previous page gave


class QueueQueryForm(forms.Form):
    """The dashboard's address. Bad values are ignored rather than refused, so that an old
    bookmark or a hand-edited address still opens the queue."""

    TABS = ("reported", "flagged", "held", "recent", "decided")

    tab = forms.ChoiceField(choices=[(t, t) for t in TABS], required=False)
    article = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    reason = forms.ChoiceField(choices=Report.Reason.choices, required=False)
    q = forms.CharField(max_length=MAX_SEARCH_LENGTH, required=False)
    after = forms.CharField(required=False, strip=False)  # checked by the selector

    def query(self) -> QueueQuery:
        """The valid values, each invalid one dropped on its own."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return QueueQuery(
            tab=data.get("tab") or "reported",
            article_id=data.get("article"),
            reason=data.get("reason") or None,
            search=(data.get("q") or "").strip(),
            after=data.get("after") or None,
        )


class DecisionForm(forms.Form):
    """Every action on a comment. `seen_decision` is the last audit entry the moderator
    saw on it: if someone has acted since, the service refuses with 409."""

    seen_decision = forms.IntegerField(min_value=0, required=False)
    rule = forms.CharField(required=False)
    reason = forms.CharField(required=False, strip=False)
    text = forms.CharField(required=False, strip=False)


class BulkForm(forms.Form):
    """Several comments at once: each checkbox is "<comment id>:<seen decision>"."""

    action = forms.ChoiceField(
        choices=[("dismiss", "Dismiss reports"), ("remove", "Remove")],
        error_messages={"required": "Choose what to do with the selected comments.",
                        "invalid_choice": "Choose what to do with the selected comments."},
    )
    rule = forms.CharField(required=False)
    reason = forms.CharField(required=False, strip=False)

    @staticmethod
    def selected(values: list[str]) -> list[tuple[int, int | None]]:
        """(comment id, seen decision) pairs from the checkboxes; malformed ones refused."""
        picked: list[tuple[int, int | None]] = []
        for value in values:
            comment, _, seen = value.partition(":")
            if not comment.isdigit() or (seen and not seen.isdigit()):
                raise ModerationError("selection_invalid", "That selection is not valid.",
                                      field="comment")
            picked.append((int(comment), int(seen) if seen else None))
        if not picked:
            raise ModerationError("nothing_selected", "Select at least one comment first.",
                                  field="comment")
        return picked


class SanctionForm(forms.Form):
    kind = forms.ChoiceField(
        choices=Sanction.Kind.choices,
        error_messages={"required": "Choose pre-moderation, suspension or ban.",
                        "invalid_choice": "Choose pre-moderation, suspension or ban."},
    )
    days = forms.IntegerField(required=False, error_messages={
        "invalid": "A suspension lasts a whole number of days."})
    reason = forms.CharField(required=False, strip=False)


class LiftForm(forms.Form):
    reason = forms.CharField(required=False, strip=False)


class NoteForm(forms.Form):
    text = forms.CharField(required=False, strip=False)


class RemoveAllForm(forms.Form):
    """A spam wave. The box to tick is the page's "are you sure", because this one click
    can take down hundreds of comments."""

    rule = forms.CharField(required=False)
    reason = forms.CharField(required=False, strip=False)
    confirm = forms.BooleanField(
        error_messages={"required": "Tick the box to confirm that every comment by this "
                                    "author should be removed."},
    )


class CommentModeForm(forms.Form):
    mode = forms.ChoiceField(
        choices=Article.CommentMode.choices,
        error_messages={"required": "Choose open, pre-moderated or closed.",
                        "invalid_choice": "Choose open, pre-moderated or closed."},
    )


def cleaned(form: forms.Form) -> dict:
    """The form's data, or its first problem as a `ModerationError` like any other refusal."""
    if form.is_valid():
        return form.cleaned_data
    field, errors = next(iter(form.errors.items()))
    raise ModerationError("form_invalid", str(errors[0]),
                          field=None if field == "__all__" else field)

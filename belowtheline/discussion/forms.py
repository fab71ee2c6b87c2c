"""The shapes of the reader's forms.

They check shape only (a number is a number, a choice is one of the choices): whether the
person may do the thing, and whether the text is acceptable, is for the services to say,
so that the API and these pages can never disagree about a rule.
"""

from django import forms

from belowtheline.discussion.errors import DiscussionError


class CommentForm(forms.Form):
    # strip=False: the service normalises text, the same way for every caller.
    text = forms.CharField(required=False, strip=False)
    parent_id = forms.IntegerField(
        required=False, min_value=1, error_messages={"invalid": "That reply is not valid."}
    )


class EditCommentForm(forms.Form):
    text = forms.CharField(required=False, strip=False)


class RecommendForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("add", "Recommend"), ("remove", "Withdraw")],
        error_messages={
            "required": "Say whether to recommend or withdraw.",
            "invalid_choice": "Say whether to recommend or withdraw.",
        },
    )


class ReportForm(forms.Form):
    # The reason's valid values (the report reasons and "disagree") are the service's to check.
    reason = forms.CharField(required=False)
    note = forms.CharField(required=False, strip=False)


class AcceptRulesForm(forms.Form):
    rules_version_id = forms.IntegerField(
        min_value=1,
        error_messages={
            "required": "Which version of the rules are you accepting?",
            "invalid": "Which version of the rules are you accepting?",
        },
    )


def cleaned(form: forms.Form) -> dict:
    """The form's data, or its first problem as a `DiscussionError` like any other refusal."""
    if form.is_valid():
        return form.cleaned_data
    field, errors = next(iter(form.errors.items()))
    raise DiscussionError(
        "form_invalid", str(errors[0]), field=None if field == "__all__" else field
    )

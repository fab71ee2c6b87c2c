"""The sign-up form: shape only. Whether the name is free and the password strong enough
is `accounts.services.sign_up`'s to decide."""

from django import forms

from belowtheline.accounts.models import User
from belowtheline.text import clean_name, problem


class SignupForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        validators=[User.username_validator],
        help_text="Private: you sign in with it. Letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    display_name = forms.CharField(
        max_length=60,
        required=False,
        help_text="Shown with your comments. Leave it blank to use your username.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    email = forms.EmailField(
        help_text="We tell you here what moderators decide about your reports.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_display_name(self) -> str:
        typed = self.cleaned_data.get("display_name", "")
        refused = problem(typed)
        if refused is not None:
            raise forms.ValidationError(refused[1])
        return clean_name(typed, 60)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords do not match.")
        return data


class ProfileForm(forms.Form):
    """A standalone reader's name and address: shape only (`services.change_profile`)."""

    display_name = forms.CharField(
        max_length=60, required=False,
        help_text="Shown with your comments. Leave it blank to use your username.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    email = forms.EmailField(
        help_text="A new address must be confirmed again before you comment or report.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(
        label="Type DELETE to confirm", max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    password = forms.CharField(
        label="Your password", required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ReaderDeletionForm(forms.Form):
    """A site admin deleting a reader's account at their request."""

    confirm = forms.CharField(label="Type DELETE to confirm", max_length=20)
    note = forms.CharField(
        label="How the reader asked", max_length=1000, required=False,
        help_text="Kept in the data-rights record, e.g. \"Email of 3 March, ticket 1234\".",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

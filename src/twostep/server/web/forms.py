"""The forms of the pages: bounded lengths, labels, and the right autocomplete hints."""

from __future__ import annotations

from typing import Any

from django import forms

from ..errors import InvalidUserDataError


def add_service_errors(form: forms.Form, exc: InvalidUserDataError) -> None:
    """Every field's problem that a service found, each on its field (else on the form)."""
    for field, message in exc.errors.items():
        if field not in form.errors or message not in form.errors[field]:
            form.add_error(field if field in form.fields else None, message)


class Form(forms.Form):
    """Labels without Django's trailing colon (screen readers read it out)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _attrs(**extra: Any) -> dict[str, Any]:
    return {"autocapitalize": "none", "spellcheck": "false", **extra}


class SignInForm(Form):
    identifier = forms.CharField(
        label="Username or email",
        max_length=254,
        widget=forms.TextInput(attrs=_attrs(autocomplete="username", autofocus=True)),
    )
    password = forms.CharField(
        label="Password",
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(Form):
    code = forms.CharField(
        label="6-digit code",
        max_length=64,
        help_text="The code changes every 30 seconds; each one works once.",
        widget=forms.TextInput(
            attrs=_attrs(autocomplete="one-time-code", inputmode="numeric", autofocus=True, size=10)
        ),
    )


class RecoveryForm(Form):
    code = forms.CharField(
        label="Recovery code",
        max_length=64,
        help_text="One of the codes you saved when you set up two-step verification, "
        "like abcd-efgh-jkmn-pqrs. Each code works once.",
        widget=forms.TextInput(attrs=_attrs(autocomplete="off", autofocus=True, size=24)),
    )


class StepUpForm(Form):
    """A fresh code, asked only when none was entered in the last 10 minutes."""

    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=64,
        required=False,
        widget=forms.TextInput(
            attrs=_attrs(autocomplete="one-time-code", inputmode="numeric", size=10)
        ),
    )


class PasswordConfirmForm(Form):
    password = forms.CharField(
        label="Your password",
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )


class NewPasswordForm(Form):
    password = forms.CharField(
        label="New password",
        max_length=1024,
        strip=False,
        help_text="At least 10 characters; not a common password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
    )
    password2 = forms.CharField(
        label="New password again",
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", "The two passwords are not the same.")
        return data


class OwnerForm(Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="Letters, digits and . + - _",
        widget=forms.TextInput(attrs=_attrs(autocomplete="username", autofocus=True)),
    )
    display_name = forms.CharField(
        label="Your name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.CharField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs=_attrs(autocomplete="email")),
    )
    password = forms.CharField(
        label="Password",
        max_length=1024,
        strip=False,
        help_text="At least 10 characters; not a common password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password again",
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", "The two passwords are not the same.")
        return data


class RememberCodeForm(CodeForm):
    """The code, and "Remember this browser" when the organisation allows it."""

    remember = forms.BooleanField(required=False, label="Remember this browser")

    def __init__(self, *args: Any, days: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "remember"
        ].label = f"Remember this browser for {days} day{'s' if days != 1 else ''}"
        self.fields[
            "remember"
        ].help_text = "Skip the code on this browser until then. Not on a shared computer."


class ForgotForm(Form):
    identifier = forms.CharField(
        label="Email or username",
        max_length=254,
        widget=forms.TextInput(attrs=_attrs(autocomplete="email", autofocus=True)),
    )

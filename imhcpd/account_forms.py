"""allauth's account and two-factor forms with the site's wording: sentence case, UK English,
the labels GOV.UK uses ("Email address", "Confirm password"). Named in ACCOUNT_FORMS and
MFA_FORMS (settings). The extra sign-up field (full name) is imhcpd.forms.SignupForm, which
allauth mixes into its own sign-up form; this module imports allauth's forms, which import
that one, so the two cannot share a module.
"""

from __future__ import annotations

from typing import Any, ClassVar

from allauth.account import forms as account
from allauth.core import context
from allauth.mfa.base import forms as mfa_base
from allauth.mfa.totp import forms as totp
from django import forms

from imhcpd import adapters
from imhcpd.invitations import invitee_for

# Help text, not a password.
NEW_PASSWORD_HELP = (
    "Use at least 10 characters. Avoid common passwords, ones that are all numbers and "  # noqa: S105
    "ones that look like your name or email address."
)
CODE_HINT = "The 6-digit code your authenticator app shows now, or one of your recovery codes."


class Worded:
    """Relabel allauth's fields after it has built them: {field: (label, help text or None)},
    with a message saying what to do when one is left empty (`empty`: {field: message}) rather
    than "This field is required." Placeholders go: a label that vanishes as you type is no
    label (GOV.UK)."""

    words: ClassVar[dict[str, tuple[str, str | None]]] = {}
    empty: ClassVar[dict[str, str]] = {}
    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (label, hint) in self.words.items():
            field = self.fields.get(name)
            if field is None:
                continue
            field.label = label
            if hint is not None:
                field.help_text = hint
            field.widget.attrs.pop("placeholder", None)
            if name in self.empty:
                field.error_messages = {**field.error_messages, "required": self.empty[name]}


class LoginForm(Worded, account.LoginForm):
    # The "Forgotten your password?" link sits under the form (templates/account/login.html).
    words: ClassVar = {
        "login": ("Email address", ""),
        "password": ("Password", ""),
        "remember": ("Keep me signed in on this device", ""),
    }
    empty: ClassVar = {"login": "Enter your email address", "password": "Enter your password"}


class SignupForm(Worded, account.SignupForm):
    words: ClassVar = {
        "email": ("Email address", "We will send you a link to confirm it."),
        "password1": ("Create a password", NEW_PASSWORD_HELP),
        "password2": ("Confirm password", ""),
    }
    empty: ClassVar = {
        "email": "Enter your email address",
        "password1": "Create a password",
        "password2": "Type your password again to confirm it",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # Opened from a supervision invitation: the name and address it was sent to.
            invitee = invitee_for(context.request)
            if invitee:
                self.initial.setdefault("email", invitee.email)
                self.initial.setdefault("full_name", invitee.name)


class ResetPasswordForm(Worded, account.ResetPasswordForm):
    words: ClassVar = {"email": ("Email address", "")}
    empty: ClassVar = {"email": "Enter your email address"}


class ResetPasswordFromKeyForm(Worded, account.ResetPasswordKeyForm):
    words: ClassVar = {
        "password1": ("New password", NEW_PASSWORD_HELP),
        "password2": ("Confirm new password", ""),
    }
    empty: ClassVar = {
        "password1": "Enter a new password",
        "password2": "Type your new password again to confirm it",
    }


class ChangePasswordForm(Worded, account.ChangePasswordForm):
    words: ClassVar = {
        "oldpassword": ("Current password", ""),
        "password1": ("New password", NEW_PASSWORD_HELP),
        "password2": ("Confirm new password", ""),
    }
    empty: ClassVar = {
        "oldpassword": "Enter your current password",
        "password1": "Enter a new password",
        "password2": "Type your new password again to confirm it",
    }


class SetPasswordForm(Worded, account.SetPasswordForm):
    words: ClassVar = {
        "password1": ("Password", NEW_PASSWORD_HELP),
        "password2": ("Confirm password", ""),
    }


class AddEmailForm(Worded, account.AddEmailForm):
    words: ClassVar = {"email": ("Email address", "We will send a link to confirm it.")}


class ReauthenticateForm(Worded, account.ReauthenticateForm):
    words: ClassVar = {"password": ("Password", "")}
    empty: ClassVar = {"password": "Enter your password"}


class MFAAuthenticateForm(Worded, mfa_base.AuthenticateForm):
    words: ClassVar = {"code": ("Code", CODE_HINT)}
    empty: ClassVar = {"code": "Enter the code from your authenticator app"}


class MFAReauthenticateForm(Worded, adapters.MFAReauthenticateForm):
    words: ClassVar = {"code": ("Code", CODE_HINT)}
    empty: ClassVar = {"code": "Enter the code from your authenticator app"}


class MFAActivateTotpForm(Worded, totp.ActivateTOTPForm):
    words: ClassVar = {
        "code": ("Authenticator code", "The 6-digit code your app shows for IMH CPD.")
    }
    empty: ClassVar = {"code": "Enter the 6-digit code from your authenticator app"}

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.internal.flows.login import record_authentication
from allauth.core import context
from allauth.core.internal import ratelimit  # the usage it returns can be rolled back
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.base.forms import ReauthenticateForm
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from imhcpd.links import absolute_url
from imhcpd.mail import site_context

# The page that sent someone to set up two-factor authentication (imhcpd.middleware), and,
# once the app is set up, where the last step ("I have saved these") continues to
# (imhcpd.account_views): "" for their home.
MFA_RESUME_SESSION_KEY = "imhcpd_resume_after_mfa_setup"
MFA_SETUP_SESSION_KEY = "imhcpd_mfa_setting_up"

# Links allauth puts in its emails' context, built on whatever host the request came in on.
EMAILED_LINKS = ("activate_url", "password_reset_url", "signup_url")


def on_site(url: str) -> str:
    """The same page on the configured SITE_URL: an emailed link must not depend on the host
    the request happened to use (127.0.0.1:8000, an internal name behind the proxy)."""
    parts = urlsplit(url)
    return absolute_url(parts.path + (f"?{parts.query}" if parts.query else ""))


def client_ip(request: HttpRequest) -> str:
    """The client's address as the rate limits see it (TRUSTED_PROXY_COUNT and
    TRUSTED_CLIENT_IP_HEADER in settings): use this for any per-IP quota."""
    return get_adapter(request).get_client_ip(request)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # An organisation running a closed pilot can switch public sign-up off.
        return settings.ACCOUNT_ALLOW_SIGNUP

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # Someone who opened an invitation link signed out, then signed up and verified their
        # email, lost allauth's `next` on the way; bring them back to the invitation.
        resume = request.session.pop("imhcpd_resume_after_login", None)
        if resume and url_has_allowed_host_and_scheme(
            resume, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return resume
        return super().get_login_redirect_url(request)

    def get_reauthentication_methods(self, user: Any) -> list[dict[str, Any]]:
        # The site's words for "Other ways to confirm" on the confirm-it-is-you page.
        words = {
            "reauthenticate_by_code": "Email me a code instead",
            "mfa_reauthenticate": "Use a code from your authenticator app",
        }
        methods = super().get_reauthentication_methods(user)
        return [{**m, "description": words.get(m["id"], m["description"])} for m in methods]

    # --- Throttling: allauth's re-authentication goes through authenticate(), which charges
    # the login_failed budget (per address and per email). Someone already signed in is
    # charged per user instead.

    def reauthenticate(self, user: AbstractBaseUser, password: str) -> bool:
        self._reauthenticating = user
        try:
            return super().reauthenticate(user, password)
        finally:
            self._reauthenticating = None

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        user = getattr(self, "_reauthenticating", None)
        if user is None:
            return super().pre_authenticate(request, **credentials)
        usage = ratelimit.consume(
            request, app="allauth.account", action="reauthenticate_failed", user=user
        )
        if not usage:
            raise self.validation_error("too_many_login_attempts")
        # authenticate() rolls this back when the password was right, as for a login.
        self._login_failed_rl_usage = usage

    # --- Email: the site's layout (templates/account/email/ extend email/base.*), its name
    # and its absolute URL, as in every other email the site sends (imhcpd.mail).

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        context = {**site_context(), **context}
        for key in EMAILED_LINKS:
            if isinstance(context.get(key), str):
                context[key] = on_site(context[key])
        super().send_mail(template_prefix, email, context)

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation: Any) -> str:
        return on_site(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key: str) -> str:
        return on_site(super().get_reset_password_from_key_url(key))


class MFAReauthenticateForm(ReauthenticateForm):
    """allauth's code form for re-authentication, charged per user (as the password form
    above) instead of the login_failed budget its base class shares with every sign-in from
    the address."""

    def clean_code(self) -> str:
        usage = ratelimit.consume(
            context.request, app="allauth.account", action="reauthenticate_failed", user=self.user
        )
        if not usage:
            raise get_adapter().validation_error("too_many_login_attempts")
        code = self.cleaned_data["code"]
        # As allauth's base form: any authenticator that takes typed codes, TOTP reported.
        authenticators = list(
            Authenticator.objects.filter(user=self.user).exclude(type=Authenticator.Type.WEBAUTHN)
        )
        for authenticator in authenticators:
            if authenticator.wrap().validate_code(code):
                authenticator.user = self.user
                self.authenticator = authenticator
                usage.rollback()
                return code
        totp = [a for a in authenticators if a.type == Authenticator.Type.TOTP]
        if totp or authenticators:
            self._emit_authentication_failed((totp or authenticators)[0])
        raise get_mfa_adapter().validation_error("incorrect_code")


def record_mfa_on_set_up(
    request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any
) -> None:
    """Setting up TOTP means typing a valid code from the new authenticator: that proves the
    second factor for this session, so the page that asked for it opens straight after."""
    authenticator = kwargs["authenticator"]
    if request is None or authenticator.type != Authenticator.Type.TOTP:
        return
    if getattr(request, "user", None) is None or request.user.pk != user.pk:
        return
    record_authentication(
        request, user, "mfa", id=authenticator.pk, type=authenticator.type, set_up=True
    )
    # The recovery codes come next, as the last step of one guided set-up.
    request.session[MFA_SETUP_SESSION_KEY] = request.session.pop(MFA_RESUME_SESSION_KEY, "")

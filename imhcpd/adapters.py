from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from imhcpd.links import absolute_url
from imhcpd.mail import site_context

# Links allauth puts in its emails' context, built on whatever host the request came in on.
EMAILED_LINKS = ("activate_url", "password_reset_url", "signup_url")


def on_site(url: str) -> str:
    """The same page on the configured SITE_URL: an emailed link must not depend on the host
    the request happened to use (127.0.0.1:8000, an internal name behind the proxy)."""
    parts = urlsplit(url)
    return absolute_url(parts.path + (f"?{parts.query}" if parts.query else ""))


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

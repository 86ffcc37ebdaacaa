from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


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

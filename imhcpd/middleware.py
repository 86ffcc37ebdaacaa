"""Send staff and register administrators to set up two-factor authentication.

allauth makes MFA available to everyone; this makes it compulsory for the people
who can see other users' data, before they reach any administrative page.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from imhcpd.roles import requires_mfa


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_set_up_mfa(request):
            messages.warning(
                request,
                "Your role gives access to other people's records, so two-factor "
                "authentication is required. Set it up to continue.",
            )
            # allauth shows the recovery codes after set-up and ignores `next`, so none is sent.
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def _must_set_up_mfa(request: HttpRequest) -> bool:
        if not any(request.path.startswith(p) for p in settings.MFA_REQUIRED_PATH_PREFIXES):
            return False
        user = request.user
        return requires_mfa(user) and not is_mfa_enabled(user)

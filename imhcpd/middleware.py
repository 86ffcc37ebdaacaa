"""Pages that show other people's records need a second factor in THIS session.

allauth makes MFA available to everyone; this makes it compulsory for the people who can see
other users' data (staff, register administrators, and supervisors when the operator sets
SUPERVISOR_MFA_REQUIRED), before they reach those pages. Having MFA enabled is not enough:
a session that signed in with a password only is sent to enter a code first, and someone
with no authenticator yet is sent to set one up.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from imhcpd.adapters import MFA_RESUME_SESSION_KEY
from imhcpd.navigation import navigation_for
from imhcpd.roles import has_role, session_used_mfa

WHY_ADMIN = "Your role gives access to other people's records"
WHY_SUPERVISOR = "As a supervisor you read practitioners' reflective accounts about families"


def second_factor_redirect(request: HttpRequest, *, why: str = WHY_ADMIN) -> HttpResponse:
    """Send a session without a second factor to enter one (or to set one up), then back."""
    if is_mfa_enabled(request.user):
        messages.warning(
            request,
            f"{why}, so two-factor authentication is required. Enter a code from your "
            "authenticator app to continue.",
        )
        query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('mfa_reauthenticate')}?{query}")
    messages.warning(
        request,
        f"{why}, so two-factor authentication is required. Set it up to continue.",
    )
    # allauth ignores `next` here: the session keeps the way back (imhcpd.account_views).
    request.session[MFA_RESUME_SESSION_KEY] = request.get_full_path()
    return HttpResponseRedirect(reverse("mfa_activate_totp"))


def _under(path: str, prefixes: list[str]) -> bool:
    return any(path.startswith(prefix) for prefix in prefixes)


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        why = self._why_mfa_is_required(request)
        if why and not session_used_mfa(request):
            return second_factor_redirect(request, why=why)
        return self.get_response(request)

    @staticmethod
    def _why_mfa_is_required(request: HttpRequest) -> str | None:
        path, user = request.path, request.user
        for prefix, role in settings.MFA_REQUIRED_PATHS.items():
            # Only someone the page would let in is asked: anyone else gets its 403.
            if path.startswith(prefix) and has_role(user, role):
                return WHY_ADMIN
        if (
            settings.SUPERVISOR_MFA_REQUIRED
            and user.is_authenticated
            and _under(path, settings.SUPERVISOR_MFA_PATH_PREFIXES)
            and not _under(path, settings.SUPERVISOR_MFA_EXEMPT_PREFIXES)
            # One query, only on supervision pages and only when the operator asked for it.
            and navigation_for(user).supervisor
        ):
            return WHY_SUPERVISOR
        return None

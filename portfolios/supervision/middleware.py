"""Seen is read: opening the page a notification points at marks it read, wherever that page
lives (an evidence item, an application, an export), so no app has to remember to do it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from portfolios.supervision.notifications import notifications_mark_read

# The apps whose pages notifications point at. Others (the framework, accounts) are never
# a notification's target, and spare their pages the look-up.
NOTIFIED_APPS = frozenset({"portfolios", "supervision", "exports", "register"})


class NotificationSeenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        # Before the view renders, so the page's own unread count already leaves these out.
        # A GET of a whole page only: an htmx fragment is not the page being looked at.
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        if (
            request.method == "GET"
            and match is not None
            and match.app_name in NOTIFIED_APPS
            and user is not None
            and user.is_authenticated
            and not request.headers.get("HX-Request")
        ):
            notifications_mark_read(user=user, path=request.path)

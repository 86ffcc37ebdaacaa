"""`Vary: HX-Request` on every response whose content depended on that header.

A view that answers an htmx request with a fragment and a plain one with the whole page
(`if request.htmx`) serves two bodies at one URL. Without `Vary`, the browser's cache (or
any cache between) may hand the fragment to a plain visit (Back, a reload, a new tab),
and the page shows as a bare piece of markup. Rather than rely on each view remembering a
decorator, this notes whether anything read `request.htmx` while the response was made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers


class _Watched:
    """Stands in for django-htmx's HtmxDetails and remembers being asked anything."""

    def __init__(self, details: Any) -> None:
        self._details = details
        self.consulted = False

    def __bool__(self) -> bool:
        self.consulted = True
        return bool(self._details)

    def __getattr__(self, name: str) -> Any:
        self.consulted = True
        return getattr(self._details, name)


class VaryOnHtmxMiddleware:
    """Goes after django_htmx's HtmxMiddleware, which sets request.htmx."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        watched = _Watched(request.htmx)  # type: ignore[attr-defined]
        request.htmx = watched  # type: ignore[attr-defined]
        response = self.get_response(request)
        if watched.consulted:
            patch_vary_headers(response, ("HX-Request",))
        return response

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from imhcpd.navigation import MAX_PRIMARY, navigation_for


def _current(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if not match:
        return ""
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name or ""


def navigation(request: HttpRequest) -> dict[str, object]:
    # Lazy so pages that never render the navigation pay no query.
    nav = SimpleLazyObject(lambda: navigation_for(request.user))

    def menu() -> dict[str, Any]:
        links = nav.links(_current(request))
        return {"primary": links[:MAX_PRIMARY], "more": links[MAX_PRIMARY:]}

    return {
        "nav": nav,
        "menu": SimpleLazyObject(menu),
        "SITE_NAME": settings.SITE_NAME,
        "DEBUG": settings.DEBUG,
    }

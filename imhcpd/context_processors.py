from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from imhcpd.navigation import navigation_for


def navigation(request: HttpRequest) -> dict[str, object]:
    return {
        # Lazy so pages that never render the navigation pay no query.
        "nav": SimpleLazyObject(lambda: navigation_for(request.user)),
        "SITE_NAME": settings.SITE_NAME,
        "DEBUG": settings.DEBUG,
    }

"""The register app's one permission helper."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from imhcpd.roles import is_register_admin


def register_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, in the register administrators group (MFA is enforced by middleware)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not is_register_admin(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper

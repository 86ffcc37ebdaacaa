"""The register app's permission helpers: administrators by group, with a second factor in
this session; applicants and supervisors see only their own records, anyone else gets 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from imhcpd.middleware import second_factor_redirect
from imhcpd.models import User
from imhcpd.roles import is_register_admin, session_used_mfa
from portfolios.supervision.models import Supervision
from register.models import Endorsement, RegisterEntry


def register_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, in the register administrators group, and this session passed a second
    factor. The middleware checks the same under /register/admin/; this holds wherever the
    view is mounted."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not is_register_admin(request.user):
            raise PermissionDenied
        if not session_used_mfa(request):
            return second_factor_redirect(request)
        return view(request, *args, **kwargs)

    return wrapper


def get_entry_for_user(user: User, number: str) -> RegisterEntry:
    return get_object_or_404(RegisterEntry.objects.for_owner(user), number=number)


def get_endorsement_for_supervisor(user: User, pk: int) -> Endorsement:
    """Only the supervisor asked, and only while that supervision is active."""
    return get_object_or_404(
        Endorsement.objects.filter(
            supervision__in=Supervision.objects.for_supervisor(user)
        ).select_related("application__applicant", "supervision"),
        pk=pk,
    )

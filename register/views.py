from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from register.permissions import register_admin_required


@require_safe
@register_admin_required
def admin_home(request: HttpRequest) -> HttpResponse:
    # The application queue arrives with the register issue; this is its home.
    return render(request, "register/admin_home.html")

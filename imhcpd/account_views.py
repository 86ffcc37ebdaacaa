"""The last step of setting up two-factor authentication, mounted over allauth's own page at
the same address and name (imhcpd.urls includes this before allauth's URLs).

allauth shows the recovery codes after activation and stops there. Here the person confirms
"I have saved these" and continues to where they were going when the set-up began (the page
that asked for a second factor), or to their home.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.recovery_codes.views import ViewRecoveryCodesView
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme

from imhcpd.adapters import MFA_SETUP_SESSION_KEY


class SavedForm(forms.Form):
    saved = forms.BooleanField(
        label="I have saved these recovery codes",
        error_messages={"required": "Confirm that you have saved your recovery codes"},
    )


class RecoveryCodesView(ViewRecoveryCodesView):
    http_method_names = ["get", "head", "post"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["setting_up"] = MFA_SETUP_SESSION_KEY in self.request.session
        context.setdefault("saved_form", SavedForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if MFA_SETUP_SESSION_KEY not in request.session:
            return redirect("mfa_index")
        form = SavedForm(request.POST)
        if not form.is_valid():
            context = self.get_context_data(saved_form=form)
            return self.render_to_response(context, status=400)
        resume = request.session.pop(MFA_SETUP_SESSION_KEY) or ""
        messages.success(request, "Two-factor authentication is set up.")
        if resume and url_has_allowed_host_and_scheme(
            resume, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(resume)
        return redirect("home")


urlpatterns = [
    path(
        "2fa/recovery-codes/",
        RecoveryCodesView.as_view(),
        name="mfa_view_recovery_codes",
    ),
]

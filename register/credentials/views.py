"""The public documents a verifier needs (issuer profile, keys, achievements, status list,
badge images), the public verify page, and the holder's own downloads."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods, require_safe

from competencies.selectors import framework_of_case_document
from register.credentials import badge, documents, keys, services
from register.credentials.forms import VerifyForm
from register.credentials.models import Credential


def _public(response: HttpResponse, max_age: int = 3600) -> HttpResponse:
    # Read by wallets and verifiers on other sites: anyone may fetch these.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _json(body: Any, content_type: str = "application/json", max_age: int = 3600) -> HttpResponse:
    return _public(
        HttpResponse(json.dumps(body, indent=2, ensure_ascii=False), content_type=content_type),
        max_age,
    )


def _unavailable(request: HttpRequest) -> HttpResponse:
    return render(request, "register/credentials/unavailable.html", status=503)


@require_safe
def issuer(request: HttpRequest) -> HttpResponse:
    return _json(documents.issuer_profile(), "application/ld+json")


@require_safe
def jwks(request: HttpRequest) -> HttpResponse:
    try:
        return _json(keys.public_jwks(), "application/jwk-set+json", max_age=300)
    except keys.SigningKeyMissing:
        return _unavailable(request)


@require_safe
def achievement(request: HttpRequest, document: uuid.UUID, level: int) -> HttpResponse:
    framework = framework_of_case_document(str(document))
    if framework is None or not framework.levels.filter(number=level).exists():
        raise Http404("No such achievement.")
    body = {"@context": documents.CONTEXTS, **documents.achievement(framework, level)}
    return _json(body, "application/ld+json")


@require_safe
def status_list(request: HttpRequest, number: int) -> HttpResponse:
    try:
        token = services.status_list_jwt(number)
    except LookupError:
        raise Http404("No such status list.") from None
    except keys.SigningKeyMissing:
        return _unavailable(request)
    # Short-lived: a revocation must reach verifiers within minutes.
    return _public(HttpResponse(token, content_type="application/vc+jwt"), max_age=300)


@require_safe
def badge_image(request: HttpRequest, level: int) -> HttpResponse:
    if level not in (1, 2, 3):
        raise Http404("No such level.")
    return _public(HttpResponse(badge.badge_png(level), content_type="image/png"), 86400)


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.POST, request.FILES) if request.method == "POST" else VerifyForm()
    if form.is_bound:
        if form.is_valid():
            return render(request, "register/credentials/verify.html", {"result": form.result})
        return render(request, "register/credentials/verify.html", {"form": form}, status=400)
    return render(request, "register/credentials/verify.html", {"form": form})


_DOWNLOADS = {
    "json": ("application/json", "json"),
    "jwt": ("application/vc+jwt", "jwt"),
    "png": ("image/png", "png"),
}


@require_safe
@login_required
def download(request: HttpRequest, jti: uuid.UUID, fmt: str) -> HttpResponse:
    if fmt not in _DOWNLOADS:
        raise Http404("No such format.")
    credential = get_object_or_404(
        Credential.objects.for_owner(request.user).select_related("entry"), jti=jti
    )
    if fmt == "json":
        content: bytes | str = json.dumps(credential.document, indent=2, ensure_ascii=False)
    else:
        try:
            token = services.credential_jwt(credential)
        except keys.SigningKeyMissing:
            return _unavailable(request)
        content = token if fmt == "jwt" else badge.baked(credential.level, token)
    content_type, suffix = _DOWNLOADS[fmt]
    response = HttpResponse(content, content_type=content_type)
    name = f"{credential.entry.number}-level-{credential.level}-credential.{suffix}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response

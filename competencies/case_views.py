"""The CASE 1.1 REST read endpoints (`/ims/case/v1p1/…`): public, read-only JSON with CORS.

Identifiers are derived, not stored (competencies/formats/case.py), so a lookup recomputes the
ids of every framework version from their codes (three queries, however many versions), then
builds the one version's package (a fixed number of queries) and picks the object out of it.
Versions are never edited once imported, so the answers can be cached by anyone.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse

from competencies.formats import FrameworkData, Ids, LevelData, to_case
from competencies.formats.case import case_document
from competencies.models import Competency, Domain, Framework, Level
from competencies.selectors import framework_of_case_document, framework_to_data

MAX_AGE = 3600
ALLOWED = "GET, HEAD, OPTIONS"

View = Callable[..., HttpResponse]


def _cors(response: HttpResponse) -> HttpResponse:
    # Public data meant to be read by other systems' browsers: any origin, no credentials.
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = ALLOWED
    response["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response["Access-Control-Max-Age"] = str(MAX_AGE)
    return response


def _failure(status: int, description: str, minor: str) -> HttpResponse:
    """The CASE (imsx) status payload for an error."""
    body = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}
            ]
        },
    }
    return _cors(JsonResponse(body, status=status))


def case_endpoint(view: View) -> View:
    """GET/HEAD answered as cacheable JSON, OPTIONS as a CORS preflight, the rest 405."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Allow"] = ALLOWED
            return _cors(response)
        if request.method not in ("GET", "HEAD"):
            response = _failure(405, "The CASE service is read-only.", "unsupported")
            response["Allow"] = ALLOWED
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            response["Cache-Control"] = f"public, max-age={MAX_AGE}"
        return _cors(response)

    # CSRF does not apply: nothing is ever written, and no cookie is read.
    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapper


def _not_found(kind: str, identifier: str) -> HttpResponse:
    # "Page not found" as the site's other 404s say it, so every 404 reads the same.
    return _failure(
        404, f"Page not found: no {kind} with identifier {identifier}.", "unknownobject"
    )


def _json(body: dict[str, Any]) -> HttpResponse:
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def _frameworks() -> list[Framework]:
    levels = Prefetch("levels", queryset=Level.objects.order_by("number"))
    return list(Framework.objects.prefetch_related(levels).order_by("imported_at", "pk"))


def _summary(framework: Framework) -> FrameworkData:
    """The details and levels of a version, without its statements (enough for a CFDocument)."""
    return FrameworkData(
        name=framework.name,
        version=framework.version,
        source=framework.source,
        licence_note=framework.licence_note,
        is_illustrative=framework.is_illustrative,
        levels=tuple(
            LevelData(lv.number, lv.name, lv.description) for lv in framework.levels.all()
        ),
        domains=(),
    )


def _package(framework: Framework) -> dict[str, Any]:
    data = framework_to_data(framework)
    return to_case(data, base_url=settings.SITE_URL, last_change=framework.imported_at)


def _valid(identifier: str) -> bool:
    try:
        uuid.UUID(identifier)
    except ValueError:
        return False
    return True


def _framework_holding(identifier: str) -> Framework | None:
    """The version one of whose objects has this identifier (three queries, however many
    versions): every id is recomputed from the codes, none is stored."""
    frameworks = {f.pk: f for f in Framework.objects.all()}
    ids = {pk: Ids(f.name, f.version) for pk, f in frameworks.items()}
    for pk, of in ids.items():
        if identifier in (of.document, of.rubric):
            return frameworks[pk]
    nodes = [
        (pk, ids[pk].domain(number))
        for pk, number in Domain.objects.values_list("framework_id", "number")
    ] + [
        (pk, ids[pk].competency(code))
        for pk, code in Competency.objects.values_list("framework_id", "code")
    ]
    for pk, node in nodes:
        if identifier in (node, ids[pk].association(node)):
            return frameworks[pk]
    return None


def _find(identifier: str, collection: str) -> dict[str, Any] | None:
    """The object with this identifier in its version's package, or None."""
    if not _valid(identifier):
        return None
    identifier = identifier.lower()
    framework = _framework_holding(identifier)
    if framework is None:
        return None
    for obj in _package(framework)[collection]:
        if obj.get("identifier") == identifier:
            return obj
    return None


@case_endpoint
def documents(request: HttpRequest) -> HttpResponse:
    found = [
        case_document(_summary(f), base_url=settings.SITE_URL, last_change=f.imported_at)
        for f in _frameworks()
    ]
    return _json({"CFDocuments": found})


@case_endpoint
def document(request: HttpRequest, identifier: str) -> HttpResponse:
    framework = framework_of_case_document(identifier)
    if framework is None:
        return _not_found("CFDocument", identifier)
    return _json(_package(framework)["CFDocument"])


@case_endpoint
def package(request: HttpRequest, identifier: str) -> HttpResponse:
    framework = framework_of_case_document(identifier)
    if framework is None:
        return _not_found("CFPackage", identifier)
    return _json(_package(framework))


@case_endpoint
def item(request: HttpRequest, identifier: str) -> HttpResponse:
    found = _find(identifier, "CFItems")
    return _json(found) if found else _not_found("CFItem", identifier)


@case_endpoint
def rubric(request: HttpRequest, identifier: str) -> HttpResponse:
    found = _find(identifier, "CFRubrics")
    return _json(found) if found else _not_found("CFRubric", identifier)


@case_endpoint
def association(request: HttpRequest, identifier: str) -> HttpResponse:
    found = _find(identifier, "CFAssociations")
    return _json(found) if found else _not_found("CFAssociation", identifier)

"""The framework as 1EdTech CASE 1.1: the package's required fields, stable ids, a lossless
round trip, all-or-nothing import, and the public REST read endpoints."""

from __future__ import annotations

import copy
import json
import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from competencies.formats import (
    FrameworkData,
    FrameworkFileError,
    parse_framework,
    to_case,
    to_json,
)
from competencies.models import Competency, Framework
from competencies.selectors import framework_to_data
from competencies.services import framework_import
from tests.conftest import shipped_framework_data

pytestmark = pytest.mark.django_db

API = "/ims/case/v1p1"
LEVEL_NAMES = ["Informed Practice", "Enhanced Practice", "Specialist Practice"]


def export_case(version: str | None = None) -> dict[str, Any]:
    out = StringIO()
    args = ["--framework-version", version] if version else []
    call_command("export_framework", "--format", "case", *args, stdout=out)
    return json.loads(out.getvalue())


def assert_required(obj: dict[str, Any], fields: tuple[str, ...]) -> None:
    absent = [f for f in fields if obj.get(f) in (None, "", [], {})]
    assert not absent, f"{obj.get('identifier')}: missing {absent}"


def assert_link(link: dict[str, Any]) -> None:
    assert set(link) >= {"title", "identifier", "uri"}
    assert link["uri"].startswith(f"{settings.SITE_URL}{API}/")
    uuid.UUID(link["identifier"])


def test_every_object_has_the_case_required_fields(framework: Framework) -> None:
    package = export_case()
    document = package["CFDocument"]
    assert_required(
        document, ("identifier", "uri", "creator", "title", "lastChangeDateTime", "version")
    )
    assert document["language"] == "en"
    assert document["uri"] == f"{settings.SITE_URL}{API}/CFDocuments/{document['identifier']}"
    # The shipped text is the project's own: the package says so and never claims AiMH's.
    assert "not the Association for Infant Mental Health" in document["description"]
    assert document["adoptionStatus"] == "Draft"
    for item in package["CFItems"]:
        assert_required(
            item, ("identifier", "fullStatement", "uri", "lastChangeDateTime", "CFItemType")
        )
        assert_link(item["CFDocumentURI"])
    for association in package["CFAssociations"]:
        assert_required(
            association,
            (
                "identifier",
                "associationType",
                "originNodeURI",
                "destinationNodeURI",
                "uri",
                "lastChangeDateTime",
                "sequenceNumber",
            ),
        )
        assert_link(association["originNodeURI"])
        assert_link(association["destinationNodeURI"])
    (rubric,) = package["CFRubrics"]
    assert_required(rubric, ("identifier", "uri", "title", "lastChangeDateTime"))
    for criterion in rubric["CFRubricCriteria"]:
        assert_required(criterion, ("identifier", "CFItemURI", "position", "lastChangeDateTime"))
        for level in criterion["CFRubricCriterionLevels"]:
            assert_required(
                level, ("identifier", "description", "quality", "position", "lastChangeDateTime")
            )


def test_the_package_has_the_framework_shape(framework: Framework) -> None:
    package = export_case()
    items = package["CFItems"]
    domains = [i for i in items if i["CFItemType"] == "Domain"]
    competencies = [i for i in items if i["CFItemType"] == "Competency"]
    assert (len(domains), len(competencies)) == (7, 63)
    assert all(c["humanCodingScheme"].count(".") == 1 for c in competencies)
    child_of = [a for a in package["CFAssociations"] if a["associationType"] == "isChildOf"]
    assert len(child_of) == 70
    by_id = {i["identifier"]: i for i in items}
    document_id = package["CFDocument"]["identifier"]
    for a in child_of:
        child = by_id[a["originNodeURI"]["identifier"]]
        parent = a["destinationNodeURI"]["identifier"]
        if child["CFItemType"] == "Domain":
            assert parent == document_id
        else:
            assert by_id[parent]["humanCodingScheme"] == child["humanCodingScheme"].split(".")[0]
    criteria = package["CFRubrics"][0]["CFRubricCriteria"]
    assert len(criteria) == 63
    assert [c["position"] for c in criteria] == list(range(1, 64))
    competency_ids = {c["identifier"] for c in competencies}
    for criterion in criteria:
        assert criterion["CFItemURI"]["identifier"] in competency_ids
        levels = criterion["CFRubricCriterionLevels"]
        assert [lv["position"] for lv in levels] == [1, 2, 3]
        assert [lv["quality"] for lv in levels] == LEVEL_NAMES
    first = Competency.objects.get(framework=framework, code="1.01")
    texts = [d.text for d in first.descriptors.order_by("level__number")]
    assert [lv["description"] for lv in criteria[0]["CFRubricCriterionLevels"]] == texts


def test_re_export_gives_the_same_identifiers(framework: Framework) -> None:
    assert export_case() == export_case()


def test_identifiers_differ_between_versions(framework: Framework) -> None:
    data = shipped_framework_data()
    framework_import(data=_renamed(data, "2099.1"))
    first, second = export_case(data.version), export_case("2099.1")
    assert first["CFDocument"]["identifier"] != second["CFDocument"]["identifier"]
    assert not {i["identifier"] for i in first["CFItems"]} & {
        i["identifier"] for i in second["CFItems"]
    }


def _renamed(data: FrameworkData, version: str) -> FrameworkData:
    return replace(data, version=version)


def test_round_trip_gives_an_identical_framework(framework: Framework, tmp_path: Path) -> None:
    path = tmp_path / "imhcf-case.json"
    call_command("export_framework", "--format", "case", "-o", str(path), stderr=StringIO())
    call_command("import_framework", str(path), "--framework-version", "2.0", stdout=StringIO())
    copy_ = Framework.objects.get(version="2.0")
    original, again = framework_to_data(framework), framework_to_data(copy_)
    assert again.content() == original.content()
    assert (again.name, again.source, again.licence_note, again.is_illustrative) == (
        original.name,
        original.source,
        original.licence_note,
        original.is_illustrative,
    )
    # Ids aside (they carry the version), the CASE exports are the same.
    first, second = export_case(framework.version), export_case("2.0")
    strip = _without_ids(first), _without_ids(second)
    assert strip[0] == strip[1]
    # The package is detected by its CFDocument key without --format.
    assert to_json(parse_framework(path.read_bytes(), fmt="json")) == to_json(original)


def _without_ids(package: dict[str, Any]) -> str:
    """The package with its identifiers, version and import time blanked out."""
    text = json.dumps(package, sort_keys=True)
    text = re.sub(r'"lastChangeDateTime": "[^"]+"', '"lastChangeDateTime": "T"', text)
    text = text.replace('"version": "2.0"', '"version": "V"')
    text = text.replace(f'"version": "{shipped_framework_data().version}"', '"version": "V"')
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", text)


def tampered(package: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(package)
    del bad["CFDocument"]["creator"]
    del bad["CFItems"][10]["fullStatement"]
    competencies = [i for i in bad["CFItems"] if i["CFItemType"] == "Competency"]
    competencies[5]["humanCodingScheme"] = competencies[4]["humanCodingScheme"]  # duplicate
    # A competency pointing at a parent that is not in the package.
    child_of = [a for a in bad["CFAssociations"] if a["associationType"] == "isChildOf"]
    child_of[-1]["destinationNodeURI"]["identifier"] = str(uuid.uuid4())
    criteria = bad["CFRubrics"][0]["CFRubricCriteria"]
    criteria[0]["CFRubricCriterionLevels"].pop()  # level 3 missing
    criteria[1]["CFRubricCriterionLevels"] = []
    return bad


def test_a_tampered_package_is_refused_with_every_problem(
    framework: Framework, tmp_path: Path
) -> None:
    bad = tampered(export_case())
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    err = StringIO()
    before = Framework.objects.count(), Competency.objects.count()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_framework",
            str(path),
            "--format",
            "case",
            "--framework-version",
            "9",
            stderr=err,
        )
    problems = err.getvalue()
    assert "CFDocument: missing required field(s) creator" in problems
    assert "missing required field(s) fullStatement" in problems
    assert "duplicate code" in problems
    assert "unknown parent" in problems
    assert "levels missing" in problems
    assert "missing level 3 descriptor" in problems
    assert (Framework.objects.count(), Competency.objects.count()) == before


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda p: p.pop("CFRubrics"), "expected one rubric"),
        (lambda p: p.update(CFItems=[]), "needs Domain and Competency items"),
        (lambda p: p.update(CFAssociations=[]), "no isChildOf association"),
        (lambda p: p["CFItems"][0].update(CFItemType="Cluster"), "neither Domain nor"),
    ],
)
def test_structural_problems_are_named(change: Any, expected: str) -> None:
    package = to_case(
        shipped_framework_data(), base_url="https://example.org", last_change=datetime.now(UTC)
    )
    change(package)
    with pytest.raises(FrameworkFileError) as caught:
        parse_framework(json.dumps(package).encode(), fmt="case")
    assert any(expected in str(p) for p in caught.value.problems), caught.value.problems


def test_our_own_json_is_not_taken_for_a_case_package() -> None:
    raw = to_json(shipped_framework_data()).encode()
    with pytest.raises(FrameworkFileError, match="problem") as caught:
        parse_framework(raw, fmt="case")
    assert "there is no CFDocument" in str(caught.value.problems[0])


# --- REST ----------------------------------------------------------------------------------


def get(client: Client, path: str) -> Any:
    response = client.get(f"{API}/{path}")
    assert response.status_code == 200, path
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "public" in response["Cache-Control"]
    return response.json()


def test_every_endpoint_answers_with_cors(
    client: Client, framework: Framework, django_assert_max_num_queries: Any
) -> None:
    package = export_case()
    document_id = package["CFDocument"]["identifier"]
    with django_assert_max_num_queries(2):
        listed = get(client, "CFDocuments")["CFDocuments"]
    assert [d["identifier"] for d in listed] == [document_id]
    with django_assert_max_num_queries(8):
        assert get(client, f"CFPackages/{document_id}") == package
    assert get(client, f"CFDocuments/{document_id}") == package["CFDocument"]
    competency = package["CFItems"][-1]
    with django_assert_max_num_queries(10):
        assert get(client, f"CFItems/{competency['identifier']}") == competency
    rubric = package["CFRubrics"][0]
    assert get(client, f"CFRubrics/{rubric['identifier']}") == rubric
    association = package["CFAssociations"][3]
    assert get(client, f"CFAssociations/{association['identifier']}") == association
    # Every uri in the package is one of these endpoints.
    assert client.get(competency["uri"].removeprefix(settings.SITE_URL)).status_code == 200


@pytest.mark.parametrize("kind", ["CFPackages", "CFDocuments", "CFItems", "CFRubrics"])
@pytest.mark.parametrize("identifier", [str(uuid.uuid4()), "not-a-uuid"])
def test_unknown_ids_are_404_json(
    client: Client, framework: Framework, kind: str, identifier: str
) -> None:
    response = client.get(f"{API}/{kind}/{identifier}")
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert (body["imsx_codeMajor"], body["imsx_severity"]) == ("failure", "error")
    assert identifier in body["imsx_description"]


def test_read_only_and_preflight(client: Client, framework: Framework) -> None:
    document_id = export_case()["CFDocument"]["identifier"]
    response = client.post(f"{API}/CFPackages/{document_id}")
    assert response.status_code == 405
    assert response.json()["imsx_codeMajor"] == "failure"
    assert "GET" in response["Allow"]
    assert client.delete(f"{API}/CFDocuments").status_code == 405
    head = client.head(f"{API}/CFPackages/{document_id}")
    assert (head.status_code, head["Access-Control-Allow-Origin"]) == (200, "*")
    preflight = client.options(
        f"{API}/CFDocuments",
        HTTP_ORIGIN="https://other.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight["Access-Control-Allow-Methods"]


def test_a_past_version_is_still_served(client: Client, framework: Framework) -> None:
    old = export_case()
    framework_import(data=_renamed(shipped_framework_data(), "2099.1"), activate=True)
    framework.refresh_from_db()
    assert not framework.is_active
    listed = get(client, "CFDocuments")["CFDocuments"]
    assert len(listed) == 2
    assert old["CFDocument"]["identifier"] in {d["identifier"] for d in listed}
    assert get(client, f"CFPackages/{old['CFDocument']['identifier']}") == old
    item = old["CFItems"][5]
    assert get(client, f"CFItems/{item['identifier']}") == item

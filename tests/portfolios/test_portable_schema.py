"""The published JSON Schema is a real draft 2020-12 schema, served at a stable public URL,
and every portfolio.json this site writes validates against it."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from jsonschema import Draft202012Validator

from portfolios.models import (
    DevelopmentGoal,
    EvidenceKind,
    EvidenceRevision,
    Profession,
    ProfessionalBody,
    Rating,
    Region,
    WorkSetting,
)
from portfolios.portable.format import SCHEMA_PATH
from tests.portfolios.test_portable_roundtrip import build_portfolio

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


def test_the_schema_names_every_choice_the_models_have() -> None:
    # A choice added to a model without the schema would make its exports fail to import.
    defs, profile = SCHEMA["$defs"], SCHEMA["properties"]["profile"]["properties"]
    assert profile["profession"]["enum"] == Profession.values
    assert profile["professional_body"]["enum"] == ProfessionalBody.values
    assert profile["work_setting"]["enum"] == WorkSetting.values
    assert profile["region"]["enum"] == Region.values
    assert defs["selfAssessment"]["properties"]["rating"]["enum"] == Rating.values
    assert defs["evidence"]["properties"]["kind"]["enum"] == EvidenceKind.values
    assert defs["revision"]["properties"]["status"]["enum"] == EvidenceRevision.Status.values
    assert defs["goal"]["properties"]["status"]["enum"] == DevelopmentGoal.Status.values


def test_an_exported_portfolio_validates_against_the_schema(
    client, practitioner, supervisor
) -> None:  # type: ignore[no-untyped-def]
    build_portfolio(practitioner, supervisor)
    client.force_login(practitioner)
    response = client.get("/portfolio/my-data/portfolio.zip")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    document = json.loads(archive.read("portfolio.json"))
    errors = list(Draft202012Validator(SCHEMA).iter_errors(document))
    assert errors == []
    assert document["format"] == "imhcpd-portfolio" and document["version"] == 1
    # The portfolio-only ZIP holds the document and the attachments, nothing else.
    names = set(archive.namelist())
    described = {
        a["file"]
        for item in document["evidence"]
        for r in item["revisions"]
        for a in r["attachments"]
    }
    assert names == {"portfolio.json"} | described


def test_the_schema_is_public_at_a_stable_url(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/portfolio/format/v1.schema.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/schema+json"
    assert "public" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert json.loads(response.content) == SCHEMA
    assert client.post("/portfolio/format/v1.schema.json").status_code == 405

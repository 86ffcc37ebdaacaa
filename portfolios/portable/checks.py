"""Validate a portable portfolio completely before anything is written.

Every problem found is collected and listed, the way the framework import does: the file's
format and version first (a wrong version makes the rest meaningless), then the JSON Schema,
then what the schema cannot know — the framework and every competency known here, each
attachment present with its declared size and SHA-256, and acceptable to the same checks as
an ordinary upload, and no identifying text that was never confirmed where it was written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.dateparse import parse_date, parse_datetime
from jsonschema import Draft202012Validator

from competencies.formats.case import Ids
from competencies.models import Competency, Framework
from portfolios import confidentiality
from portfolios.evidence_kinds import text_to_scan
from portfolios.portable.archive import ImportProblems, Upload
from portfolios.portable.format import FORMAT, VERSION, schema_text
from portfolios.registration import problem_with
from portfolios.uploads import InspectedUpload, UploadRejected, inspect_upload

MAX_LISTED = 50  # beyond this the list stops helping; the count says how many more


@dataclass
class Plan:
    """A document that passed every check, with what it refers to already looked up."""

    document: dict[str, Any]
    framework: Framework
    competencies: dict[str, Competency]  # by CASE identifier
    files: dict[str, InspectedUpload] = field(default_factory=dict)  # by name in the ZIP


@cache
def validator() -> Draft202012Validator:
    schema = json.loads(schema_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _where(path: Any) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the file"


def _title(item: dict[str, Any]) -> str:
    # The item as its owner knows it: the title of its latest revision.
    latest = max(item["revisions"], key=lambda r: r["number"])
    return latest["title"][:60]


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_LISTED:
        return problems
    return [*problems[:MAX_LISTED], f"… and {len(problems) - MAX_LISTED} more problems."]


def parse(upload: Upload) -> dict[str, Any]:
    """The document, if it is JSON of this format and version that the schema accepts."""
    try:
        document = json.loads(upload.portfolio_json.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ImportProblems(["portfolio.json is not UTF-8 text."]) from error
    except json.JSONDecodeError as error:
        raise ImportProblems(
            [
                f"portfolio.json is not valid JSON (line {error.lineno}, column {error.colno}: "
                f"{error.msg})."
            ]
        ) from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportProblems(
            [f"This is not an IMH CPD portfolio file (its “format” is not “{FORMAT}”)."]
        )
    if document.get("version") != VERSION:
        raise ImportProblems(
            [
                f"This file is in version {document.get('version')!r} of the "
                f"portfolio format; this site reads version {VERSION}."
            ]
        )
    errors = sorted(validator().iter_errors(document), key=lambda e: list(map(str, e.path)))
    if errors:
        raise ImportProblems(
            _capped(
                [f"portfolio.json, at {_where(e.absolute_path)}: {e.message[:200]}" for e in errors]
            )
        )
    return document


def find_framework(reference: dict[str, str]) -> Framework | None:
    frameworks = list(Framework.objects.all())
    for framework in frameworks:
        if Ids(framework.name, framework.version).document == reference["case_document_id"]:
            return framework
    for framework in frameworks:
        if (framework.name, framework.version) == (reference["name"], reference["version"]):
            return framework
    return None


def validate(upload: Upload, *, applies_profile: bool) -> Plan:
    document = parse(upload)
    reference = document["framework"]
    framework = find_framework(reference)
    if framework is None:
        raise ImportProblems(
            [
                f"The framework “{reference['name']}” version {reference['version']} "
                f"(CASE document {reference['case_document_id']}) is not loaded on this site."
            ]
        )
    ids = Ids(framework.name, framework.version)
    competencies = {
        ids.competency(c.code): c for c in Competency.objects.filter(framework=framework)
    }
    plan = Plan(document=document, framework=framework, competencies=competencies)
    problems: list[str] = []
    checker = _Checker(plan, upload, problems)
    if applies_profile:
        profile = document["profile"]
        message = problem_with(profile["professional_body"], profile["registration_number"])
        if message:
            problems.append(f"Profile, registration number: {message}")
        if profile["revalidation_date"] and day(profile["revalidation_date"]) is None:
            problems.append("Profile: the revalidation date is not a real date.")
    checker.times("exported_at", document["exported_at"])
    for i, row in enumerate(document["self_assessments"]):
        checker.competency(f"Self-assessment {i + 1}", row)
        checker.times(f"Self-assessment {i + 1}", row["created_at"])
    for i, item in enumerate(document["evidence"]):
        checker.evidence(f"Evidence item {i + 1} (“{_title(item)}”)", item)
    for i, goal in enumerate(document["development_plan"]):
        for ref in goal["competencies"]:
            checker.competency(f"Plan goal {i + 1} (“{goal['title'][:60]}”)", ref)
        checker.times(f"Plan goal {i + 1}", goal["created_at"], goal["updated_at"])
        if goal["target_date"] and day(goal["target_date"]) is None:
            problems.append(f"Plan goal {i + 1}: its target date is not a real date.")
    if problems:
        raise ImportProblems(_capped(problems))
    return plan


class _Checker:
    def __init__(self, plan: Plan, upload: Upload, problems: list[str]) -> None:
        self.plan, self.upload, self.problems = plan, upload, problems
        self.framework_name = str(plan.framework)

    def competency(self, where: str, ref: dict[str, Any]) -> None:
        found = self.plan.competencies.get(ref["competency"])
        if found is None:
            self.problems.append(
                f"{where}: competency {ref['competency']} is not in {self.framework_name}."
            )
        elif ref.get("code") and ref["code"] != found.code:
            self.problems.append(
                f"{where}: competency {ref['competency']} is {found.code}, not {ref['code']}."
            )

    def times(self, where: str, *values: str | None) -> None:
        for value in values:
            if value is not None and _when(value) is None:
                self.problems.append(f"{where}: “{value}” is not a real date and time.")

    def evidence(self, where: str, item: dict[str, Any]) -> None:
        self.times(where, item["created_at"], item["updated_at"], item["archived_at"])
        numbers = [revision["number"] for revision in item["revisions"]]
        if len(set(numbers)) != len(numbers):
            self.problems.append(f"{where}.revisions: two revisions have the same number.")
        for revision in item["revisions"]:
            self.revision(f"{where}, revision {revision['number']}", item["kind"], revision)
        for j, sign_off in enumerate(item["sign_offs"]):
            at = f"{where}, sign-off {j + 1}"
            if sign_off["revision"] not in numbers:
                self.problems.append(f"{at}: there is no revision {sign_off['revision']}.")
            self.times(at, sign_off["signed_at"])
            for competency in sign_off["competencies"]:
                self.competency(at, {"competency": competency})

    def revision(self, where: str, kind: str, revision: dict[str, Any]) -> None:
        self.times(
            where,
            revision["created_at"],
            revision["updated_at"],
            revision["confidentiality_confirmed_at"],
        )
        if day(revision["date"]) is None:
            self.problems.append(f"{where}: its date “{revision['date']}” is not a real date.")
        for k, link in enumerate(revision["links"]):
            self.competency(f"{where}, linked competency {k + 1}", link)
        findings = identifying(kind, revision)
        if findings and not revision["confidentiality_confirmed_at"]:
            self.problems.append(
                f"{where} has text that may identify someone "
                f"({confidentiality.summary(findings)}), never confirmed as not identifying."
            )
        for k, attachment in enumerate(revision["attachments"]):
            self.attachment(f"{where}, attachment {k + 1}", attachment)

    def attachment(self, where: str, attachment: dict[str, Any]) -> None:
        name = attachment["file"]
        self.times(where, attachment["uploaded_at"])
        if name in self.plan.files:
            known = self.plan.files[name]
            if (known.sha256, known.size) != (attachment["sha256"], attachment["size"]):
                self.problems.append(f"{where}: “{name}” is described twice, differently.")
            return
        if self.upload.archive is None:
            self.problems.append(
                f"{where}: “{name}” is not here: upload the whole ZIP, not portfolio.json alone."
            )
            return
        data = self.upload.read(name)
        if data is None:
            self.problems.append(f"{where}: “{name}” is missing from the ZIP.")
            return
        if len(data) != attachment["size"]:
            self.problems.append(
                f"{where}: “{name}” is {len(data)} bytes, not {attachment['size']} as described."
            )
            return
        if hashlib.sha256(data).hexdigest() != attachment["sha256"]:
            self.problems.append(
                f"{where}: “{name}” does not match its SHA-256: the file has been changed."
            )
            return
        try:
            inspected = inspect_upload(SimpleUploadedFile(attachment["filename"], data))
        except UploadRejected as error:
            self.problems.append(f"{where}: {error.message}")
            return
        if inspected.content_type != attachment["content_type"]:
            self.problems.append(
                f"{where}: “{name}” is {inspected.content_type}, not {attachment['content_type']}."
            )
            return
        self.plan.files[name] = inspected


def identifying(kind: str, revision: dict[str, Any]) -> dict[str, list[confidentiality.Finding]]:
    """The same scan an edit gets, over a revision as the file gives it."""
    texts = text_to_scan(
        kind, revision["title"], revision["details"], [r["rationale"] for r in revision["links"]]
    )
    return confidentiality.scan_fields(texts)


def _when(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def when(value: str | None) -> dt.datetime | None:
    """A timestamp that passed the checks above."""
    return _when(value)


def day(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError:
        return None

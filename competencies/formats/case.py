"""The framework as a 1EdTech CASE 1.1 package (CFPackage), written and read back.

Writing: `to_case(data, …)` gives the CFPackage as a dict. Reading: `case_to_document(doc)`
translates a CFPackage into the shape of our own JSON file, listing every CASE-level
problem (missing required fields, unknown parents, criteria without levels …), so the
JSON reader's checks (codes, duplicates, level coverage) then run on it unchanged: one set
of rules, whatever the file's format.

Identifiers are never stored: each is a UUIDv5 of the framework's name and version, the
kind of object and its code, so exporting the same version again gives the same ids and
the REST endpoints can find an object by recomputing them.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from competencies.formats.data import FrameworkData

# Fixed for ever: changing it would change every identifier ever published.
NAMESPACE = uuid.UUID("4d1b6f0e-2f7a-5c1e-9a55-6b3c1f0d2a71")
API_PATH = "/ims/case/v1p1"
CREATOR = "IMH CPD"
ILLUSTRATIVE_NOTE = (
    "Illustrative text written by the IMH CPD project to show the framework's structure; "
    "it is not the Association for Infant Mental Health (AiMH UK)'s wording."
)
# Kept beside the CASE fields so a round trip loses nothing CASE has no field for.
EXTENSION = "imhcpd"


def case_id(data_name: str, version: str, kind: str, code: str = "") -> str:
    return str(uuid.uuid5(NAMESPACE, f"{data_name}\x1f{version}\x1f{kind}\x1f{code}"))


class Ids:
    """Every identifier of one framework version."""

    def __init__(self, name: str, version: str) -> None:
        self.name, self.version = name, version

    def of(self, kind: str, code: str = "") -> str:
        return case_id(self.name, self.version, kind, code)

    @property
    def document(self) -> str:
        return self.of("document")

    @property
    def rubric(self) -> str:
        return self.of("rubric")

    def domain(self, number: int) -> str:
        return self.of("domain", str(number))

    def competency(self, code: str) -> str:
        return self.of("competency", code)

    def association(self, child: str) -> str:
        return self.of("association", child)

    def criterion(self, code: str) -> str:
        return self.of("criterion", code)

    def criterion_level(self, code: str, level: int) -> str:
        return self.of("criterion-level", f"{code}/{level}")


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def case_document(
    data: FrameworkData, *, base_url: str, last_change: dt.datetime
) -> dict[str, Any]:
    """The CFDocument alone (needs only the framework's details and levels)."""
    ids = Ids(data.name, data.version)
    api = f"{base_url.rstrip('/')}{API_PATH}"
    description = data.source
    if data.is_illustrative:
        description = f"{ILLUSTRATIVE_NOTE} {data.source}".strip()
    return {
        "identifier": ids.document,
        "uri": f"{api}/CFDocuments/{ids.document}",
        "creator": CREATOR,
        "title": data.name,
        "lastChangeDateTime": _stamp(last_change),
        "version": data.version,
        # Illustrative text is a demonstration, not a framework anyone has adopted.
        "adoptionStatus": "Draft" if data.is_illustrative else "Adopted",
        "language": "en",
        "description": description,
        "notes": data.licence_note,
        "CFPackageURI": {
            "title": data.name,
            "identifier": ids.document,
            "uri": f"{api}/CFPackages/{ids.document}",
        },
        "extensions": {
            EXTENSION: {
                "source": data.source,
                "isIllustrative": data.is_illustrative,
                "levels": [
                    {"number": lv.number, "name": lv.name, "description": lv.description}
                    for lv in data.levels
                ],
            }
        },
    }


def to_case(data: FrameworkData, *, base_url: str, last_change: dt.datetime) -> dict[str, Any]:
    """The whole framework as a CFPackage (CASE 1.1)."""
    ids = Ids(data.name, data.version)
    changed = _stamp(last_change)
    api = f"{base_url.rstrip('/')}{API_PATH}"

    def uri(collection: str, identifier: str) -> str:
        return f"{api}/{collection}/{identifier}"

    def link(title: str, collection: str, identifier: str) -> dict[str, str]:
        return {"title": title, "identifier": identifier, "uri": uri(collection, identifier)}

    doc_link = link(data.name, "CFDocuments", ids.document)
    document = case_document(data, base_url=base_url, last_change=last_change)
    items: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []
    criteria: list[dict[str, Any]] = []
    levels = {lv.number: lv for lv in data.levels}

    def child_of(child: dict[str, str], parent: dict[str, str], sequence: int) -> None:
        identifier = ids.association(child["identifier"])
        associations.append(
            {
                "identifier": identifier,
                "uri": uri("CFAssociations", identifier),
                "associationType": "isChildOf",
                "sequenceNumber": sequence,
                "originNodeURI": child,
                "destinationNodeURI": parent,
                "CFDocumentURI": doc_link,
                "lastChangeDateTime": changed,
            }
        )

    def item(identifier: str, item_type: str, statement: str, **fields: Any) -> dict[str, str]:
        items.append(
            {
                "identifier": identifier,
                "uri": uri("CFItems", identifier),
                "CFItemType": item_type,
                "fullStatement": statement,
                **fields,
                "language": "en",
                "CFDocumentURI": doc_link,
                "lastChangeDateTime": changed,
            }
        )
        return link(statement, "CFItems", identifier)

    for d_seq, domain in enumerate(data.domains, start=1):
        domain_link = item(
            ids.domain(domain.number),
            "Domain",
            domain.title,
            humanCodingScheme=str(domain.number),
            listEnumeration=str(domain.number),
            notes=domain.description,
        )
        child_of(domain_link, doc_link, d_seq)
        for c_seq, comp in enumerate(domain.competencies, start=1):
            comp_link = item(
                ids.competency(comp.code),
                "Competency",
                comp.title,
                humanCodingScheme=comp.code,
                listEnumeration=str(c_seq),
                # The group heading gathers competencies under a topic: a keyword in CASE.
                conceptKeywords=[comp.group] if comp.group else [],
            )
            child_of(comp_link, domain_link, c_seq)
            criterion_id = ids.criterion(comp.code)
            criteria.append(
                {
                    "identifier": criterion_id,
                    "uri": uri("CFRubrics", ids.rubric) + f"#{criterion_id}",
                    "category": domain.title,
                    "description": comp.title,
                    "CFItemURI": comp_link,
                    "position": len(criteria) + 1,
                    "rubricId": ids.rubric,
                    "lastChangeDateTime": changed,
                    "CFRubricCriterionLevels": [
                        {
                            "identifier": ids.criterion_level(comp.code, number),
                            "uri": uri("CFRubrics", ids.rubric)
                            + f"#{ids.criterion_level(comp.code, number)}",
                            "quality": levels[number].name if number in levels else "",
                            "description": text,
                            "score": number,
                            "position": number,
                            "rubricCriterionId": criterion_id,
                            "lastChangeDateTime": changed,
                        }
                        for number, text in comp.descriptors
                    ],
                }
            )
    rubric = {
        "identifier": ids.rubric,
        "uri": uri("CFRubrics", ids.rubric),
        "title": f"{data.name}: levels of practice",
        "description": "Each competency's descriptor at each level of practice.",
        "lastChangeDateTime": changed,
        "CFRubricCriteria": criteria,
    }
    return {
        "CFDocument": document,
        "CFItems": items,
        "CFAssociations": associations,
        "CFRubrics": [rubric],
    }


# --- Reading -------------------------------------------------------------------------------

REQUIRED = {
    "CFDocument": ("identifier", "uri", "creator", "title", "lastChangeDateTime"),
    "CFItem": ("identifier", "fullStatement", "uri", "lastChangeDateTime"),
    "CFAssociation": (
        "identifier",
        "associationType",
        "originNodeURI",
        "destinationNodeURI",
        "uri",
        "lastChangeDateTime",
    ),
}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _node_id(value: object) -> str:
    return str(value.get("identifier") or "") if isinstance(value, dict) else ""


def case_to_document(package: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A CFPackage as our JSON document, and the (where, message) problems found in it."""
    problems: list[tuple[str, str]] = []

    def missing(kind: str, where: str, obj: dict[str, Any]) -> None:
        absent = [f for f in REQUIRED[kind] if obj.get(f) in (None, "", {})]
        if absent:
            problems.append((where, f"missing required field(s) {', '.join(absent)}"))

    document = package.get("CFDocument")
    if not isinstance(document, dict):
        problems.append(("CFDocument", "missing: a CASE package has one CFDocument"))
        document = {}
    else:
        missing("CFDocument", "CFDocument", document)
    extensions = document.get("extensions")
    ext = extensions.get(EXTENSION) if isinstance(extensions, dict) else None
    ext = ext if isinstance(ext, dict) else {}

    domains: dict[str, dict[str, Any]] = {}
    competencies: dict[str, dict[str, Any]] = {}
    for i, raw in enumerate(_list(package.get("CFItems"))):
        where = f"CFItems[{i}]"
        if not isinstance(raw, dict):
            problems.append((where, "expected an object"))
            continue
        code = str(raw.get("humanCodingScheme") or "")
        where = f"{where} ({code or 'no humanCodingScheme'})"
        missing("CFItem", where, raw)
        entry = {"where": where, "item": raw}
        kind = raw.get("CFItemType")
        if kind == "Domain":
            domains[str(raw.get("identifier"))] = entry
        elif kind == "Competency":
            competencies[str(raw.get("identifier"))] = entry
        else:
            problems.append((where, f"CFItemType {kind!r} is neither Domain nor Competency"))
    if not domains or not competencies:
        problems.append(("CFItems", "the package needs Domain and Competency items"))

    parents: dict[str, tuple[str, int]] = {}
    for i, raw in enumerate(_list(package.get("CFAssociations"))):
        where = f"CFAssociations[{i}]"
        if not isinstance(raw, dict):
            problems.append((where, "expected an object"))
            continue
        missing("CFAssociation", where, raw)
        if raw.get("associationType") != "isChildOf":
            continue  # other links (related, exemplar …) carry nothing we store
        child = _node_id(raw.get("originNodeURI"))
        parent = _node_id(raw.get("destinationNodeURI"))
        if child in parents:
            problems.append((where, f"{child} has a second parent"))
            continue
        known = domains if child in competencies else {document.get("identifier"): {}}
        if child not in competencies and child not in domains:
            problems.append((where, f"unknown child {child or '(none)'}"))
        elif parent not in known:
            problems.append((where, f"unknown parent {parent or '(none)'} for {child}"))
        sequence = raw.get("sequenceNumber")
        parents[child] = (parent, sequence if isinstance(sequence, int) else 0)

    descriptors: dict[str, dict[str, str]] = {}
    level_names: dict[int, str] = {}
    rubrics = _list(package.get("CFRubrics"))
    if len(rubrics) != 1 or not isinstance(rubrics[0], dict):
        problems.append(("CFRubrics", f"expected one rubric, found {len(rubrics)}"))
        rubrics = [{}]
    for i, criterion in enumerate(_list(rubrics[0].get("CFRubricCriteria"))):
        where = f"CFRubricCriteria[{i}]"
        item_id = _node_id(criterion.get("CFItemURI")) if isinstance(criterion, dict) else ""
        if item_id not in competencies:
            problems.append((where, f"CFItemURI {item_id or '(none)'} is not a competency"))
            continue
        levels = _list(criterion.get("CFRubricCriterionLevels"))
        if not levels:
            problems.append((where, "no CFRubricCriterionLevels: levels missing"))
        texts = descriptors.setdefault(item_id, {})
        for j, level in enumerate(levels):
            position = level.get("position") if isinstance(level, dict) else None
            if not isinstance(position, int):
                problems.append((f"{where}.CFRubricCriterionLevels[{j}]", "no position"))
                continue
            texts[str(position)] = level.get("description")
            if level.get("quality"):
                level_names.setdefault(position, str(level["quality"]))
    for identifier, entry in competencies.items():
        if identifier not in descriptors:
            problems.append((entry["where"], "no rubric criterion: its levels are missing"))

    for identifier, entry in {**domains, **competencies}.items():
        if identifier not in parents:
            problems.append((entry["where"], "no isChildOf association: its parent is unknown"))

    out_domains = []
    for d_id, entry in sorted(domains.items(), key=lambda kv: parents.get(kv[0], ("", 0))[1]):
        item = entry["item"]
        children = sorted(
            (parents[c][1], c) for c in competencies if parents.get(c, ("",))[0] == d_id
        )
        out_domains.append(
            {
                "_where": entry["where"],
                "number": item.get("humanCodingScheme"),
                "title": item.get("fullStatement"),
                "description": item.get("notes", ""),
                "competencies": [
                    {
                        "_where": competencies[c]["where"],
                        "code": competencies[c]["item"].get("humanCodingScheme"),
                        "group": " ".join(
                            map(str, _list(competencies[c]["item"].get("conceptKeywords")))
                        ),
                        "title": competencies[c]["item"].get("fullStatement"),
                        "descriptors": descriptors.get(c, {}),
                    }
                    for _, c in children
                ],
            }
        )
    levels_out = _list(ext.get("levels")) or [
        {"number": n, "name": name} for n, name in sorted(level_names.items())
    ]
    return {
        "framework": {
            "name": document.get("title"),
            "version": document.get("version"),
            "source": ext.get("source", document.get("description", "")),
            "licence_note": document.get("notes", ""),
            "is_illustrative": bool(
                ext.get("isIllustrative", document.get("adoptionStatus") == "Draft")
            ),
        },
        "levels": levels_out,
        "domains": out_domains,
    }, problems


def to_case_json(data: FrameworkData, *, base_url: str, last_change: dt.datetime) -> str:
    package = to_case(data, base_url=base_url, last_change=last_change)
    return json.dumps(package, ensure_ascii=False, indent=2) + "\n"

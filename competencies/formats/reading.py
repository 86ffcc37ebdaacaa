"""Reading framework files (JSON and CSV).

Parsing is pure: bytes in, a `FrameworkData` out, or a `FrameworkFileError` listing
every problem found with its line or record. Nothing here touches the database, so
a broken file can never half-load.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field

from competencies.formats.case import case_to_document
from competencies.formats.data import (
    CSV_COLUMNS,
    DEFAULT_FRAMEWORK_NAME,
    FORMAT_NAME,
    STANDARD_LEVEL_NAMES,
    CompetencyData,
    DomainData,
    FrameworkData,
    FrameworkFileError,
    LevelData,
    Metadata,
    Problem,
)
from competencies.models import CODE_PATTERN

_CODE_RE = re.compile(CODE_PATTERN)


@dataclass
class _Collector:
    problems: list[Problem] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))


def parse_framework(raw: bytes, *, fmt: str, metadata: Metadata | None = None) -> FrameworkData:
    """Parse a whole file; raise FrameworkFileError with every problem found."""
    metadata = metadata or Metadata()
    text = _decode(raw)
    if fmt in ("json", "case"):
        return _parse_json(text, metadata, case=fmt == "case")
    if fmt == "csv":
        return _parse_csv(text, metadata)
    raise ValueError(f"unknown format {fmt!r}")


def guess_format(filename: str) -> str | None:
    lowered = filename.lower()
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith(".csv"):
        return "csv"
    return None


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FrameworkFileError(
            [
                Problem(
                    f"line {line}",
                    f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                    "save it as UTF-8 and import again",
                )
            ]
        ) from exc


def _clean(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _parse_json(text: str, metadata: Metadata, *, case: bool = False) -> FrameworkData:
    """Our JSON file, or a CASE package (told apart by its CFDocument key)."""
    out = _Collector()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FrameworkFileError(
            [Problem(f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}")]
        ) from exc
    if not isinstance(doc, dict):
        raise FrameworkFileError([Problem("file", "expected a JSON object at the top level")])
    if "CFDocument" in doc:
        # A CASE package: translated to our shape, then checked by the same rules below.
        doc, case_problems = case_to_document(doc)
        for where, message in case_problems:
            out.add(where, message)
    elif case:
        raise FrameworkFileError([Problem("file", "not a CASE package: there is no CFDocument")])
    if doc.get("format") not in (None, FORMAT_NAME):
        out.add("format", f"expected {FORMAT_NAME!r}, found {doc.get('format')!r}")

    meta = doc.get("framework") or {}
    if not isinstance(meta, dict):
        out.add("framework", "expected an object with name, version, source, licence_note")
        meta = {}

    levels: list[LevelData] = []
    raw_levels = doc.get("levels")
    if not isinstance(raw_levels, list) or not raw_levels:
        out.add("levels", "missing: the file must list its levels")
        raw_levels = []
    for i, raw_level in enumerate(raw_levels):
        where = f"levels[{i}]"
        if not isinstance(raw_level, dict):
            out.add(where, "expected an object with number, name, description")
            continue
        number = _as_int(raw_level.get("number"))
        if number is None or number < 1:
            out.add(
                where, f"level number {raw_level.get('number')!r} is not a positive whole number"
            )
            continue
        name = _clean(raw_level.get("name"))
        if not name:
            out.add(where, f"level {number} has no name")
        levels.append(LevelData(number, name, _clean(raw_level.get("description"))))

    rows: list[_Row] = []
    raw_domains = doc.get("domains")
    if not isinstance(raw_domains, list) or not raw_domains:
        out.add("domains", "missing: the file must list its domains")
        raw_domains = []
    domain_info: dict[int, tuple[str, str, str]] = {}
    for i, raw_domain in enumerate(raw_domains):
        where = f"domains[{i}]"
        if not isinstance(raw_domain, dict):
            out.add(where, "expected an object with number, title, competencies")
            continue
        where = raw_domain.get("_where") or where  # a CASE package's own record name
        number = _as_int(raw_domain.get("number"))
        if number is None or number < 1:
            out.add(where, f"domain number {raw_domain.get('number')!r} is not a positive number")
            continue
        if number in domain_info:
            out.add(where, f"duplicate domain {number} (first at {domain_info[number][2]})")
            continue
        domain_info[number] = (
            _clean(raw_domain.get("title")),
            _clean(raw_domain.get("description")),
            where,
        )
        competencies = raw_domain.get("competencies")
        if not isinstance(competencies, list) or not competencies:
            out.add(where, f"domain {number} has no competencies")
            continue
        for j, raw_comp in enumerate(competencies):
            cwhere = f"{where}.competencies[{j}]"
            if not isinstance(raw_comp, dict):
                out.add(cwhere, "expected an object with code, group, title, descriptors")
                continue
            code = _clean(raw_comp.get("code"))
            cwhere = raw_comp.get("_where") or f"{cwhere} ({code or 'no code'})"
            descriptors = raw_comp.get("descriptors")
            if not isinstance(descriptors, dict):
                out.add(cwhere, "descriptors must be an object keyed by level number")
                descriptors = {}
            if not descriptors:
                rows.append(_Row(cwhere, number, code, raw_comp, None, ""))
            for level_key, descriptor in descriptors.items():
                rows.append(_Row(cwhere, number, code, raw_comp, level_key, descriptor))

    return _assemble(
        out,
        metadata,
        meta,
        levels,
        {n: (t, d) for n, (t, d, _) in domain_info.items()},
        rows,
        domains_declared=True,
    )


@dataclass
class _Row:
    where: str
    domain: int | None
    code: str
    comp: dict
    level: object
    descriptor: object


def _parse_csv(text: str, metadata: Metadata) -> FrameworkData:
    out = _Collector()
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise FrameworkFileError([Problem("line 1", "the file is empty")])
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise FrameworkFileError(
            [
                Problem(
                    "line 1",
                    f"missing column(s) {', '.join(missing)}; expected {', '.join(CSV_COLUMNS)}",
                )
            ]
        )
    reader.fieldnames = header
    domain_info: dict[int, tuple[str, str]] = {}
    level_names: dict[int, tuple[str, str]] = {}
    rows: list[_Row] = []
    seen_rows = 0
    for record in reader:
        seen_rows += 1
        where = f"line {reader.line_num}"
        if None in record:
            out.add(where, "more values than columns (is a comma missing its quotes?)")
        raw_domain = (record.get("domain") or "").strip()
        number = _as_int(raw_domain)
        if number is None or number < 1:
            out.add(where, f"unknown domain {raw_domain!r}: domains are numbered 1, 2, 3 …")
            continue
        title = _clean(record.get("domain_title"))
        if number in domain_info:
            if title != domain_info[number][0]:
                out.add(
                    where,
                    f"domain {number} is titled {title!r} here but "
                    f"{domain_info[number][0]!r} earlier",
                )
        else:
            domain_info[number] = (title, _clean(record.get("domain_description")))
        level_number = _as_int(record.get("level"))
        if level_number is not None and _clean(record.get("level_name")):
            level_names.setdefault(
                level_number,
                (_clean(record.get("level_name")), _clean(record.get("level_description"))),
            )
        comp = {
            "code": record.get("code"),
            "group": record.get("group"),
            "title": record.get("title"),
        }
        rows.append(
            _Row(
                where,
                number,
                _clean(record.get("code")),
                comp,
                record.get("level"),
                record.get("descriptor"),
            )
        )
    if not seen_rows:
        raise FrameworkFileError([Problem("line 2", "the file has a header but no rows")])
    levels = [
        LevelData(n, *level_names.get(n, (name, ""))) for n, name in STANDARD_LEVEL_NAMES.items()
    ]
    return _assemble(out, metadata, {}, levels, domain_info, rows, domains_declared=False)


def _assemble(
    out: _Collector,
    metadata: Metadata,
    meta: dict,
    levels: list[LevelData],
    domain_info: dict[int, tuple[str, str]],
    rows: list[_Row],
    *,
    domains_declared: bool,
) -> FrameworkData:
    """Checks shared by both formats, then the FrameworkData itself."""
    name = metadata.name or _clean(meta.get("name")) or DEFAULT_FRAMEWORK_NAME
    version = metadata.version or _clean(meta.get("version"))
    if not version:
        out.add("framework", "no version: give one in the file or with --framework-version")
    is_illustrative = (
        metadata.is_illustrative
        if metadata.is_illustrative is not None
        else bool(meta.get("is_illustrative", False))
    )

    level_numbers: dict[int, LevelData] = {}
    for level in levels:
        if level.number in level_numbers:
            out.add("levels", f"level {level.number} is listed twice")
        level_numbers[level.number] = level

    for number, (title, _) in domain_info.items():
        if not title:
            out.add(f"domain {number}", "the domain has no title")

    comps: dict[str, dict] = {}
    for row in rows:
        code = row.code
        if not _CODE_RE.match(code):
            out.add(row.where, f"code {code!r} is not of the form D.NN (for example 1.01)")
            continue
        if int(code.split(".")[0]) != row.domain:
            out.add(
                row.where,
                f"unknown domain for code {code}: it is listed under domain {row.domain}",
            )
            continue
        title = _clean(row.comp.get("title"))
        group = _clean(row.comp.get("group"))
        entry = comps.get(code)
        if entry is None:
            entry = comps[code] = {
                "where": row.where,
                "domain": row.domain,
                "title": title,
                "group": group,
                "descriptors": {},
            }
            if not title:
                out.add(row.where, f"competency {code} has no title")
        elif domains_declared and entry["where"] != row.where:
            out.add(row.where, f"duplicate code {code} (first at {entry['where']})")
            continue
        elif (title, group) != (entry["title"], entry["group"]):
            out.add(
                row.where,
                f"competency {code} has a different title or group here than at {entry['where']}",
            )
        if row.level is None:
            continue
        level_number = _as_int(row.level)
        if level_number is None or level_number not in level_numbers:
            out.add(
                row.where,
                f"unknown level {row.level!r} for {code}; levels are "
                f"{', '.join(str(n) for n in sorted(level_numbers))}",
            )
            continue
        text = _clean(row.descriptor)
        if not text:
            out.add(row.where, f"empty descriptor text for {code} at level {level_number}")
        if level_number in entry["descriptors"]:
            out.add(row.where, f"duplicate code {code} at level {level_number}")
            continue
        entry["descriptors"][level_number] = (text, row.where)

    for code, entry in comps.items():
        for number in sorted(set(level_numbers) - set(entry["descriptors"])):
            out.add(entry["where"], f"missing level {number} descriptor for {code}")

    by_domain: dict[int, list[CompetencyData]] = {n: [] for n in domain_info}
    for code in sorted(comps, key=_code_key):
        entry = comps[code]
        by_domain.setdefault(entry["domain"], []).append(
            CompetencyData(
                code=code,
                group=entry["group"],
                title=entry["title"],
                descriptors=tuple(
                    (n, text) for n, (text, _) in sorted(entry["descriptors"].items())
                ),
            )
        )
    for number, competencies in by_domain.items():
        if not competencies and number in domain_info and not domains_declared:
            out.add(f"domain {number}", "the domain has no competencies")

    titles: dict[str, str] = {}
    for code in sorted(comps, key=_code_key):
        title = comps[code]["title"].casefold()
        if title and title in titles:
            out.add(comps[code]["where"], f"title of {code} repeats that of {titles[title]}")
        titles.setdefault(title, code)

    if out.problems:
        raise FrameworkFileError(out.problems)
    return FrameworkData(
        name=name,
        version=version,
        source=metadata.source if metadata.source is not None else _clean(meta.get("source")),
        licence_note=(
            metadata.licence_note
            if metadata.licence_note is not None
            else _clean(meta.get("licence_note"))
        ),
        is_illustrative=is_illustrative,
        levels=tuple(sorted(levels, key=lambda lv: lv.number)),
        domains=tuple(
            DomainData(
                number=number,
                title=domain_info[number][0],
                description=domain_info[number][1],
                competencies=tuple(by_domain[number]),
            )
            for number in sorted(domain_info)
        ),
    )


def _code_key(code: str) -> tuple[int, int]:
    domain, number = code.split(".")
    return int(domain), int(number)

"""Training catalogue files (JSON and CSV): reading with every problem listed, and writing
files that read back identically.

Reading is pure, like the framework's: bytes and the active framework's codes in, a list of
`CourseData` out, or a `FrameworkFileError` naming each problem with its line or record. Nothing
here touches the database, so a broken file can never half-load.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from competencies.catalogue.models import CourseKind, CourseMode
from competencies.formats import FrameworkFileError, Problem

FORMAT_NAME = "imhcpd-training"
FORMAT_VERSION = 1
CSV_COLUMNS = [
    "code",
    "provider",
    "title",
    "kind",
    "duration",
    "hours",
    "mode",
    "eligibility",
    "url",
    "cost",
    "source",
    "mapping_is_illustrative",
    "competencies",
]
REQUIRED = ("code", "provider", "title", "kind")
# Column widths of the Course model, so a long value is a listed problem, not a database error.
MAX_LENGTHS = {"code": 80, "provider": 200, "title": 300, "duration": 100, "url": 200}
LEVELS = (1, 2, 3)
# The model's max_digits: hours 6 with 1 place, cost 8 with 2.
MAX_AMOUNTS = {"hours": Decimal("100000"), "cost": Decimal("1000000")}
_SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


@dataclass(frozen=True)
class CourseData:
    code: str
    provider: str
    title: str
    kind: str
    duration: str = ""
    hours: Decimal | None = None
    mode: str = ""
    eligibility: str = ""
    url: str = ""
    cost: Decimal | None = None
    source: str = ""
    mapping_is_illustrative: bool = True
    competencies: tuple[tuple[str, int], ...] = ()  # (code, level), sorted by code


def parse_training(raw: bytes, *, fmt: str, known_codes: set[str]) -> list[CourseData]:
    """Every course in the file, or FrameworkFileError listing every problem found.
    `known_codes` are the active framework's competency codes."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FrameworkFileError(
            [Problem("file", "the file is not UTF-8; save it as UTF-8 and import again")]
        ) from exc
    if fmt == "json":
        records, problems = _json_records(text)
    elif fmt == "csv":
        records, problems = _csv_records(text)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    courses: list[CourseData] = []
    first_seen: dict[str, str] = {}
    for where, record in records:
        code = _text(record, "code")
        if code and code in first_seen:
            problems.append(
                Problem(where, f"duplicate course code {code!r} (first at {first_seen[code]})")
            )
        first_seen.setdefault(code, where)
        course = _course(where, record, known_codes, problems)
        if course is not None:
            courses.append(course)
    if problems:
        raise FrameworkFileError(problems)
    return courses


def _json_records(text: str) -> tuple[list[tuple[str, Mapping[str, object]]], list[Problem]]:
    try:
        doc = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise FrameworkFileError(
            [Problem(f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}")]
        ) from exc
    if not isinstance(doc, dict):
        raise FrameworkFileError([Problem("file", "expected a JSON object at the top level")])
    problems = []
    if doc.get("format") != FORMAT_NAME:
        problems.append(Problem("format", f"expected {FORMAT_NAME!r}, found {doc.get('format')!r}"))
    if doc.get("version") != FORMAT_VERSION:
        problems.append(
            Problem("version", f"expected {FORMAT_VERSION}, found {doc.get('version')!r}")
        )
    courses = doc.get("courses")
    if not isinstance(courses, list):
        problems.append(Problem("courses", "missing: expected a list of courses"))
        courses = []
    records = []
    for i, record in enumerate(courses):
        code = record.get("code") if isinstance(record, dict) else None
        where = f"courses[{i}]" + (f" ({code})" if isinstance(code, str) and code else "")
        if not isinstance(record, dict):
            problems.append(Problem(where, "expected an object with code, provider, title, kind"))
            continue
        records.append((where, record))
    return records, problems


def _csv_records(text: str) -> tuple[list[tuple[str, Mapping[str, object]]], list[Problem]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise FrameworkFileError([Problem("line 1", f"missing column(s): {', '.join(missing)}")])
    records: list[tuple[str, Mapping[str, object]]] = []
    problems: list[Problem] = []
    for row in reader:
        where = f"line {reader.line_num}"
        if None in row:
            problems.append(Problem(where, "more values than columns"))
            continue
        # "2.03:2;2.04:3" into the JSON shape, so both formats share one set of checks.
        record: dict[str, object] = dict(row)
        mapping = (row.get("competencies") or "").strip()
        pairs: list[object] = []
        for part in filter(None, (p.strip() for p in mapping.split(";"))):
            code, sep, level = part.partition(":")
            pairs.append({"code": code.strip(), "level": level.strip()} if sep else part)
        record["competencies"] = pairs
        records.append((where, record))
    return records, problems


def _shown(value: object) -> str:
    """A value as the file has it: quoted if text, as written if a number."""
    return repr(value) if isinstance(value, str) else str(value)


def _text(record: Mapping[str, object], name: str) -> str:
    value = record.get(name)
    return "" if value is None else str(value).strip()


def _amount(
    where: str, record: Mapping[str, object], name: str, places: int, problems: list[Problem]
) -> Decimal | None:
    """Hours (one decimal place) or cost (two), within the model's column."""
    value = record.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        problems.append(Problem(where, f"{name} {_shown(value)} is not a number"))
        return None
    step = Decimal(1).scaleb(-places)
    shown = str(value).strip()  # a number, as written
    if not amount.is_finite() or amount < 0:
        problems.append(Problem(where, f"{name} {shown} must be zero or more"))
    elif amount >= MAX_AMOUNTS[name]:
        problems.append(Problem(where, f"{name} {shown} is more than {MAX_AMOUNTS[name] - step}"))
    elif amount != amount.quantize(step, rounding=ROUND_DOWN):
        problems.append(Problem(where, f"{name} {shown} has more than {places} decimal place(s)"))
    else:
        return amount.quantize(step)
    return None


def _flag(where: str, record: Mapping[str, object], problems: list[Problem]) -> bool:
    value = record.get("mapping_is_illustrative")
    if value is None or value == "":
        return True  # our own mapping unless the file says it is the provider's
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    problems.append(Problem(where, f"mapping_is_illustrative {value!r} is not true or false"))
    return True


def _mapping(
    where: str, raw: object, known_codes: set[str], problems: list[Problem]
) -> tuple[tuple[str, int], ...]:
    if raw is None or raw == "":
        return ()
    if not isinstance(raw, list):
        problems.append(Problem(where, "competencies must be a list of {code, level}"))
        return ()
    found: dict[str, int] = {}
    for item in raw:
        if not isinstance(item, dict):
            problems.append(Problem(where, f"competency {item!r} is not written as code:level"))
            continue
        code = str(item.get("code") or "").strip()
        level_raw = item.get("level")
        level = (
            level_raw
            if isinstance(level_raw, int) and not isinstance(level_raw, bool)
            else int(level_raw)
            if isinstance(level_raw, str) and level_raw.strip().isdigit()
            else None
        )
        if code not in known_codes:
            problems.append(
                Problem(where, f"competency code {code!r} is not in the active framework")
            )
        if level not in LEVELS:
            given = "(none)" if level_raw in (None, "") else level_raw
            problems.append(Problem(where, f"level {given} for {code or '?'} is not 1, 2 or 3"))
        if code in found:
            problems.append(Problem(where, f"competency {code} is listed twice"))
            continue
        if code in known_codes and level in LEVELS:
            found[code] = level
    return tuple(sorted(found.items()))


def _course(
    where: str, record: Mapping[str, object], known_codes: set[str], problems: list[Problem]
) -> CourseData | None:
    before = len(problems)
    values = {name: _text(record, name) for name in ("code", "provider", "title", "kind")}
    values |= {
        name: _text(record, name) for name in ("duration", "mode", "eligibility", "url", "source")
    }
    for name in REQUIRED:
        if not values[name]:
            problems.append(Problem(where, f"{name} is missing"))
    for name, limit in MAX_LENGTHS.items():
        if len(values[name]) > limit:
            problems.append(Problem(where, f"{name} is longer than {limit} characters"))
    if values["code"] and not _SLUG_RE.match(values["code"]):
        problems.append(
            Problem(where, f"code {values['code']!r} may use only letters, digits, - and _")
        )
    if values["kind"] and values["kind"] not in CourseKind.values:
        problems.append(
            Problem(
                where,
                f"unknown kind {values['kind']!r}; use one of {', '.join(CourseKind.values)}",
            )
        )
    if values["mode"] and values["mode"] not in CourseMode.values:
        problems.append(
            Problem(
                where,
                f"unknown mode {values['mode']!r}; use one of {', '.join(CourseMode.values)}",
            )
        )
    if values["url"]:
        try:
            URLValidator(schemes=["http", "https"])(values["url"])
        except ValidationError:
            problems.append(Problem(where, f"url {values['url']!r} is not a web address"))
    hours = _amount(where, record, "hours", 1, problems)
    cost = _amount(where, record, "cost", 2, problems)
    illustrative = _flag(where, record, problems)
    mapping = _mapping(where, record.get("competencies"), known_codes, problems)
    if len(problems) > before:
        return None
    return CourseData(
        **values,
        hours=hours,
        cost=cost,
        mapping_is_illustrative=illustrative,
        competencies=mapping,
    )


# --- Writing ----------------------------------------------------------------------------


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _plain(value: Decimal | None) -> str:
    return "" if value is None else format(_number(value))


def to_json(courses: Iterable[CourseData]) -> str:
    doc = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "courses": [
            {
                "code": c.code,
                "provider": c.provider,
                "title": c.title,
                "kind": c.kind,
                "duration": c.duration,
                "hours": _number(c.hours),
                "mode": c.mode,
                "eligibility": c.eligibility,
                "url": c.url,
                "cost": _number(c.cost),
                "source": c.source,
                "mapping_is_illustrative": c.mapping_is_illustrative,
                "competencies": [{"code": code, "level": lv} for code, lv in c.competencies],
            }
            for c in courses
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def to_csv(courses: Iterable[CourseData]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in courses:
        writer.writerow(
            [
                c.code,
                c.provider,
                c.title,
                c.kind,
                c.duration,
                _plain(c.hours),
                c.mode,
                c.eligibility,
                c.url,
                _plain(c.cost),
                c.source,
                "true" if c.mapping_is_illustrative else "false",
                ";".join(f"{code}:{lv}" for code, lv in c.competencies),
            ]
        )
    return buffer.getvalue()

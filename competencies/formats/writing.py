"""Writing framework files (JSON and CSV) that import back identically."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from competencies.formats.data import (
    CSV_COLUMNS,
    CSV_OPTIONAL_COLUMNS,
    FORMAT_NAME,
    FORMAT_VERSION,
    FrameworkData,
)


def to_json(data: FrameworkData) -> str:
    doc = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "framework": {
            "name": data.name,
            "version": data.version,
            "source": data.source,
            "licence_note": data.licence_note,
            "is_illustrative": data.is_illustrative,
        },
        "levels": [
            {"number": lv.number, "name": lv.name, "description": lv.description}
            for lv in data.levels
        ],
        "domains": [
            {
                "number": d.number,
                "title": d.title,
                "description": d.description,
                "competencies": [
                    {
                        "code": c.code,
                        "group": c.group,
                        "title": c.title,
                        "descriptors": {str(n): text for n, text in c.descriptors},
                    }
                    for c in d.competencies
                ],
            }
            for d in data.domains
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def csv_rows(data: FrameworkData) -> Iterable[list[str]]:
    yield CSV_COLUMNS + CSV_OPTIONAL_COLUMNS
    levels = {lv.number: lv for lv in data.levels}
    for d in data.domains:
        for c in d.competencies:
            for n, text in c.descriptors:
                level = levels[n]
                yield [
                    str(d.number),
                    d.title,
                    c.code,
                    c.group,
                    c.title,
                    str(n),
                    text,
                    d.description,
                    level.name,
                    level.description,
                ]


def to_csv(data: FrameworkData) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(csv_rows(data))
    return buffer.getvalue()

"""Framework files: reading (JSON, CSV, CASE) into `FrameworkData` and writing it back out."""

from competencies.formats.case import Ids, case_id, to_case, to_case_json
from competencies.formats.data import (
    CSV_COLUMNS,
    CSV_OPTIONAL_COLUMNS,
    DEFAULT_FRAMEWORK_NAME,
    FORMAT_NAME,
    FORMAT_VERSION,
    STANDARD_LEVEL_NAMES,
    CompetencyData,
    DomainData,
    FrameworkData,
    FrameworkFileError,
    LevelData,
    Metadata,
    Problem,
)
from competencies.formats.reading import guess_format, parse_framework
from competencies.formats.writing import csv_rows, to_csv, to_json

__all__ = [
    "CSV_COLUMNS",
    "CSV_OPTIONAL_COLUMNS",
    "DEFAULT_FRAMEWORK_NAME",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "STANDARD_LEVEL_NAMES",
    "CompetencyData",
    "DomainData",
    "FrameworkData",
    "FrameworkFileError",
    "Ids",
    "LevelData",
    "Metadata",
    "Problem",
    "case_id",
    "csv_rows",
    "guess_format",
    "parse_framework",
    "to_case",
    "to_case_json",
    "to_csv",
    "to_json",
]

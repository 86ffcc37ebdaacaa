"""Framework files: reading (JSON, CSV) into `FrameworkData` and writing it back out."""

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
    "LevelData",
    "Metadata",
    "Problem",
    "csv_rows",
    "guess_format",
    "parse_framework",
    "to_csv",
    "to_json",
]

"""The shape of a framework file once read: levels, domains, competencies, and the problems
found on the way."""

from __future__ import annotations

from dataclasses import dataclass

FORMAT_NAME = "imhcpd-framework"
FORMAT_VERSION = 1
CSV_COLUMNS = ["domain", "domain_title", "code", "group", "title", "level", "descriptor"]
# Optional: written by export so a CSV round trip loses nothing; AiMH files may omit them.
CSV_OPTIONAL_COLUMNS = ["domain_description", "level_name", "level_description"]
DEFAULT_FRAMEWORK_NAME = "Infant Mental Health Competency Framework"
# A CSV row carries only a level number; these are the IMHCF's level names.
STANDARD_LEVEL_NAMES = {1: "Informed Practice", 2: "Enhanced Practice", 3: "Specialist Practice"}


@dataclass(frozen=True)
class LevelData:
    number: int
    name: str
    description: str = ""


@dataclass(frozen=True)
class CompetencyData:
    code: str
    group: str
    title: str
    descriptors: tuple[tuple[int, str], ...]  # (level number, text), ordered by level


@dataclass(frozen=True)
class DomainData:
    number: int
    title: str
    description: str
    competencies: tuple[CompetencyData, ...]


@dataclass(frozen=True)
class FrameworkData:
    name: str
    version: str
    source: str
    licence_note: str
    is_illustrative: bool
    levels: tuple[LevelData, ...]
    domains: tuple[DomainData, ...]

    @property
    def competency_count(self) -> int:
        return sum(len(d.competencies) for d in self.domains)

    @property
    def descriptor_count(self) -> int:
        return sum(len(c.descriptors) for d in self.domains for c in d.competencies)

    def content(self) -> tuple[tuple[LevelData, ...], tuple[DomainData, ...]]:
        """What a round trip must preserve, whatever the file format."""
        return self.levels, self.domains


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class FrameworkFileError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the framework file")


@dataclass
class Metadata:
    """Framework details given on the command line; they override the file's."""

    name: str | None = None
    version: str | None = None
    source: str | None = None
    licence_note: str | None = None
    is_illustrative: bool | None = None

"""import_framework refuses broken files whole; export → import is lossless."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from competencies.formats import (
    FrameworkFileError,
    Metadata,
    parse_framework,
    to_csv,
    to_json,
)
from competencies.models import Competency, Descriptor, Framework, FrameworkEvent
from competencies.selectors import framework_to_data
from tests.conftest import FIXTURE, shipped_framework_data

pytestmark = pytest.mark.django_db

HEADER = "domain,domain_title,code,group,title,level,descriptor\n"


def good_csv_rows() -> list[str]:
    rows = []
    for code, title in [("1.01", "Working with families"), ("1.02", "Engaging fathers")]:
        for level in (1, 2, 3):
            rows.append(
                f"1,Relationship-based practice,{code},Collaborative working,{title},{level},"
                f'"Knowledge about {title.lower()} at level {level}. The ability to use it."\n'
            )
    return rows


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def import_problems(path: Path, *extra: str) -> str:
    """Run the command expecting failure; return what it printed to stderr."""
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_framework", str(path), *extra, stderr=err)
    return err.getvalue()


def assert_nothing_written() -> None:
    assert Framework.objects.count() == 0
    assert Competency.objects.count() == 0
    assert Descriptor.objects.count() == 0
    assert FrameworkEvent.objects.count() == 0


def test_the_shipped_fixture_imports_with_its_counts() -> None:
    call_command("import_framework", str(FIXTURE), "--activate")
    framework = Framework.objects.get()
    assert framework.is_active and framework.is_illustrative
    assert framework.domains.count() == 7
    assert framework.competencies.count() == 63
    assert Descriptor.objects.filter(competency__framework=framework).count() == 189
    assert list(framework.events.values_list("action", flat=True)) == ["imported", "activated"]


def test_good_csv_imports_with_version_given(tmp_path: Path) -> None:
    path = write(tmp_path, "aimh.csv", HEADER + "".join(good_csv_rows()))
    call_command("import_framework", str(path), "--framework-version", "2022.1", "--official")
    framework = Framework.objects.get()
    assert framework.version == "2022.1" and not framework.is_illustrative
    assert framework.competencies.count() == 2
    assert list(framework.levels.values_list("name", flat=True)) == [
        "Informed Practice",
        "Enhanced Practice",
        "Specialist Practice",
    ]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda rows: rows[:2] + rows[3:], "line 2: missing level 3 descriptor for 1.01"),
        (lambda rows: [*rows, rows[0]], "duplicate code 1.01 at level 1"),
        (
            lambda rows: [rows[0].replace("1.01", "2.01", 1), *rows[1:]],
            "unknown domain for code 2.01: it is listed under domain 1",
        ),
        (lambda rows: [rows[0].replace("1,Rel", "x,Rel", 1), *rows[1:]], "unknown domain 'x'"),
        (
            lambda rows: [rows[0].split(',"')[0] + ',""\n', *rows[1:]],
            "empty descriptor text for 1.01 at level 1",
        ),
        (lambda rows: [rows[0].replace(",1,", ",4,", 1), *rows[1:]], "unknown level '4'"),
        (lambda rows: [rows[0].replace("1.01", "1.1", 1), *rows[1:]], "not of the form D.NN"),
        (
            lambda rows: (
                [*rows[:3], rows[3].replace("Relationship-based practice", "Other"), *rows[4:]]
            ),
            "line 5: domain 1 is titled 'Other' here but 'Relationship-based practice' earlier",
        ),
    ],
)
def test_each_csv_error_is_reported_and_nothing_written(tmp_path, mutate, expected) -> None:  # type: ignore[no-untyped-def]
    rows = mutate(good_csv_rows())
    path = write(tmp_path, "broken.csv", HEADER + "".join(rows))
    err = import_problems(path, "--framework-version", "x")
    assert expected in err
    assert_nothing_written()


def test_all_problems_are_listed_not_only_the_first(tmp_path: Path) -> None:
    rows = good_csv_rows()
    rows[0] = rows[0].replace(",1,", ",7,", 1)  # unknown level
    rows[4] = rows[4].split(',"')[0] + ',""\n'  # empty text
    path = write(tmp_path, "broken.csv", HEADER + "".join(rows))
    err = import_problems(path, "--framework-version", "x")
    assert "line 2: unknown level '7'" in err
    assert "line 6: empty descriptor text for 1.02" in err
    assert "missing level 1 descriptor for 1.01" in err
    assert_nothing_written()


def test_wrong_encoding_is_reported_with_its_line(tmp_path: Path) -> None:
    content = (HEADER + "".join(good_csv_rows())).replace("Engaging", "Engagé")
    path = write(tmp_path, "latin1.csv", content.encode("latin-1"))
    err = import_problems(path, "--framework-version", "x")
    assert "line 5: the file is not UTF-8" in err
    assert_nothing_written()


def test_missing_columns_and_empty_files(tmp_path: Path) -> None:
    path = write(tmp_path, "cols.csv", "domain,code,title\n1,1.01,x\n")
    assert "missing column(s) domain_title, group, level, descriptor" in import_problems(
        path, "--framework-version", "x"
    )
    assert "the file is empty" in import_problems(write(tmp_path, "empty.csv", ""))
    assert "header but no rows" in import_problems(write(tmp_path, "header.csv", HEADER))
    assert_nothing_written()


def test_csv_needs_a_version(tmp_path: Path) -> None:
    path = write(tmp_path, "nov.csv", HEADER + "".join(good_csv_rows()))
    assert "no version" in import_problems(path)
    assert_nothing_written()


def fixture_doc() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda doc: doc["domains"][0]["competencies"][0]["descriptors"].pop("2"),
            "domains[0].competencies[0] (1.01): missing level 2 descriptor for 1.01",
        ),
        (
            lambda doc: doc["domains"][0]["competencies"][1].update(code="1.01"),
            "domains[0].competencies[1] (1.01): duplicate code 1.01 (first at domains[0].",
        ),
        (
            lambda doc: doc["domains"][1]["competencies"][0].update(code="8.01"),
            "unknown domain for code 8.01: it is listed under domain 2",
        ),
        (
            lambda doc: doc["domains"][2]["competencies"][3]["descriptors"].update({"3": "  "}),
            "empty descriptor text for 3.04 at level 3",
        ),
        (
            lambda doc: doc["domains"][2]["competencies"][3]["descriptors"].update({"5": "x"}),
            "unknown level '5' for 3.04",
        ),
        (lambda doc: doc.pop("levels"), "levels: missing"),
        (lambda doc: doc["domains"][6].update(title=""), "domain 7: the domain has no title"),
        (lambda doc: doc["domains"][3].update(competencies=[]), "domain 4 has no competencies"),
        (
            lambda doc: doc["domains"][0]["competencies"][2].update(title=""),
            "competency 1.03 has no title",
        ),
    ],
)
def test_each_json_error_is_reported_and_nothing_written(tmp_path, mutate, expected) -> None:  # type: ignore[no-untyped-def]
    doc = fixture_doc()
    mutate(doc)
    path = write(tmp_path, "broken.json", json.dumps(doc))
    assert expected in import_problems(path)
    assert_nothing_written()


def test_invalid_json_reports_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", '{\n  "levels": [,]\n}')
    assert "line 2, column 14: not valid JSON" in import_problems(path)
    assert_nothing_written()


def test_unreadable_or_unknown_files(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("import_framework", str(tmp_path / "absent.json"))
    with pytest.raises(CommandError, match="cannot tell the format"):
        call_command("import_framework", str(write(tmp_path, "f.txt", "x")))


def test_a_loaded_version_is_never_altered(framework: Framework, tmp_path: Path) -> None:
    doc = fixture_doc()
    doc["domains"][0]["competencies"][0]["title"] = "Changed title"
    path = write(tmp_path, "same-version.json", json.dumps(doc))
    with pytest.raises(CommandError, match="already loaded"):
        call_command("import_framework", str(path))
    assert framework.competencies.get(code="1.01").title != "Changed title"
    assert Framework.objects.count() == 1

    call_command("import_framework", str(path), "--framework-version", "2", "--activate")
    new = Framework.objects.get(version="2")
    framework.refresh_from_db()
    assert new.is_active and not framework.is_active
    assert new.competencies.get(code="1.01").title == "Changed title"
    assert framework.competencies.get(code="1.01").title != "Changed title"
    actions = list(FrameworkEvent.objects.values_list("framework__version", "action"))
    assert ("2", "activated") in actions
    assert (framework.version, "deactivated") in actions


def test_check_only_writes_nothing() -> None:
    call_command("import_framework", str(FIXTURE), "--check")
    assert_nothing_written()


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_round_trips(framework: Framework, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"export.{fmt}"
    call_command("export_framework", "--format", fmt, "--output", str(out))
    call_command(
        "import_framework", str(out), "--framework-version", "round-trip", "--name", framework.name
    )
    again = framework_to_data(Framework.objects.get(version="round-trip"))
    original = framework_to_data(framework)
    assert again.domains == original.domains
    assert again.levels == original.levels
    if fmt == "json":  # CSV carries no framework metadata; it is given on the command line
        assert (again.source, again.licence_note, again.is_illustrative) == (
            original.source,
            original.licence_note,
            original.is_illustrative,
        )


def test_json_export_matches_the_fixture_it_came_from(framework: Framework) -> None:
    exported = parse_framework(to_json(framework_to_data(framework)).encode(), fmt="json")
    assert exported == shipped_framework_data()


def test_csv_text_survives_commas_quotes_and_newlines() -> None:
    data = shipped_framework_data()
    text = to_csv(data)
    again = parse_framework(text.encode(), fmt="csv", metadata=Metadata(version="x"))
    assert again.domains == data.domains


def test_parse_errors_carry_every_problem() -> None:
    with pytest.raises(FrameworkFileError) as info:
        parse_framework(b'{"domains": []}', fmt="json")
    wheres = [p.where for p in info.value.problems]
    assert "levels" in wheres and "domains" in wheres

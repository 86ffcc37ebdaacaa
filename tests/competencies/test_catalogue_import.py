"""import_training refuses a broken file whole, listing every problem; export → import is
identical; an import updates courses by code and replaces their mappings."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from competencies.catalogue.models import Course, CourseCompetency

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "training.json"


@pytest.fixture(autouse=True)
def _framework(framework):  # type: ignore[no-untyped-def]
    return framework


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def problems_of(path: Path, *extra: str) -> list[str]:
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_training", str(path), *extra, stderr=err)
    return [line.split(": ", 1)[1] for line in err.getvalue().splitlines()]


def counts() -> tuple[int, int]:
    return Course.objects.count(), CourseCompetency.objects.count()


def test_the_shipped_fixture_loads_and_says_what_it_did() -> None:
    out = run("import_training", str(FIXTURE))
    assert "7 course(s) added, 0 updated" in out
    assert Course.objects.count() == 7
    nbo = Course.objects.get(code="brazelton-nbo")
    assert nbo.provider == "Brazelton Centre UK"
    assert nbo.mapping_is_illustrative
    assert nbo.source.startswith("Course facts") and nbo.url in nbo.source
    assert {(o.code, o.level) for o in nbo.outcomes.all()} >= {("2.03", 2), ("2.06", 2)}
    # Facts the research could not confirm are left empty, not invented.
    msc = Course.objects.get(code="anna-freud-ucl-msc-early-child-development")
    assert (msc.duration, msc.eligibility, msc.mode, msc.hours) == ("", "", "", None)
    assert Course.objects.get(code="aviguk-vig").cost == 400
    # Every course is labelled as ours to map.
    assert not Course.objects.filter(mapping_is_illustrative=False).exists()


def test_importing_twice_updates_by_code_and_replaces_the_mapping(tmp_path: Path) -> None:
    run("import_training", str(FIXTURE))
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    nbo = next(c for c in doc["courses"] if c["code"] == "brazelton-nbo")
    nbo["title"] = "Newborn Behavioural Observations"
    nbo["competencies"] = [{"code": "4.01", "level": 3}]
    path = tmp_path / "again.json"
    path.write_text(json.dumps(doc), encoding="utf-8")

    out = run("import_training", str(path))

    assert "0 course(s) added, 7 updated (their competency mappings replaced" in out
    assert Course.objects.count() == 7
    course = Course.objects.get(code="brazelton-nbo")
    assert course.title == "Newborn Behavioural Observations"
    assert [(o.code, o.level) for o in course.outcomes.all()] == [("4.01", 3)]


def broken_json() -> dict:  # type: ignore[type-arg]
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    c = doc["courses"]
    c[0]["kind"] = "weekend"
    c[0]["mode"] = "by post"
    c[1]["competencies"] += [{"code": "9.99", "level": 2}, {"code": "2.02", "level": 4}]
    c[1]["competencies"].append(dict(c[1]["competencies"][0]))
    c[2]["url"] = "not a web address"
    c[2]["cost"] = -5
    c[3]["hours"] = -1
    del c[4]["title"]
    c[4]["provider"] = ""
    c[6]["code"] = c[5]["code"]
    return doc


def test_a_broken_json_file_lists_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken_json()), encoding="utf-8")

    problems = problems_of(path)

    assert counts() == (0, 0)
    expected = [
        "unknown kind 'weekend'",
        "unknown mode 'by post'",
        "competency code '9.99' is not in the active framework",
        "level 4 for 2.02 is not 1, 2 or 3",
        "is listed twice",
        "url 'not a web address' is not a web address",
        "cost -5 must be zero or more",
        "hours -1 must be zero or more",
        "title is missing",
        "provider is missing",
        "duplicate course code 'solihull-foundation'",
    ]
    for words in expected:
        assert any(words in p for p in problems), (words, problems)
    assert len(problems) == len(expected)


def test_a_broken_file_leaves_an_existing_catalogue_untouched(tmp_path: Path) -> None:
    run("import_training", str(FIXTURE))
    before = counts(), list(CourseCompetency.objects.values_list("course__code", "code", "level"))
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken_json()), encoding="utf-8")

    problems_of(path)

    after = counts(), list(CourseCompetency.objects.values_list("course__code", "code", "level"))
    assert after == before


CSV_HEADER = (
    "code,provider,title,kind,duration,hours,mode,eligibility,url,cost,source,"
    "mapping_is_illustrative,competencies\n"
)


def test_a_broken_csv_file_names_each_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text(
        CSV_HEADER
        + "ok-course,Provider,A good course,short,1 day,6,online,,https://example.org/,,,true,2.03:2\n"
        + "bad-one,Provider,Bad,evening,,,,,ftp://example.org/,12.345,,maybe,2.03;2.04:0;2.03:1\n"
        + "ok-course,Provider,Twice,short,,,,,,,,,\n",
        encoding="utf-8",
    )

    problems = problems_of(path)

    assert counts() == (0, 0)
    line3 = [p for p in problems if p.startswith("line 3")]
    assert any("unknown kind 'evening'" in p for p in line3)
    assert any("url 'ftp://example.org/'" in p for p in line3)
    assert any("cost 12.345 has more than 2 decimal place(s)" in p for p in line3)
    assert any("mapping_is_illustrative 'maybe'" in p for p in line3)
    assert any("'2.03' is not written as code:level" in p for p in line3)
    assert any("level 0 for 2.04" in p for p in line3)
    assert any(
        p.startswith("line 4") and "duplicate course code 'ok-course'" in p for p in problems
    )


def test_missing_columns_wrong_format_and_no_framework(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("code,title\nx,y\n", encoding="utf-8")
    assert "missing column(s): provider" in problems_of(path)[0]
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"format": "imhcpd-framework", "courses": []}), encoding="utf-8")
    assert any("expected 'imhcpd-training'" in p for p in problems_of(path))
    path = tmp_path / "courses.txt"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(CommandError, match="pass --format"):
        call_command("import_training", str(path))


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_is_identical(tmp_path: Path, fmt: str) -> None:
    run("import_training", str(FIXTURE))
    first = tmp_path / f"first.{fmt}"
    call_command("export_training", "--format", fmt, "-o", str(first), stderr=StringIO())
    exported = first.read_text(encoding="utf-8")

    Course.objects.all().delete()
    run("import_training", str(first), "--format", fmt)
    again = run("export_training", "--format", fmt)

    assert again == exported
    assert Course.objects.count() == 7
    if fmt == "json":
        # The fixture is itself in the export's shape and order.
        assert exported == FIXTURE.read_text(encoding="utf-8")


def test_skip_existing_adds_only_new_codes(tmp_path: Path) -> None:
    """What `make run` does on every start: a course edited in the admin stays edited."""
    run("import_training", str(FIXTURE))
    Course.objects.filter(code="brazelton-nbo").update(title="Edited by staff")
    Course.objects.filter(code="bpf-ppip").delete()

    out = run("import_training", str(FIXTURE), "--skip-existing")

    assert "1 course(s) added, 0 updated, 6 already loaded and left as they are." in out
    assert Course.objects.get(code="brazelton-nbo").title == "Edited by staff"
    assert Course.objects.filter(code="bpf-ppip").exists()


def test_check_writes_nothing() -> None:
    out = run("import_training", str(FIXTURE), "--check")
    assert "no problems (7 courses)" in out
    assert counts() == (0, 0)

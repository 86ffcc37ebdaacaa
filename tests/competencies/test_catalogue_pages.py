"""The public catalogue pages: the list with its filters, and a course with its competencies."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from competencies.catalogue.models import Course

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "training.json"
LABEL = "The competency mapping is this project’s illustration, not the provider’s or AiMH UK’s."


@pytest.fixture
def catalogue(framework):  # type: ignore[no-untyped-def]
    call_command("import_training", str(FIXTURE), stdout=StringIO())


def test_the_list_shows_every_course_with_the_label(client, catalogue) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/framework/training/")
    assert response.status_code == 200
    body = response.content.decode()
    assert LABEL in body
    assert body.count('data-testid="course"') == 7
    assert "Newborn Behavioural Observations (NBO)" in body
    assert "£400" in body  # VIG's published initial course cost
    assert "<title>Training catalogue — IMH CPD</title>" in body


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("?kind=pg_dip", {"tavistock-m7", "hds-psychoanalytic-observation"}),
        ("?mode=in_person", {"hds-psychoanalytic-observation"}),
        ("?kind=short&mode=blended", {"brazelton-nbo", "solihull-foundation"}),
        # A value that is not a kind is ignored, so an old link still shows the catalogue.
        ("?kind=weekend", None),
    ],
)
def test_filters_by_kind_and_mode(client, catalogue, query, codes) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/framework/training/{query}")
    assert response.status_code == 200
    shown = {c.code for c in response.context["courses"]}
    assert shown == (codes or set(Course.objects.values_list("code", flat=True)))


def test_a_course_lists_its_competencies_and_levels_with_links(client, catalogue) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/framework/training/brazelton-nbo/")
    assert response.status_code == 200
    body = response.content.decode()
    assert LABEL in body
    assert 'href="/framework/competencies/2.03/"' in body
    assert "Early regulation of state and emotion" in body
    assert "Practitioners working with parents and babies aged 0–3 months." in body
    assert 'href="https://www.brazelton.co.uk/courses/nbo/"' in body
    levels = {(o.code, o.level) for o in response.context["outcomes"]}
    assert ("2.03", 2) in levels


def test_a_code_the_framework_lacks_is_shown_without_a_link(client, framework) -> None:  # type: ignore[no-untyped-def]
    course = Course.objects.create(code="x", provider="P", title="X", kind="short", duration="")
    course.outcomes.create(code="9.99", level=2)
    body = client.get("/framework/training/x/").content.decode()
    assert "9.99" in body and "/framework/competencies/9.99/" not in body


def test_unknown_and_inactive_courses_are_404(client, catalogue) -> None:  # type: ignore[no-untyped-def]
    Course.objects.filter(code="bpf-ppip").update(is_active=False)
    assert client.get("/framework/training/bpf-ppip/").status_code == 404
    assert client.get("/framework/training/no-such-course/").status_code == 404
    assert "bpf-ppip" not in {c.code for c in client.get("/framework/training/").context["courses"]}


def test_the_list_query_count_does_not_grow_with_the_catalogue(  # type: ignore[no-untyped-def]
    client, catalogue, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(20) as seven:
        client.get("/framework/training/")
    for i in range(30):
        extra = Course.objects.create(code=f"c{i}", provider="P", title=f"C{i}", kind="short")
        extra.outcomes.create(code="2.03", level=2)
    with django_assert_max_num_queries(len(seven.captured_queries)):
        client.get("/framework/training/")

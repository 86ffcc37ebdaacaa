"""competencies.content: a framework version's content read once per process, never stale."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from competencies.content import forget, framework_content
from competencies.models import Competency, Descriptor, Framework
from competencies.services import framework_import
from tests.conftest import shipped_framework_data

CONTENT_TABLES = ("level", "domain", "competency", "descriptor")


def content_queries(captured: CaptureQueriesContext) -> list[str]:
    """Queries that read framework content rows (a join from a portfolio's rows is no such)."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if any(q["sql"].startswith(f'SELECT "competencies_{t}"."id"') for t in CONTENT_TABLES)
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/framework/",
        "/framework/domains/2/level/3/",
        "/framework/competencies/2.03/",
        "/portfolio/",
        "/portfolio/matrix/",
        "/portfolio/competencies/2.03/",
    ],
)
def test_a_page_read_twice_reads_the_content_once(client, practitioner, url: str) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert content_queries(captured) == []


def test_a_saved_change_is_seen_at_once(client, framework: Framework) -> None:  # type: ignore[no-untyped-def]
    url = reverse("competencies:competency", args=["2.03"])
    assert client.get(url).status_code == 200
    descriptor = Descriptor.objects.get(
        competency__framework=framework, competency__code="2.03", level__number=1
    )
    descriptor.text = "Changed through a save, as a future editing tool would."
    descriptor.save()
    assert "Changed through a save" in client.get(url).content.decode()


def test_a_domain_page_at_one_level_leaves_the_shared_content_alone(
    client, framework: Framework
) -> None:  # type: ignore[no-untyped-def]
    for level in (1, 3, 2):
        html = client.get(reverse("competencies:domain_level", args=[2, level])).content.decode()
        for competency in framework_content(framework).in_domain(
            framework_content(framework).domain(2)
        ):
            assert not hasattr(competency, "descriptor")  # the page set it on its own copy
            text = framework_content(framework).descriptor(competency, level).text
            assert text.split("\n")[0][:40].replace("'", "&#x27;") in html


def test_each_version_keeps_its_own_content(framework: Framework) -> None:  # type: ignore[no-untyped-def]
    data = shipped_framework_data()
    newer = framework_import(data=data.__class__(**{**data.__dict__, "version": "next"}))
    Competency.objects.filter(framework=newer, code="1.01").update(title="Only in the newer one")
    forget()  # update() sends no signal: this test is about versions, not about forgetting
    assert framework_content(newer).competency("1.01").title == "Only in the newer one"
    assert framework_content(framework).competency("1.01").title != "Only in the newer one"

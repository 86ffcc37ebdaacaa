"""What the review queue and the review page read: the load benchmark's supervisor pages.

The queue asks for "submitted" revisions of the supervisor's active supervisions by id, with
no "not a draft" beside it (PostgreSQL multiplied the two and chose a plan that read every
supervisor's revisions). Both pages take linked competencies from the framework content held
in memory, and the review page reads a revision's links, attachments and review once each.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from competencies.models import Competency, Framework
from imhcpd.models import User
from portfolios.models import EvidenceRevision
from portfolios.services import attachment_add
from portfolios.supervision import selectors as supervision_selectors
from portfolios.supervision import services as sv
from tests.factories import make_evidence, make_supervision, png_bytes
from tests.list_data import waiting_for_review

pytestmark = pytest.mark.django_db


def _reads(client: Client, url: str) -> tuple[list[str], str]:
    """(SQL, html) of a second request: the first fills the framework content's memory."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries], response.content.decode()


def _from(table: str, sqls: list[str]) -> list[str]:
    return [sql for sql in sqls if f'FROM "{table}"' in sql]


def test_the_queue_reads_its_revisions_by_supervision_id_and_no_competencies(
    framework: Framework, supervisor: User, client: Client
) -> None:
    waiting_for_review(supervisor, framework, items=4, supervisees=2)
    client.force_login(supervisor)

    sqls, html = _reads(client, "/supervision/")

    revisions = _from("portfolios_evidencerevision", sqls)
    assert len(revisions) == 2  # the count, then the page
    for sql in revisions:
        assert "draft" not in sql
        assert "SELECT U0" not in sql  # the ids the page read already, not a subquery
        assert '"portfolios_supervision"' not in sql
    # Only what a row shows: not the JSON details, nor the practitioner's password hash.
    assert '"details"' not in revisions[1] and '"password"' not in revisions[1]
    assert not _from("competencies_competency", sqls)
    assert html.count('data-testid="queue-item"') == 4
    assert "1.01, 2.01" in html  # the codes, in the framework's order


def test_the_review_page_reads_links_attachments_and_review_once(
    practitioner: User, supervisor: User, client: Client
) -> None:
    supervision = make_supervision(practitioner.portfolio, supervisor)
    evidence = make_evidence(practitioner.portfolio, codes=("2.01", "1.01"), title="A visit")
    upload = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
    attachment_add(evidence=evidence, upload=upload, by=practitioner)
    sv.evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)
    revision = EvidenceRevision.objects.get(evidence=evidence, status="submitted")
    client.force_login(supervisor)

    sqls, html = _reads(client, f"/supervision/reviews/{revision.pk}/")

    assert len(_from("portfolios_evidencelink", sqls)) == 1
    assert len(_from("portfolios_attachment", sqls)) == 1
    assert not _from("portfolios_review", sqls)  # joined to the revision's own query
    assert not _from("competencies_competency", sqls)
    # Both lists of links (the item, the sign-off form) with code and title, framework order.
    shown = [f"{c.code} {c.title}" for c in Competency.objects.filter(code__in=["1.01", "2.01"])]
    assert [html.count(escape(words)) for words in shown] == [2, 2]
    assert html.index(escape(shown[0])) < html.index(escape(shown[1]))
    assert html.count("photo.png") >= 1
    assert "This item has 1 attachment. " in html


def test_a_link_outside_the_portfolios_framework_version_is_read_from_the_database(
    framework: Framework, supervisor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting_for_review(supervisor, framework, items=3, supervisees=1)
    revisions = list(supervision_selectors.review_queue(supervisor))
    # As if the portfolio had moved to a version none of these competencies belong to.
    monkeypatch.setattr(
        supervision_selectors,
        "framework_content",
        lambda _: SimpleNamespace(competency_by_pk=lambda _: None),
    )

    with CaptureQueriesContext(connection) as ctx:
        supervision_selectors.with_link_competencies(revisions)

    assert len(ctx.captured_queries) == 1  # all of them at once
    links = [link for r in revisions for link in r.links.all()]
    assert links
    with CaptureQueriesContext(connection) as ctx:
        assert all(link.competency.pk == link.competency_id for link in links)
    assert not ctx.captured_queries

"""What the review queue reads: a page of the load benchmark.

The queue asks for "submitted" revisions of the supervisor's active supervisions by id, with
no "not a draft" beside it (PostgreSQL multiplied the two and chose a plan that read every
supervisor's revisions), and takes linked competencies from the framework content held in
memory.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from competencies.models import Framework
from imhcpd.models import User
from portfolios.supervision import selectors as supervision_selectors
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
    assert not _from("competencies_competency", sqls)
    assert html.count('data-testid="queue-item"') == 4
    assert "1.01, 2.01" in html  # the codes, in the framework's order


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

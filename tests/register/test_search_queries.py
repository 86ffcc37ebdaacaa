"""The public register's search reads its page of results and their count in one query (the
rows carry COUNT(*) OVER ()), not a count and then the rows: each was a scan of the register.
A page past the end still shows the last page."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.list_data import register_entries

pytestmark = pytest.mark.django_db


def _search(client: Client, **params: str) -> tuple[list[str], str]:
    """(SQL reading the register, html)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/register/", params)
    assert response.status_code == 200
    sqls = [q["sql"] for q in ctx.captured_queries]
    return [
        sql for sql in sqls if 'FROM "register_registerentry"' in sql
    ], response.content.decode()


def _names(html: str) -> list[str]:
    return re.findall(r'register-result"><td><a [^>]+>([^<]+)</a>', html)


def test_a_page_of_results_and_their_count_are_one_query(client: Client) -> None:
    register_entries(30)

    reads, html = _search(client, q="holder")
    assert len(reads) == 1 and "COUNT(" in reads[0]
    assert "30 results" in html
    assert _names(html) == [f"Holder {i:05d}" for i in range(25)]

    reads, html = _search(client, q="holder", page="2")
    assert len(reads) == 1
    assert _names(html) == [f"Holder {i:05d}" for i in range(25, 30)]
    assert "Showing 26 to 30 of 30 results" in html


def test_no_match_is_one_query_and_says_so(client: Client) -> None:
    register_entries(3)

    reads, html = _search(client, q="nobody by this name")

    assert len(reads) == 1
    assert "0 results" in html
    assert "No current entries match." in html
    assert "Pagination" not in html


@pytest.mark.parametrize("asked", ["99", "0", "-1", "x", "9" * 25, "9" * 5000])
def test_a_page_that_is_not_there_shows_the_nearest(client: Client, asked: str) -> None:
    register_entries(30)

    _, html = _search(client, q="holder", page=asked)

    last = asked in ("99", "9" * 25)  # past the end, however far: the last page
    assert len(_names(html)) == (5 if last else 25)
    assert f'aria-current="page" aria-label="Page {2 if last else 1}"' in html
    assert "30 results" in html

"""One way to cut a long list into pages, for every list page on the site.

The page number comes from the query string, so it can be anything a person (or a crawler)
types: a page past the end shows the last page and anything that is not a positive whole
number shows the first, rather than a 404 or a 500 — a bookmarked "page 9" of a queue that has
since shrunk still lands somewhere useful. `{% pagination page %}` (imhcpd/templatetags/ui.py)
draws the links.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def paginate(rows: QuerySet[Any] | Sequence[Any], number: object, per_page: int) -> Page:
    """The page `number` of `rows` (ordered: a stable order keeps rows from moving between
    pages), `per_page` rows a page; the last page when past the end, the first when `number`
    is missing, zero, negative or not a number."""
    paginator = Paginator(rows, per_page)
    try:
        wanted = int(str(number).strip())
    except ValueError:
        wanted = 1
    if wanted < 1:
        wanted = 1
    # Counting costs one query; reading `num_pages` before `page()` keeps it to one.
    return paginator.page(min(wanted, paginator.num_pages))

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
from django.db.models import Count, QuerySet, Window

# Past any list's size: a larger page number is never tried as an OFFSET (the database refuses
# one that large) and goes to `paginate`, which shows the last page.
MAX_COUNTED_PAGE = 1_000_000


def _page_number(number: object) -> int:
    """The page asked for: 1 when missing, zero, negative or not a number."""
    try:
        wanted = int(str(number).strip())
    except ValueError:
        return 1
    return max(wanted, 1)


def paginate(rows: QuerySet[Any] | Sequence[Any], number: object, per_page: int) -> Page:
    """The page `number` of `rows` (ordered: a stable order keeps rows from moving between
    pages), `per_page` rows a page; the last page when past the end, the first when `number`
    is missing, zero, negative or not a number."""
    paginator = Paginator(rows, per_page)
    # Counting costs one query; reading `num_pages` before `page()` keeps it to one.
    return paginator.page(min(_page_number(number), paginator.num_pages))


def paginate_counted(rows: QuerySet[Any], number: object, per_page: int) -> Page:
    """`paginate` in one query instead of two, for a list whose every read is a scan (a
    search): the page's rows carry the count of all the rows that match (COUNT(*) OVER ()).
    A page past the end has no row to carry the count, and goes to `paginate`."""
    wanted = _page_number(number)
    if wanted <= MAX_COUNTED_PAGE:
        start = (wanted - 1) * per_page
        window = rows.annotate(pagination_total=Window(Count("pk")))
        found = list(window[start : start + per_page])
        if found or wanted == 1:
            paginator = Paginator(rows, per_page)
            paginator.count = found[0].pagination_total if found else 0  # what it would count
            return Page(found, wanted, paginator)
    return paginate(rows, number, per_page)

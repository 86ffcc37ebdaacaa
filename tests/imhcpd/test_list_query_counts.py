"""Every list page reads the same number of queries whatever the length of its list, and
shows a long list a page at a time (imhcpd.pagination, `{% pagination %}`).

Each page is measured with a short list, then again after the list has grown to the size
issue 16 names (review queue 5 → 200 waiting items, administration queue 10 → 1,000
applications, public register 10 → 10,000 entries, evidence list 10 → 1,000 items). The
counts must be equal: a query per row, or per supervisee, would make them differ. One test
takes a prefetch away to show the comparison catches exactly that.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from competencies.models import Framework
from imhcpd.models import User
from portfolios.models import EvidenceRevision
from portfolios.supervision import selectors as supervision_selectors
from register.models import Application, RegisterEntry
from tests.factories import UserFactory, make_portfolio
from tests.imhcpd.signin import force_login_with_mfa
from tests.list_data import (
    bulk_evidence,
    register_entries,
    waiting_applications,
    waiting_for_review,
)

QUEUE_ROW = 'data-testid="queue-item"'
APPLICATION_ROW = 'data-testid="application-row"'
RESULT_ROW = 'data-testid="register-result"'
BULK = reverse("supervision:bulk")


def _queries(client: Client, url: str) -> tuple[int, str]:
    """(queries, html) of a second request: the first fills per-process caches."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response.content.decode()


@dataclass
class ListPage:
    url: str
    row: str  # marks one row in the page's HTML
    per_page: int
    client: Client
    grow: Callable[[int], None]  # add this many rows to the list


@pytest.fixture
def review_queue(framework: Framework, supervisor: User, client: Client) -> ListPage:
    client.force_login(supervisor)

    def grow(count: int) -> None:
        # The queue's list and its supervisee list both grow: 2 supervisees, then 5.
        waiting_for_review(supervisor, framework, items=count, supervisees=2 if count < 10 else 3)

    grow(5)
    return ListPage("/supervision/", QUEUE_ROW, 50, client, grow)


@pytest.fixture
def admin_queue(framework: Framework, register_admin: User, client: Client) -> ListPage:
    force_login_with_mfa(client, register_admin)

    def grow(count: int) -> None:
        waiting_applications(count, framework, assigned_to=register_admin)

    grow(10)
    return ListPage("/register/admin/", APPLICATION_ROW, 50, client, grow)


@pytest.fixture
def public_register(db: None, client: Client) -> ListPage:
    register_entries(10)
    return ListPage("/register/?q=holder", RESULT_ROW, 25, client, register_entries)


@pytest.fixture
def evidence_list(practitioner: User, client: Client) -> ListPage:
    client.force_login(practitioner)
    portfolio = practitioner.portfolio

    def grow(count: int) -> None:
        bulk_evidence(portfolio, count, start=portfolio.evidence.count())

    grow(10)
    return ListPage("/portfolio/evidence/", "/portfolio/evidence/", 25, client, grow)


# (fixture, rows at the small size, rows added for the large size)
SIZES = [
    ("review_queue", 5, 195),
    ("admin_queue", 10, 990),
    ("public_register", 10, 9_990),
    ("evidence_list", 10, 990),
]


@pytest.mark.parametrize(("name", "small", "added"), SIZES, ids=[s[0] for s in SIZES])
def test_query_count_does_not_grow_with_the_list(
    request: pytest.FixtureRequest, db: None, name: str, small: int, added: int
) -> None:
    # `db` first: the page's fixture is looked up by name, after the test database exists.
    page: ListPage = request.getfixturevalue(name)
    few, html = _queries(page.client, page.url)
    assert html.count(page.row) >= min(small, page.per_page)
    page.grow(added)
    many, html = _queries(page.client, page.url)
    # A full page of the long list, not the whole list.
    if name == "evidence_list":
        assert len(re.findall(r'href="/portfolio/evidence/\d+/"', html)) == page.per_page
    else:
        assert html.count(page.row) == page.per_page
    assert 'aria-label="Pagination"' in html
    assert f"of {small + added:,}" in html
    assert many == few, f"{name}: {few} queries at {small} rows, {many} at {small + added}"


def test_the_comparison_catches_a_query_per_row(
    review_queue: ListPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the queue's prefetch of linked competencies, each row reads its own: the
    counts differ, so an equal count above means something."""
    original = supervision_selectors.review_queue
    monkeypatch.setattr(
        supervision_selectors,
        "review_queue",
        lambda *args, **kwargs: original(*args, **kwargs).prefetch_related(None),
    )
    few, _ = _queries(review_queue.client, review_queue.url)
    review_queue.grow(20)
    many, _ = _queries(review_queue.client, review_queue.url)
    assert many > few


# --- Pagination ----------------------------------------------------------------------------


def _rows(html: str, marker: str) -> list[str]:
    return html.split(marker)[1:]


def _names(html: str) -> list[str]:
    """The applicants on an administration queue page, in order."""
    return re.findall(r'data-testid="application-row">\s*<td><a [^>]+>([^<]+)</a>', html)


@pytest.fixture
def sixty_applications(framework: Framework, register_admin: User) -> list[Application]:
    return waiting_applications(60, framework, assigned_to=register_admin)


@pytest.fixture
def admin_web(register_admin: User, client: Client) -> Client:
    # Administration pages need a second factor in this session, not only an authenticator.
    force_login_with_mfa(client, register_admin)
    return client


def test_page_two_of_the_administration_queue_shows_the_next_rows(
    sixty_applications: list[Application], admin_web: Client
) -> None:
    first = admin_web.get("/register/admin/").content.decode()
    second = admin_web.get("/register/admin/?page=2").content.decode()
    oldest_first = [a.applicant.full_name for a in sixty_applications]
    assert _names(first) == oldest_first[:50]
    assert _names(second) == oldest_first[50:]
    assert "Showing 1 to 50 of 60 applications" in first
    assert "Showing 51 to 60 of 60 applications" in second
    assert 'aria-current="page" aria-label="Page 2"' in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert 'rel="next"' in first and 'rel="prev"' not in first


def test_the_filters_are_kept_from_page_to_page(
    sixty_applications: list[Application], admin_web: Client
) -> None:
    # Levels run 1, 2, 3, 1, …: 20 at Level 1; with 10 on a page there would be 2 pages, so
    # take the whole queue at Level 1 and check the links carry level and status.
    html = admin_web.get("/register/admin/?status=waiting&level=1&waiting=").content.decode()
    assert len(_names(html)) == 20
    assert "Pagination" not in html  # one page: no links
    html = admin_web.get("/register/admin/?status=all&waiting=").content.decode()
    assert 'href="?status=all&amp;page=2"' in html  # empty `waiting` left out
    second = admin_web.get("/register/admin/?status=all&page=2").content.decode()
    assert len(_names(second)) == 10
    assert 'href="?status=all&amp;page=1"' in second


@pytest.mark.parametrize(
    # Not "page": pytest-playwright would take that name for its browser page, and the
    # browser parametrisation would pull the live-server (flushing) tests in among these.
    ("asked", "shown"),
    [
        ("2", 2),
        ("999", 2),  # past the end: the last page
        ("0", 1),
        ("-3", 1),
        ("two", 1),
        ("1.5", 1),
        ("", 1),
        ("9" * 5000, 1),  # too long to be a number
    ],
)
def test_a_page_number_that_is_not_a_page_is_answered_sensibly(
    sixty_applications: list[Application], admin_web: Client, asked: str, shown: int
) -> None:
    response = admin_web.get("/register/admin/", {"page": asked})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'aria-current="page" aria-label="Page {shown}"' in html
    assert len(_names(html)) == (50 if shown == 1 else 10)


def test_the_public_register_keeps_the_search_across_pages(db: None, client: Client) -> None:
    register_entries(30)
    RegisterEntry.objects.filter(number__endswith="00029").update(name="Someone Else")
    html = client.get("/register/", {"q": "holder"}).content.decode()
    assert "29 results" in html
    assert len(_rows(html, RESULT_ROW)) == 25
    assert 'href="?q=holder&amp;page=2"' in html
    second = client.get("/register/", {"q": "holder", "page": "2"}).content.decode()
    names = re.findall(r'register-result"><td><a [^>]+>([^<]+)</a>', second)
    assert names == [f"Holder {i:05d}" for i in range(25, 29)]
    assert "Showing 26 to 29 of 29 results" in second
    # The whole register, as before: an empty search lists every current entry.
    everything = client.get("/register/", {"q": "", "level": "", "region": ""}).content.decode()
    assert "30 results" in everything
    assert 'href="?page=2"' in everything


def test_the_evidence_list_keeps_its_filters_across_pages(
    practitioner: User, client: Client
) -> None:
    bulk_evidence(practitioner.portfolio, 60)
    client.force_login(practitioner)
    # Every fourth item is a CPD activity: 15 of them; every other a reflective account: 30.
    html = client.get("/portfolio/evidence/", {"kind": "reflective_account"}).content.decode()
    assert "30 items" in html
    assert 'href="?kind=reflective_account&amp;page=2"' in html
    second = client.get(
        "/portfolio/evidence/", {"kind": "reflective_account", "page": "2"}
    ).content.decode()
    assert len(re.findall(r'href="/portfolio/evidence/\d+/"', second)) == 5
    assert "Showing 26 to 30 of 30 items" in second


def test_bulk_sign_off_works_on_the_page_shown(
    framework: Framework, supervisor: User, client: Client
) -> None:
    waiting_for_review(supervisor, framework, items=60, supervisees=2)
    client.force_login(supervisor)
    second = client.get("/supervision/", {"page": "2"}).content.decode()
    ids = re.findall(r'name="revision" value="(\d+)"', second)
    assert len(ids) == 10
    assert '<input type="hidden" name="page" value="2">' in second
    # A failed sign-off (no declaration) comes back on the same page with the boxes ticked.
    refused = client.post(BULK, {"revision": ids[:3], "page": "2"})
    assert refused.status_code == 400
    again = refused.content.decode()
    assert re.findall(r'name="revision" value="(\d+)"', again) == ids
    assert 'aria-current="page" aria-label="Page 2"' in again
    done = client.post(BULK, {"revision": ids[:3], "page": "2", "declaration": "on"})
    assert done.status_code == 302
    statuses = EvidenceRevision.objects.filter(pk__in=ids).values_list("pk", "status")
    assert {str(pk) for pk, s in statuses if s == "signed_off"} == set(ids[:3])


def test_the_queue_filters_are_kept_after_a_failed_sign_off(
    framework: Framework, supervisor: User, client: Client
) -> None:
    waiting_for_review(supervisor, framework, items=120, supervisees=2)
    client.force_login(supervisor)
    kind = "reflective_account"
    html = client.get("/supervision/", {"kind": kind}).content.decode()
    assert f'href="?kind={kind}&amp;page=2"' in html
    ids = re.findall(r'name="revision" value="(\d+)"', html)
    refused = client.post(BULK, {"revision": ids[:1], "kind": kind})
    assert refused.status_code == 400
    assert f'href="?kind={kind}&amp;page=2"' in refused.content.decode()


def test_an_outsider_sees_no_other_practitioners_rows_on_any_page(
    framework: Framework, client: Client
) -> None:
    owner = UserFactory()
    make_portfolio(owner, framework)
    bulk_evidence(owner.portfolio, 30)
    outsider = UserFactory()
    make_portfolio(outsider, framework)
    client.force_login(outsider)
    for number in ("1", "2"):
        html = client.get("/portfolio/evidence/", {"page": number}).content.decode()
        assert "0 items" in html
        assert not re.findall(r'href="/portfolio/evidence/\d+/"', html)


# --- The component ------------------------------------------------------------------------


def _render(number: object, rows: int, query: str = "", extra: str = "") -> str:
    from django.template import Context, Template
    from django.test import RequestFactory

    from imhcpd.pagination import paginate

    request = RequestFactory().get(f"/somewhere/?{query}")
    page = paginate(list(range(rows)), number, 25)
    template = Template("{% load ui %}{% pagination page " + (extra or '"row,rows"') + " %}")
    return template.render(Context({"page": page, "request": request, "filters": FILTERS}))


FILTERS = {"kind": "cpd_activity", "domain": 3, "empty": "", "many": ["a", "b"], "none": None}


def test_the_component_draws_gov_uk_pagination() -> None:
    html = _render("20", 1000, "q=infant+cues&page=3&level=")
    assert '<nav class="mt-3" aria-label="Pagination"' in html
    assert "Showing 476 to 500 of 1,000 rows" in html
    # First, last and the neighbours of the current page, with gaps between.
    numbers = re.findall(r'aria-label="Page (\d+)"', html)
    assert numbers == ["1", "19", "20", "21", "40"]
    assert html.count("&hellip;") == 2
    # On a phone: Previous, the current page and its neighbours, Next (one row at 375 px).
    hidden = re.findall(r'd-none d-sm-block"><a [^>]*aria-label="Page (\d+)"', html)
    assert hidden == ["1", "40"]
    assert 'aria-current="page" aria-label="Page 20"' in html
    # The search is kept, the old page number and the empty filter are not.
    assert 'href="?q=infant+cues&amp;page=19" rel="prev"' in html
    assert 'href="?q=infant+cues&amp;page=21" rel="next"' in html
    assert "level=" not in html


def test_the_component_takes_the_filters_it_is_given() -> None:
    html = _render("1", 30, "ignored=1", extra='"row,rows" filters')
    assert 'href="?kind=cpd_activity&amp;domain=3&amp;many=a&amp;many=b&amp;page=2"' in html
    assert "ignored" not in html and "empty" not in html and "none" not in html
    assert 'rel="prev"' not in html


def test_the_component_is_silent_for_a_single_page() -> None:
    assert "Pagination" not in _render("1", 25)
    assert "Pagination" not in _render("1", 0)
    assert "Showing 26 to 26 of 26 rows" in _render("2", 26)
    assert "Showing 1 to 25 of 26 rows" in _render("x", 26)

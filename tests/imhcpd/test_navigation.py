"""The navigation and the supervisor's queue are assembled from what each app registers, so
imhcpd and supervision need not import the apps above them. These tests pin what each
persona is shown and where each lands, and that the register's queue section arrives."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser

from imhcpd.models import User
from imhcpd.navigation import navigation_for
from portfolios.supervision.notifications import notify
from portfolios.supervision.queue import queue_sections
from portfolios.supervision.services import supervision_end
from register.services import application_start, endorsement_request
from tests.factories import UserFactory, make_eligible, make_supervision

pytestmark = pytest.mark.django_db


def test_anonymous_has_no_flags_and_no_landing() -> None:
    nav = navigation_for(AnonymousUser())
    assert (nav.signed_in, nav.practitioner, nav.supervisor, nav.register_admin) == (
        False,
        False,
        False,
        False,
    )
    assert nav.landing is None


def test_a_new_account_is_a_practitioner_to_be(db: None) -> None:
    nav = navigation_for(UserFactory())
    assert nav.signed_in and nav.practitioner
    assert not nav.supervisor and not nav.register_admin
    assert nav.landing == "portfolios:dashboard"


def test_a_supervisor_without_a_portfolio_lands_on_the_queue(practitioner, supervisor) -> None:  # type: ignore[no-untyped-def]
    make_supervision(practitioner.portfolio, supervisor)
    nav = navigation_for(User.objects.get(pk=supervisor.pk))
    assert nav.supervisor and not nav.practitioner
    assert nav.landing == "supervision:home"
    assert navigation_for(User.objects.get(pk=practitioner.pk)).landing == "portfolios:dashboard"


def test_a_register_admin_without_a_portfolio_lands_on_administration(register_admin) -> None:  # type: ignore[no-untyped-def]
    nav = navigation_for(register_admin)
    assert nav.register_admin and not nav.practitioner
    assert nav.landing == "register:admin_home"


def test_a_supervisor_with_a_portfolio_lands_on_their_portfolio(
    practitioner, other_practitioner
) -> None:  # type: ignore[no-untyped-def]
    make_supervision(practitioner.portfolio, other_practitioner)
    nav = navigation_for(User.objects.get(pk=other_practitioner.pk))
    assert nav.practitioner and nav.supervisor
    assert nav.landing == "portfolios:dashboard"


def test_every_flag_is_read_in_one_query(practitioner, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    notify(practitioner, "One.")
    notify(practitioner, "Two.")
    user = User.objects.get(pk=practitioner.pk)
    with django_assert_num_queries(1):
        nav = navigation_for(user)
    assert nav.unread == 2
    assert nav.no_such_flag is False  # an absent app's flag reads False, never an error


def test_home_redirects_each_persona_to_their_landing(
    client, practitioner, supervisor, register_admin
) -> None:  # type: ignore[no-untyped-def]
    make_supervision(practitioner.portfolio, supervisor)
    expected = {
        practitioner: "/portfolio/",
        supervisor: "/supervision/",
        register_admin: "/register/admin/",
    }
    for user, path in expected.items():
        client.force_login(user)
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"] == path
        client.logout()


def test_pages_are_titled_page_then_site(client, framework) -> None:  # type: ignore[no-untyped-def]
    assert "<title>Home — IMH CPD</title>" in client.get("/").content.decode()
    page = client.get("/framework/").content.decode()
    assert "<title>Competency framework — IMH CPD</title>" in page


def test_the_register_adds_endorsements_to_the_supervisors_queue(practitioner, supervisor) -> None:  # type: ignore[no-untyped-def]
    make_eligible(practitioner, supervisor)
    supervision = practitioner.portfolio.supervisions.active().get()
    assert queue_sections(supervisor) == []  # nothing asked yet: no empty section
    application = application_start(user=practitioner, level=2)
    endorsement = endorsement_request(
        application=application, supervision=supervision, by=practitioner
    )

    (section,) = queue_sections(supervisor)
    assert section.template == "register/_endorsements_waiting.html"
    assert list(section.items) == [endorsement]
    assert queue_sections(UserFactory()) == []  # someone else's queue shows none of it

    supervision_end(supervision=supervision, by=practitioner)
    assert queue_sections(supervisor) == []  # an ended supervision grants nothing


def primary_and_more(client, url: str = "/framework/") -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    html = client.get(url).content.decode()
    nav = html[html.index('id="main-nav"') : html.index("account-nav")]
    menu = html[html.index("account-nav") : html.index("</header>")]
    return re.findall(r'data-nav="([a-z-]+)"', nav), re.findall(r'data-nav="([a-z-]+)"', menu)


def test_each_persona_sees_at_most_six_primary_links_the_rest_in_the_account_menu(
    client, practitioner, other_practitioner, supervisor, register_admin
) -> None:  # type: ignore[no-untyped-def]
    assert primary_and_more(client)[0] == ["framework", "public-register"]
    client.force_login(practitioner)
    primary, menu = primary_and_more(client)
    assert primary == ["dashboard", "matrix", "evidence", "supervisors", "register-apply", "plan"]
    assert menu == [
        "account-menu",
        "notifications",
        "account",
        "security",
        "my-data",
        # Not yet in a team: the way to start one (in a team, "Teams" is under More).
        "teams-start",
        "revalidation",
        "exports",
        "framework",
        "public-register",
        "sign-out",
    ]
    make_supervision(practitioner.portfolio, other_practitioner)
    client.force_login(User.objects.get(pk=other_practitioner.pk))
    primary, menu = primary_and_more(client)
    assert len(primary) == 6 and primary[:2] == ["dashboard", "review-queue"]
    assert "plan" in menu and "exports" in menu
    make_supervision(other_practitioner.portfolio, supervisor)
    client.force_login(User.objects.get(pk=supervisor.pk))
    assert primary_and_more(client)[0] == ["review-queue", "framework", "public-register"]
    client.force_login(register_admin)
    assert primary_and_more(client)[0] == ["register-admin", "framework", "public-register"]


def test_the_current_page_is_marked_in_the_navigation(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    html = client.get("/portfolio/evidence/new/").content.decode()
    assert re.search(r'data-nav="evidence" aria-current="page"', html)
    assert len(re.findall(r'aria-current="page"', html)) == 1

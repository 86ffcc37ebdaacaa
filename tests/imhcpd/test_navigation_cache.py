"""What the load benchmark's optimisations must not weaken.

The navigation's flags are read with SQL built once per process (imhcpd.navigation), and
sessions stay in the database (a cache that fails open could keep one alive that a sign-out
removed). Neither may serve a stale role or a session that has ended: a role granted or
removed shows on the very next page, and a session ended by signing out or by a password
change elsewhere opens nothing afterwards.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from imhcpd.models import User
from imhcpd.navigation import navigation_for
from imhcpd.roles import REGISTER_ADMINS_GROUP, is_register_admin
from portfolios.supervision.services import supervision_end
from tests.factories import PASSWORD, make_supervision

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # a new request loads the user anew


def test_the_flags_are_one_query_and_each_user_gets_their_own(
    practitioner: User, supervisor: User
) -> None:
    make_supervision(practitioner.portfolio, supervisor)
    them, me = fresh(supervisor), fresh(practitioner)
    with CaptureQueriesContext(connection) as queries:
        theirs, mine = navigation_for(them), navigation_for(me)
    assert len(queries) == 2
    assert theirs.supervisor and not theirs.practitioner
    assert mine.practitioner and not mine.supervisor


def test_a_supervision_accepted_and_ended_shows_on_the_next_read(
    practitioner: User, supervisor: User
) -> None:
    assert not navigation_for(fresh(supervisor)).supervisor
    supervision = make_supervision(practitioner.portfolio, supervisor)
    assert navigation_for(fresh(supervisor)).supervisor
    supervision_end(supervision=supervision, by=practitioner)
    assert not navigation_for(fresh(supervisor)).supervisor


def test_a_register_admin_removed_from_the_group_loses_the_role_at_once(
    register_admin: User,
) -> None:
    user = fresh(register_admin)
    navigation_for(user)
    assert is_register_admin(user)
    register_admin.groups.remove(Group.objects.get(name=REGISTER_ADMINS_GROUP))
    user = fresh(register_admin)
    assert not navigation_for(user).register_admin
    assert not is_register_admin(user)


def test_sessions_live_in_the_database_alone() -> None:
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_a_session_signed_out_opens_nothing_afterwards(practitioner: User) -> None:
    browser = Client()
    assert browser.post("/accounts/login/", {"login": practitioner.email, "password": PASSWORD})
    assert browser.get("/portfolio/").status_code == 200
    stolen = browser.cookies[settings.SESSION_COOKIE_NAME].value
    browser.post("/accounts/logout/")
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = thief.get("/portfolio/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_password_change_ends_the_other_sessions(practitioner: User) -> None:
    other = Client()
    other.post("/accounts/login/", {"login": practitioner.email, "password": PASSWORD})
    assert other.get("/portfolio/").status_code == 200
    user = fresh(practitioner)
    user.set_password("a-new-password-9c1e")
    user.save()
    response = other.get("/portfolio/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

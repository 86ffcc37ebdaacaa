"""Every URL × every persona → the expected status. Later issues add their rows here.

Codes: 200 shown · 302 sent to sign in · 403 role missing · 404 not theirs to see.
"""

from __future__ import annotations

import pytest

from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db

ALL_200 = dict.fromkeys(PERSONAS, 200)
SIGNED_IN_200 = {**ALL_200, "anonymous": 302}

MATRIX: list[tuple[str, dict[str, int]]] = [
    ("/", ALL_200),
    ("/health", ALL_200),
    ("/framework/", ALL_200),
    ("/framework/domains/3/", ALL_200),
    ("/framework/domains/3/level/3/", ALL_200),
    ("/framework/competencies/6.01/", ALL_200),
    ("/framework/search/?q=consent", ALL_200),
    ("/accounts/login/", {**ALL_200, **dict.fromkeys(PERSONAS[1:], 302)}),
    ("/accounts/signup/", {**ALL_200, **dict.fromkeys(PERSONAS[1:], 302)}),
    ("/accounts/email/", SIGNED_IN_200),
    ("/accounts/password/change/", SIGNED_IN_200),
    ("/accounts/2fa/", SIGNED_IN_200),
    (
        "/register/admin/",
        {
            "anonymous": 302,
            "practitioner": 403,
            "other_practitioner": 403,
            "supervisor": 403,
            "register_admin": 200,
            "staff": 403,
        },
    ),
    # The Django admin sends anyone who is not staff to its own login page.
    ("/admin/", {**dict.fromkeys(PERSONAS, 302), "staff": 200}),
    ("/admin/competencies/framework/", {**dict.fromkeys(PERSONAS, 302), "staff": 200}),
]

CASES = [(url, persona, expected[persona]) for url, expected in MATRIX for persona in PERSONAS]


def test_matrix_covers_every_persona() -> None:
    assert all(set(expected) == set(PERSONAS) for _, expected in MATRIX)


@pytest.mark.parametrize(("url", "persona", "expected"), CASES)
def test_permission_matrix(
    persona_client, framework, url: str, persona: str, expected: int
) -> None:
    response = persona_client(persona).get(url)
    assert response.status_code == expected, f"{persona} → {url}"
    if expected == 302 and persona == "anonymous":
        assert "login" in response["Location"]


def _route_names(patterns, namespace: str = "") -> set[str]:  # type: ignore[no-untyped-def]
    names: set[str] = set()
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _route_names(pattern.url_patterns, inner)
        elif pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_every_route_of_ours_is_in_the_matrix() -> None:
    """A new page cannot ship without its row in the matrix above."""
    from django.urls import get_resolver, resolve

    covered = {resolve(url.split("?")[0]).view_name for url, _ in MATRIX}
    third_party = ("admin:", "account_", "mfa_")
    ours = {n for n in _route_names(get_resolver().url_patterns) if not n.startswith(third_party)}
    assert ours - covered == set()

"""The public framework pages: content, 404s, bad input and a bounded query count."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from competencies.models import Framework

pytestmark = pytest.mark.django_db


def test_overview_lists_domains_counts_and_levels(client, framework: Framework) -> None:
    response = client.get(reverse("competencies:overview"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Normal and atypical development" in html
    assert "63 competencies" in html
    for name in ("Informed Practice", "Enhanced Practice", "Specialist Practice"):
        assert name in html
    assert 'data-testid="illustrative-note"' in html
    assert "not AiMH UK’s official wording" in html


def test_official_framework_shows_no_illustrative_note(client, framework: Framework) -> None:
    Framework.objects.filter(pk=framework.pk).update(is_illustrative=False)
    html = client.get(reverse("competencies:overview")).content.decode()
    assert 'data-testid="illustrative-note"' not in html


def test_without_a_framework_the_overview_says_so(client, db) -> None:
    response = client.get(reverse("competencies:overview"))
    assert response.status_code == 404
    assert "No competency framework has been loaded yet" in response.content.decode()


@pytest.mark.parametrize("level", [1, 2, 3])
def test_domain_page_shows_the_chosen_level(client, framework: Framework, level: int) -> None:
    url = reverse("competencies:domain_level", args=[1, level])
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    expected = framework.competencies.get(code="1.01").descriptors.get(level__number=level).text
    assert escape(expected) in html
    other = 1 if level != 1 else 2
    unexpected = framework.competencies.get(code="1.01").descriptors.get(level__number=other)
    assert escape(unexpected.text) not in html
    assert f'aria-current="page" href="{url}"' in html
    assert html.count('class="card mb-3"') == 10


def test_competency_page_shows_three_levels_side_by_side(client, framework: Framework) -> None:
    response = client.get(reverse("competencies:competency", args=["4.02"]))
    html = response.content.decode()
    assert response.status_code == 200
    for descriptor in framework.competencies.get(code="4.02").descriptors.all():
        assert escape(descriptor.text) in html
    assert "Domain 4: Assessment of caregiving" in html


@pytest.mark.parametrize(
    "url",
    [
        "/framework/domains/8/",
        "/framework/domains/0/level/1/",
        "/framework/domains/1/level/4/",
        "/framework/domains/1/level/0/",
        "/framework/competencies/1.11/",
        "/framework/competencies/9.01/",
        "/framework/competencies/1.1/",
        "/framework/competencies/abc/",
    ],
)
def test_unknown_domain_level_or_code_is_404(client, framework: Framework, url: str) -> None:
    assert client.get(url).status_code == 404


def test_pages_404_when_no_framework_is_active(client, framework: Framework) -> None:
    Framework.objects.update(is_active=False)
    assert client.get("/framework/domains/1/").status_code == 404
    assert client.get("/framework/competencies/1.01/").status_code == 404


def test_search_finds_words_across_descriptors(client, framework: Framework) -> None:
    response = client.get(reverse("competencies:search"), {"q": "Video Interaction Guidance"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "found for “Video Interaction Guidance”" in html
    assert "/framework/competencies/5." in html


def test_search_by_code(client, framework: Framework) -> None:
    response = client.get(reverse("competencies:search"), {"q": "7.03"})
    assert response.status_code == 200
    assert "/framework/competencies/7.03/" in response.content.decode()


def test_search_with_no_match_suggests_something(client, framework: Framework) -> None:
    response = client.get(reverse("competencies:search"), {"q": "zzzzqqq"})
    assert response.status_code == 200
    assert "Nothing matched" in response.content.decode()


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("   ", "Type a word or a competency code to search for."),
        ("x" * 201, "Use at most 200 characters."),
    ],
)
def test_search_bad_input_is_400_with_a_message(client, framework: Framework, q, message) -> None:
    response = client.get(reverse("competencies:search"), {"q": q})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_search_form_without_query_is_a_plain_form(client, framework: Framework) -> None:
    response = client.get(reverse("competencies:search"))
    assert response.status_code == 200
    assert "found for" not in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/framework/",
        "/framework/domains/1/level/2/",
        "/framework/competencies/1.01/",
        "/framework/search/?q=attachment",
    ],
)
def test_pages_use_a_bounded_number_of_queries(
    client, framework: Framework, practitioner, django_assert_max_num_queries, url: str
) -> None:
    client.force_login(practitioner)
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


def test_framework_pages_refuse_post(client, framework: Framework) -> None:
    assert client.post(reverse("competencies:overview")).status_code == 405

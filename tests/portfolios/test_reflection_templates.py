"""Issue 13: a reflective account written in Rolfe, Gibbs, Kolb, the NMC form or Social Work
England's questions; switching template keeps every answer; the item page and the PDF print
the template's own questions; the regulators' fields on CPD and feedback.

Posted over HTTP as the browser would, as the `practitioner` persona. All text is invented.
"""

from __future__ import annotations

import io
import itertools
from typing import Any

import pypdf
import pytest
from django.http import QueryDict
from django.utils.html import escape

from portfolios.evidence_kinds import (
    CODE_THEMES,
    KINDS,
    REFLECTION_TEMPLATES,
    code_theme_labels,
    detail_rows,
    reflection_sections,
    switch_template,
    text_to_scan,
)
from portfolios.exports.pdf import render_html, render_pdf
from portfolios.exports.snapshot import ExportOptions, build_snapshot
from portfolios.forms import TEMPLATE_CHOICE_ERROR
from portfolios.models import Evidence, EvidenceKind, EvidenceRevision
from tests.exports.test_exports import squash
from tests.exports.test_pdf_content import META
from tests.factories import make_evidence
from tests.portfolios.test_evidence import (
    NHS_NUMBER,
    comp,
    create_url,
    detail_url,
    edit_url,
    evidence_post,
    sign_off,
)

pytestmark = pytest.mark.django_db

REFLECTIVE = EvidenceKind.REFLECTIVE_ACCOUNT
WHAT = "At a baby clinic a father held his crying son at arm's length."
SO_WHAT = "I saw how unsure he felt, and that my hurry added to it."
NOW_WHAT = "I now sit down beside a parent before offering any advice."
FEELINGS = "I felt rushed and a little helpless."
EVALUATION = "The clinic room was calm once I slowed down."


@pytest.fixture
def signed_in(client, practitioner):  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    return client


def rolfe_post(framework, **fields: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    data = evidence_post(
        title="Clinic reflection",
        links=[(comp(framework, "1.01"), "It shows 1.01 at the clinic.")],
        what_happened=WHAT,
        so_what=SO_WHAT,
        now_what=NOW_WHAT,
    )
    return {**data, **fields}


def answers(post: dict[str, Any], template: str) -> dict[str, Any]:
    """A template's answers in a post, every key the template asks for filled."""
    out: dict[str, Any] = {}
    for f in REFLECTION_TEMPLATES[template].details:
        out[f.name] = ["preserve_safety"] if f.multiple else f"My answer to {f.short}."
    return {**post, **out, "template": template, "shown_template": template}


def switch(client, url: str, data: dict[str, Any], to: str):  # type: ignore[no-untyped-def]
    return client.post(url, {**data, "template": to, "switch_template": "1"})


def as_posted_again(response) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """What the browser posts next from the re-drawn page: the form's (bound) values."""
    data: QueryDict = response.context["form"].data
    out: dict[str, Any] = {k: v if len(v) != 1 else v[0] for k, v in data.lists()}
    out.pop("switch_template", None)
    out["shown_template"] = response.context["template"].key
    return out


def value(response, name: str) -> Any:  # type: ignore[no-untyped-def]
    return response.context["form"][name].value()


def shown_fields(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.name for f in response.context["form"].detail_fields]


# --- Switching template keeps what was written --------------------------------------------


def test_switching_rolfe_to_nmc_to_gibbs_and_back_keeps_every_answer(signed_in, framework) -> None:  # type: ignore[no-untyped-def]
    url = create_url(REFLECTIVE)
    data = rolfe_post(framework, shown_template="rolfe")

    to_nmc = switch(signed_in, url, data, "nmc")

    assert to_nmc.status_code == 200
    assert not Evidence.objects.exists()
    html = to_nmc.content.decode()
    assert 'data-testid="template-switched"' in html
    assert escape(REFLECTION_TEMPLATES["nmc"].details[0].label) in html
    assert 'name="code_themes"' in html
    assert [value(to_nmc, n) for n in ("what_happened", "so_what", "now_what")] == [
        WHAT,
        SO_WHAT,
        NOW_WHAT,
    ]
    for text in (WHAT, SO_WHAT, NOW_WHAT, "Clinic reflection", "It shows 1.01 at the clinic."):
        assert escape(text) in html
    assert 'data-testid="error-summary"' not in html and "is-invalid" not in html
    assert value(to_nmc, "date") == "2025-06-01"
    assert to_nmc.context["links"].forms[0]["competency"].value() == str(comp(framework, "1.01").pk)

    to_gibbs = switch(signed_in, url, as_posted_again(to_nmc), "gibbs")

    assert to_gibbs.status_code == 200
    assert shown_fields(to_gibbs) == [
        "what_happened",
        "feelings",
        "evaluation",
        "so_what",
        "conclusion",
        "now_what",
    ]
    assert "Feelings: what were you thinking and feeling?" in to_gibbs.content.decode()
    assert (value(to_gibbs, "what_happened"), value(to_gibbs, "now_what")) == (WHAT, NOW_WHAT)
    assert value(to_gibbs, "so_what") == SO_WHAT
    assert not Evidence.objects.exists()

    gibbs = {**as_posted_again(to_gibbs), "feelings": FEELINGS, "evaluation": EVALUATION}
    back = switch(signed_in, url, gibbs, "rolfe")

    assert back.status_code == 200
    assert shown_fields(back) == ["what_happened", "so_what", "now_what"]
    assert value(back, "so_what") == (
        f"{SO_WHAT}\n\nFeelings:\n{FEELINGS}\n\nEvaluation:\n{EVALUATION}"
    )
    assert escape(FEELINGS) in back.content.decode()

    saved = signed_in.post(url, as_posted_again(back))

    assert saved.status_code == 302
    revision = Evidence.objects.get().current
    assert revision.details["template"] == "rolfe"
    assert FEELINGS in revision.details["so_what"]
    assert revision.title == "Clinic reflection"
    assert [link.competency.code for link in revision.links.all()] == ["1.01"]


def test_choosing_another_template_and_pressing_save_switches_without_saving(
    signed_in, framework
) -> None:  # type: ignore[no-untyped-def]
    data = rolfe_post(framework, shown_template="rolfe", template="kolb")

    response = signed_in.post(create_url(REFLECTIVE), data)

    assert response.status_code == 200
    assert not Evidence.objects.exists()
    assert "reflective_observation" in shown_fields(response)
    assert value(response, "so_what") == SO_WHAT


def test_leaving_the_nmc_form_keeps_its_themes_and_explanation_as_text() -> None:
    nmc = {
        "template": "nmc",
        "what_happened": WHAT,
        "so_what": SO_WHAT,
        "now_what": NOW_WHAT,
        "code_themes": ["prioritise_people", "preserve_safety"],
        "code_relevance": "Listening before advising puts the family first.",
    }

    swe = switch_template(nmc, "swe")

    assert swe == {
        "template": "swe",
        "what_happened": WHAT,
        "so_what": (
            f"{SO_WHAT}\n\nThemes of the Code it is relevant to:\nPrioritise people, "
            "Preserve safety\n\nRelevance to the Code:\n"
            "Listening before advising puts the family first."
        ),
        "now_what": NOW_WHAT,
        "peer_reflection": "",
    }


@pytest.mark.parametrize(("old", "new"), list(itertools.permutations(REFLECTION_TEMPLATES, 2)))
def test_no_answer_is_lost_between_any_two_templates(old: str, new: str) -> None:
    details = {"template": old}
    for f in REFLECTION_TEMPLATES[old].details:
        details[f.name] = ["practise_effectively"] if f.multiple else f"Answer to {f.name}."

    switched = switch_template(details, new)

    assert switched["template"] == new
    assert set(switched) == {"template", *(f.name for f in REFLECTION_TEMPLATES[new].details)}
    everything = " ".join(str(v) for v in switched.values())
    for f in REFLECTION_TEMPLATES[old].details:
        assert ("Practise effectively" if f.multiple else f"Answer to {f.name}.") in everything


# --- Saving, revisions, bad input -------------------------------------------------------------


@pytest.mark.parametrize("template", list(REFLECTION_TEMPLATES))
def test_each_template_saves_its_answers_and_its_key(signed_in, framework, template) -> None:  # type: ignore[no-untyped-def]
    data = answers(rolfe_post(framework), template)

    response = signed_in.post(create_url(REFLECTIVE), data)

    assert response.status_code == 302
    details = Evidence.objects.get().current.details
    assert details["template"] == template
    for f in REFLECTION_TEMPLATES[template].details:
        assert details[f.name] == data[f.name]
    html = signed_in.get(response.url).content.decode()
    assert f"Written with {escape(REFLECTION_TEMPLATES[template].name)}" in html
    for f in REFLECTION_TEMPLATES[template].details:
        assert escape(f.label) in html


@pytest.mark.parametrize("template", list(REFLECTION_TEMPLATES))
def test_each_templates_main_questions_are_required(signed_in, framework, template) -> None:  # type: ignore[no-untyped-def]
    fields = REFLECTION_TEMPLATES[template].details
    blank = {f.name: "" for f in fields}
    data = {**rolfe_post(framework), **blank, "template": template, "shown_template": template}

    response = signed_in.post(create_url(REFLECTIVE), data)

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {f.name for f in fields if f.required}
    assert not Evidence.objects.exists()


def test_the_nmc_form_without_a_theme_of_the_code_is_400_with_a_message(
    signed_in, framework
) -> None:  # type: ignore[no-untyped-def]
    data = answers(rolfe_post(framework), "nmc")
    data.pop("code_themes")

    response = signed_in.post(create_url(REFLECTIVE), data)

    assert response.status_code == 400
    assert response.context["form"].errors["code_themes"] == [
        "Select at least one theme of the Code."
    ]
    html = response.content.decode()
    assert "Select at least one theme of the Code." in html
    # The error summary's link lands on the first box.
    assert 'href="#id_code_themes"' in html and 'id="id_code_themes"' in html
    assert not Evidence.objects.exists()


def test_an_unknown_template_is_400_with_a_message_not_500(signed_in, framework) -> None:  # type: ignore[no-untyped-def]
    url = create_url(REFLECTIVE)
    for data in (
        rolfe_post(framework, template="driscoll"),
        rolfe_post(framework, template="driscoll", switch_template="1"),
    ):
        response = signed_in.post(url, data)

        assert response.status_code == 400
        assert response.context["form"].errors["template"] == [TEMPLATE_CHOICE_ERROR]
        html = response.content.decode()
        assert escape(TEMPLATE_CHOICE_ERROR) in html
        assert 'href="#id_template"' in html and 'id="id_template"' in html
    assert not Evidence.objects.exists()

    response = signed_in.get(f"{url}?template=driscoll")

    assert response.status_code == 400
    assert "There is no reflection template called “driscoll”." in response.content.decode()


def test_a_link_can_open_the_form_in_a_template(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    response = signed_in.get(f"{create_url(REFLECTIVE)}?template=nmc")

    assert response.status_code == 200
    assert "code_themes" in shown_fields(response)

    older = make_evidence(practitioner.portfolio)  # written before templates: no key
    response = signed_in.get(f"{edit_url(older)}?template=gibbs")

    assert "feelings" in shown_fields(response)
    assert value(response, "what_happened") == older.current.details["what_happened"]


def test_a_new_revision_keeps_its_own_template(signed_in, practitioner, framework) -> None:  # type: ignore[no-untyped-def]
    signed_in.post(create_url(REFLECTIVE), answers(rolfe_post(framework), "nmc"))
    evidence = Evidence.objects.get()
    sign_off(evidence)

    edit = signed_in.get(edit_url(evidence))
    assert value(edit, "template") == "nmc"
    assert value(edit, "code_themes") == ["preserve_safety"]

    # Posted without naming a template: the item's own stays.
    data = {**answers(rolfe_post(framework), "nmc"), "now_what": "More."}
    del data["template"], data["shown_template"]
    response = signed_in.post(edit_url(evidence), data)

    assert response.status_code == 302
    first, second = evidence.revisions.order_by("number")
    assert (first.details["template"], second.details["template"]) == ("nmc", "nmc")
    assert second.details["now_what"] == "More."
    evidence.refresh_from_db()
    sign_off(evidence)

    gibbs = answers(rolfe_post(framework), "gibbs")
    signed_in.post(edit_url(evidence), gibbs)

    templates = [r.details["template"] for r in evidence.revisions.order_by("number")]
    assert templates == ["nmc", "nmc", "gibbs"]


def test_an_item_written_before_templates_is_rolfe(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    assert "template" not in evidence.current.details

    edit = signed_in.get(edit_url(evidence))

    assert value(edit, "template") == "rolfe"
    assert shown_fields(edit) == ["what_happened", "so_what", "now_what"]
    html = signed_in.get(detail_url(evidence)).content.decode()
    assert "Written with Rolfe: What? So what? Now what?" in html
    assert '<h3 class="h6 mb-1">So what? What I learned</h3>' in html


# --- Confidentiality covers every template's text ---------------------------------------------


@pytest.mark.parametrize("template", list(REFLECTION_TEMPLATES))
def test_every_free_text_field_of_each_template_is_scanned(template: str) -> None:
    details = {"template": template}
    free = [f for f in REFLECTION_TEMPLATES[template].details if not f.choices]
    for f in free:
        details[f.name] = f"Text of {f.name}"

    scanned = text_to_scan(REFLECTIVE, "A title", details, [])

    assert scanned == {"Title": "A title", **{f.label: f"Text of {f.name}" for f in free}}


def test_an_nhs_number_in_a_gibbs_only_field_needs_confirmation(signed_in, framework) -> None:  # type: ignore[no-untyped-def]
    data = {**answers(rolfe_post(framework), "gibbs"), "feelings": f"NHS number {NHS_NUMBER}."}

    response = signed_in.post(create_url(REFLECTIVE), data)

    assert response.status_code == 400
    assert 'data-testid="confidentiality-alert"' in response.content.decode()
    assert not Evidence.objects.exists()


# --- The page and the PDF print the template's questions -------------------------------------


def test_the_pdf_prints_each_accounts_own_questions(practitioner) -> None:  # type: ignore[no-untyped-def]
    from portfolios.services import EvidenceInput, evidence_update

    portfolio = practitioner.portfolio
    make_evidence(portfolio, title="Rolfe account")
    nmc = make_evidence(portfolio, title="NMC account")
    nmc_details = {
        **switch_template(nmc.current.details, "nmc"),
        "code_themes": ["prioritise_people", "preserve_safety"],
        "code_relevance": "Listening first puts the family first.",
    }
    evidence_update(
        evidence=nmc,
        data=EvidenceInput(title="NMC account", date=nmc.current.date, details=nmc_details),
        by=practitioner,
    )

    snapshot = build_snapshot(portfolio, ExportOptions(kind="portfolio", level=2))

    items = {item["title"]: item for item in snapshot["evidence"]}
    assert items["Rolfe account"]["template"] == "rolfe"
    assert [h for h, _ in items["Rolfe account"]["sections"]] == [
        "What happened?",
        "So what? What I learned",
        "Now what? What I will do differently",
    ]
    printed = items["NMC account"]
    assert printed["template"] == "nmc"
    assert printed["code_themes"] == ["prioritise_people", "preserve_safety"]
    assert [h for h, _ in printed["sections"]] == [
        f.label for f in REFLECTION_TEMPLATES["nmc"].details if not f.choices
    ]
    html = render_html(snapshot, META)
    assert "Written with NMC reflective account form." in html
    pdf = render_pdf(html, set())
    text = squash(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.pdf)).pages))
    nmc_text = text[text.index("NMC account") :]
    questions = [f.label for f in REFLECTION_TEMPLATES["nmc"].details]
    positions = [nmc_text.index(squash(q)) for q in questions]
    assert positions == sorted(positions)  # in the form's order
    assert "Prioritise people, Preserve safety" in nmc_text
    assert "Listening first puts the family first." in nmc_text
    rolfe_text = text[text.index("Rolfe account") : text.index("NMC account")]
    assert "So what? What I learned" in rolfe_text
    assert "What did you learn from" not in rolfe_text


def test_the_public_helpers_give_sections_and_theme_labels() -> None:
    details = {"template": "gibbs", "what_happened": WHAT, "feelings": FEELINGS}

    assert reflection_sections(details) == [
        ("Description: what happened?", WHAT),
        ("Feelings: what were you thinking and feeling?", FEELINGS),
        ("Evaluation: what was good and bad about the experience?", ""),
        ("Analysis: what sense can you make of the situation?", ""),
        ("Conclusion: what else could you have done?", ""),
        ("Action plan: if it arose again, what would you do?", ""),
    ]
    assert reflection_sections({"what_happened": WHAT})[0] == ("What happened?", WHAT)
    assert code_theme_labels(["promote_professionalism", "unknown"]) == [
        "Promote professionalism and trust"
    ]
    assert [k for k, _ in CODE_THEMES] == [
        "prioritise_people",
        "practise_effectively",
        "preserve_safety",
        "promote_professionalism",
    ]


# --- Regulator fields on CPD and feedback -----------------------------------------------------


def test_cpd_records_method_topic_code_theme_and_peer_reflection(signed_in) -> None:  # type: ignore[no-untyped-def]
    kind = EvidenceKind.CPD_ACTIVITY
    data = evidence_post(
        kind,
        method="e_learning",
        topic="Infant sleep",
        code_theme="preserve_safety",
        peer_reflection="Talked it over with a team leader; we changed our leaflet.",
    )

    response = signed_in.post(create_url(kind), data)

    assert response.status_code == 302
    details = Evidence.objects.get().current.details
    assert (details["method"], details["topic"], details["code_theme"]) == (
        "e_learning",
        "Infant sleep",
        "preserve_safety",
    )
    rows = dict(detail_rows(kind, details))
    assert rows["Method"] == "E-learning"
    assert rows["Part of the Code it relates to (NMC)"] == "Preserve safety"
    html = signed_in.get(response.url).content.decode()
    for shown in (
        "E-learning",
        "Infant sleep",
        "Preserve safety",
        "How it relates to your practice",
    ):
        assert escape(shown) in html


def test_cpd_regulator_fields_are_optional_and_checked(signed_in) -> None:  # type: ignore[no-untyped-def]
    kind = EvidenceKind.CPD_ACTIVITY
    blank = dict.fromkeys(("method", "topic", "code_theme", "peer_reflection"), "")
    assert signed_in.post(create_url(kind), evidence_post(kind, **blank)).status_code == 302

    response = signed_in.post(create_url(kind), evidence_post(kind, method="podcast"))

    assert response.status_code == 400
    assert "method" in response.context["form"].errors


def test_feedback_asks_how_it_was_used_and_other_kinds_have_no_template(signed_in) -> None:  # type: ignore[no-untyped-def]
    labels = {f.name: f.label for f in KINDS[EvidenceKind.FEEDBACK].details}
    assert labels["reflection"] == "How you used it to improve your practice"
    kind = EvidenceKind.FEEDBACK
    signed_in.post(create_url(kind), evidence_post(kind))

    revision = EvidenceRevision.objects.get()
    assert "template" not in revision.details
    html = signed_in.get(edit_url(revision.evidence)).content.decode()
    assert 'data-testid="template-choice"' not in html
    assert "How you used it to improve your practice" in html

"""The practitioner's forms (issue 12, item 6): feedback in view while editing a returned item,
"save and go to the next domain", attachments with a new item, the competency picker, goal
dates and goals closed by a sign-off.

Posted over HTTP as a browser would, signed in as the `practitioner` persona.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.html import escape

from portfolios import services
from portfolios.models import (
    Attachment,
    DevelopmentGoal,
    Evidence,
    EvidenceKind,
    EvidenceRevision,
    Rating,
)
from portfolios.supervision.services import comment_add, evidence_submit, review_sign_off
from tests.factories import make_evidence, make_returned, make_supervision, png_bytes
from tests.portfolios.test_evidence import comp, create_url, edit_url, evidence_post, stored_files

pytestmark = pytest.mark.django_db

FEEDBACK = "Say more about what you will do differently at the next visit."


@pytest.fixture
def signed_in(client, practitioner):  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    return client


# --- Feedback beside the edit form ------------------------------------------------------------


def test_the_edit_page_of_a_returned_item_shows_the_feedback_and_comments(
    signed_in, practitioner, supervisor
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_returned(practitioner, supervisor, FEEDBACK)
    comment_add(evidence=evidence, by=supervisor, body="Happy to talk it through on Friday.")

    html = signed_in.get(edit_url(evidence)).content.decode()

    assert 'data-testid="edit-feedback"' in html
    assert escape(FEEDBACK) in html and "Sam Supervisor" in html
    assert "Happy to talk it through on Friday." in html
    # Read-only: the comment form lives on the item's page, not inside the edit form.
    assert (
        "/supervision/" not in html.split('data-testid="edit-feedback"')[1].split("</section>")[0]
    )


def test_the_feedback_stays_while_the_new_draft_is_edited_again(
    signed_in, practitioner, supervisor
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_returned(practitioner, supervisor, FEEDBACK)
    data = evidence_post(links=[(comp(evidence.portfolio.framework, "1.01"), "It shows 1.01.")])
    assert signed_in.post(edit_url(evidence), data).status_code == 302
    evidence.refresh_from_db()
    assert evidence.current.number == 2 and evidence.current.status == "draft"

    html = signed_in.get(edit_url(evidence)).content.decode()

    assert escape(FEEDBACK) in html and "Revision 1 returned by Sam Supervisor" in html


def test_a_draft_never_reviewed_shows_no_feedback_panel(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    html = signed_in.get(edit_url(evidence)).content.decode()
    assert 'data-testid="edit-feedback"' not in html


# --- Save and go to the next domain ---------------------------------------------------------


def ratings_post(practitioner, number: int, *, next_: bool) -> dict[str, str]:  # type: ignore[no-untyped-def]
    domain = practitioner.portfolio.framework.domains.get(number=number)
    data = {f"c{c.pk}-rating": Rating.WORKING_TOWARDS for c in domain.competencies.all()}
    if next_:
        data["next"] = "1"
    return data


def test_save_and_next_goes_to_the_next_domain_then_the_matrix(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    response = signed_in.post("/portfolio/assess/1/", ratings_post(practitioner, 1, next_=True))
    assert response.status_code == 302 and response["Location"] == "/portfolio/assess/2/"
    assert practitioner.portfolio.self_assessments.count() == 10  # the ratings were saved

    last = practitioner.portfolio.framework.domains.order_by("number").last().number
    response = signed_in.post(
        f"/portfolio/assess/{last}/", ratings_post(practitioner, last, next_=True)
    )
    assert response["Location"] == "/portfolio/matrix/"


def test_save_without_next_stays_and_htmx_next_is_a_client_redirect(
    signed_in, practitioner
) -> None:  # type: ignore[no-untyped-def]
    response = signed_in.post("/portfolio/assess/2/", ratings_post(practitioner, 2, next_=False))
    assert response["Location"] == "/portfolio/assess/2/"
    response = signed_in.post(
        "/portfolio/assess/2/", ratings_post(practitioner, 2, next_=True), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and response["HX-Redirect"] == "/portfolio/assess/3/"


def test_the_rating_page_offers_both_buttons(signed_in) -> None:  # type: ignore[no-untyped-def]
    html = signed_in.get("/portfolio/assess/1/").content.decode()
    assert "Save ratings" in html and "Save and go to the next domain" in html


def test_a_failed_rating_save_has_an_error_summary_and_does_not_move_on(
    signed_in, practitioner
) -> None:  # type: ignore[no-untyped-def]
    data = ratings_post(practitioner, 1, next_=True)
    first = next(iter(data))
    data[first] = "brilliant"
    response = signed_in.post("/portfolio/assess/1/", data)
    html = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in html
    assert f'href="#id_{first}_0"' in html


# --- Attachments while first writing an item --------------------------------------------------


def test_a_new_item_saves_with_its_attachments(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    data = evidence_post(EvidenceKind.CERTIFICATE)
    data["attachments"] = [
        SimpleUploadedFile("certificate.png", png_bytes(), "image/png"),
        SimpleUploadedFile("second.png", png_bytes(), "image/png"),
    ]
    response = signed_in.post(create_url(EvidenceKind.CERTIFICATE), data)

    evidence = Evidence.objects.get()
    assert response.status_code == 302
    names = sorted(a.filename for a in Attachment.objects.filter(revision=evidence.current))
    assert names == ["certificate.png", "second.png"]
    assert evidence.events.filter(action="attached").count() == 2


def test_a_bad_file_refuses_the_whole_new_item(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    before = stored_files(practitioner.portfolio)
    data = evidence_post(EvidenceKind.CERTIFICATE)
    data["attachments"] = [
        SimpleUploadedFile("certificate.png", png_bytes(), "image/png"),
        SimpleUploadedFile("notes.pdf", b"MZ\x90\x00 this is a program", "application/pdf"),
    ]
    response = signed_in.post(create_url(EvidenceKind.CERTIFICATE), data)

    html = response.content.decode()
    assert response.status_code == 400
    assert "notes.pdf" in html and "Nothing has been saved yet." in html
    assert "There is a problem" in html and 'href="#id_attachments"' in html
    assert 'data-testid="files-lost"' in html  # the browser will not keep the chosen files
    assert not Evidence.objects.exists() and not Attachment.objects.exists()
    assert stored_files(practitioner.portfolio) == before


def test_an_empty_file_is_refused_with_a_message(signed_in) -> None:  # type: ignore[no-untyped-def]
    data = evidence_post(EvidenceKind.CERTIFICATE)
    data["attachments"] = [SimpleUploadedFile("empty.pdf", b"", "application/pdf")]
    response = signed_in.post(create_url(EvidenceKind.CERTIFICATE), data)
    assert response.status_code == 400 and "One of the files is empty." in response.content.decode()
    assert not Evidence.objects.exists()


def test_the_edit_form_takes_no_files(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    html = signed_in.get(edit_url(evidence)).content.decode()
    assert 'name="attachments"' not in html
    new = signed_in.get(create_url(EvidenceKind.CERTIFICATE)).content.decode()
    assert 'name="attachments"' in new and 'enctype="multipart/form-data"' in new


# --- Pickers and selects ----------------------------------------------------------------------


def test_goal_picker_is_checkboxes_grouped_by_domain(signed_in) -> None:  # type: ignore[no-untyped-def]
    html = signed_in.get("/portfolio/plan/new/").content.decode()
    assert html.count('type="checkbox" name="competencies"') == 63
    assert html.count("data-picker-group") == 7
    assert "Domain 1: Relationship-based practice" in html
    assert '<span class="competency-code">1.01</span>' in html
    assert "<select multiple" not in html and "Ctrl" not in html
    assert "js/picker.js" in html


def test_goal_competencies_are_ticked_and_kept(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    framework = practitioner.portfolio.framework
    wanted = [comp(framework, "1.01"), comp(framework, "3.04")]
    response = signed_in.post(
        "/portfolio/plan/new/",
        {"title": "Learn VIG", "status": "planned", "competencies": [c.pk for c in wanted]},
    )
    goal = DevelopmentGoal.objects.get()
    assert response.status_code == 302 and set(goal.competencies.all()) == set(wanted)
    assert goal.level == practitioner.portfolio.target_level
    html = signed_in.get(f"/portfolio/plan/{goal.pk}/").content.decode()
    assert html.count(" checked>") == 2


def test_competency_links_are_grouped_by_domain_and_no_select_shows_dashes(signed_in) -> None:  # type: ignore[no-untyped-def]
    html = signed_in.get(create_url(EvidenceKind.FEEDBACK)).content.decode()
    assert '<optgroup label="Domain 2: Normal and atypical development">' in html
    assert "---------" not in html
    assert "---------" not in signed_in.get("/portfolio/profile/").content.decode()


def test_reflection_textareas_have_a_character_count(signed_in) -> None:  # type: ignore[no-untyped-def]
    html = signed_in.get(create_url(EvidenceKind.REFLECTIVE_ACCOUNT)).content.decode()
    assert html.count('data-maxlength="10000"') == 3  # what / so what / now what
    assert 'data-maxlength="3000"' in html  # how this shows it


# --- Goal dates -------------------------------------------------------------------------------


def date_boxes(value: dt.date) -> dict[str, str]:
    return {
        "target_date_0": str(value.day),
        "target_date_1": str(value.month),
        "target_date_2": str(value.year),
    }


def test_a_past_target_date_is_refused(signed_in) -> None:  # type: ignore[no-untyped-def]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = signed_in.post(
        "/portfolio/plan/new/", {"title": "Late", "status": "planned", **date_boxes(yesterday)}
    )
    html = response.content.decode()
    assert response.status_code == 400 and not DevelopmentGoal.objects.exists()
    assert "The target date must be today or in the future." in html
    assert 'href="#id_target_date_0"' in html  # the error summary points at the day box

    today = timezone.localdate()
    response = signed_in.post(
        "/portfolio/plan/new/", {"title": "Now", "status": "planned", **date_boxes(today)}
    )
    assert response.status_code == 302


def test_an_overdue_goal_can_still_be_edited_keeping_its_date(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    past = timezone.localdate() - dt.timedelta(days=30)
    goal = services.goal_save(
        portfolio=practitioner.portfolio,
        by=practitioner,
        title="Late",
        competencies=[],
        target_date=past,
    )
    response = signed_in.post(
        f"/portfolio/plan/{goal.pk}/",
        {"title": "Late", "status": "in_progress", **date_boxes(past)},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == "in_progress" and goal.target_date == past


# --- Goals closed by a sign-off ---------------------------------------------------------------


def submit_and_sign(practitioner, supervisor, codes, supervision=None):  # type: ignore[no-untyped-def]
    supervision = supervision or make_supervision(practitioner.portfolio, supervisor)
    evidence = make_evidence(practitioner.portfolio, codes=codes)
    revision = evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)
    review_sign_off(revision=revision, by=supervisor, declared=True)
    return supervision


def goal_for(practitioner, *codes: str, **kwargs) -> DevelopmentGoal:  # type: ignore[no-untyped-def]
    framework = practitioner.portfolio.framework
    return services.goal_save(
        portfolio=practitioner.portfolio,
        by=practitioner,
        title=f"Evidence {' and '.join(codes)}",
        competencies=[comp(framework, code) for code in codes],
        **kwargs,
    )


def test_a_goal_closes_when_its_competencies_are_all_signed_off(
    signed_in, practitioner, supervisor
) -> None:  # type: ignore[no-untyped-def]
    both = goal_for(practitioner, "1.01", "1.02")
    other = goal_for(practitioner, "2.01")
    empty = goal_for(practitioner)

    supervision = submit_and_sign(practitioner, supervisor, ("1.01",))
    both.refresh_from_db()
    assert both.status == "planned"  # one of two is not enough

    submit_and_sign(practitioner, supervisor, ("1.02",), supervision)
    both.refresh_from_db()
    other.refresh_from_db()
    empty.refresh_from_db()
    assert both.status == "done"
    assert other.status == "planned" and empty.status == "planned"
    event = both.events.last()
    assert event.actor is None and event.from_status == "planned"
    assert event.detail == "Closed when 1.01, 1.02 were signed off at Level 2."

    html = signed_in.get("/portfolio/plan/").content.decode()
    assert "Closed when 1.01, 1.02 were signed off at Level 2." in html
    edit = signed_in.get(f"/portfolio/plan/{both.pk}/").content.decode()
    assert 'data-testid="goal-closed-detail">Closed when 1.01, 1.02 were signed off' in edit
    assert html.split("Finished or dropped")[1].count("Evidence 1.01 and 1.02") == 1


def test_a_goal_at_a_higher_level_stays_open_after_a_lower_sign_off(
    practitioner, supervisor
) -> None:  # type: ignore[no-untyped-def]
    goal = goal_for(practitioner, "1.01")
    DevelopmentGoal.objects.filter(pk=goal.pk).update(level=3)
    submit_and_sign(practitioner, supervisor, ("1.01",))  # signed off at Level 2
    goal.refresh_from_db()
    assert goal.status == "planned"


def test_an_unticked_link_does_not_close_its_goal(practitioner, supervisor) -> None:  # type: ignore[no-untyped-def]
    goal = goal_for(practitioner, "1.02")
    supervision = make_supervision(practitioner.portfolio, supervisor)
    evidence = make_evidence(practitioner.portfolio, codes=("1.01", "1.02"))
    revision = evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)
    keep = revision.links.get(competency__code="1.01")
    review_sign_off(revision=revision, by=supervisor, declared=True, accepted_link_ids=[keep.pk])
    goal.refresh_from_db()
    assert goal.status == "planned"
    assert EvidenceRevision.objects.get(pk=revision.pk).status == "signed_off"


def test_profile_history_names_fields_in_words(signed_in, practitioner) -> None:  # type: ignore[no-untyped-def]
    html = signed_in.get("/portfolio/profile/").content.decode()
    assert "Professional body: set to Nursing and Midwifery Council (NMC)" in html
    assert (
        "Professionalbody" not in html
        and "If other, your profession" not in html.split("History of changes")[1]
    )


def test_more_files_than_one_page_takes_is_a_clear_400(signed_in) -> None:  # type: ignore[no-untyped-def]
    data = evidence_post(EvidenceKind.CERTIFICATE)
    data["attachments"] = [
        SimpleUploadedFile(f"page{n}.png", png_bytes(), "image/png") for n in range(6)
    ]
    response = signed_in.post(create_url(EvidenceKind.CERTIFICATE), data)
    assert response.status_code == 400
    assert "A page accepts up to 5 files at once. Nothing was saved." in response.content.decode()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/portfolio/plan/new/", {"title": "", "status": "planned"}),
        (f"/portfolio/evidence/new/{EvidenceKind.FEEDBACK}/", {"title": ""}),
        ("/portfolio/profile/", {"profession": ""}),
    ],
)
def test_a_page_that_failed_says_error_in_its_title(signed_in, url, data) -> None:  # type: ignore[no-untyped-def]
    assert "<title>Error: " not in signed_in.get(url).content.decode()
    response = signed_in.post(url, data)
    assert response.status_code == 400 and "<title>Error: " in response.content.decode()


def test_a_new_items_title_keeps_the_acronym(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    html = client.get("/portfolio/evidence/new/cpd_activity/").content.decode()
    assert "<title>New CPD activity — IMH CPD</title>" in html
    html = client.get("/portfolio/evidence/new/reflective_account/").content.decode()
    assert "<title>New reflective account — IMH CPD</title>" in html

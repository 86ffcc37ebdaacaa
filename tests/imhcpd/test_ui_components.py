"""The shared interface components render the GOV.UK patterns every page relies on."""

from __future__ import annotations

import datetime
import re

import pytest
from django import forms
from django.template import Context, Template

from imhcpd.templatetags.ui import count_noun, hours
from imhcpd.widgets import DateInput


class GoalForm(forms.Form):
    title = forms.CharField(max_length=10)
    due = forms.DateField(widget=DateInput())

    def clean(self):  # type: ignore[no-untyped-def]
        raise forms.ValidationError("Something about the whole form")


def render(source: str, **context: object) -> str:
    return Template("{% load ui %}" + source).render(Context(context))


def test_error_summary_links_each_error_to_its_field_in_page_order() -> None:
    form = GoalForm(data={"title": "x" * 11, "due_0": "31", "due_1": "2", "due_2": "2027"})
    html = render("{% error_summary form %}", form=form)
    assert "There is a problem" in html and "data-error-summary" in html
    assert 'role="alert"' in html and 'tabindex="-1"' in html
    links = re.findall(r'<a href="(#[^"]+)">', html)
    # The date input's first box is the target, so focus lands on the day.
    assert links == ["#id_title", "#id_due_0"]
    assert "Something about the whole form" in html


def test_error_summary_is_empty_for_an_unbound_or_valid_form() -> None:
    assert render("{% error_summary form %}", form=GoalForm()).strip() == ""
    assert render("{% error_summary form %}", form="").strip() == ""


def test_date_input_joins_the_boxes_and_refuses_an_impossible_date() -> None:
    good = GoalForm(data={"title": "ok", "due_0": "3", "due_1": "4", "due_2": "2027"})
    good.is_valid()
    assert good.cleaned_data["due"] == datetime.date(2027, 4, 3)
    bad = GoalForm(data={"title": "ok", "due_0": "31", "due_1": "2", "due_2": "2027"})
    assert not bad.is_valid() and "due" in bad.errors
    letters = GoalForm(data={"title": "ok", "due_0": "x", "due_1": "2", "due_2": "27"})
    assert not letters.is_valid() and "due" in letters.errors


def test_date_input_renders_three_labelled_numeric_boxes() -> None:
    html = str(GoalForm(initial={"due": datetime.date(2027, 4, 3)})["due"])
    for label, box in (("Day", "due_0"), ("Month", "due_1"), ("Year", "due_2")):
        assert f'<label class="date-input__label" for="id_{box}">{label}</label>' in html
    assert html.count('inputmode="numeric"') == 3
    assert 'value="2027"' in html


def test_task_list_shows_each_status_in_words_and_links_only_what_can_start() -> None:
    tasks = [
        {"title": "Set up", "url": "/setup/", "status": "done"},
        {"title": "Rate", "url": "/rate/", "status": "in_progress", "hint": "3 of 7"},
        {"title": "Apply", "url": "/apply/", "status": "cannot_start"},
    ]
    html = render('{% task_list tasks "Getting started" %}', tasks=tasks)
    assert "Getting started: 1 of 3 done" in html
    assert "Completed" in html and "In progress" in html and "Cannot start yet" in html
    assert 'href="/setup/"' in html and 'href="/rate/"' in html
    assert 'href="/apply/"' not in html
    assert "3 of 7" in html


def test_summary_row_change_link_names_what_it_changes() -> None:
    html = render('{% summary_row "Level" "Level 2" "/change/" "level applied for" %}')
    assert "<dt" in html and "Level 2" in html
    assert 'href="/change/"' in html
    assert '<span class="visually-hidden"> level applied for</span>' in html
    assert "Change" not in render('{% summary_row "Level" "Level 2" %}')


def test_tag_has_words_and_only_known_tones() -> None:
    assert render('{% tag "Signed off" "green" %}').strip() == (
        '<strong class="tag tag--green">Signed off</strong>'
    )
    assert "tag--grey" in render('{% tag "x" "<script>" %}')


@pytest.mark.parametrize(
    ("value", "text"),
    [(14, "14 h"), (6.5, "6.5 h"), ("7.50", "7.5 h"), (None, "0 h"), (0, "0 h"), ("x", "")],
)
def test_hours(value: object, text: str) -> None:
    assert hours(value) == text


def test_count_noun() -> None:
    assert count_noun(1, "activity,activities") == "1 activity"
    assert count_noun(3, "activity,activities") == "3 activities"
    assert count_noun([1, 2], "item") == "2 items"


def test_midsentence_keeps_acronyms() -> None:
    from imhcpd.templatetags.ui import midsentence

    assert midsentence("Reflective account") == "reflective account"
    assert midsentence("CPD activity") == "CPD activity"
    assert midsentence("") == ""


def test_date_input_also_understands_one_iso_date_under_the_fields_name() -> None:
    form = GoalForm(data={"title": "ok", "due": "2027-04-03"})
    form.is_valid()
    assert form.cleaned_data["due"] == datetime.date(2027, 4, 3)

"""The register's forms: the referee's answer, the applicant's referee and declarations, the
administrator's reasons, and the public search."""

from __future__ import annotations

from django import forms

from portfolios.models import Region
from register.services import DECLARATIONS


class ReferenceForm(forms.Form):
    referee_role = forms.CharField(label="Your role", max_length=200)
    relationship = forms.CharField(
        label="How you know the applicant's infant mental health practice", max_length=300
    )
    statement = forms.CharField(
        label="Your reference",
        widget=forms.Textarea(attrs={"rows": 8, "data-maxwords": 800}),
        help_text="What you have seen of their work with infants, parents and carers. "
        "Please include nothing that could identify a family.",
    )


class RefereeForm(forms.Form):
    # The lengths of Reference.name and .email: longer input is a message, not a 500.
    name = forms.CharField(
        label="Referee's name",
        max_length=150,
        error_messages={"required": "Enter the referee's name"},
    )
    email = forms.EmailField(
        label="Referee's email",
        max_length=254,
        error_messages={
            "required": "Enter the referee's email address",
            "invalid": "Enter the referee's email address in the right format, like "
            "name@example.org",
        },
    )


class DeclarationsForm(forms.Form):
    declarations = forms.MultipleChoiceField(
        label="Declarations",
        required=False,
        choices=list(DECLARATIONS.items()),
        widget=forms.CheckboxSelectMultiple,
    )


class ReasonsForm(forms.Form):
    reasons = forms.CharField(
        label="Reasons for not approving",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "data-maxlength": 5000}),
        help_text="The applicant reads these in their email and on their register page: say "
        "what is missing and what would make a new application succeed.",
        error_messages={"required": "Give the reasons for not approving"},
    )


class SearchForm(forms.Form):
    q = forms.CharField(label="Name or registration number", required=False, max_length=100)
    level = forms.TypedChoiceField(
        label="Level",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any level"), (1, "Level 1"), (2, "Level 2"), (3, "Level 3")],
    )
    region = forms.ChoiceField(
        label="Nation or region", required=False, choices=[("", "Anywhere"), *Region.choices]
    )

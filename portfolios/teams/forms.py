"""Teams forms: create a service, invite someone, and the member's consent and choices."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from portfolios.models import Region
from portfolios.teams.models import ServiceKind, TeamRole


class ServiceForm(forms.Form):
    name = forms.CharField(
        label="Name of the service",
        max_length=150,
        error_messages={"required": "Enter the name of the service."},
    )
    kind = forms.ChoiceField(
        label="Kind of service",
        choices=ServiceKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of service."},
    )
    region = forms.ChoiceField(
        label="Nation or region",
        choices=[("", "Choose a nation or region"), *Region.choices],
        error_messages={"required": "Choose the nation or region."},
    )


class InviteForm(forms.Form):
    name = forms.CharField(label="Their name", max_length=150, required=False)
    email = forms.EmailField(
        label="Their email address",
        error_messages={
            "required": "Enter the email address to send the invitation to.",
            "invalid": "Enter an email address like name@example.org.",
        },
    )
    role = forms.ChoiceField(
        label="Role in the team (they can change it when they accept)",
        choices=[("", "Let them choose"), *TeamRole.choices],
        required=False,
    )
    as_lead = forms.BooleanField(
        label="Invite them as a co-lead (they will see the whole team)", required=False
    )


class SharingForm(forms.Form):
    """The member's choices; `consent` is the tick that says yes to sharing the summary."""

    role = forms.ChoiceField(
        label="Your role in the team",
        choices=TeamRole.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose your role in the team."},
    )
    wte = forms.DecimalField(
        label="Whole-time equivalent (WTE)",
        help_text="From 0.1 to 1.0: 1.0 is full time, 0.5 half time.",
        min_value=Decimal("0.1"),
        max_value=Decimal("1.0"),
        max_digits=3,
        decimal_places=2,
        error_messages={
            "required": "Enter your whole-time equivalent, from 0.1 to 1.0.",
            "invalid": "Enter your whole-time equivalent as a number, like 0.6.",
            "min_value": "Whole-time equivalent must be at least 0.1.",
            "max_value": "Whole-time equivalent must be 1.0 or less.",
            "max_digits": "Enter your whole-time equivalent with up to two decimals, like 0.75.",
            "max_decimal_places": "Enter your whole-time equivalent with up to two decimals.",
        },
    )
    target_level = forms.TypedChoiceField(
        label="The level you are working towards",
        choices=[(1, "Level 1"), (2, "Level 2"), (3, "Level 3")],
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )
    consent = forms.BooleanField(
        label="I agree to share this summary with the service's leads",
        required=False,
    )

    def clean(self) -> dict:  # type: ignore[type-arg]
        data = super().clean() or {}
        if data.get("consent") and not data.get("target_level"):
            self.add_error("target_level", "Choose the level you are working towards.")
        return data

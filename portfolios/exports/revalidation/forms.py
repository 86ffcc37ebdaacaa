"""The revalidation settings: the body and the date each cycle is worked out from."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from imhcpd.widgets import DateInput
from portfolios.exports.revalidation.bodies import HCPC, NMC
from portfolios.models import ProfessionalBody

# The furthest ahead a next date can be: one whole cycle.
CYCLE_YEARS = {NMC: 3, HCPC: 2}


class RevalidationSettingsForm(forms.Form):
    professional_body = forms.ChoiceField(
        label="Your regulator or professional body",
        choices=ProfessionalBody.choices,
        widget=forms.RadioSelect,
    )
    revalidation_date = forms.DateField(
        label="Your next revalidation or renewal date",
        required=False,
        widget=DateInput(),
        error_messages={"invalid": "Enter a real date, for example 31 3 2027."},
        help_text="NMC: the revalidation date on your NMC Online account, for example 31 3 2027. "
        "HCPC: the date your profession's registration is next renewed. "
        "Social Work England needs no date: your CPD is due by 30 November every year.",
    )
    nmc_dual_registration = forms.BooleanField(
        label="I am registered with the NMC as both a nurse and a midwife",
        required=False,
        help_text="You then need 900 practice hours instead of 450.",
    )

    def clean(self) -> dict[str, object]:
        data = super().clean()
        body = data.get("professional_body")
        date: dt.date | None = data.get("revalidation_date")
        today = timezone.localdate()
        if body in CYCLE_YEARS:
            years = CYCLE_YEARS[body]
            if date is None and not self.has_error("revalidation_date"):
                self.add_error(
                    "revalidation_date",
                    "Enter your next revalidation or renewal date, so the tracker knows "
                    "which years to count.",
                )
            elif date and date < today:
                self.add_error(
                    "revalidation_date",
                    "Enter your next date: this one has passed. Your regulator shows it "
                    "in your online account.",
                )
            elif date and date > today.replace(year=today.year + years, day=min(today.day, 28)):
                self.add_error(
                    "revalidation_date",
                    f"That is more than {years} years away; enter the date of your next "
                    "revalidation or renewal.",
                )
        else:
            data["revalidation_date"] = None
        if body != NMC:
            data["nmc_dual_registration"] = False
        return data

"""Forms for the revalidation records: practice hours, reflective discussions, declarations,
the confirmation request and the confirmer's own form (no account)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from imhcpd.widgets import DateInput
from portfolios.exports.revalidation.models import PracticeHours, ReflectiveDiscussion
from portfolios.exports.revalidation.records import DISCUSSION_FIELDS, HOURS_FIELDS
from portfolios.models import Evidence, EvidenceKind, Portfolio

# Two digits, a letter, four digits, a letter: the shape of every NMC PIN (12A3456E).
NMC_PIN = re.compile(r"^\d{2}[A-Z]\d{4}[A-Z]$")
# The shape of a UK postcode (not a check that it exists), after spaces are taken out.
POSTCODE = re.compile(
    r"^(GIR0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRV-Y])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)
# A postcode somewhere inside an address written on several lines.
POSTCODE_IN_TEXT = re.compile(
    r"\b[A-PR-UWYZ][A-HK-Y0-9][A-HJKPSTUW0-9]?[ABEHMNPRV-Y0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}\b",
    re.IGNORECASE,
)


def clean_nmc_pin(value: str) -> str:
    pin = re.sub(r"\s+", "", value or "").upper()
    if not NMC_PIN.match(pin):
        raise forms.ValidationError(
            "Enter an NMC PIN in the right shape: 2 numbers, a letter, 4 numbers and a letter, "
            "like 12A3456E."
        )
    return pin


def clean_postcode(value: str) -> str:
    code = re.sub(r"\s+", "", value or "").upper()
    if not POSTCODE.match(code):
        raise forms.ValidationError("Enter a real UK postcode, like LS1 4AP.")
    return f"{code[:-3]} {code[-3:]}"


def not_in_future(day: dt.date, message: str) -> dt.date:
    if day > timezone.localdate():
        raise forms.ValidationError(message)
    return day


class PracticeHoursForm(forms.ModelForm):
    class Meta:
        model = PracticeHours
        fields = list(HOURS_FIELDS)
        widgets = {
            "start": DateInput(),
            "end": DateInput(),
            "employer_address": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"role": "Your role"}
        help_texts = {
            "start": "For example, 1 4 2025.",
            "end": "For example, 31 3 2026.",
            "hours": "The hours you practised in the period, for example 337.5.",
            "role": "For example 'health visitor, band 6'.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The NMC's log asks for every one of these; the model lets older records lack them.
        for name in ("employer_name", "employer_address", "scope", "work_setting", "description"):
            self.fields[name].required = True

    def clean_hours(self) -> Decimal:
        hours = self.cleaned_data["hours"]
        if hours <= 0:
            raise forms.ValidationError("Enter the hours you practised, more than 0.")
        return hours

    def clean_employer_address(self) -> str:
        address = self.cleaned_data["employer_address"].strip()
        if not POSTCODE_IN_TEXT.search(address):
            raise forms.ValidationError("Include the postcode in the employer's address.")
        return address

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end, hours = data.get("start"), data.get("end"), data.get("hours")
        if start and end:
            if start > end:
                self.add_error("end", "The end date must be on or after the start date.")
            elif end > timezone.localdate():
                self.add_error("end", "Record hours already worked, not future ones.")
            elif hours and hours > 24 * ((end - start).days + 1):
                self.add_error("hours", "That is more hours than there are in the period.")
        return data


class AccountChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Evidence) -> str:
        return f"{obj.current.title} ({obj.current.date:%-d %B %Y})"


def discussable_accounts(portfolio: Portfolio) -> Any:
    """The practitioner's own reflective accounts that are still in use (not archived)."""
    return (
        Evidence.objects.filter(
            portfolio=portfolio,
            kind=EvidenceKind.REFLECTIVE_ACCOUNT,
            archived_at__isnull=True,
            current__isnull=False,
        )
        .select_related("current")
        .order_by("-current__date", "-pk")
    )


class ReflectiveDiscussionForm(forms.ModelForm):
    partner_registration = forms.CharField(
        label="Their NMC PIN",
        max_length=20,
        help_text="Your discussion partner must be on the NMC register. For example, 12A3456E.",
    )
    accounts = AccountChoiceField(
        label="Which reflective accounts did you discuss?",
        queryset=Evidence.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The NMC asks that the discussion covers all five of your reflective accounts.",
        error_messages={
            "required": "Choose the reflective accounts you discussed.",
            "invalid_choice": "Choose only from your own reflective accounts.",
            "invalid_pk_value": "Choose only from your own reflective accounts.",
        },
    )

    class Meta:
        model = ReflectiveDiscussion
        fields = [*DISCUSSION_FIELDS, "accounts"]
        widgets = {
            "date": DateInput(),
            "partner_address": forms.Textarea(attrs={"rows": 3}),
            "summary": forms.Textarea(attrs={"rows": 5}),
        }
        labels = {
            "date": "Date of the discussion",
            "partner_name": "Name of the NMC registrant you discussed with",
            "partner_address": "Their professional address",
        }
        help_texts = {"date": "For example, 14 2 2026."}

    def __init__(self, *args: Any, portfolio: Portfolio, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.portfolio = portfolio
        self.fields["accounts"].queryset = discussable_accounts(portfolio)
        for name in ("partner_email", "partner_address", "partner_postcode"):
            self.fields[name].required = True

    def clean_date(self) -> dt.date:
        return not_in_future(
            self.cleaned_data["date"], "The discussion must already have happened."
        )

    def clean_partner_registration(self) -> str:
        pin = clean_nmc_pin(self.cleaned_data["partner_registration"])
        if pin == (self.portfolio.registration_number or "").replace(" ", "").upper():
            raise forms.ValidationError(
                "That is your own PIN: the discussion is with another NMC registrant."
            )
        return pin

    def clean_partner_postcode(self) -> str:
        return clean_postcode(self.cleaned_data["partner_postcode"])


class DeclarationsForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label="Your declarations",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick each declaration you make."},
    )

    def __init__(self, *args: Any, texts: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = list(texts.items())


class ConfirmationRequestForm(forms.Form):
    name = forms.CharField(label="Your confirmer's full name", max_length=150)
    email = forms.EmailField(
        label="Their email address",
        help_text="We email them a link. They do not need an account.",
    )


class ConfirmerForm(forms.Form):
    """What the NMC's confirmation form asks of the confirmer."""

    name = forms.CharField(label="Your full name", max_length=150)
    registration = forms.CharField(
        label="Your NMC PIN or other professional registration",
        max_length=100,
        help_text="An NMC PIN such as 12A3456E, or your regulator and number, such as "
        "'HCPC PYL012345'. Leave out if you are not on a professional register.",
        required=False,
    )
    role = forms.CharField(
        label="Your role",
        max_length=200,
        help_text="For example 'line manager' or 'clinical lead'.",
    )
    email = forms.EmailField(label="Your email address")
    address = forms.CharField(
        label="Your professional address", widget=forms.Textarea(attrs={"rows": 3})
    )
    postcode = forms.CharField(label="Postcode", max_length=10)
    confirmed_on = forms.DateField(
        label="Date of the confirmation discussion",
        widget=DateInput(),
        help_text="For example, 10 3 2027.",
    )
    confirm = forms.BooleanField(
        label="I confirm the statements above",
        error_messages={"required": "Tick to confirm the statements above."},
    )

    def __init__(self, *args: Any, window: tuple[dt.date, dt.date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.window = window

    def clean_registration(self) -> str:
        text = " ".join(self.cleaned_data["registration"].split())
        # A PIN typed in lower case or with spaces is stored as the NMC prints it.
        squashed = text.replace(" ", "").upper()
        return squashed if NMC_PIN.match(squashed) else text

    def clean_postcode(self) -> str:
        return clean_postcode(self.cleaned_data["postcode"])

    def clean_confirmed_on(self) -> dt.date:
        day = not_in_future(
            self.cleaned_data["confirmed_on"], "The discussion must already have happened."
        )
        first, last = self.window
        if not first <= day <= last:
            raise forms.ValidationError(
                f"The confirmation discussion must be in the 12 months before the revalidation "
                f"date: between {first:%-d %B %Y} and {last:%-d %B %Y}."
            )
        return day

"""Forms for exports and the public verify page."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from imhcpd.widgets import DateInput
from portfolios.exports.models import PortfolioExport

Kind = PortfolioExport.Kind
DATE_WIDGET = DateInput()
MAX_VERIFY_UPLOAD = 100 * 1024 * 1024


class KindField(forms.ChoiceField):
    def validate(self, value: str) -> None:
        # Packs for a regulator are asked for from the revalidation pages, for the cycle
        # worked out there; an old bookmark or form posting here is told where to go.
        if value == Kind.REVALIDATION:
            raise forms.ValidationError(
                "Revalidation packs are now made from your revalidation page, for your "
                "current cycle.",
                code="moved",
            )
        super().validate(value)


class ExportRequestForm(forms.Form):
    kind = KindField(
        label="What to export",
        choices=[
            (Kind.PORTFOLIO, "IMH portfolio at a level — every competency with its evidence"),
        ],
        widget=forms.RadioSelect,
        initial=Kind.PORTFOLIO,
    )
    level = forms.TypedChoiceField(
        label="Level", coerce=int, choices=[(1, "Level 1"), (2, "Level 2"), (3, "Level 3")]
    )
    period_start = forms.DateField(
        label="From",
        required=False,
        widget=DateInput(),
        help_text="For example, 1 4 2024. Leave empty for everything.",
    )
    period_end = forms.DateField(
        label="To", required=False, widget=DateInput(), help_text="Leave empty for today."
    )

    def clean(self) -> dict[str, object]:
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        today = timezone.localdate()
        if end and end > today:
            self.add_error("period_end", "The period cannot end in the future.")
        if start and end and start > end:
            self.add_error("period_start", "The period must start before it ends.")
        return data


class VerifyCodeForm(forms.Form):
    code = forms.CharField(
        label="Verification code",
        max_length=40,
        help_text="The code on the cover and in the footer, such as ABCD-EFGH-JKMN.",
    )


class VerifyFileForm(forms.Form):
    file = forms.FileField(
        label="The PDF you received",
        help_text="It is checked here and not kept.",
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        if upload.size > MAX_VERIFY_UPLOAD:
            raise forms.ValidationError("The file is larger than any PDF we issue (100 MB).")
        return upload

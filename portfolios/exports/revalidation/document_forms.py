"""The HCPC CPD profile form: the two texts with their word limits, the activities the
statement draws on, and a box for each gap in the CPD."""

from __future__ import annotations

from typing import Any

from django import forms

from portfolios.exports.revalidation import bodies
from portfolios.exports.revalidation.bodies import Gap
from portfolios.exports.revalidation.hcpc import (
    GAP_NOTE_MAX_CHARS,
    ProfileError,
    check_words,
)


def _words_widget(limit: int, rows: int) -> forms.Textarea:
    # data-maxwords: static/js/imhcpd.js shows the words left as the practitioner types.
    return forms.Textarea(attrs={"rows": rows, "data-maxwords": limit})


class HcpcProfileForm(forms.Form):
    summary = forms.CharField(
        label="Summary of your practice history",
        required=False,
        widget=_words_widget(bodies.HCPC_SUMMARY_WORDS, 8),
        help_text=f"Up to {bodies.HCPC_SUMMARY_WORDS} words. Your role and the work you do: "
        "your main responsibilities, the specialist areas you work in and the people you "
        "work with most. Identify no one you work with.",
    )
    statement = forms.CharField(
        label="Your statement",
        required=False,
        widget=_words_widget(bodies.HCPC_STATEMENT_WORDS, 16),
        help_text=f"Up to {bodies.HCPC_STATEMENT_WORDS:,} words. How your CPD meets the "
        "standards, above all standards 3 and 4: for each activity you choose, what it was, "
        "what you learned, and how it improved your work and benefited the people you "
        "work with.",
    )
    items = forms.TypedMultipleChoiceField(
        label="Activities your statement draws on",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Typically four to six. They are listed as the profile's evidence.",
    )

    def __init__(
        self,
        *args: Any,
        activities: list[dict[str, Any]],
        gaps: list[Gap],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(a["id"], a["choice_label"]) for a in activities]
        self.gaps = gaps
        for gap in gaps:
            self.fields[f"gap_{gap.key}"] = forms.CharField(
                label=f"Why there was no CPD from {gap.first_day:%-d %B %Y} to "
                f"{gap.last_day:%-d %B %Y} ({gap.days} days)",
                required=False,
                max_length=GAP_NOTE_MAX_CHARS,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="For example parental leave, illness or a career break. "
                "You need not give private details.",
            )

    def _words(self, field: str, label: str, limit: int) -> str:
        text = self.cleaned_data[field]
        try:
            check_words(field, label, text, limit)
        except ProfileError as exc:
            raise forms.ValidationError(str(exc), code="too_many_words") from exc
        return text

    def clean_summary(self) -> str:
        return self._words(
            "summary", "The summary of your practice history", bodies.HCPC_SUMMARY_WORDS
        )

    def clean_statement(self) -> str:
        return self._words("statement", "The statement", bodies.HCPC_STATEMENT_WORDS)

    @property
    def gap_fields(self) -> list[forms.BoundField]:
        return [self[f"gap_{gap.key}"] for gap in self.gaps]

    def notes(self) -> dict[str, str]:
        return {gap.key: self.cleaned_data.get(f"gap_{gap.key}", "") for gap in self.gaps}

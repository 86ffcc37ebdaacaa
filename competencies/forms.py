from __future__ import annotations

from django import forms

from competencies.selectors import SEARCH_MAX_LENGTH


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search the framework",
        max_length=SEARCH_MAX_LENGTH,
        help_text="A word or phrase, or a competency code such as 4.02.",
        error_messages={
            "required": "Type a word or a competency code to search for.",
            "max_length": "Use at most %(limit_value)d characters.",
        },
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def clean_q(self) -> str:
        value = " ".join(self.cleaned_data["q"].split())
        if not value:
            raise forms.ValidationError("Type a word or a competency code to search for.")
        return value

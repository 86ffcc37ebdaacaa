from __future__ import annotations

from django import forms


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Your portfolio file",
        help_text=(
            "The ZIP from “Download my portfolio to move it” or “Download my data with "
            "attachments”, or portfolio.json alone if it has no attachments."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.json,application/zip"}),
        error_messages={"required": "Choose your portfolio file."},
    )

    def add_problems(self, problems: list[str]) -> None:
        # Each problem in the summary at the top; the field says where to act.
        for problem in problems:
            self.add_error(None, problem)
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        self.add_error(
            "file",
            f"This file cannot be imported ({count} {noun} listed above). Nothing was saved.",
        )

"""Form widgets shared by every app."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms


class DateInput(forms.MultiWidget):
    """GOV.UK date input: day, month and year boxes with numeric keyboards on phones.

    Use with an ordinary `forms.DateField`: the boxes are joined as YYYY-MM-DD, so a date that
    does not exist (31 February) or a missing part fails the field's own validation with its
    "Enter a valid date" message instead of raising.
    """

    template_name = "imhcpd/widgets/date_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        part = {"inputmode": "numeric", "autocomplete": "off"}
        # A list, not a dict: the boxes are posted as name_0, name_1, name_2.
        widgets = [
            forms.TextInput(attrs={**part, "class": "date-input__day", "maxlength": 2}),
            forms.TextInput(attrs={**part, "class": "date-input__month", "maxlength": 2}),
            forms.TextInput(attrs={**part, "class": "date-input__year", "maxlength": 4}),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        if isinstance(value, str) and value.count("-") == 2:
            year, month, day = value.split("-")
            return [day, month, year]
        return [None, None, None]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> str | None:
        day, month, year = (
            (part or "").strip() for part in super().value_from_datadict(data, files, name)
        )
        if not (day or month or year):
            # A client posting one ISO date under the field's own name (a script, an older
            # form still open in a tab) is understood too.
            return data.get(name) or None
        if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
            return f"{year}-{month}-{day}"  # not a date: DateField says so
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"

    def id_for_label(self, id_: str) -> str:
        # The field's label points at the day box, where the error summary sends focus too.
        return f"{id_}_0" if id_ else id_

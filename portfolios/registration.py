"""Professional registration numbers: each body's format, checked before saving."""

from __future__ import annotations

import re
from dataclasses import dataclass

from portfolios.models import ProfessionalBody


@dataclass(frozen=True)
class NumberFormat:
    pattern: str
    example: str
    name: str


FORMATS: dict[str, NumberFormat] = {
    ProfessionalBody.NMC: NumberFormat(r"\d{2}[A-Z]\d{4}[A-Z]", "12A3456E", "NMC PIN"),
    # Profession prefix (e.g. PYL practitioner psychologist, OT, SL) then digits.
    ProfessionalBody.HCPC: NumberFormat(
        r"[A-Z]{2,3}\d{4,6}", "PYL12345", "HCPC registration number"
    ),
    ProfessionalBody.SWE: NumberFormat(r"SW\d{1,7}", "SW123456", "Social Work England number"),
    ProfessionalBody.GMC: NumberFormat(r"\d{7}", "1234567", "GMC reference number"),
    ProfessionalBody.UKCP: NumberFormat(r"\d{4,10}", "2012345678", "UKCP registration number"),
    ProfessionalBody.BACP: NumberFormat(r"\d{4,10}", "123456", "BACP membership number"),
}


def normalise(number: str) -> str:
    return re.sub(r"[\s-]", "", number).upper()


def problem_with(body: str, number: str) -> str | None:
    """The message to show, or None when the number fits the body's format."""
    number = normalise(number)
    if body == ProfessionalBody.NONE:
        return (
            "Leave the registration number empty when you are not registered with a body."
            if number
            else None
        )
    fmt = FORMATS.get(body)
    if fmt is None:
        return "Choose a professional body from the list."
    if not number:
        return f"Enter your {fmt.name}."
    if not re.fullmatch(fmt.pattern, number):
        return f"That is not a valid {fmt.name}: it should look like {fmt.example}."
    return None

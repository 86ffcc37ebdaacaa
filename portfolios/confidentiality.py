"""Confidentiality scan: spot things in free text that could identify a family.

Reflective accounts are written about real babies and parents. Before a
reflection is stored or shared, its text is scanned here; anything found is
shown highlighted and the practitioner must either edit it out or confirm that
nothing is identifiable. The scan is a safety net, not a guarantee: it looks
for the structured identifiers that slip in most often (NHS numbers, dates of
birth, postcodes, phone numbers, email addresses). Names are deliberately not
attempted — guessing at names would flag every colleague, theorist and place.

Pure Python on purpose (no models, no database) so forms, views, imports and
exports can all call it, and so it is cheap to test exhaustively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WHY = (
    "Reflections are about real families, so they must not contain anything that could "
    "identify a child, parent or carer — such as an NHS number, date of birth, postcode, "
    "phone number or email address."
)

NHS_NUMBER = "nhs_number"
DATE_OF_BIRTH = "date_of_birth"
POSTCODE = "postcode"
PHONE = "phone"
EMAIL = "email"

# Display order (and the order summaries list kinds in) — most sensitive first.
LABELS: dict[str, str] = {
    NHS_NUMBER: "NHS number",
    DATE_OF_BIRTH: "Date of birth",
    POSTCODE: "Postcode",
    PHONE: "Phone number",
    EMAIL: "Email address",
}

# When two candidate matches overlap, the earlier kind here wins. An email is a
# self-delimiting token, so anything inside it belongs to it; a valid NHS number
# is more specific than "ten digits that look like a phone"; a date near a birth
# cue is more specific than a digit run that happens to look like a phone.
_PRIORITY: tuple[str, ...] = (EMAIL, NHS_NUMBER, DATE_OF_BIRTH, POSTCODE, PHONE)


@dataclass(frozen=True)
class Finding:
    kind: str
    label: str
    start: int
    end: int
    text: str


def _finding(kind: str, text: str, start: int, end: int) -> Finding:
    return Finding(kind=kind, label=LABELS[kind], start=start, end=end, text=text[start:end])


# --- NHS numbers --------------------------------------------------------------

# Ten digits together, or 3-3-4 with the same separator (space or hyphen) both
# times. The look-arounds stop us picking ten digits out of a longer run.
_NHS_RE = re.compile(r"(?<![\d])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\d])")


def nhs_number_is_valid(digits: str) -> bool:
    """True for a ten-digit string whose modulus-11 check digit is right.

    Weights 10..2 apply to the first nine digits; check = 11 - (sum % 11), where
    11 means 0 and 10 means the number can never be valid. Only flagging valid
    numbers keeps ordinary ten-digit runs from raising false alarms.
    """
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(digits[9])


def _nhs_findings(text: str) -> list[Finding]:
    found = []
    for m in _NHS_RE.finditer(text):
        if nhs_number_is_valid(m.group(1) + m.group(3) + m.group(4)):
            found.append(_finding(NHS_NUMBER, text, m.start(), m.end()))
    return found


# --- Dates and dates of birth -----------------------------------------------
#
# Decision: a date is flagged as a date of birth ONLY when a birth cue ("DOB",
# "D.O.B", "date of birth", "born", "birthday", "b.") comes shortly before it
# (within _CUE_WINDOW characters, in the same sentence, with no other date in
# between), or a DOB label directly follows it ("12/03/2024 (DOB)"). Reflective
# accounts are full of legitimate session dates ("On 3 March 2024 I visited…");
# flagging every date — even every recent full date — would raise an alarm on
# nearly every reflection, and practitioners learn to click through alarms.
# A date on its own identifies nobody; a date that is someone's birthday does.
#
# Right after an explicit DOB label we also accept looser date-like tokens
# ("DOB: 12/03", "DOB 03/2024", "DOB: 2019"), because a label makes their meaning
# unambiguous.

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORD = r"(?:st|nd|rd|th)?"

# Full dates: day, month and year.
_FULL_DATE_RES = [
    # 12/03/2024, 12-03-2024, 12.03.24 — same separator both times.
    re.compile(r"(?<!\d)(?<!\d[./-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d]|[./-]\d)"),
    # 2024-03-12 (ISO), 2024/03/12
    re.compile(r"(?<!\d)(?<!\d[./-])(\d{4})([/.-])(\d{1,2})\2(\d{1,2})(?![\d]|[./-]\d)"),
    # 3 March 2024, 3rd March 2024, 3rd of March, 2024
    re.compile(rf"\b\d{{1,2}}{_ORD}\s+(?:of\s+)?{_MONTH}\.?,?\s+\d{{4}}\b", re.IGNORECASE),
    # March 3, 2024 / March 3rd 2024
    re.compile(rf"\b{_MONTH}\.?\s+\d{{1,2}}{_ORD},?\s+\d{{4}}\b", re.IGNORECASE),
]

# Partial dates written with a month name: enough, near a birth cue, to matter.
_PARTIAL_DATE_RES = [
    re.compile(rf"\b\d{{1,2}}{_ORD}\s+(?:of\s+)?{_MONTH}\b", re.IGNORECASE),  # 3 March
    re.compile(rf"\b{_MONTH}\.?\s+\d{{1,2}}{_ORD}\b", re.IGNORECASE),  # March 3rd
    re.compile(rf"\b{_MONTH}\.?,?\s+\d{{4}}\b", re.IGNORECASE),  # March 2024
]

# Anything date-ish straight after a DOB label: 12/03, 03/2024, 12.3, 2019.
_LOOSE_DATE_RE = re.compile(r"(?:\d{1,4}(?:[/.-]\d{1,4}){1,2}|(?:19|20)\d{2})(?![\d])")

# Labels that say outright "this is a date of birth".
_DOB_LABEL = r"(?:\bd\.?o\.?b\b\.?|\bdate[\s-]+of[\s-]+birth\b)"
# All birth cues. "born" is word-bounded so "newborn" and "unborn" (due dates)
# are not cues; "b." is the common abbreviation in notes ("b. 12/03/2024").
_CUE_RE = re.compile(
    rf"{_DOB_LABEL}|\bbirth[\s-]?(?:day|date)s?\b|\bborn\b|\bb\.",
    re.IGNORECASE,
)
_DOB_LABEL_RE = re.compile(_DOB_LABEL, re.IGNORECASE)
_CUE_WINDOW = 30
# A full stop, ! or ? followed by space ends the sentence the cue was in.
_SENTENCE_BREAK_RE = re.compile(r"[.!?](?:\s|$)")
# What may sit between a DOB label and its value: "DOB: ", "DOB - ", "(DOB)".
_LABEL_GAP_RE = re.compile(r"[\s:=()\[\]–-]{0,4}")


def _valid_day_month(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


def _date_candidates(text: str) -> list[tuple[int, int]]:
    """Every date-like span, longest first where they overlap, sorted by start."""
    spans: list[tuple[int, int]] = []
    for i, rx in enumerate(_FULL_DATE_RES):
        for m in rx.finditer(text):
            # Range-check numeric dates so "36/40" (gestation) or "1.25.3" are not dates.
            if i == 0 and not _valid_day_month(int(m.group(1)), int(m.group(3))):
                continue
            if i == 1 and not _valid_day_month(int(m.group(4)), int(m.group(3))):
                continue
            spans.append((m.start(), m.end()))
    for rx in _PARTIAL_DATE_RES:
        spans.extend((m.start(), m.end()) for m in rx.finditer(text))
    return _non_overlapping(spans)


def _non_overlapping(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    chosen: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if chosen and start < chosen[-1][1]:
            continue
        chosen.append((start, end))
    return chosen


def _dob_findings(text: str, dates: list[tuple[int, int]]) -> list[Finding]:
    flagged: set[tuple[int, int]] = set()
    date_at = {start: end for start, end in dates}
    for cue in _CUE_RE.finditer(text):
        # Straight after an explicit DOB label, any date-like token is the birth date.
        if _DOB_LABEL_RE.fullmatch(cue.group(0)):
            at = _LABEL_GAP_RE.match(text, cue.end())
            assert at is not None  # the gap pattern can match the empty string
            if at.end() in date_at:
                flagged.add((at.end(), date_at[at.end()]))
                continue
            loose = _LOOSE_DATE_RE.match(text, at.end())
            if loose:
                flagged.add((loose.start(), loose.end()))
                continue
        # Otherwise the cue claims the first date after it, if close and in the same sentence.
        following = [d for d in dates if d[0] >= cue.end()]
        if following:
            start, end = following[0]
            gap = text[cue.end() : start]
            if len(gap) <= _CUE_WINDOW and not _SENTENCE_BREAK_RE.search(gap):
                flagged.add((start, end))
    # A DOB label just after a date: "12/03/2024 (DOB)".
    for start, end in dates:
        at = _LABEL_GAP_RE.match(text, end)
        assert at is not None
        if _DOB_LABEL_RE.match(text, at.end()):
            flagged.add((start, end))
    return [_finding(DATE_OF_BIRTH, text, s, e) for s, e in sorted(flagged)]


# --- Postcodes ------------------------------------------------------------------

# The Royal Mail shape, with its letter restrictions (first letter never Q, V, X;
# second never I, J, Z; inward letters never C, I, K, M, O, V). The restrictions
# are what keep dosages like "B12 5mg" from looking like a postcode.
_POSTCODE_RE = re.compile(
    r"\b(?:GIR ?0AA"
    r"|(?:[A-PR-UWYZ]\d{1,2}"  # A9, A99
    r"|[A-PR-UWYZ][A-HK-Y]\d{1,2}"  # AA9, AA99
    r"|[A-PR-UWYZ]\d[A-HJKPSTUW]"  # A9A
    r"|[A-PR-UWYZ][A-HK-Y]\d[ABEHMNPRV-Y])"  # AA9A
    r" ?\d[ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)


def _postcode_findings(text: str) -> list[Finding]:
    return [_finding(POSTCODE, text, m.start(), m.end()) for m in _POSTCODE_RE.finditer(text)]


# --- Phone numbers ------------------------------------------------------------

# A UK prefix (+44, optionally with "(0)", or an optional opening bracket) then
# groups of two or more digits separated by a single space or hyphen (or a
# closing bracket, for "(020) 7946 0958"). Groups of one digit are not allowed so
# that lists of small numbers do not run together into a "phone".
_PHONE_RE = re.compile(
    r"(?<![\w+(])(?:\+44[ -]?(?:\(0\)[ -]?)?|\()?\d{2,}(?:(?:[ -]|\)[ -]?)\d{2,})*"
)
_DIGIT_GROUP_RE = re.compile(r"\d+")


def _national_digits(candidate: str) -> str:
    if candidate.startswith("+44"):
        return "0" + re.sub(r"\D", "", candidate[3:].replace("(0)", "", 1))
    return re.sub(r"\D", "", candidate)


def _phone_findings(text: str) -> list[Finding]:
    found = []
    for m in _PHONE_RE.finditer(text):
        candidate = m.group(0)
        # The greedy match may have swallowed a following number ("07700 900123 15
        # minutes"); drop whole trailing groups until the length could be a phone.
        groups = list(_DIGIT_GROUP_RE.finditer(candidate))
        while groups:
            cut = candidate[: groups[-1].end()]
            digits = _national_digits(cut)
            if len(digits) <= 11:
                break
            groups.pop()
        if not groups:
            continue
        # UK numbers: 01/02/03 landlines and 07 mobiles, ten or eleven digits.
        if 10 <= len(digits) <= 11 and digits[0] == "0" and digits[1] in "1237":
            found.append(_finding(PHONE, text, m.start(), m.start() + len(cut)))
    return found


# --- Email addresses ------------------------------------------------------------

_EMAIL_RE = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}\b"
)


def _email_findings(text: str) -> list[Finding]:
    return [_finding(EMAIL, text, m.start(), m.end()) for m in _EMAIL_RE.finditer(text)]


# --- Public API ---------------------------------------------------------------


def scan(text: str) -> list[Finding]:
    """Possible identifiers in text, sorted by start and never overlapping."""
    if not text:
        return []
    dates = _date_candidates(text)
    candidates = [
        *_email_findings(text),
        *_nhs_findings(text),
        *_dob_findings(text, dates),
        *_postcode_findings(text),
        # A phone candidate that overlaps any date (flagged or not) is really the
        # date plus a neighbouring number, e.g. "01-03-2024 10:30"; drop it.
        *(f for f in _phone_findings(text) if not any(s < f.end and f.start < e for s, e in dates)),
    ]
    rank = {kind: i for i, kind in enumerate(_PRIORITY)}
    chosen: list[Finding] = []
    for f in sorted(candidates, key=lambda f: (rank[f.kind], f.start, -(f.end - f.start))):
        if not any(f.start < c.end and c.start < f.end for c in chosen):
            chosen.append(f)
    return sorted(chosen, key=lambda f: f.start)


def scan_fields(fields: dict[str, str]) -> dict[str, list[Finding]]:
    """Findings per field name, leaving out fields where nothing was found."""
    result: dict[str, list[Finding]] = {}
    for name, value in fields.items():
        findings = scan(value or "")
        if findings:
            result[name] = findings
    return result


def highlight(text: str, findings: list[Finding]) -> SafeString:
    """The text HTML-escaped, with each finding wrapped in a labelled <mark>."""
    parts: list[str] = []
    pos = 0
    for f in sorted(findings, key=lambda f: f.start):
        if f.start < pos or f.end > len(text):
            continue  # overlapping or stale finding: never corrupt the output
        parts.append(escape(text[pos : f.start]))
        parts.append(
            f'<mark class="confidentiality-match" title="{escape(f.label)}">'
            f"{escape(text[f.start : f.end])}</mark>"
        )
        pos = f.end
    parts.append(escape(text[pos:]))
    # Every piece of user text above went through escape(), so this is safe.
    return mark_safe("".join(parts))  # noqa: S308


def _summary_noun(label: str) -> str:
    # "NHS number" keeps its acronym; "Postcode" reads as "postcode" mid-sentence.
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def summary(findings_by_field: dict[str, list[Finding]]) -> str:
    """One line for the warning banner, e.g. "2 possible identifiers: NHS number, postcode"."""
    findings = [f for fs in findings_by_field.values() for f in fs]
    if not findings:
        return "No possible identifiers found."
    kinds = {f.kind for f in findings}
    nouns = [_summary_noun(label) for kind, label in LABELS.items() if kind in kinds]
    count = len(findings)
    noun = "identifier" if count == 1 else "identifiers"
    return f"{count} possible {noun}: {', '.join(nouns)}"

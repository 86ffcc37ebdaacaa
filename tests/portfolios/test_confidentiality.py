"""Confidentiality scan: identifiers are caught, ordinary reflective writing is not.

Every name, number and address here is invented; NHS numbers come from the
999 test range or are well-known published examples that pass the check digit.
"""

from __future__ import annotations

import itertools

import pytest
from django.utils.safestring import SafeString

from portfolios.confidentiality import (
    WHY,
    Finding,
    highlight,
    nhs_number_is_valid,
    scan,
    scan_fields,
    summary,
)


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in scan(text)]


# --- NHS numbers --------------------------------------------------------------

VALID_NHS = ["9434765919", "9434765870", "9990000018", "9990000026"]


@pytest.mark.parametrize("digits", VALID_NHS)
def test_check_digit_accepts_valid_numbers(digits: str) -> None:
    assert nhs_number_is_valid(digits)


@pytest.mark.parametrize(
    "digits",
    [
        "9434765918",  # wrong check digit
        "9434765871",  # wrong check digit
        "9990000000",  # prefix 999000000 gives check digit 10: never valid
        "9990000009",  # same prefix, any last digit is still invalid
        "943476591",  # nine digits
        "94347659190",  # eleven digits
        "94347659a9",
        "",
    ],
)
def test_check_digit_rejects_invalid_numbers(digits: str) -> None:
    assert not nhs_number_is_valid(digits)


def test_check_digit_ten_prefix_really_is_ten() -> None:
    # Guard the fixture above: weights 10..2 on 999000000 leave remainder 1.
    total = sum(int(d) * w for d, w in zip("999000000", range(10, 1, -1), strict=True))
    assert 11 - total % 11 == 10


@pytest.mark.parametrize("layout", ["{a}{b}{c}", "{a} {b} {c}", "{a}-{b}-{c}"])
@pytest.mark.parametrize("digits", VALID_NHS)
def test_valid_nhs_numbers_flagged_in_every_layout(layout: str, digits: str) -> None:
    written = layout.format(a=digits[:3], b=digits[3:6], c=digits[6:])
    text = f"Baby's NHS number is {written} on the referral."
    assert kinds(text) == [("nhs_number", written)]
    (finding,) = scan(text)
    assert finding.label == "NHS number"
    assert text[finding.start : finding.end] == written


@pytest.mark.parametrize(
    "text",
    [
        "Reference 9434765918 on the letter.",  # invalid check digit
        "Reference 943 476 5918 on the letter.",
        "Reference 9990000000 on the letter.",  # check digit would be 10
        "Reference 94347659190 on the letter.",  # eleven-digit run containing a valid ten
        "Reference 19434765919 on the letter.",
        "Reference 943 476-5919 on the letter.",  # mixed separators: not the 3-3-4 layout
    ],
)
def test_not_an_nhs_number(text: str) -> None:
    assert not [f for f in scan(text) if f.kind == "nhs_number"]


@pytest.mark.parametrize("written", ["0113496001", "011 349 6001"])
def test_valid_nhs_number_is_not_reported_as_a_phone(written: str) -> None:
    # Also a plausible 0113 landline once normalised; a valid NHS number takes priority.
    assert nhs_number_is_valid("0113496001")
    assert kinds(f"Number {written}.") == [("nhs_number", written)]


# --- Dates of birth -----------------------------------------------------------

DATE_FORMS = [
    "12/03/2024",
    "12-03-2024",
    "12.03.24",
    "3 March 2024",
    "3rd March 2024",
    "March 3, 2024",
    "2024-03-12",
]
CUES = ["DOB: {d}", "D.O.B. {d}", "date of birth {d}", "Baby was born on {d}", "b. {d}"]


@pytest.mark.parametrize("cue", CUES)
@pytest.mark.parametrize("date", DATE_FORMS)
def test_date_after_birth_cue_is_flagged(cue: str, date: str) -> None:
    text = "Notes. " + cue.format(d=date) + " and weight gain is steady."
    assert kinds(text) == [("date_of_birth", date)]
    assert scan(text)[0].label == "Date of birth"


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("It was her birthday on 3 March 2024 and mum made a cake.", "3 March 2024"),
        ("dob 12/03/2024", "12/03/2024"),
        ("Date of Birth:\n12/03/2024", "12/03/2024"),
        ("date-of-birth 12/03/2024", "12/03/2024"),
        ("Her birth date is 3rd of March, 2024.", "3rd of March, 2024"),
        ("12/03/2024 (DOB)", "12/03/2024"),
        ("She was born on 3 March.", "3 March"),
    ],
)
def test_other_cue_forms(text: str, date: str) -> None:
    assert kinds(text) == [("date_of_birth", date)]


@pytest.mark.parametrize(
    ("text", "token"),
    [("DOB: 12/03", "12/03"), ("DOB 03/2024", "03/2024"), ("D.O.B: 2019", "2019")],
)
def test_dob_label_flags_any_date_like_token(text: str, token: str) -> None:
    assert kinds(text) == [("date_of_birth", token)]


@pytest.mark.parametrize(
    "text",
    [
        "On 3 March 2024 I visited the family",
        "On 12/03/2024 I visited the family at home.",
        "Session held 2024-03-12; next visit 19.03.24.",
        "The baby was born early. On 3 March 2024 I visited again.",  # cue in another sentence
        "Her newborn was calm on 3 March 2024.",  # "newborn" is not a birth cue
        "She was born at 36/40 and is now thriving.",  # gestation, not a date
    ],
)
def test_session_dates_without_cue_not_flagged(text: str) -> None:
    assert scan(text) == []


def test_cue_claims_only_the_nearest_date() -> None:
    text = "DOB 12/03/2024, seen 15/03/2024."
    assert kinds(text) == [("date_of_birth", "12/03/2024")]


def test_cue_too_far_from_date_not_flagged() -> None:
    text = "She was born, and after a great many weeks of settling in at home, on 3 March 2024."
    assert scan(text) == []


# --- Postcodes ------------------------------------------------------------------


@pytest.mark.parametrize(
    "postcode",
    ["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A1BB", "ec1a 1bb", "W1A 0AX",
     "GIR 0AA", "sw1a1aa"],
)  # fmt: skip
def test_postcodes_flagged(postcode: str) -> None:
    text = f"The family moved to {postcode} last month."
    assert kinds(text) == [("postcode", postcode)]
    assert scan(text)[0].label == "Postcode"


@pytest.mark.parametrize(
    "text",
    [
        "SUPPORT for the parents was offered.",
        "This meets level 3 of the framework.",
        "Level 2 training, then Level 3.",
        "Vitamin B12 5mg daily.",
        "Covid19 restrictions ended.",
        "Group A1 met in room B2 at 10am.",
        "AB12CD is not a postcode shape.",
    ],
)
def test_ordinary_words_not_postcodes(text: str) -> None:
    assert [f for f in scan(text) if f.kind == "postcode"] == []


# --- Phone numbers ------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "07700 900123",
        "07700900123",
        "07700-900-123",
        "020 7946 0958",
        "(020) 7946 0958",
        "+44 7700 900123",
        "+44 (0)20 7946 0958",
        "+447700900123",
        "0113 496 0000",
        "01632 960123",
    ],
)
def test_phones_flagged(phone: str) -> None:
    text = f"Mum said to ring {phone} after 5pm."
    assert kinds(text) == [("phone", phone)]
    assert scan(text)[0].label == "Phone number"


def test_phone_followed_by_another_number() -> None:
    assert kinds("Ring 07700 900123 15 minutes before.") == [("phone", "07700 900123")]


@pytest.mark.parametrize(
    "text",
    [
        "The visit lasted 15 minutes.",
        "Session on 01-03-2024 10:30 went well.",  # a date and a time, not a phone
        "Baby is 6 weeks old and weighs 4200 g.",
        "Reference 077009001 2",  # nine digits; a lone digit is not a group
        "Call 077009001234 now",  # twelve digits
        "Scores were 12 14 16 18 20 over time.",
    ],
)
def test_not_phones(text: str) -> None:
    assert [f for f in scan(text) if f.kind == "phone"] == []


def test_dob_wins_over_phone_shape() -> None:
    # Numerically a plausible 01 number, but the cue makes it a date of birth.
    assert kinds("DOB 01.03.2024") == [("date_of_birth", "01.03.2024")]


# --- Emails -------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    ["parent.example@example.org", "a.b+c@mail.example.co.uk", "J_Doe99@example.com"],
)
def test_emails_flagged(email: str) -> None:
    text = f"Mum's email is {email}."
    assert kinds(text) == [("email", email)]
    assert scan(text)[0].label == "Email address"


@pytest.mark.parametrize("text", ["Met @ the clinic.", "Follow @parentgroup online", "a@b"])
def test_not_emails(text: str) -> None:
    assert scan(text) == []


# --- Several identifiers together -----------------------------------------------


def test_mixed_text_sorted_and_non_overlapping() -> None:
    text = (
        "Baby (DOB 12/03/2024, NHS 943 476 5919) lives at CR2 6XH; "
        "mum is on 07700 900123 or parent@example.org."
    )
    found = scan(text)
    assert [f.kind for f in found] == ["date_of_birth", "nhs_number", "postcode", "phone", "email"]
    assert [f.start for f in found] == sorted(f.start for f in found)
    for a, b in itertools.pairwise(found):
        assert a.end <= b.start
    for f in found:
        assert text[f.start : f.end] == f.text


# --- A realistic clean reflection -----------------------------------------------

CLEAN_REFLECTION = """\
On 3 March I made a home visit to a mother and her baby, who is 6 weeks old. \
I noticed how she paused for about 15 minutes before responding to his cues, and \
I wondered aloud with her what he might be feeling. Since the baby was born, mum has \
described feeling flat; we talked about attunement and the small moments of repair \
after a mismatch. This links to Level 2 of the framework and to Domain 3, competency 3.2. \
In supervision on 10/03 we reflected on my own response, and I plan to revisit \
the video feedback approach at the next visit in 2 weeks. Scores on the scale went \
from 12 to 18 over 3 sessions, and I will review progress again in April 2024.
"""


def test_realistic_clean_reflection_has_no_findings() -> None:
    assert scan(CLEAN_REFLECTION) == []


# --- scan_fields, summary, highlight --------------------------------------------


def test_scan_fields_only_returns_fields_with_findings() -> None:
    result = scan_fields(
        {
            "title": "Home visit reflection",
            "what_happened": "Visited CR2 6XH; DOB 12/03/2024.",
            "so_what": CLEAN_REFLECTION,
            "now_what": "Email parent@example.org to arrange.",
            "blank": "",
        }
    )
    assert set(result) == {"what_happened", "now_what"}
    assert [f.kind for f in result["what_happened"]] == ["postcode", "date_of_birth"]
    assert [f.kind for f in result["now_what"]] == ["email"]


def test_summary_wording() -> None:
    nhs = scan("NHS 9434765919")
    postcode = scan("at CR2 6XH")
    assert summary({"a": nhs, "b": postcode}) == "2 possible identifiers: NHS number, postcode"
    assert summary({"a": scan("mail parent@example.org")}) == "1 possible identifier: email address"
    both = scan_fields({"x": "ring 07700 900123 or 020 7946 0958", "y": "DOB 12/03/2024"})
    assert summary(both) == "3 possible identifiers: date of birth, phone number"
    assert summary({}) == "No possible identifiers found."


def test_highlight_escapes_and_wraps_with_label() -> None:
    text = '<script>alert("x")</script> DOB 12/03/2024 & CR2 6XH'
    out = highlight(text, scan(text))
    assert isinstance(out, SafeString)
    assert "<script>" not in out
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in out
    assert "&amp; " in out
    assert '<mark class="confidentiality-match" title="Date of birth">12/03/2024</mark>' in out
    assert '<mark class="confidentiality-match" title="Postcode">CR2 6XH</mark>' in out
    assert out.count("<mark") == 2


def test_highlight_escapes_matched_text_and_label_too() -> None:
    odd = Finding(kind="email", label='Email "address"', start=0, end=1, text="<")
    assert highlight("<", [odd]) == (
        '<mark class="confidentiality-match" title="Email &quot;address&quot;">&lt;</mark>'
    )


def test_highlight_without_findings_is_just_escaped() -> None:
    assert highlight("a < b", []) == "a &lt; b"


def test_why_is_one_sentence() -> None:
    assert WHY.endswith(".")
    assert WHY.count(". ") == 0
    assert "families" in WHY

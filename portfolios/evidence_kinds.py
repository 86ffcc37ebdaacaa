"""What each kind of evidence records, beyond the title and date every item has."""

from __future__ import annotations

from dataclasses import dataclass, field

from portfolios.models import EvidenceKind


@dataclass(frozen=True)
class DetailField:
    name: str
    label: str
    required: bool = True
    long: bool = True  # a paragraph rather than a line
    help_text: str = ""
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class KindSpec:
    kind: str
    intro: str
    details: tuple[DetailField, ...]
    has_hours: bool = False
    has_participatory: bool = False
    date_label: str = "Date"
    title_help: str = ""
    hours_label: str = "Hours"
    extra: dict[str, str] = field(default_factory=dict)


FEEDBACK_SOURCES = (
    ("parent_carer", "Parent or carer"),
    ("colleague", "Colleague"),
    ("manager", "Manager"),
    ("other", "Other"),
)
SUPERVISION_FORMATS = (("individual", "Individual"), ("group", "Group"))

KINDS: dict[str, KindSpec] = {
    EvidenceKind.REFLECTIVE_ACCOUNT: KindSpec(
        kind=EvidenceKind.REFLECTIVE_ACCOUNT,
        intro="Reflect on a piece of practice using What? So what? Now what?",
        date_label="Date of the practice you reflect on",
        details=(
            DetailField(
                "what_happened",
                "What happened?",
                help_text="Describe the situation without anything that could identify the family.",
            ),
            DetailField(
                "so_what",
                "So what? What I learned",
                help_text="What it meant for the infant, the parent and you; what you learned.",
            ),
            DetailField("now_what", "Now what? What I will do differently"),
        ),
    ),
    EvidenceKind.CPD_ACTIVITY: KindSpec(
        kind=EvidenceKind.CPD_ACTIVITY,
        intro="Training, courses, conferences, reading or e-learning.",
        has_hours=True,
        has_participatory=True,
        date_label="Date (or last day) of the activity",
        title_help="For example the course or conference name.",
        details=(
            DetailField("provider", "Provider", long=False),
            DetailField(
                "learning", "What I learned and how it applies to my practice", required=False
            ),
        ),
    ),
    EvidenceKind.SUPERVISION: KindSpec(
        kind=EvidenceKind.SUPERVISION,
        intro="A reflective supervision session you received.",
        has_hours=True,
        date_label="Date of the session",
        details=(
            DetailField("supervisor_name", "Supervisor", long=False),
            DetailField("format", "Individual or group", long=False, choices=SUPERVISION_FORMATS),
            DetailField(
                "themes",
                "Themes discussed",
                help_text="The themes, not the families: no names or identifying details.",
            ),
            DetailField("learning", "What I took from it", required=False),
        ),
    ),
    EvidenceKind.FEEDBACK: KindSpec(
        kind=EvidenceKind.FEEDBACK,
        intro="Feedback about your practice from a parent or carer, a colleague or a manager.",
        date_label="Date received",
        details=(
            DetailField("source", "Feedback from", long=False, choices=FEEDBACK_SOURCES),
            DetailField("summary", "Summary of the feedback"),
            DetailField("reflection", "My reflection on it", required=False),
        ),
    ),
    EvidenceKind.OBSERVATION: KindSpec(
        kind=EvidenceKind.OBSERVATION,
        intro="Someone observed your practice and gave feedback.",
        date_label="Date of the observation",
        details=(
            DetailField(
                "observer_role",
                "Observer's role",
                long=False,
                help_text="For example 'clinical supervisor' or 'team leader'.",
            ),
            DetailField("summary", "What was observed and the observer's feedback"),
            DetailField("learning", "What I learned", required=False),
        ),
    ),
    EvidenceKind.CERTIFICATE: KindSpec(
        kind=EvidenceKind.CERTIFICATE,
        intro="A qualification or certificate, with a copy of it attached.",
        date_label="Date awarded",
        details=(
            DetailField("awarding_body", "Awarding body", long=False),
            DetailField("description", "What it covered", required=False),
        ),
    ),
    EvidenceKind.OTHER: KindSpec(
        kind=EvidenceKind.OTHER,
        intro="Anything else that shows your competence.",
        details=(DetailField("description", "Description"),),
    ),
}


def text_to_scan(
    kind: str, title: str, details: dict[str, str], rationales: list[str]
) -> dict[str, str]:
    """Every free-text field, keyed by its label, for the confidentiality check."""
    texts = {"Title": title}
    for f in KINDS[kind].details:
        if not f.choices and details.get(f.name):
            texts[f.label] = details[f.name]
    for i, rationale in enumerate(rationales, start=1):
        if rationale:
            texts[f"How this shows competency (link {i})"] = rationale
    return texts

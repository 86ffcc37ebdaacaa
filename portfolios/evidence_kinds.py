"""What each kind of evidence records, beyond the title and date every item has."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portfolios.models import EvidenceKind


@dataclass(frozen=True)
class DetailField:
    name: str
    label: str
    required: bool = True
    long: bool = True  # a paragraph rather than a line
    help_text: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    error: str = ""  # the message when a required field is left empty
    multiple: bool = False  # several choices, stored as a list
    heading: str = ""  # a short name for a long question, used when text moves between fields

    @property
    def short(self) -> str:
        return self.heading or self.label


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
    # Reflective accounts only: each template's questions; `details` holds the default's.
    templates: dict[str, ReflectionTemplate] = field(default_factory=dict)


FEEDBACK_SOURCES = (
    ("parent_carer", "Parent or carer"),
    ("colleague", "Colleague"),
    ("manager", "Manager"),
    ("other", "Other"),
)
SUPERVISION_FORMATS = (("individual", "Individual"), ("group", "Group"))

# The four themes of the NMC Code, as its reflective account form lists them.
CODE_THEMES = (
    ("prioritise_people", "Prioritise people"),
    ("practise_effectively", "Practise effectively"),
    ("preserve_safety", "Preserve safety"),
    ("promote_professionalism", "Promote professionalism and trust"),
)
# How a CPD activity was done, in the NMC CPD log's terms.
CPD_METHODS = (
    ("course", "Course or study day"),
    ("conference", "Conference or seminar"),
    ("e_learning", "E-learning"),
    ("reading", "Reading"),
    ("peer_learning", "Peer learning or group discussion"),
    ("supervision", "Supervision or mentoring"),
    ("other", "Other"),
)
NO_NAMES = "No names or details that could identify a family."


@dataclass(frozen=True)
class ReflectionTemplate:
    key: str
    name: str
    intro: str
    details: tuple[DetailField, ...]


# Fields that ask the same thing share a key in every template (what happened, what was
# learned, what changes), so switching template keeps the answers where they belong.
_WHAT = "what_happened"
_SO_WHAT = "so_what"
_NOW_WHAT = "now_what"
DEFAULT_TEMPLATE = "rolfe"

REFLECTION_TEMPLATES: dict[str, ReflectionTemplate] = {
    "rolfe": ReflectionTemplate(
        "rolfe",
        "Rolfe: What? So what? Now what?",
        "Three questions: what happened, what it meant, and what you will do next.",
        (
            DetailField(
                _WHAT,
                "What happened?",
                heading="What?",
                help_text="Describe the situation without anything that could identify the family.",
            ),
            DetailField(
                _SO_WHAT,
                "So what? What I learned",
                heading="So what?",
                help_text="What it meant for the infant, the parent and you; what you learned.",
            ),
            DetailField(_NOW_WHAT, "Now what? What I will do differently", heading="Now what?"),
        ),
    ),
    "gibbs": ReflectionTemplate(
        "gibbs",
        "Gibbs’ reflective cycle",
        "Six stages: description, feelings, evaluation, analysis, conclusion and action plan.",
        (
            DetailField(
                _WHAT, "Description: what happened?", heading="Description", help_text=NO_NAMES
            ),
            DetailField(
                "feelings", "Feelings: what were you thinking and feeling?", heading="Feelings"
            ),
            DetailField(
                "evaluation",
                "Evaluation: what was good and bad about the experience?",
                heading="Evaluation",
            ),
            DetailField(
                _SO_WHAT, "Analysis: what sense can you make of the situation?", heading="Analysis"
            ),
            DetailField(
                "conclusion", "Conclusion: what else could you have done?", heading="Conclusion"
            ),
            DetailField(
                _NOW_WHAT,
                "Action plan: if it arose again, what would you do?",
                heading="Action plan",
            ),
        ),
    ),
    "kolb": ReflectionTemplate(
        "kolb",
        "Kolb’s learning cycle",
        "Four stages: experience, reflection, learning and trying it out.",
        (
            DetailField(
                _WHAT,
                "Concrete experience: what happened?",
                heading="Concrete experience",
                help_text=NO_NAMES,
            ),
            DetailField(
                "reflective_observation",
                "Reflective observation: looking back, what did you notice?",
                heading="Reflective observation",
            ),
            DetailField(
                _SO_WHAT,
                "Abstract conceptualisation: what did you learn, and what ideas or evidence "
                "help explain it?",
                heading="Abstract conceptualisation",
            ),
            DetailField(
                _NOW_WHAT,
                "Active experimentation: what will you try, or have you tried, as a result?",
                heading="Active experimentation",
            ),
        ),
    ),
    "nmc": ReflectionTemplate(
        "nmc",
        "NMC reflective account form",
        "The four questions of the NMC’s form for the five reflective accounts revalidation "
        "asks for. Identify no one: not a person, a family or a place.",
        (
            DetailField(
                _WHAT,
                "What was the nature of the CPD activity and/or practice-related feedback "
                "and/or event or experience in your practice?",
                heading="Nature of the activity, feedback or event",
                help_text=NO_NAMES,
            ),
            DetailField(
                _SO_WHAT,
                "What did you learn from the CPD activity and/or feedback and/or event or "
                "experience in your practice?",
                heading="What I learned",
            ),
            DetailField(
                _NOW_WHAT,
                "How did you change or improve your practice as a result?",
                heading="How I changed or improved my practice",
            ),
            DetailField(
                "code_themes",
                "Themes of the Code it is relevant to",
                long=False,
                choices=CODE_THEMES,
                multiple=True,
                help_text="Select one or more.",
                error="Select at least one theme of the Code.",
            ),
            DetailField(
                "code_relevance",
                "How is this relevant to the Code?",
                heading="Relevance to the Code",
                help_text="Say how, for the themes you selected.",
            ),
        ),
    ),
    "swe": ReflectionTemplate(
        "swe",
        "Social Work England CPD questions",
        "The questions of Social Work England’s CPD record. At least one piece of CPD a "
        "year needs a peer reflection.",
        (
            DetailField(
                _WHAT,
                "What was the activity, and why is it relevant to your practice?",
                heading="The activity and why it is relevant",
                help_text=NO_NAMES,
            ),
            DetailField(_SO_WHAT, "What did you learn?", heading="What I learned"),
            DetailField(
                _NOW_WHAT,
                "What impact has it had, or will it have, on your practice and the people you "
                "work with?",
                heading="Impact on my practice",
            ),
            DetailField(
                "peer_reflection",
                "Peer reflection (optional): who you discussed it with and what came of it",
                heading="Peer reflection",
                required=False,
                help_text="Give their role, not their name. " + NO_NAMES,
            ),
        ),
    ),
}

KINDS: dict[str, KindSpec] = {
    EvidenceKind.REFLECTIVE_ACCOUNT: KindSpec(
        kind=EvidenceKind.REFLECTIVE_ACCOUNT,
        intro=(
            "Reflect on a piece of practice, feedback or learning, with the reflective "
            "template you or your regulator prefer."
        ),
        date_label="Date of the practice you reflect on",
        details=REFLECTION_TEMPLATES[DEFAULT_TEMPLATE].details,
        templates=REFLECTION_TEMPLATES,
    ),
    EvidenceKind.CPD_ACTIVITY: KindSpec(
        kind=EvidenceKind.CPD_ACTIVITY,
        intro="Training, courses, conferences, reading or e-learning.",
        has_hours=True,
        has_participatory=True,
        date_label="Date (or last day) of the activity",
        title_help="For example the course or conference name.",
        # Method, topic, the Code theme, what was learned, its impact and peer reflection are
        # what the NMC's CPD log and Social Work England's record ask for; optional, so older
        # items stay complete.
        details=(
            DetailField("method", "Method", long=False, required=False, choices=CPD_METHODS),
            DetailField(
                "topic",
                "Topic",
                long=False,
                required=False,
                help_text="In a few words, for example 'attachment in the first year'.",
            ),
            DetailField("provider", "Provider", long=False),
            DetailField("learning", "How it relates to your practice", required=False),
            DetailField("learned", "What you learned", required=False),
            DetailField(
                "impact",
                "The difference it made to your practice",
                required=False,
                help_text="What you now do differently, and for whom. " + NO_NAMES,
            ),
            DetailField(
                "code_theme",
                "Part of the Code it relates to (NMC)",
                long=False,
                required=False,
                choices=CODE_THEMES,
            ),
            DetailField(
                "peer_reflection",
                "Peer reflection: who you discussed it with and what came of it",
                required=False,
                help_text="Their role, not their name (Social Work England asks for this). "
                + NO_NAMES,
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
            DetailField("reflection", "How you used it to improve your practice", required=False),
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


def template_key(details: dict[str, Any]) -> str:
    """The reflective template an item was written in; older items are Rolfe."""
    key = details.get("template") or DEFAULT_TEMPLATE
    return key if key in REFLECTION_TEMPLATES else DEFAULT_TEMPLATE


def detail_fields(kind: str, details: dict[str, Any] | None = None) -> tuple[DetailField, ...]:
    """The kind's own fields; for a reflective account, its template's."""
    if kind == EvidenceKind.REFLECTIVE_ACCOUNT:
        return REFLECTION_TEMPLATES[template_key(details or {})].details
    return KINDS[kind].details


def shown_value(f: DetailField, value: Any) -> str:
    """A stored value in words: a choice's label, several choices joined."""
    if f.multiple:
        labels = dict(f.choices)
        return ", ".join(labels.get(v, v) for v in (value or []))
    if f.choices:
        return dict(f.choices).get(value, value or "")
    return value or ""


def detail_rows(kind: str, details: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value in words) of every filled-in field, in the form's order."""
    rows = [(f.label, shown_value(f, details.get(f.name))) for f in detail_fields(kind, details)]
    return [(label, value) for label, value in rows if value]


def reflection_sections(details: dict[str, Any]) -> list[tuple[str, str]]:
    """(question, answer) of a reflective account's free-text fields in its template's order,
    unanswered ones included, so a regulator's form can print every question."""
    fields = REFLECTION_TEMPLATES[template_key(details)].details
    return [(f.label, details.get(f.name) or "") for f in fields if not f.choices]


def code_theme_labels(keys: list[str] | None) -> list[str]:
    labels = dict(CODE_THEMES)
    return [labels[k] for k in keys or [] if k in labels]


def switch_template(details: dict[str, Any], to: str) -> dict[str, Any]:
    """An account's answers rewritten for another template.

    Shared questions keep their answers. Text in a question the new template does not ask is
    added to its "so what" answer under its old heading, so nothing is lost unseen.
    """
    old = REFLECTION_TEMPLATES[template_key(details)]
    new = REFLECTION_TEMPLATES[to]
    kept = {f.name for f in new.details}
    out: dict[str, Any] = {"template": to}
    for f in new.details:
        out[f.name] = details.get(f.name) or ([] if f.multiple else "")
    moved = [
        f"{f.short}:\n{text}"
        for f in old.details
        if f.name not in kept and (text := shown_value(f, details.get(f.name)).strip())
    ]
    if moved:
        current = (out[_SO_WHAT] or "").rstrip()
        out[_SO_WHAT] = "\n\n".join([current, *moved] if current else moved)
    return out


def text_to_scan(
    kind: str, title: str, details: dict[str, Any], rationales: list[str]
) -> dict[str, str]:
    """Every free-text field, keyed by its label, for the confidentiality check."""
    texts = {"Title": title}
    for f in detail_fields(kind, details):
        if not f.choices and details.get(f.name):
            texts[f.label] = details[f.name]
    for i, rationale in enumerate(rationales, start=1):
        if rationale:
            texts[f"How this shows competency (link {i})"] = rationale
    return texts

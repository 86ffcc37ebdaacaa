from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils import timezone

from competencies.models import Competency, Level
from imhcpd.widgets import DateInput
from portfolios import registration
from portfolios.evidence_kinds import (
    DEFAULT_TEMPLATE,
    KINDS,
    REFLECTION_TEMPLATES,
    DetailField,
    KindSpec,
    switch_template,
    template_key,
)
from portfolios.models import DevelopmentGoal, Portfolio, Profession, Rating
from portfolios.services import PROFILE_FIELDS, EvidenceInput, LinkInput

DATE_WIDGET = DateInput()

# A select's empty choice says what to do, never "---------".
EMPTY_CHOICES = {
    "profession": "Choose your profession",
    "work_setting": "Choose where you work",
    "region": "Choose your nation or region",
}


class PortfolioForm(forms.ModelForm):
    class Meta:
        model = Portfolio
        fields = list(PROFILE_FIELDS)
        labels = {
            "profession_other": "If other, your profession",
            "registration_number": "Registration number",
            "target_level": "The level you are working towards",
        }
        help_texts = {
            "registration_number": (
                "As your professional body writes it, e.g. NMC PIN 12A3456E, HCPC PYL12345, "
                "Social Work England SW123456."
            ),
        }

    def __init__(self, *args: object, levels: list[Level], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target_level"] = forms.TypedChoiceField(
            label="The level you are working towards",
            coerce=int,
            choices=[(lv.number, f"Level {lv.number}: {lv.name}") for lv in levels],
            widget=forms.RadioSelect,
            help_text="You can change this later; your history is kept.",
        )
        self.level_guidance = levels
        self.fields["registration_number"].required = False
        for name, words in EMPTY_CHOICES.items():
            field = self.fields[name]
            field.choices = [("", words), *(c for c in field.choices if c[0] != "")]

    def clean(self) -> dict[str, object]:
        data = super().clean()
        if (
            data.get("profession") == Profession.OTHER
            and not data.get("profession_other", "").strip()
        ):
            self.add_error("profession_other", "Tell us your profession.")
        if data.get("profession") != Profession.OTHER:
            data["profession_other"] = ""
        body = data.get("professional_body")
        if body is not None:
            number = registration.normalise(data.get("registration_number") or "")
            problem = registration.problem_with(body, number)
            if problem:
                self.add_error("registration_number", problem)
            data["registration_number"] = number
        return data


class RatingFields(forms.Form):
    rating = forms.ChoiceField(
        choices=Rating.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial=Rating.NOT_ASSESSED,
        error_messages={
            "required": "Choose a rating.",
            "invalid_choice": "Choose one of the ratings shown.",
        },
    )
    confidence = forms.TypedChoiceField(
        label="Confidence (optional)",
        choices=[("", "Not given")] + [(n, str(n)) for n in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="1 = not at all confident, 5 = very confident.",
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "data-maxlength": 2000}),
    )


class DomainAssessmentForm(forms.Form):
    """All competencies of one domain; each has a prefixed rating, confidence and note."""

    def __init__(
        self, *args: object, competencies: list[Competency], initial_by_id: dict, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        for competency in competencies:
            prefix = f"c{competency.pk}"
            current = initial_by_id.get(competency.pk)
            sub = RatingFields(
                self.data or None,
                prefix=prefix,
                initial={
                    "rating": current.rating if current else Rating.NOT_ASSESSED,
                    "confidence": current.confidence if current else None,
                    "note": current.note if current else "",
                },
            )
            self.rows.append((competency, sub))

    def is_valid(self) -> bool:
        return all(sub.is_valid() for _, sub in self.rows)

    @property
    def summary_errors(self) -> list[dict[str, str]]:
        """For the error summary component: each message names its competency."""
        found = []
        for competency, sub in self.rows:
            if not sub.is_bound:
                continue
            for field in sub:
                target = field.auto_id + ("_0" if field.name == "rating" else "")
                found.extend(
                    {"message": f"{competency.code}: {message}", "href": f"#{target}"}
                    for message in field.errors
                )
        return found


REQUIRED = {"title": "Enter a title.", "date": "Enter the date.", "hours": "Enter the hours."}


def _quarter_hours(value: Decimal) -> None:
    if (value * 4) % 1 != 0:
        raise forms.ValidationError("Enter hours in quarter-hour steps, e.g. 1.25 or 3.5.")


def _not_future(value: dt.date) -> None:
    if value > timezone.localdate():
        raise forms.ValidationError("The date cannot be in the future.")


class EvidenceForm(forms.Form):
    """Base of every kind's form; `evidence_form_class(kind)` adds the kind's own fields."""

    spec: KindSpec
    detail_fields: tuple[DetailField, ...]
    # A reflective account's template, whose questions this form asks; "" for other kinds.
    template_key: str = ""

    title = forms.CharField(max_length=200)
    date = forms.DateField(widget=DATE_WIDGET, validators=[_not_future])
    confirm_no_identifiers = forms.BooleanField(
        required=False,
        label=(
            "I have checked the highlighted text and it does not identify any child, "
            "parent or family."
        ),
    )

    def to_input(self, links: list[LinkInput]) -> EvidenceInput:
        data = self.cleaned_data
        details: dict[str, object] = {
            f.name: data.get(f.name, [] if f.multiple else "") for f in self.detail_fields
        }
        if self.template_key:
            details["template"] = self.template_key
        return EvidenceInput(
            title=data["title"],
            date=data["date"],
            hours=data.get("hours"),
            is_participatory=data.get("is_participatory") if self.spec.has_participatory else None,
            details=details,
            links=links,
        )

    @classmethod
    def initial_from(cls, revision) -> dict[str, object]:  # type: ignore[no-untyped-def]
        details = revision.details
        if cls.template_key and template_key(details) != cls.template_key:
            # Opened in another template (a link asking for the NMC form, say): carry it over.
            details = switch_template(details, cls.template_key)
        initial = {"title": revision.title, "date": revision.date, **details}
        if cls.spec.has_hours:
            initial["hours"] = revision.hours
        if cls.spec.has_participatory:
            initial["is_participatory"] = bool(revision.is_participatory)
        return initial


_FORM_CLASSES: dict[tuple[str, str], type[EvidenceForm]] = {}

TEMPLATE_CHOICE_ERROR = "Choose one of the reflection templates shown."


class _FirstOptionTakesId:
    """The first box carries the field's own id, where the error summary's link points."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return id_ if index == "0" else super().id_for_label(id_, index)  # type: ignore[misc]


class Radios(_FirstOptionTakesId, forms.RadioSelect):
    pass


class Checkboxes(_FirstOptionTakesId, forms.CheckboxSelectMultiple):
    pass


def _detail_field(f: DetailField) -> forms.Field:
    common = {"label": f.label, "required": f.required, "help_text": f.help_text}
    if f.multiple:
        return forms.MultipleChoiceField(choices=f.choices, widget=Checkboxes, **common)
    if f.choices:
        return forms.ChoiceField(choices=[("", "Choose one"), *f.choices], **common)
    widget = forms.Textarea(attrs={"rows": 5, "data-maxlength": 10000}) if f.long else None
    return forms.CharField(max_length=10000 if f.long else 200, widget=widget, **common)


def evidence_form_class(kind: str, template: str | None = None) -> type[EvidenceForm]:
    """The form for a kind; a reflective account's asks its template's questions."""
    spec = KINDS[kind]
    template = (template or DEFAULT_TEMPLATE) if spec.templates else ""
    if (kind, template) in _FORM_CLASSES:
        return _FORM_CLASSES[(kind, template)]
    details = spec.templates[template].details if template else spec.details
    attrs: dict[str, object] = {"spec": spec, "detail_fields": details, "template_key": template}
    if template:
        # Optional: a post without it keeps the template the page showed.
        attrs["template"] = forms.ChoiceField(
            label="Reflection template",
            choices=[(t.key, t.name) for t in REFLECTION_TEMPLATES.values()],
            initial=template,
            required=False,
            widget=Radios,
            error_messages={"invalid_choice": TEMPLATE_CHOICE_ERROR},
        )
    if spec.has_hours:
        attrs["hours"] = forms.DecimalField(
            label=spec.hours_label,
            min_value=Decimal("0.25"),
            max_value=Decimal("500"),
            decimal_places=2,
            validators=[_quarter_hours],
            widget=forms.NumberInput(attrs={"step": "0.25", "min": "0.25"}),
            help_text="In quarter-hour steps.",
        )
    if spec.has_participatory:
        attrs["is_participatory"] = forms.BooleanField(
            label=(
                "Participatory: I learned with others (a course, workshop or group), not on my own"
            ),
            required=False,
        )
    for f in details:
        attrs[f.name] = _detail_field(f)
    name = f"{kind.title().replace('_', '')}{template.title()}Form"
    form_class = type(name, (EvidenceForm,), attrs)
    # The confirmation box belongs at the end, after the kind's own fields.
    form_class.base_fields["confirm_no_identifiers"] = form_class.base_fields.pop(
        "confirm_no_identifiers"
    )
    # Inherited fields are shared with the base class: copy before changing them, or the
    # last kind built would relabel every kind's form.
    for name in ("title", "date"):
        form_class.base_fields[name] = copy.deepcopy(form_class.base_fields[name])
    form_class.base_fields["title"].help_text = spec.title_help
    form_class.base_fields["date"].label = spec.date_label
    # The error summary lists messages away from their fields: each names what is missing.
    own_errors = {f.name: f.error for f in details if f.error}
    for field_name, field in form_class.base_fields.items():
        if field.required:
            field.error_messages = {
                **field.error_messages,
                "required": own_errors.get(field_name)
                or REQUIRED.get(field_name, f"Fill in “{field.label}”."),
            }
    _FORM_CLASSES[(kind, template)] = form_class
    return form_class


class CompetencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Competency) -> str:
        return f"{obj.code} {obj.title}"


class LinkForm(forms.Form):
    competency = CompetencyChoiceField(
        queryset=Competency.objects.none(),
        required=False,
        label="Competency",
        empty_label="Choose a competency…",
    )
    rationale = forms.CharField(
        label="How this shows it",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 2, "data-maxlength": 3000}),
    )

    def __init__(self, *args: object, competencies=None, grouped=None, **kwargs: object) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if competencies is not None:
            self.fields["competency"].queryset = competencies
        if grouped is not None:
            # Options under one heading per domain: a long list a phone's picker can scroll.
            self.fields["competency"].widget.choices = grouped

    def clean(self) -> dict[str, object]:
        data = super().clean()
        if data.get("competency") and not (data.get("rationale") or "").strip():
            self.add_error("rationale", "Say briefly how this evidence shows the competency.")
        if data.get("rationale") and not data.get("competency"):
            self.add_error("competency", "Choose the competency this explains.")
        return data


class BaseLinkFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if index is not None:
            # Numbered labels tell the rows apart for screen-reader users.
            form.fields["competency"].label = f"Competency {index + 1}"
            form.fields["rationale"].label = f"How this shows competency {index + 1}"

    def clean(self) -> None:
        seen = set()
        for form in self.forms:
            competency = (
                form.cleaned_data.get("competency") if hasattr(form, "cleaned_data") else None
            )
            if competency is None:
                continue
            if competency.pk in seen:
                form.add_error("competency", f"{competency.code} is already linked above.")
            seen.add(competency.pk)

    def links(self) -> list[LinkInput]:
        return [
            LinkInput(
                competency=f.cleaned_data["competency"],
                rationale=f.cleaned_data["rationale"].strip(),
            )
            for f in self.forms
            if f.cleaned_data.get("competency")
        ]


LinkFormSet = forms.formset_factory(
    LinkForm, formset=BaseLinkFormSet, extra=2, max_num=63, absolute_max=63
)


def grouped_competency_choices(competencies) -> list:  # type: ignore[no-untyped-def]
    """[("", prompt), ("Domain 1: …", [(pk, "1.01 Title"), …]), …] for a grouped select."""
    groups: dict[object, list[tuple[int, str]]] = {}
    for c in competencies:
        groups.setdefault(c.domain, []).append((c.pk, f"{c.code} {c.title}"))
    return [("", "Choose a competency…")] + [
        (f"Domain {d.number}: {d.title}", options) for d, options in groups.items()
    ]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the services' upload inspection."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        accept = ".pdf,.png,.jpg,.jpeg,.docx"
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


NEW_ITEM_FILES = settings.DATA_UPLOAD_MAX_NUMBER_FILES  # files in one request


class NewAttachmentsForm(forms.Form):
    """Files chosen while first writing an item, saved with it or not at all."""

    attachments = MultipleFileField(
        label="Attach files (optional)",
        required=False,
        help_text=(
            f"PDF, PNG, JPEG or Word (.docx), up to 10 MB each; up to {NEW_ITEM_FILES} files "
            "here and more from the item’s page. Remove names and anything identifying a "
            "family first."
        ),
        error_messages={"empty": "One of the files is empty."},
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Attach a file",
        help_text="PDF, PNG, JPEG or Word (.docx), up to 10 MB.",
        error_messages={"required": "Choose a file to attach.", "empty": "The file is empty."},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.docx"}),
    )


class GoalForm(forms.ModelForm):
    competencies = forms.ModelMultipleChoiceField(
        queryset=Competency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Competencies this goal develops (optional)",
        help_text="Tick each one. The goal closes by itself once they are all signed off.",
        error_messages={"invalid_choice": "Choose competencies from the list shown."},
    )
    target_date = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Target date (optional)",
        help_text="For example, 27 3 2027.",
        error_messages={"invalid": "Enter a real date, for example 27 3 2027."},
    )

    class Meta:
        model = DevelopmentGoal
        fields = ["title", "competencies", "actions", "target_date", "status"]
        widgets = {"actions": forms.Textarea(attrs={"rows": 4, "data-maxlength": 5000})}
        labels = {"title": "Goal"}
        error_messages = {"title": {"required": "Enter your goal."}}

    def __init__(self, *args: object, competencies=None, **kwargs: object) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["competencies"].queryset = competencies
        self.fields["competencies"].label_from_instance = lambda c: f"{c.code} {c.title}"
        self.fields["actions"].validators.append(MaxLengthValidator(5000))

    def clean_target_date(self) -> dt.date | None:
        value = self.cleaned_data.get("target_date")
        # An overdue goal keeps its date while other things are edited; a new date is ahead.
        unchanged = self.instance.pk is not None and value == self.instance.target_date
        if value and value < timezone.localdate() and not unchanged:
            raise forms.ValidationError("The target date must be today or in the future.")
        return value

    def competency_groups(self) -> list[tuple[object, list[tuple[Competency, bool]]]]:
        """(domain, [(competency, ticked)]) for the picker: one fieldset per domain."""
        chosen = {str(v) for v in (self["competencies"].value() or [])}
        groups: dict[object, list[tuple[Competency, bool]]] = {}
        for c in self.fields["competencies"].queryset:
            groups.setdefault(c.domain, []).append((c, str(c.pk) in chosen))
        return list(groups.items())


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: object, user=None, **kwargs: object) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password

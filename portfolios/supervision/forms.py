"""Supervision forms: invite a supervisor, return with feedback, comment, email preferences."""

from __future__ import annotations

from django import forms

from portfolios.supervision.models import NotificationPreference, Supervision


class InviteForm(forms.Form):
    name = forms.CharField(label="Supervisor's name", max_length=150)
    email = forms.EmailField(label="Supervisor's email")
    role = forms.ChoiceField(choices=Supervision.Role.choices, widget=forms.RadioSelect)


class ReturnForm(forms.Form):
    feedback = forms.CharField(
        label="What needs to change",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": "Say what needs to change before returning the item."},
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Add a comment",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": "Write a comment first."},
    )


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email_each_event", "weekly_digest"]


class BulkSignOffForm(forms.Form):
    """The queue's bulk sign-off: the ticked items and the one declaration. The view has
    already answered 404 to an id that was never submitted to this supervisor; `choices`
    are the ids that were."""

    revision = forms.TypedMultipleChoiceField(
        coerce=int,
        label="Items to sign off",
        error_messages={"required": "Select at least one item to sign off."},
    )
    declaration = forms.BooleanField(
        error_messages={"required": "Tick the declaration to sign off the selected items."},
    )

    def __init__(self, *args: object, choices: list[int], **kwargs: object) -> None:
        kwargs.setdefault("auto_id", "bulk-%s")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["revision"].choices = [(pk, pk) for pk in choices]

    def selected(self) -> set[int]:
        """The ticked ids as sent, kept when the form comes back with an error."""
        return {int(v) for v in self.data.getlist("revision") if str(v).isdigit()}

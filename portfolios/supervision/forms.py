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

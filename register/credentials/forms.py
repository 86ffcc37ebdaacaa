from __future__ import annotations

from django import forms

from register.credentials.verify import Unreadable, Verification, verify_bytes, verify_text

MAX_BYTES = 1024 * 1024


class VerifyForm(forms.Form):
    credential = forms.CharField(
        label="Paste the credential",
        help_text="The JWT (it starts with eyJ) or the JSON the holder downloaded.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
        max_length=MAX_BYTES,
    )
    upload = forms.FileField(
        label="Or choose a credential file",
        help_text="A .jwt, .json or baked badge .png, up to 1 MB.",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".jwt,.json,.png,.txt"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean()
        text, upload = data.get("credential"), data.get("upload")
        if self.errors:
            return data
        if not text and not upload:
            raise forms.ValidationError("Paste a credential or choose a credential file.")
        if text and upload:
            raise forms.ValidationError("Paste a credential or choose a file, not both.")
        try:
            if upload:
                if upload.size > MAX_BYTES:
                    self.add_error("upload", "The file must be smaller than 1 MB.")
                    return data
                data["result"] = verify_bytes(upload.read())
            else:
                data["result"] = verify_text(str(text))
        except Unreadable as exc:
            self.add_error("upload" if upload else "credential", str(exc))
        return data

    @property
    def result(self) -> Verification:
        return self.cleaned_data["result"]

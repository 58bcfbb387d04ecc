"""Forms of the comms doors: template editing, composing, subscribing."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from incidents.choices import CommsChannel
from incidents.comms.models import CommsTemplate


class CommsTemplateForm(forms.ModelForm):
    """Admin form: placeholder errors show on the field (model `clean`)."""

    class Meta:
        model = CommsTemplate
        fields = (
            "policy_version",
            "key",
            "name",
            "kind",
            "audience",
            "severity_codes",
            "subject",
            "body",
            "source",
        )
        widgets = {"body": forms.Textarea(attrs={"rows": 8, "cols": 90})}


class ComposeForm(forms.Form):
    template = forms.ModelChoiceField(queryset=CommsTemplate.objects.none(), required=False)
    channel = forms.ChoiceField(choices=CommsChannel.choices)
    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 10, "cols": 90}), required=False)
    recipients = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 90}),
        help_text="Email only: extra addresses besides the confirmed subscribers, one per line or comma-separated.",
    )
    allow_blanks = forms.BooleanField(
        required=False,
        label="Send with empty placeholders",
        help_text="Only when a blank is acceptable: the preview lists what would be empty.",
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, templates: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if templates is not None:
            self.fields["template"].queryset = templates  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())

    def recipient_list(self) -> list[str]:
        raw = self.cleaned_data.get("recipients", "")
        return [part.strip() for part in raw.replace(",", "\n").splitlines() if part.strip()]


class SubscribeForm(forms.Form):
    email = forms.EmailField(max_length=254)

"""Admin forms for the incident flow. They parse input; the services decide.

Each form turns a `DomainError` into an error on the field it names
(`add_domain_error`), so a refused operation re-renders the form instead of a 500.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model

from incidents.choices import (
    OPEN_STATUSES,
    IncidentRole,
    IncidentStatus,
)
from incidents.fields import BY_NAME, field_names, model_field
from incidents.models import Incident, PolicyVersion, Service
from portal.kernel.errors import DomainError
from portal.kernel.service_admin import show_domain_error


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Show `error` on the field it names, or above the form when the form has no such field."""
    show_domain_error(form, error)


def staff_users() -> Any:
    """Everyone who may hold an incident role: active staff, and every active member of
    the Responders or Founders groups (a new responder is offered without ticking
    "Staff status" first, issue 15)."""
    from django.db.models import Q

    from portal.audit.roles import FOUNDERS, RESPONDERS

    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_staff=True) | Q(groups__name__in=(RESPONDERS, FOUNDERS)))
        .distinct()
        .order_by("username")
    )


def level_choices(version: PolicyVersion | None) -> list[tuple[str, str]]:
    if version is None:
        return [("", "---------")]
    levels = version.levels.order_by("rank")
    return [("", "---------")] + [(lv.code, f"{lv.code} {lv.name}".strip()) for lv in levels]


class LinesField(forms.CharField):
    """A list of strings edited one per line (runbook links), never shown as raw JSON."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return [str(item).strip() for item in value if str(item).strip()]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(initial or []) != self.to_python(data)


def incident_formfield(name: str, **kwargs: Any) -> forms.Field | None:
    """The form field of catalogue field `name` (incidents/fields.py): the model's own
    form field, with the catalogue's label and help text; lists of links are edited one
    per line. Used by the declare form and, through the admin, by the change page."""
    spec = BY_NAME.get(name)
    column = model_field(name)
    if name == "runbook_links":
        field: forms.Field | None = LinesField(required=False)
    elif spec is not None and spec.relation:
        field = forms.ModelMultipleChoiceField(queryset=Service.objects.all(), required=False)
    else:
        field = column.formfield(**kwargs)
    if field is None or spec is None:
        return field
    if spec.label:
        field.label = spec.label
    if spec.help_text:
        field.help_text = spec.help_text
    return field


class DeclareIncidentForm(forms.Form):
    """Declare an incident under the policy in force. Severity choices are its levels;
    the other inputs are the catalogue's declared fields (`incidents/fields.py`)."""

    title = forms.CharField(max_length=200)
    severity = forms.ChoiceField(
        required=False,
        help_text="Leave empty and press “Suggest severity” to get one from the facts below.",
    )
    commander = forms.ModelChoiceField(
        queryset=staff_users(), required=False, help_text="Defaults to you."
    )

    def __init__(self, *args: Any, version: PolicyVersion | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["severity"]).choices = level_choices(version)
        cast(forms.ModelChoiceField, self.fields["commander"]).queryset = staff_users()


def _declare_form_fields() -> dict[str, forms.Field]:
    """Title and severity first, then the catalogue's declared fields in catalogue
    order, the commander, and whether it is a drill."""
    own = DeclareIncidentForm.base_fields
    catalogue = {
        name: incident_formfield(name)
        for name in field_names(declared=True)
        if name not in ("title", "is_drill")
    }
    return {
        "title": own["title"],
        "severity": own["severity"],
        **{name: field for name, field in catalogue.items() if field is not None},
        "commander": own["commander"],
        "is_drill": cast(forms.Field, incident_formfield("is_drill")),
    }


DeclareIncidentForm.base_fields = _declare_form_fields()


class PostUpdateForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in (*OPEN_STATUSES, IncidentStatus.RESOLVED)]
    )
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="What we know")
    next_steps = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    eta = forms.CharField(max_length=100, required=False, label="ETA")
    public = forms.BooleanField(required=False, help_text="Also show it on the public status page.")


class ChangeSeverityForm(forms.Form):
    severity = forms.ChoiceField()
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, version: PolicyVersion | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["severity"]).choices = level_choices(version)


class ResolveForm(forms.Form):
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Closing update",
        help_text="What customers read last. Pre-filled from the status page's resolved template.",
    )
    public = forms.BooleanField(
        required=False, label="Post it on the public status page", initial=True
    )
    unmet_comms_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Why the required comms are not sent",
        help_text="Needed only when the playbook's customer comms are still unmet; "
        "written on the timeline.",
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Declared in good faith, turned out not to be one. Kept out of metrics.",
    )


class AcknowledgeForm(forms.Form):
    """No input: the POST itself says “I am on it”."""


SINGLE_ROLES = (
    IncidentRole.COMMANDER,
    IncidentRole.COMMS_LEAD,
    IncidentRole.SCRIBE,
    IncidentRole.OPS,
)


def role_assignments(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """(role, user) pairs from `AssignRoleForm.cleaned_data`."""
    pairs: list[tuple[str, Any]] = [
        (role.value, data[role.value]) for role in SINGLE_ROLES if data.get(role.value) is not None
    ]
    return pairs + [(IncidentRole.INVESTIGATOR.value, u) for u in data.get("investigator", [])]


class AssignRoleForm(forms.Form):
    """Every role in one submit: one picker per role (investigators: several people)."""

    investigator = forms.ModelMultipleChoiceField(
        queryset=staff_users(),
        required=False,
        label="Investigators",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = staff_users()
        for role in reversed(SINGLE_ROLES):
            self.fields = {
                role.value: forms.ModelChoiceField(
                    queryset=people, required=False, label=role.label
                ),
                **self.fields,
            }
        cast(forms.ModelMultipleChoiceField, self.fields["investigator"]).queryset = people

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not role_assignments(data):
            raise forms.ValidationError("Pick someone for at least one role.")
        return data


class AddResponderForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False, help_text="The invitation link goes here.")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)


class MakeResponderForm(forms.Form):
    """An account made elsewhere (Users → Add) that no role picker offers yet."""

    user = forms.ModelChoiceField(queryset=get_user_model().objects.none(), label="Account")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from portal.access.responders import not_yet_responders

        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = not_yet_responders()


class IncidentChangeForm(forms.ModelForm):
    """The incident change page: the catalogue's editable fields. It parses only;
    `IncidentAdmin.write` hands the changed fields to `update_incident_details`."""

    runbook_links = LinesField(required=False, help_text="One link per line.")

    class Meta:
        model = Incident
        fields = field_names(editable=True)

"""Input and output shapes of the incidents API (one serializer per action).

Input serializers only parse and validate types; the services decide what is
allowed. Output serializers present what the selectors loaded (no queries of
their own beyond what the list selector prefetches).
"""

from __future__ import annotations

import decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.utils import model_meta

from incidents.choices import (
    IncidentRole,
    IncidentStatus,
)
from incidents.fields import BY_NAME, field_names
from incidents.models import Deadline, Incident, Service, StatusUpdate, TimelineEntry
from incidents.selectors import current_deadlines

User = get_user_model()

MAX_TEXT = 10_000


# --- Output -----------------------------------------------------------------


PERCENT_HELP = (
    "Percent of customers affected, 0–100; more than 2 decimals are rounded (33.333 → 33.33)."
)


class PercentField(serializers.DecimalField):
    """0–100 with 2 decimals; longer fractions are rounded, not refused (the docs say so)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", PERCENT_HELP)
        super().__init__(
            max_digits=5,
            decimal_places=2,
            min_value=0,
            max_value=100,
            coerce_to_string=False,
            rounding=decimal.ROUND_HALF_UP,
            **kwargs,
        )

    def validate_precision(self, value: decimal.Decimal) -> decimal.Decimal:
        # Round first (values of 1000 and more are left for the digit check to refuse).
        if value.is_finite() and value.adjusted() < 3:
            value = value.quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)
        return super().validate_precision(value)


class DeadlineSerializer(serializers.Serializer):
    kind = serializers.CharField(
        source="api_kind",
        help_text="ack, mitigate, resolve, status_update, postmortem, comms:<channel>.",
    )
    due_at = serializers.DateTimeField(allow_null=True)
    met_at = serializers.DateTimeField(allow_null=True)
    missed = serializers.SerializerMethodField(
        help_text="Met late, or still unmet after it fell due."
    )
    target = serializers.CharField(help_text="The policy's wording, e.g. '15 min'.")

    def get_missed(self, deadline: Deadline) -> bool:
        return deadline.is_missed(self.context["now"])


class PolicyVersionRefSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    policy = serializers.CharField(source="policy.name")


class IncidentSerializer(serializers.ModelSerializer):
    severity = serializers.CharField(
        source="severity.code", help_text="The level's code, e.g. SEV-2."
    )
    severity_name = serializers.CharField(source="severity.name")
    services: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug"
    )
    commander: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="username", allow_null=True
    )
    customers_affected_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    policy_version = PolicyVersionRefSerializer()
    deadlines = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The incident's page in the admin.")

    revenue_impact = serializers.DecimalField(
        max_digits=12, decimal_places=2, coerce_to_string=False, allow_null=True
    )

    class Meta:
        model = Incident
        # The catalogue's fields (incidents/fields.py) between what the services own.
        fields = (
            "ref",
            *field_names(),
            "severity",
            "severity_name",
            "status",
            "commander",
            "alert_count",
            "policy_version",
            "next_deadline_at",
            "next_deadline_kind",
            "deadlines",
            "url",
        )
        read_only_fields = fields

    @extend_schema_field(DeadlineSerializer(many=True))
    def get_deadlines(self, incident: Incident) -> Any:
        context = {"now": self.context["now"]}
        return DeadlineSerializer(current_deadlines(incident), many=True, context=context).data

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, incident: Incident) -> str | None:
        try:
            path = reverse("admin:incidents_incident_change", args=[incident.pk])
        except NoReverseMatch:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class StatusUpdateSerializer(serializers.ModelSerializer):
    posted_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="username", allow_null=True
    )

    class Meta:
        model = StatusUpdate
        fields = ("status", "message", "next_steps", "eta", "public", "posted_at", "posted_by")
        read_only_fields = fields


@extend_schema_serializer(component_name="IncidentTimelineEntry")
class TimelineEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor_label", help_text="User name, token name or 'system'."
    )
    # DRF pops declared fields off the class, so `data` does not shadow Serializer.data.
    data = serializers.JSONField(  # type: ignore[assignment]
        help_text="Structured details of the entry (kind-specific)."
    )

    class Meta:
        model = TimelineEntry
        fields = ("at", "kind", "actor", "message", "data")
        read_only_fields = fields


class SuggestionSerializer(serializers.Serializer):
    severity = serializers.CharField(
        allow_null=True, help_text="Suggested level code; null if no rule matched."
    )
    severity_name = serializers.CharField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


def suggestion_data(suggestion: Any) -> dict[str, Any]:
    level = suggestion.level
    return {
        "severity": level.code if level else None,
        "severity_name": level.name if level else None,
        "rank": level.rank if level else None,
        "reasons": list(suggestion.reasons),
    }


# --- Input ------------------------------------------------------------------


class LookupField(serializers.SlugRelatedField):
    """A slug or username lookup that refuses what no row can hold before querying.

    PostgreSQL raises an error (not a miss) for NUL characters, which DRF would
    let through as a 500.
    """

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or "\x00" in data or len(data) > 150:
            self.fail("invalid")
        return super().to_internal_value(data)


class FactsSerializer(serializers.Serializer):
    """The facts the classification rules look at."""

    customers_affected_pct = PercentField(required=False, allow_null=True)
    critical_flow_broken = serializers.BooleanField(required=False, default=False)
    production_outage = serializers.BooleanField(required=False, default=False)
    data_loss = serializers.BooleanField(
        required=False, default=False, help_text="Confirmed data loss or leak."
    )
    customer_facing = serializers.BooleanField(required=False, default=True)


class _IncidentModelFields(serializers.ModelSerializer):
    """Builds each catalogue field's API field from the model: its type, length,
    choices and nullability, so that the catalogue alone decides which fields exist."""

    class Meta:
        model = Incident
        fields = field_names()


def _list_of_links() -> serializers.Field:
    return serializers.ListField(
        child=serializers.URLField(max_length=500), required=False, max_length=20
    )


# Where the model's own field is not what the API takes.
INPUT_OVERRIDES: dict[str, Any] = {
    "customers_affected_pct": lambda: PercentField(required=False, allow_null=True),
    "runbook_links": _list_of_links,
    "services": lambda: LookupField(
        many=True,
        slug_field="slug",
        queryset=Service.objects.all(),
        required=False,
        help_text="Slugs of affected services.",
    ),
    "revenue_impact": lambda: serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        coerce_to_string=False,
    ),
    "customers_affected_count": lambda: serializers.IntegerField(
        min_value=0, max_value=2_000_000_000, required=False, allow_null=True
    ),
}


def catalogue_input_fields(names: tuple[str, ...], *, partial: bool) -> dict[str, Any]:
    """Input fields for the catalogue fields `names`; with `partial` none is required."""
    builder = _IncidentModelFields()
    info = model_meta.get_field_info(Incident)
    fields: dict[str, Any] = {}
    for name in names:
        spec = BY_NAME[name]
        if name in INPUT_OVERRIDES:
            field = INPUT_OVERRIDES[name]()
        else:
            field_class, kwargs = builder.build_field(name, info, Incident, 0)
            if field_class is serializers.CharField:
                kwargs.setdefault("max_length", MAX_TEXT)
            if partial:
                kwargs["required"] = False
                kwargs.pop("default", None)
            if spec.help_text:
                kwargs["help_text"] = spec.help_text
            field = field_class(**kwargs)
        fields[name] = field
    return fields


class IncidentCreateSerializer(serializers.Serializer):
    """Declare: severity and commander, then the catalogue's declared fields."""

    severity = serializers.CharField(
        max_length=20, help_text="A level code of the policy in force (SEV-2) or its rank (2)."
    )
    commander = LookupField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="Username; defaults to the token's user.",
    )

    def get_fields(self) -> dict[str, Any]:
        return {
            **catalogue_input_fields(field_names(declared=True), partial=False),
            **super().get_fields(),
        }


READ_ONLY_VIA_ACTIONS = {
    "severity": "Change the severity with POST /api/v1/incidents/<ref>/severity/.",
    "status": "Change the status with POST /api/v1/incidents/<ref>/status-updates/ "
    "(or the resolve/cancel/mitigate actions).",
}


class IncidentUpdateSerializer(serializers.Serializer):
    """PATCH: the catalogue's editable fields. Severity and status have their own actions."""

    def get_fields(self) -> dict[str, Any]:
        return catalogue_input_fields(field_names(editable=True), partial=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        data = self.initial_data if isinstance(self.initial_data, dict) else {}
        errors = {
            field: [message] for field, message in READ_ONLY_VIA_ACTIONS.items() if field in data
        }
        errors.update(
            {
                field: ["This field cannot be edited."]
                for field in data
                if field not in self.fields and field not in READ_ONLY_VIA_ACTIONS
            }
        )
        if errors:
            raise serializers.ValidationError(errors)
        if not attrs:
            raise serializers.ValidationError(
                {"non_field_errors": ["Send at least one field to change."]}
            )
        return attrs


class StatusUpdateCreateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=IncidentStatus.choices,
        help_text="The incident's status after this update: an open status, or 'resolved' "
        "(which resolves it).",
    )
    message = serializers.CharField(max_length=MAX_TEXT, help_text="What we know.")
    next_steps = serializers.CharField(
        max_length=MAX_TEXT, allow_blank=True, required=False, default=""
    )
    eta = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    public = serializers.BooleanField(
        required=False, default=False, help_text="Also shown on the public status page."
    )
    next_update_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The update promises the next one at this time (in the future): tracked "
        "as the next status-update deadline instead of the level's cadence.",
    )


class SeverityChangeSerializer(serializers.Serializer):
    severity = serializers.CharField(
        max_length=20, help_text="A level code of the pinned policy, or its rank."
    )
    reason = serializers.CharField(max_length=1000)


class ResolveSerializer(serializers.Serializer):
    message = serializers.CharField(
        max_length=MAX_TEXT, allow_blank=True, required=False, default=""
    )
    public = serializers.BooleanField(
        required=False, default=False, help_text="Also post `message` on the status page."
    )
    unmet_comms_reason = serializers.CharField(
        max_length=1000,
        allow_blank=True,
        required=False,
        default="",
        help_text="Required when a mandatory customer-comms deadline is still unmet.",
    )


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, allow_blank=True, required=False, default="")


class RoleAssignSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=IncidentRole.choices)
    username = LookupField(slug_field="username", queryset=User.objects.filter(is_active=True))

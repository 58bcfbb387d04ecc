"""Query parameters of `GET /api/v1/incidents/`: parsed here, applied by the selector."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.filters import OrderingFilter

from incidents.choices import Environment, IncidentStatus

ORDERING_FIELDS = ("declared_at", "ref", "severity__rank")


class IncidentListQuerySerializer(serializers.Serializer):
    status = serializers.CharField(
        required=False,
        max_length=200,
        help_text=f"One status or several, comma-separated: {', '.join(IncidentStatus.values)}.",
    )
    severity = serializers.CharField(
        required=False, max_length=20, help_text="A level code, e.g. SEV-1."
    )
    environment = serializers.ChoiceField(choices=Environment.choices, required=False)
    is_drill = serializers.BooleanField(required=False, allow_null=True, default=None)
    dedup_key = serializers.CharField(
        required=False, max_length=255, help_text="Incidents opened by alerts with this dedup key."
    )

    def validate_status(self, value: str) -> str:
        statuses = [part.strip() for part in value.split(",") if part.strip()]
        unknown = [s for s in statuses if s not in IncidentStatus.values]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown status {unknown[0]!r}; use {', '.join(IncidentStatus.values)}."
            )
        return ",".join(statuses)

    def filters(self) -> dict[str, Any]:
        """The validated parameters as `incident_list(filters=…)` takes them."""
        return {key: value for key, value in self.validated_data.items() if value not in (None, "")}


class IncidentOrdering(OrderingFilter):
    """`?ordering=declared_at|-declared_at|ref|-ref|severity__rank|-severity__rank`."""

    ordering_fields = ORDERING_FIELDS

from __future__ import annotations

from rest_framework import serializers

from incidents.integrations.models import Alert, Integration
from incidents.integrations.services import EDITABLE_FIELDS


class IntegrationSerializer(serializers.ModelSerializer):
    """No key and no client secret: the API never shows secrets."""

    service: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = Integration
        # What the services let a founder change, plus what they only read.
        fields = ("id", *EDITABLE_FIELDS, "last_ping_at", "created_at")
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    integration = serializers.CharField(source="integration.name", read_only=True)
    incident = serializers.CharField(source="incident.ref", read_only=True, default=None)

    class Meta:
        model = Alert
        fields = (
            "id",
            "integration",
            "dedup_key",
            "status",
            "count",
            "summary",
            "incident",
            "first_seen_at",
            "last_seen_at",
            "resolved_at",
        )
        read_only_fields = fields

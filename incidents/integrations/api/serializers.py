from __future__ import annotations

from rest_framework import serializers

from incidents.integrations.models import Alert, Integration


class IntegrationSerializer(serializers.ModelSerializer):
    """No key and no client secret: the API never shows secrets."""

    service: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = Integration
        fields = (
            "id",
            "name",
            "kind",
            "enabled",
            "service",
            "default_severity",
            "auto_resolve",
            "heartbeat_period",
            "heartbeat_grace",
            "last_ping_at",
            "created_at",
        )
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

from __future__ import annotations

from rest_framework import serializers

from incidents.choices import CommsChannel
from incidents.comms.choices import TemplateKind
from incidents.comms.models import CommsMessage, CommsTemplate


class CommsTemplateSerializer(serializers.ModelSerializer):
    policy_version: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        read_only=True
    )

    class Meta:
        model = CommsTemplate
        fields = (
            "id",
            "key",
            "name",
            "kind",
            "audience",
            "severity_codes",
            "subject",
            "body",
            "source",
            "policy_version",
            "updated_at",
        )
        read_only_fields = fields


class CommsMessageSerializer(serializers.ModelSerializer):
    incident: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="ref", read_only=True
    )
    template: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    # Blank for messages composed without a template.
    kind = serializers.ChoiceField(choices=TemplateKind.choices, allow_blank=True, read_only=True)

    class Meta:
        model = CommsMessage
        fields = (
            "id",
            "incident",
            "channel",
            "template",
            "kind",
            "announced_status",
            "subject",
            "body",
            "state",
            "public",
            "recipient_count",
            "extra_recipients",
            "idempotency_key",
            "sent_at",
            "actor_label",
        )
        read_only_fields = fields


class SendCommsSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=CommsChannel.choices)
    template = serializers.PrimaryKeyRelatedField(
        queryset=CommsTemplate.objects.all(), required=False, allow_null=True
    )
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    body = serializers.CharField(required=False, allow_blank=True, default="")
    recipients = serializers.ListField(
        child=serializers.EmailField(), required=False, default=list, max_length=50
    )
    idempotency_key = serializers.UUIDField(
        help_text="A fresh UUID per message; a repeat returns the first send."
    )
    allow_blanks = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Send even though some placeholders are empty (otherwise 400 lists them).",
    )

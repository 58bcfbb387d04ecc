"""`GET /api/v1/policy/`: the policy version in force, as data (SPEC §2)."""

from __future__ import annotations

import datetime
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.choices import PolicyStatus
from incidents.models import ClassificationRule, CommsRequirement, PolicyVersion, SeverityLevel


class CommsRequirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommsRequirement
        fields = ("channel", "anchor", "deadline", "only_if_longer_than", "note")
        read_only_fields = fields


class TargetsSerializer(serializers.Serializer):
    acknowledge = serializers.CharField(source="ack_target")
    mitigate = serializers.CharField(source="mitigate_target")
    resolve = serializers.CharField(source="resolve_target")


class SeverityLevelSerializer(serializers.ModelSerializer):
    targets = TargetsSerializer(source="*", help_text="Durations as the playbook writes them.")
    comms = CommsRequirementSerializer(source="comms_requirements", many=True)

    class Meta:
        model = SeverityLevel
        fields = (
            "code",
            "name",
            "rank",
            "definition",
            "examples",
            "targets",
            "update_cadence",
            "war_room_required",
            "postmortem_required",
            "postmortem_due",
            "who_is_paged",
            "comms",
        )
        read_only_fields = fields


class ClassificationRuleSerializer(serializers.ModelSerializer):
    level = serializers.CharField(source="level.code")
    value = serializers.DecimalField(
        max_digits=6, decimal_places=2, coerce_to_string=False, allow_null=True
    )

    class Meta:
        model = ClassificationRule
        fields = ("level", "fact", "operator", "value", "description")
        read_only_fields = fields


class SignOffSerializer(serializers.Serializer):
    approver = serializers.SerializerMethodField()
    approved_at = serializers.DateTimeField(allow_null=True)
    content_hash = serializers.CharField()
    next_review_on = serializers.DateField(allow_null=True)
    last_validated_on = serializers.DateField(allow_null=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_approver(self, version: PolicyVersion) -> str | None:
        if version.approver_name:
            return version.approver_name
        return version.approved_by.get_username() if version.approved_by else None


@extend_schema_field({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "example": "09:00"})
class ClockField(serializers.Field):
    """A local wall-clock time as HH:MM (OpenAPI's `time` format demands an offset)."""

    def to_representation(self, value: datetime.time) -> str:
        return value.strftime("%H:%M")


class CalendarSerializer(serializers.Serializer):
    time_zone = serializers.CharField()
    working_days = serializers.ListField(
        source="working_day_numbers", child=serializers.IntegerField(), help_text="Monday = 0."
    )
    work_start = ClockField(help_text="Local time, HH:MM.")
    work_end = ClockField(help_text="Local time, HH:MM.")
    holiday_country = serializers.CharField()
    holiday_subdivision = serializers.CharField()


class PolicyVersionSerializer(serializers.ModelSerializer):
    policy = serializers.CharField(source="policy.name")
    version = serializers.IntegerField(source="number")
    status = serializers.ChoiceField(choices=PolicyStatus.choices)
    sign_off = SignOffSerializer(source="*")
    calendar = CalendarSerializer(source="*")
    levels = serializers.SerializerMethodField()
    rules = serializers.SerializerMethodField()

    class Meta:
        model = PolicyVersion
        fields = (
            "policy",
            "version",
            "status",
            "notes",
            "activated_at",
            "sign_off",
            "calendar",
            "levels",
            "rules",
        )
        read_only_fields = fields

    @extend_schema_field(SeverityLevelSerializer(many=True))
    def get_levels(self, version: PolicyVersion) -> Any:
        levels = sorted(version.levels.all(), key=lambda level: level.rank)
        return SeverityLevelSerializer(levels, many=True).data

    @extend_schema_field(ClassificationRuleSerializer(many=True))
    def get_rules(self, version: PolicyVersion) -> Any:
        rules = sorted(version.rules.all(), key=lambda rule: (rule.level.rank, rule.pk))
        return ClassificationRuleSerializer(rules, many=True).data

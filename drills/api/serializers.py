"""Input and output shapes of the drills API (one serializer per action).

The scenario of a drill is omitted (null, with `sealed: true`) until the drill
starts: before then it is not even drawn.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from drills.models import Drill, DrillDraw, Scenario
from incidents.choices import Environment

User = get_user_model()
MAX_TEXT = 10_000


class ScenarioSerializer(serializers.ModelSerializer):
    target_service: serializers.SlugRelatedField = serializers.SlugRelatedField(
        read_only=True, slug_field="slug", allow_null=True
    )

    class Meta:
        model = Scenario
        fields = (
            "id",
            "title",
            "description",
            "injection_steps",
            "target_service",
            "expected_detection_source",
            "expected_severity",
            "runbook_url",
            "enabled",
        )
        read_only_fields = fields


class DrawSerializer(serializers.ModelSerializer):
    drawn_by = serializers.CharField(source="drawn_by_label")
    candidate_ids = serializers.ListField(child=serializers.IntegerField())
    excluded_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="Recently drawn scenarios kept out of the hat."
    )

    class Meta:
        model = DrillDraw
        fields = ("drawn_at", "drawn_by", "candidate_ids", "excluded_ids", "note")
        read_only_fields = fields


class StageTimingSerializer(serializers.Serializer):
    stage = serializers.CharField(help_text="detect, triage, mitigate or notify.")
    name = serializers.CharField(source="label", help_text="The stage as people say it.")
    reached_at = serializers.DateTimeField(allow_null=True)
    seconds = serializers.IntegerField(
        allow_null=True, help_text="Detect: from the injection; others: from the declaration."
    )
    target = serializers.CharField(help_text="The drawn level's target, '' when none.")
    due_at = serializers.DateTimeField(allow_null=True)
    met = serializers.BooleanField(allow_null=True)


class DrillSerializer(serializers.ModelSerializer):
    facilitator: serializers.SlugRelatedField = serializers.SlugRelatedField(
        read_only=True, slug_field="username", allow_null=True
    )
    sealed = serializers.BooleanField(
        help_text="True until the drill starts; the scenario is null then."
    )
    scenario = serializers.SerializerMethodField()
    severity: serializers.SlugRelatedField = serializers.SlugRelatedField(
        read_only=True, slug_field="code", allow_null=True
    )
    practice_incident: serializers.SlugRelatedField = serializers.SlugRelatedField(
        read_only=True, slug_field="ref", allow_null=True
    )
    draw = serializers.SerializerMethodField()
    timings = StageTimingSerializer(many=True, help_text="Filed at completion.")
    playbook_updates = serializers.ListField(child=serializers.CharField())
    action_items: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Post-mortem action item ids (source 'drill')."
    )

    class Meta:
        model = Drill
        fields = (
            "id",
            "planned_on",
            "status",
            "environment",
            "facilitator",
            "notes",
            "sealed",
            "scenario",
            "severity",
            "practice_incident",
            "draw",
            "started_at",
            "completed_at",
            "cancelled_at",
            "timings",
            "what_worked",
            "gaps_found",
            "playbook_updates",
            "action_items",
        )
        read_only_fields = fields

    @extend_schema_field(ScenarioSerializer(allow_null=True))
    def get_scenario(self, drill: Drill) -> dict[str, Any] | None:
        if drill.sealed or drill.scenario is None:
            return None
        return dict(ScenarioSerializer(drill.scenario).data)

    @extend_schema_field(DrawSerializer(allow_null=True))
    def get_draw(self, drill: Drill) -> dict[str, Any] | None:
        draw = getattr(drill, "draw", None)
        if drill.sealed or draw is None:
            return None
        return dict(DrawSerializer(draw).data)


class DrillCreateSerializer(serializers.Serializer):
    planned_on = serializers.DateField()
    facilitator = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    # Every environment is accepted here so that the service refuses production with its own message.
    environment = serializers.ChoiceField(choices=Environment.choices, default=Environment.STAGING)
    notes = serializers.CharField(max_length=MAX_TEXT, allow_blank=True, required=False, default="")


class DrillUpdateSerializer(serializers.Serializer):
    planned_on = serializers.DateField(required=False)
    facilitator = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    environment = serializers.ChoiceField(choices=Environment.choices, required=False)
    notes = serializers.CharField(max_length=MAX_TEXT, allow_blank=True, required=False)


class DrillCompleteSerializer(serializers.Serializer):
    what_worked = serializers.CharField(
        max_length=MAX_TEXT, allow_blank=True, required=False, default=""
    )
    gaps_found = serializers.CharField(
        max_length=MAX_TEXT, allow_blank=True, required=False, default=""
    )
    playbook_updates = serializers.ListField(
        child=serializers.CharField(max_length=2000),
        required=False,
        default=list,
        max_length=50,
        help_text="Each becomes an action item (source 'drill').",
    )


class DrillCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, allow_blank=True, required=False, default="")


class ReportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=(("md", "Markdown"), ("html", "HTML")), default="md")

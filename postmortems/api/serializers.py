"""Input and output shapes of the post-mortem API (one serializer per action)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.kernel.api.strict import RefuseUnknownFields
from postmortems.choices import ActionItemStatus, PostMortemStatus
from postmortems.models import ActionItem, PostMortem, PostMortemTimelineEntry
from postmortems.sections import EDITABLE_FIELDS

User = get_user_model()
MAX_TEXT = 20_000

# Plain strings with the values in the description: two enums named "status" would
# collide in the OpenAPI components (and warn).
PM_STATUSES = ", ".join(PostMortemStatus.values)
ITEM_STATUSES = ", ".join(ActionItemStatus.values)


def _check_status(value: str, allowed: list[str]) -> str:
    if value not in allowed:
        raise serializers.ValidationError(
            f"Unknown status {value!r}; use one of {', '.join(allowed)}."
        )
    return value


class ActionItemSerializer(serializers.ModelSerializer):
    owner: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    status = serializers.CharField(help_text=f"One of: {ITEM_STATUSES}.")
    incident = serializers.SerializerMethodField(help_text="The incident's reference, if any.")
    # A plain string: blank ("") when no ticket is linked, which a `uri` format would forbid.
    ticket_url = serializers.CharField(read_only=True, help_text="Ticket link, or empty.")

    class Meta:
        model = ActionItem
        fields = (
            "id",
            "description",
            "owner",
            "due_date",
            "status",
            "wont_do_reason",
            "ticket_url",
            "labels",
            "source",
            "incident",
            "created_at",
            "completed_at",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_incident(self, item: ActionItem) -> str | None:
        return item.postmortem.incident.ref if item.postmortem_id and item.postmortem else None


class TimelineEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = PostMortemTimelineEntry
        fields = ("id", "at", "kind", "actor_label", "text", "included")
        read_only_fields = fields


class PostMortemListSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="incident.ref", help_text="The incident's reference.")
    title = serializers.CharField(source="incident.title")
    severity = serializers.CharField(source="incident.severity.code")
    status = serializers.CharField(help_text=f"One of: {PM_STATUSES}.")
    duration_seconds = serializers.SerializerMethodField()
    author: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    reviewers: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, many=True
    )
    action_items = ActionItemSerializer(many=True, read_only=True)

    class Meta:
        model = PostMortem
        fields: tuple[str, ...] = (
            "incident",
            "title",
            "severity",
            "status",
            "revision",
            "due_at",
            "duration_seconds",
            "author",
            "reviewers",
            "submitted_at",
            "published_at",
            "action_items",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_duration_seconds(self, pm: PostMortem) -> int | None:
        return int(pm.duration.total_seconds()) if pm.duration is not None else None


class PostMortemSerializer(PostMortemListSerializer):
    timeline = TimelineEntrySerializer(many=True, read_only=True, source="timeline_entries")
    revenue_impact = serializers.DecimalField(
        max_digits=12, decimal_places=2, coerce_to_string=False, allow_null=True
    )

    class Meta(PostMortemListSerializer.Meta):
        fields = (
            *PostMortemListSerializer.Meta.fields,
            *EDITABLE_FIELDS,
            "timeline",
        )
        read_only_fields = fields


class TimelineEditSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    included = serializers.BooleanField(required=False)
    text = serializers.CharField(required=False, max_length=MAX_TEXT)


class PostMortemUpdateSerializer(RefuseUnknownFields):
    summary = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    root_cause = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    contributing_causes = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_TEXT
    )
    what_worked = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    what_didnt = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    resolution = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    prevention = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    data_lost = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    customer_impact_summary = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_TEXT
    )
    customers_affected = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    revenue_impact = serializers.DecimalField(
        required=False, allow_null=True, max_digits=12, decimal_places=2, min_value=0
    )
    revenue_currency = serializers.CharField(required=False, allow_blank=True, max_length=3)
    timeline = TimelineEditSerializer(
        many=True, required=False, help_text="Include/exclude or reword entries."
    )


class SubmitSerializer(serializers.Serializer):
    reviewers = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.all(),
        many=True,
        help_text="Usernames of the reviewers (at least one).",
    )


class PublishRefusedSerializer(serializers.Serializer):
    """Field → every problem with it; all problems are listed at once."""

    status = serializers.ListField(child=serializers.CharField(), required=False)
    root_cause = serializers.ListField(child=serializers.CharField(), required=False)
    action_items = serializers.ListField(child=serializers.CharField(), required=False)


class ActionItemCreateSerializer(serializers.Serializer):
    incident = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Reference of the incident whose post-mortem gets the item.",
    )
    description = serializers.CharField(max_length=MAX_TEXT)
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), required=False, allow_null=True
    )
    due_date = serializers.DateField(required=False, allow_null=True)
    ticket_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    source_label = serializers.CharField(
        required=False,
        max_length=40,
        default="post-mortem",
        help_text="Where the item comes from, also its label: post-mortem (default), drill…",
    )


class ActionItemUpdateSerializer(serializers.Serializer):
    description = serializers.CharField(required=False, max_length=MAX_TEXT)
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), required=False, allow_null=True
    )
    due_date = serializers.DateField(required=False, allow_null=True)
    status = serializers.CharField(required=False, help_text=f"One of: {ITEM_STATUSES}.")
    wont_do_reason = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    ticket_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    labels = serializers.ListField(child=serializers.CharField(max_length=40), required=False)

    def validate_status(self, value: str) -> str:
        return _check_status(value, list(ActionItemStatus.values))


class ActionItemQuerySerializer(serializers.Serializer):
    owner = serializers.CharField(required=False, help_text="`me`, or a username.")
    overdue = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: open items past their due date.",
    )
    status = serializers.CharField(
        required=False, help_text=f"One or several, comma-separated: {ITEM_STATUSES}."
    )

    def validate_status(self, value: str) -> list[str]:
        return [
            _check_status(part.strip(), list(ActionItemStatus.values))
            for part in value.split(",")
            if part.strip()
        ]


class PostMortemQuerySerializer(serializers.Serializer):
    status = serializers.CharField(required=False, help_text=f"One of: {PM_STATUSES}.")

    def validate_status(self, value: str) -> str:
        return _check_status(value, list(PostMortemStatus.values))

from __future__ import annotations

from rest_framework import serializers


class OnCallQuerySerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text="ISO 8601 time; default now.")
    schedule = serializers.CharField(required=False, help_text="Only this schedule (by name).")


class OnCallEntrySerializer(serializers.Serializer):
    schedule = serializers.CharField(source="schedule.name")
    layer = serializers.CharField(source="layer.name")
    user = serializers.CharField(source="user.get_username")
    user_email = serializers.EmailField(source="user.email")
    shift_start = serializers.DateTimeField()
    shift_end = serializers.DateTimeField(allow_null=True)
    is_override = serializers.BooleanField()


class OnCallResponseSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    results = OnCallEntrySerializer(many=True)

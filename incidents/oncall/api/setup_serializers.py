"""Serializers of the set-up API: rotation members, overrides, channels, services."""

from __future__ import annotations

from rest_framework import serializers

from portal.notifications.models import NotificationChannel
from portal.notifications.providers import kind_choices
from portal.notifications.targets import masked


class MemberInputSerializer(serializers.Serializer):
    schedule = serializers.CharField()
    layer = serializers.CharField(required=False, help_text="Default: the first layer.")
    rotation = serializers.CharField(required=False, help_text="Default: the first rotation.")
    username = serializers.CharField()
    position = serializers.IntegerField(required=False, min_value=1)


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    schedule = serializers.CharField(source="rotation.layer.schedule.name")
    layer = serializers.CharField(source="rotation.layer.name")
    rotation = serializers.CharField(source="rotation.name")
    # null for a gap (a turn with nobody on call, e.g. migrated from Opsgenie's `none`)
    username = serializers.CharField(source="user.get_username", allow_null=True)
    position = serializers.IntegerField()


class OverrideInputSerializer(serializers.Serializer):
    schedule = serializers.CharField()
    layer = serializers.CharField(required=False)
    username = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    reason = serializers.CharField(required=False, default="", allow_blank=True)


class OverrideSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    schedule = serializers.CharField(source="layer.schedule.name")
    layer = serializers.CharField(source="layer.name")
    # null for a gap (a turn with nobody on call, e.g. migrated from Opsgenie's `none`)
    username = serializers.CharField(source="user.get_username", allow_null=True)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    reason = serializers.CharField()


class ChannelInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    kind = serializers.ChoiceField(choices=kind_choices(), required=False)
    target = serializers.CharField(required=False, allow_blank=True, max_length=500)
    enabled = serializers.BooleanField(required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ChannelSerializer(serializers.Serializer):
    """A channel; its target (it carries the provider's secret) whole only for those who
    may change it (context `show_target`), masked for everyone else."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    enabled = serializers.BooleanField()
    has_target = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField(
        help_text="The provider URL or address; masked unless you may change the channel."
    )
    description = serializers.CharField()

    def get_has_target(self, obj: NotificationChannel) -> bool:
        return bool(obj.target)

    def get_target(self, obj: NotificationChannel) -> str:
        return obj.target if self.context.get("show_target") else masked(obj.kind, obj.target)


class ChannelTestSerializer(serializers.Serializer):
    status = serializers.CharField()
    error = serializers.CharField(source="last_error")


class ServiceInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    owner = serializers.CharField(
        required=False, allow_null=True, help_text="Owner's username; null clears it."
    )
    public = serializers.BooleanField(required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=300)


class ServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    owner = serializers.CharField(source="owner.get_username", allow_null=True, default=None)
    public = serializers.BooleanField()
    description = serializers.CharField()

"""Schedules: layers of rotations, plus overrides that win for a window."""

from __future__ import annotations

import datetime
import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from incidents.oncall.choices import RotationKind


def new_ical_token() -> str:
    return secrets.token_urlsafe(24)


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            f"Unknown time zone {value!r} (use an IANA name such as Europe/Paris)."
        ) from exc


class Schedule(models.Model):
    name = models.CharField(max_length=120, unique=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="IANA name; hand-offs happen at this zone's wall time.",
    )
    description = models.TextField(blank=True)
    ical_token = models.CharField(
        max_length=64,
        unique=True,
        default=new_ical_token,
        editable=False,
        help_text="The secret part of the schedule's iCal feed URL.",
    )

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Layer(models.Model):
    """Primary, secondary…: everyone on call in every layer is on call at once."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="layers")
    name = models.CharField(max_length=60, default="primary")
    order = models.PositiveSmallIntegerField(default=1, help_text="1 = primary.")

    class Meta:
        ordering = ("schedule", "order")
        constraints = [
            models.UniqueConstraint(fields=("schedule", "order"), name="layer_order_unique"),
            models.UniqueConstraint(fields=("schedule", "name"), name="layer_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.schedule} / {self.name}"


class Rotation(models.Model):
    """Members take turns, in order, for shifts that start at `handoff_time` local time,
    until `end` if it is set (the last shift is cut there)."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="rotations")
    name = models.CharField(max_length=60, blank=True)
    kind = models.CharField(
        max_length=10, choices=RotationKind.choices, default=RotationKind.WEEKLY
    )
    shift_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Shift length for the 'every N hours' kind."
    )
    start_date = models.DateField(
        help_text="The first shift starts on this day at the hand-off time."
    )
    handoff_time = models.TimeField(default=datetime.time(9, 0))
    # Vendors' rotations end (PagerDuty layer `end`, Opsgenie `endDate`, Grafana OnCall
    # `until`); without it a migrated rotation would page people after it was retired.
    end = models.DateTimeField(
        null=True, blank=True, help_text="Nobody is on call from this rotation after it (UTC)."
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="RotationMember", related_name="+"
    )

    class Meta:
        ordering = ("layer", "id")

    def __str__(self) -> str:
        return self.name or f"{self.get_kind_display()} rotation of {self.layer}"

    def clean(self) -> None:
        if self.kind == RotationKind.CUSTOM and not self.shift_hours:
            raise ValidationError(
                {"shift_hours": "Set the shift length (hours) for an 'every N hours' rotation."}
            )
        if self.end and self.start_date and self.end.date() < self.start_date:
            raise ValidationError({"end": "The end must be after the start date."})

    @property
    def period(self) -> datetime.timedelta:
        if self.kind == RotationKind.DAILY:
            return datetime.timedelta(days=1)
        if self.kind == RotationKind.WEEKLY:
            return datetime.timedelta(days=7)
        return datetime.timedelta(hours=self.shift_hours or 24)


class RotationMember(models.Model):
    """One turn of the rotation's order. A turn without a user is a gap: nobody is on call
    from this rotation during it (Opsgenie's reserved participant `none`)."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="memberships")
    # Nullable for gaps only; forms still require a user (blank=False).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ("rotation", "position")
        constraints = [
            models.UniqueConstraint(
                fields=("rotation", "position"), name="rotation_member_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.user if self.user_id else '(nobody: a gap)'}"


class Override(models.Model):
    """`user` takes the layer's shift from `start` to `end` (UTC), whoever the rotation says."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("layer", "start")
        indexes = [models.Index(fields=("layer", "end", "start"), name="override_window")]

    def __str__(self) -> str:
        return (
            f"{self.user} on {self.layer} {self.start:%Y-%m-%d %H:%M}Z–{self.end:%Y-%m-%d %H:%M}Z"
        )

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "The end must be after the start."})

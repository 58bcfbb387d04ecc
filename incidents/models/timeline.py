"""The append-only timeline and the deadlines of an incident."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models

from incidents.choices import CommsChannel, DeadlineKind, TimelineKind
from incidents.models.incident import Incident


class TimelineEntry(models.Model):
    """One line of the incident's history. Written only by `incidents.events`."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=20, choices=TimelineKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=120, help_text="User name, token name or 'system'.")
    message = models.TextField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("incident", "at", "id")
        verbose_name_plural = "timeline entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S}Z {self.get_kind_display()}: {self.message[:80]}"


class Deadline(models.Model):
    """A target the pinned policy sets for this incident, met or missed once."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(max_length=15, choices=DeadlineKind.choices)
    channel = models.CharField(max_length=20, choices=CommsChannel.choices, blank=True)
    target = models.CharField(max_length=40, help_text="The policy's wording, e.g. '15 min'.")
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    met_at = models.DateTimeField(null=True, blank=True)
    # Set once, by whoever first notices the deadline passed unmet (sweeper or service).
    missed_recorded_at = models.DateTimeField(null=True, blank=True)
    # Superseded deadlines (after a severity change) stay for the record.
    superseded_at = models.DateTimeField(null=True, blank=True)
    # Set with `superseded_at` when a person waived it, saying why (resolved with the
    # customer comms unsent): reports call it waived, never met nor superseded.
    waived_reason = models.TextField(blank=True)
    condition_longer_than = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ("incident", "due_at", "id")
        indexes = [
            models.Index(
                fields=("due_at",),
                name="deadline_open_due",
                condition=models.Q(
                    met_at__isnull=True, superseded_at__isnull=True, missed_recorded_at__isnull=True
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} due {self.due_at:%Y-%m-%d %H:%M}Z" if self.due_at else self.label

    @property
    def label(self) -> str:
        if self.kind == DeadlineKind.COMMS and self.channel:
            return f"{CommsChannel(self.channel).label}"
        return DeadlineKind(self.kind).label

    @property
    def api_kind(self) -> str:
        return f"comms:{self.channel}" if self.kind == DeadlineKind.COMMS else self.kind

    def is_missed(self, now: datetime.datetime) -> bool:
        """Met late, or still unmet after it fell due."""
        if self.due_at is None:
            return False
        if self.met_at is not None:
            return self.met_at > self.due_at
        return now > self.due_at

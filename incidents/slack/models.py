"""The Slack app: its credentials, per-level war-room settings, war rooms, user links
and the outbox of Web API calls."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from incidents.slack.choices import CallStatus, IdentitySource, Operation, WarRoomMode

DEFAULT_API_URL = "https://slack.com/api/"


def mask(secret: str) -> str:
    """What the admin shows of a secret: its kind and last four characters."""
    if not secret:
        return ""
    prefix = secret.split("-", 1)[0] + "-" if secret.startswith("xox") else ""
    return f"{prefix}…{secret[-4:]}" if len(secret) > 8 else "…"


class SlackApp(models.Model):
    """The one installed Slack app (a single row, pk=1): bot token and signing secret.

    The secrets are written only by `services.rotate_credentials` and never shown
    whole (the admin shows `mask()`); the audit log keeps masked values only.
    """

    bot_token = models.CharField(max_length=255, blank=True)
    signing_secret = models.CharField(max_length=255, blank=True)
    team_id = models.CharField(max_length=20, blank=True, help_text="The workspace (T…).")
    api_url = models.URLField(
        default=DEFAULT_API_URL,
        help_text="Slack Web API base URL; change only for a proxy or a test stand-in.",
    )
    enabled = models.BooleanField(default=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    rotated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "Slack app"
        verbose_name_plural = "Slack app"

    def __str__(self) -> str:
        return f"Slack app (bot token {mask(self.bot_token) or 'not set'})"

    @property
    def is_ready(self) -> bool:
        return self.enabled and bool(self.bot_token)


class SlackLevelSetting(models.Model):
    """What a severity level gets in Slack. By level code (like the routing rules) so it
    survives new policy versions; loaded from the playbook's preset."""

    level_code = models.CharField(max_length=20, unique=True)
    mode = models.CharField(max_length=10, choices=WarRoomMode.choices)
    channel = models.CharField(
        max_length=80,
        blank=True,
        help_text="For thread/announce modes: the channel, e.g. #alerts.",
    )
    mention = models.CharField(max_length=20, blank=True, help_text="e.g. @here (or blank).")
    announcement = models.TextField(
        blank=True,
        help_text="The playbook's announcement template; {severity} {title} {status} {impact} "
        "{commander} {channel} {ref} {url} are filled in.",
    )
    runbooks = models.JSONField(
        default=list, blank=True, help_text="Runbook links pinned when the incident has none."
    )
    invite_responders = models.BooleanField(default=True)
    pin_runbooks = models.BooleanField(default=True)
    post_updates = models.BooleanField(default=True)

    class Meta:
        ordering = ("level_code",)

    def __str__(self) -> str:
        return f"{self.level_code}: {self.get_mode_display()}"


class WarRoom(models.Model):
    """An incident's place in Slack: its channel, or its thread in a named channel."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="slack_war_room"
    )
    mode = models.CharField(max_length=10, choices=WarRoomMode.choices)
    channel_name = models.CharField(max_length=80)
    channel_id = models.CharField(max_length=20, blank=True)
    thread_ts = models.CharField(max_length=30, blank=True)
    announcement_ts = models.CharField(max_length=30, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=("channel_id",), name="war_room_channel")]

    def __str__(self) -> str:
        return f"{self.channel_name} ({self.get_mode_display()})"


class SlackIdentity(models.Model):
    """A portal user's Slack account, matched by e-mail or linked once by the user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slack_identity"
    )
    slack_user_id = models.CharField(max_length=20, unique=True)
    source = models.CharField(max_length=10, choices=IdentitySource.choices)
    linked_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "Slack identities"

    def __str__(self) -> str:
        return f"{self.user} = {self.slack_user_id}"


class SlackCall(models.Model):
    """One step to carry out in Slack, written in the transaction that caused it.

    The worker runs an incident's calls in order (a later step needs the channel the
    first one created) and stops at the first failure, which is retried with backoff.
    """

    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="slack_calls",
    )
    operation = models.CharField(max_length=15, choices=Operation.choices)
    params = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=10, choices=CallStatus.choices, default=CallStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=("next_attempt_at",),
                name="slack_call_due",
                condition=models.Q(status__in=("pending", "sending")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_operation_display()} ({self.status})"


class SlackRequestSeen(models.Model):
    """A Slack request already acted on, kept for Slack's 5-minute signature window.

    A signed request is valid for five minutes and Slack retries events (new signature,
    same `event_id`): without this a replayed `/incident open` opened five incidents.
    """

    key = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.key

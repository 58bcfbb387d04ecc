"""Choices of the on-call app."""

from django.db import models


class RotationKind(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    CUSTOM = "custom", "Every N hours"


class TargetKind(models.TextChoices):
    SCHEDULE = "schedule", "A schedule's current on-call (a layer, or every layer)"
    NEXT_IN_ROTATION = "next_in_rotation", "The next person in a layer's rotation"
    USER = "user", "A user"
    GROUP = "group", "A group"
    SERVICE_OWNERS = "service_owners", "The owners of the incident's affected services"
    EVERYONE_ON_CALL = "everyone_on_call", "Everyone on call now (every schedule and layer)"


class StepCondition(models.TextChoices):
    """When a step fires: its delay counts from the previous step (the first from the
    declaration); the condition says what must still be missing at that time."""

    UNACKNOWLEDGED = "unacknowledged", "Not acknowledged within the delay"
    UNRESOLVED = "unresolved", "Not resolved within the delay (stays active after an ack)"


class EscalationStatus(models.TextChoices):
    ACTIVE = "active", "Active (paging)"
    ACKNOWLEDGED = "acknowledged", "Stopped: acknowledged"
    STOPPED = "stopped", "Stopped: resolved or cancelled"
    EXHAUSTED = "exhausted", "Finished: nobody acknowledged"


class ContactKind(models.TextChoices):
    """A person's own way to be reached; each is carried by a notification provider
    (`CONTACT_PROVIDERS`)."""

    SMS = "sms", "SMS"
    VOICE = "voice", "Voice call"
    EMAIL = "email", "Email"
    NTFY = "ntfy", "ntfy topic (push)"
    PUSHOVER = "pushover", "Pushover user key (push)"
    SLACK_DM = "slack_dm", "Slack direct message"
    TEAMS = "teams", "Microsoft Teams (Workflows)"


# Which provider kind (portal/notifications/providers/) carries each contact kind.
CONTACT_PROVIDERS: dict[str, str] = {
    ContactKind.SMS: "phone_sms",
    ContactKind.VOICE: "phone_call",
    ContactKind.EMAIL: "email",
    ContactKind.NTFY: "ntfy",
    ContactKind.PUSHOVER: "pushover",
    # Registered by the Slack add-on when it is ready (it holds the app's token).
    ContactKind.SLACK_DM: "slack_dm",
    ContactKind.TEAMS: "teams",
}


class PersonalNotificationStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENT = "sent", "Handed to the provider"
    STALE = "stale", "Not sent: acknowledged or closed first"
    UNDELIVERABLE = "undeliverable", "Could not be sent"

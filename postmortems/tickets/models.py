"""Where action items become tickets (Linear or GitHub Issues), and each item's ticket."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from postmortems.tickets.choices import TicketStatus, TrackerKind

DEFAULT_API_URLS = {
    TrackerKind.LINEAR: "https://api.linear.app/graphql",
    TrackerKind.GITHUB: "https://api.github.com",
}


class TicketTracker(models.Model):
    """The one tracker action items are filed in (a single row, pk=1).

    The API token is written only through `services.configure_tracker` and shown
    masked; the audit log keeps the masked value only.
    """

    kind = models.CharField(max_length=10, choices=TrackerKind.choices)
    api_token = models.CharField(max_length=255, blank=True)
    api_url = models.URLField(blank=True, help_text="Blank = the vendor's public API.")
    team_id = models.CharField(max_length=64, blank=True, help_text="Linear: the team's id.")
    repository = models.CharField(
        max_length=140, blank=True, help_text="GitHub: owner/name of the repository."
    )
    label = models.CharField(max_length=40, default="post-mortem")
    enabled = models.BooleanField(default=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "ticket tracker"

    def __str__(self) -> str:
        where = self.team_id if self.kind == TrackerKind.LINEAR else self.repository
        return f"{self.get_kind_display()} {where}".strip()

    @property
    def base_url(self) -> str:
        return (self.api_url or DEFAULT_API_URLS[TrackerKind(self.kind)]).rstrip("/")

    @property
    def is_ready(self) -> bool:
        return self.enabled and bool(self.api_token)


class TrackerAccount(models.Model):
    """A portal user's account in the tracker, when their e-mail does not find it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=TrackerKind.choices)
    account = models.CharField(max_length=100, help_text="Linear user id, or GitHub login.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("user", "kind"), name="tracker_account_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} = {self.account} ({self.kind})"


class ActionItemTicket(models.Model):
    """An action item's ticket: created once (retried with backoff), then synced."""

    action_item = models.OneToOneField(
        "postmortems.ActionItem", on_delete=models.CASCADE, related_name="tracker_ticket"
    )
    kind = models.CharField(max_length=10, choices=TrackerKind.choices)
    status = models.CharField(
        max_length=10, choices=TicketStatus.choices, default=TicketStatus.PENDING
    )
    external_id = models.CharField(max_length=64, blank=True)
    identifier = models.CharField(max_length=64, blank=True, help_text="ENG-12, or #12.")
    url = models.URLField(max_length=500, blank=True)
    state = models.CharField(max_length=40, blank=True, help_text="The tracker's state.")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.identifier or f"ticket for action item {self.action_item_id} ({self.status})"

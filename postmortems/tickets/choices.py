"""Choices of the action-item tickets."""

from django.db import models


class TrackerKind(models.TextChoices):
    LINEAR = "linear", "Linear (GraphQL API)"
    GITHUB = "github", "GitHub Issues (REST API)"


class TicketStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CREATED = "created", "Created"
    FAILED = "failed", "Failed (gave up)"

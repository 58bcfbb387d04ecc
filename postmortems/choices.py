"""Choices shared by the post-mortem models, serializers, admin filters and commands."""

from django.db import models


class PostMortemStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"


class ActionItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    WONT_DO = "wont_do", "Won't do"


# Statuses in which an action item is still owed (reminders, overdue lists, risk review).
OPEN_ACTION_STATUSES = (ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS)

DEFAULT_ACTION_LABEL = "post-mortem"

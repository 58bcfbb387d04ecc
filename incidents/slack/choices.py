"""Choices of the Slack app."""

from django.db import models


class WarRoomMode(models.TextChoices):
    CHANNEL = "channel", "A channel per incident (#incident-YYYY-MM-DD-slug)"
    THREAD = "thread", "A thread in a named channel (e.g. #alerts)"
    ANNOUNCE = "announce", "Announcement only, in a named channel"
    NONE = "none", "Nothing in Slack"


class CallStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"


class Operation(models.TextChoices):
    """One outbox row = one step of the war room, carried out by `operations.py`."""

    OPEN = "open", "Open the war room"
    INVITE = "invite", "Invite the responders"
    ANNOUNCE = "announce", "Post the announcement"
    PIN_RUNBOOKS = "pin_runbooks", "Pin the runbook links"
    POST = "post", "Post a message in the war room"
    CLOSE = "close", "Archive the channel / close the thread"
    RESPOND = "respond", "Answer a user (response_url)"
    PAGE = "page", "Page a responder by direct message, with the buttons"


class IdentitySource(models.TextChoices):
    EMAIL = "email", "Matched by e-mail"
    LINK = "link", "Linked by the user"

"""Choices of the comms app: template kinds and message states (who a message is for is
`portal.notifications.choices.Audience`, shared with the outbox)."""

from django.db import models

from incidents.choices import CommsChannel


class TemplateKind(models.TextChoices):
    STATUS_PAGE_INVESTIGATING = "status_page_investigating", "Status page: investigating"
    STATUS_PAGE_IDENTIFIED = "status_page_identified", "Status page: identified"
    STATUS_PAGE_MONITORING = "status_page_monitoring", "Status page: monitoring"
    STATUS_PAGE_RESOLVED = "status_page_resolved", "Status page: resolved"
    CUSTOMER_EMAIL = "customer_email", "Customer email (post-resolution)"
    BANNER = "banner", "In-product banner"
    INTERNAL_ANNOUNCEMENT = "internal_announcement", "Internal announcement"
    STATUS_UPDATE = "status_update", "Internal status update"
    RESOLUTION = "resolution", "Internal resolution note"


class MessageState(models.TextChoices):
    PUBLISHED = "published", "Published"
    QUEUED = "queued", "Queued for delivery"
    SANDBOXED = "sandboxed", "Sandboxed (drill)"


# Where a template of each kind goes by default, and who reads it.
KIND_CHANNEL: dict[str, str] = {
    TemplateKind.STATUS_PAGE_INVESTIGATING: CommsChannel.STATUS_PAGE,
    TemplateKind.STATUS_PAGE_IDENTIFIED: CommsChannel.STATUS_PAGE,
    TemplateKind.STATUS_PAGE_MONITORING: CommsChannel.STATUS_PAGE,
    TemplateKind.STATUS_PAGE_RESOLVED: CommsChannel.STATUS_PAGE,
    TemplateKind.CUSTOMER_EMAIL: CommsChannel.EMAIL,
    TemplateKind.BANNER: CommsChannel.IN_PRODUCT_BANNER,
    TemplateKind.INTERNAL_ANNOUNCEMENT: CommsChannel.INTERNAL,
    TemplateKind.STATUS_UPDATE: CommsChannel.INTERNAL,
    TemplateKind.RESOLUTION: CommsChannel.INTERNAL,
}

# The incident status a status-page post of each kind announces.
KIND_STATUS: dict[str, str] = {
    TemplateKind.STATUS_PAGE_INVESTIGATING: "investigating",
    TemplateKind.STATUS_PAGE_IDENTIFIED: "identified",
    TemplateKind.STATUS_PAGE_MONITORING: "monitoring",
    TemplateKind.STATUS_PAGE_RESOLVED: "resolved",
}

CUSTOMER_CHANNELS = (CommsChannel.STATUS_PAGE, CommsChannel.EMAIL, CommsChannel.IN_PRODUCT_BANNER)

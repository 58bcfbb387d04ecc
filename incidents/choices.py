"""Choices shared by models, serializers, admin filters and commands."""

from django.db import models


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active (in force)"
    RETIRED = "retired", "Retired"


class CommsChannel(models.TextChoices):
    STATUS_PAGE = "status_page", "Status page"
    EMAIL = "email", "Customer email"
    IN_PRODUCT_BANNER = "banner", "In-product banner"
    INTERNAL = "internal", "Internal channel"


class CommsAnchor(models.TextChoices):
    DECLARED = "declared", "after declaration"
    RESOLVED = "resolved", "after resolution"


class ClassificationFact(models.TextChoices):
    DATA_LOSS = "data_loss", "Confirmed data loss or leak"
    PRODUCTION_OUTAGE = "production_outage", "Production outage"
    CRITICAL_FLOW_BROKEN = "critical_flow_broken", "A critical flow is broken"
    CUSTOMERS_AFFECTED_PCT = "customers_affected_pct", "Customers affected (%)"
    CUSTOMER_FACING = "customer_facing", "Customer-facing impact"


class RuleOperator(models.TextChoices):
    IS_TRUE = "is_true", "is true"
    IS_FALSE = "is_false", "is false"
    GT = "gt", ">"
    GTE = "gte", "≥"
    LT = "lt", "<"
    LTE = "lte", "≤"


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
)

# The lifecycle of SPEC §3: forward through the open states (a step back is allowed
# while open: "monitoring" can turn out to be wrong), resolve from any open state,
# close only once resolved, cancel from any open state. Resolved may reopen.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    IncidentStatus.INVESTIGATING: frozenset(
        {
            IncidentStatus.IDENTIFIED,
            IncidentStatus.MONITORING,
            IncidentStatus.RESOLVED,
            IncidentStatus.CANCELLED,
        }
    ),
    IncidentStatus.IDENTIFIED: frozenset(
        {
            IncidentStatus.INVESTIGATING,
            IncidentStatus.MONITORING,
            IncidentStatus.RESOLVED,
            IncidentStatus.CANCELLED,
        }
    ),
    IncidentStatus.MONITORING: frozenset(
        {
            IncidentStatus.INVESTIGATING,
            IncidentStatus.IDENTIFIED,
            IncidentStatus.RESOLVED,
            IncidentStatus.CANCELLED,
        }
    ),
    IncidentStatus.RESOLVED: frozenset({IncidentStatus.CLOSED, IncidentStatus.INVESTIGATING}),
    IncidentStatus.CLOSED: frozenset(),
    IncidentStatus.CANCELLED: frozenset(),
}


class Environment(models.TextChoices):
    PRODUCTION = "production", "Production"
    STAGING = "staging", "Staging"
    DEVELOPMENT = "development", "Development"


class DetectionSource(models.TextChoices):
    MONITORING_ALERT = "monitoring_alert", "Monitoring alert"
    UPTIME_CHECK = "uptime_check", "Uptime check"
    ERROR_TRACKER = "error_tracker", "Error tracker"
    CUSTOMER_REPORT = "customer_report", "Customer report"
    SECURITY_AUDIT = "security_audit", "Security audit"
    DRILL = "drill", "Drill"
    MANUAL = "manual", "Manual"


class IncidentRole(models.TextChoices):
    COMMANDER = "commander", "Incident commander"
    COMMS_LEAD = "comms_lead", "Comms lead"
    SCRIBE = "scribe", "Scribe"
    INVESTIGATOR = "investigator", "Investigator"
    OPS = "ops", "Ops"


class DeadlineKind(models.TextChoices):
    ACKNOWLEDGE = "ack", "Acknowledge"
    MITIGATE = "mitigate", "Mitigate"
    RESOLVE = "resolve", "Resolve"
    STATUS_UPDATE = "status_update", "Next status update"
    COMMS = "comms", "Customer comms"
    POSTMORTEM = "postmortem", "Post-mortem due"


class TimelineKind(models.TextChoices):
    DECLARED = "declared", "Declared"
    ALERT = "alert", "Alert received"
    PAGED = "paged", "Paged"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    STATUS_CHANGED = "status_changed", "Status changed"
    SEVERITY_CHANGED = "severity_changed", "Severity changed"
    ROLE_ASSIGNED = "role_assigned", "Role assigned"
    STATUS_UPDATE = "status_update", "Status update posted"
    COMMS_SENT = "comms_sent", "Comms sent"
    DEADLINE_MISSED = "deadline_missed", "Deadline missed"
    MILESTONE = "milestone", "Milestone edited"
    FIELDS_CHANGED = "fields_changed", "Details edited"
    NOTE = "note", "Note"
    MITIGATED = "mitigated", "Mitigated"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"
    REOPENED = "reopened", "Reopened"

"""Models of On-call: schedules (SPEC §4), escalation (pages) and people's contact methods."""

from incidents.oncall.models.contact import ContactMethod, NotificationRule, PersonalNotification
from incidents.oncall.models.escalation import (
    Escalation,
    EscalationPolicy,
    EscalationStep,
    Page,
    SeverityEscalation,
    StepTarget,
)
from incidents.oncall.models.schedule import Layer, Override, Rotation, RotationMember, Schedule

__all__ = [
    "ContactMethod",
    "NotificationRule",
    "PersonalNotification",
    "Escalation",
    "EscalationPolicy",
    "EscalationStep",
    "Layer",
    "Override",
    "Page",
    "Rotation",
    "RotationMember",
    "Schedule",
    "SeverityEscalation",
    "StepTarget",
]

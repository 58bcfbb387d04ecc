"""Models of On-call: schedules (SPEC §4) and escalation (pages)."""

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

from incidents.models.incident import (
    Incident,
    IncidentRoleAssignment,
    ReferenceCounter,
    Service,
    StatusUpdate,
)
from incidents.models.policy import (
    ClassificationRule,
    CommsRequirement,
    Policy,
    PolicyVersion,
    SeverityLevel,
)
from incidents.models.timeline import Deadline, TimelineEntry

__all__ = [
    "ClassificationRule",
    "CommsRequirement",
    "Deadline",
    "Incident",
    "IncidentRoleAssignment",
    "Policy",
    "PolicyVersion",
    "ReferenceCounter",
    "Service",
    "SeverityLevel",
    "StatusUpdate",
    "TimelineEntry",
]

"""Incident writes. Every door (admin, API, CLI, tasks) calls these.

Each function is atomic, locks the incident row, checks the transition, writes
its own timeline entries and keeps the deadlines in step with the pinned policy.
"""

from incidents.services.declaration import declare_incident
from incidents.services.editing import (
    EDITABLE_FIELDS,
    MILESTONE_FIELDS,
    add_note,
    change_severity,
    suggest_for_incident,
    update_incident_details,
)
from incidents.services.guards import war_room_channel_name
from incidents.services.lifecycle import (
    acknowledge_incident,
    cancel_incident,
    close_incident,
    mitigate_incident,
    record_comms_sent,
    record_postmortem_published,
    reopen_incident,
    resolve_incident,
)
from incidents.services.roles import assign_role, assign_roles, relieve_role
from incidents.services.status_updates import post_status_update

__all__ = [
    "EDITABLE_FIELDS",
    "MILESTONE_FIELDS",
    "acknowledge_incident",
    "add_note",
    "assign_role",
    "assign_roles",
    "cancel_incident",
    "change_severity",
    "close_incident",
    "declare_incident",
    "mitigate_incident",
    "post_status_update",
    "record_comms_sent",
    "record_postmortem_published",
    "relieve_role",
    "reopen_incident",
    "resolve_incident",
    "suggest_for_incident",
    "update_incident_details",
    "war_room_channel_name",
]

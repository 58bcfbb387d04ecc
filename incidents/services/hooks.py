"""Incident events other apps hook into (paging, comms, post-mortems)."""

from __future__ import annotations

from typing import Any

from incidents.models import Incident
from portal.actors import Actor

# Other apps (paging, comms, post-mortems) register callbacks here instead of the
# incident services importing them (the core must not depend on its add-ons).
# A callback runs INSIDE the service's transaction, with the locked incident and the
# actor, so the rows it writes (escalation state, outbox messages) commit or roll back
# with the change that caused them. Callbacks enqueue worker tasks with on_commit only.
IncidentHook = Any  # Callable[[Incident, Actor], None]
_HOOKS: dict[str, list[IncidentHook]] = {}
HOOK_NAMES = (
    "declared",
    "acknowledged",
    "status_update",
    "severity_changed",
    "resolved",
    "cancelled",
    "closed",
    "comms_sent",
)


def on_incident_event(name: str, callback: IncidentHook) -> None:
    """Register `callback(incident, actor)` for event `name` (one of HOOK_NAMES). Idempotent."""
    if name not in HOOK_NAMES:
        raise ValueError(f"unknown incident event {name!r}")
    _HOOKS.setdefault(name, [])
    if callback not in _HOOKS[name]:
        _HOOKS[name].append(callback)


def run_hooks(name: str, incident: Incident, actor: Actor) -> None:
    for callback in _HOOKS.get(name, []):
        callback(incident, actor)

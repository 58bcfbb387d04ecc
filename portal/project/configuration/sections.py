"""The sections of the document, in the order they are applied (referenced first).

A section knows how to read itself from the database, the canonical shape of its
items, each item's key, and the service functions that write and delete an item.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal.project.configuration import export, history, policy_writer, shapes, writers
from portal.project.configuration.shapes import Item


@dataclass(frozen=True)
class Section:
    name: str
    label: str  # what one item is called in the plan
    key: Callable[[Item], Any]
    shape: Callable[[Item], Item]
    read: Callable[[], list[Item]]
    write: Callable[..., None]
    delete: Callable[..., None]

    def key_text(self, key: Any) -> str:
        return " → ".join(key) if isinstance(key, tuple) else str(key)


SECTIONS: tuple[Section, ...] = (
    Section("policies", "policy", lambda i: i["name"], shapes.shape_policy,
            export.read_policies, policy_writer.write_policy, policy_writer.delete_policy),
    Section("services", "service", lambda i: i["slug"], shapes.shape_service,
            export.read_services, writers.write_service, writers.delete_service),
    Section("channels", "channel", lambda i: i["name"], shapes.shape_channel,
            export.read_channels, writers.write_channel, writers.delete_channel),
    Section("routing", "route", lambda i: (i["level"], i["channel"]), shapes.shape_route,
            export.read_routing, writers.write_route, writers.delete_route),
    Section("schedules", "schedule", lambda i: i["name"], shapes.shape_schedule,
            export.read_schedules, writers.write_schedule, writers.delete_schedule),
    Section("escalation_policies", "escalation policy", lambda i: i["name"],
            shapes.shape_escalation_policy, export.read_escalation_policies,
            writers.write_escalation_policy, writers.delete_escalation_policy),
    Section("integrations", "integration", lambda i: i["name"], shapes.shape_integration,
            export.read_integrations, writers.write_integration, writers.delete_integration),
    Section("history", "historical incident", lambda i: i["source"], shapes.shape_history,
            history.read_history, history.write_history, history.delete_history),
)  # fmt: skip


def export_configuration() -> dict[str, Any]:
    """The whole configuration, section by section; integration keys and secrets are
    left out (each section's reader in `export.py` decides what it shows)."""
    document: dict[str, Any] = {"version": 1}
    for section in SECTIONS:
        document[section.name] = section.read()
    return document

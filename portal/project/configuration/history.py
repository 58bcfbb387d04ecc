"""The `history` section: incidents imported from another tool, as historical incidents.

A historical incident is closed, pinned to the policy version in force, and has no
deadline rows, so it never enters live deadline sweeps or countdowns; its milestones
count in the MTTA/MTTR metrics and exports like any real incident.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from incidents import events
from incidents.choices import IncidentStatus, PolicyStatus, TimelineKind
from incidents.fields import model_field
from incidents.models import Incident, PolicyVersion, Service
from incidents.references import allocate_reference
from portal.kernel.actors import Actor
from portal.project.configuration import shapes
from portal.project.configuration.errors import ConfigError
from portal.project.configuration.references import References
from portal.project.configuration.shapes import Item
from portal.project.configuration.writers import audit

LOG_PREFIX = "Imported: "
# Who the timeline names for a log line of the other tool; the audit log names whoever
# applied the configuration.
IMPORTED_LOG = Actor.system("import")


def read_history() -> list[Item]:
    incidents = (
        Incident.objects.filter(is_historical=True)
        .select_related("severity")
        .prefetch_related("services", "timeline")
        .order_by("declared_at", "id")
    )
    out = []
    for incident in incidents:
        services = [s.slug for s in incident.services.all()]
        log = [
            {"at": e.at, "text": e.message[len(LOG_PREFIX) :]}
            for e in sorted(incident.timeline.all(), key=lambda e: (e.at, e.pk))
            if e.message.startswith(LOG_PREFIX)
        ]
        out.append(
            shapes.shape_history(
                {"source": incident.imported_from, "title": incident.title,
                 "severity": incident.severity.code, "service": services[0] if services else None,
                 "declared_at": incident.declared_at, "acknowledged_at": incident.acknowledged_at,
                 "resolved_at": incident.resolved_at, "log": log,
                 **{name: getattr(incident, name) for name in shapes.HISTORY_DETAILS}}
            )
        )  # fmt: skip
    return out


def _at(text: str | None) -> datetime.datetime | None:
    return None if text is None else datetime.datetime.fromisoformat(text)


def _detail(name: str, value: Any) -> Any:
    """A catalogue value of the document as the model stores it."""
    field = model_field(name)
    if value is None and not field.null:
        return field.get_default()
    if isinstance(field, models.DateTimeField):
        return _at(value)
    if isinstance(field, models.DecimalField) and value is not None:
        return decimal.Decimal(str(value))
    return value


def history_problems(items: list[Item], refs: References) -> list[str]:
    version = PolicyVersion.objects.filter(status=PolicyStatus.ACTIVE).first()
    codes = set() if version is None else set(version.levels.values_list("code", flat=True))
    problems = []
    for i, item in enumerate(items):
        if version is None:
            problems.append(f"history[{i}]: no policy version is active to pin it to")
            break
        if item["severity"] not in codes:
            problems.append(f'history[{i}].severity: unknown level "{item["severity"]}"')
        if item["service"] is not None and item["service"] not in refs.services:
            problems.append(f'history[{i}].service: unknown service "{item["service"]}"')
        if item["resolved_at"] is None:
            problems.append(f"history[{i}].resolved_at: only resolved incidents are history")
        for name in shapes.HISTORY_DETAILS:
            try:
                model_field(name).clean(_detail(name, item[name]), None)
            except ValidationError as exc:
                problems.append(f"history[{i}].{name}: {' '.join(exc.messages)}")
            except (ValueError, decimal.InvalidOperation):
                problems.append(f"history[{i}].{name}: not a valid value")
    return problems


def write_history(
    item: Item, before: Item | None, refs: References, actor: Actor, path: str
) -> None:
    version = PolicyVersion.objects.get(status=PolicyStatus.ACTIVE)
    declared = datetime.datetime.fromisoformat(item["declared_at"])
    incident = Incident.objects.select_for_update().filter(imported_from=item["source"]).first()
    if incident is None:
        incident = Incident(
            ref=allocate_reference(declared.astimezone(datetime.UTC).date()),
            imported_from=item["source"],
            is_historical=True,
            policy_version=version,
        )
    incident.title = item["title"][:200]
    for name in shapes.HISTORY_DETAILS:
        setattr(incident, name, _detail(name, item[name]))
    incident.severity = version.levels.get(code=item["severity"])
    incident.status = IncidentStatus.CLOSED
    incident.declared_at = declared
    incident.acknowledged_at = _at(item["acknowledged_at"])
    incident.resolved_at = incident.closed_at = _at(item["resolved_at"])
    incident.save()
    incident.services.set(
        [Service.objects.get(slug=item["service"])] if item["service"] is not None else []
    )
    incident.timeline.filter(message__startswith=LOG_PREFIX).delete()
    events.record_many(
        (
            events.timeline_row(incident, TimelineKind.NOTE, f"{LOG_PREFIX}{entry['text']}",
                           actor=IMPORTED_LOG, at=datetime.datetime.fromisoformat(entry["at"]))
            for entry in item["log"]
        ),
        actor=actor,
    )  # fmt: skip
    audit(actor, incident, before, item)


def delete_history(key: str, before: Item, actor: Actor, path: str) -> None:
    raise ConfigError([f"{path}: historical incidents are never deleted"])

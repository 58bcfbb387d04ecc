"""The incident's own fields, listed once (issue 22; Zulip's `property_types`).

Every door that shows or takes an incident field reads this list instead of naming
fields itself: the declare form and the change page (`incidents/forms.py`,
`incidents/admin/incident.py`), the API's output, create and update serializers
(`incidents/api/serializers.py`), the write path (`EDITABLE_FIELDS` and
`MILESTONE_FIELDS` of `incidents/services/editing.py`), the incident-register export
(`portal/project/reports/`) and config-as-code's historical incidents
(`portal/project/configuration/history.py`). A field added here reaches all of them;
`tests/incidents/test_field_catalogue.py` walks each one through every door.

What the list does not hold is owned by a service of its own and changed only through
it: reference, severity, status, roles, the policy version, counters and the
milestones a transition stamps (declared, resolved, closed, cancelled).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from django.db import models

from incidents.models import Incident


class FieldGroup(enum.StrEnum):
    """Where a field sits on the change page (its fieldset), in page order."""

    HEADER = ""
    DESCRIPTION = "Description"
    CUSTOMER = "Customer facts (the only source of customer-facing template text)"
    FACTS = "Facts"
    MILESTONES = "Milestones (UTC; edits are written on the timeline)"


@dataclass(frozen=True)
class IncidentField:
    """One field of `Incident` as the doors treat it.

    `declared`: taken when the incident is declared (`declare_incident`'s keyword of
    the same name). `editable`: changed afterwards through `update_incident_details`.
    `label` and `help_text` override the model's for the forms, where the model's words
    are written for the database rather than for the person declaring."""

    name: str
    group: FieldGroup
    declared: bool = True
    editable: bool = True
    label: str = ""
    help_text: str = ""
    # A many-to-many relation: the services replace theirs as a whole.
    relation: bool = False

    @property
    def milestone(self) -> bool:
        return self.group is FieldGroup.MILESTONES


INCIDENT_FIELDS: tuple[IncidentField, ...] = (
    IncidentField("title", FieldGroup.HEADER),
    IncidentField(
        "public_title",
        FieldGroup.HEADER,
        help_text=(
            "The title customers see on the status page and in e-mail. Blank: derived from "
            "“What is broken”, else “Service disruption”; never the internal title."
        ),
    ),
    IncidentField("is_drill", FieldGroup.HEADER, editable=False, label="This is a drill"),
    IncidentField(
        "summary",
        FieldGroup.DESCRIPTION,
        label="Internal summary",
        help_text="For the team only: never copied into customer text.",
    ),
    IncidentField("environment", FieldGroup.DESCRIPTION),
    IncidentField("detection_source", FieldGroup.DESCRIPTION),
    IncidentField(
        "services", FieldGroup.DESCRIPTION, help_text="The affected services.", relation=True
    ),
    IncidentField("war_room_channel", FieldGroup.DESCRIPTION, declared=False),
    IncidentField("runbook_links", FieldGroup.DESCRIPTION, help_text="One link per line."),
    IncidentField(
        "what_is_broken",
        FieldGroup.CUSTOMER,
        label="What is broken (for customers)",
        help_text="In customers' words, e.g. “card payments at checkout”. Fills {what_is_broken}.",
    ),
    IncidentField(
        "customer_impact",
        FieldGroup.CUSTOMER,
        label="Customer-facing impact",
        help_text="What customers experience, e.g. “failed payments”. Fills {impact}.",
    ),
    IncidentField(
        "customer_fix",
        FieldGroup.CUSTOMER,
        declared=False,
        label="What fixed it (for customers)",
        help_text="Fills {fix} (a post-mortem's own fix wins once written).",
    ),
    IncidentField(
        "customer_prevention",
        FieldGroup.CUSTOMER,
        declared=False,
        label="What prevents it again (for customers)",
        help_text="Fills {prevention}.",
    ),
    IncidentField("customers_affected_count", FieldGroup.FACTS, label="Customers affected"),
    IncidentField("customers_affected_pct", FieldGroup.FACTS, label="Customers affected (%)"),
    IncidentField("critical_flow_broken", FieldGroup.FACTS, label="A critical flow is broken"),
    IncidentField("production_outage", FieldGroup.FACTS, label="Production outage"),
    IncidentField("data_loss", FieldGroup.FACTS, label="Confirmed data loss or leak"),
    IncidentField("customer_facing", FieldGroup.FACTS, label="Customer-facing impact"),
    IncidentField("revenue_impact", FieldGroup.FACTS, declared=False),
    IncidentField(
        "revenue_currency",
        FieldGroup.FACTS,
        declared=False,
        help_text="Three-letter ISO code, e.g. EUR.",
    ),
    # Milestones in the order they happen. Declared, resolved, closed and cancelled are
    # stamped by their transitions and shown, never edited.
    IncidentField("impact_started_at", FieldGroup.MILESTONES),
    IncidentField("detected_at", FieldGroup.MILESTONES),
    IncidentField("declared_at", FieldGroup.MILESTONES, declared=False, editable=False),
    IncidentField("acknowledged_at", FieldGroup.MILESTONES, declared=False),
    IncidentField("mitigated_at", FieldGroup.MILESTONES, declared=False),
    IncidentField("resolved_at", FieldGroup.MILESTONES, declared=False, editable=False),
    IncidentField("closed_at", FieldGroup.MILESTONES, declared=False, editable=False),
    IncidentField("cancelled_at", FieldGroup.MILESTONES, declared=False, editable=False),
)

BY_NAME = {field.name: field for field in INCIDENT_FIELDS}


def field_names(
    *,
    declared: bool | None = None,
    editable: bool | None = None,
    milestone: bool | None = None,
    relation: bool | None = None,
) -> tuple[str, ...]:
    """Names of the catalogue's fields, in catalogue order, filtered by what is given."""
    return tuple(
        f.name
        for f in INCIDENT_FIELDS
        if (declared is None or f.declared == declared)
        and (editable is None or f.editable == editable)
        and (milestone is None or f.milestone == milestone)
        and (relation is None or f.relation == relation)
    )


def in_group(group: FieldGroup) -> tuple[str, ...]:
    return tuple(f.name for f in INCIDENT_FIELDS if f.group is group)


def model_field(name: str) -> models.Field[Any, Any]:
    """The model field behind catalogue field `name`."""
    field = Incident._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise LookupError(f"{name} is not a field of Incident")
    return field

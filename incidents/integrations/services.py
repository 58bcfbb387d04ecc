"""Writes of the integrations app: the integrations themselves (create, update), their
audit entries, and the actor they act as. Alert ingestion is in `ingestion.py`.

Ingestion contract (SPEC §6): one open alert per (integration, dedup key). The first
trigger of a key declares an incident; repeats count on the alert and the incident;
acknowledge acknowledges the incident; resolve resolves the alert, and once every
alert of the incident is resolved the incident is mitigated (resolved too when the
integration auto-resolves). Lock order is always alert → incident.

Audit: every public write here runs as an `@audited_service` and writes its own audit
entries with the integration's actor (`integration <name>`), the same actor the
timeline shows; the incident services it calls (declare, acknowledge, mitigate,
resolve) get that actor too. Not audited, by design: the alerts themselves and their
repeat counters (`alert.count`, `incident.alert_count`), which are ingested raw data
with their own record (the alert rows, and the timeline folded at ×1, ×10, ×100…),
webhook deliveries, change events, and heartbeat pings (`last_ping_at`): writing an
audit entry per received alert would turn the audit log into an alert log.
"""

from __future__ import annotations

import datetime
from typing import Any

from incidents.integrations.choices import MatchOperator
from incidents.integrations.keys import set_client_secret
from incidents.integrations.models import (
    AlertRoutingRule,
    Integration,
)
from incidents.integrations.sources import kinds, source_for
from incidents.models import Service
from incidents.selectors import active_policy_version, level_by_code
from portal.audit.scope import audited_service
from portal.audit.services import (
    prepare_created,
    record_changed,
    record_entries,
)
from portal.audit.snapshots import REDACTED, snapshot
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.kernel.model_validation import validate_model


def integration_actor(name: str) -> Actor:
    """Who acts when an integration writes: on the timeline and in the audit log alike."""
    return Actor.system(f"integration {name}")


def _integration_audit_entries(actor: Actor, integration: Integration, rules: list[Any]) -> None:
    # The key authenticates the sender: like a password, the audit says it was set, not what.
    entry = prepare_created(actor, integration)
    entry.after = {**(entry.after or {}), "key": REDACTED}
    record_entries([entry, *(prepare_created(actor, rule) for rule in rules)])


# --- Integrations as data ---------------------------------------------------------------

# What an integration's page (and `update_integration`) may change; the key and the
# client secret have their own services (`keys.py`), the ping time is the sender's.
EDITABLE_FIELDS = (
    "name",
    "kind",
    "enabled",
    "service",
    "default_severity",
    "auto_resolve",
    "heartbeat_period",
    "heartbeat_grace",
)


def _check_integration(integration: Integration) -> None:
    """The rules of every write path (admin, CLI, demo), on the integration as it would be
    saved. Normalises the name and the severity code; DomainError names the model field."""
    integration.name = (integration.name or "").strip()
    if not integration.name:
        raise DomainError("A name is required.", field="name")
    if Integration.objects.filter(name=integration.name).exclude(pk=integration.pk).exists():
        raise DomainError(
            f"An integration named {integration.name!r} exists already.", field="name"
        )
    source = source_for(integration.kind)
    if source is None:
        raise DomainError(f"Unknown kind; use one of {', '.join(kinds())}.", field="kind")
    if integration.default_severity:
        try:
            level = level_by_code(active_policy_version(), integration.default_severity)
        except DomainError as exc:
            raise DomainError(exc.message, field="default_severity") from exc
        integration.default_severity = level.code
    # Without it every signed webhook of Sentry is refused with a 401.
    if source.needs_client_secret and not integration.client_secret:
        raise DomainError(
            f"{source.label} integrations need the client secret to verify signatures.",
            field="client_secret",
        )
    if source.periodic:
        period = integration.heartbeat_period
        if period is None or period <= datetime.timedelta(0):
            raise DomainError(
                "Heartbeats need a positive period (e.g. 5m).", field="heartbeat_period"
            )
        integration.heartbeat_grace = integration.heartbeat_grace or datetime.timedelta(0)
        if integration.heartbeat_grace < datetime.timedelta(0):
            raise DomainError("The grace cannot be negative.", field="heartbeat_grace")
    elif integration.heartbeat_period is not None:
        raise DomainError("Only heartbeat integrations have a period.", field="heartbeat_period")
    validate_model(integration)


@audited_service
def create_integration(
    *,
    actor: Actor,
    name: str,
    kind: str,
    service: Service | None = None,
    default_severity: str = "",
    client_secret: str = "",
    enabled: bool = True,
    auto_resolve: bool = False,
    heartbeat_period: datetime.timedelta | None = None,
    heartbeat_grace: datetime.timedelta | None = None,
    rules: list[dict[str, Any]] | None = None,
) -> Integration:
    """A new integration with a fresh random key. DomainError names the bad model field."""
    integration = Integration(
        name=name,
        kind=kind,
        service=service,
        default_severity=(default_severity or "").strip(),
        client_secret=(client_secret or "").strip(),
        enabled=enabled,
        auto_resolve=auto_resolve,
        heartbeat_period=heartbeat_period,
        heartbeat_grace=heartbeat_grace,
    )
    _check_integration(integration)
    for rule in rules or []:
        if rule.get("operator", MatchOperator.EQUALS) not in MatchOperator.values:
            raise DomainError("Operator must be ==, != or contains.", field="rules")
    integration.save(force_insert=True)
    created_rules = [
        AlertRoutingRule.objects.create(
            integration=integration,
            position=position,
            path=rule["path"],
            operator=rule.get("operator", MatchOperator.EQUALS),
            value=str(rule["value"]),
            severity=rule["severity"],
        )
        for position, rule in enumerate(rules or [])
    ]
    _integration_audit_entries(actor, integration, created_rules)
    return integration


@audited_service
def update_integration(
    *,
    integration: Integration,
    actor: Actor,
    changes: dict[str, Any],
    client_secret: str = "",
) -> Integration:
    """Change `changes` (names from EDITABLE_FIELDS) and, when given, replace Sentry's client
    secret; the same rules as `create_integration`. Audited with the fields that moved."""
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise DomainError(f"{unknown[0]} cannot be changed here.", field=unknown[0])
    locked = Integration.objects.select_for_update(of=("self",)).get(pk=integration.pk)
    audited = [
        field.attname
        for field in Integration._meta.concrete_fields
        if field.name in EDITABLE_FIELDS
    ]
    before = snapshot(locked, audited, redacted=False)
    for name, value in changes.items():
        setattr(locked, name, value)
    new_secret = client_secret.strip()
    if new_secret:
        locked.client_secret = new_secret
    _check_integration(locked)
    # Not the secret: `set_client_secret` writes it with its own entry (changed, never what).
    locked.save(update_fields=EDITABLE_FIELDS)
    record_changed(actor, locked, before)
    if new_secret:
        locked = set_client_secret(integration=locked, actor=actor, client_secret=new_secret)
    return locked

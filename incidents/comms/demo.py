"""Demo rows: public components and one resolved incident with public updates."""

from __future__ import annotations

import uuid

from incidents.models import Incident, Service
from incidents.services import declare_incident, resolve_incident
from portal.kernel.actors import Actor

DEMO_TITLE = "Checkout payments failing (demo)"
COMPONENTS = (("Web app", "web-app"), ("API", "api"), ("Payments", "payments"))


def load_demo(*, actor: Actor) -> None:
    """Idempotent: creates the components and the demo incident only once."""
    from incidents.comms.services import send_comms

    services = [
        Service.objects.get_or_create(slug=slug, defaults={"name": name, "public": True})[0]
        for name, slug in COMPONENTS
    ]
    if Incident.objects.filter(title=DEMO_TITLE).exists():
        return
    incident = declare_incident(
        actor=actor,
        title=DEMO_TITLE,
        severity="SEV-2",
        summary="Card payments fail at checkout.",
        services=[services[2]],
        critical_flow_broken=True,
        is_demo=True,
    )
    namespace = uuid.UUID("6f1f6a52-6d1c-4a8e-9a6b-0c8f1c2f9d10")
    send_comms(
        incident=incident,
        actor=actor,
        channel="status_page",
        body="We're investigating failed card payments at checkout. Next update at {next_update_at}.",
        idempotency_key=uuid.uuid5(namespace, f"{incident.pk}:investigating"),
    )
    resolve_incident(
        incident=incident,
        actor=actor,
        message="Payment provider credentials rotated.",
        unmet_comms_reason="Demo data: nothing is sent to customers.",
    )
    send_comms(
        incident=incident,
        actor=actor,
        channel="status_page",
        announced_status="resolved",
        body="Payments work again since {end} UTC. We're sorry for the disruption.",
        idempotency_key=uuid.uuid5(namespace, f"{incident.pk}:resolved"),
    )

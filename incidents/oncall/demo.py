"""Demo data: pages show up in the worker's console (and the console email backend)."""

from __future__ import annotations

from incidents.oncall.preset_loader import _load_schedule, read_oncall_preset
from portal.audit.scope import audited_service
from portal.kernel.actors import Actor
from portal.notifications.channels import save_channel
from portal.notifications.models import NotificationChannel


@audited_service
def load_demo(*, actor: Actor) -> None:
    """Idempotent. Until a real Slack webhook is configured, #alerts prints to the
    worker log; the founder schedule gets the admin user if it had nobody."""
    data = read_oncall_preset("founder-24x7") or {}
    for schedule in data.get("schedules", []):
        _load_schedule(schedule)  # fills rotations left empty before the admin existed
    alerts = NotificationChannel.objects.filter(name="#alerts").first()
    if alerts is not None and not alerts.target and not alerts.enabled:
        save_channel(
            name="#alerts",
            kind="console",
            target="",
            enabled=True,
            description="Demo: printed by the worker. Switch to kind Slack with a provider "
            "slack:// URL to page the real #alerts.",
            actor=actor,
        )

"""Action items as tickets: queued when the post-mortem is published (its incident
closes), created by the worker with retries, and kept in step with the tracker.

The item's status moves only through `postmortems.services.update_action_item`, as
any other door's change would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from incidents.models import Incident, PolicyVersion
from portal.audit.choices import AuditAction
from portal.audit.scope import audited_service
from portal.audit.services import (
    prepare_created,
    record_action,
    record_changed,
    record_created,
    record_entries,
)
from portal.audit.snapshots import snapshot
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.kernel.model_validation import validate_model
from postmortems.choices import OPEN_ACTION_STATUSES, PostMortemStatus
from postmortems.models import ActionItem, PostMortem
from postmortems.services import update_action_item
from postmortems.tickets.choices import TicketStatus, TrackerKind
from postmortems.tickets.models import ActionItemTicket, TicketTracker, TrackerAccount
from postmortems.tickets.trackers import (
    GITHUB_STATUS,
    LINEAR_STATUS,
    GitHub,
    Linear,
    NewTicket,
    TrackerError,
    client_for,
)

CREATE_TASK = "postmortems.tickets.tasks.create_tickets"
PRESET_DIR = Path(__file__).resolve().parent / "presets"
TICKETS_ACTOR = Actor.system("tickets")


def tracker() -> TicketTracker | None:
    found = TicketTracker.objects.filter(pk=1).first()
    return found if found is not None and found.is_ready else None


def mask(secret: str) -> str:
    return f"…{secret[-4:]}" if len(secret) > 8 else ("…" if secret else "")


def _public(t: TicketTracker) -> dict[str, Any]:
    return {
        "kind": t.kind,
        "api_token": mask(t.api_token),
        "api_url": t.api_url,
        "team_id": t.team_id,
        "repository": t.repository,
        "label": t.label,
        "enabled": t.enabled,
    }


@audited_service
def configure_tracker(
    *, actor: Actor, api_token: str | None = None, **fields: Any
) -> TicketTracker:
    """Set the tracker, or rotate its token (None or blank keeps it). Founders only;
    audited with the token masked."""
    user = actor.user
    if user is None or not user.is_active or not user.has_perm("tickets.change_tickettracker"):
        raise DomainError("Only founders may change the ticket tracker.", field="actor")
    unknown = sorted(set(fields) - {"kind", "api_url", "team_id", "repository", "label", "enabled"})
    if unknown:
        raise DomainError(f"{unknown[0]} cannot be set here.", field=unknown[0])
    current, created = TicketTracker.objects.select_for_update().get_or_create(
        pk=1, defaults={"kind": fields.get("kind") or TrackerKind.LINEAR}
    )
    before = None if created else _public(current)
    for field, value in fields.items():
        if value is not None:
            setattr(current, field, value)
    if api_token and api_token.strip() != current.api_token:
        current.api_token, current.rotated_at = api_token.strip(), timezone.now()
    if current.kind == TrackerKind.GITHUB and current.repository.count("/") != 1:
        raise DomainError("Give the repository as owner/name.", field="repository")
    validate_model(current)
    current.save()
    record_action(
        actor,
        AuditAction.CREATE if created else AuditAction.UPDATE,
        current,
        before=before,
        after=_public(current),
    )
    return current


def load_tickets_preset(
    version: PolicyVersion,  # noqa: ARG001 - the PresetLoader signature; the tracker is global
    preset_name: str,
    actor: Actor,
) -> None:
    """003 names Linear and its 'post-mortem' label: the tracker is set up, waiting for
    a token. Other presets leave the tracker alone. Audited with the loader's actor."""
    path = PRESET_DIR / f"{preset_name}.json"
    if not path.exists():
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    current = TicketTracker.objects.filter(pk=1).first()
    if current is None:
        created = TicketTracker.objects.create(pk=1, kind=data["kind"], label=data["label"])
        record_created(actor, created, fields=["kind", "label"])
    elif current.kind == data["kind"] and current.label != data["label"]:
        before = snapshot(current, ["label"], redacted=False)
        TicketTracker.objects.filter(pk=1).update(label=data["label"])
        current.label = data["label"]
        record_changed(actor, current, before)


@audited_service
def queue_tickets(postmortem: PostMortem, *, actor: Actor) -> list[ActionItemTicket]:
    """One pending ticket per action item that has none (and no ticket link typed in);
    each queued ticket is audited with `actor` (who closed the incident)."""
    current = tracker()
    if current is None or postmortem.status != PostMortemStatus.PUBLISHED:
        return []
    now = timezone.now()
    # No lock needed: the one-to-one unique index makes a concurrent second run a no-op.
    items = postmortem.action_items.filter(tracker_ticket__isnull=True, ticket_url="").order_by(
        "pk"
    )
    tickets = [
        ActionItemTicket(action_item=item, kind=current.kind, next_attempt_at=now, created_at=now)
        for item in items
    ]
    ActionItemTicket.objects.bulk_create(tickets, ignore_conflicts=True)
    # ignore_conflicts leaves the new rows without ids: read back the ones this call made.
    queued = ActionItemTicket.objects.filter(
        action_item__in=[t.action_item_id for t in tickets], created_at=now
    ).order_by("pk")
    record_entries([prepare_created(actor, ticket, at=now) for ticket in queued])
    if tickets:

        def _enqueue() -> None:
            from django_q.tasks import async_task

            async_task(CREATE_TASK, postmortem.pk)

        transaction.on_commit(_enqueue)
    return tickets


def on_incident_closed(incident: Incident, actor: Actor) -> None:
    postmortem = PostMortem.objects.filter(incident=incident).first()
    if postmortem is not None:
        queue_tickets(postmortem, actor=actor)


def _new_ticket(item: ActionItem, current: TicketTracker) -> NewTicket:
    owner = item.owner
    account = ""
    if owner is not None:
        account = (
            TrackerAccount.objects.filter(user=owner, kind=current.kind)
            .values_list("account", flat=True)
            .first()
            or ""
        )
    incident = item.incident
    ref = f"{incident.ref}: " if incident is not None else ""
    body = f"Action item from the post-mortem of {ref.rstrip(': ') or 'an incident'}.\n\n"
    body += item.description
    if owner is not None:
        body += f"\n\nOwner: {owner.get_username()}"
    return NewTicket(
        title=f"{ref}{item.description.splitlines()[0]}"[:250],
        body=body,
        label=current.label,
        due_date=item.due_date,
        assignee_email=(owner.email if owner is not None else "") or "",
        assignee_account=account,
    )


def create_ticket(ticket_id: int) -> str:
    """Create one pending ticket in the tracker; safe to run twice."""
    from portal.notifications.outbox import backoff, max_attempts

    current = tracker()
    if current is None:
        return "no tracker"
    with transaction.atomic():
        ticket = (
            ActionItemTicket.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=ticket_id, status=TicketStatus.PENDING)
            .select_related("action_item__owner", "action_item__postmortem__incident")
            .first()
        )
        if ticket is None:
            return "skipped"
        ticket.attempts += 1
        try:
            created = client_for(current).create(_new_ticket(ticket.action_item, current))
        except TrackerError as exc:
            gave_up = ticket.attempts >= max_attempts()
            ticket.status = TicketStatus.FAILED if gave_up else TicketStatus.PENDING
            ticket.next_attempt_at = None if gave_up else timezone.now() + backoff(ticket.attempts)
            ticket.last_error = str(exc)[:2000]
            ticket.save()
            return "failed"
        ticket.status, ticket.last_error, ticket.next_attempt_at = TicketStatus.CREATED, "", None
        ticket.external_id, ticket.identifier = created.external_id, created.identifier
        ticket.url, ticket.state, ticket.synced_at = created.url, created.state, timezone.now()
        ticket.save()
        record_action(
            TICKETS_ACTOR,
            AuditAction.CREATE,
            ticket,
            after={"action_item": ticket.action_item_id, "url": ticket.url, "kind": ticket.kind},
        )
        update_action_item(
            item=ticket.action_item, actor=TICKETS_ACTOR, changes={"ticket_url": created.url}
        )
    return "created"


def sync_ticket_states() -> dict[str, int]:
    """The item's status follows its ticket's (done, won't do, in progress, open)."""
    current = tracker()
    counts = {"checked": 0, "changed": 0}
    if current is None:
        return counts
    tickets = list(
        ActionItemTicket.objects.filter(status=TicketStatus.CREATED, kind=current.kind)
        .select_related("action_item")
        .order_by("pk")[:500]
    )
    client = client_for(current)
    if isinstance(client, Linear):
        states = client.states([t.external_id for t in tickets]) if tickets else {}
        wanted = {t.pk: LINEAR_STATUS.get(states.get(t.external_id, ""), None) for t in tickets}
        raw = {t.pk: states.get(t.external_id, t.state) for t in tickets}
    elif isinstance(client, GitHub):
        raw = {t.pk: client.state(t.external_id) for t in tickets}
        wanted = {pk: GITHUB_STATUS.get(state) for pk, state in raw.items()}
    for ticket in tickets:
        counts["checked"] += 1
        status = wanted.get(ticket.pk)
        ActionItemTicket.objects.filter(pk=ticket.pk).update(
            state=raw.get(ticket.pk, "")[:40], synced_at=timezone.now()
        )
        if status is None or status == ticket.action_item.status:
            continue
        changes: dict[str, Any] = {"status": status}
        if status == "wont_do" and not ticket.action_item.wont_do_reason:
            changes["wont_do_reason"] = f"Closed in the tracker as {raw.get(ticket.pk)}."
        if ticket.action_item.status not in OPEN_ACTION_STATUSES and status in OPEN_ACTION_STATUSES:
            changes["wont_do_reason"] = ""
        update_action_item(item=ticket.action_item, actor=TICKETS_ACTOR, changes=changes)
        counts["changed"] += 1
    return counts

"""Post-mortem drafts: opened by the resolve hook or on demand, edited until published."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from incidents import events
from incidents.choices import DeadlineKind, IncidentStatus, TimelineKind
from incidents.models import Deadline, Incident
from portal.audit.scope import audited_service
from portal.audit.services import (
    prepare_created,
    record_changed,
    record_created,
    record_entries,
)
from portal.audit.snapshots import snapshot
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from postmortems.models import (
    PostMortem,
    PostMortemTimelineEntry,
)
from postmortems.sections import EDITABLE_FIELDS, TEXT_SECTIONS

# "TBD", "todo:", "(TBC)", "???": placeholders a published post-mortem must not contain.
# Word-ish: not part of a longer word ("todos" and "TBDX" pass), any case.
PLACEHOLDER = re.compile(r"(?<![A-Za-z0-9])(TBD|TODO|TBC)(?![A-Za-z0-9])|\?\?\?", re.IGNORECASE)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_TEXT = 20_000
# What an audit entry compares for an edit (attnames; `updated_at` moves on every save).
SECTION_ATTS = tuple(EDITABLE_FIELDS)
TIMELINE_ATTS = ("included", "text")


def lock_postmortem(postmortem: PostMortem) -> PostMortem:
    """Lock the incident, then its post-mortem: the same order as the resolve hook (which
    runs under the incident's lock), so the two never deadlock."""
    Incident.objects.select_for_update(no_key=True).filter(pk=postmortem.incident_id).values_list(
        "pk"
    ).first()
    return (
        PostMortem.objects.select_for_update(of=("self",))
        .select_related("incident__severity")
        .get(pk=postmortem.pk)
    )


def refuse_if_published(postmortem: PostMortem) -> None:
    if postmortem.is_published:
        raise DomainError(
            f"The post-mortem of {postmortem.incident.ref} is published and read-only; start a new revision.",
            field="status",
        )


def _postmortem_due_at(incident: Incident) -> datetime.datetime | None:
    """The due time the core computed from the pinned policy (never recomputed here)."""
    return (
        Deadline.objects.filter(
            incident=incident, kind=DeadlineKind.POSTMORTEM, superseded_at__isnull=True
        )
        .order_by("-id")
        .values_list("due_at", flat=True)
        .first()
    )


def _copy_timeline(postmortem: PostMortem, actor: Actor) -> int:
    """Copy the incident's timeline lines not copied yet; returns how many were added."""
    copied = set(
        postmortem.timeline_entries.exclude(source=None).values_list("source_id", flat=True)
    )
    rows = [
        PostMortemTimelineEntry(
            postmortem=postmortem,
            source=entry,
            at=entry.at,
            kind=entry.kind,
            actor_label=entry.actor_label,
            text=entry.message,
        )
        for entry in postmortem.incident.timeline.order_by("at", "id")
        if entry.pk not in copied
    ]
    PostMortemTimelineEntry.objects.bulk_create(rows)
    # bulk_create sends no signal: one audit entry per copied line, in one INSERT.
    record_entries([prepare_created(actor, row) for row in rows])
    return len(rows)


def _ensure(incident: Incident, actor: Actor) -> PostMortem:
    postmortem, created = PostMortem.objects.get_or_create(
        incident=incident,
        defaults={
            "due_at": _postmortem_due_at(incident),
            # The incident commander drafts it (playbook 003: "drafted by the IC"); whoever
            # resolved only when the incident had no commander.
            "author": incident.commander or actor.user,
            "summary": incident.summary,
            "customers_affected": incident.customers_affected_count,
            "revenue_impact": incident.revenue_impact,
            "revenue_currency": incident.revenue_currency,
        },
    )
    if created:
        record_created(actor, postmortem)
    if postmortem.is_published:
        return postmortem
    if not created:
        # Resolved again after a reopen: the core wrote a new deadline; follow it.
        before = snapshot(postmortem, ["due_at"])
        postmortem.due_at = _postmortem_due_at(incident)
        postmortem.save(update_fields=["due_at", "updated_at"])
        record_changed(actor, postmortem, before)
    _copy_timeline(postmortem, actor)
    if created:
        due = f"due {postmortem.due_at:%Y-%m-%d %H:%M} UTC" if postmortem.due_at else "no due date"
        events.record(
            incident, TimelineKind.NOTE, f"Post-mortem draft opened ({due}).", actor=actor
        )
    return postmortem


def on_incident_resolved(incident: Incident, actor: Actor) -> None:
    """Hook for `incidents.services` "resolved": runs inside the resolve transaction
    (an audited service), so it writes its audit entries with the resolver as actor."""
    if incident.severity.postmortem_required:
        _ensure(incident, actor)


@audited_service
def create_postmortem(*, incident: Incident, actor: Actor) -> PostMortem:
    """Open the post-mortem of a resolved (or closed) incident on demand. Idempotent."""
    incident = (
        Incident.objects.select_for_update(of=("self",), no_key=True)
        .select_related("severity")
        .get(pk=incident.pk)
    )
    if incident.resolved_at is None or incident.status not in (
        IncidentStatus.RESOLVED,
        IncidentStatus.CLOSED,
    ):
        raise DomainError(
            f"{incident.ref} is {incident.status}: resolve it before writing its post-mortem.",
            field="incident",
        )
    return _ensure(incident, actor)


def _clean_value(field: str, value: Any) -> Any:
    if field in TEXT_SECTIONS:
        text = "" if value is None else str(value)
        if len(text) > MAX_TEXT:
            raise DomainError(f"Keep it under {MAX_TEXT} characters.", field=field)
        return text.strip()
    if field == "customers_affected":
        if value in (None, ""):
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise DomainError("Give a whole number of customers.", field=field) from None
        if number < 0:
            raise DomainError("Give a whole number of customers (0 or more).", field=field)
        return number
    if field == "revenue_impact":
        if value in (None, ""):
            return None
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise DomainError("Give an amount such as 1200.50.", field=field) from None
        if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
            raise DomainError("Give an amount between 0 and 9,999,999,999.99.", field=field)
        return amount.quantize(Decimal("0.01"))
    if field == "revenue_currency":
        code = (value or "").strip().upper()
        if code and not _CURRENCY.match(code):
            raise DomainError("Use a three-letter ISO currency code such as EUR.", field=field)
        return code
    raise DomainError(f"{field} cannot be edited.", field=field)  # pragma: no cover


@audited_service
def update_postmortem(
    *, postmortem: PostMortem, actor: Actor, changes: dict[str, Any]
) -> PostMortem:
    """Edit sections and customer impact; `changes["timeline"]` is a list of
    `{"id", "included"?, "text"?}` edits to the copied timeline. Refused once published."""
    timeline = changes.pop("timeline", None)
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise DomainError(f"{unknown[0]} cannot be edited here.", field=unknown[0])
    postmortem = lock_postmortem(postmortem)
    refuse_if_published(postmortem)
    before = snapshot(postmortem, list(SECTION_ATTS))
    for field, value in changes.items():
        setattr(postmortem, field, _clean_value(field, value))
    if changes:
        postmortem.save()
        record_changed(actor, postmortem, before)
    if timeline is not None:
        _edit_timeline(postmortem, timeline, actor)
    return postmortem


def _edit_timeline(postmortem: PostMortem, edits: Any, actor: Actor) -> None:
    if not isinstance(edits, list):
        raise DomainError("Give a list of {id, included, text} edits.", field="timeline")
    entries = {e.pk: e for e in postmortem.timeline_entries.all()}
    for edit in edits:
        entry = entries.get(edit.get("id")) if isinstance(edit, dict) else None  # type: ignore[arg-type]
        if entry is None:
            raise DomainError(f"No timeline entry {edit!r} in this post-mortem.", field="timeline")
        before = snapshot(entry, list(TIMELINE_ATTS))
        if "included" in edit:
            entry.included = bool(edit["included"])
        if "text" in edit:
            text = str(edit["text"] or "").strip()
            if not text:
                raise DomainError(
                    f"Timeline entry {entry.pk}: the text is empty (exclude it instead).",
                    field="timeline",
                )
            entry.text = text[:MAX_TEXT]
        entry.save(update_fields=["included", "text"])
        record_changed(actor, entry, before)


@audited_service
def add_timeline_entry(
    *, postmortem: PostMortem, actor: Actor, at: datetime.datetime, text: str
) -> PostMortemTimelineEntry:
    """A line the incident timeline missed (e.g. "14:02 customer tweets about it")."""
    postmortem = lock_postmortem(postmortem)
    refuse_if_published(postmortem)
    if timezone.is_naive(at):
        raise DomainError("Give the time with its time zone (UTC).", field="at")
    if not (text or "").strip():
        raise DomainError("The text is empty.", field="text")
    entry = PostMortemTimelineEntry.objects.create(
        postmortem=postmortem,
        at=at,
        text=text.strip()[:MAX_TEXT],
        kind="note",
        actor_label=actor.label[:120],
    )
    record_created(actor, entry)
    return entry

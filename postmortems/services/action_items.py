"""Action items: filed for a post-mortem (or a drill), moved until done or won't do."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents import events
from incidents.choices import TimelineKind
from portal.audit.scope import audited_service
from portal.audit.services import record_changed, record_created
from portal.audit.snapshots import snapshot
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from postmortems.choices import (
    DEFAULT_ACTION_LABEL,
    OPEN_ACTION_STATUSES,
    ActionItemStatus,
)
from postmortems.models import (
    ActionItem,
    PostMortem,
)
from postmortems.services.drafting import MAX_TEXT, lock_postmortem, refuse_if_published


def _check_ticket_url(url: str) -> str:
    url = (url or "").strip()
    if url:
        from django.core.validators import URLValidator

        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise DomainError("Give the ticket's http(s) link.", field="ticket_url") from None
    return url


@audited_service
def create_action_item(
    *,
    actor: Actor,
    description: str,
    owner: Any,
    due_date: datetime.date | None,
    postmortem: PostMortem | None = None,
    source_label: str = DEFAULT_ACTION_LABEL,
    ticket_url: str = "",
) -> ActionItem:
    """File an action item, for a post-mortem (not a published one) or another source
    ("drill"…). Owner and due date may be filled later; publishing requires them."""
    description = (description or "").strip()
    if not description:
        raise DomainError("Describe the action.", field="description")
    if len(description) > MAX_TEXT:
        raise DomainError(f"Keep it under {MAX_TEXT} characters.", field="description")
    source_label = (source_label or "").strip()[:40] or DEFAULT_ACTION_LABEL
    if postmortem is not None:
        postmortem = lock_postmortem(postmortem)
        refuse_if_published(postmortem)
    item = ActionItem.objects.create(
        postmortem=postmortem,
        source=source_label,
        description=description,
        owner=owner,
        due_date=due_date,
        ticket_url=_check_ticket_url(ticket_url),
        labels=[source_label],
    )
    record_created(actor, item)
    if postmortem is not None:
        events.record(
            postmortem.incident,
            TimelineKind.NOTE,
            f"Action item filed: {description[:200]}",
            actor=actor,
            data={"action_item": item.pk},
        )
    return item


ACTION_ITEM_FIELDS = (
    "description",
    "owner",
    "due_date",
    "status",
    "wont_do_reason",
    "ticket_url",
    "labels",
)
# The fields an edit may move, by attname, for its audit entry.
ITEM_ATTS = (*(f"{f}_id" if f == "owner" else f for f in ACTION_ITEM_FIELDS), "completed_at")


@audited_service
def update_action_item(*, item: ActionItem, actor: Actor, changes: dict[str, Any]) -> ActionItem:
    """Edit or move an action item. "Won't do" needs a reason. Once its post-mortem is
    published, the description is frozen, but status, owner, dates and ticket keep moving."""
    unknown = sorted(set(changes) - set(ACTION_ITEM_FIELDS))
    if unknown:
        raise DomainError(f"{unknown[0]} cannot be edited here.", field=unknown[0])
    item = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("postmortem")
        .get(pk=item.pk)
    )
    before = snapshot(item, list(ITEM_ATTS))
    if (
        "description" in changes
        and item.postmortem is not None
        and item.postmortem.is_published
        and changes["description"] != item.description
    ):
        raise DomainError(
            "The post-mortem is published: its action items' wording is frozen.",
            field="description",
        )
    for field, value in changes.items():
        if field == "description":
            value = (value or "").strip()
            if not value:
                raise DomainError("Describe the action.", field="description")
        elif field == "status" and value not in ActionItemStatus.values:
            raise DomainError(
                f"Unknown status; use one of {', '.join(ActionItemStatus.values)}.", field="status"
            )
        elif field == "ticket_url":
            value = _check_ticket_url(value)
        elif field == "wont_do_reason":
            value = (value or "").strip()
        elif field == "labels":
            if not isinstance(value, list) or not all(
                isinstance(v, str) and v.strip() for v in value
            ):
                raise DomainError("Give a list of labels.", field="labels")
            value = [v.strip()[:40] for v in value]
        setattr(item, field, value)
    if item.status == ActionItemStatus.WONT_DO and not item.wont_do_reason:
        raise DomainError("Say why it won't be done.", field="wont_do_reason")
    if item.status == ActionItemStatus.DONE and item.completed_at is None:
        item.completed_at = timezone.now()
    elif item.status in OPEN_ACTION_STATUSES:
        item.completed_at = None
    item.save()
    record_changed(actor, item, before)
    return item

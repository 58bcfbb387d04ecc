"""Review and publication: every refusal listed at once; published means read-only."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from incidents import events
from incidents import services as incident_services
from incidents.choices import TimelineKind
from portal.audit.scope import audited_service
from portal.audit.services import record_changed, record_created
from portal.audit.snapshots import snapshot
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from postmortems.choices import (
    OPEN_ACTION_STATUSES,
    PostMortemStatus,
)
from postmortems.exceptions import PublishRefused
from postmortems.models import (
    PostMortem,
    PostMortemRevision,
)
from postmortems.sections import TEXT_SECTIONS, required_sections
from postmortems.selectors import postmortem_snapshot
from postmortems.services.drafting import (
    PLACEHOLDER,
    lock_postmortem,
    refuse_if_published,
)

# What the review flow moves on a post-mortem and a revision row (attnames).
STATE_ATTS = ("status", "revision", "submitted_at", "published_at", "published_by_id")
REVISION_ATTS = ("snapshot", "published_at", "published_by_id")


def _section_label(field: str) -> str:
    if field in ("timeline", "action_items"):
        return field.replace("_", " ")
    return str(getattr(PostMortem._meta.get_field(field), "verbose_name", field))


@audited_service
def submit_for_review(*, postmortem: PostMortem, actor: Actor, reviewers: list[Any]) -> PostMortem:
    """Draft → in review, naming who reviews. Re-submitting replaces the reviewers."""
    postmortem = lock_postmortem(postmortem)
    refuse_if_published(postmortem)
    reviewers = [user for user in reviewers if user is not None]
    if not reviewers:
        raise DomainError("Name at least one reviewer.", field="reviewers")
    inactive = [u.get_username() for u in reviewers if not u.is_active]
    if inactive:
        raise DomainError(
            f"{', '.join(inactive)} cannot review: inactive account.", field="reviewers"
        )
    now = timezone.now()
    before = snapshot(postmortem, list(STATE_ATTS))
    old_reviewers = sorted(postmortem.reviewers.values_list("pk", flat=True))
    postmortem.status = PostMortemStatus.IN_REVIEW
    postmortem.submitted_at = now
    postmortem.save()
    postmortem.reviewers.set(reviewers)
    new_reviewers = sorted(u.pk for u in reviewers)
    moved = (
        {"before": {"reviewers": old_reviewers}, "after": {"reviewers": new_reviewers}}
        if old_reviewers != new_reviewers
        else None
    )
    record_changed(actor, postmortem, before, at=now, extra=moved)
    names = ", ".join(sorted(u.get_username() for u in reviewers))
    events.record(
        postmortem.incident,
        TimelineKind.NOTE,
        f"Post-mortem (revision {postmortem.revision}) submitted for review by {names}.",
        actor=actor,
        at=now,
    )
    return postmortem


@dataclass(frozen=True)
class Problem:
    """One reason publishing is refused: the section (`field`) and, for a row of an
    inline (an action item, a timeline entry), which row and which of its fields."""

    field: str
    message: str
    row_id: int | None = None
    row_field: str = ""


def located_problems(postmortem: PostMortem, *, today: datetime.date) -> list[Problem]:
    """Every reason publishing is refused, each where it lies; empty when it may publish."""
    problems: list[Problem] = []
    if postmortem.status != PostMortemStatus.IN_REVIEW:
        problems.append(
            Problem(
                "status",
                f"It is {postmortem.get_status_display().lower()}: submit it for review "
                "(naming reviewers) before publishing.",
            )
        )
    for field in required_sections(postmortem.incident.severity.postmortem_sections):
        if not getattr(postmortem, field).strip():
            label = getattr(PostMortem._meta.get_field(field), "verbose_name", field)
            problems.append(Problem(field, f"The section \u201c{label}\u201d is empty."))
    texts: list[tuple[str, str, int | None, str]] = [
        (field, getattr(postmortem, field), None, "") for field in TEXT_SECTIONS
    ]
    texts += [
        ("timeline", e.text, e.pk, "text")
        for e in postmortem.timeline_entries.filter(included=True)
    ]
    items = list(postmortem.action_items.select_related("owner").order_by("id"))
    texts += [("action_items", item.description, item.pk, "description") for item in items]
    for field, text, row_id, row_field in texts:
        match = PLACEHOLDER.search(text or "")
        if match:
            problems.append(
                Problem(
                    field,
                    f"Placeholder \u201c{match.group(0)}\u201d in {_section_label(field)}: "
                    "write what is known, or make it an action item.",
                    row_id,
                    row_field,
                )
            )
    if not items:
        problems.append(Problem("action_items", "Add at least one action item."))
    for number, item in enumerate(items, start=1):
        name = f"Action item {number} (\u201c{item.description[:40]}\u201d)"
        if item.owner_id is None:
            problems.append(Problem("action_items", f"{name} has no owner.", item.pk, "owner"))
        if item.due_date is None:
            problems.append(
                Problem("action_items", f"{name} has no due date.", item.pk, "due_date")
            )
        elif item.status in OPEN_ACTION_STATUSES and item.due_date < today:
            problems.append(
                Problem(
                    "action_items",
                    f"{name} is due {item.due_date:%Y-%m-%d}, in the past.",
                    item.pk,
                    "due_date",
                )
            )
    return problems


def publish_problems(postmortem: PostMortem, *, today: datetime.date) -> list[tuple[str, str]]:
    """Every reason publishing is refused, as (field, message); empty when it may publish."""
    return [(p.field, p.message) for p in located_problems(postmortem, today=today)]


@audited_service
def publish_postmortem(*, postmortem: PostMortem, actor: Actor) -> PostMortem:
    """In review → published: keeps a snapshot of this revision, meets the incident's
    post-mortem deadline and closes it. Raises PublishRefused listing every problem."""
    postmortem = lock_postmortem(postmortem)
    now = timezone.now()
    problems = publish_problems(postmortem, today=now.date())
    if problems:
        raise PublishRefused(problems)
    before = snapshot(postmortem, list(STATE_ATTS))
    postmortem.status = PostMortemStatus.PUBLISHED
    postmortem.published_at = now
    postmortem.published_by = actor.user
    postmortem.save()
    record_changed(actor, postmortem, before, at=now)
    revision = PostMortemRevision.objects.filter(
        postmortem=postmortem, number=postmortem.revision
    ).first()
    revision_before = None if revision is None else snapshot(revision, list(REVISION_ATTS))
    revision, created = PostMortemRevision.objects.update_or_create(
        postmortem=postmortem,
        number=postmortem.revision,
        defaults={
            "snapshot": postmortem_snapshot(postmortem),
            "published_at": now,
            "published_by": actor.user,
        },
    )
    if created or revision_before is None:
        record_created(actor, revision, at=now)
    else:
        record_changed(actor, revision, revision_before, at=now)
    events.record(
        postmortem.incident,
        TimelineKind.NOTE,
        f"Post-mortem revision {postmortem.revision} published.",
        actor=actor,
        at=now,
    )
    incident_services.record_postmortem_published(incident=postmortem.incident, actor=actor, at=now)
    return postmortem


@audited_service
def start_revision(*, postmortem: PostMortem, actor: Actor, reason: str) -> PostMortem:
    """Published → draft with revision + 1; the published content stays in its revision row."""
    if not (reason or "").strip():
        raise DomainError("Say why the post-mortem is revised.", field="reason")
    postmortem = lock_postmortem(postmortem)
    if not postmortem.is_published:
        raise DomainError(
            "Only a published post-mortem needs a new revision; edit the draft.", field="status"
        )
    revision, created = PostMortemRevision.objects.get_or_create(
        postmortem=postmortem,
        number=postmortem.revision,
        defaults={
            "snapshot": postmortem_snapshot(postmortem),
            "published_at": postmortem.published_at or timezone.now(),
            "published_by": postmortem.published_by,
        },
    )
    if created:
        record_created(actor, revision)
    before = snapshot(postmortem, list(STATE_ATTS))
    postmortem.revision += 1
    postmortem.status = PostMortemStatus.DRAFT
    postmortem.published_at = None
    postmortem.published_by = None
    postmortem.submitted_at = None
    postmortem.save()
    record_changed(actor, postmortem, before)
    events.record(
        postmortem.incident,
        TimelineKind.NOTE,
        f"Post-mortem revision {postmortem.revision} started: {reason.strip()}",
        actor=actor,
    )
    return postmortem

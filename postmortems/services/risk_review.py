"""The quarterly risk review: a period, notes and a sign-off (its lists are queries)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from portal.audit.scope import audited_service
from portal.audit.services import record_changed, record_created
from portal.audit.snapshots import snapshot
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from postmortems.models import (
    RiskReview,
)


@audited_service
def create_risk_review(
    *, actor: Actor, quarter_start: datetime.date, quarter_end: datetime.date, notes: str = ""
) -> RiskReview:
    if quarter_end < quarter_start:
        raise DomainError("The quarter ends before it starts.", field="quarter_end")
    if RiskReview.objects.filter(quarter_start=quarter_start, quarter_end=quarter_end).exists():
        raise DomainError("There is already a review of that period.", field="quarter_start")
    review = RiskReview.objects.create(
        quarter_start=quarter_start, quarter_end=quarter_end, notes=notes.strip()
    )
    record_created(actor, review)
    return review


@audited_service
def update_risk_review_notes(*, review: RiskReview, actor: Actor, notes: str) -> RiskReview:
    """Edit the notes of a review not signed off yet (the period is fixed once created)."""
    review = RiskReview.objects.select_for_update().get(pk=review.pk)
    if review.signed_off_at is not None:
        raise DomainError("The review is signed off; its notes are final.", field="notes")
    before = snapshot(review, ["notes"])
    review.notes = (notes or "").strip()
    review.save(update_fields=["notes"])
    record_changed(actor, review, before)
    return review


@audited_service
def sign_off_risk_review(
    *, review: RiskReview, actor: Actor, notes: str | None = None
) -> RiskReview:
    """Record who signed the review off, and when. Signing twice is refused."""
    review = RiskReview.objects.select_for_update().get(pk=review.pk)
    if review.signed_off_at is not None:
        raise DomainError(
            f"Already signed off on {review.signed_off_at:%Y-%m-%d}.", field="signed_off_at"
        )
    if actor.user is None:
        raise DomainError("A person signs the review off, not the system.", field="signed_off_by")
    before = snapshot(review, ["notes", "signed_off_by_id", "signed_off_at"])
    if notes is not None:
        review.notes = notes.strip()
    review.signed_off_by = actor.user
    review.signed_off_at = timezone.now()
    review.save()
    record_changed(actor, review, before)
    return review

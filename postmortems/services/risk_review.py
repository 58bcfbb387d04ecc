"""The quarterly risk review: a period, notes and a sign-off (its lists are queries)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from incidents.exceptions import DomainError
from portal.actors import Actor
from postmortems.models import (
    RiskReview,
)


@transaction.atomic
def create_risk_review(
    *, actor: Actor, quarter_start: datetime.date, quarter_end: datetime.date, notes: str = ""
) -> RiskReview:
    if quarter_end < quarter_start:
        raise DomainError("The quarter ends before it starts.", field="quarter_end")
    if RiskReview.objects.filter(quarter_start=quarter_start, quarter_end=quarter_end).exists():
        raise DomainError("There is already a review of that period.", field="quarter_start")
    return RiskReview.objects.create(
        quarter_start=quarter_start, quarter_end=quarter_end, notes=notes.strip()
    )


@transaction.atomic
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
    if notes is not None:
        review.notes = notes.strip()
    review.signed_off_by = actor.user
    review.signed_off_at = timezone.now()
    review.save()
    return review

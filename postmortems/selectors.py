"""Post-mortem reads: lists in a constant number of queries, the pattern report and
the quarterly risk review's contents (queries, never lists kept by hand)."""

from __future__ import annotations

import datetime
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from portal.kernel.errors import DomainError
from postmortems.choices import OPEN_ACTION_STATUSES, PostMortemStatus
from postmortems.models import ActionItem, PostMortem, PostMortemTimelineEntry, RiskReview
from postmortems.sections import TEXT_SECTIONS


def postmortem_list(*, filters: dict[str, Any] | None = None) -> QuerySet[PostMortem]:
    """Post-mortems with their incident, severity, author, reviewers and action items."""
    qs = PostMortem.objects.select_related(
        "incident__severity", "author", "published_by"
    ).prefetch_related(
        "reviewers",
        Prefetch(
            "action_items", queryset=ActionItem.objects.select_related("owner").order_by("id")
        ),
    )
    filters = filters or {}
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("overdue"):
        qs = qs.filter(due_at__lt=filters["now"]).exclude(status=PostMortemStatus.PUBLISHED)
    return qs.order_by("-incident__declared_at", "-id")


def postmortem_by_ref(ref: str) -> PostMortem:
    """The post-mortem of incident `ref`, with everything its page and exports show."""
    try:
        return (
            postmortem_list()
            .prefetch_related(
                Prefetch(
                    "timeline_entries",
                    queryset=PostMortemTimelineEntry.objects.order_by("at", "id"),
                ),
                "incident__services",
            )
            .get(incident__ref=(ref or "").strip().upper())
        )
    except PostMortem.DoesNotExist:
        raise DomainError(f"No post-mortem for {ref!r}.", field="ref", code="not_found") from None


def comms_placeholder_values(incident: Any) -> dict[str, str]:
    """What the incident's post-mortem says, for customer-comms placeholders (the
    comms fallback applies to an empty value). Provided through the extension point."""
    postmortem = PostMortem.objects.filter(incident=incident).first()
    if postmortem is None:
        return {}
    from django.conf import settings

    return {
        "what_happened": postmortem.summary.strip(),
        "impact": postmortem.customer_impact_summary.strip(),
        "root_cause": postmortem.root_cause.strip(),
        "fix": postmortem.resolution.strip(),
        "prevention": postmortem.prevention.strip(),
        "postmortem_link": (
            f"{settings.PORTAL_BASE_URL}/admin/postmortems/postmortem/{postmortem.pk}/change/"
        ),
    }


def included_timeline(postmortem: PostMortem) -> list[PostMortemTimelineEntry]:
    return [e for e in postmortem.timeline_entries.all() if e.included]


def postmortem_snapshot(postmortem: PostMortem) -> dict[str, Any]:
    """The document's content as JSON, kept with each published revision."""
    incident = postmortem.incident
    return {
        "incident": incident.ref,
        "title": incident.title,
        "severity": incident.severity.code,
        "revision": postmortem.revision,
        "duration_seconds": int(postmortem.duration.total_seconds())
        if postmortem.duration
        else None,
        "sections": {name: getattr(postmortem, name) for name in TEXT_SECTIONS},
        "customers_affected": postmortem.customers_affected,
        "revenue_impact": str(postmortem.revenue_impact)
        if postmortem.revenue_impact is not None
        else None,
        "revenue_currency": postmortem.revenue_currency,
        "timeline": [
            {"at": e.at.isoformat(), "text": e.text}
            for e in postmortem.timeline_entries.order_by("at", "id")
            if e.included
        ],
        "action_items": [
            {
                "id": i.pk,
                "description": i.description,
                "owner": i.owner.get_username() if i.owner else None,
                "due_date": i.due_date.isoformat() if i.due_date else None,
                "status": i.status,
                "ticket_url": i.ticket_url,
            }
            for i in postmortem.action_items.select_related("owner").order_by("id")
        ],
    }


def action_item_list(*, filters: dict[str, Any] | None = None) -> QuerySet[ActionItem]:
    """Action items with owner, post-mortem and incident. Filters: owner (a user),
    overdue (with `today`), status (one value or a list)."""
    qs = ActionItem.objects.select_related("owner", "postmortem__incident")
    filters = filters or {}
    if filters.get("owner") is not None:
        qs = qs.filter(owner=filters["owner"])
    if filters.get("status"):
        statuses = filters["status"]
        qs = qs.filter(status__in=[statuses] if isinstance(statuses, str) else statuses)
    if filters.get("overdue"):
        qs = qs.filter(status__in=OPEN_ACTION_STATUSES, due_date__lt=filters["today"])
    return qs.order_by("due_date", "id")


def action_items_to_remind(*, today: datetime.date, days_before: int) -> QuerySet[ActionItem]:
    """Open items with an owner that fall due within `days_before` days or are past due."""
    return action_item_list(filters={"status": list(OPEN_ACTION_STATUSES)}).filter(
        owner__isnull=False,
        due_date__isnull=False,
        due_date__lte=today + datetime.timedelta(days=days_before),
    )


# --- Pattern report -------------------------------------------------------------------

# Words of four letters or more that say nothing about a cause (shorter ones never count).
STOPWORDS = frozenset(
    (
        "were",
        "that",
        "this",
        "with",
        "from",
        "into",
        "when",
        "then",
        "than",
        "have",
        "their",
        "because",
        "after",
        "before",
        "while",
        "which",
        "could",
        "would",
        "should",
        "there",
        "been",
        "being",
        "also",
        "only",
        "more",
        "most",
        "they",
        "them",
        "what",
        "does",
        "done",
        "over",
        "under",
    )
)
SIMILARITY_RATIO = 0.6
SHARED_KEYWORDS = 3


def normalise(text: str) -> str:
    """Lower case, punctuation to spaces, one space between words."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).split())


def keywords(text: str) -> set[str]:
    return {w for w in normalise(text).split() if len(w) >= 4 and w not in STOPWORDS}


def similar_root_causes(a: str, b: str, *, shared_service: bool) -> bool:
    """The repeat rule (docs/postmortems.md): normalised root causes with a difflib
    ratio ≥ 0.6, or incidents sharing a service whose root causes share ≥ 3 keywords."""
    na, nb = normalise(a), normalise(b)
    if not na or not nb:
        return False
    if difflib.SequenceMatcher(None, na, nb).ratio() >= SIMILARITY_RATIO:
        return True
    return shared_service and len(keywords(a) & keywords(b)) >= SHARED_KEYWORDS


@dataclass
class PatternReport:
    stalled: list[PostMortem] = field(default_factory=list)
    repeat_root_causes: list[list[PostMortem]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.stalled and not self.repeat_root_causes


def stalled_postmortems(*, today: datetime.date) -> QuerySet[PostMortem]:
    """Post-mortems with action items none of which shipped: every item still open
    (open or in progress) and every one past its due date."""
    settled_or_not_due = ActionItem.objects.filter(postmortem=OuterRef("pk")).filter(
        ~Q(status__in=OPEN_ACTION_STATUSES) | Q(due_date__isnull=True) | Q(due_date__gte=today)
    )
    return (
        postmortem_list()
        .annotate(item_count=Count("action_items"))
        .filter(item_count__gt=0)
        .exclude(Exists(settled_or_not_due))
    )


def repeat_root_cause_groups(*, since: datetime.datetime | None = None) -> list[list[PostMortem]]:
    """Groups of two or more post-mortems (different incidents) with similar root causes."""
    qs = postmortem_list().exclude(root_cause="").prefetch_related("incident__services")
    if since is not None:
        qs = qs.filter(incident__declared_at__gte=since)
    rows = list(qs)
    services = {pm.pk: {s.pk for s in pm.incident.services.all()} for pm in rows}
    parent = {pm.pk: pm.pk for pm in rows}

    def find(key: int) -> int:
        while parent[key] != key:
            key = parent[key]
        return key

    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            if similar_root_causes(
                a.root_cause, b.root_cause, shared_service=bool(services[a.pk] & services[b.pk])
            ):
                parent[find(a.pk)] = find(b.pk)
    groups: dict[int, list[PostMortem]] = {}
    for pm in rows:
        groups.setdefault(find(pm.pk), []).append(pm)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: -len(g))


def pattern_report(
    *, today: datetime.date, since: datetime.datetime | None = None
) -> PatternReport:
    return PatternReport(
        stalled=list(stalled_postmortems(today=today)),
        repeat_root_causes=repeat_root_cause_groups(since=since),
    )


def founders() -> QuerySet[Any]:
    """Who the pattern report escalates to: active superusers."""
    return get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk")


# --- Quarterly risk review ----------------------------------------------------------------


@dataclass
class RiskReviewContents:
    postmortems: list[PostMortem]
    open_action_items: list[ActionItem]


def risk_review_contents(review: RiskReview) -> RiskReviewContents:
    """The period's post-mortems (incident resolved within the quarter, UTC dates) and
    every action item still open now, whenever it was filed: the review looks at the
    backlog as it stands, including items from earlier quarters that never shipped."""
    postmortems = (
        postmortem_list()
        .filter(
            incident__resolved_at__date__gte=review.quarter_start,
            incident__resolved_at__date__lte=review.quarter_end,
        )
        .order_by("incident__resolved_at", "id")
    )
    items = action_item_list(filters={"status": list(OPEN_ACTION_STATUSES)})
    return RiskReviewContents(postmortems=list(postmortems), open_action_items=list(items))

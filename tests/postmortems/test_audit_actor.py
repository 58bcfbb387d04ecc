"""The post-mortem services write their own audit entries, with the actor each door gave.

Under the `db` fixture on-commit callbacks do not run: entries stay unsealed (seq None).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from portal.audit.models import AuditEntry
from portal.audit.sealing import seal_pending
from portal.audit.selectors import verify_chain
from portal.kernel.actors import Actor
from postmortems import services
from postmortems.models import ActionItem, PostMortemRevision, PostMortemTimelineEntry, RiskReview

UTC = datetime.UTC


def _entries(obj: Any, action: str | None = None) -> list[AuditEntry]:
    found = AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("id")
    return list(found.filter(action=action) if action else found)


@pytest.fixture
def browser(founder: Any) -> Client:
    client = Client()
    client.force_login(founder)
    return client


# --- services: one entry per change, the actor given, before and after -----------------


def test_section_edit_is_one_entry_with_the_actor_and_only_the_moved_fields(
    resolved_pm: Any, founder: Any, founder_actor: Actor
) -> None:
    services.update_postmortem(
        postmortem=resolved_pm,
        actor=founder_actor,
        changes={"root_cause": "Pool exhausted.", "summary": resolved_pm.summary},
    )
    [entry] = _entries(resolved_pm, "update")
    assert (entry.actor_label, entry.actor_user_id) == ("founder", founder.pk)
    assert entry.before == {"root_cause": ""}
    assert entry.after == {"root_cause": "Pool exhausted."}
    assert entry.seq is None  # sealed after commit, which the `db` fixture never reaches


def test_copied_timeline_bulk_insert_has_one_create_entry_per_line_with_the_actor(
    policy: Any, resolve_at: Any, founder: Any
) -> None:
    # bulk_create sends no signal: the copy of the incident timeline writes its entries
    pm = services.create_postmortem(incident=resolve_at("SEV-4"), actor=Actor.for_user(founder))
    lines = list(PostMortemTimelineEntry.objects.filter(postmortem=pm))
    assert lines
    for line in lines:
        [entry] = _entries(line, "create")
        assert entry.actor_label == "founder"
        assert entry.after is not None
        assert entry.after["text"] == line.text
    assert [e.actor_label for e in _entries(pm, "create")] == ["founder"]


def test_resolve_hook_audits_the_draft_and_its_lines_with_the_resolver(
    policy: Any, resolve_at: Any, founder: Any
) -> None:
    # The hook runs inside the core's resolve; it writes entries with the resolver as actor
    incident = resolve_at("SEV-2", actor=Actor.for_user(founder))
    pm = incident.postmortem
    assert "founder" in {e.actor_label for e in _entries(pm, "create")}
    line = pm.timeline_entries.order_by("id").first()
    assert "founder" in {e.actor_label for e in _entries(line, "create")}


def test_timeline_line_edit_records_before_and_after(
    resolved_pm: Any, founder_actor: Actor
) -> None:
    line = resolved_pm.timeline_entries.order_by("id").first()
    services.update_postmortem(
        postmortem=resolved_pm,
        actor=founder_actor,
        changes={"timeline": [{"id": line.pk, "included": False}]},
    )
    [entry] = _entries(line, "update")
    assert entry.actor_label == "founder"
    assert (entry.before, entry.after) == ({"included": True}, {"included": False})


def test_submit_records_status_and_the_reviewers_it_set(
    resolved_pm: Any, founder: Any, responder: Any, founder_actor: Actor, complete: Any
) -> None:
    pm = complete(resolved_pm, founder_actor, submit=False)
    services.submit_for_review(postmortem=pm, actor=founder_actor, reviewers=[responder])
    entry = _entries(pm, "update")[-1]
    assert entry.actor_label == "founder"
    assert entry.before is not None
    assert entry.before["status"] == "draft"
    assert entry.after is not None
    assert entry.after["status"] == "in_review"
    assert entry.before["reviewers"] == []
    assert entry.after["reviewers"] == [responder.pk]


def test_publish_and_revision_record_the_state_moves_and_the_revision_row(
    resolved_pm: Any, founder: Any, founder_actor: Actor, complete: Any
) -> None:
    pm = complete(resolved_pm, founder_actor)
    with time_machine.travel(datetime.datetime(2026, 3, 6, 10, tzinfo=UTC), tick=False):
        services.publish_postmortem(postmortem=pm, actor=founder_actor)
    published = _entries(pm, "update")[-1]
    assert published.before is not None
    assert published.before["status"] == "in_review"
    assert published.after is not None
    assert published.after["status"] == "published"
    assert published.after["published_by_id"] == founder.pk
    revision = PostMortemRevision.objects.get(postmortem=pm, number=1)
    assert [e.actor_label for e in _entries(revision, "create")] == ["founder"]
    services.start_revision(postmortem=pm, actor=Actor.system("ops"), reason="Vendor")
    revised = _entries(pm, "update")[-1]
    assert revised.actor_label == "ops"
    assert revised.before is not None
    assert revised.after is not None
    assert (revised.before["revision"], revised.after["revision"]) == (1, 2)
    assert (revised.before["status"], revised.after["status"]) == ("published", "draft")


def test_action_item_create_and_move_carry_the_actor(
    resolved_pm: Any, founder: Any, founder_actor: Actor
) -> None:
    item = services.create_action_item(
        actor=founder_actor,
        postmortem=resolved_pm,
        description="Cap retries",
        owner=None,
        due_date=None,
    )
    services.update_action_item(
        item=item, actor=Actor.system("linear"), changes={"owner": founder, "status": "done"}
    )
    created, moved = _entries(item)
    assert (created.action, created.actor_label) == ("create", "founder")
    assert (moved.action, moved.actor_label) == ("update", "linear")
    assert moved.before == {"owner_id": None, "status": "open", "completed_at": None}
    assert moved.after is not None
    assert moved.after["owner_id"] == founder.pk
    assert moved.after["status"] == "done"


def test_entries_seal_into_a_verified_chain(resolved_pm: Any, founder_actor: Actor) -> None:
    services.update_postmortem(
        postmortem=resolved_pm, actor=founder_actor, changes={"root_cause": "Pool."}
    )
    seal_pending()
    assert _entries(resolved_pm, "update")[0].seq is not None
    assert verify_chain().ok


# --- doors ---------------------------------------------------------------------------


def test_admin_revision_view_audits_as_the_logged_in_user(
    resolved_pm: Any, browser: Client, founder: Any, founder_actor: Actor, complete: Any
) -> None:
    pm = complete(resolved_pm, founder_actor)
    with time_machine.travel(datetime.datetime(2026, 3, 6, 10, tzinfo=UTC), tick=False):
        services.publish_postmortem(postmortem=pm, actor=Actor.system("someone else"))
    response = browser.post(
        reverse("admin:postmortems_postmortem_revise", args=[pm.pk]), {"reason": "Vendor"}
    )
    assert response.status_code == 302
    entry = _entries(pm, "update")[-1]
    assert (entry.actor_label, entry.actor_user_id) == ("founder", founder.pk)
    assert entry.after is not None
    assert entry.after["status"] == "draft"


def test_admin_risk_review_notes_go_through_a_service_with_the_user(
    policy: Any, browser: Client, founder: Any
) -> None:
    review = services.create_risk_review(
        actor=Actor.system("test"),
        quarter_start=datetime.date(2026, 1, 1),
        quarter_end=datetime.date(2026, 3, 31),
    )
    response = browser.post(
        reverse("admin:postmortems_riskreview_change", args=[review.pk]), {"notes": "Looked."}
    )
    assert response.status_code == 302
    assert RiskReview.objects.get(pk=review.pk).notes == "Looked."
    [entry] = _entries(review, "update")
    assert (entry.actor_label, entry.actor_user_id) == ("founder", founder.pk)
    assert (entry.before, entry.after) == ({"notes": ""}, {"notes": "Looked."})


def test_admin_mark_done_action_audits_as_the_user(
    resolved_pm: Any, browser: Client, founder: Any
) -> None:
    item = services.create_action_item(
        actor=Actor.system("test"),
        postmortem=resolved_pm,
        description="Cap retries",
        owner=founder,
        due_date=datetime.date(2026, 4, 1),
    )
    browser.post(
        reverse("admin:postmortems_actionitem_changelist"),
        {"action": "mark_done", "_selected_action": [item.pk]},
    )
    assert ActionItem.objects.get(pk=item.pk).status == "done"
    entry = _entries(item, "update")[-1]
    assert (entry.actor_label, entry.actor_user_id) == ("founder", founder.pk)


def test_api_patch_audits_as_the_token(resolved_pm: Any, api: Any, founder: Any) -> None:
    from portal.access.models import ApiToken

    response = api.patch(
        f"/api/v1/postmortems/{resolved_pm.incident.ref}/",
        {"root_cause": "Pool exhausted."},
        format="json",
    )
    assert response.status_code == 200
    [entry] = _entries(resolved_pm, "update")
    token = ApiToken.objects.get(user=founder, name="test")
    assert entry.actor_label == "founder (token test)"
    assert (entry.actor_user_id, entry.actor_token_id) == (founder.pk, token.pk)
    assert entry.after == {"root_cause": "Pool exhausted."}


def test_no_entry_is_written_twice_by_the_safety_net(
    resolved_pm: Any, founder_actor: Actor
) -> None:
    before = AuditEntry.objects.count()
    services.update_postmortem(
        postmortem=resolved_pm, actor=founder_actor, changes={"root_cause": "Pool."}
    )
    assert AuditEntry.objects.count() == before + 1

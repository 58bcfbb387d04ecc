"""Post-mortem workflow: draft → in review → published, every refusal, revisions."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from incidents.choices import IncidentStatus
from portal.kernel.errors import DomainError
from postmortems import services
from postmortems.exceptions import PublishRefused
from postmortems.models import PostMortemRevision

UTC = datetime.UTC
FRIDAY = datetime.datetime(2026, 3, 6, 10, 0, tzinfo=UTC)


def refusal(pm: Any, actor: Any) -> PublishRefused:
    with time_machine.travel(FRIDAY, tick=False), pytest.raises(PublishRefused) as exc:
        services.publish_postmortem(postmortem=pm, actor=actor)
    return exc.value


def test_draft_copies_the_incident_timeline_and_computes_the_duration(resolved_pm: Any) -> None:
    pm = resolved_pm
    texts = [e.text for e in pm.timeline_entries.order_by("at", "id")]
    assert texts[0].startswith("SEV-2 declared: Checkout errors")
    assert any(t.startswith("Resolved") for t in texts)
    assert pm.duration == datetime.timedelta(hours=4)
    assert pm.revision == 1


def test_duration_runs_from_impact_start_when_known(policy: Any, resolve_at: Any) -> None:
    impact = datetime.datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
    incident = resolve_at("SEV-1", impact_started_at=impact)
    assert incident.postmortem.duration == datetime.timedelta(hours=4, minutes=30)


def test_each_refusal_reason_and_all_at_once(
    resolved_pm: Any, founder_actor: Any, founder: Any
) -> None:
    # Given a draft with no sections, a placeholder, and incomplete action items
    pm = resolved_pm
    services.update_postmortem(
        postmortem=pm,
        actor=founder_actor,
        changes={
            "summary": "Root cause TBD",
            "what_worked": "todo: ask the team",
            "what_didnt": "??? unclear",
            "customer_impact_summary": "Numbers TBC.",
        },
    )
    services.create_action_item(
        actor=founder_actor,
        postmortem=pm,
        description="Add an alert",
        owner=None,
        due_date=datetime.date(2026, 3, 20),
    )
    services.create_action_item(
        actor=founder_actor,
        postmortem=pm,
        description="Load-test retries",
        owner=founder,
        due_date=None,
    )
    services.create_action_item(
        actor=founder_actor,
        postmortem=pm,
        description="Fix the pool size",
        owner=founder,
        due_date=datetime.date(2026, 3, 1),
    )
    # When it is published straight from draft
    refused = refusal(pm, founder_actor)
    # Then every problem is listed at once
    text = "\n".join(refused.messages)
    assert "submit it for review" in text
    assert "“root cause (technical)” is empty" in text
    assert "“contributing causes (process, organisational)” is empty" in text
    assert "Placeholder “TBD” in summary" in text
    assert "Placeholder “todo” in what worked" in text
    assert "Placeholder “???” in what didn't work" in text
    assert "Placeholder “TBC” in customer impact summary" in text
    assert "(“Add an alert”) has no owner" in text
    assert "(“Load-test retries”) has no due date" in text
    assert "(“Fix the pool size”) is due 2026-03-01, in the past" in text
    assert len(refused.messages) == 10
    assert set(refused.as_dict()) == {
        "status",
        "root_cause",
        "contributing_causes",
        "summary",
        "what_worked",
        "what_didnt",
        "customer_impact_summary",
        "action_items",
    }
    pm.refresh_from_db()
    assert pm.status == "draft"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"root_cause": ""}, "“root cause (technical)” is empty"),
        ({"contributing_causes": "  "}, "“contributing causes (process, organisational)” is empty"),
        ({"what_worked": ""}, "“what worked” is empty"),
        ({"what_didnt": ""}, "“what didn't work” is empty"),
        ({"customer_impact_summary": ""}, "“customer impact summary” is empty"),
        ({"root_cause": "Pool exhausted (TBD why)"}, "Placeholder “TBD”"),
        ({"contributing_causes": "Todo"}, "Placeholder “Todo”"),
        ({"what_didnt": "Paging tbc"}, "Placeholder “tbc”"),
        ({"summary": "What happened???"}, "Placeholder “???”"),
    ],
)
def test_each_section_refusal_alone(
    resolved_pm: Any, founder_actor: Any, complete: Any, change: dict[str, str], expected: str
) -> None:
    pm = complete(resolved_pm, founder_actor)
    services.update_postmortem(postmortem=pm, actor=founder_actor, changes=change)
    refused = refusal(pm, founder_actor)
    assert len(refused.messages) == 1
    assert expected in refused.messages[0]


def test_words_containing_todo_are_not_placeholders(
    resolved_pm: Any, founder_actor: Any, complete: Any
) -> None:
    pm = complete(resolved_pm, founder_actor)
    services.update_postmortem(
        postmortem=pm,
        actor=founder_actor,
        changes={"what_worked": "The todos app and TBDX flag kept working? Yes."},
    )
    with time_machine.travel(FRIDAY, tick=False):
        published = services.publish_postmortem(postmortem=pm, actor=founder_actor)
    assert published.is_published
    published.refresh_from_db()
    assert published.what_worked == "The todos app and TBDX flag kept working? Yes."


def test_placeholder_in_an_included_timeline_entry_or_action_item(
    resolved_pm: Any, founder_actor: Any, complete: Any, founder: Any
) -> None:
    pm = complete(resolved_pm, founder_actor)
    entry = pm.timeline_entries.first()
    services.update_postmortem(
        postmortem=pm,
        actor=founder_actor,
        changes={"timeline": [{"id": entry.pk, "text": "Paged TODO who"}]},
    )
    services.create_action_item(
        actor=founder_actor,
        postmortem=pm,
        description="Owner TBD",
        owner=founder,
        due_date=datetime.date(2026, 4, 1),
    )
    assert [m[:24] for m in refusal(pm, founder_actor).messages] == [
        "Placeholder “TODO” in ti",
        "Placeholder “TBD” in act",
    ]
    # An excluded timeline entry is not part of the document
    services.update_postmortem(
        postmortem=pm,
        actor=founder_actor,
        changes={"timeline": [{"id": entry.pk, "included": False}]},
    )
    assert len(refusal(pm, founder_actor).messages) == 1


def test_an_action_item_is_required(resolved_pm: Any, founder_actor: Any, complete: Any) -> None:
    pm = complete(resolved_pm, founder_actor)
    pm.action_items.all().delete()
    assert refusal(pm, founder_actor).messages == ["Add at least one action item."]


def test_publish_closes_the_incident_and_meets_the_deadline(
    resolved_pm: Any, founder_actor: Any, complete: Any
) -> None:
    pm = complete(resolved_pm, founder_actor)
    with time_machine.travel(FRIDAY, tick=False):
        services.publish_postmortem(postmortem=pm, actor=founder_actor)
    pm.refresh_from_db()
    incident = pm.incident
    incident.refresh_from_db()
    assert pm.status == "published"
    assert pm.published_at == FRIDAY
    assert incident.status == IncidentStatus.CLOSED
    assert incident.deadlines.get(kind="postmortem").met_at == FRIDAY
    assert (
        PostMortemRevision.objects.get(postmortem=pm, number=1)
        .snapshot["sections"]["root_cause"]
        .startswith("Connection pool exhausted")
    )


def test_published_is_read_only_until_a_new_revision(
    resolved_pm: Any, founder_actor: Any, complete: Any, founder: Any
) -> None:
    pm = complete(resolved_pm, founder_actor)
    with time_machine.travel(FRIDAY, tick=False):
        services.publish_postmortem(postmortem=pm, actor=founder_actor)
    with pytest.raises(DomainError, match="published and read-only"):
        services.update_postmortem(
            postmortem=pm, actor=founder_actor, changes={"root_cause": "Other"}
        )
    with pytest.raises(DomainError, match="published and read-only"):
        services.create_action_item(
            actor=founder_actor,
            postmortem=pm,
            description="More",
            owner=founder,
            due_date=datetime.date(2026, 4, 1),
        )
    with pytest.raises(DomainError, match="Say why"):
        services.start_revision(postmortem=pm, actor=founder_actor, reason=" ")
    # When a revision is started
    pm = services.start_revision(
        postmortem=pm, actor=founder_actor, reason="New evidence from the vendor."
    )
    # Then it is a draft again at revision 2; revision 1 stays as published
    assert (pm.status, pm.revision) == ("draft", 2)
    services.update_postmortem(
        postmortem=pm, actor=founder_actor, changes={"root_cause": "Vendor pool bug."}
    )
    old = PostMortemRevision.objects.get(postmortem=pm, number=1)
    assert old.snapshot["sections"]["root_cause"].startswith("Connection pool exhausted")
    services.submit_for_review(postmortem=pm, actor=founder_actor, reviewers=[founder])
    with time_machine.travel(FRIDAY + datetime.timedelta(days=1), tick=False):
        services.publish_postmortem(postmortem=pm, actor=founder_actor)
    assert PostMortemRevision.objects.get(postmortem=pm, number=2).snapshot["sections"][
        "root_cause"
    ] == ("Vendor pool bug.")


def test_action_item_status_keeps_moving_after_publish(
    resolved_pm: Any, founder_actor: Any, complete: Any
) -> None:
    pm = complete(resolved_pm, founder_actor)
    with time_machine.travel(FRIDAY, tick=False):
        services.publish_postmortem(postmortem=pm, actor=founder_actor)
    item = pm.action_items.get()
    with pytest.raises(DomainError, match="Say why it won't be done") as exc:
        services.update_action_item(item=item, actor=founder_actor, changes={"status": "wont_do"})
    assert exc.value.field == "wont_do_reason"
    with pytest.raises(DomainError, match="wording is frozen"):
        services.update_action_item(
            item=item, actor=founder_actor, changes={"description": "Other"}
        )
    item = services.update_action_item(item=item, actor=founder_actor, changes={"status": "done"})
    assert item.status == "done"
    assert item.completed_at is not None


def test_submit_needs_a_reviewer(resolved_pm: Any, founder_actor: Any) -> None:
    with pytest.raises(DomainError, match="at least one reviewer") as exc:
        services.submit_for_review(postmortem=resolved_pm, actor=founder_actor, reviewers=[])
    assert exc.value.field == "reviewers"


def test_bad_customer_impact_names_the_field(resolved_pm: Any, founder_actor: Any) -> None:
    for change, field in (
        ({"revenue_currency": "euro"}, "revenue_currency"),
        ({"customers_affected": -1}, "customers_affected"),
        ({"revenue_impact": "lots"}, "revenue_impact"),
        ({"severity": "SEV-1"}, "severity"),
    ):
        with pytest.raises(DomainError) as exc:
            services.update_postmortem(postmortem=resolved_pm, actor=founder_actor, changes=change)
        assert exc.value.field == field


def test_on_demand_postmortem_for_a_level_that_needs_none(
    policy: Any, resolve_at: Any, founder_actor: Any, declare: Any
) -> None:
    incident = resolve_at("SEV-3")
    pm = services.create_postmortem(incident=incident, actor=founder_actor)
    assert pm.due_at is None
    assert pm.timeline_entries.exists()
    assert services.create_postmortem(incident=incident, actor=founder_actor).pk == pm.pk
    with pytest.raises(DomainError, match="resolve it before"):
        services.create_postmortem(incident=declare("SEV-4"), actor=founder_actor)


def test_reopen_and_resolve_again_follows_the_new_deadline(
    policy: Any, resolve_at: Any, system: Any
) -> None:
    from incidents.services import reopen_incident, resolve_incident

    incident = resolve_at("SEV-2")
    monday = datetime.datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
    with time_machine.travel(monday, tick=False):
        reopen_incident(incident=incident, actor=system, reason="Errors are back.")
        resolve_incident(incident=incident, actor=system)
    pm = incident.postmortem
    pm.refresh_from_db()
    assert pm.due_at == datetime.datetime(2026, 3, 16, 11, 0, tzinfo=UTC)
    assert pm.timeline_entries.filter(text__startswith="Reopened").count() == 1


def test_drills_can_file_action_items_without_a_postmortem(
    db: Any, founder_actor: Any, founder: Any
) -> None:
    item = services.create_action_item(
        actor=founder_actor,
        description="Runbook step 3 is wrong",
        owner=founder,
        due_date=datetime.date(2026, 4, 1),
        source_label="drill",
    )
    assert (item.postmortem, item.source, item.labels) == (None, "drill", ["drill"])
    with pytest.raises(DomainError) as exc:
        services.create_action_item(
            actor=founder_actor,
            description="x",
            owner=None,
            due_date=None,
            ticket_url="javascript:alert(1)",
        )
    assert exc.value.field == "ticket_url"

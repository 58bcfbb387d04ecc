"""Action items as tickets: publishing a 003 post-mortem files one Linear ticket per
item with the 'post-mortem' label, owner as assignee and the due date; the link is
kept; the item's status follows the ticket's; GitHub Issues works the same way."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from incidents import services as incident_services
from incidents.models import PolicyVersion
from portal.audit.models import AuditEntry
from portal.kernel.actors import Actor
from postmortems import services as pm_services
from postmortems.tickets import tasks
from postmortems.tickets.choices import TicketStatus, TrackerKind
from postmortems.tickets.models import ActionItemTicket, TicketTracker, TrackerAccount
from postmortems.tickets.services import configure_tracker
from tests.tickets.standins import GitHubStandIn, LinearStandIn


@pytest.fixture
def linear() -> Iterator[LinearStandIn]:
    standin = LinearStandIn()
    yield standin
    standin.stop()


@pytest.fixture
def github() -> Iterator[GitHubStandIn]:
    standin = GitHubStandIn()
    yield standin
    standin.stop()


@pytest.fixture
def run_tasks(monkeypatch: Any) -> None:
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


def publish_pm_with_two_items(founder: Any, responder: Any, capture: Any) -> Any:
    actor = Actor.for_user(founder)
    incident = incident_services.declare_incident(
        actor=actor, title="Checkout p99 elevated in eu-frankfurt", severity="SEV-2"
    )
    incident = incident_services.resolve_incident(incident=incident, actor=actor)
    pm = incident.postmortem
    pm_services.update_postmortem(
        postmortem=pm,
        actor=actor,
        changes={
            "root_cause": "A slow query on the orders table after an index was dropped.",
            "contributing_causes": "The migration review missed the index.",
            "what_worked": "The alert fired within two minutes.",
            "what_didnt": "The runbook pointed at the old dashboard.",
            "customer_impact_summary": "Checkout took 8 s for EU customers for 40 minutes.",
            "customers_affected": 300,
        },
    )
    today = timezone.now().date()
    pm_services.create_action_item(
        actor=actor,
        postmortem=pm,
        description="Restore the orders index",
        owner=founder,
        due_date=today + datetime.timedelta(days=7),
    )
    pm_services.create_action_item(
        actor=actor,
        postmortem=pm,
        description="Lint migrations for dropped indexes",
        owner=responder,
        due_date=today + datetime.timedelta(days=14),
    )
    pm_services.submit_for_review(postmortem=pm, actor=actor, reviewers=[founder])
    with capture(execute=True):
        pm_services.publish_postmortem(postmortem=pm, actor=actor)
    return pm


@pytest.mark.django_db
def test_publishing_a_003_postmortem_files_one_linear_ticket_per_action_item_with_the_label(
    load_policy: Callable[..., PolicyVersion],
    founder: User,
    responder: User,
    linear: LinearStandIn,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    # Given the 003 preset (Linear, label "post-mortem") and a Linear API key
    load_policy("follow-the-sun")
    assert (TicketTracker.objects.get().kind, TicketTracker.objects.get().label) == (
        TrackerKind.LINEAR,
        "post-mortem",
    )
    configure_tracker(
        actor=Actor.for_user(founder),
        api_token="lin_api_abcdefgh12345678",
        api_url=linear.url + "/graphql",
        team_id="team-ops",
    )
    linear.users["founder@example.com"] = "user-founder"
    linear.users["responder@example.com"] = "user-responder"
    # When the post-mortem is published
    pm = publish_pm_with_two_items(founder, responder, django_capture_on_commit_callbacks)
    # Then one Linear ticket per action item, labelled, assigned, due
    created = linear.created()
    assert len(created) == 2
    label_id = linear.labels["post-mortem"]
    items = list(pm.action_items.order_by("pk"))
    for data, item, assignee in zip(
        created, items, ["user-founder", "user-responder"], strict=True
    ):
        assert data["teamId"] == "team-ops"
        assert data["labelIds"] == [label_id]
        assert data["assigneeId"] == assignee
        assert data["dueDate"] == item.due_date.isoformat()
        assert data["title"] == f"{pm.incident.ref}: {item.description}"
    # and the API key went as Linear's personal keys go (no Bearer)
    assert linear.requests[0]["headers"]["Authorization"] == "lin_api_abcdefgh12345678"
    # and each item keeps its ticket link
    for item in items:
        item.refresh_from_db()
        assert item.ticket_url.startswith("https://linear.app/acme/issue/OPS-")
        assert item.tracker_ticket.status == TicketStatus.CREATED
    # Publishing again (a revision) never files the same item twice
    tasks.sweep()
    assert len(linear.created()) == 2


@pytest.mark.django_db
def test_the_items_status_follows_its_linear_ticket(
    load_policy: Callable[..., PolicyVersion],
    founder: User,
    responder: User,
    linear: LinearStandIn,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    load_policy("follow-the-sun")
    configure_tracker(
        actor=Actor.for_user(founder),
        api_token="lin_api_abcdefgh12345678",
        api_url=linear.url + "/graphql",
        team_id="team-ops",
    )
    pm = publish_pm_with_two_items(founder, responder, django_capture_on_commit_callbacks)
    first, second = pm.action_items.order_by("pk")
    linear.issues[first.tracker_ticket.external_id]["state"]["type"] = "completed"
    linear.issues[second.tracker_ticket.external_id]["state"]["type"] = "canceled"
    # When the periodic sync runs
    assert tasks.sweep()["synced"] == {"checked": 2, "changed": 2}
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "done"
    assert first.completed_at is not None
    assert second.status == "wont_do"
    assert "canceled" in second.wont_do_reason
    # and running it again changes nothing
    assert tasks.sweep()["synced"] == {"checked": 2, "changed": 0}


@pytest.mark.django_db
def test_a_tracker_failure_is_retried_and_files_the_ticket_once(
    load_policy: Callable[..., PolicyVersion],
    founder: User,
    responder: User,
    linear: LinearStandIn,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    import time_machine

    load_policy("follow-the-sun")
    configure_tracker(
        actor=Actor.for_user(founder),
        api_token="lin_api_abcdefgh12345678",
        api_url=linear.url + "/graphql",
        team_id="team-ops",
    )
    linear.fail_next = 1
    pm = publish_pm_with_two_items(founder, responder, django_capture_on_commit_callbacks)
    first = pm.action_items.order_by("pk").first().tracker_ticket
    assert first.status == TicketStatus.PENDING
    assert "HTTP 502" in first.last_error
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        tasks.sweep()
    assert len(linear.created()) == 2
    assert set(ActionItemTicket.objects.values_list("status", flat=True)) == {"created"}


@pytest.mark.django_db
def test_github_issues_get_the_label_the_assignee_and_the_due_date(
    load_policy: Callable[..., PolicyVersion],
    founder: User,
    responder: User,
    github: GitHubStandIn,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    load_policy("follow-the-sun")
    configure_tracker(
        actor=Actor.for_user(founder),
        kind=TrackerKind.GITHUB,
        api_token="ghp_test_token_1234",
        api_url=github.url,
        repository="acme/platform",
    )
    TrackerAccount.objects.create(user=responder, kind=TrackerKind.GITHUB, account="resp-gh")
    pm = publish_pm_with_two_items(founder, responder, django_capture_on_commit_callbacks)
    first, second = github.issues[1], github.issues[2]
    assert [label["name"] for label in first["labels"]] == ["post-mortem"]
    assert first["assignees"] == []
    assert second["assignees"] == [{"login": "resp-gh"}]
    item = pm.action_items.order_by("pk").first()
    assert first["body"].startswith(f"Due: {item.due_date.isoformat()}")
    item.refresh_from_db()
    assert item.ticket_url == "https://github.com/acme/platform/issues/1"
    # Closed as completed in GitHub → done in the portal
    first["state"], first["state_reason"] = "closed", "completed"
    tasks.sweep()
    item.refresh_from_db()
    assert item.status == "done"


@pytest.mark.django_db
def test_tracker_token_is_stored_masked_in_the_audit_log_and_rotatable(
    founder: User, responder: User
) -> None:
    from portal.kernel.errors import DomainError

    actor = Actor.for_user(founder)
    configure_tracker(
        actor=actor, kind=TrackerKind.LINEAR, api_token="lin_api_firsttoken9999", team_id="team-ops"
    )
    configure_tracker(actor=actor, api_token="lin_api_secondtoken8888")
    assert TicketTracker.objects.get().api_token == "lin_api_secondtoken8888"
    dumped = str(list(AuditEntry.objects.values("before", "after")))
    assert "firsttoken" not in dumped
    assert "secondtoken" not in dumped
    assert "…8888" in dumped
    with pytest.raises(DomainError) as refused:
        configure_tracker(actor=actor, kind=TrackerKind.GITHUB, repository="no-slash")
    assert refused.value.field == "repository"
    with pytest.raises(DomainError) as refused:
        configure_tracker(actor=Actor.for_user(responder), api_token="lin_api_stolen0000000")
    assert refused.value.field == "actor"
    assert TicketTracker.objects.get().api_token == "lin_api_secondtoken8888"


def test_tracker_page_refuses_a_bad_repository_on_its_field(client: Client, founder: User) -> None:
    """A refusal of `configure_tracker` re-renders the form (issue 12), never "added"."""
    from postmortems.tickets.models import TicketTracker

    client.force_login(founder)
    response = client.post(
        "/admin/tickets/tickettracker/add/",
        {
            "kind": "github",
            "api_url": "https://api.github.com",
            "repository": "no-owner",
            "label": "post-mortem",
        },
    )
    assert response.status_code == 200
    assert "owner/name" in response.context["adminform"].form.errors["repository"][0]
    assert not TicketTracker.objects.exists()

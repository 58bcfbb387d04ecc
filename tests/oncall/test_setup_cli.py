"""Set-up without the admin: rotation members, overrides, channels, services with owners,
coverage gaps, and what `loadpolicy` says is missing before anyone can be paged."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django import Settings

from incidents.models import PolicyVersion, Service
from incidents.oncall.models import Override, Page, RotationMember
from portal.kernel.actors import Actor
from portal.notifications.models import OutboxMessage

T0 = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_loadpolicy_prints_what_is_missing_before_anyone_can_be_paged(founder: User) -> None:
    out = run("loadpolicy", "follow-the-sun")
    assert "Before anyone can be paged:" in out
    assert "Rotation 'follow-the-sun' of Platform / primary has no members" in out
    assert "Rotation 'managers' of EM on-call / primary has no members" in out
    out = run("loadpolicy", "founder-24x7")
    assert "Channel #alerts disabled" in out


@pytest.mark.django_db
def test_members_added_from_the_cli_are_paged(
    load_policy: Callable[..., PolicyVersion],
    people: dict[str, Any],
    founder: User,
    system: Actor,
    committed: Any,
) -> None:
    load_policy("follow-the-sun")
    run("oncall", "member", "add", "Platform", "alice")
    run("oncall", "member", "add", "Platform", "bob")
    run("oncall", "member", "add", "Platform", "carol", "--position", "1")
    assert run("oncall", "member", "list", "Platform") == "1. carol\n2. alice\n3. bob\n"
    run("oncall", "member", "remove", "Platform", "carol")
    assert list(
        RotationMember.objects.filter(rotation__name="follow-the-sun").values_list(
            "user__username", flat=True
        )
    ) == ["alice", "bob"]
    from incidents.services import declare_incident

    with time_machine.travel(T0, tick=False), committed():
        declare_incident(actor=system, title="Down", severity="SEV-2")
    assert list(Page.objects.values_list("user__username", flat=True)) == ["alice"]


@pytest.mark.django_db
def test_an_override_from_the_cli_wins_and_can_be_removed(
    load_policy: Callable[..., PolicyVersion], people: dict[str, Any], founder: User
) -> None:
    load_policy("follow-the-sun")
    run("oncall", "member", "add", "Platform", "alice")
    out = run(
        "oncall",
        "override",
        "add",
        "Platform",
        "emma",
        "--start",
        "2026-03-02T00:00:00Z",
        "--end",
        "2026-03-02T04:00:00Z",
    )
    override = Override.objects.get()
    assert out.startswith(f"Override {override.pk}:")
    assert "Platform / primary: emma" in run(
        "oncall", "now", "--at", "2026-03-02T01:00:00Z", "--schedule", "Platform"
    )
    run("oncall", "override", "remove", str(override.pk))
    assert not Override.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("oncall", "member", "add", "Nope", "alice"), "schedule: No schedule named 'Nope'."),
        (("oncall", "member", "add", "Platform", "ghost"), "user: No active user named 'ghost'."),
        (
            (
                "oncall",
                "override",
                "add",
                "Platform",
                "alice",
                "--start",
                "2026-03-02T04:00:00Z",
                "--end",
                "2026-03-02T01:00:00Z",
            ),
            "end: The end must be after the start.",
        ),
        (("channel", "set", "#new"), "kind: No channel named '#new'; give --kind to create it."),
        (("channel", "test", "#nope"), "name: No channel named '#nope'."),
        (
            ("service", "set", "Checkout", "--owner", "ghost"),
            "owner: No active user named 'ghost'.",
        ),
    ],
)
def test_bad_setup_input_names_the_field(
    load_policy: Callable[..., PolicyVersion],
    people: dict[str, Any],
    founder: User,
    args: tuple[str, ...],
    error: str,
) -> None:
    load_policy("follow-the-sun")
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert str(exc.value) == error


@pytest.mark.django_db
def test_channel_set_enable_and_test_send(
    load_policy: Callable[..., PolicyVersion], founder: User, settings: Settings
) -> None:
    load_policy("founder-24x7")
    settings.CHANNEL_TEST_PRIVATE_TARGETS = True  # the refusing server is on 127.0.0.1
    run("channel", "set", "Ops log", "--kind", "console", "--enable")
    assert "Test message delivered to Ops log." in run("channel", "test", "Ops log")
    assert OutboxMessage.objects.get(kind="test").status == "sent"
    # A channel whose provider refuses: the test fails with the reason, on one line
    run("channel", "set", "#alerts", "--target", "json://127.0.0.1:9/nothing", "--enable")
    with pytest.raises(CommandError, match=r"^name: test message to #alerts not delivered"):
        run("channel", "test", "#alerts")
    listing = run("channel", "list")
    assert "#alerts\tslack\tenabled\ttarget set" in listing


@pytest.mark.django_db
def test_routed_messages_to_a_disabled_channel_wait_and_go_once_enabled(
    load_policy: Callable[..., PolicyVersion], system: Actor
) -> None:
    from incidents.services import declare_incident
    from portal.notifications.outbox import due_message_ids
    from portal.notifications.services import enqueue_notification

    load_policy("s-levels")  # S1 -> #errors, disabled until its webhook is set
    incident = declare_incident(actor=system, title="DB down", severity="S1")
    [message] = enqueue_notification(
        kind="declared", subject="DB down", body="b", dedupe_key="d", incident=incident
    )
    # Not diverted to the console: it waits for #errors
    assert message.channel is not None
    assert message.channel.name == "#errors"
    assert message.destination != "console"
    assert message.pk not in due_message_ids()
    run("channel", "set", "#errors", "--kind", "console", "--enable")
    assert message.pk in due_message_ids()


@pytest.mark.django_db
def test_service_owner_set_from_the_cli(people: dict[str, Any]) -> None:
    run("service", "set", "Checkout", "--owner", "alice")
    assert Service.objects.get(name="Checkout").owner == people["alice"]
    assert run("service", "list") == "Checkout\talice\tpublic\n"
    run("service", "set", "Checkout", "--no-owner", "--internal")
    assert run("service", "list") == "Checkout\t(no owner)\tinternal\n"


@pytest.mark.django_db
def test_oncall_check_lists_the_hours_with_nobody_on_call(
    make_schedule: Any, people: dict[str, Any]
) -> None:
    # Given a daily rotation that starts on 2026-03-03 09:00 and an empty one
    make_schedule("Platform", [people["alice"]], start=datetime.date(2026, 3, 3))
    make_schedule("Empty", [])
    out = run("oncall", "check", "--days", "2", "--from", "2026-03-02T09:00:00Z")
    assert out.splitlines() == [
        "On-call coverage 2026-03-02 09:00Z + 2 days:",
        "  Empty: nobody on call 2026-03-02 09:00Z – 2026-03-04 09:00Z (48 h)",
        "  Platform: nobody on call 2026-03-02 09:00Z – 2026-03-03 09:00Z (24 h)",
    ]


@pytest.mark.django_db
def test_weekly_coverage_notice_lists_the_gaps(
    make_schedule: Any, people: dict[str, Any], settings: Settings
) -> None:
    from incidents.oncall.tasks import SCHEDULES, coverage_notice

    make_schedule("Empty", [])
    assert any(
        s["name"] == "oncall-coverage-weekly" and s["schedule_type"] == "W" for s in SCHEDULES
    )
    with time_machine.travel(T0, tick=False):
        assert coverage_notice() == 1
        assert coverage_notice() == 1  # the same week: one notice
    notice = OutboxMessage.objects.get(kind="oncall_coverage")
    assert notice.subject == "On-call coverage: 1 gap(s) in the next 14 days"
    assert "Empty: nobody on call" in notice.body

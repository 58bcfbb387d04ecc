"""Issue 22, "one place per channel kind": providers are modules with `send()` (and, when
two-way, `poll`/`cancel`); replies come back through one door that on-call registers.

A scratch two-way provider, registered only in the test, acknowledges a page through that
door: no on-call code, no outbox column and no `if kind ==` branch had to change."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine

from incidents.oncall.models import Page
from incidents.services import declare_incident
from portal.notifications import providers
from portal.notifications.channels import update_channel
from portal.notifications.follow_up import poll_due
from portal.notifications.models import NotificationChannel, OutboxMessage
from portal.notifications.providers import Provider, Sent
from portal.notifications.replies import Reply, ReplyKind
from portal.notifications.tasks import deliver_outbox_message

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)


def test_channel_kinds_are_the_providers() -> None:
    assert {"slack", "discord", "msteams", "ntfy", "pushover", "email", "webhook", "sms",
            "console"} <= set(providers.kinds())  # fmt: skip
    field = NotificationChannel._meta.get_field("kind")
    assert [value for value, _ in field.choices or ()] == providers.kinds()
    from portal.project.configuration.schema import CONFIG_SCHEMA

    channel = CONFIG_SCHEMA["properties"]["channels"]["items"]["properties"]["kind"]
    assert channel["enum"] == providers.kinds()


def test_no_provider_is_named_inside_on_call_and_no_provider_column_on_the_outbox() -> None:
    # On-call may list the kinds of contact people give (ContactKind), but never reaches
    # into a provider: no provider module imported, no receipt, no provider URL scheme.
    named = re.compile(
        r"notifications\.providers\.\w|notifications\.providers import \w*(?:pushover|ntfy)"
        r"|receipt|pover://|twilio|apprise",
        re.IGNORECASE,
    )
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "incidents" / "oncall").rglob("*.py"))
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if named.search(line)
    ]
    assert offenders == []
    columns = {f.name for f in OutboxMessage._meta.get_fields()}
    assert not {c for c in columns if named.search(c) or c.startswith("receipt")}


class Scratch:
    """A two-way provider as a new one would be written: it sends, and its poll says the
    recipient pressed "acknowledge"."""

    sent: list[str] = []

    @staticmethod
    def send(message: Any, target: str) -> Sent:
        Scratch.sent.append(target)
        return Sent(ref=f"scratch-{message.pk}", follow_up=True)

    @staticmethod
    def poll(message: Any, target: str) -> Reply | None:
        return Reply(ReplyKind.ACKNOWLEDGED, via="Scratch pager")


@pytest.mark.django_db
def test_a_new_two_way_provider_acknowledges_a_page_through_the_one_door(
    load_policy: Any,
    founder: Any,
    system: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    scratch = Provider(
        kind="scratch",
        label="Scratch pager",
        position=99,
        target_help="anything",
        send=Scratch.send,
        poll=Scratch.poll,
        poll_every=lambda: datetime.timedelta(seconds=5),
    )
    registry = {**providers.registry(), "scratch": scratch}
    monkeypatch.setattr(providers, "registry", lambda: registry)
    load_policy("founder-24x7")
    update_channel(name="#alerts", kind="scratch", target="room-1", enabled=True, actor=system)
    with time_machine.travel(T0, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            incident = declare_incident(actor=system, title="Checkout down", severity="SEV-1")
        page = Page.objects.select_related("message", "user").get()
        assert page.message is not None
        assert deliver_outbox_message(page.message.pk) == "sent"
    message = OutboxMessage.objects.get(pk=page.message.pk)
    assert (message.provider_ref, message.follow_up_at) == (
        f"scratch-{message.pk}",
        T0 + datetime.timedelta(seconds=5),
    )
    with time_machine.travel(T0 + datetime.timedelta(seconds=6), tick=False):
        assert poll_due() == {"acknowledged": 1}
        assert poll_due() == {}
    incident.refresh_from_db()
    page.refresh_from_db()
    assert incident.acknowledged_at is not None
    assert page.acknowledged_at is not None
    note = incident.timeline.get(data__via="Scratch pager")
    assert note.message == f"{page.user.get_username()} acknowledged their page in Scratch pager."
    assert note.actor_id == page.user.pk


@pytest.mark.django_db
def test_here_mention_is_spelled_by_its_provider_or_left_out(
    load_policy: Any, founder: Any, system: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Issue 23, "Slack's <!here> syntax inside an ntfy message"."""
    from incidents.oncall.models import EscalationStep

    load_policy("founder-24x7")
    EscalationStep.objects.update(mention_here=True)
    update_channel(
        name="#alerts", kind="ntfy", target="https://ntfy.example/pages", enabled=True, actor=system
    )
    with django_capture_on_commit_callbacks(execute=True):
        declare_incident(actor=system, title="Checkout down", severity="SEV-1")
    page = Page.objects.select_related("message").get()
    assert page.message is not None
    assert "<!here>" not in page.message.body
    assert "@here" not in page.message.body

"""`--as USER` means the same in every command: the actor named in the audit log, and
an unknown or inactive user is refused with one line and exit code 2."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.kernel.command_line import PortalCommand

pytestmark = pytest.mark.django_db

COMMANDS = [
    ("incident", "show", "INC-20260301-01"),
    ("drill", "list"),
    ("oncall", "now"),
    ("apitoken", "revoke", "abcd"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_unknown_as_user_is_refused_with_exit_code_2(command: tuple[str, ...]) -> None:
    with pytest.raises(CommandError, match=r"^--as: no active user 'ghost'$") as exc:
        call_command(command[0], "--as", "ghost", *command[1:], stdout=io.StringIO())
    assert exc.value.returncode == 2


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_inactive_as_user_is_refused(command: tuple[str, ...], responder: Any) -> None:
    responder.is_active = False
    responder.save()
    with pytest.raises(CommandError, match=r"^--as: no active user 'responder'$"):
        call_command(command[0], "--as", "responder", *command[1:], stdout=io.StringIO())


def test_actor_is_the_as_user_or_the_cli_system_actor(founder: Any) -> None:
    command = PortalCommand()
    assert command.actor_from({"as_user": "founder"}).user == founder
    cli = command.actor_from({})
    assert (cli.user, cli.label) == (None, "cli")

"""A BaseCommand whose argument errors are one line on stderr (exit 2), not usage dumps,
and which resolves `--as USER` the same way in every command."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.kernel.actors import Actor

# Who the audit log and the timeline name when a command is run without `--as`.
CLI_ACTOR_LABEL = "cli"


class OneLineErrorParser(CommandParser):
    def error(self, message: str) -> NoReturn:
        if self.called_from_command_line:
            sys.stderr.write(f"{self.prog}: error: {message}\n")
            sys.exit(2)
        raise CommandError(f"Error: {message}")


class PortalCommand(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Sub-parsers are created with type(parser), so they inherit the one-line errors.
        parser.__class__ = OneLineErrorParser
        return parser

    def add_actor_argument(self, parser: CommandParser) -> None:
        """`--as USER`: whom the audit log and the timeline name (see `actor_from`)."""
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USER",
            help=f"Act as this user: the audit log names them (default: {CLI_ACTOR_LABEL}).",
        )

    def actor_from(self, options: dict[str, Any]) -> Actor:
        """The actor `--as` names, or the system actor "cli" without it. An unknown or
        inactive user is bad input: one line on stderr, exit 2."""
        username = (options.get("as_user") or "").strip()
        if not username:
            return Actor.system(CLI_ACTOR_LABEL)
        user_model = get_user_model()
        user = user_model._default_manager.filter(
            **{user_model.USERNAME_FIELD: username}, is_active=True
        ).first()
        if user is None:
            raise CommandError(f"--as: no active user {username!r}", returncode=2)
        return Actor.for_user(user)


def manage_py(arguments: str) -> str:
    """A `manage.py` command line the reader can paste as it is, in this deployment.

    Hints printed by the portal ("…: manage.py oncall member add …") failed as pasted on a
    fresh `make run`: the project's interpreter is `.venv/bin/python` and `make` sets
    `DEBUG=1`, neither of which a new shell has. So the hint names the interpreter this
    process runs (relative to the project when it lives there) and DEBUG when it is on.
    """
    import os
    from pathlib import Path

    from django.conf import settings

    python = Path(sys.executable)
    try:
        shown = str(python.relative_to(settings.BASE_DIR))
    except ValueError:
        shown = (
            "python"
            if python.name.startswith("python") and "venv" not in str(python)
            else str(python)
        )
    debug = "DEBUG=1 " if os.environ.get("DEBUG", "").lower() in ("1", "true", "yes", "on") else ""
    return f"{debug}{shown} manage.py {arguments}"

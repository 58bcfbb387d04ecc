"""`manage.py integration create|list` — set up alert senders from the command line.

`create` prints the endpoint and, as its LAST line, the integration key (scripts
read it with `tail -n1`). Bad input exits non-zero with one line naming the argument.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from incidents.integrations import selectors, services
from incidents.integrations.sources import KeyTravel, kinds, source_for
from incidents.models import Service
from portal.kernel.actors import Actor
from portal.kernel.command_line import OneLineErrorParser, PortalCommand
from portal.kernel.durations import DurationParseError, parse_duration
from portal.kernel.errors import DomainError

# The service names model fields; the error names the option the user typed.
OPTION_OF_FIELD = {
    "client_secret": "secret",
    "default_severity": "severity",
    "heartbeat_period": "period",
    "heartbeat_grace": "grace",
}


def _duration(text: str | None, field: str) -> datetime.timedelta | None:
    if text is None:
        return None
    try:
        minutes = parse_duration(text).wall_minutes
    except DurationParseError as exc:
        raise CommandError(f"{field}: {exc}") from None
    if minutes is None:
        raise CommandError(f"{field}: give wall-clock time such as 5m or 1h, not business time")
    return datetime.timedelta(minutes=minutes)


class Command(PortalCommand):
    help = (
        "Create and list alert integrations (one kind per alert source: "
        + ", ".join(kinds())
        + ")."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=OneLineErrorParser)
        create = sub.add_parser("create", help="Create an integration; prints its key last.")
        create.add_argument("--kind", required=True, choices=kinds())
        create.add_argument("--name", required=True)
        create.add_argument("--service", help="Service slug or name attached to its incidents.")
        create.add_argument("--severity", default="", help="Default level code (SEV-2…).")
        create.add_argument("--secret", default="", help="Sentry: the integration's client secret.")
        create.add_argument(
            "--auto-resolve",
            action="store_true",
            help="Resolve incidents (not only mitigate) when all alerts resolve.",
        )
        create.add_argument("--period", help="Heartbeat: expected ping interval (5m, 1h…).")
        create.add_argument("--grace", help="Heartbeat: tolerated lateness (1m…).")
        sub.add_parser("list", help="List integrations (no keys).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list()
            return
        service = None
        if options.get("service"):
            service = (
                Service.objects.filter(slug=options["service"]).first()
                or Service.objects.filter(name__iexact=options["service"]).first()
            )
            if service is None:
                raise CommandError(f"service: no service {options['service']!r}")
        try:
            integration = services.create_integration(
                actor=Actor.system("cli"),
                name=options["name"],
                kind=options["kind"],
                service=service,
                default_severity=options["severity"],
                client_secret=options["secret"],
                auto_resolve=options["auto_resolve"],
                heartbeat_period=_duration(options.get("period"), "period"),
                heartbeat_grace=_duration(options.get("grace"), "grace"),
            )
        except DomainError as exc:
            option = OPTION_OF_FIELD.get(exc.field or "", exc.field or "integration")
            raise CommandError(f"{option}: {exc.message}") from None
        base = settings.PORTAL_BASE_URL
        self.stdout.write(f"Created {integration.kind} integration {integration.name!r}.")
        source = source_for(integration.kind)
        if source is not None and source.key_travels == KeyTravel.BODY:
            self.stdout.write(
                f"Events API v2 base URL: {base}/integrations/{source.kind} (routing key below)"
            )
        else:
            self.stdout.write(f"Endpoint: {base}{selectors.endpoint_path(integration)}")
        self.stdout.write(integration.key)

    def _list(self) -> None:
        for integration in selectors.integration_list():
            state = "enabled" if integration.enabled else "disabled"
            service = integration.service.name if integration.service else "-"
            self.stdout.write(
                f"{integration.name}\t{integration.kind}\t{state}\t{service}\t"
                f"{integration.default_severity or '-'}"
            )

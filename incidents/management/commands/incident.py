"""`manage.py incident open|ack|update|resolve|cancel|show …` — the operators' door.

Thin: parse, call `incidents.services`, print. Bad input exits non-zero with one
line on stderr naming the argument.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from incidents import services
from incidents.choices import DetectionSource, Environment, IncidentStatus
from incidents.models import Service
from incidents.selectors import current_deadlines, incident_by_ref
from portal.kernel.actors import Actor
from portal.kernel.command_line import OneLineErrorParser, PortalCommand
from portal.kernel.errors import DomainError


class Command(PortalCommand):
    help = "Open and run incidents from the command line."

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_actor_argument(parser)
        sub = parser.add_subparsers(dest="action", required=True, parser_class=OneLineErrorParser)

        open_ = sub.add_parser("open", help="Declare an incident; prints its reference first.")
        open_.add_argument(
            "--sev",
            "--severity",
            dest="severity",
            required=True,
            help="Level code (SEV-1, S2…) or rank (1 = worst).",
        )
        open_.add_argument("--summary", required=True)
        open_.add_argument("--title", help="Defaults to the summary's first line.")
        open_.add_argument(
            "--env",
            "--environment",
            dest="environment",
            default=Environment.PRODUCTION,
            choices=Environment.values,
        )
        open_.add_argument(
            "--source",
            dest="detection_source",
            default=DetectionSource.MANUAL,
            choices=DetectionSource.values,
        )
        open_.add_argument(
            "--service",
            dest="services",
            action="append",
            default=[],
            help="Affected service slug (repeatable).",
        )
        open_.add_argument("--data-loss", action="store_true", help="Confirmed data loss or leak.")
        public = open_.add_mutually_exclusive_group()
        public.add_argument(
            "--public-title",
            default="",
            help="The title customers see (status page, e-mail); never the internal title.",
        )
        public.add_argument(
            "--internal",
            action="store_true",
            help="No customer impact: never on the public status page.",
        )
        open_.add_argument(
            "--what-is-broken", default="", help="In customers' words, e.g. 'card payments'."
        )

        for name, text in (
            ("ack", "Acknowledge: I am on it."),
            ("resolve", "Resolve."),
            ("mitigate", "Mark mitigated."),
            ("show", "Print the incident."),
        ):
            p = sub.add_parser(name, help=text)
            p.add_argument("ref")
            if name == "resolve":
                p.add_argument("--message", default="")
                p.add_argument(
                    "--public", action="store_true", help="Post --message on the status page."
                )
                p.add_argument(
                    "--reason",
                    default="",
                    help="Why a mandatory customer-comms deadline is left unmet.",
                )

        update = sub.add_parser("update", help="Post a status update.")
        update.add_argument("ref")
        update.add_argument(
            "--status",
            required=True,
            choices=[s for s in IncidentStatus.values if s not in ("closed", "cancelled")],
        )
        update.add_argument("--message", required=True)
        update.add_argument("--next-steps", default="")
        update.add_argument("--eta", default="")
        update.add_argument("--public", action="store_true")

        sev = sub.add_parser("severity", help="Change severity (with a reason).")
        sev.add_argument("ref")
        sev.add_argument("--sev", "--severity", dest="severity", required=True)
        sev.add_argument("--reason", required=True)

        cancel = sub.add_parser("cancel", help="Not an incident after all.")
        cancel.add_argument("ref")
        cancel.add_argument("--reason", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self.actor_from(options)
        try:
            self._dispatch(options, actor)
        except DomainError as exc:
            raise CommandError(f"{exc.field or options['action']}: {exc.message}") from None

    def _dispatch(self, options: dict[str, Any], actor: Actor) -> None:
        action = options["action"]
        if action == "open":
            summary = options["summary"].strip()
            if not summary:
                raise CommandError("--summary: must not be empty")
            slugs = options["services"]
            found = list(Service.objects.filter(slug__in=slugs))
            missing = sorted(set(slugs) - {s.slug for s in found})
            if missing:
                raise CommandError(f"--service: unknown service {missing[0]!r}")
            incident = services.declare_incident(
                actor=actor,
                title=(options["title"] or summary.splitlines()[0])[:200],
                summary=summary,
                severity=options["severity"],
                environment=options["environment"],
                detection_source=options["detection_source"],
                services=found,
                data_loss=options["data_loss"],
                public_title=options["public_title"],
                customer_facing=not options["internal"],
                what_is_broken=options["what_is_broken"],
            )
            self.stdout.write(incident.ref)
            self._print(incident)
            return
        incident = incident_by_ref(options["ref"])
        if action == "ack":
            incident = services.acknowledge_incident(incident=incident, actor=actor)
        elif action == "mitigate":
            incident = services.mitigate_incident(incident=incident, actor=actor)
        elif action == "resolve":
            incident = services.resolve_incident(
                incident=incident,
                actor=actor,
                message=options["message"],
                public=options["public"],
                unmet_comms_reason=options["reason"],
            )
        elif action == "update":
            services.post_status_update(
                incident=incident,
                actor=actor,
                status=options["status"],
                message=options["message"],
                next_steps=options["next_steps"],
                eta=options["eta"],
                public=options["public"],
            )
        elif action == "severity":
            incident = services.change_severity(
                incident=incident,
                actor=actor,
                severity=options["severity"],
                reason=options["reason"],
            )
        elif action == "cancel":
            incident = services.cancel_incident(
                incident=incident, actor=actor, reason=options["reason"]
            )
        incident = incident_by_ref(incident.ref)
        self.stdout.write(incident.ref)
        self._print(incident)

    def _print(self, incident: Any) -> None:
        incident = incident_by_ref(incident.ref)
        self.stdout.write(f"{incident.severity.code} {incident.status}: {incident.title}")
        for deadline in current_deadlines(incident):
            due = f"{deadline.due_at:%Y-%m-%d %H:%M}Z" if deadline.due_at else "no clock"
            state = "met" if deadline.met_at else "open"
            self.stdout.write(
                f"  {deadline.api_kind:<18} {deadline.target:<16} due {due} ({state})"
            )

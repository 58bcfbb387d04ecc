"""`manage.py drill seed|list|plan|schedule|draw` — the facilitator's door.

Thin: parse, call `drills.services` / `drills.scheduling`, print. Bad input exits
non-zero with one line on stderr naming the argument.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from drills import services
from drills.scheduling import run_drill_schedule
from drills.selectors import drill_by_id, drill_list, next_planned_drill
from incidents.choices import Environment
from portal.kernel.actors import Actor
from portal.kernel.command_line import OneLineErrorParser, PortalCommand
from portal.kernel.errors import DomainError


class Command(PortalCommand):
    help = "Plan, draw and list chaos drills (staging only)."

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_actor_argument(parser)
        sub = parser.add_subparsers(dest="action", required=True, parser_class=OneLineErrorParser)
        sub.add_parser("seed", help="Add the built-in scenarios that are missing (idempotent).")
        sub.add_parser("list", help="List drills, newest first.")
        sub.add_parser("schedule", help="Run the daily scheduling pass once; print the next drill.")
        plan = sub.add_parser("plan", help="Plan a drill.")
        plan.add_argument("--date", required=True, help="YYYY-MM-DD")
        plan.add_argument(
            "--env",
            "--environment",
            dest="environment",
            default=Environment.STAGING,
            choices=Environment.values,
        )
        plan.add_argument("--facilitator", help="Username.")
        draw = sub.add_parser(
            "draw",
            help="Start the next planned drill: draw the scenario, open the "
            "practice incident; prints the drill id and incident ref.",
        )
        draw.add_argument("--drill", type=int, help="Drill id (default: the next planned one).")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self.actor_from(options)
        try:
            getattr(self, f"_{options['action']}")(options, actor)
        except DomainError as exc:
            raise CommandError(f"{exc.field or options['action']}: {exc.message}") from None

    def _seed(self, options: dict[str, Any], actor: Actor) -> None:
        created = services.seed_scenarios(actor=actor)
        self.stdout.write(f"{created} scenario(s) added.")

    def _list(self, options: dict[str, Any], actor: Actor) -> None:
        for drill in drill_list():
            scenario = "(sealed)" if drill.sealed else str(drill.scenario)
            incident = drill.practice_incident.ref if drill.practice_incident else "-"
            self.stdout.write(
                f"{drill.pk:>4}  {drill.planned_on:%Y-%m-%d}  {drill.status:<9}  "
                f"{drill.environment:<11}  {incident:<16}  {scenario}"
            )

    def _schedule(self, options: dict[str, Any], actor: Actor) -> None:
        run = run_drill_schedule(actor=actor)
        if run.next_drill is None:
            self.stdout.write("No drill planned.")
        else:
            self.stdout.write(
                f"Next drill #{run.next_drill.pk} on {run.next_drill.planned_on:%Y-%m-%d} "
                f"({run.next_drill.status}, {run.next_drill.environment})"
            )
        self.stdout.write(
            f"Reminders sent: {run.reminders_sent}; quarters flagged without a drill: "
            + (", ".join(g.quarter_label for g in run.gaps_flagged) or "none")
        )

    def _plan(self, options: dict[str, Any], actor: Actor) -> None:
        try:
            planned_on = datetime.date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError("--date: use YYYY-MM-DD") from None
        facilitator = None
        if options["facilitator"]:
            facilitator = get_user_model().objects.filter(username=options["facilitator"]).first()
            if facilitator is None:
                raise CommandError(f"--facilitator: no user {options['facilitator']!r}")
        drill = services.plan_drill(
            actor=actor,
            planned_on=planned_on,
            facilitator=facilitator,
            environment=options["environment"],
        )
        self.stdout.write(
            f"Drill #{drill.pk} planned on {drill.planned_on:%Y-%m-%d} ({drill.environment})"
        )

    def _draw(self, options: dict[str, Any], actor: Actor) -> None:
        if options["drill"] is not None:
            drill = drill_by_id(options["drill"])
        else:
            found = next_planned_drill()
            if found is None:
                raise CommandError(
                    "--drill: no drill is planned; plan one with `drill plan --date …`"
                )
            drill = found
        drill = services.start_drill(drill=drill, actor=actor)
        incident = drill.practice_incident
        self.stdout.write(f"{drill.pk} {incident.ref if incident else '-'}")
        self.stdout.write(
            f"Drawn: {drill.scenario} ({drill.severity.code if drill.severity else '-'}, "
            f"{drill.environment})"
        )

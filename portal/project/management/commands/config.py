"""`manage.py config export|plan|apply|schema`: the configuration as one YAML document."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from incidents.integrations.models import Integration
from incidents.integrations.sources import source_for
from portal.kernel.actors import Actor
from portal.kernel.command_line import PortalCommand
from portal.project.configuration.errors import ConfigError
from portal.project.configuration.plan import Plan, apply_configuration, plan_configuration
from portal.project.configuration.schema import CONFIG_SCHEMA
from portal.project.configuration.sections import export_configuration
from portal.project.configuration.yaml_io import dump_document, load_document


class Command(PortalCommand):
    help = "Export, plan or apply the whole configuration as one YAML document."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Write the configuration as YAML.")
        export.add_argument("--output", "-o", default="-", help="File to write; '-' = stdout.")
        for name, text in (
            ("plan", "Print what applying FILE would change, item by item."),
            ("apply", "Apply FILE atomically (all or nothing)."),
        ):
            action = sub.add_parser(name, help=text)
            action.add_argument("file", help="YAML document; '-' reads stdin.")
            action.add_argument(
                "--prune", action="store_true", help="Delete items that are not in the file."
            )
        sub.add_parser("schema", help="Print the document's JSON Schema.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "schema":
            self.stdout.write(json.dumps(CONFIG_SCHEMA, indent=2, ensure_ascii=False))
            return
        if action == "export":
            text = dump_document(export_configuration())
            if options["output"] == "-":
                self.stdout.write(text, ending="")
            else:
                Path(options["output"]).write_text(text, encoding="utf-8")
            return
        document_text = self._read(options["file"])
        try:
            document = load_document(document_text)
            if action == "plan":
                plan = plan_configuration(document, prune=options["prune"])
            else:
                plan = apply_configuration(
                    document=document, actor=Actor.system("config apply"), prune=options["prune"]
                )
        except ConfigError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{options['file']}: {len(exc.problems)} problem(s); nothing was written"
            ) from None
        for line in plan.lines():
            self.stdout.write(line)
        if action == "apply":
            self.stdout.write(f"Applied {len(plan.writes)} change(s).")
            self._print_ingestion_urls(plan)

    def _print_ingestion_urls(self, plan: Plan) -> None:
        """The re-pointing checklist: where each new integration's senders must post."""
        names = [
            c.key for c in plan.changes if c.section.name == "integrations" and c.action == "create"
        ]
        base = settings.PORTAL_BASE_URL
        for integration in Integration.objects.filter(name__in=names).order_by("name"):
            source = source_for(integration.kind)
            # The system check refuses rows of unknown kinds; say so rather than fail here.
            where = f"{base}{source.endpoint_text(integration.key)}" if source else "(unknown kind)"
            self.stdout.write(f"  [ ] re-point senders of {integration.name!r} to {where}")

    def _read(self, name: str) -> str:
        if name == "-":
            return sys.stdin.read()
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"file: {path} does not exist")
        return path.read_text(encoding="utf-8")

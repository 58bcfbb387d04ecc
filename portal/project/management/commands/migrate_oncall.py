"""`manage.py migrate_oncall pagerduty|opsgenie|grafana-oncall -o FILE`: read another
on-call tool with a read-only key and write the configuration document that
`config plan` / `config apply` take, with every loss reported and a re-pointing list."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from incidents.integrations.sources import source_for
from portal.kernel.command_line import PortalCommand
from portal.project.configuration.yaml_io import dump_document
from portal.project.vendor_import import grafana_oncall, opsgenie, pagerduty
from portal.project.vendor_import.build import Builder, MigrationResult
from portal.project.vendor_import.crosscheck import cross_check
from portal.project.vendor_import.http import VendorError

VENDORS = ("pagerduty", "opsgenie", "grafana-oncall")
LABELS = {"pagerduty": "PagerDuty", "opsgenie": "Opsgenie", "grafana-oncall": "Grafana OnCall"}


def run_migration(
    vendor: str, *, api_key: str, base_url: str = "", eu: bool = False, since: str, until: str,
    severity_map: dict[str, str], default_severity: str | None, **client_options: Any,
) -> MigrationResult:  # fmt: skip
    builder = Builder(vendor, severity_map=severity_map, default_severity=default_severity)
    if vendor == "pagerduty":
        api = pagerduty.client(api_key, base_url or pagerduty.BASE_URL, **client_options)
        return pagerduty.migrate(api, builder, since=since, until=until)
    if vendor == "opsgenie":
        host = base_url or opsgenie.base_url(eu=eu)
        return opsgenie.migrate(opsgenie.client(api_key, host, **client_options), builder)
    if not base_url:
        raise CommandError(
            "base-url: Grafana OnCall needs its API URL (…/oncall/api/v1 or …/api/v1)"
        )
    api = grafana_oncall.client(api_key, base_url, **client_options)
    return grafana_oncall.migrate(api, builder)


class Command(PortalCommand):
    help = "Read PagerDuty, Opsgenie or Grafana OnCall and write a configuration document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("vendor", choices=VENDORS)
        parser.add_argument("--output", "-o", required=True, help="YAML file to write.")
        parser.add_argument(
            "--api-key", default="", help="Read-only API key (default: $ONCALL_MIGRATION_API_KEY)."
        )
        parser.add_argument("--base-url", default="", help="API base URL (self-hosted, tests).")
        parser.add_argument("--eu", action="store_true", help="Opsgenie: the EU host.")
        parser.add_argument(
            "--since", default="", help="History from this date (default: 1 year; PagerDuty "
            "is read in ranges of at most 180 days, its maximum being 6 months)."
        )  # fmt: skip
        parser.add_argument("--until", default="", help="History until this date (default: now).")
        parser.add_argument(
            "--severity", action="append", default=[], metavar="LABEL=CODE",
            help="Map a vendor priority to a level code, e.g. P1=SEV-1 (repeatable).",
        )  # fmt: skip
        parser.add_argument("--default-severity", default=None, help="Level for unmapped ones.")

    def handle(self, *args: Any, **options: Any) -> None:
        api_key = options["api_key"] or settings.ONCALL_MIGRATION_API_KEY
        if not api_key:
            raise CommandError("api-key: give --api-key or set ONCALL_MIGRATION_API_KEY")
        severity_map = {}
        for pair in options["severity"]:
            label, sep, code = pair.partition("=")
            if not sep or not label or not code:
                raise CommandError(f"severity: expected LABEL=CODE, got {pair!r}")
            severity_map[label] = code
        now = timezone.now()
        since = options["since"] or (now - datetime.timedelta(days=365)).date().isoformat()
        until = options["until"] or now.strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            result = run_migration(
                options["vendor"], api_key=api_key, base_url=options["base_url"],
                eu=options["eu"], since=since, until=until, severity_map=severity_map,
                default_severity=options["default_severity"],
            )  # fmt: skip
        except VendorError as exc:
            raise CommandError(f"{options['vendor']}: {exc}") from None
        check = cross_check(result, start=now)
        checked = check.lines(LABELS[options["vendor"]])
        # The cross-check heads the file too, so whoever reviews the plan sees it.
        header = "".join(f"# {line}\n" for line in checked)
        Path(options["output"]).write_text(
            header + dump_document(result.document), encoding="utf-8"
        )
        self.write_report(result, options["output"], checked)

    def write_report(self, result: MigrationResult, output: str, checked: list[str]) -> None:
        doc = result.document
        self.stdout.write(
            f"Wrote {output}: {len(doc['schedules'])} schedules, "
            f"{len(doc['escalation_policies'])} escalation policies, {len(doc['services'])} "
            f"services, {len(doc['integrations'])} integrations, {len(doc['history'])} "
            "historical incidents."
        )
        self.stdout.write(f"Not migrated as it was ({len(result.losses)}):")
        for loss in result.losses:
            self.stdout.write(f"  - {loss}")
        for line in checked:
            self.stdout.write(line)
        self.stdout.write(f"Next: manage.py config plan {output}, then config apply {output}.")
        self.stdout.write("Re-pointing checklist (each integration's key is printed by apply):")
        base = settings.PORTAL_BASE_URL
        for line, integration in zip(result.checklist, doc["integrations"], strict=True):
            source = source_for(integration["kind"])
            where = f"{base}{source.endpoint_text('<key>')}" if source else "(no alert source)"
            self.stdout.write(f"  [ ] {line}: {where}")

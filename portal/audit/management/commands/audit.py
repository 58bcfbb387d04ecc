"""`manage.py audit verify`: walk the hash chain; exit 1 naming the first broken entry."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import CommandError, CommandParser

from portal.audit.selectors import verify_chain
from portal.command_line import PortalCommand


class Command(PortalCommand):
    help = "Audit log tools: `verify` checks the hash chain; `security` runs the security audit."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="action")
        sub.add_parser("verify", help="Recompute every entry's hash and check the links.")
        security = sub.add_parser("security", help="Run the weekly security audit now.")
        security.add_argument(
            "--week", help="Any day of the week to audit (default: last full week)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "security":
            self._security(options.get("week"))
            return
        report = verify_chain()
        if report.first_break is not None:
            raise CommandError(f"audit: chain broken at {report.first_break.describe()}")
        self.stdout.write(f"Audit chain intact: {report.checked} entries verified.")

    def _security(self, week: str | None) -> None:
        from portal.audit.tasks import run_security_audit

        if week:
            try:
                datetime.date.fromisoformat(week)
            except ValueError:
                raise CommandError(f"--week: not a date: {week!r} (use YYYY-MM-DD).") from None
        found = run_security_audit(week)
        self.stdout.write(f"Security audit: {found} new finding(s).")

"""`manage.py audit verify|seal|security`: the audit chain's tools.

`verify` walks the sealed chain and exits 1 naming the first broken entry; it prints
the head (`COUNT:HASH`) to keep outside the database, and `--expect COUNT:HASH`
checks a head kept earlier (a cut tail with a rewritten head row is caught there).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import CommandError, CommandParser

from portal.audit.sealing import seal_pending
from portal.audit.selectors import parse_head, verify_chain
from portal.kernel.command_line import PortalCommand


class Command(PortalCommand):
    help = "Audit log tools: `verify` checks the hash chain; `seal` links pending entries; `security` runs the security audit."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="action")
        verify = sub.add_parser(
            "verify", help="Recompute every sealed entry's hash and check the links."
        )
        verify.add_argument(
            "--expect",
            metavar="COUNT:HASH",
            help="A head printed by an earlier verify: the chain must still hold it.",
        )
        sub.add_parser("seal", help="Link the committed, unsealed entries into the chain now.")
        security = sub.add_parser(
            "security", help="Find the week's anomalies now and tell the founders."
        )
        security.add_argument(
            "--week", help="Any day of the week to audit (default: last full week)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "security":
            self._security(options.get("week"))
            return
        if options["action"] == "seal":
            self.stdout.write(f"Sealed {seal_pending()} entries.")
            return
        expect = None
        if options.get("expect"):
            try:
                expect = parse_head(options["expect"])
            except ValueError as exc:
                raise CommandError(f"--expect: {exc}") from None
        report = verify_chain(expect=expect)
        if report.first_break is not None:
            raise CommandError(f"audit: chain broken at {report.first_break.describe()}")
        self.stdout.write(
            f"Audit chain intact: {report.checked} entries verified, "
            f"{report.pending} waiting to be sealed.\nHead (keep it): {report.head}"
        )

    def _security(self, week: str | None) -> None:
        from django.utils import timezone

        from portal.access.security_findings import audit_security_week
        from portal.audit.anomalies import audit_week
        from portal.audit.context import acting_as
        from portal.kernel.actors import Actor

        try:
            day = datetime.date.fromisoformat(week) if week else None
        except ValueError:
            raise CommandError(f"--week: not a date: {week!r} (use YYYY-MM-DD).") from None
        week_start = audit_week(day, today=timezone.now().date())
        with acting_as(Actor.system("security-audit")):
            found = audit_security_week(week_start=week_start)
        self.stdout.write(
            f"Security audit: {len(found)} new finding(s). "
            "The weekly task opens an incident for severe ones."
        )

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
from portal.command_line import PortalCommand


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
        security = sub.add_parser("security", help="Run the weekly security audit now.")
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
        from portal.audit.tasks import run_security_audit

        if week:
            try:
                datetime.date.fromisoformat(week)
            except ValueError:
                raise CommandError(f"--week: not a date: {week!r} (use YYYY-MM-DD).") from None
        found = run_security_audit(week)
        self.stdout.write(f"Security audit: {found} new finding(s).")

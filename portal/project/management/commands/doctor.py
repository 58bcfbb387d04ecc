"""`manage.py doctor`: what is missing before the first page, one line each.

Exit 0 when nothing is missing (advice may remain), 1 when a page would not reach a
person; the last line, on stderr, says how many things are missing.
"""

from __future__ import annotations

import sys
from typing import Any

from portal.kernel.command_line import PortalCommand
from portal.project.doctor import MISSING, diagnose


class Command(PortalCommand):
    help = "What is missing before the first page reaches a person (exit 1 if anything)."

    def handle(self, *args: Any, **options: Any) -> None:
        findings = diagnose()
        for finding in findings:
            self.stdout.write(f"{finding.kind:8} {finding.text}")
        missing = sum(1 for f in findings if f.kind == MISSING)
        if missing:
            self.stderr.write(f"doctor: {missing} thing(s) missing before a page reaches a person.")
            sys.exit(1)
        self.stdout.write("ok       a page would reach the person on call.")

"""`manage.py demo`: demo data and an admin login, printed."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from portal.kernel.command_line import PortalCommand
from portal.project.demo import ensure_login, load_demo


class Command(PortalCommand):
    help = "Load demo data (idempotent) and print the admin login."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--login-only",
            action="store_true",
            help="No demo data: only make sure the admin login exists, and print it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = ensure_login() if options["login_only"] else load_demo()
        if result["incidents"]:
            self.stdout.write("Demo incidents: " + ", ".join(result["incidents"]))
        self.stdout.write("")
        self.stdout.write(f"  Admin login: {settings.PORTAL_BASE_URL}/admin/")
        self.stdout.write(f"  username: {result['username']}")
        self.stdout.write(f"  password: {result['password']}")
        self.stdout.write("")

"""`manage.py service list|set`: services and their owners without the admin (an
escalation step "owners of the affected services" pages the owner).

    service list
    service set NAME [--owner USERNAME | --no-owner] [--public|--internal] [--description TEXT]
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from incidents.catalog import save_service
from incidents.models import Service
from portal.access.responders import find_user
from portal.kernel.actors import Actor
from portal.kernel.command_line import PortalCommand
from portal.kernel.errors import DomainError


class Command(PortalCommand):
    help = "List services, or create/change one and its owner."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list")
        put = sub.add_parser("set")
        put.add_argument("name")
        owner = put.add_mutually_exclusive_group()
        owner.add_argument("--owner", help="Username of the owner.")
        owner.add_argument("--no-owner", action="store_true")
        public = put.add_mutually_exclusive_group()
        public.add_argument("--public", dest="public", action="store_true", default=None)
        public.add_argument("--internal", dest="public", action="store_false")
        put.add_argument("--description")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for s in Service.objects.select_related("owner").order_by("name"):
                owner = s.owner.get_username() if s.owner else "(no owner)"
                self.stdout.write(f"{s.name}\t{owner}\t{'public' if s.public else 'internal'}")
            return
        try:
            service = save_service(
                name=options["name"],
                owner=find_user(options["owner"], field="owner") if options.get("owner") else None,
                clear_owner=options["no_owner"],
                public=options.get("public"),
                description=options.get("description"),
                actor=Actor.system("cli"),
            )
        except DomainError as exc:
            raise CommandError(f"{exc.field or 'name'}: {exc.message}") from None
        owner = service.owner.get_username() if service.owner else "no owner"
        self.stdout.write(f"Service {service.name} saved ({owner}).")

"""`manage.py channel list|set|test`: notification channels without the admin.

channel list
channel set NAME [--kind KIND] [--target URL] [--enable|--disable] [--description TEXT]
channel test NAME        (sends a test message now and prints the outcome)
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from portal.kernel.actors import Actor
from portal.kernel.command_line import PortalCommand
from portal.kernel.errors import DomainError
from portal.notifications.channels import send_test_message, update_channel
from portal.notifications.choices import OutboxStatus
from portal.notifications.models import NotificationChannel
from portal.notifications.providers import kinds


class Command(PortalCommand):
    help = "List, create or change notification channels, and send a test message."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Every channel, its kind and state.")
        put = sub.add_parser("set", help="Create or change a channel by name.")
        put.add_argument("name")
        put.add_argument("--kind", choices=kinds())
        put.add_argument("--target", help="An apprise URL, or an address for email.")
        state = put.add_mutually_exclusive_group()
        state.add_argument("--enable", dest="enabled", action="store_true", default=None)
        state.add_argument("--disable", dest="enabled", action="store_false")
        put.add_argument("--description")
        test = sub.add_parser("test", help="Send a test message to a channel now.")
        test.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("cli")
        try:
            if options["action"] == "list":
                for c in NotificationChannel.objects.order_by("name"):
                    state = "enabled" if c.enabled else "DISABLED"
                    target = "target set" if c.target else "no target"
                    self.stdout.write(f"{c.name}\t{c.kind}\t{state}\t{target}")
            elif options["action"] == "set":
                channel = update_channel(
                    name=options["name"],
                    kind=options.get("kind"),
                    target=options.get("target"),
                    enabled=options.get("enabled"),
                    description=options.get("description"),
                    actor=actor,
                )
                state = "enabled" if channel.enabled else "disabled"
                self.stdout.write(f"Channel {channel.name} ({channel.kind}) saved, {state}.")
            else:
                found = NotificationChannel.objects.filter(name=options["name"]).first()
                if found is None:
                    raise DomainError(f"No channel named {options['name']!r}.", field="name")
                message = send_test_message(channel=found, actor=actor)
                if message.status != OutboxStatus.SENT:
                    raise CommandError(
                        f"name: test message to {found.name} not delivered: "
                        f"{message.last_error or message.status}"
                    )
                self.stdout.write(f"Test message delivered to {found.name}.")
        except DomainError as exc:
            raise CommandError(f"{exc.field or 'name'}: {exc.message}") from None

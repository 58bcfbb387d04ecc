"""`manage.py contact add|verify|resend|test|list|remove|rules USERNAME …`: a person's own
contact methods and notification rules without the admin.

    contact add ana --kind sms --to +15551230001 [--label "Work phone"]   # sends the code
    contact verify ana 123456 [--id ID]
    contact resend ana [--id ID]
    contact test ana [--id ID]                 # a test page through the real provider
    contact list ana
    contact remove ana --id ID
    contact rules ana --rule ID:0 --rule ID:3  # method ID at 0 and at 3 minutes

`--id` may be left out when the person has one method that fits (one unverified for
verify/resend, one verified for test).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from incidents.oncall import contacts
from incidents.oncall.choices import ContactKind
from incidents.oncall.models import ContactMethod, NotificationRule
from portal.access.responders import find_user
from portal.kernel.actors import Actor
from portal.kernel.command_line import PortalCommand
from portal.kernel.errors import DomainError

OPTION_OF_FIELD = {"address": "to", "rules": "rule", "contact_method": "id", "user": "username"}


class Command(PortalCommand):
    help = "A person's contact methods (SMS, voice, e-mail, ntfy, Pushover) and notification rules."

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_actor_argument(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Add a method; its verification code is sent to it.")
        add.add_argument("username")
        add.add_argument("--kind", required=True, choices=ContactKind.values)
        add.add_argument("--to", required=True, help="+15551230001, an address, a topic URL…")
        add.add_argument("--label", default="")
        verify = sub.add_parser("verify", help="Enter the code the method received.")
        verify.add_argument("username")
        verify.add_argument("code")
        verify.add_argument("--id", type=int)
        for name, text in (("resend", "Send a new code."), ("test", "Send a test page.")):
            one = sub.add_parser(name, help=text)
            one.add_argument("username")
            one.add_argument("--id", type=int)
        listing = sub.add_parser("list", help="The person's methods and rules.")
        listing.add_argument("username")
        remove = sub.add_parser("remove", help="Remove a method (and its rules).")
        remove.add_argument("username")
        remove.add_argument("--id", type=int, required=True)
        rules = sub.add_parser("rules", help="Replace the person's notification rules.")
        rules.add_argument("username")
        rules.add_argument("--rule", action="append", default=[], help="METHOD_ID:MINUTES")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self.actor_from(options)
        try:
            user = find_user(options["username"], field="username")
            getattr(self, f"_{options['action']}")(options, actor, user)
        except DomainError as exc:
            option = OPTION_OF_FIELD.get(exc.field or "", exc.field or options["action"])
            raise CommandError(f"{option}: {exc.message}") from None

    def _method(
        self, user: Any, options: dict[str, Any], *, verified: bool | None
    ) -> ContactMethod:
        methods = ContactMethod.objects.filter(user=user).order_by("pk")
        if options.get("id"):
            found = methods.filter(pk=options["id"]).first()
            if found is None:
                raise CommandError(f"id: {user.get_username()} has no method {options['id']}.")
            return found
        if verified is not None:
            methods = methods.filter(verified_at__isnull=not verified)
        candidates = list(methods[:2])
        if len(candidates) != 1:
            raise CommandError("id: give --id (contact list USERNAME shows them).")
        return candidates[0]

    def _add(self, options: dict[str, Any], actor: Actor, user: Any) -> None:
        method = contacts.add_contact_method(
            actor=actor,
            user=user,
            kind=options["kind"],
            address=options["to"],
            label=options["label"],
        )
        self.stdout.write(
            f"Added {method.get_kind_display()} {method.masked_address()} (id {method.pk}) for "
            f"{user.get_username()}; a code was sent to it: contact verify "
            f"{user.get_username()} CODE --id {method.pk}"
        )

    def _verify(self, options: dict[str, Any], actor: Actor, user: Any) -> None:
        method = self._method(user, options, verified=False)
        contacts.verify_contact_method(actor=actor, method=method, code=options["code"])
        self.stdout.write(f"Verified {method}. Pages now reach {user.get_username()} there.")

    def _resend(self, options: dict[str, Any], actor: Actor, user: Any) -> None:
        method = self._method(user, options, verified=False)
        contacts.resend_code(actor=actor, method=method)
        self.stdout.write(f"A new code was sent to {method}.")

    def _test(self, options: dict[str, Any], actor: Actor, user: Any) -> None:
        method = self._method(user, options, verified=True)
        message = contacts.send_test_page(actor=actor, method=method)
        self.stdout.write(f"Test page {message.pk} handed to the outbox for {method}.")

    def _list(self, options: dict[str, Any], actor: Actor, user: Any) -> None:
        for m in ContactMethod.objects.filter(user=user).order_by("pk"):
            state = "verified" if m.verified_at else "unverified"
            state += "" if m.enabled else ", disabled"
            self.stdout.write(f"{m.pk}\t{m.kind}\t{m.address}\t{state}\t{m.label}")
        rules = NotificationRule.objects.filter(user=user).order_by("delay_minutes", "pk")
        for r in rules:
            self.stdout.write(f"rule\t{r.contact_method_id}\tafter {r.delay_minutes} min")
        self.stdout.write(f"Pages reach {user.get_username()}: {contacts.how_pages_reach(user)}")

    def _remove(self, options: dict[str, Any], actor: Actor, user: Any) -> None:
        method = self._method(user, options, verified=None)
        contacts.remove_contact_method(actor=actor, method=method)
        self.stdout.write(f"Removed {method}.")

    def _rules(self, options: dict[str, Any], actor: Actor, user: Any) -> None:
        pairs: list[tuple[ContactMethod, int]] = []
        for rule in options["rule"]:
            method_id, _, minutes = rule.partition(":")
            if not (method_id.isdigit() and minutes.isdigit()):
                raise CommandError(f"rule: {rule!r} is not METHOD_ID:MINUTES (e.g. 4:0).")
            method = ContactMethod.objects.filter(pk=int(method_id), user=user).first()
            if method is None:
                raise CommandError(f"rule: {user.get_username()} has no method {method_id}.")
            pairs.append((method, int(minutes)))
        contacts.set_notification_rules(actor=actor, user=user, rules=pairs)
        self.stdout.write(f"Pages reach {user.get_username()}: {contacts.how_pages_reach(user)}")

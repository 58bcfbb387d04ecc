"""`manage.py apitoken [--as USER] create USER [--read-only] [--name NAME] | list | revoke PREFIX`.

`create` prints the key as its last line (scripts take `| tail -n1`); the key is
shown only then: only its hash is stored. The audit log names `--as USER` as the
actor (default: the system actor "cli").
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.db import models, transaction

from portal.access.models import ApiToken
from portal.access.tokens import (
    create_api_token,
    create_token_user,
    default_token_role,
    grant_token_role,
    revoke_api_token,
)
from portal.audit.roles import ROLES
from portal.kernel.actors import Actor
from portal.kernel.command_line import PortalCommand
from portal.kernel.errors import DomainError


class Command(PortalCommand):
    help = "Create, list and revoke REST API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_actor_argument(parser)
        sub = parser.add_subparsers(dest="action", metavar="{create,list,revoke}")
        create = sub.add_parser("create", help="Create a token; the key is the last line printed.")
        create.add_argument("username", help="The user the token acts for (created if missing).")
        create.add_argument(
            "--read-only", action="store_true", help="GET only (auditors, dashboards)."
        )
        create.add_argument("--name", default="", help="Where the token is used (default: cli).")
        create.add_argument(
            "--role",
            choices=ROLES,
            default=None,
            help="Add the user to this group: the API grants what the role grants. Default for a "
            "user created here: Auditors with --read-only, else Responders.",
        )
        listing = sub.add_parser("list", help="List tokens (never their keys).")
        listing.add_argument("--all", action="store_true", help="Include revoked tokens.")
        revoke = sub.add_parser("revoke", help="Revoke the token whose key starts with PREFIX.")
        revoke.add_argument("prefix", help="The first characters of the key, as `list` shows them.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options.get("action")
        if action not in ("create", "list", "revoke"):
            raise CommandError("action: use create, list or revoke.")
        if action == "list":
            self._list(include_revoked=options["all"])
            return
        actor = self.actor_from(options)
        if action == "create":
            self._create(
                options["username"],
                read_only=options["read_only"],
                name=options["name"],
                role=options["role"],
                actor=actor,
            )
        else:
            self._revoke(options["prefix"], actor=actor)

    @transaction.atomic  # the new user and its token, or neither
    def _create(
        self, username: str, *, read_only: bool, name: str, role: str | None, actor: Actor
    ) -> None:
        username = username.strip()
        user_model = get_user_model()
        field = user_model._meta.get_field(user_model.USERNAME_FIELD)
        assert isinstance(field, models.Field)  # noqa: S101 - narrows the type for mypy
        if not username:
            raise CommandError("username: give a user name.")
        try:
            field.run_validators(username)
            field.clean(username, None)
        except ValidationError as exc:
            raise CommandError(f"username: {' '.join(exc.messages)}") from None
        user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
        if user is not None and not user.is_active:
            raise CommandError(f"username: {username} is inactive; reactivate the user first.")
        try:
            if user is None:
                role = role or default_token_role(read_only=read_only)
                user = create_token_user(username=username, role=role, actor=actor)
                self.stdout.write(f"Created user {username} (no password, not staff).")
            elif role:
                grant_token_role(user=user, role=role, actor=actor)
            if role:
                self.stdout.write(f"{username} is in {role}.")
            token, key = create_api_token(
                user=user, name=name or "cli", read_only=read_only, actor=actor
            )
        except DomainError as exc:
            raise CommandError(f"{exc.field or 'name'}: {exc.message}") from None
        scope = "read-only" if read_only else "read-write"
        self.stdout.write(
            f"Token {token.name!r} ({scope}) for {username}, prefix {token.prefix}. "
            "Store the key now: it is not shown again."
        )
        self.stdout.write(key)

    def _list(self, *, include_revoked: bool) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
        if not include_revoked:
            tokens = tokens.filter(revoked_at__isnull=True)
        for token in tokens:
            state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}Z" if token.revoked_at else "active"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}Z" if token.last_used_at else "never"
            scope = "read-only" if token.read_only else "read-write"
            self.stdout.write(
                f"{token.prefix}  {token.user.get_username():<20} {scope:<10} {state:<24} "
                f"last used {used:<17}  {token.name}"
            )

    def _revoke(self, prefix: str, *, actor: Actor) -> None:
        prefix = prefix.strip()
        if len(prefix) < 4:
            raise CommandError("prefix: give at least 4 characters of the key.")
        matches = list(
            ApiToken.objects.filter(prefix__startswith=prefix[:8], revoked_at__isnull=True)
        )
        if len(prefix) > 8:
            # A whole key (or more than the stored prefix) must match the start of it.
            matches = [t for t in matches if prefix.startswith(t.prefix)]
        if not matches:
            raise CommandError(f"prefix: no active token starts with {prefix!r}.")
        if len(matches) > 1:
            raise CommandError(
                f"prefix: {len(matches)} tokens start with {prefix!r}; give more characters."
            )
        token = revoke_api_token(token=matches[0], actor=actor)
        self.stdout.write(f"Revoked {token.prefix} ({token.name}) of {token.user.get_username()}.")

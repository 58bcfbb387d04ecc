"""Founders unlock locked-out logins from the admin (audited)."""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.http import HttpRequest

from portal.access.lockouts import unlock_logins
from portal.kernel.actors import Actor

if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    actions = ["unlock"]

    @admin.action(
        description="Unlock: let these users and addresses log in again", permissions=["delete"]
    )
    def unlock(self, request: HttpRequest, queryset: Any) -> None:
        count = unlock_logins(attempts=list(queryset), actor=Actor.for_user(request.user))
        self.message_user(request, f"Unlocked ({count} record(s) cleared).", messages.SUCCESS)

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a record is an unlock: only through the audited action (which needs this).
        return super().has_delete_permission(request, obj) if obj is None else False

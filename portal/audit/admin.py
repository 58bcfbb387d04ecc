"""The audit log, login attempts and findings in the admin: read-only for everyone."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portal.audit.hashing import HASHED_FIELDS
from portal.audit.models import AuditEntry, LoginAttempt, SecurityFinding


class ReadOnlyAdmin(admin.ModelAdmin):
    """No add, change or delete, even for superusers: these rows are evidence."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "actor_label", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "object_id", "actor_label")
    date_hierarchy = "at"
    show_full_result_count = False
    fields = (*HASHED_FIELDS, "hash")
    readonly_fields = fields


@admin.register(LoginAttempt)
class LoginAttemptAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "succeeded", "ip_address")
    list_filter = ("succeeded",)
    search_fields = ("username",)
    show_full_result_count = False
    readonly_fields = ("at", "username", "user_id", "succeeded", "ip_address")


@admin.register(SecurityFinding)
class SecurityFindingAdmin(ReadOnlyAdmin):
    list_display = ("week_start", "kind", "severity", "summary", "incident")
    list_filter = ("severity", "kind")
    list_select_related = ("incident",)
    readonly_fields = (
        "week_start",
        "kind",
        "severity",
        "fingerprint",
        "summary",
        "data",
        "incident",
        "created_at",
    )

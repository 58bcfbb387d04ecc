"""Policy admin (SPEC §2): versions, levels with their comms, rules, sign-off.

A version is editable only while it is a draft (`PolicyVersion.is_editable`);
activation (sign-off) and copying into a new draft go through `incidents.policies`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from incidents.choices import PolicyStatus
from incidents.models import (
    ClassificationRule,
    CommsRequirement,
    Policy,
    PolicyVersion,
    Service,
    SeverityLevel,
)
from incidents.policies import activate_policy_version, copy_to_draft
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError

SIGN_OFF_FIELDS = (
    "status",
    "approved_by",
    "approver_name",
    "approved_at",
    "content_hash",
    "next_review_on",
    "last_validated_on",
    "activated_at",
    "created_at",
)


def _version_of(obj: Any) -> PolicyVersion | None:
    if isinstance(obj, PolicyVersion):
        return obj
    if isinstance(obj, SeverityLevel):
        return obj.version
    return None


class DraftOnlyMixin:
    """Add/change/delete only while the policy version is a draft; view otherwise."""

    def _editable(self, obj: Any) -> bool:
        version = _version_of(obj)
        return version is None or version.is_editable

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class DraftOnlyInline(DraftOnlyMixin, admin.TabularInline):
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)


class SeverityLevelInline(DraftOnlyInline):
    model = SeverityLevel
    extra = 0
    show_change_link = True  # comms requirements are edited on the level's own page
    fields = (
        "code",
        "name",
        "rank",
        "ack_target",
        "mitigate_target",
        "resolve_target",
        "update_cadence",
        "war_room_required",
        "publish_on_declare",
        "postmortem_required",
        "postmortem_due",
        "postmortem_sections",
    )


class ClassificationRuleInline(DraftOnlyInline):
    model = ClassificationRule
    extra = 0
    fields = ("level", "fact", "operator", "value", "description")

    def get_formset(self, request: Any, obj: Any = None, **kwargs: Any) -> Any:
        self._parent = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if db_field.name == "level":
            # Only the levels of this version can be named by its rules.
            parent = getattr(self, "_parent", None)
            kwargs["queryset"] = (
                SeverityLevel.objects.filter(version=parent)
                if parent
                else SeverityLevel.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CommsRequirementInline(DraftOnlyInline):
    model = CommsRequirement
    extra = 0
    fields = ("channel", "anchor", "deadline", "only_if_longer_than", "note")


class PolicyVersionInline(admin.TabularInline):
    model = PolicyVersion
    extra = 0
    can_delete = False
    show_change_link = True
    fields = readonly_fields = (
        "number",
        "status",
        "approver_name",
        "approved_at",
        "next_review_on",
    )

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "preset", "version_count")
    search_fields = ("name",)
    inlines = (PolicyVersionInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Policy]:
        return super().get_queryset(request).annotate(_versions=Count("versions"))

    @admin.display(description="versions", ordering="_versions")
    def version_count(self, obj: Any) -> int:
        return obj._versions

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PolicyVersion)
class PolicyVersionAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "status",
        "approver_name",
        "approved_at",
        "short_hash",
        "next_review",
    )
    list_filter = ("status", "policy")
    list_select_related = ("policy",)
    inlines = (SeverityLevelInline, ClassificationRuleInline)
    actions = ("sign_off_and_activate", "copy_into_new_draft")
    readonly_fields = ("policy", "number", *SIGN_OFF_FIELDS, "next_review")
    fieldsets = (
        (None, {"fields": ("policy", "number", "status", "notes")}),
        (
            "Business calendar",
            {
                "fields": (
                    "time_zone",
                    "working_days",
                    "work_start",
                    "work_end",
                    "holiday_country",
                    "holiday_subdivision",
                )
            },
        ),
        (
            "Sign-off",
            {
                "fields": (
                    "approved_by",
                    "approver_name",
                    "approved_at",
                    "content_hash",
                    "next_review",
                    "last_validated_on",
                    "activated_at",
                    "created_at",
                )
            },
        ),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        """New versions come from a preset or “Copy into a new draft”."""
        return False

    @admin.display(description="content hash")
    def short_hash(self, obj: PolicyVersion) -> str:
        return obj.content_hash[:12] or "—"

    @admin.display(description="next review", ordering="next_review_on")
    def next_review(self, obj: PolicyVersion) -> str:
        if obj.next_review_on is None:
            return "—"
        if obj.next_review_on <= timezone.now().date():
            return format_html(
                '<span class="review-due" style="color:#ba2121;font-weight:bold">{} (review due)'
                "</span>",
                obj.next_review_on,
            )
        return str(obj.next_review_on)

    @admin.action(
        description="Sign off and activate (you are the approver)", permissions=["change"]
    )
    def sign_off_and_activate(
        self, request: HttpRequest, queryset: QuerySet[PolicyVersion]
    ) -> None:
        versions = list(queryset)
        if len(versions) != 1:
            self.message_user(
                request, "Choose exactly one version to put in force.", messages.ERROR
            )
            return
        try:
            version = activate_policy_version(version=versions[0], actor=Actor.for_request(request))
        except DomainError as exc:
            self.message_user(request, f"{versions[0]}: {exc.message}", messages.ERROR)
            return
        self.message_user(
            request,
            f"{version} is in force; signed off by {version.approver_name}.",
            messages.SUCCESS,
        )

    @admin.action(description="Copy into a new draft", permissions=["change"])
    def copy_into_new_draft(self, request: HttpRequest, queryset: QuerySet[PolicyVersion]) -> None:
        for version in queryset.select_related("policy"):
            try:
                draft = copy_to_draft(version=version, actor=Actor.for_request(request))
            except DomainError as exc:
                self.message_user(request, f"{version}: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request, f"{draft} created from v{version.number}.", messages.SUCCESS
                )


class VersionFilter(admin.SimpleListFilter):
    """Like the default FK filter, in one query (version names include their policy's)."""

    title = "policy version"
    parameter_name = "version"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(v.pk), str(v)) for v in PolicyVersion.objects.select_related("policy")]

    def queryset(self, request: Any, queryset: QuerySet[SeverityLevel]) -> QuerySet[SeverityLevel]:
        value = self.value()
        if value:
            return queryset.filter(version__pk=value)
        return queryset


@admin.register(SeverityLevel)
class SeverityLevelAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "rank",
        "version",
        "ack_target",
        "resolve_target",
        "update_cadence",
        "postmortem_due",
    )
    list_filter = ("version__status", VersionFilter)
    list_select_related = ("version__policy",)
    search_fields = ("code", "name")
    inlines = (CommsRequirementInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("version",) if obj is not None else ()

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if db_field.name == "version":
            kwargs["queryset"] = PolicyVersion.objects.filter(status=PolicyStatus.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "public", "owner")
    list_filter = ("public",)
    list_select_related = ("owner",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

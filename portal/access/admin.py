"""API tokens in the admin: list, revoke, and create (the key is shown once)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from portal.access import lockouts_admin  # noqa: F401 - registers the lockout admin
from portal.access.models import ApiToken
from portal.access.tokens import create_api_token, revoke_api_token
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Where it is used, e.g. “Grafana dashboard”.")
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), help_text="It acts as this user."
    )
    read_only = forms.BooleanField(
        required=False, help_text="For auditors and dashboards: no writes."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are never edited: only the SHA-256 of a key is stored, and it is never shown."""

    list_display = (
        "name",
        "user",
        "prefix",
        "read_only",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("read_only", ("revoked_at", admin.EmptyFieldListFilter))
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    fields = readonly_fields = (
        "name",
        "user",
        "prefix",
        "read_only",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    actions = ("revoke_selected",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Revoke instead: the record of a token stays."""
        return False

    @admin.action(description="Revoke selected tokens", permissions=["add"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = Actor.for_request(request)
        names = [revoke_api_token(token=token, actor=actor).name for token in queryset]
        self.message_user(request, f"Revoked: {', '.join(names)}.", messages.SUCCESS)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Create through `create_api_token`; the clear key appears on this page only."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ApiTokenCreateForm(request.POST if request.method == "POST" else None)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Create API token",
            "form": form,
        }
        if form.is_bound and form.is_valid():
            try:
                token, key = create_api_token(
                    user=form.cleaned_data["user"],
                    name=form.cleaned_data["name"],
                    read_only=form.cleaned_data["read_only"],
                    actor=Actor.for_request(request),
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                context.update(title="API token created", token=token, key=key)
                response = TemplateResponse(request, "admin/portal/apitoken/created.html", context)
                response["Cache-Control"] = "no-store"
                return response
        return TemplateResponse(request, "admin/portal/apitoken/add.html", context)

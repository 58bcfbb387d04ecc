"""Admin: "My contact methods", a person's own methods and notification rules (issue 23).

Reachable from the user menu (portal/templates/admin/base_site.html) and from the
operations board when no phone would ring. Every write goes through
`incidents.oncall.contacts` (verification codes, the audit).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from incidents.oncall import contacts
from incidents.oncall.choices import ContactKind
from incidents.oncall.models import ContactMethod, NotificationRule
from portal.access.responders import find_user
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError


@admin.register(ContactMethod)
class ContactMethodAdmin(admin.ModelAdmin):
    """ "My contact methods": the viewer's own methods and rules (founders: `?user=NAME`),
    every write through `incidents.oncall.contacts` (verification codes, audit)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Everyone signed in to the admin manages their own phone.
        return bool(request.user.is_active and request.user.is_staff)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        actor = Actor.for_user(request.user)
        person: Any = request.user
        if request.GET.get("user"):
            try:
                person = find_user(request.GET["user"])
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect(request.path)
            if not contacts.may_manage(actor, person):
                raise PermissionDenied
        if request.method == "POST":
            try:
                done = self._act(request, actor, person)
            except DomainError as exc:
                messages.error(request, f"{exc.field}: {exc.message}" if exc.field else exc.message)
            else:
                messages.success(request, done)
            return redirect(request.get_full_path())
        methods = list(ContactMethod.objects.filter(user=person).order_by("pk"))
        minutes: dict[int, list[str]] = {}
        for rule in NotificationRule.objects.filter(user=person).order_by("delay_minutes"):
            minutes.setdefault(rule.contact_method_id, []).append(str(rule.delay_minutes))
        for method in methods:
            method.rule_minutes = ",".join(minutes.get(method.pk, []))  # type: ignore[attr-defined]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "My contact methods"
            if person == request.user
            else f"Contact methods of {person}",
            "person": person,
            "mine": person == request.user,
            "methods": methods,
            "kinds": ContactKind.choices,
            "how": contacts.how_pages_reach(person),
        }
        return TemplateResponse(request, "admin/oncall/contactmethod/mine.html", context)

    def _act(self, request: HttpRequest, actor: Actor, person: Any) -> str:
        op = request.POST.get("op", "")
        if op == "add":
            method = contacts.add_contact_method(
                actor=actor,
                user=person,
                kind=request.POST.get("kind", ""),
                address=request.POST.get("address", ""),
                label=request.POST.get("label", ""),
            )
            return f"Added {method}: a code was sent to it; enter it here."
        if op == "rules":
            pairs = []
            for method in ContactMethod.objects.filter(user=person, verified_at__isnull=False):
                for value in request.POST.get(f"rule_{method.pk}", "").split(","):
                    if value.strip():
                        if not value.strip().isdigit():
                            raise DomainError(
                                f"{value!r} is not a number of minutes.", field="rules"
                            )
                        pairs.append((method, int(value)))
            contacts.set_notification_rules(actor=actor, user=person, rules=pairs)
            return f"Rules saved. Pages reach {person}: {contacts.how_pages_reach(person)}"
        found = ContactMethod.objects.filter(
            user=person, pk=request.POST.get("method") or 0
        ).first()
        if found is None:
            raise DomainError("No such contact method.", field="method")
        method = found
        if op == "verify":
            contacts.verify_contact_method(
                actor=actor, method=method, code=request.POST.get("code", "")
            )
            return f"Verified {method}."
        if op == "resend":
            contacts.resend_code(actor=actor, method=method)
            return f"A new code was sent to {method}."
        if op == "test":
            contacts.send_test_page(actor=actor, method=method)
            return f"Test page sent to {method}."
        if op in ("enable", "disable"):
            contacts.set_contact_method_enabled(actor=actor, method=method, enabled=op == "enable")
            return f"{method}: {op}d."
        if op == "remove":
            contacts.remove_contact_method(actor=actor, method=method)
            return f"Removed {method}."
        raise DomainError("Unknown action.", field="op")

"""The incident admin's declare page (with its severity suggestion) and the
"add responder" page that the declare and assign-roles forms link to.

Mixed into `IncidentAdmin` through `IncidentFlowViews`; a `DomainError` from the
service is shown on the field it names.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from incidents import services
from incidents.admin.transitions import ACTION_TEMPLATE, page_context
from incidents.classification import FACT_FIELDS, IncidentFacts, suggest_severity
from incidents.forms import (
    AddResponderForm,
    DeclareIncidentForm,
    MakeResponderForm,
    add_domain_error,
)
from incidents.models import PolicyVersion
from incidents.selectors import active_policy_version
from portal.access.responders import add_responder, make_responder, not_yet_responders
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError

DECLARE_TEMPLATE = "admin/incidents/incident/declare.html"


class IncidentDeclareViews(admin.ModelAdmin):
    """Declare an incident; add a responder to give it to."""

    def can_declare(self, request: HttpRequest) -> bool:
        return request.user.has_perm("incidents.add_incident")

    def declare_view(self, request: HttpRequest) -> HttpResponse:
        """The declare form. “Suggest severity” re-renders it with the suggestion and its reasons."""
        if not self.can_declare(request):
            raise PermissionDenied
        try:
            version: PolicyVersion | None = active_policy_version()
        except DomainError as exc:
            version = None
            messages.error(request, exc.message)
        form = DeclareIncidentForm(
            request.POST if request.method == "POST" else None, version=version
        )
        suggestion = None
        if form.is_bound:
            valid = form.is_valid()
            data = form.cleaned_data
            if version is not None and all(name in data for name in FACT_FIELDS):
                suggestion = suggest_severity(
                    version,
                    IncidentFacts(
                        customers_affected_pct=data["customers_affected_pct"],
                        critical_flow_broken=data["critical_flow_broken"],
                        production_outage=data["production_outage"],
                        data_loss=data["data_loss"],
                        customer_facing=data["customer_facing"],
                    ),
                )
            if "_suggest" in request.POST:
                # Show the suggestion on a fresh form (no "required" noise); the person decides.
                initial = {**data, "title": request.POST.get("title", "")}
                if (
                    not initial.get("severity")
                    and suggestion is not None
                    and suggestion.level is not None
                ):
                    initial["severity"] = suggestion.level.code
                form = DeclareIncidentForm(initial=initial, version=version)
            elif valid:
                response = self._declare(request, form, suggestion)
                if response is not None:
                    return response
        context = page_context(
            self,
            request,
            "Declare incident",
            form=form,
            suggestion=suggestion,
            version=version,
            levels=list(version.levels.order_by("rank")) if version is not None else [],
        )
        return TemplateResponse(request, DECLARE_TEMPLATE, context)

    def _declare(
        self, request: HttpRequest, form: DeclareIncidentForm, suggestion: Any
    ) -> HttpResponse | None:
        data = form.cleaned_data
        try:
            incident = services.declare_incident(
                actor=Actor.for_request(request),
                title=data["title"],
                severity=data["severity"],
                summary=data["summary"],
                what_is_broken=data["what_is_broken"],
                customer_impact=data["customer_impact"],
                environment=data["environment"],
                detection_source=data["detection_source"],
                services=data["services"],
                customers_affected_pct=data["customers_affected_pct"],
                critical_flow_broken=data["critical_flow_broken"],
                production_outage=data["production_outage"],
                data_loss=data["data_loss"],
                customer_facing=data["customer_facing"],
                commander=data["commander"],
                is_drill=data["is_drill"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            return None
        self.message_user(
            request, f"{incident.ref} declared as {incident.severity.code}.", messages.SUCCESS
        )
        if (
            suggestion is not None
            and suggestion.level is not None
            and suggestion.level.pk != incident.severity_id
        ):
            self.message_user(
                request,
                f"The facts suggest {suggestion.level.code}: "
                + "; ".join(suggestion.reasons)
                + " Use “Change severity” if they are right.",
                messages.WARNING,
            )
        return HttpResponseRedirect(reverse("admin:incidents_incident_change", args=[incident.pk]))

    def add_responder_view(self, request: HttpRequest) -> HttpResponse:
        """Create a staff user in Responders and, when email is set up, invite them."""
        if not request.user.has_perm("auth.add_user"):
            raise PermissionDenied
        form = AddResponderForm(request.POST if request.method == "POST" else None)
        existing = None
        if form.is_bound and form.is_valid():
            username = form.cleaned_data["username"]
            try:
                result = add_responder(actor=Actor.for_request(request), **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
                if exc.code == "exists" and request.user.has_perm("auth.change_user"):
                    # The way forward (issue 25): the account is there, make it a responder.
                    existing = not_yet_responders().filter(username__iexact=username).first()
            else:
                note = (
                    f" An invitation to set a password went to {result.user.email}."
                    if result.invited
                    else " Email is not configured: give them this link to set a password: "
                    + result.invitation_url
                )
                self.message_user(
                    request,
                    f"{result.user.get_username()} added to Responders.{note}",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(_next_url(request))
        context = page_context(
            self,
            request,
            "Add responder",
            form=form,
            submit_label="Add responder",
            change_url=request.GET.get("next") or reverse("admin:index"),
            existing_user=existing,
            make_responder_url=_make_responder_url(request),
        )
        return TemplateResponse(request, ACTION_TEMPLATE, context)

    def make_responder_view(self, request: HttpRequest) -> HttpResponse:
        """POST only: make an account made elsewhere (Users → Add) a responder, then back
        to where it was asked for (the role picker, a refused "Add responder")."""
        if not request.user.has_perm("auth.change_user"):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(_next_url(request))
        form = MakeResponderForm(request.POST)
        if not form.is_valid():
            self.message_user(
                request, "Pick an active account that is not a responder yet.", messages.ERROR
            )
            return HttpResponseRedirect(_next_url(request))
        try:
            user = make_responder(actor=Actor.for_request(request), user=form.cleaned_data["user"])
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(
                request,
                f"{user.get_username()} is a responder: every role picker offers them now.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(_next_url(request))


def _next_url(request: HttpRequest) -> str:
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return reverse("admin:index")
    return target


def _make_responder_url(request: HttpRequest) -> str:
    """The make-responder view, coming back to `next` (or to this page)."""
    url = reverse("admin:incidents_incident_make_responder")
    return f"{url}?{urlencode({'next': request.GET.get('next') or request.path})}"

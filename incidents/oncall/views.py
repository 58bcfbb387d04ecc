"""Public doors without login: the one-click acknowledge page, the contact-method
verification link and the iCal feed."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from incidents.choices import OPEN_STATUSES
from incidents.oncall import contacts, personal
from incidents.oncall.ical import schedule_ics
from incidents.oncall.models import Schedule
from incidents.oncall.services import acknowledge_by_link, page_for_token
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError


# The signed, single-use token in the URL is the credential: a push notification's
# "Acknowledge" button POSTs it without a browser session, hence no CSRF check.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def acknowledge(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what will be acknowledged and a button (mail scanners follow GETs);
    POST acknowledges as the paged person. The link is signed, expires and works once."""
    try:
        page = (
            acknowledge_by_link(token=token) if request.method == "POST" else page_for_token(token)
        )
    except DomainError as exc:
        status = 404 if exc.code == "not_found" else 410
        return render(request, "oncall/ack.html", {"error": exc.message}, status=status)
    done = request.method == "POST"
    incident = page.incident
    return render(
        request,
        "oncall/ack.html",
        {
            "page": page,
            "incident": incident,
            "done": done,
            "open": incident.status in OPEN_STATUSES,
            "incident_url": reverse("admin:incidents_incident_change", args=[incident.pk]),
            "has_password": page.user.has_usable_password(),
        },
    )


# Like the acknowledge link, the signed token is the credential: the message that
# carried it reached the method, which is what verifying proves.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def verify_contact(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows which method the link confirms and a button (chat previews and mail
    scanners fetch links); POST verifies it."""
    try:
        if request.method == "POST":
            method, now = contacts.verify_by_link(token)
        else:
            method, now = contacts.method_for_link(token), False
    except DomainError as exc:
        status = 404 if exc.code == "not_found" else 400
        return render(request, "oncall/verify_contact.html", {"error": exc.message}, status=status)
    return render(
        request,
        "oncall/verify_contact.html",
        {
            "method": method,
            "done": request.method == "POST",
            "just_now": now,
            "plan": contacts.how_pages_reach(method.user),
        },
    )


def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    schedule = get_object_or_404(Schedule, ical_token=token)
    if not token:
        raise Http404
    now = timezone.now()
    body = schedule_ics(
        schedule, now - datetime.timedelta(days=7), now + datetime.timedelta(days=60)
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="oncall-{schedule.pk}.ics"'
    return response


@login_required
@require_http_methods(["POST"])
def page_me(request: HttpRequest) -> HttpResponse:
    """ "Page me now" on the operations board: a test page through the viewer's own methods."""
    used = personal.page_me(actor=Actor.for_user(request.user), user=request.user)
    if used:
        messages.success(request, "Test page sent: " + ", ".join(used) + ".")
    else:
        messages.error(
            request, "Nothing to page: you have no verified contact method and no e-mail."
        )
    return redirect("admin:index")

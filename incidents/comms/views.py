"""Public status pages: no login, only what `status_page` lets out."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.comms import statuspage_v2, subscriptions
from incidents.comms.forms import SubscribeForm
from incidents.comms.rendered_pages import rendered_cache
from incidents.comms.status_page import public_incident, status_snapshot
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError


def _page_context(**extra: Any) -> dict[str, Any]:
    return {"portal_name": settings.PORTAL_NAME, **extra}


@rendered_cache
@require_GET
def status(request: HttpRequest) -> HttpResponse:
    return render(
        request, "comms/status.html", _page_context(snap=status_snapshot(), form=SubscribeForm())
    )


@rendered_cache
@require_GET
def incident_page(request: HttpRequest, ref: str) -> HttpResponse:
    incident = public_incident(ref)
    if incident is None:
        raise Http404("No such incident.")
    return render(request, "comms/incident.html", _page_context(incident=incident))


def _json(data: dict[str, Any]) -> JsonResponse:
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"  # Public data, read by widgets and products.
    return response


@rendered_cache
@require_GET
def summary_json(request: HttpRequest) -> JsonResponse:
    """Statuspage v2's `summary.json` plus `banner` (the in-product banner)."""
    banner = statuspage_v2.documents()["banner"]
    return _json(
        {
            **statuspage_v2.summary(),
            "banner": None
            if banner is None
            else {
                "text": banner["text"],
                "incident": banner["incident"],
                "updated_at": statuspage_v2.iso(banner["updated_at"]),
            },
        }
    )


@rendered_cache
@require_GET
def statuspage_api(request: HttpRequest, name: str) -> JsonResponse:
    """`/status/api/v2/<name>` in Statuspage's documented shape (statuspage_v2)."""
    return _json(statuspage_v2.document(name))


SUBSCRIBE_WINDOW_SECONDS = 3600


def _client_over_limit(request: HttpRequest) -> bool:
    """Count this client's subscription requests per hour (shared cache); True past the limit.

    Each address gets at most one confirmation mail a day already (the service); this
    stops one client from mailing many addresses.
    """
    limit = settings.SUBSCRIBE_PER_CLIENT_PER_HOUR
    client = hashlib.sha256(request.META.get("REMOTE_ADDR", "").encode()).hexdigest()[:32]
    key = f"comms:subscribe:{client}"
    cache = caches["throttle"]
    cache.add(key, 0, SUBSCRIBE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, SUBSCRIBE_WINDOW_SECONDS)
        count = 1
    return count > limit


# No CSRF token: the status page is one cached rendering for everyone, so it cannot
# carry a per-visitor token. A forged subscription only sends a confirmation mail
# (at most one per address a day), which anyone can ask for directly; per-client
# throttling below still applies.
@csrf_exempt
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    if _client_over_limit(request):
        response = render(
            request,
            "comms/message.html",
            _page_context(
                heading="Too many requests",
                text="Too many subscription requests from your network; try again in an hour.",
            ),
            status=429,
        )
        response["Retry-After"] = str(SUBSCRIBE_WINDOW_SECONDS)
        return response
    form = SubscribeForm(request.POST)
    if form.is_valid():
        try:
            subscriptions.subscribe(
                email=form.cleaned_data["email"], actor=Actor.system("status page")
            )
        except DomainError as exc:
            form.add_error("email", exc.message)
    if not form.is_valid():
        context = _page_context(snap=status_snapshot(), form=form)
        return render(request, "comms/status.html", context, status=400)
    # The same answer whether or not the address was known.
    return render(
        request,
        "comms/message.html",
        _page_context(
            heading="Check your inbox",
            text="If this address is not subscribed yet, we sent it a link to confirm the subscription.",
        ),
    )


@require_http_methods(["GET", "POST"])
def subscribe_confirm(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        # Only a click confirms: mail scanners follow links (GET) but do not submit forms.
        return render(request, "comms/subscribe_confirm.html", _page_context())
    try:
        subscriptions.confirm_subscription(token=token, actor=Actor.system("status page"))
    except DomainError as exc:
        return render(
            request,
            "comms/message.html",
            _page_context(heading="Link not valid", text=exc.message),
            status=400,
        )
    return render(
        request,
        "comms/message.html",
        _page_context(
            heading="Subscribed",
            text="You will get an email when we post an update on the status page.",
        ),
    )


# No CSRF token: mail providers POST "List-Unsubscribe=One-Click" here without cookies
# (RFC 8058 §3.2); the signed token in the URL is the authorisation.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        # A click confirms, so that mail scanners following links do not unsubscribe anyone.
        return render(request, "comms/unsubscribe.html", _page_context())
    try:
        subscriptions.unsubscribe(token=token, actor=Actor.system("status page"))
    except DomainError as exc:
        return render(
            request,
            "comms/message.html",
            _page_context(heading="Link not valid", text=exc.message),
            status=400,
        )
    return render(
        request,
        "comms/message.html",
        _page_context(
            heading="Unsubscribed",
            text="You will not get status emails any more.",
        ),
    )

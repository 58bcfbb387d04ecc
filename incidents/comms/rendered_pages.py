"""The public pages served from a rendered cache, for the rush an outage brings.

`RenderedPageCache` is a middleware placed before sessions, CSRF and auth (settings
MIDDLEWARE): a GET or HEAD under `/status/` whose rendering is cached is answered from
the `status` cache alone, with no database query and none of the inner middleware. A
view opts in with `@rendered_cache`; on a miss its response (status 200, no cookie,
not varying on the cookie) is stored under the page cache's generation, which every
publication bumps (`page_cache.invalidate`, again after the commit), so the next
request renders the new content. Entries also expire after STATUS_PAGE_CACHE_SECONDS,
for what no hook announces (a renamed service, the day's history bar).

Pages are rendered again by one process at a time (one claim for all of them): while it
renders (after an expiry or a publication), the others answer the last rendered copy of
the page they are asked for, as a CDN does with stale-while-revalidate, instead of all
rendering the same page at once. Without this, every expiry under a rush had every
worker render it (35 ms of CPU for `/status/` on an idle machine, more under the rush)
while the requests queued: p99 went from ~20–35 ms to 74–102 ms for that second, and
32–36 ms with it (wrk, 64 connections, 1-s windows on bench/status_rush.py's server).
A last copy is kept for STATUS_PAGE_CACHE_SECONDS + STATUS_PAGE_STALE_SECONDS; a page
without one (the first request, an unknown incident) is always rendered.

Every answer carries `Cache-Control: public, max-age=STATUS_PAGE_MAX_AGE,
stale-while-revalidate=STATUS_PAGE_STALE_SECONDS`, a strong `ETag` (the body's hash) and
`Last-Modified` (when it was rendered), and a conditional request
(`If-None-Match`, else `If-Modified-Since`) gets `304 Not Modified`, so a CDN or proxy
in front absorbs the rush.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.urls import reverse
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from incidents.comms import page_cache

Handler = Callable[[HttpRequest], HttpResponseBase]
MARK = "_rendered_cache"
# Hop-by-hop or per-response headers that a stored copy must not replay.
NOT_STORED = {"set-cookie", "content-length", "date", "connection"}


def rendered_cache(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Let `RenderedPageCache` store this view's answers (public, same for everyone)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        setattr(response, MARK, True)
        return response

    return wrapper


def cache_control() -> str:
    return (
        f"public, max-age={settings.STATUS_PAGE_MAX_AGE}, "
        f"stale-while-revalidate={settings.STATUS_PAGE_STALE_SECONDS}"
    )


def _not_modified(request: HttpRequest, etag: str, last_modified: float) -> bool:
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        tags = parse_etags(if_none_match)
        return "*" in tags or etag in tags or f"W/{etag}" in tags
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return since is not None and int(last_modified) <= since


def _answer(request: HttpRequest, entry: dict[str, Any]) -> HttpResponse:
    if _not_modified(request, entry["etag"], entry["last_modified"]):
        response: HttpResponse = HttpResponseNotModified()
        for name in ("ETag", "Last-Modified", "Cache-Control", "Vary"):
            if name in entry["headers"]:
                response[name] = entry["headers"][name]
        return response
    response = HttpResponse(
        b"" if request.method == "HEAD" else entry["body"], status=entry["status"]
    )
    for name, value in entry["headers"].items():
        response[name] = value
    response["Content-Length"] = str(len(entry["body"]))
    return response


def _storable(response: HttpResponseBase) -> bool:
    vary = response.get("Vary", "").lower()
    return (
        getattr(response, MARK, False)
        and response.status_code == 200
        and not response.cookies
        and "cookie" not in vary
    )


class RenderedPageCache:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.prefix: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if self.prefix is None:
            self.prefix = reverse("comms:status")
        if request.method not in ("GET", "HEAD") or not request.path.startswith(self.prefix):
            return self.get_response(request)
        key = f"page:{request.path}"
        entry = page_cache.get(key)
        if entry is not None:
            return _answer(request, entry)
        token = None
        if (last := page_cache.last(key)) is not None:
            # One process renders again; the others answer the last copy meanwhile.
            token = page_cache.claim_rendering()
            if token is None:
                return _answer(request, last)
        try:
            # The process that rendered it may have just released the right to render.
            if token is not None and (entry := page_cache.get(key)) is not None:
                return _answer(request, entry)
            return self._render(request, key)
        finally:
            if token is not None:
                page_cache.release_rendering(token)

    def _render(self, request: HttpRequest, key: str) -> HttpResponseBase:
        generation = page_cache.generation()
        response = self.get_response(request)
        # Not a streaming response: its body is read once, by the client.
        if not isinstance(response, HttpResponse) or not _storable(response):
            return response
        body = response.content
        now = time.time()
        response["ETag"] = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
        response["Last-Modified"] = http_date(now)
        response["Cache-Control"] = cache_control()
        entry = {
            "status": response.status_code,
            "headers": {k: v for k, v in response.items() if k.lower() not in NOT_STORED},
            "body": body,
            "etag": response["ETag"],
            "last_modified": now,
        }
        # Stored under the generation read before rendering: a publication during the
        # rendering bumps it, so this possibly stale copy is never read.
        page_cache.set(key, entry, generation=generation)
        page_cache.keep_last(key, entry)
        return _answer(request, entry)

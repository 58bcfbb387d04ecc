"""`GET /metrics`: the pager's state in Prometheus text format, for a second system to watch.

Read from the rows that know at scrape time (a custom collector of the official
`prometheus_client`), not from counters in one process: the web tier, the workers and
the engine are separate processes, any number of each, and every one of them would
otherwise hold a different part of the truth. A scrape costs a fixed handful of grouped
queries whatever the history.

Who may scrape: a request carrying `Authorization: Bearer <METRICS_TOKEN>`, or one from
an address in `METRICS_ALLOWED_IPS` (default: this machine only). Everyone else gets 403.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from incidents.integrations.models import Alert
from incidents.models import Incident
from incidents.oncall.models import Page
from portal.notifications.models import OutboxMessage
from portal.project.heartbeats import LOOPS, engine_state
from portal.project.pager_watch import due_lag


class PortalCollector(Collector):
    """Every metric the portal exports; `docs/monitoring/` holds rules and a dashboard."""

    def collect(self) -> Iterator[Metric]:
        yield from self._alerts()
        yield from self._incidents()
        yield from self._pages()
        yield from self._notifications()
        yield from self._engine()

    def _alerts(self) -> Iterator[Metric]:
        received = CounterMetricFamily(
            "portal_alerts_received",
            "Alert events received (every trigger, repeats counted), per source kind.",
            labels=["source"],
        )
        alerts = GaugeMetricFamily(
            "portal_alerts",
            "Alerts stored, per source kind and whether their incident is declared yet.",
            labels=["source", "opened"],
        )
        rows = (
            Alert.objects.values("integration__kind", "opening")
            .annotate(n=Count("id"), received=Sum("count"))
            .order_by()
        )
        per_source: dict[str, float] = {}
        for row in rows:
            kind = row["integration__kind"] or ""
            per_source[kind] = per_source.get(kind, 0) + float(row["received"] or 0)
            alerts.add_metric([kind, "false" if row["opening"] else "true"], row["n"])
        for kind, n in sorted(per_source.items()):
            received.add_metric([kind], n)
        yield received
        yield alerts

    def _incidents(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "portal_incidents",
            "Incidents per status and severity (drills apart).",
            labels=["status", "severity", "drill"],
        )
        rows = (
            Incident.objects.values("status", "severity__code", "is_drill")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            drill = "true" if row["is_drill"] else "false"
            family.add_metric([row["status"], row["severity__code"], drill], row["n"])
        yield family

    def _pages(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "portal_pages",
            "Pages (a person paged for an incident), acknowledged or not.",
            labels=["acknowledged"],
        )
        counts = Page.objects.aggregate(
            total=Count("id"), acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False))
        )
        family.add_metric(["true"], counts["acknowledged"])
        family.add_metric(["false"], counts["total"] - counts["acknowledged"])
        yield family

    def _notifications(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "portal_notifications",
            "Outbox messages per provider, status (pending, sent, failed…) and what the "
            "carrier last said (delivered, undelivered…; empty when it reports nothing).",
            labels=["provider", "status", "delivery"],
        )
        depth = GaugeMetricFamily(
            "portal_outbox_depth", "Outbox messages waiting to be sent (pending or sending)."
        )
        rows = (
            OutboxMessage.objects.values(
                "provider_kind", "channel__kind", "status", "delivery_state"
            )
            .annotate(n=Count("id"))
            .order_by()
        )
        waiting = 0
        merged: dict[tuple[str, str, str], int] = {}
        for row in rows:
            provider = row["provider_kind"] or row["channel__kind"] or "email"
            key = (provider, row["status"], row["delivery_state"] or "")
            merged[key] = merged.get(key, 0) + row["n"]
            if row["status"] in ("pending", "sending"):
                waiting += row["n"]
        for key, n in sorted(merged.items()):
            family.add_metric(list(key), n)
        depth.add_metric([], waiting)
        yield family
        yield depth

    def _engine(self) -> Iterator[Metric]:
        silent = GaugeMetricFamily(
            "portal_engine_loop_silent_seconds",
            "Seconds since each engine loop's last cycle (+Inf: never seen).",
            labels=["loop"],
        )
        state = engine_state()
        for loop in LOOPS:
            value = state.silent_for.get(loop)
            silent.add_metric([loop], float("inf") if value is None else value)
        up = GaugeMetricFamily(
            "portal_engine_up", "1 when every engine loop beat within ENGINE_STALE_SECONDS."
        )
        up.add_metric([], 1.0 if state.ok else 0.0)
        lag = GaugeMetricFamily(
            "portal_pager_due_lag_seconds",
            "Age of the oldest due item per kind (0: nothing due): opening, escalation, "
            "personal, delivery.",
            labels=["kind"],
        )
        for kind, seconds in due_lag().seconds.items():
            lag.add_metric([kind], seconds or 0.0)
        yield silent
        yield up
        yield lag


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").strip(), token)
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponse(
            "metrics: send Authorization: Bearer <METRICS_TOKEN>, or scrape from an "
            "address in METRICS_ALLOWED_IPS.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PortalCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)

"""Benchmark: how fast a page reaches its channel, with the paging engine running.

1. Alert received → first page handed to the channel: 200 PagerDuty-format triggers
   with new dedup keys (each opens a SEV-1 under the founder-24x7 preset, whose first
   step pages the founder in #alerts at once), one every 50 ms. "Handed to the channel"
   is when the channel's HTTP endpoint (a local JSON-webhook stand-in on 127.0.0.1,
   apprise `json://`) receives the message.
2. Alert received → SMS handed to the provider (issue 23): the same 200 alerts; the
   founder has a verified SMS contact method (rule at 0 min), so each page also texts
   their phone through the `phone_sms` provider and the official `twilio` library;
   "handed to the provider" is when Twilio's stand-in (tests/notifications/standins,
   built from Twilio's Message resource reference) receives `Messages.json`. The
   per-phone limit is lifted for the run (PHONE_MAX_PER_MINUTE): one phone gets 200.
3. Escalation step due → page handed over: 200 escalation steps falling due over 10 s.

The engine (`portal.project.engine.Engine`, two loops, ENGINE_INTERVAL_SECONDS) runs in
this process, as `manage.py engine` does. Reports p50/p99/max.

    .venv/bin/python bench/paging_latency.py                # SQLite file var/bench_paging.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/paging_latency.py
        # creates and drops the database `portal_bench_paging` on that server

Writes bench/results/paging_latency-<sqlite|postgresql>.md.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ALERTS = int(os.environ.get("BENCH_ALERTS", "200"))
DB_NAME = "portal_bench_paging"
REF = re.compile(r"(INC-\d{8}-\d+|BENCH-\d+)")
RECEIVED: dict[str, float] = {}  # incident ref -> first arrival (epoch seconds)


class Hook(BaseHTTPRequestHandler):
    """apprise json:// posts {"version", "title", "message", "type"}; we note arrival."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        now = time.time()
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        match = REF.search(body.get("title", ""))
        if match:
            RECEIVED.setdefault(match.group(1), now)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Say nothing: a request line per call would bury the test's own output."""


def prepare_database() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(url)
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
            conn.execute(f"CREATE DATABASE {DB_NAME}")
        return urlunsplit(parts._replace(path=f"/{DB_NAME}")), "postgresql"
    path = ROOT / "var" / "bench_paging.sqlite3"
    path.parent.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}", "sqlite"


def drop_database(url: str) -> None:
    from django.db import connections

    connections.close_all()
    if url.startswith("postgres"):
        import psycopg

        admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values) * 1000:.0f} ms, p99 {pct(values, 0.99) * 1000:.0f} ms, "
        f"max {max(values) * 1000:.0f} ms (n={len(values)})"
    )


def main() -> None:
    url, label = prepare_database()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Measured with DEBUG on since the first figures (the settings' default then).
    os.environ.setdefault("DEBUG", "1")
    # One phone receives every page of the run: no per-phone limit (see the docstring).
    os.environ["PHONE_MAX_PER_MINUTE"] = "100000"
    import django

    django.setup()
    from django.conf import settings

    from tests.notifications.standins import twilio_standin

    twilio = twilio_standin.RunningTwilio()
    settings.TWILIO_ACCOUNT_SID = twilio_standin.ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = twilio_standin.AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = twilio_standin.FROM_NUMBER
    settings.TWILIO_API_URL = twilio.url
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)  # as `make setup` does
        founder = get_user_model().objects.create_superuser("founder", "f@example.com", "x")
        from incidents.integrations.formats import AlertEvent
        from incidents.integrations.ingestion import trigger_alert
        from incidents.integrations.models import Alert
        from incidents.integrations.services import create_integration
        from incidents.models import Incident
        from incidents.oncall.models import (
            Escalation,
            EscalationPolicy,
            EscalationStep,
        )
        from incidents.policies import load_preset
        from portal.kernel.actors import Actor
        from portal.notifications.channels import update_channel
        from portal.notifications.models import NotificationChannel
        from portal.project.engine import Engine

        actor = Actor.system("bench")
        load_preset("founder-24x7", actor=actor)
        port = server.server_address[1]
        update_channel(
            name="#alerts", target=f"json://127.0.0.1:{port}/hook", enabled=True, actor=actor
        )
        integration = create_integration(
            actor=actor, name="bench", kind="pagerduty", default_severity="SEV-1"
        )
        from incidents.oncall.models import ContactMethod, NotificationRule

        phone = ContactMethod.objects.create(
            user=founder, kind="sms", address="+15550001000", verified_at=timezone.now()
        )
        NotificationRule.objects.create(user=founder, contact_method=phone, delay_minutes=0)
        engine = Engine().start()
        # 1. Alert received -> first page handed to the channel.
        # The incident is declared by the request (ALERT_OPENING=inline) or by the engine
        # woken at the commit (engine, the default): either way, from the alert's arrival.
        by_alert: dict[int, float] = {}
        for i in range(ALERTS):
            started = time.time()
            result = trigger_alert(
                key=integration.key,
                kind="pagerduty",
                event=AlertEvent(action="trigger", dedup_key=f"bench-{i}", summary=f"Alert {i}"),
            )
            if result is None or result.alert_id is None:
                raise RuntimeError(f"alert {i} was not stored")
            by_alert[result.alert_id] = started
            time.sleep(0.05)
        deadline = time.time() + 30
        while time.time() < deadline and Alert.objects.filter(opening=True).exists():
            time.sleep(0.05)
        incident_of = dict(Alert.objects.filter(pk__in=by_alert).values_list("pk", "incident_id"))
        sent = {incident_of[pk]: t for pk, t in by_alert.items() if incident_of[pk] is not None}
        if len(sent) < len(by_alert):
            raise RuntimeError("some alerts did not open an incident within 30 s")
        refs = dict(Incident.objects.filter(pk__in=sent).values_list("pk", "ref"))
        while time.time() < deadline and any(refs[pk] not in RECEIVED for pk in sent):
            time.sleep(0.2)
        first_page = [RECEIVED[refs[pk]] - t for pk, t in sent.items() if refs[pk] in RECEIVED]
        missing_first = len(sent) - len(first_page)
        texted: dict[str, float] = {}

        def _texts() -> int:
            for received in twilio.received:
                match = REF.search(received.text)
                if match and received.kind == "sms":
                    texted.setdefault(match.group(1), received.at.timestamp())
            return len(texted)

        while time.time() < deadline and _texts() < len(sent):
            time.sleep(0.2)
        first_sms = [texted[refs[pk]] - t for pk, t in sent.items() if refs[pk] in texted]
        missing_sms = len(sent) - len(first_sms)
        # 2. Escalation step due -> page handed over.
        template = Incident.objects.order_by("pk").first()
        assert template is not None
        policy = EscalationPolicy.objects.create(name="Bench escalation")
        channel = NotificationChannel.objects.get(name="#alerts")
        EscalationStep.objects.create(
            policy=policy, order=1, target_kind="user", user=founder, channel=channel
        )
        due0 = timezone.now() + datetime.timedelta(seconds=2)
        incidents = Incident.objects.bulk_create(
            [
                Incident(
                    ref=f"BENCH-{i:04d}",
                    title=f"Escalation {i}",
                    policy_version=template.policy_version,
                    severity=template.severity,
                    declared_at=due0,
                )
                for i in range(ALERTS)
            ]
        )
        due = {
            inc.ref: due0 + datetime.timedelta(seconds=10 * i / max(ALERTS - 1, 1))
            for i, inc in enumerate(incidents)
        }
        Escalation.objects.bulk_create(
            [
                Escalation(incident=inc, policy=policy, started_at=due0, next_step_at=due[inc.ref])
                for inc in Incident.objects.filter(ref__startswith="BENCH-")
            ]
        )
        deadline = time.time() + 40
        while time.time() < deadline and any(ref not in RECEIVED for ref in due):
            time.sleep(0.2)
        engine.stop()
        lags = [RECEIVED[ref] - d.timestamp() for ref, d in due.items() if ref in RECEIVED]
        missing_lag = len(due) - len(lags)
    finally:
        server.shutdown()
        twilio.stop()
        drop_database(url)
    lines = [
        f"# Paging latency ({label})",
        "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs. Engine interval "
        f"{os.environ.get('ENGINE_INTERVAL_SECONDS', '1.0')} s, in-process engine, "
        "json:// stand-in on 127.0.0.1.",
        "",
        f"- alert received → first page handed to the channel: {summary(first_page)}; "
        f"not delivered within 30 s: {missing_first}",
        f"- alert received → SMS handed to the provider (Twilio stand-in): "
        f"{summary(first_sms)}; not texted within 30 s: {missing_sms}",
        f"- escalation step due → page handed over: {summary(lags)}; "
        f"not delivered within 40 s: {missing_lag}",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    out = ROOT / "bench" / "results" / f"paging_latency-{label}.md"
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

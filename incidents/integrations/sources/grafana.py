"""Grafana Alerting's webhook contact point (payload `"version": "1"`), one event per alert.

Reference: https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
(the JSON body: `receiver`, `status`, `orgId`, `alerts[]` with `status` firing/resolved,
`labels`, `annotations`, `fingerprint`, `startsAt`/`endsAt`; `groupLabels`,
`commonLabels`, `externalURL`, `version` "1", `groupKey`, `truncatedAlerts`, `title`,
`state`, `message`). Alertmanager's grouping with Grafana's version: each alert is keyed
by its fingerprint, the group's `groupKey` travels with it for routing rules, and
`labels.severity` is the severity hint. The contact point's "Authorization header"
(scheme Bearer, credentials = the key) keeps the key out of URLs.
"""

from __future__ import annotations

from incidents.choices import DetectionSource
from incidents.integrations import formats
from incidents.integrations.formats import AlertEvent
from incidents.integrations.sources import AlertSource, WebhookRequest
from incidents.integrations.sources.alertmanager import parse_alert_group

KIND = "grafana"


def parse(request: WebhookRequest) -> list[AlertEvent]:
    message = formats.as_object(formats.decode_json(request.body))
    return parse_alert_group(
        message, version="1", sender="Grafana Alerting", default_summary="Grafana alert"
    )


SOURCE = AlertSource(
    kind=KIND,
    label="Grafana Alerting (webhook contact point)",
    detection_source=DetectionSource.MONITORING_ALERT,
    position=25,
    sender_setup=(
        "Grafana → Alerting → Contact points → Webhook: URL = the endpoint, HTTP method "
        "POST; or Authorization header scheme Bearer with credentials = the key."
    ),
    parse=parse,
    example={
        "receiver": "portal",
        "status": "firing",
        "orgId": 1,
        "alerts": [
            {
                "status": "firing",
                "labels": {
                    "alertname": "High memory usage",
                    "team": "blue",
                    "severity": "critical",
                },
                "annotations": {"summary": "This alert was triggered for zone us-1"},
                "startsAt": "2021-10-12T09:51:03.157076+02:00",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "https://grafana.example.com/alerting/1afz29v7z/edit",
                "fingerprint": "c6eadffa33fcdf37",
            }
        ],
        "groupLabels": {"alertname": "High memory usage"},
        "commonLabels": {"team": "blue"},
        "externalURL": "https://grafana.example.com/",
        "version": "1",
        "groupKey": '{}/{}:{alertname="High memory usage"}',
        "truncatedAlerts": 0,
        "title": "[FIRING:1] High memory usage (blue)",
        "state": "alerting",
    },
)

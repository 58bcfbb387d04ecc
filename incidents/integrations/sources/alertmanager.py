"""Prometheus Alertmanager's webhook receiver (webhook version 4), one event per alert.

Reference: https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
(the JSON body: `version` "4", `groupKey`, `status`, `alerts[]` with `status`
firing/resolved, `labels`, `annotations`, `fingerprint`). Each alert is keyed by its
fingerprint; `labels.severity` is the severity hint.
"""

from __future__ import annotations

from typing import Any

from incidents.choices import DetectionSource
from incidents.integrations import formats
from incidents.integrations.choices import AlertAction
from incidents.integrations.formats import AlertEvent, PayloadError
from incidents.integrations.sources import AlertSource, WebhookRequest

KIND = "alertmanager"


def parse_alert_group(
    message: dict[str, Any], *, version: str, sender: str, default_summary: str
) -> list[AlertEvent]:
    """The alert group both Alertmanager and Grafana Alerting post (they differ in `version`)."""
    errors: list[str] = []
    if message.get("version") != version:
        errors.append(f'version: only {sender} webhook version "{version}" is supported')
    alerts = message.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError([*errors, "alerts is missing or not a list"])
    events: list[AlertEvent] = []
    for index, alert in enumerate(alerts):
        if not isinstance(alert, dict):
            errors.append(f"alerts[{index}] must be an object")
            continue
        status = alert.get("status")
        fingerprint = formats.clean_text(alert.get("fingerprint"))
        if status not in ("firing", "resolved"):
            errors.append(f"alerts[{index}].status must be firing or resolved")
        if not fingerprint:
            errors.append(f"alerts[{index}].fingerprint is missing")
        labels = formats.mapping(alert.get("labels"))
        annotations = formats.mapping(alert.get("annotations"))
        summary = (
            formats.clean_text(annotations.get("summary"))
            or formats.clean_text(annotations.get("description"))
            or formats.clean_text(labels.get("alertname"))
            or default_summary
        )
        document = {
            **alert,
            "groupKey": message.get("groupKey"),
            "groupLabels": message.get("groupLabels"),
            "commonLabels": message.get("commonLabels"),
            "receiver": message.get("receiver"),
        }
        events.append(
            AlertEvent(
                action=AlertAction.TRIGGER if status == "firing" else AlertAction.RESOLVE,
                dedup_key=formats.bounded_key(fingerprint),
                summary=summary[: formats.MAX_SUMMARY],
                severity_hint=formats.clean_text(labels.get("severity")).lower(),
                document=document,
            )
        )
    if errors:
        raise PayloadError(errors)
    return events


def parse(request: WebhookRequest) -> list[AlertEvent]:
    message = formats.as_object(formats.decode_json(request.body))
    return parse_alert_group(
        message, version="4", sender="Alertmanager", default_summary="Alertmanager alert"
    )


SOURCE = AlertSource(
    kind=KIND,
    label="Prometheus Alertmanager",
    detection_source=DetectionSource.MONITORING_ALERT,
    position=20,
    sender_setup=(
        "alertmanager.yml: receivers[].webhook_configs[].url = the endpoint; or keep the "
        "key out of URLs with http_config.authorization.credentials = the key."
    ),
    parse=parse,
    example={
        "version": "4",
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "status": "firing",
        "receiver": "portal",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "HighErrorRate", "severity": "critical"},
                "annotations": {"summary": "Checkout 5xx above 5%"},
                "fingerprint": "c6eadffa33fcdf37",
            }
        ],
    },
)

"""`/integrations/…`: where senders post alerts (SPEC §6); authenticated by the integration key."""

from django.urls import URLPattern, URLResolver, path

from incidents.integrations import views

app_name = "integrations"

urlpatterns: list[URLPattern | URLResolver] = [
    path("pagerduty/v2/enqueue", views.pagerduty_enqueue, name="pagerduty-enqueue"),
    path(
        "pagerduty/v2/change/enqueue",
        views.pagerduty_change_enqueue,
        name="pagerduty-change-enqueue",
    ),
    # Key in a header (Authorization: Bearer, or X-Integration-Key): nothing secret in the URL.
    path("alertmanager/", views.alertmanager_webhook, name="alertmanager-header"),
    path("sentry/", views.sentry_webhook, name="sentry-header"),
    path("uptime/", views.uptime_webhook, name="uptime-header"),
    path("heartbeat/", views.heartbeat_ping, name="heartbeat-header"),
    path("alertmanager/<str:key>/", views.alertmanager_webhook, name="alertmanager"),
    path("sentry/<str:key>/", views.sentry_webhook, name="sentry"),
    path("uptime/<str:key>/", views.uptime_webhook, name="uptime"),
    path("heartbeat/<str:key>/", views.heartbeat_ping, name="heartbeat"),
]

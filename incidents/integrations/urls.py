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
    path("alertmanager/<str:key>/", views.alertmanager_webhook, name="alertmanager"),
    path("sentry/<str:key>/", views.sentry_webhook, name="sentry"),
    path("uptime/<str:key>/", views.uptime_webhook, name="uptime"),
    path("heartbeat/<str:key>/", views.heartbeat_ping, name="heartbeat"),
]

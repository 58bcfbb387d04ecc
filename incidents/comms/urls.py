"""Public pages, mounted at /status/ (no login)."""

from django.urls import URLPattern, URLResolver, path

from incidents.comms import statuspage_v2, views
from incidents.comms.feeds import StatusFeed
from incidents.comms.rendered_pages import rendered_cache

app_name = "comms"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.status, name="status"),
    path("incidents/<str:ref>/", views.incident_page, name="incident"),
    path("feed/", rendered_cache(StatusFeed()), name="feed"),
    path("summary.json", views.summary_json, name="summary"),
    # Statuspage's public API v2, at the paths its clients append to the page URL.
    *(
        path(f"api/v2/{name}", views.statuspage_api, {"name": name}, name=f"v2-{name}")
        for name in statuspage_v2.ENDPOINTS
    ),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:token>/", views.subscribe_confirm, name="subscribe-confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]

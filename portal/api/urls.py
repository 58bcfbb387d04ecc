"""`/api/health` and `/api/v1/…`: each app contributes its own `api/urls.py`."""

from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal.api.health import health

v1: list[URLPattern | URLResolver] = [
    path("", include("incidents.api.urls")),
    path("", include("incidents.oncall.api.urls")),
    path("", include("incidents.integrations.api.urls")),
    path("", include("incidents.comms.api.urls")),
    path("", include("postmortems.api.urls")),
    path("", include("drills.api.urls")),
    path("", include("portal.audit.api.urls")),
    path("", include("portal.reports.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("health", health, name="api-health"),
    path("v1/", include(v1)),
]

"""`/api/health` and `/api/v1/…`: each app with API endpoints contributes its own `api/urls.py`."""

from csp.decorators import csp_update
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.project.health import health

SWAGGER_CDN = "https://cdn.jsdelivr.net"

v1: list[URLPattern | URLResolver] = [
    path("", include("incidents.api.urls")),
    path("", include("incidents.oncall.api.urls")),
    path("", include("incidents.integrations.api.urls")),
    path("", include("incidents.comms.api.urls")),
    path("", include("postmortems.api.urls")),
    path("", include("drills.api.urls")),
    path("", include("portal.project.reports.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script from the portal (no inline script), and
    # only this page may load Swagger UI from its CDN.
    path(
        "docs/",
        csp_update(
            {
                "script-src": [SWAGGER_CDN],
                "style-src": [SWAGGER_CDN],
                "img-src": [SWAGGER_CDN],
            }
        )(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]

urlpatterns = [
    path("health", health, name="api-health"),
    path("v1/", include(v1)),
]

"""`/api/v1/incidents/…` and `/api/v1/policy/…` (included by `portal/project/api_urls.py`)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from incidents.api.views import IncidentViewSet, PolicyView, SuggestSeverityView

router = SimpleRouter()
router.register("incidents", IncidentViewSet, basename="incident")

urlpatterns: list[URLPattern | URLResolver] = [
    path("policy/", PolicyView.as_view(), name="policy-detail"),
    path("policy/suggest-severity/", SuggestSeverityView.as_view(), name="policy-suggest-severity"),
    *router.urls,
]

"""`/api/v1/drills/…` and `/api/v1/scenarios/…` (included by `portal/project/api_urls.py`)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from drills.api.views import DrillViewSet, ScenarioViewSet

router = SimpleRouter()
router.register("drills", DrillViewSet, basename="drill")
router.register("scenarios", ScenarioViewSet, basename="scenario")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

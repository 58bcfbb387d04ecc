from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from incidents.integrations.api.views import AlertViewSet, IntegrationViewSet

router = SimpleRouter()
router.register("integrations", IntegrationViewSet, basename="integration")
router.register("alerts", AlertViewSet, basename="alert")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from incidents.comms.api.views import CommsTemplateViewSet, IncidentCommsView

router = SimpleRouter()
router.register("comms-templates", CommsTemplateViewSet, basename="comms-template")

urlpatterns: list[URLPattern | URLResolver] = [
    path("incidents/<str:ref>/comms/", IncidentCommsView.as_view(), name="incident-comms"),
    *router.urls,
]

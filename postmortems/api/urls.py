from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import SimpleRouter

from postmortems.api.views import ActionItemViewSet, PostMortemViewSet

router = SimpleRouter()
router.register("postmortems", PostMortemViewSet, basename="postmortem")
router.register("action-items", ActionItemViewSet, basename="action-item")

urlpatterns: list[URLPattern | URLResolver] = [path("", include(router.urls))]

from django.urls import URLPattern, URLResolver, path

from incidents.oncall.api.views import OnCallView

urlpatterns: list[URLPattern | URLResolver] = [
    path("oncall/", OnCallView.as_view(), name="api-oncall"),
]

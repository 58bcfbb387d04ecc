"""`/integrations/…`: where senders post alerts (SPEC §6); authenticated by the integration key.

Derived from the alert sources (`incidents/integrations/sources/`): a source with a
parser gets `<kind>/` (key in a header: nothing secret in the URL) and `<kind>/<key>/`;
a source with its own view lists its routes.
"""

from django.urls import URLPattern, URLResolver, path

from incidents.integrations import views
from incidents.integrations.sources import all_sources

app_name = "integrations"

urlpatterns: list[URLPattern | URLResolver] = []
for _source in all_sources():
    if _source.parse is not None:
        _view = views.source_view(_source)
        urlpatterns += [
            path(f"{_source.kind}/", _view, name=f"{_source.kind}-header"),
            path(f"{_source.kind}/<str:key>/", _view, name=_source.kind),
        ]
    urlpatterns += [
        path(route.route, getattr(views, route.view), name=route.name) for route in _source.routes
    ]

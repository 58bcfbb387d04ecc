from django.urls import path

from portal.project.reports.api.views import ExportView

urlpatterns = [
    path("exports/<str:name>/", ExportView.as_view(), name="api-export"),
]

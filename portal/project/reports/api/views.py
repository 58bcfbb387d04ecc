"""`GET /api/v1/exports/<name>/?from=&to=&format=`: a streamed export file."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from portal.kernel.actors import Actor
from portal.project.reports import exporters
from portal.project.reports.periods import period_from
from portal.project.reports.services import record_export


def streamed(name: str, fmt: str, period: Any) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        exporters.stream(name, fmt, period), content_type=exporters.CONTENT_TYPES[fmt]
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{exporters.filename(name, fmt, period)}"'
    )
    return response


class FileNegotiation(BaseContentNegotiation):
    """`?format=` names the file format here, not DRF's renderer: errors are always JSON."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class ExportView(APIView):
    # No model: the export permission decides (portal.access.api.permissions).
    permission_required = "reports.export"
    permission_message = "Exports need the reports.export permission (Auditors, Founders)."
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FileNegotiation

    @extend_schema(
        operation_id="exports_retrieve",
        summary="Download an export for auditors (streamed).",
        description="Names: "
        + ", ".join(exporters.EXPORTERS)
        + ". Period: whole UTC days, both inclusive.",
        parameters=[
            OpenApiParameter(
                "name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(exporters.EXPORTERS)
            ),
            OpenApiParameter(
                "from", OpenApiTypes.DATE, description="First day (default: 89 days before 'to')."
            ),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (default: today)."),
            OpenApiParameter(
                "format", OpenApiTypes.STR, enum=list(exporters.FORMATS), description="Default csv."
            ),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
            (200, "application/json"): OpenApiResponse(
                {"type": "array", "items": {"type": "object", "additionalProperties": True}},
                description="The rows, one object per row (keys: the export's columns).",
            ),
            (
                200,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
            400: OpenApiResponse(description="A bad date or format, named by field."),
            404: OpenApiResponse(description="No export of that name."),
        },
    )
    def get(self, request: Request, name: str) -> StreamingHttpResponse:
        exporters.get_exporter(name)
        fmt = exporters.check_format(request.query_params.get("format") or "csv")
        period = period_from(request.query_params.get("from"), request.query_params.get("to"))
        record_export(name=name, fmt=fmt, period=period, actor=Actor.for_request(request))
        return streamed(name, fmt, period)

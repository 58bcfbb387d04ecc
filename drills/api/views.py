"""REST API v1 for drills and the scenario catalogue: parse, call a service or selector, present."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from drills import services
from drills.api.serializers import (
    DrillCancelSerializer,
    DrillCompleteSerializer,
    DrillCreateSerializer,
    DrillSerializer,
    DrillUpdateSerializer,
    ReportQuerySerializer,
    ScenarioSerializer,
)
from drills.choices import DrillStatus
from drills.models import Drill, Scenario
from drills.reports import drill_report_html, drill_report_markdown
from drills.selectors import drill_by_id, drill_list, scenario_list
from portal.kernel.actors import Actor
from portal.kernel.api.parsers import StorableJSONParser
from portal.kernel.api.schema import AUTH_ERRORS, error_responses

ERRORS = error_responses(
    bad_input={
        "environment": ["Drills never run against production; choose staging or development."]
    },
    not_found={"drill": ["No drill '99'."]},
    missing="No drill with that id.",
)
DRILL_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Drill id.")
STATUS_FILTER = OpenApiParameter(
    "status", str, description="Comma-separated statuses: " + ", ".join(DrillStatus.values)
)


class IgnoreFormatParameter(DefaultContentNegotiation):
    """The report's `?format=md|html` picks the document, not a DRF renderer: errors stay JSON."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        renderer = renderers[0]
        return renderer, renderer.media_type


def _present(drill: Drill, request: Request, *, code: int = status.HTTP_200_OK) -> Response:
    return Response(
        DrillSerializer(drill_by_id(drill.pk), context={"request": request}).data, status=code
    )


@extend_schema_view(
    list=extend_schema(
        summary="List drills (newest first)",
        parameters=[STATUS_FILTER],
        responses={200: DrillSerializer(many=True), **AUTH_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One drill (scenario sealed until it starts)",
        parameters=[DRILL_ID],
        responses={200: DrillSerializer, **ERRORS.read},
    ),
)
class DrillViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    # JSON only: one request content type per write, so generated clients import (issue 27).
    parser_classes = [StorableJSONParser]
    serializer_class = DrillSerializer
    queryset = Drill.objects.none()

    def get_queryset(self) -> QuerySet[Drill]:
        return drill_list(filters={"status": self.request.query_params.get("status", "")})

    def get_object(self) -> Drill:
        return drill_by_id(self.kwargs["pk"])

    def _actor(self) -> Actor:
        return Actor.for_request(self.request)

    @extend_schema(
        summary="Plan a drill (staging or development only)",
        request=DrillCreateSerializer,
        responses={201: DrillSerializer, 400: ERRORS.bad_input, **AUTH_ERRORS},
        examples=[
            OpenApiExample(
                "Plan",
                value={
                    "planned_on": "2026-08-18",
                    "facilitator": "founder",
                    "environment": "staging",
                },
                request_only=True,
            )
        ],
    )
    def create(self, request: Request) -> Response:
        data = DrillCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        drill = services.plan_drill(actor=self._actor(), **data.validated_data)
        return _present(drill, request, code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a planned drill (date, facilitator, environment, notes)",
        parameters=[DRILL_ID],
        request=DrillUpdateSerializer,
        responses={200: DrillSerializer, **ERRORS.write},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        drill = self.get_object()
        data = DrillUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        drill = services.update_drill(
            drill=drill, actor=self._actor(), changes=dict(data.validated_data)
        )
        return _present(drill, request)

    @extend_schema(
        summary="Start: draw the scenario and open the practice incident",
        parameters=[DRILL_ID],
        request=None,
        responses={200: DrillSerializer, **ERRORS.write},
    )
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        drill = services.start_drill(drill=self.get_object(), actor=self._actor())
        return _present(drill, request)

    @extend_schema(
        summary="Complete: file timings, findings and playbook updates",
        parameters=[DRILL_ID],
        request=DrillCompleteSerializer,
        responses={200: DrillSerializer, **ERRORS.write},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        drill = self.get_object()
        data = DrillCompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        drill = services.complete_drill(drill=drill, actor=self._actor(), **data.validated_data)
        return _present(drill, request)

    @extend_schema(
        summary="Cancel a planned or running drill",
        parameters=[DRILL_ID],
        request=DrillCancelSerializer,
        responses={200: DrillSerializer, **ERRORS.write},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        drill = self.get_object()
        data = DrillCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        drill = services.cancel_drill(drill=drill, actor=self._actor(), **data.validated_data)
        return _present(drill, request)

    @extend_schema(
        summary="The drill report as Markdown or HTML",
        parameters=[DRILL_ID, ReportQuerySerializer],
        responses={
            (200, "text/markdown"): OpenApiTypes.STR,
            (200, "text/html"): OpenApiTypes.STR,
            **ERRORS.read,
            400: ERRORS.bad_input,
        },
    )
    @action(detail=True, methods=["get"], content_negotiation_class=IgnoreFormatParameter)
    def report(self, request: Request, pk: str) -> HttpResponse:
        query = ReportQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        drill = self.get_object()
        if query.validated_data["format"] == "html":
            return HttpResponse(drill_report_html(drill), content_type="text/html; charset=utf-8")
        return HttpResponse(
            drill_report_markdown(drill), content_type="text/markdown; charset=utf-8"
        )


@extend_schema_view(
    list=extend_schema(
        summary="The scenario catalogue (the hat)",
        responses={200: ScenarioSerializer(many=True), **AUTH_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One scenario", responses={200: ScenarioSerializer, **ERRORS.read}
    ),
)
class ScenarioViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ScenarioSerializer
    queryset = Scenario.objects.none()

    def get_queryset(self) -> QuerySet[Scenario]:
        return scenario_list()

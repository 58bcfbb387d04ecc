from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.oncall.api.serializers import (
    OnCallEntrySerializer,
    OnCallQuerySerializer,
    OnCallResponseSerializer,
)
from incidents.oncall.models import Schedule
from incidents.oncall.selectors import who_is_on_call


class OnCallView(APIView):
    """Who is on call now, or at `?at=`: one entry per schedule layer (and rotation)."""

    permission_model = Schedule

    @extend_schema(parameters=[OnCallQuerySerializer], responses=OnCallResponseSerializer)
    def get(self, request: Request) -> Response:
        query = OnCallQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        at = query.validated_data.get("at") or timezone.now()
        schedules = None
        if name := query.validated_data.get("schedule"):
            schedules = Schedule.objects.filter(name=name)
        entries = who_is_on_call(at, schedules=schedules)
        return Response({"at": at, "results": OnCallEntrySerializer(entries, many=True).data})

"""REST API v1 for post-mortems and action items: parse, call a service or selector, present."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from portal.kernel.actors import Actor
from portal.kernel.api import schema as _schema_extensions  # noqa: F401 - registers the token scheme
from portal.kernel.api.parsers import StorableJSONParser
from portal.kernel.api.schema import AUTH_ERRORS, error_responses
from portal.kernel.errors import DomainError
from postmortems import services
from postmortems.api.serializers import (
    ActionItemCreateSerializer,
    ActionItemQuerySerializer,
    ActionItemSerializer,
    ActionItemUpdateSerializer,
    PostMortemListSerializer,
    PostMortemQuerySerializer,
    PostMortemSerializer,
    PostMortemUpdateSerializer,
    PublishRefusedSerializer,
    SubmitSerializer,
)
from postmortems.models import ActionItem, PostMortem
from postmortems.selectors import action_item_list, postmortem_by_ref, postmortem_list

ERRORS = error_responses(
    bad_input={"root_cause": ["The section “root cause (technical)” is empty."]},
    not_found={"ref": ["No post-mortem for 'INC-20260305-99'."]},
    missing="No post-mortem for that incident.",
)
REF = OpenApiParameter(
    "ref", str, OpenApiParameter.PATH, description="Incident reference, e.g. INC-20260305-01."
)
ITEM_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Action item id.")


def _present(postmortem: PostMortem) -> Response:
    return Response(PostMortemSerializer(postmortem_by_ref(postmortem.incident.ref)).data)


@extend_schema_view(
    list=extend_schema(
        summary="List post-mortems",
        parameters=[PostMortemQuerySerializer],
        responses={200: PostMortemListSerializer(many=True), 400: ERRORS.bad_input, **AUTH_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One post-mortem (by incident reference)",
        parameters=[REF],
        responses={200: PostMortemSerializer, **ERRORS.read},
    ),
)
@extend_schema(tags=["post-mortems"])
class PostMortemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    parser_classes = [StorableJSONParser]
    lookup_field = "ref"
    lookup_value_regex = "[^/]+"
    filter_backends: list[Any] = []
    serializer_class = PostMortemListSerializer
    permission_model = PostMortem

    def get_queryset(self) -> QuerySet[PostMortem]:
        query = PostMortemQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        return postmortem_list(filters=dict(query.validated_data))

    def get_object(self) -> PostMortem:
        return postmortem_by_ref(self.kwargs["ref"])

    def retrieve(self, request: Request, ref: str) -> Response:
        return Response(PostMortemSerializer(self.get_object()).data)

    @extend_schema(
        summary="Edit sections, customer impact and the timeline copy",
        parameters=[REF],
        request=PostMortemUpdateSerializer,
        responses={200: PostMortemSerializer, **ERRORS.write},
    )
    def partial_update(self, request: Request, ref: str) -> Response:
        postmortem = self.get_object()
        data = PostMortemUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "timeline" in changes:
            changes["timeline"] = [dict(edit) for edit in changes["timeline"]]
        postmortem = services.update_postmortem(
            postmortem=postmortem, actor=Actor.for_request(request), changes=changes
        )
        return _present(postmortem)

    @extend_schema(
        summary="Submit for review (naming reviewers)",
        parameters=[REF],
        request=SubmitSerializer,
        responses={200: PostMortemSerializer, **ERRORS.write},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, ref: str) -> Response:
        postmortem = self.get_object()
        data = SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        postmortem = services.submit_for_review(
            postmortem=postmortem,
            actor=Actor.for_request(request),
            reviewers=list(data.validated_data["reviewers"]),
        )
        return _present(postmortem)

    @extend_schema(
        summary="Publish (closes the incident)",
        parameters=[REF],
        request=None,
        responses={
            200: PostMortemSerializer,
            400: OpenApiResponse(
                PublishRefusedSerializer,
                description="Refused: every problem, listed per field, at once.",
            ),
            **AUTH_ERRORS,
            404: ERRORS.not_found,
        },
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, ref: str) -> Response:
        postmortem = services.publish_postmortem(
            postmortem=self.get_object(), actor=Actor.for_request(request)
        )
        return _present(postmortem)


@extend_schema_view(
    list=extend_schema(
        summary="List action items",
        parameters=[ActionItemQuerySerializer],
        responses={200: ActionItemSerializer(many=True), 400: ERRORS.bad_input, **AUTH_ERRORS},
    ),
)
@extend_schema(tags=["post-mortems"])
class ActionItemViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    parser_classes = [StorableJSONParser]
    filter_backends: list[Any] = []
    serializer_class = ActionItemSerializer
    permission_model = ActionItem

    def get_queryset(self) -> QuerySet[ActionItem]:
        query = ActionItemQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        filters = dict(query.validated_data)
        owner = filters.pop("owner", None)
        if owner == "me":
            filters["owner"] = self.request.user
        elif owner:
            user = get_user_model().objects.filter(username=owner).first()
            if user is None:
                raise serializers.ValidationError({"owner": [f"No user {owner!r}."]})
            filters["owner"] = user
        filters["today"] = timezone.now().date()
        return action_item_list(filters=filters)

    @extend_schema(
        summary="File an action item",
        request=ActionItemCreateSerializer,
        responses={201: ActionItemSerializer, 400: ERRORS.bad_input, **AUTH_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = ActionItemCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        ref = values.pop("incident", "")
        postmortem = None
        if ref:
            try:
                postmortem = postmortem_by_ref(ref)
            except DomainError as exc:
                raise DomainError(exc.message, field="incident") from None
        item = services.create_action_item(
            actor=Actor.for_request(request),
            description=values["description"],
            owner=values.get("owner"),
            due_date=values.get("due_date"),
            postmortem=postmortem,
            source_label=values.get("source_label") or "",
            ticket_url=values.get("ticket_url", ""),
        )
        item = action_item_list().get(pk=item.pk)
        return Response(ActionItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit or move an action item",
        parameters=[ITEM_ID],
        request=ActionItemUpdateSerializer,
        responses={200: ActionItemSerializer, **ERRORS.write},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        item = action_item_list().filter(pk=pk).first() if str(pk).isdigit() else None
        if item is None:
            raise DomainError(f"No action item {pk!r}.", field="id", code="not_found")
        data = ActionItemUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.update_action_item(
            item=item, actor=Actor.for_request(request), changes=dict(data.validated_data)
        )
        return Response(ActionItemSerializer(action_item_list().get(pk=item.pk)).data)

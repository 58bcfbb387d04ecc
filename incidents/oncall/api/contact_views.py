"""People's contact methods and notification rules over the API (issue 23).

`GET/POST /api/v1/contact-methods/`, `GET/DELETE /api/v1/contact-methods/<id>/`,
`POST /api/v1/contact-methods/<id>/<verify|resend|test|enable|disable>/`,
`GET/PUT /api/v1/notification-rules/`. A person manages their own (`?user=` or `user`
names another person, for founders only): the services decide (`contacts.may_manage`),
so a responder, whose role has no model permission on on-call, still manages their own
phone. Read-only tokens and Auditors cannot write (the project's default permissions).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.oncall import contacts
from incidents.oncall.choices import ContactKind
from incidents.oncall.models import ContactMethod, NotificationRule
from portal.access.responders import find_user
from portal.kernel.actors import Actor
from portal.kernel.api.parsers import StorableJSONParser
from portal.kernel.api.strict import RefuseUnknownFields
from portal.kernel.errors import DomainError

USER = OpenApiParameter("user", OpenApiTypes.STR, description="Username (founders: anyone's).")
ACTIONS = ("verify", "resend", "test", "enable", "disable")
SELF_SERVICE = "oncall.view_contactmethod"


class ContactMethodSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    verified = serializers.SerializerMethodField()

    class Meta:
        model = ContactMethod
        fields = ("id", "user", "kind", "address", "label", "enabled", "verified", "verified_at")
        read_only_fields = fields

    def get_verified(self, obj: ContactMethod) -> bool:
        return obj.verified_at is not None


class ContactMethodInput(RefuseUnknownFields):
    user = serializers.CharField(required=False, help_text="Username; default: yourself.")
    kind = serializers.ChoiceField(choices=ContactKind.choices)
    address = serializers.CharField(max_length=300)
    label = serializers.CharField(max_length=60, required=False, default="", allow_blank=True)  # type: ignore[assignment]


class ActionInput(RefuseUnknownFields):
    code = serializers.CharField(max_length=12, required=False, help_text="verify: the code.")


class RuleSerializer(serializers.Serializer):
    contact_method = serializers.IntegerField(min_value=1)
    delay_minutes = serializers.IntegerField(min_value=0, max_value=contacts.MAX_DELAY_MINUTES)


class RulesInput(RefuseUnknownFields):
    user = serializers.CharField(required=False)
    rules = RuleSerializer(many=True)


def _whose(request: Request, username: str | None) -> Any:
    user = find_user(username, field="user") if username else request.user
    if not contacts.may_manage(Actor.for_request(request), user):
        raise DomainError(
            "You may manage only your own contact methods.", field="user", code="forbidden"
        )
    return user


def _method(request: Request, pk: int) -> ContactMethod:
    method = ContactMethod.objects.select_related("user").filter(pk=pk).first()
    if method is None or not contacts.may_manage(Actor.for_request(request), method.user):
        raise DomainError(f"No contact method {pk}.", field="id", code="not_found")
    return method


class ContactMethodsView(APIView):
    parser_classes = [StorableJSONParser]
    # Any role that sees on-call (Founders, Responders; Auditors read-only) may manage
    # their own methods; the contact services decide whose (see the module).
    permission_required = SELF_SERVICE

    @extend_schema(
        summary="A person's contact methods", parameters=[USER],
        responses=ContactMethodSerializer(many=True),
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        user = _whose(request, request.query_params.get("user"))
        methods = ContactMethod.objects.filter(user=user).select_related("user").order_by("pk")
        return Response(ContactMethodSerializer(methods, many=True).data)

    @extend_schema(
        summary="Add a contact method (its verification code is sent to it)",
        request=ContactMethodInput,
        responses={201: ContactMethodSerializer},
    )
    def post(self, request: Request) -> Response:
        data = ContactMethodInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        method = contacts.add_contact_method(
            actor=Actor.for_request(request),
            user=_whose(request, values.get("user")),
            kind=values["kind"],
            address=values["address"],
            label=values.get("label", ""),
        )
        return Response(ContactMethodSerializer(method).data, status=status.HTTP_201_CREATED)


class ContactMethodDetailView(APIView):
    permission_required = SELF_SERVICE

    @extend_schema(summary="A contact method", responses=ContactMethodSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ContactMethodSerializer(_method(request, pk)).data)

    @extend_schema(summary="Remove a contact method (and its rules)", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        contacts.remove_contact_method(
            actor=Actor.for_request(request), method=_method(request, pk)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactMethodActionView(APIView):
    parser_classes = [StorableJSONParser]
    permission_required = SELF_SERVICE

    @extend_schema(
        summary="verify (with its code), resend the code, send a test page, enable, disable",
        operation_id="contact_methods_act",
        request=ActionInput,
        responses={200: ContactMethodSerializer},
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in ACTIONS:
            raise DomainError(f"Unknown action; one of {', '.join(ACTIONS)}.", field="action")
        data = ActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        method, actor = _method(request, pk), Actor.for_request(request)
        if action == "verify":
            method = contacts.verify_contact_method(
                actor=actor, method=method, code=data.validated_data.get("code", "")
            )
        elif action == "resend":
            contacts.resend_code(actor=actor, method=method)
        elif action == "test":
            contacts.send_test_page(actor=actor, method=method)
        else:
            method = contacts.set_contact_method_enabled(
                actor=actor, method=method, enabled=action == "enable"
            )
        return Response(ContactMethodSerializer(method).data)


class NotificationRulesView(APIView):
    parser_classes = [StorableJSONParser]
    permission_required = SELF_SERVICE

    @extend_schema(
        summary="A person's notification rules", parameters=[USER],
        responses=RuleSerializer(many=True),
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        user = _whose(request, request.query_params.get("user"))
        rules = NotificationRule.objects.filter(user=user).order_by("delay_minutes", "pk")
        return Response(
            [
                {"contact_method": r.contact_method_id, "delay_minutes": r.delay_minutes}
                for r in rules
            ]
        )

    @extend_schema(
        summary="Replace a person's notification rules",
        request=RulesInput,
        responses=RuleSerializer(many=True),
    )
    def put(self, request: Request) -> Response:
        data = RulesInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = _whose(request, data.validated_data.get("user"))
        pairs = []
        for rule in data.validated_data["rules"]:
            method = ContactMethod.objects.filter(pk=rule["contact_method"], user=user).first()
            if method is None:
                raise DomainError(
                    f"{user.get_username()} has no method {rule['contact_method']}.", field="rules"
                )
            pairs.append((method, rule["delay_minutes"]))
        contacts.set_notification_rules(actor=Actor.for_request(request), user=user, rules=pairs)
        return Response([{"contact_method": m.pk, "delay_minutes": d} for m, d in pairs])

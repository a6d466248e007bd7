"""Presence events: single and bulk ingestion (idempotent), reading, removal of a wrong one."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import Capability
from attendance import selectors, services
from attendance.api import serializers as s
from attendance.api.base import AttendanceAPIMixin
from attendance.api.filtersets import EventFilter
from attendance.models import PresenceEvent

BULK_MIXED_STATUS = status.HTTP_207_MULTI_STATUS


class IdempotencyConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This idempotency key was already used for a different event."
    default_code = "conflict"


class EventViewSet(
    AttendanceAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Who was seen going in or out, when, by which camera or hand.

    Events are append-only: recording one recomputes the records of the sessions whose window
    holds it; a wrong one is removed (DELETE with a reason, registrars) and never edited.
    """

    queryset = PresenceEvent.objects.none()  # for the schema; get_queryset scopes the rows

    serializer_class = s.EventSerializer
    read_capability = Capability.VIEW
    filterset_class = EventFilter
    search_fields = ["person__external_id", "person__last_name", "idempotency_key", "source_ref"]
    ordering_fields = ["occurred_at", "received_at"]

    @property
    def write_capability(self) -> Capability:
        if self.action == "destroy":
            return Capability.MANAGE_ATTENDANCE
        return Capability.TAKE_ATTENDANCE

    def get_queryset(self):
        return selectors.event_list(actor=self.actor).order_by("-occurred_at", "-pk")

    def _ingest(self, rows: list, source: str):
        return services.events_ingest(
            institution=self.actor.institution, rows=rows, actor=self.actor, source=source
        )

    @extend_schema(
        request=s.EventInSerializer,
        responses={
            201: s.EventSerializer,
            200: OpenApiResponse(s.EventSerializer, description="A duplicate: the stored event"),
            409: OpenApiResponse(
                inline_serializer(
                    "IdempotencyConflict",
                    {"idempotency_key": serializers.ListField(child=serializers.CharField())},
                ),
                description="The idempotency key was already used for a different event",
            ),
        },
    )
    def create(self, request: Request) -> Response:
        """Record one event. A replayed idempotency key, or the same person on the same camera
        within its debounce window, answers 200 with the event already stored; the key sent
        again with a different person, time, camera or direction answers 409."""
        report = self._ingest([request.data], PresenceEvent.Source.API)
        item = report.items[0]
        if item.conflict:
            raise IdempotencyConflict({"idempotency_key": [e["message"] for e in item.errors]})
        if item.status == "error":
            errors: dict[str, list[str]] = {}
            for error in item.errors:
                errors.setdefault(error["field"] or "non_field_errors", []).append(error["message"])
            raise ValidationError(errors)
        event = self.get_queryset().get(pk=item.event_id)
        data = self.get_serializer(event).data
        if item.status == "duplicate":
            return Response({**data, "duplicate_of": item.duplicate_of}, status=status.HTTP_200_OK)
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.BulkEventsInSerializer,
        responses={
            200: s.IngestReportSerializer,
            207: OpenApiResponse(s.IngestReportSerializer, description="Some rows had errors"),
        },
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        """Record up to 5,000 events: `{"events": [...]}` (or a bare list).

        Each row is checked on its own; rows with errors are reported (index, field, message)
        and skipped, the others are stored together with the record changes they cause.
        200 when every row was accepted (created or duplicate), 207 when some had errors.
        """
        rows = request.data.get("events") if isinstance(request.data, dict) else request.data
        if not isinstance(rows, list):
            raise ValidationError({"events": ["Send a list of events."]})
        report = self._ingest(rows, PresenceEvent.Source.API)
        return Response(
            report.as_dict(), status=status.HTTP_200_OK if report.ok else BULK_MIXED_STATUS
        )

    @extend_schema(request=s.EventDeleteSerializer, responses={204: None})
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        """Remove a wrong event; a reason (body or ?reason=) is required and audited."""
        event = self.get_object()
        data = (
            request.data
            if isinstance(request.data, dict) and request.data
            else request.query_params
        )
        incoming = s.EventDeleteSerializer(data={"reason": data.get("reason", "")})
        incoming.is_valid(raise_exception=True)
        services.event_delete(
            event=event, actor=self.actor, reason=incoming.validated_data["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

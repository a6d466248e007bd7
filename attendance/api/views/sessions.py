"""Sessions: create one by one (or from schedules), finalise, recompute."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import Capability
from attendance import selectors, services
from attendance.api import serializers as s
from attendance.api.base import AttendanceModelViewSet
from attendance.api.filtersets import SessionFilter
from attendance.models import Session


def _refresh_data(result) -> dict:
    if result is None:
        return {"created": 0, "updated": 0, "status_changes": 0}
    return {
        "created": result.created,
        "updated": result.updated,
        "status_changes": result.status_changes,
    }


class SessionViewSet(AttendanceModelViewSet):
    """Class meetings and work shifts with their state and record counts per status.

    Filter by unit, state, local dates (date_from, date_to) or instants (starts_after,
    starts_before). The roster is at /attendance/reports/roster/?session=<id>.
    """

    queryset = Session.objects.none()  # for the schema; get_queryset scopes the rows

    serializer_class = s.SessionSerializer
    read_capability = Capability.VIEW
    write_capability = Capability.MANAGE_ATTENDANCE
    filterset_class = SessionFilter
    search_fields = ["title", "room", "unit__code"]
    ordering_fields = ["starts_at", "ends_at", "title", "state"]

    def get_queryset(self):
        return selectors.session_list_with_counts(actor=self.actor).order_by("-starts_at", "-pk")

    def perform_create(self, serializer) -> None:
        session = services.session_create(
            institution=self.actor.institution, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=session.pk)

    def perform_update(self, serializer) -> None:
        services.session_update(
            session=serializer.instance, actor=self.actor, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance: Session) -> None:
        services.session_delete(session=instance)

    @extend_schema(request=s.FinaliseSerializer, responses=s.RefreshResultSerializer)
    @action(detail=True, methods=["post"])
    def finalise(self, request: Request, pk=None) -> Response:
        """Finalise now: no-shows become absent and late data stops counting (idempotent).

        Before the session ends this answers 400 unless `close_early_reason` is given: the
        session is then closed early, at this moment (audited).
        """
        incoming = s.FinaliseSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        result = services.session_finalise(
            session=self.get_object(), actor=self.actor, **incoming.validated_data
        )
        return Response(_refresh_data(result))

    @extend_schema(request=s.RecomputeSerializer, responses=s.RefreshResultSerializer)
    @action(detail=True, methods=["post"])
    def recompute(self, request: Request, pk=None) -> Response:
        """Recompute every record of the session (a finalised one too, counting late data)."""
        incoming = s.RecomputeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        result = services.session_recompute(
            session=self.get_object(), actor=self.actor, **incoming.validated_data
        )
        return Response(_refresh_data(result))

"""Accounts API: the current institution, members, units, people, API keys."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Count
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, Throttled, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import selectors, services
from accounts.api import serializers as s
from accounts.api.authentication import APIKeyPrincipal
from accounts.api.views_base import TenantAPIMixin, TenantModelViewSet
from accounts.models import APIKey, Invitation, Person, Unit
from accounts.people_import import people_import_csv
from accounts.roles import Capability
from accounts.sign_in_throttle import SignInThrottle
from gaitportal.api.filters import IdFilter
from gaitportal.api.parsers import JSONParser


class ObtainTokenView(ObtainAuthToken):
    """POST username and password, get `{"token": "..."}`; send it as `Authorization: Token ...`."""

    permission_classes = [AllowAny]
    parser_classes = [FormParser, MultiPartParser, JSONParser]
    throttle_classes: list = []  # the sign-in throttle below: per address and per account

    def post(self, request: Request, *args, **kwargs) -> Response:
        data = request.data if isinstance(request.data, Mapping) else {}
        guard = SignInThrottle.for_request(request, data.get("username"))
        wait = guard.wait()
        if wait is not None:
            raise Throttled(wait=wait)
        guard.attempted()
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            guard.failed()
            raise


class MeView(TenantAPIMixin, GenericAPIView):
    """Who is calling, the institution the call acts for, and the memberships to switch to."""

    serializer_class = s.MeSerializer
    read_capability = Capability.VIEW

    def get(self, request: Request) -> Response:
        actor = self.actor
        memberships = selectors.memberships_for_user(actor.user) if actor.user is not None else []
        data = {
            "username": request.user.get_username(),
            "is_superuser": actor.is_superuser,
            "institution": actor.institution,
            "role": actor.effective_role,
            "memberships": memberships,
        }
        return Response(s.MeSerializer(data).data)


class CurrentInstitutionView(TenantAPIMixin, GenericAPIView):
    """The institution this request acts for; administrators change its settings."""

    serializer_class = s.InstitutionSerializer
    read_capability = Capability.VIEW
    write_capability = Capability.MANAGE_SETTINGS

    def get(self, request: Request) -> Response:
        return Response(self.get_serializer(self.actor.institution).data)

    def patch(self, request: Request) -> Response:
        serializer = self.get_serializer(self.actor.institution, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        institution = services.institution_update(
            institution=self.actor.institution, **serializer.validated_data
        )
        return Response(self.get_serializer(institution).data)


class MemberViewSet(TenantModelViewSet):
    """Members of the institution and their roles (administrators manage them)."""

    serializer_class = s.MembershipSerializer
    read_capability = Capability.VIEW
    write_capability = Capability.MANAGE_MEMBERS
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    filterset_fields = ["role"]
    ordering_fields = ["user__username", "role", "created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.member_list(actor=self.actor)

    @extend_schema(
        request=s.MemberCreateSerializer,
        responses={201: s.MembershipSerializer, 202: s.InvitationSerializer},
    )
    def create(self, request: Request) -> Response:
        """A new username: a sign-in of this institution (201). An existing user: an invitation
        they accept themselves (202); a superuser adds them directly (201)."""
        incoming = s.MemberCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        added = services.member_add(
            actor=self.actor, institution=self.actor.institution, **incoming.validated_data
        )
        if added.invitation is not None:
            return Response(
                s.InvitationSerializer(added.invitation).data, status=status.HTTP_202_ACCEPTED
            )
        return Response(
            s.MembershipSerializer(added.membership).data, status=status.HTTP_201_CREATED
        )

    def perform_update(self, serializer: s.MembershipSerializer) -> None:
        services.membership_update(
            membership=serializer.instance, role=serializer.validated_data.get("role")
        )

    def perform_destroy(self, instance) -> None:
        services.membership_delete(membership=instance)


class InvitationViewSet(
    TenantAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Invitations this institution has sent (made by POST members/); DELETE revokes one."""

    serializer_class = s.InvitationSerializer
    read_capability = Capability.MANAGE_MEMBERS
    write_capability = Capability.MANAGE_MEMBERS
    http_method_names = ["get", "delete", "head", "options"]
    filterset_fields = ["role"]
    search_fields = ["invitee__username"]

    def get_queryset(self):
        return selectors.member_invitation_list(actor=self.actor)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.invitation_revoke(invitation=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _OwnAccountView(GenericAPIView):
    """Endpoints about the signed-in user themselves (no institution needed: an invitee may
    belong to none yet). API keys are not users and have none of this."""

    permission_classes = [IsAuthenticated]

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if isinstance(request.user, APIKeyPrincipal):
            raise PermissionDenied("API keys have no invitations or default institution.")

    filter_backends: list = []

    def get_queryset(self):
        # Also what the browsable API renders forms from.
        if isinstance(self.request.user, APIKeyPrincipal):
            return Invitation.unscoped.none()
        return selectors.invitations_for_user(self.request.user)

    def invitation(self, token: str) -> Invitation:
        invitation = selectors.invitations_for_user(self.request.user, pending_only=False)
        found = invitation.filter(token=token).first()
        if found is None:
            raise NotFound("No such invitation for you.")
        return found


class MyInvitationsView(_OwnAccountView):
    """Your pending invitations to join institutions; accept or decline each by its token."""

    serializer_class = s.MyInvitationSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(responses=s.MyInvitationSerializer(many=True))
    def get(self, request: Request) -> Response:
        invitations = selectors.invitations_for_user(request.user)
        return Response(s.MyInvitationSerializer(invitations, many=True).data)


class MyInvitationAcceptView(_OwnAccountView):
    """Accept: you become a member with the offered role. Your default institution stays."""

    serializer_class = s.MembershipSummarySerializer

    @extend_schema(request=None, responses=s.MembershipSummarySerializer)
    def post(self, request: Request, token: str) -> Response:
        membership = services.invitation_accept(
            invitation=self.invitation(token), user=request.user
        )
        return Response(s.MembershipSummarySerializer(membership).data)


class MyInvitationDeclineView(_OwnAccountView):
    serializer_class = s.MyInvitationSerializer

    @extend_schema(request=None, responses=s.MyInvitationSerializer)
    def post(self, request: Request, token: str) -> Response:
        invitation = services.invitation_decline(
            invitation=self.invitation(token), user=request.user
        )
        return Response(s.MyInvitationSerializer(invitation).data)


class MyDefaultInstitutionView(_OwnAccountView):
    """Choose the institution you land in when no X-Institution is sent (only you can)."""

    serializer_class = s.DefaultInstitutionSerializer

    @extend_schema(request=s.DefaultInstitutionSerializer, responses=s.MembershipSummarySerializer)
    def put(self, request: Request) -> Response:
        incoming = s.DefaultInstitutionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        institution = selectors.institution_by_reference(incoming.validated_data["institution"])
        if institution is None:
            raise NotFound("No such institution among yours.")
        membership = services.membership_set_default(user=request.user, institution=institution)
        return Response(s.MembershipSummarySerializer(membership).data)


class UnitViewSet(TenantModelViewSet):
    """Classes, course sections, departments and teams."""

    serializer_class = s.UnitSerializer
    search_fields = ["code", "name"]
    filterset_fields = ["kind"]
    ordering_fields = ["code", "name", "created_at"]

    def get_queryset(self):
        return (
            selectors.unit_list(actor=self.actor)
            .annotate(people_count=Count("people", distinct=True))
            .prefetch_related("instructors")
            .order_by("code")
        )

    def perform_create(self, serializer: s.UnitSerializer) -> None:
        unit = services.unit_create(institution=self.actor.institution, **serializer.validated_data)
        # Read back through the list's queryset: the answer carries people_count like a GET.
        serializer.instance = self.get_queryset().get(pk=unit.pk)

    def perform_update(self, serializer: s.UnitSerializer) -> None:
        unit = services.unit_update(unit=serializer.instance, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=unit.pk)

    def perform_destroy(self, instance: Unit) -> None:
        services.unit_delete(unit=instance)


class PersonFilter(filters.FilterSet):
    unit = IdFilter(field_name="units__id")
    unit_code = filters.CharFilter(field_name="units__code")

    class Meta:
        model = Person
        fields = ["kind", "is_active", "consent_given", "unit", "unit_code", "external_id"]


class PersonViewSet(TenantModelViewSet):
    """Students and employees. Search by name, external id or email."""

    serializer_class = s.PersonSerializer
    filterset_class = PersonFilter
    search_fields = ["first_name", "last_name", "external_id", "email"]
    ordering_fields = ["last_name", "first_name", "external_id", "created_at"]

    def get_queryset(self):
        return selectors.person_list(actor=self.actor).prefetch_related("units")

    def perform_create(self, serializer: s.PersonSerializer) -> None:
        serializer.instance = services.person_create(
            institution=self.actor.institution, **serializer.validated_data
        )

    def perform_update(self, serializer: s.PersonSerializer) -> None:
        serializer.instance = services.person_update(
            person=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: Person) -> None:
        services.person_delete(person=instance, actor=self.actor)

    @extend_schema(request=s.PeopleImportSerializer, responses=s.ImportReportSerializer)
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_csv(self, request: Request) -> Response:
        """Import people from CSV: all rows or none, with a per-row error report."""
        incoming = s.PeopleImportSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        report = people_import_csv(
            institution=self.actor.institution,
            data=incoming.validated_data["file"].read(),
            dry_run=incoming.validated_data["dry_run"],
        )
        code = status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST
        return Response(report.as_dict(), status=code)


class APIKeyViewSet(
    TenantAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Keys for devices and integrations. The secret is shown once, on creation; DELETE revokes."""

    serializer_class = s.APIKeySerializer
    read_capability = Capability.MANAGE_MEMBERS
    write_capability = Capability.MANAGE_MEMBERS
    http_method_names = ["get", "post", "delete", "head", "options"]
    filterset_fields = ["role"]
    search_fields = ["name", "prefix"]

    def get_queryset(self):
        return APIKey.objects.filter(institution=self.actor.institution)

    @extend_schema(responses=s.APIKeyCreatedSerializer)
    def create(self, request: Request) -> Response:
        incoming = s.APIKeySerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        api_key, raw_key = services.api_key_create(
            institution=self.actor.institution,
            created_by=self.actor.user,
            **incoming.validated_data,
        )
        api_key.key = raw_key
        return Response(s.APIKeyCreatedSerializer(api_key).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.api_key_revoke(api_key=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

"""Recognition API: uploads, their results, review, enrolments, model versions, calibration."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import transaction
from django.shortcuts import get_object_or_404
from django_q.tasks import async_task
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as account_selectors
from accounts.api.views_base import TenantAPIMixin
from accounts.roles import Capability
from attendance.api.base import AttendanceAPIMixin
from gaitportal.api.parsers import JSONParser
from recognition import selectors, services
from recognition.api import serializers as s
from recognition.api.filtersets import RecognitionFilter, SampleFilter
from recognition.api.uploads import HashingUploadHandler
from recognition.models import BiometricAccessLog, GaitModelVersion, GaitSample, Recognition


class SampleViewSet(
    AttendanceAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Walking clips and keypoint files, and what processing made of them.

    POST answers 202 with the sample's URL (Location) at once; processing runs on a worker.
    Poll GET for status (queued, processing, done, failed), progress (0..1), stage, a plain
    error, and the recognitions or templates it produced. The same file uploaded again answers
    200 with the existing sample.
    """

    queryset = GaitSample.objects.none()
    serializer_class = s.SampleSerializer
    filterset_class = SampleFilter
    ordering_fields = ["created_at", "captured_at"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    read_capability = Capability.VIEW

    @property
    def write_capability(self) -> Capability:
        purpose = self.request.data.get("purpose") if hasattr(self.request, "data") else None
        if purpose == GaitSample.Purpose.ENROL:
            return Capability.MANAGE_PEOPLE
        return Capability.TAKE_ATTENDANCE

    def initialize_request(self, request, *args, **kwargs):
        if request.method == "POST":
            request.upload_handlers = [HashingUploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)

    def get_queryset(self):
        return (
            selectors.sample_list(actor=self.actor)
            .prefetch_related("recognitions", "templates")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(
        request={
            "multipart/form-data": s.SampleInSerializer,
            "application/json": s.SampleInSerializer,
        },
        responses={
            202: s.SampleSerializer,
            200: OpenApiResponse(
                s.SampleSerializer, description="The same file was uploaded before"
            ),
        },
    )
    def create(self, request: Request) -> Response:
        incoming = s.SampleInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        if "file" in data:
            content, filename = data["file"], data["file"].name
        else:
            content = json.dumps(data["keypoints"]).encode()
            filename = "keypoints.json"
        made = services.sample_create(
            institution=self.actor.institution,
            actor=self.actor,
            content=content,
            filename=filename,
            purpose=data["purpose"],
            person=data.get("person"),
            camera=data.get("camera"),
            captured_at=data.get("captured_at"),
        )
        body = self.get_serializer(made.sample).data
        code = status.HTTP_202_ACCEPTED if made.created else status.HTTP_200_OK
        return Response(body, status=code, headers={"Location": body["url"]})

    @extend_schema(request=None, responses={202: s.SampleSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        """Queue a failed sample again (its upload is kept)."""
        sample = services.sample_retry(sample=self.get_object())
        return Response(self.get_serializer(sample).data, status=status.HTTP_202_ACCEPTED)


class RecognitionViewSet(
    AttendanceAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Who walked past: one row per walker of an identify sample (accepted, needs_review,
    unknown), filterable; registrars review them (the presence event follows)."""

    queryset = Recognition.objects.none()
    serializer_class = s.RecognitionSerializer
    filterset_class = RecognitionFilter
    ordering_fields = ["occurred_at", "score", "created_at"]
    read_capability = Capability.VIEW
    write_capability = Capability.MANAGE_ATTENDANCE

    def get_queryset(self):
        return selectors.recognition_list(actor=self.actor).order_by("-occurred_at", "-pk")

    @extend_schema(request=s.ReviewInSerializer, responses={200: s.RecognitionSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """Confirm the best candidate, name another person, or mark unknown."""
        recognition = self.get_object()
        incoming = s.ReviewInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        recognition = services.recognition_review(
            recognition=recognition,
            actor=self.actor,
            action=data["action"],
            person=data.get("person"),
            note=data.get("note", ""),
        )
        return Response(self.get_serializer(recognition).data)


class ModelVersionViewSet(
    AttendanceAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Gait models of this institution (the shipped default, adapted ones) with their
    calibration; one is active."""

    queryset = GaitModelVersion.objects.none()
    serializer_class = s.ModelVersionSerializer
    read_capability = Capability.VIEW
    write_capability = Capability.MANAGE_SETTINGS

    def get_queryset(self):
        if not getattr(self, "swagger_fake_view", False):
            services.model_version_active(institution=self.actor.institution)
        return selectors.model_version_list(actor=self.actor).order_by("-created_at", "-pk")


class CalibrationView(TenantAPIMixin, APIView):
    """The open-set thresholds of the active model at this institution, and what they rest on
    (people, genuine and impostor pairs, estimated FAR/TAR); `is_fallback` marks the model's
    own threshold used while enrolments are too few. POST recomputes from the enrolments."""

    read_capability = Capability.VIEW
    write_capability = Capability.MANAGE_SETTINGS

    @extend_schema(responses={200: s.CalibrationSerializer})
    def get(self, request: Request) -> Response:
        version = services.model_version_active(institution=request.actor.institution)
        return Response(s.CalibrationSerializer(version).data)

    @extend_schema(request=None, responses={200: s.CalibrationSerializer})
    def post(self, request: Request) -> Response:
        version = services.model_version_active(institution=request.actor.institution)
        version = services.calibration_recompute(version=version)
        return Response(s.CalibrationSerializer(version).data)


class RecognitionSettingsView(TenantAPIMixin, APIView):
    """The institution's recognition settings: consent rule, the false-accept rates the
    thresholds are calibrated for, and enrolment from reviewed recognitions (opt-in).
    Administrators change them (PATCH)."""

    read_capability = Capability.VIEW
    write_capability = Capability.MANAGE_SETTINGS

    @extend_schema(responses={200: s.RecognitionSettingsSerializer})
    def get(self, request: Request) -> Response:
        row = services.recognition_settings_get(institution=request.actor.institution)
        return Response(s.RecognitionSettingsSerializer(row).data)

    @extend_schema(
        request=s.RecognitionSettingsSerializer, responses={200: s.RecognitionSettingsSerializer}
    )
    def patch(self, request: Request) -> Response:
        institution = request.actor.institution
        row = services.recognition_settings_get(institution=institution)
        incoming = s.RecognitionSettingsSerializer(row, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        row = services.recognition_settings_update(
            institution=institution, **incoming.validated_data
        )
        return Response(s.RecognitionSettingsSerializer(row).data)


class AdaptView(TenantAPIMixin, APIView):
    """Queue fine-tuning of the active model on this institution's enrolments; the adapted
    model is activated only if it identifies held-back enrolment walks better."""

    write_capability = Capability.MANAGE_SETTINGS

    @extend_schema(request=s.AdaptInSerializer, responses={202: s.QueuedSerializer})
    def post(self, request: Request) -> Response:
        incoming = s.AdaptInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        institution = request.actor.institution
        epochs = incoming.validated_data["epochs"]
        transaction.on_commit(
            lambda: async_task(
                "recognition.tasks.adapt_institution_model",
                institution.pk,
                epochs,
                cluster=settings.GAIT_HEAVY_CLUSTER,
                task_name=f"adapt gait model of {institution.slug}",
            )
        )
        return Response({"queued": "adapt_institution_model"}, status=status.HTTP_202_ACCEPTED)


class PersonEnrolmentView(TenantAPIMixin, APIView):
    """A person's enrolment: templates and quality (usable seconds, consistency between clips,
    nearest other enrolled person, warnings). Every read is written to the access log."""

    read_capability = Capability.MANAGE_PEOPLE
    write_capability = Capability.MANAGE_PEOPLE

    @extend_schema(responses={200: s.EnrolmentSerializer})
    def get(self, request: Request, person_id: int) -> Response:
        actor = request.actor
        person = get_object_or_404(account_selectors.person_list(actor=actor), pk=person_id)
        version = services.model_version_active(institution=actor.institution)
        quality = services.enrolment_quality(person=person, version=version)
        templates = selectors.template_list(person=person).filter(model_version=version)
        services.access_log_record(
            actor=actor, institution=actor.institution, what="enrolment", person=person
        )
        return Response(
            {
                "quality": quality.as_dict(),
                "templates": s.TemplateSerializer(templates, many=True).data,
            }
        )


class PersonEraseView(TenantAPIMixin, APIView):
    """Erase a person's gait data (templates, samples, keypoints); attendance stays; audited."""

    write_capability = Capability.MANAGE_PEOPLE

    @extend_schema(request=s.EraseInSerializer, responses={200: s.EraseOutSerializer})
    def post(self, request: Request, person_id: int) -> Response:
        actor = request.actor
        person = get_object_or_404(account_selectors.person_list(actor=actor), pk=person_id)
        incoming = s.EraseInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        summary = services.person_biometrics_erase(
            person=person, actor=actor, reason=incoming.validated_data["reason"]
        )
        return Response(summary)


class AccessLogViewSet(
    AttendanceAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Who looked at or erased biometric data, and when (administrators)."""

    queryset = BiometricAccessLog.objects.none()
    serializer_class = s.AccessLogSerializer
    read_capability = Capability.MANAGE_MEMBERS

    def get_queryset(self):
        return selectors.access_log_list(actor=self.actor).order_by("-at", "-pk")

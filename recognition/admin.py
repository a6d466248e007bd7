"""Admin for recognition: every write goes through recognition.services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts.admin_scoping import TenantAdmin
from accounts.admin_writes import ServiceWritesAdmin
from accounts.models import Person
from accounts.roles import Capability
from attendance.models import Camera
from recognition import services
from recognition.models import (
    BiometricAccessLog,
    Decision,
    GaitModelVersion,
    GaitSample,
    GaitTemplate,
    Recognition,
    RecognitionSettings,
)


class ReadOnlyAdmin(TenantAdmin):
    """Rows written only by the pipeline: viewed here, changed through actions (services)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class SampleUploadForm(forms.ModelForm):
    upload = forms.FileField(help_text="A walking video or a keypoint file.")

    class Meta:
        model = GaitSample
        fields = ["purpose", "person", "camera", "captured_at"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Scoped managers: only this institution's people and cameras are offered.
        self.fields["person"].queryset = Person.objects.all()
        self.fields["camera"].queryset = Camera.objects.all()
        self.fields["captured_at"].required = False


@admin.register(GaitSample)
class GaitSampleAdmin(ServiceWritesAdmin):
    change_capability = Capability.TAKE_ATTENDANCE
    list_display = [
        "id",
        "purpose",
        "person",
        "camera",
        "status",
        "stage",
        "progress",
        "created_at",
    ]
    list_filter = ["status", "purpose", "kind"]
    search_fields = ["original_name", "person__last_name", "person__external_id"]
    actions = ["retry_failed"]
    readonly = (
        "purpose",
        "person",
        "camera",
        "captured_at",
        "kind",
        "original_name",
        "size_bytes",
        "status",
        "progress",
        "stage",
        "error",
        "attempts",
        "model_version",
        "details",
        "uploaded_by",
        "created_at",
        "finished_at",
        "file_deleted_at",
    )

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = SampleUploadForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return (
            ["upload", "purpose", "person", "camera", "captured_at"]
            if obj is None
            else self.readonly
        )

    def get_readonly_fields(self, request, obj=None):
        return self.readonly if obj is not None else ()

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def write(self, request, form, change, *, trial=False):
        data = form.cleaned_data
        made = services.sample_create(
            institution=request.institution,
            actor=self.actor(request),
            content=data["upload"],
            filename=data["upload"].name,
            purpose=data["purpose"],
            person=data.get("person"),
            camera=data.get("camera"),
            captured_at=data.get("captured_at"),
        )
        if trial and made.created:
            made.sample.file.delete(save=False)  # the rollback cannot remove the stored file
        return made.sample

    def delete(self, request, obj) -> None:
        services.sample_delete(sample=obj)

    @admin.action(description="Retry the selected failed samples")
    def retry_failed(self, request, queryset) -> None:
        done = 0
        for sample in queryset.filter(status=GaitSample.Status.FAILED):
            try:
                services.sample_retry(sample=sample)
                done += 1
            except ValidationError as error:
                messages.error(request, f"{sample}: {' '.join(error.messages)}")
        messages.success(request, f"{done} sample(s) queued again.")


@admin.register(Recognition)
class RecognitionAdmin(ReadOnlyAdmin):
    list_display = ["id", "occurred_at", "decision", "person", "score", "sample", "presence_event"]
    list_filter = ["decision"]
    search_fields = ["person__last_name", "person__external_id"]
    actions = ["confirm", "mark_unknown"]

    def _review(self, request, queryset, action: str) -> None:
        actor = self.actor(request) if hasattr(self, "actor") else request.actor
        for recognition in queryset:
            try:
                reviewed = services.recognition_review(
                    recognition=recognition, actor=actor, action=action
                )
            except ValidationError as error:
                messages.error(request, f"{recognition}: {' '.join(error.messages)}")
            else:
                if reviewed.enrolment_note:
                    messages.info(request, f"{reviewed}: {reviewed.enrolment_note}")

    def actor(self, request: HttpRequest):
        return getattr(request, "actor", None)

    @admin.action(description="Confirm the best candidate", permissions=["review"])
    def confirm(self, request, queryset) -> None:
        self._review(request, queryset.exclude(decision=Decision.UNKNOWN, candidates=[]), "confirm")

    @admin.action(
        description="Mark as unknown (withdraws the presence event)", permissions=["review"]
    )
    def mark_unknown(self, request, queryset) -> None:
        self._review(request, queryset, "unknown")

    def has_review_permission(self, request: HttpRequest) -> bool:
        return self._can(request, Capability.MANAGE_ATTENDANCE)


@admin.register(GaitModelVersion)
class GaitModelVersionAdmin(ReadOnlyAdmin):
    list_display = [
        "model_version",
        "kind",
        "is_active",
        "threshold",
        "review_threshold",
        "is_fallback",
        "estimated_far",
        "estimated_tar",
        "genuine_pairs",
        "impostor_pairs",
    ]
    actions = ["recompute_calibration", "activate"]

    @admin.action(description="Recompute calibration from enrolments", permissions=["settings"])
    def recompute_calibration(self, request, queryset) -> None:
        for version in queryset:
            services.calibration_recompute(version=version)
        messages.success(request, "Calibration recomputed.")

    @admin.action(description="Activate (match with this model)", permissions=["settings"])
    def activate(self, request, queryset) -> None:
        if queryset.count() != 1:
            messages.error(request, "Select exactly one version.")
            return
        services.model_version_activate(version=queryset.get())

    def has_settings_permission(self, request: HttpRequest) -> bool:
        return self._can(request, Capability.MANAGE_SETTINGS)


@admin.register(GaitTemplate)
class GaitTemplateAdmin(ReadOnlyAdmin):
    view_capability = Capability.MANAGE_PEOPLE
    list_display = ["id", "person", "model_version", "usable_seconds", "quality", "created_at"]
    exclude = ["embedding"]

    def changelist_view(self, request, extra_context=None):
        actor = getattr(request, "actor", None)
        if actor is not None and actor.institution is not None:
            services.access_log_record(
                actor=actor, institution=actor.institution, what="gait templates (admin)"
            )
        return super().changelist_view(request, extra_context)


@admin.register(BiometricAccessLog)
class BiometricAccessLogAdmin(ReadOnlyAdmin):
    view_capability = Capability.MANAGE_MEMBERS
    list_display = ["at", "actor_label", "action", "what", "person_label"]
    list_filter = ["action"]


@admin.register(RecognitionSettings)
class RecognitionSettingsAdmin(ServiceWritesAdmin):
    change_capability = Capability.MANAGE_SETTINGS
    fields = service_fields = RecognitionSettings.EDITABLE_FIELDS

    def create(self, request, values, form):
        return services.recognition_settings_update(institution=request.institution, **values)

    def update(self, request, obj, values, form):
        return services.recognition_settings_update(institution=obj.institution, **values)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

"""Admin for registrars: cameras, rules, schedules, sessions, events, records (with history).

Writes that carry rules (overrides, excuses, event removal, finalising) go through the services,
so the admin audits and recomputes exactly like the API. Pages show times in the institution's
time zone.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.admin_scoping import TenantAdmin
from accounts.admin_writes import ServiceWritesAdmin
from accounts.roles import Capability
from attendance import services
from attendance.engine import RuleParams
from attendance.models import (
    OVERRIDE_STATUSES,
    AttendanceRecord,
    AttendanceRule,
    AttendanceSettings,
    Camera,
    Excuse,
    Holiday,
    PresenceEvent,
    RecordChange,
    Session,
    SessionSchedule,
    Status,
)


class AttendanceAdmin(TenantAdmin):
    """Attendance pages: registrars change, everyone with VIEW reads; local times."""

    view_capability = Capability.VIEW
    change_capability = Capability.MANAGE_ATTENDANCE

    def _in_local_time(self, request: HttpRequest, view, *args, **kwargs):
        institution = getattr(request, "institution", None)
        zone = institution.tzinfo if institution is not None else timezone.get_current_timezone()
        with timezone.override(zone):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    def changelist_view(self, request, extra_context=None):
        return self._in_local_time(request, super().changelist_view, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._in_local_time(
            request, super().changeform_view, object_id, form_url, extra_context
        )

    def actor(self, request: HttpRequest):
        return getattr(request, "actor", None)


class ServiceSavesAdmin(AttendanceAdmin, ServiceWritesAdmin):
    """Adding, changing and deleting go through the services, which also write the
    many-to-many fields (so the admin regenerates, recomputes, validates and audits exactly like
    the API); a rule a service enforces shows as a form error."""

    def get_deleted_objects(self, objs, request):
        # Records and history go with what they belong to only when the service allows the
        # deletion (it refuses a finalised session, a camera with events...): it decides, not
        # the per-model delete permissions of the rows that cascade.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected


@admin.register(Camera)
class CameraAdmin(ServiceSavesAdmin):
    list_display = ["name", "room", "role", "entering_direction", "debounce_seconds", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["name", "room"]
    filter_horizontal = ["units"]
    fields = service_fields = (
        "name",
        "room",
        "role",
        "entering_direction",
        "debounce_seconds",
        "units",
        "is_active",
    )

    def create(self, request, values, form):
        return services.camera_create(institution=request.institution, **values)

    def update(self, request, obj, values, form):
        return services.camera_update(camera=obj, **values)

    def delete(self, request, obj) -> None:
        services.camera_delete(camera=obj)


class RuleForm(forms.ModelForm):
    class Meta:
        model = AttendanceRule
        fields = ["name", "units", *RuleParams.field_names()]


@admin.register(AttendanceRule)
class AttendanceRuleAdmin(ServiceSavesAdmin):
    form = RuleForm
    service_fields = ("name", "units", *RuleParams.field_names())
    list_display = [
        "name",
        "entry_window_minutes",
        "late_grace_minutes",
        "early_exit_grace_minutes",
        "minimum_presence_minutes",
        "full_attendance_minutes",
        "presence_counting",
        "direction_mode",
        "finalise_after_minutes",
    ]
    search_fields = ["name"]
    filter_horizontal = ["units"]
    fieldsets = [
        (None, {"fields": ["name", "units"]}),
        (
            "Windows and graces (minutes; docs/ATTENDANCE_RULES.md)",
            {
                "fields": [
                    "entry_window_minutes",
                    "exit_window_minutes",
                    "late_grace_minutes",
                    "early_exit_grace_minutes",
                ]
            },
        ),
        (
            "Presence",
            {
                "fields": [
                    "minimum_presence_minutes",
                    "full_attendance_minutes",
                    "presence_counting",
                    "direction_mode",
                ]
            },
        ),
        (
            "Finalisation and lateness",
            {
                "fields": [
                    "finalise_after_minutes",
                    "lateness_flag_count",
                    "lateness_flag_period_days",
                ]
            },
        ),
    ]

    def create(self, request, values, form):
        return services.rule_create(institution=request.institution, **values)

    def update(self, request, obj, values, form):
        return services.rule_update(rule=obj, **values)

    def delete(self, request, obj) -> None:
        services.rule_delete(rule=obj)


@admin.register(AttendanceSettings)
class AttendanceSettingsAdmin(ServiceSavesAdmin):
    change_capability = Capability.MANAGE_SETTINGS
    list_display = ["institution", "default_rule", "notify_absences", "absence_contact_email"]
    fields = service_fields = ("default_rule", "notify_absences", "absence_contact_email")

    def has_add_permission(self, request) -> bool:
        return False  # one row per institution, created on first use

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the institution's settings: changed, never removed

    def changelist_view(self, request, extra_context=None):
        if getattr(request, "institution", None) is not None:
            services.attendance_settings_get(institution=request.institution)
        return super().changelist_view(request, extra_context)

    def update(self, request, obj, values, form):
        return services.attendance_settings_update(institution=obj.institution, **values)


@admin.register(SessionSchedule)
class SessionScheduleAdmin(ServiceSavesAdmin):
    list_display = [
        "title",
        "unit",
        "weekdays",
        "start_time",
        "end_time",
        "valid_from",
        "valid_until",
        "is_active",
    ]
    list_filter = ["is_active", "unit"]
    search_fields = ["title", "room"]
    filter_horizontal = ["cameras"]
    actions = ["generate_two_weeks"]
    fields = service_fields = (
        "unit",
        "title",
        "room",
        "cameras",
        "rule",
        "weekdays",
        "start_time",
        "end_time",
        "valid_from",
        "valid_until",
        "is_active",
    )

    def create(self, request, values, form):
        cameras = values.pop("cameras", [])
        return services.schedule_create(institution=request.institution, cameras=cameras, **values)

    def update(self, request, obj, values, form):
        cameras = values.pop("cameras", None)
        return services.schedule_update(schedule=obj, cameras=cameras, **values)

    def delete(self, request, obj) -> None:
        services.schedule_delete(schedule=obj)

    @admin.action(description="Generate the next two weeks of sessions")
    def generate_two_weeks(self, request, queryset) -> None:
        created = 0
        for schedule in queryset:
            today = timezone.localdate(timezone=schedule.institution.tzinfo)
            created += len(
                services.sessions_generate(
                    schedule=schedule, start=today, end=today + timedelta(days=14)
                )
            )
        self.message_user(request, f"{created} session(s) created.")


@admin.register(Holiday)
class HolidayAdmin(ServiceSavesAdmin):
    list_display = ["name", "starts_on", "ends_on"]
    search_fields = ["name"]
    date_hierarchy = "starts_on"
    fields = service_fields = ("name", "starts_on", "ends_on")

    def create(self, request, values, form):
        return services.holiday_create(institution=request.institution, **values)

    def update(self, request, obj, values, form):
        return services.holiday_update(holiday=obj, **values)

    def delete(self, request, obj) -> None:
        services.holiday_delete(holiday=obj)


class ReadOnlyInline(admin.TabularInline):
    """Shown to whoever may view the parent page (members have roles, not Django permissions)."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None) -> bool:
        actor = getattr(request, "actor", None)
        return request.user.is_superuser or (actor is not None and actor.can(Capability.VIEW))

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RecordInline(ReadOnlyInline):
    model = AttendanceRecord
    fields = ["person", "status", "first_in", "last_out", "minutes_present", "reason"]
    readonly_fields = fields
    show_change_link = True
    ordering = ["person__last_name", "person__first_name"]


class CloseEarlyForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the session ends now (audited). Records are computed up to this moment.",
    )


@admin.register(Session)
class SessionAdmin(ServiceSavesAdmin):
    list_display = ["title", "unit", "starts_at", "ends_at", "room", "state"]
    list_filter = ["state", "unit"]
    search_fields = ["title", "room", "unit__code"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["cameras"]
    readonly_fields = [
        "state",
        "schedule",
        "finalised_at",
        "planned_ends_at",
        "closed_early_by",
        "close_early_reason",
        "absence_notice_sent_at",
    ]
    fields = [
        "unit",
        "title",
        "room",
        "cameras",
        "starts_at",
        "ends_at",
        "rule",
        *readonly_fields,
    ]
    service_fields = ("unit", "title", "room", "cameras", "starts_at", "ends_at", "rule")
    inlines = [RecordInline]
    actions = ["finalise", "close_early", "recompute"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_finalised:  # history: only the title and room change
            readonly += ["unit", "cameras", "starts_at", "ends_at", "rule"]
        return readonly

    def create(self, request, values, form):
        cameras = list(values.pop("cameras", [])) or None  # none chosen: the unit's cameras
        return services.session_create(institution=request.institution, cameras=cameras, **values)

    def update(self, request, obj, values, form):
        cameras = values.pop("cameras", None)
        return services.session_update(
            session=obj, actor=self.actor(request), cameras=cameras, **values
        )

    @admin.action(description="Finalise now (ended sessions: no-shows become absent)")
    def finalise(self, request, queryset) -> None:
        self._finalise(request, queryset, reason="")

    @admin.action(description="Close early (running sessions: asks why, audited)")
    def close_early(self, request, queryset):
        form = CloseEarlyForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._finalise(request, queryset, reason=form.cleaned_data["reason"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Close sessions early",
            "opts": self.model._meta,
            "sessions": queryset.select_related("unit"),
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return self._in_local_time(
            request,
            lambda request: TemplateResponse(
                request, "admin/attendance/session/close_early.html", context
            ),
        )

    def _finalise(self, request, queryset, *, reason: str) -> None:
        done, refused = 0, []
        for session in queryset:
            try:
                result = services.session_finalise(
                    session=session, actor=self.actor(request), close_early_reason=reason
                )
            except ValidationError as error:
                refused.append(f"{session}: {' '.join(error.messages)}")
                continue
            done += result is not None
        self.message_user(request, f"{done} session(s) finalised.")
        for message in refused:
            messages.error(request, message)

    @admin.action(description="Recompute records (counting late data)")
    def recompute(self, request, queryset) -> None:
        for session in queryset:
            services.session_recompute(session=session, actor=self.actor(request))
        self.message_user(request, f"{queryset.count()} session(s) recomputed.")

    def delete(self, request, obj) -> None:
        services.session_delete(session=obj)


@admin.register(PresenceEvent)
class PresenceEventAdmin(ServiceSavesAdmin):
    """Events are append-only: they are read here; a wrong one is deleted (and recomputed)."""

    list_display = [
        "occurred_at",
        "person",
        "direction",
        "camera",
        "source",
        "confidence",
        "recorded_by",
    ]
    list_filter = ["source", "direction", "camera"]
    search_fields = ["person__external_id", "person__last_name", "idempotency_key", "source_ref"]
    date_hierarchy = "occurred_at"
    list_select_related = ["person", "camera"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete(self, request, obj) -> None:
        services.event_delete(event=obj, actor=self.actor(request), reason="deleted in the admin")


class RecordChangeInline(ReadOnlyInline):
    """The record's history: every status change, who, when, before, after and why."""

    model = RecordChange
    fields = ["changed_at", "changed_by", "kind", "status_before", "status_after", "why"]
    readonly_fields = fields
    ordering = ["-changed_at", "-id"]
    verbose_name_plural = "History (every status change)"


class RecordOverrideForm(forms.ModelForm):
    override_status = forms.ChoiceField(
        choices=[
            ("", "(none: computed status)"),
            *[(s, Status(s).label) for s in OVERRIDE_STATUSES],
        ],
        required=False,
        label="Manual status",
    )
    change_reason = forms.CharField(
        required=False,
        max_length=500,
        help_text="Why the manual status is set or cleared (required; it is audited).",
    )

    class Meta:
        model = AttendanceRecord
        fields = ["override_status"]

    def clean(self):
        data = super().clean()
        if "override_status" in self.changed_data and not data.get("change_reason", "").strip():
            self.add_error("change_reason", "Say why (it is audited).")
        return data


@admin.register(AttendanceRecord)
class AttendanceRecordAdmin(ServiceSavesAdmin):
    form = RecordOverrideForm
    list_display = [
        "person",
        "session",
        "status",
        "minutes_present",
        "first_in",
        "last_out",
        "is_overridden",
        "is_final",
    ]
    list_filter = ["status", "is_final", "arrived_late", "left_early", "session__unit"]
    search_fields = ["person__external_id", "person__last_name", "session__title"]
    list_select_related = ["person", "session"]
    readonly_fields = [
        "session",
        "person",
        "status",
        "reason_text",
        "computed_status",
        "computed_reason",
        "first_in",
        "last_out",
        "minutes_present",
        "flags",
        "rule_used",
        "excuse",
        "override_reason",
        "overridden_by",
        "overridden_at",
        "is_final",
        "computed_at",
    ]
    fieldsets = [
        (None, {"fields": ["session", "person", "status", "reason_text", "flags"]}),
        (
            "Presence",
            {"fields": ["first_in", "last_out", "minutes_present", "rule_used", "excuse"]},
        ),
        ("Computed", {"fields": ["computed_status", "computed_reason", "computed_at", "is_final"]}),
        (
            "Manual status",
            {
                "fields": [
                    "override_status",
                    "change_reason",
                    "override_reason",
                    "overridden_by",
                    "overridden_at",
                ]
            },
        ),
    ]
    inlines = [RecordChangeInline]

    @admin.display(boolean=True, description="Manual")
    def is_overridden(self, obj: AttendanceRecord) -> bool:
        return obj.is_overridden

    @admin.display(description="Reason")
    def reason_text(self, obj: AttendanceRecord) -> str:
        return format_html("<p>{}</p>", obj.reason)

    @admin.display(description="Rule used")
    def rule_used(self, obj: AttendanceRecord) -> str:
        return obj.rule_snapshot.get("name", "")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def write(self, request, form, change, *, trial=False):
        """A manual status set or cleared through the services (audited); nothing else."""
        record = AttendanceRecord.objects.get(pk=form.instance.pk)
        if "override_status" not in form.changed_data:
            return record
        wanted = form.cleaned_data["override_status"]
        reason = form.cleaned_data["change_reason"]
        if wanted:
            return services.record_override(
                record=record, status=wanted, reason=reason, actor=self.actor(request)
            )
        if record.override_status:
            return services.record_override_clear(
                record=record, reason=reason, actor=self.actor(request)
            )
        return record


class _DocumentLink:
    def __init__(self, url: str) -> None:
        self.url = url

    def __str__(self) -> str:
        return "download"


class ExcuseDocumentInput(forms.ClearableFileInput):
    """Links the current document to its authorised download, not to a (never served) media
    URL."""

    def format_value(self, value):
        if self.is_initial(value) and getattr(value, "instance", None) is not None:
            return _DocumentLink(reverse("attendance-excuse-document", args=[value.instance.pk]))
        return super().format_value(value)


@admin.register(Excuse)
class ExcuseAdmin(ServiceSavesAdmin):
    list_display = ["person", "starts_at", "ends_at", "reason", "recorded_by"]
    search_fields = ["person__external_id", "person__last_name", "reason"]
    date_hierarchy = "starts_at"
    fields = ["person", "starts_at", "ends_at", "reason", "document", "recorded_by"]
    readonly_fields = ["recorded_by"]
    autocomplete_fields = ["person"]
    service_fields = ("person", "starts_at", "ends_at", "reason")
    formfield_overrides = {models.FileField: {"widget": ExcuseDocumentInput}}

    def write(self, request, form, change, *, trial=False):
        values = {name: form.cleaned_data[name] for name in self.service_fields}
        document = form.cleaned_data.get("document")
        if document is False:  # "clear" ticked
            values["document"] = ""
        elif "document" in form.changed_data and document and trial:
            # checked by content in the trial run (a form error), stored by the real write
            services.excuse_document_check(document, rename=False)
        elif "document" in form.changed_data and document:
            values["document"] = document  # stored once, by the real write
        if change:
            return services.excuse_update(
                excuse=Excuse.objects.get(pk=form.instance.pk), actor=self.actor(request), **values
            )
        return services.excuse_create(
            institution=request.institution, actor=self.actor(request), **values
        )

    def delete(self, request, obj) -> None:
        services.excuse_delete(excuse=obj, actor=self.actor(request))

"""Institution settings (administrators): recognition thresholds, retention, members and roles,
API keys, and the attendance rules and cameras in use. Every write goes through a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import selectors, services
from accounts.forms import (
    APIKeyForm,
    InstitutionSettingsForm,
    MemberForm,
    MemberRoleForm,
    RecognitionSettingsForm,
)
from accounts.models import APIKey
from accounts.page_access import page_actor
from accounts.roles import Capability
from accounts.views.people import _field_errors
from attendance import selectors as attendance_selectors
from recognition import services as recognition_services
from recognition.models import RecognitionSettings

INSTITUTION_FIELDS = ("name", "time_zone", "raw_video_retention_days")
RECOGNITION_FIELDS = RecognitionSettings.EDITABLE_FIELDS


def _errors(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    return "; ".join(error.messages)


@login_required
def institution_settings(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request, Capability.MANAGE_SETTINGS)
    institution = actor.institution
    action = request.POST.get("action", "") if request.method == "POST" else ""
    settings_form = InstitutionSettingsForm(
        request.POST if action == "institution" else None,
        initial={name: getattr(institution, name) for name in INSTITUTION_FIELDS},
    )
    site = recognition_services.recognition_settings_get(institution=institution)
    recognition_form = RecognitionSettingsForm(
        request.POST if action == "recognition" else None,
        initial={name: getattr(site, name) for name in RECOGNITION_FIELDS},
    )
    member_form = MemberForm(request.POST if action == "member-add" else None)
    key_form = APIKeyForm(request.POST if action == "key-create" else None)
    new_key = None
    if action == "institution" and settings_form.is_valid():
        try:
            services.institution_update(institution=institution, **settings_form.cleaned_data)
        except ValidationError as error:
            _field_errors(settings_form, error)
        else:
            messages.success(request, "Settings saved.")
            return redirect("institution-settings")
    elif action == "recognition" and recognition_form.is_valid():
        try:
            recognition_services.recognition_settings_update(
                institution=institution, **recognition_form.cleaned_data
            )
        except ValidationError as error:
            _field_errors(recognition_form, error)
        else:
            messages.success(request, "Recognition settings saved; recompute the calibration.")
            return redirect("institution-settings")
    elif action == "calibrate":
        version = recognition_services.model_version_active(institution=institution)
        version = recognition_services.calibration_recompute(version=version)
        messages.success(
            request,
            f"Calibrated on {version.calibration_people} people: accept at "
            f"{version.threshold:.2f}, review from {version.review_threshold:.2f}.",
        )
        return redirect("institution-settings")
    elif action == "member-add" and member_form.is_valid():
        return _member_add(request, actor, member_form)
    elif action == "member-role":
        return _member_role(request, actor)
    elif action == "member-remove":
        return _member_remove(request, actor)
    elif action == "key-create" and key_form.is_valid():
        try:
            key, new_key = services.api_key_create(
                institution=institution, created_by=actor.user, **key_form.cleaned_data
            )
        except ValidationError as error:
            _field_errors(key_form, error)
        else:
            messages.success(request, f"API key {key.name} created. Copy it now: it is shown once.")
            key_form = APIKeyForm()
    elif action == "key-revoke":
        key = APIKey.objects.filter(
            institution=institution, pk=request.POST.get("key") or 0
        ).first()
        if key is None:
            messages.error(request, "key: no such API key.")
        else:
            services.api_key_revoke(api_key=key)
            messages.success(request, f"API key {key.name} revoked.")
        return redirect("institution-settings")
    return render(
        request,
        "accounts/settings.html",
        {
            "settings_form": settings_form,
            "recognition_form": recognition_form,
            "version": recognition_services.model_version_active(institution=institution),
            "member_form": member_form,
            "key_form": key_form,
            "new_key": new_key,
            "members": selectors.member_list(actor=actor).order_by("user__username"),
            "keys": APIKey.objects.filter(institution=institution).order_by("-created_at"),
            "rules": attendance_selectors.rule_list(actor=actor),
            "cameras": attendance_selectors.camera_list(actor=actor).order_by("name"),
            "role_form": MemberRoleForm(),
        },
    )


def _member_add(request: HttpRequest, actor, form: MemberForm) -> HttpResponse:
    """A new username gets a sign-in here; an existing account gets an invitation it accepts
    itself (membership is consent: accounts.services.member_add)."""
    try:
        added = services.member_add(
            actor=actor,
            institution=actor.institution,
            username=form.cleaned_data["username"].strip(),
            role=form.cleaned_data["role"],
        )
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        if added.membership is not None:
            messages.success(
                request,
                f"{added.membership.user.username} added as "
                f"{added.membership.get_role_display()}; they set a password through a reset "
                "before signing in.",
            )
        else:
            messages.success(
                request,
                f"{added.invitation.invitee.username} already has an account: invited as "
                f"{added.invitation.get_role_display()}; they accept or decline it themselves.",
            )
    return redirect("institution-settings")


def _membership(request: HttpRequest, actor):
    return selectors.member_list(actor=actor).filter(pk=request.POST.get("membership") or 0).first()


def _member_role(request: HttpRequest, actor) -> HttpResponse:
    form = MemberRoleForm(request.POST)
    membership = _membership(request, actor)
    if membership is None or not form.is_valid():
        messages.error(request, "role: choose a member and a role.")
        return redirect("institution-settings")
    try:
        services.membership_update(membership=membership, role=form.cleaned_data["role"])
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(
            request, f"{membership.user.username} is now {membership.get_role_display()}."
        )
    return redirect("institution-settings")


def _member_remove(request: HttpRequest, actor) -> HttpResponse:
    membership = _membership(request, actor)
    if membership is None:
        messages.error(request, "membership: no such member.")
        return redirect("institution-settings")
    try:
        services.membership_delete(membership=membership)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, f"{membership.user.username} removed.")
    return redirect("institution-settings")

"""An institution's attendance settings: default rule and absence notifications."""

from __future__ import annotations

from django.db import models

from accounts.models import Institution
from accounts.tenancy import TenantOwnedModel
from attendance.models.rules import AttendanceRule


class AttendanceSettings(TenantOwnedModel):
    """One row per institution (created on first use)."""

    institution = models.OneToOneField(
        Institution, on_delete=models.CASCADE, related_name="attendance_settings"
    )
    default_rule = models.ForeignKey(
        AttendanceRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Used by sessions whose unit has no rule. Empty: the built-in defaults.",
    )
    notify_absences = models.BooleanField(
        default=False,
        help_text="Email the contact below once per session when people are marked absent.",
    )
    absence_contact_email = models.EmailField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "attendance settings"
        verbose_name_plural = "attendance settings"

    def __str__(self) -> str:
        return f"Attendance settings of {self.institution_id}"

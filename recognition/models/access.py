"""Every staff read of a person's biometric data, and every erasure: who, when, what."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.models import Institution, Person
from accounts.tenancy import TenantOwnedModel


class BiometricAccessLog(TenantOwnedModel):
    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        DOWNLOAD = "download", "Downloaded"
        ERASE = "erase", "Erased"

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="biometric_access_logs"
    )
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    person_label = models.CharField(max_length=250, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=10, choices=Action.choices)
    what = models.CharField(max_length=200, help_text="The data looked at, e.g. 'enrolments'.")
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "biometric access log entry"
        verbose_name_plural = "biometric access log"

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.what} ({self.at:%Y-%m-%d %H:%M})"

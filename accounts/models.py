"""Institutions (the tenants), their members, units and people."""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.roles import Role
from accounts.tenancy import TenantOwnedModel
from gaitportal.input_policy import (
    CONSENT_FUTURE_TOLERANCE,
    check_datetime,
    check_not_after,
    problems,
)


class User(AbstractUser):
    """A person who signs in. What they may do depends on their memberships."""


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"Unknown time zone {value!r} (use an IANA name like Europe/Paris).")


class Institution(models.Model):
    """A school or company: the tenant. Everything it owns carries a foreign key to it."""

    class Kind(models.TextChoices):
        SCHOOL = "school", "School"
        COMPANY = "company", "Company"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    # Raw uploaded videos are deleted after this many days; keypoints and embeddings stay.
    # 0 deletes a video as soon as it has been processed.
    raw_video_retention_days = models.PositiveIntegerField(default=30)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Membership(TenantOwnedModel):
    """A user's role in one institution. A user may belong to several and switch between them."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    # The institution a user lands in (sign-in, tokens without X-Institution). Set on a user's
    # first membership or by the user themselves; never by anyone else's action.
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["institution__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "institution"], name="unique_membership"),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default=True),
                name="one_default_membership_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.institution} ({self.get_role_display()})"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(TenantOwnedModel):
    """An institution's offer of a role to an existing user: a membership only once they accept.

    Membership is consent: an administrator of one institution cannot pull another institution's
    user in; the invitee lists their invitations and accepts or declines them. The token is the
    invitee's handle for it (not guessable, unlike the id the inviting institution sees).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="invitations"
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "invitee"],
                condition=models.Q(
                    accepted_at__isnull=True, declined_at__isnull=True, revoked_at__isnull=True
                ),
                name="one_open_invitation_per_user_and_institution",
            )
        ]

    def __str__(self) -> str:
        return f"{self.invitee} to {self.institution} ({self.get_role_display()})"

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.declined_at is not None:
            return self.Status.DECLINED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING


class Unit(TenantOwnedModel):
    """A class, course section, department or team."""

    class Kind(models.TextChoices):
        CLASS = "class", "Class"
        COURSE_SECTION = "section", "Course section"
        DEPARTMENT = "department", "Department"
        TEAM = "team", "Team"

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="units")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CLASS)
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="instructed_units",
        blank=True,
        help_text="Instructors or managers who see this unit's people and attendance.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="unique_unit_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Person(TenantOwnedModel):
    """A student or employee whose attendance is taken."""

    class Kind(models.TextChoices):
        STUDENT = "student", "Student"
        EMPLOYEE = "employee", "Employee"

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="people")
    external_id = models.CharField(
        max_length=64, help_text="Student or employee number, unique within the institution."
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    units = models.ManyToManyField(Unit, related_name="people", blank=True)
    # Gait data is biometric: it is only collected once consent is recorded.
    consent_given = models.BooleanField(default=False)
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "external_id"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "external_id"], name="unique_person_external_id"
            )
        ]
        indexes = [models.Index(fields=["institution", "last_name", "first_name"])]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.external_id})"

    def clean(self) -> None:
        if self.consent_recorded_at is None:
            return
        errors = problems(
            consent_recorded_at=lambda: check_not_after(
                check_datetime(self.consent_recorded_at),
                now=timezone.now(),
                tolerance=CONSENT_FUTURE_TOLERANCE,
            )
        )
        if errors:
            raise ValidationError(errors)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def _hash_api_key(raw_key: str) -> str:
    # Keys are 256-bit random secrets, so a fast hash is enough (no dictionary to guess from).
    return hashlib.sha256(raw_key.encode()).hexdigest()


class APIKey(TenantOwnedModel):
    """A credential for a device or an integration, bound to one institution and a role."""

    PREFIX_LENGTH = 8

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    hashed_key = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """A new raw key (shown once), its public prefix and its hash."""
        prefix = secrets.token_hex(APIKey.PREFIX_LENGTH // 2)
        raw_key = f"{prefix}.{secrets.token_urlsafe(32)}"
        return raw_key, prefix, _hash_api_key(raw_key)

    def matches(self, raw_key: str) -> bool:
        return secrets.compare_digest(self.hashed_key, _hash_api_key(raw_key))

    def touch(self) -> None:
        APIKey.unscoped.filter(pk=self.pk).update(last_used_at=timezone.now())

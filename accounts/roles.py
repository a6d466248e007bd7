"""Roles of a member within an institution and what each may do."""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    REGISTRAR = "registrar", "Registrar / HR"
    INSTRUCTOR = "instructor", "Instructor / manager"
    VIEWER = "viewer", "Viewer"


class Capability(StrEnum):
    VIEW = "view"  # read the institution's data (instructors: their own units only)
    TAKE_ATTENDANCE = "take_attendance"  # record presence for sessions one may see
    MANAGE_PEOPLE = "manage_people"  # people, units, enrolments, imports
    MANAGE_ATTENDANCE = "manage_attendance"  # sessions, rules, overrides, excuses
    MANAGE_MEMBERS = "manage_members"  # memberships and API keys
    MANAGE_SETTINGS = "manage_settings"  # the institution's settings


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.VIEWER: frozenset({Capability.VIEW}),
    Role.INSTRUCTOR: frozenset({Capability.VIEW, Capability.TAKE_ATTENDANCE}),
    Role.REGISTRAR: frozenset(
        {
            Capability.VIEW,
            Capability.TAKE_ATTENDANCE,
            Capability.MANAGE_PEOPLE,
            Capability.MANAGE_ATTENDANCE,
        }
    ),
    Role.ADMIN: frozenset(Capability),
}

# Roles that see every unit of the institution; the others see only units they teach or manage.
ROLES_SEEING_ALL_UNITS = frozenset({Role.ADMIN, Role.REGISTRAR, Role.VIEWER})


def role_can(role: str | None, capability: Capability) -> bool:
    return role is not None and capability in ROLE_CAPABILITIES.get(role, frozenset())

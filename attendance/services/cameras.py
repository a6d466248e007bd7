"""Cameras: the entry and exit points."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Institution, Unit
from attendance.models import Camera

CAMERA_FIELDS = ("name", "room", "role", "entering_direction", "debounce_seconds", "is_active")


def _check_units(institution: Institution, units: list[Unit]) -> None:
    if any(unit.institution_id != institution.pk for unit in units):
        raise ValidationError({"units": "Units must belong to the same institution."})


@transaction.atomic
def camera_create(
    *, institution: Institution, name: str, units: Iterable[Unit] = (), **values: Any
) -> Camera:
    units = list(units)
    _check_units(institution, units)
    camera = Camera(institution=institution, name=name, **values)
    camera.full_clean()
    camera.save()
    camera.units.set(units)
    return camera


@transaction.atomic
def camera_update(*, camera: Camera, units: Iterable[Unit] | None = None, **changes: Any) -> Camera:
    unknown = set(changes) - set(CAMERA_FIELDS)
    if unknown:
        raise ValidationError(f"Not a camera field: {', '.join(sorted(unknown))}.")
    for name, value in changes.items():
        setattr(camera, name, value)
    camera.full_clean()
    camera.save()
    if units is not None:
        units = list(units)
        _check_units(camera.institution, units)
        camera.units.set(units)
    return camera


@transaction.atomic
def camera_delete(*, camera: Camera) -> None:
    """Only a camera without events can be deleted; switch it off (is_active) otherwise."""
    if camera.presence_events.exists():
        raise ValidationError(
            "This camera has presence events (part of the attendance history): switch it off "
            "instead of deleting it."
        )
    camera.delete()

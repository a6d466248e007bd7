"""Excuses and leave: turn absences in a period into excused ones, audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q

from accounts.actors import Actor
from accounts.models import Institution, Person
from attendance.models import Excuse, RecordChange, Session
from attendance.services.records import actor_label, records_refresh, sessions_lock
from gaitportal.uploads import DOCUMENT_KINDS, check_upload, stored_name

EXCUSE_FIELDS = ("person", "starts_at", "ends_at", "reason", "document")


def excuse_document_check(document: UploadedFile, *, rename: bool = True) -> UploadedFile:
    """A PDF, PNG or JPEG by content, within EXCUSE_DOCUMENT_MAX_BYTES; renamed for storage
    (a generated name with the extension of the content: the uploaded name is never used)."""
    kind = check_upload(
        document,
        kinds=DOCUMENT_KINDS,
        max_bytes=settings.EXCUSE_DOCUMENT_MAX_BYTES,
        field="document",
    )
    if rename:
        document.name = stored_name(kind)
    return document


def _refresh_period(
    *, person_id: int, starts_at: datetime, ends_at: datetime, actor: Actor | None, why: str
) -> int:
    """Recompute the person's records of every session overlapping the period (finalised too)."""
    sessions = (
        Session.objects.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
        .filter(Q(unit__people__pk=person_id) | Q(records__person_id=person_id))
        .values_list("pk", flat=True)
        .distinct()
    )
    locked = sessions_lock(list(sessions))
    if not locked:
        return 0
    result = records_refresh(
        pairs={session: [person_id] for session in locked},
        actor=actor,
        kind=RecordChange.Kind.EXCUSE,
        why=why,
    )
    return result.created + result.updated


@transaction.atomic
def excuse_create(
    *,
    institution: Institution,
    person: Person,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    document: UploadedFile | None = None,
    actor: Actor | None = None,
) -> Excuse:
    if person.institution_id != institution.pk:
        raise ValidationError({"person": "The person must belong to the same institution."})
    excuse = Excuse(
        institution=institution,
        person=person,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=(reason or "").strip(),
        recorded_by=actor_label(actor),
    )
    if document is not None:
        excuse.document = excuse_document_check(document)
    excuse.full_clean()
    excuse.save()
    _refresh_period(
        person_id=person.pk,
        starts_at=starts_at,
        ends_at=ends_at,
        actor=actor,
        why=f"excuse recorded by {actor_label(actor)} ({excuse.reason})",
    )
    return excuse


@transaction.atomic
def excuse_update(*, excuse: Excuse, actor: Actor | None = None, **changes: Any) -> Excuse:
    unknown = set(changes) - set(EXCUSE_FIELDS)
    if unknown:
        raise ValidationError(f"Not an excuse field: {', '.join(sorted(unknown))}.")
    person = changes.get("person")
    if person is not None and person.institution_id != excuse.institution_id:
        raise ValidationError({"person": "The person must belong to the same institution."})
    if isinstance(changes.get("document"), UploadedFile):
        changes["document"] = excuse_document_check(changes["document"])
    before = (excuse.person_id, excuse.starts_at, excuse.ends_at)
    for name, value in changes.items():
        setattr(excuse, name, value)
    excuse.full_clean()
    excuse.save()
    why = f"excuse changed by {actor_label(actor)} ({excuse.reason})"
    _refresh_period(
        person_id=before[0], starts_at=before[1], ends_at=before[2], actor=actor, why=why
    )
    _refresh_period(
        person_id=excuse.person_id,
        starts_at=excuse.starts_at,
        ends_at=excuse.ends_at,
        actor=actor,
        why=why,
    )
    return excuse


@transaction.atomic
def excuse_delete(*, excuse: Excuse, actor: Actor | None = None) -> None:
    person_id, starts_at, ends_at = excuse.person_id, excuse.starts_at, excuse.ends_at
    reason = excuse.reason
    excuse.delete()
    _refresh_period(
        person_id=person_id,
        starts_at=starts_at,
        ends_at=ends_at,
        actor=actor,
        why=f"excuse removed by {actor_label(actor)} (was: {reason})",
    )

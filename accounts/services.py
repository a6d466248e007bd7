"""Writes for institutions, members, units, people and API keys.

Keyword-only, typed, transactional. Views, serializers, admin actions and commands call these;
business rules live here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import APIKey, Institution, Membership, Person, Unit, User
from accounts.roles import Role

INSTITUTION_SETTINGS_FIELDS = (
    "name",
    "time_zone",
    "match_threshold",
    "review_threshold",
    "raw_video_retention_days",
)


def institution_create(
    *, name: str, slug: str, kind: str, time_zone: str = "UTC", **settings: Any
) -> Institution:
    institution = Institution(name=name, slug=slug, kind=kind, time_zone=time_zone, **settings)
    institution.full_clean()
    institution.save()
    return institution


@transaction.atomic
def institution_update(*, institution: Institution, **changes: Any) -> Institution:
    unknown = set(changes) - set(INSTITUTION_SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(f"Not an institution setting: {', '.join(sorted(unknown))}.")
    for field, value in changes.items():
        setattr(institution, field, value)
    institution.full_clean()
    institution.save()
    return institution


def _validate_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}; choose one of {Role.values}."})


@transaction.atomic
def membership_create(*, institution: Institution, user: User, role: str) -> Membership:
    _validate_role(role)
    if Membership.unscoped.filter(institution=institution, user=user).exists():
        raise ValidationError({"user": f"{user} is already a member of {institution}."})
    return Membership.unscoped.create(institution=institution, user=user, role=role)


def _ensure_an_admin_remains(membership: Membership) -> None:
    others = Membership.unscoped.filter(
        institution_id=membership.institution_id, role=Role.ADMIN
    ).exclude(pk=membership.pk)
    if membership.role == Role.ADMIN and not others.exists():
        raise ValidationError("An institution must keep at least one administrator.")


@transaction.atomic
def membership_update(*, membership: Membership, role: str) -> Membership:
    _validate_role(role)
    if role != Role.ADMIN:
        _ensure_an_admin_remains(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_delete(*, membership: Membership) -> None:
    _ensure_an_admin_remains(membership)
    membership.delete()


def membership_mark_used(*, membership: Membership) -> None:
    Membership.unscoped.filter(pk=membership.pk).update(last_used_at=timezone.now())


@transaction.atomic
def member_user_create(
    *,
    institution: Institution,
    username: str,
    role: str,
    email: str = "",
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> Membership:
    """Create a sign-in for a new member (or attach an existing user by username)."""
    _validate_role(role)
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, email=email, first_name=first_name, last_name=last_name)
        if password:
            from django.contrib.auth.password_validation import validate_password

            validate_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean()
        user.save()
    return membership_create(institution=institution, user=user, role=role)


def _units_of(institution: Institution, units: Iterable[Unit]) -> list[Unit]:
    units = list(units)
    foreign = [unit for unit in units if unit.institution_id != institution.pk]
    if foreign:
        raise ValidationError({"units": "Units must belong to the same institution."})
    return units


@transaction.atomic
def unit_create(
    *,
    institution: Institution,
    code: str,
    name: str,
    kind: str = Unit.Kind.CLASS,
    instructors: Iterable[User] = (),
) -> Unit:
    unit = Unit(institution=institution, code=code, name=name, kind=kind)
    unit.full_clean()
    unit.save()
    unit.instructors.set(list(instructors))
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, instructors: Iterable[User] | None = None, **changes: Any) -> Unit:
    for field, value in changes.items():
        setattr(unit, field, value)
    unit.full_clean()
    unit.save()
    if instructors is not None:
        unit.instructors.set(list(instructors))
    return unit


def unit_delete(*, unit: Unit) -> None:
    unit.delete()


def _record_consent(person: Person, consent_given: bool | None, consent_at: Any) -> None:
    if consent_given is None:
        return
    if consent_given and not person.consent_given:
        person.consent_recorded_at = consent_at or timezone.now()
    elif not consent_given:
        person.consent_recorded_at = consent_at if consent_at else None
    elif consent_at:
        person.consent_recorded_at = consent_at
    person.consent_given = consent_given


def _check_external_id_free(person: Person) -> None:
    taken = Person.unscoped.filter(
        institution_id=person.institution_id, external_id=person.external_id
    ).exclude(pk=person.pk)
    if taken.exists():
        raise ValidationError(
            {"external_id": f"Another person already has external id {person.external_id!r}."}
        )


@transaction.atomic
def person_create(
    *,
    institution: Institution,
    external_id: str,
    first_name: str,
    last_name: str,
    kind: str,
    email: str = "",
    is_active: bool = True,
    units: Iterable[Unit] = (),
    consent_given: bool = False,
    consent_recorded_at: Any = None,
) -> Person:
    person = Person(
        institution=institution,
        external_id=external_id.strip(),
        first_name=first_name,
        last_name=last_name,
        kind=kind,
        email=email,
        is_active=is_active,
    )
    _record_consent(person, consent_given, consent_recorded_at)
    _check_external_id_free(person)
    person.full_clean()
    person.save()
    person.units.set(_units_of(institution, units))
    return person


@transaction.atomic
def person_update(
    *,
    person: Person,
    units: Iterable[Unit] | None = None,
    consent_given: bool | None = None,
    consent_recorded_at: Any = None,
    **changes: Any,
) -> Person:
    for field, value in changes.items():
        setattr(person, field, value.strip() if field == "external_id" else value)
    _record_consent(person, consent_given, consent_recorded_at)
    _check_external_id_free(person)
    person.full_clean()
    person.save()
    if units is not None:
        person.units.set(_units_of(person.institution, units))
    return person


def person_delete(*, person: Person) -> None:
    person.delete()


@transaction.atomic
def api_key_create(
    *, institution: Institution, name: str, role: str, created_by: User | None = None
) -> tuple[APIKey, str]:
    """Create a key; the raw secret is returned once and only its hash is stored."""
    _validate_role(role)
    raw_key, prefix, hashed = APIKey.generate()
    key = APIKey(
        institution=institution,
        name=name,
        role=role,
        prefix=prefix,
        hashed_key=hashed,
        created_by=created_by,
    )
    key.full_clean(exclude=["prefix", "hashed_key"])
    key.save()
    return key, raw_key


def api_key_revoke(*, api_key: APIKey) -> APIKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


# Consent. Gait data is biometric: consent is recorded or withdrawn only here, with who and when.

CONSENT_NOTE_MAX = 500


@transaction.atomic
def person_consent_record(
    *,
    person: Person,
    given: bool,
    actor: Actor | None,
    recorded_at: datetime | None = None,
    note: str = "",
) -> Person:
    """Record (given=True) or withdraw (given=False) a person's consent to gait processing.

    When: `consent_recorded_at` is the moment consent was given (now, or the date of a signed
    form), cleared on withdrawal. Who, when, before, after and the note go to the person's
    history (Django's admin log, the History page of the person in the admin) whenever the actor
    is a signed-in user. Recording the state the person is already in changes nothing.
    """
    note = (note or "").strip()
    if len(note) > CONSENT_NOTE_MAX:
        raise ValidationError({"consent_note": f"At most {CONSENT_NOTE_MAX} characters."})
    now = timezone.now()
    if recorded_at is not None and recorded_at > now:
        raise ValidationError({"consent_recorded_at": "Consent cannot be recorded in the future."})
    before = (person.consent_given, person.consent_recorded_at)
    if given == before[0] and (not given or recorded_at in (None, before[1])):
        return person
    person.consent_given = given
    person.consent_recorded_at = (recorded_at or now) if given else None
    person.save(update_fields=["consent_given", "consent_recorded_at", "updated_at"])
    user = actor.user if actor is not None else None
    if user is not None:
        what = "Consent recorded" if given else "Consent withdrawn"
        if given and recorded_at is not None:
            what += f" (signed {recorded_at.isoformat()})"
        LogEntry.objects.log_actions(
            user_id=user.pk,
            queryset=[person],
            action_flag=CHANGE,
            change_message=f"{what} by {actor.label}" + (f": {note}" if note else "."),
            single_object=True,
        )
    return person

"""Writes for institutions, members, units, people and API keys.

Keyword-only, typed, transactional. Views, serializers, admin actions and commands call these;
business rules live here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import APIKey, Institution, Invitation, Membership, Person, Unit, User
from accounts.roles import Role

INSTITUTION_SETTINGS_FIELDS = (
    "name",
    "time_zone",
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
    """A membership, for callers that already hold the user's consent or administer everything.

    A user's first membership becomes their default institution; later ones never change it.
    """
    _validate_role(role)
    # One membership of a user at a time: two first memberships must not both become default.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if Membership.unscoped.filter(institution=institution, user=user).exists():
        raise ValidationError({"user": f"{user} is already a member of {institution}."})
    is_first = not Membership.unscoped.filter(user=user).exists()
    return Membership.unscoped.create(
        institution=institution, user=user, role=role, is_default=is_first
    )


@transaction.atomic
def membership_set_default(*, user: User, institution: Institution) -> Membership:
    """The user's own choice of the institution they land in (only they call this)."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    membership = Membership.unscoped.filter(user=user, institution=institution).first()
    if membership is None:
        raise ValidationError({"institution": "You are not a member of this institution."})
    Membership.unscoped.filter(user=user, is_default=True).exclude(pk=membership.pk).update(
        is_default=False
    )
    if not membership.is_default:
        membership.is_default = True
        membership.save(update_fields=["is_default"])
    return membership


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


def _audit(*, user: User | None, obj: Any, flag: int, message: str) -> None:
    """One line in the object's history (Django's admin log): who, when, what."""
    if user is None or user.pk is None:
        return
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=[obj],
        action_flag=flag,
        change_message=message,
        single_object=True,
    )


@dataclass(frozen=True)
class MemberAddition:
    """What adding a member did: a membership (new sign-in, or a superuser's direct add) or an
    invitation the existing user must accept."""

    membership: Membership | None = None
    invitation: Invitation | None = None


@transaction.atomic
def member_add(
    *,
    actor: Actor,
    institution: Institution,
    username: str,
    role: str,
    email: str = "",
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> MemberAddition:
    """Add a member by username: membership is consent.

    - A username nobody has: a new sign-in that belongs to this institution only (it joins
      nothing else, so nobody else's consent is involved).
    - An existing user: an invitation they accept or decline themselves. Nothing of that user
      is changed or revealed, and the e-mail and names given here are ignored.
    - A superuser (administers every institution) adds an existing user directly.
    """
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
        return MemberAddition(
            membership=membership_create(institution=institution, user=user, role=role)
        )
    if Membership.unscoped.filter(institution=institution, user=user).exists():
        raise ValidationError({"username": f"{username} is already a member of {institution}."})
    if actor.is_superuser:
        membership = membership_create(institution=institution, user=user, role=role)
        _audit(
            user=actor.user,
            obj=membership,
            flag=ADDITION,
            message=f"Added directly by superuser {actor.label} as {role}.",
        )
        return MemberAddition(membership=membership)
    return MemberAddition(
        invitation=invitation_create(actor=actor, institution=institution, invitee=user, role=role)
    )


def _invitation_lifetime() -> timedelta:
    return timedelta(days=getattr(django_settings, "INVITATION_VALID_DAYS", 14))


@transaction.atomic
def invitation_create(
    *, actor: Actor, institution: Institution, invitee: User, role: str
) -> Invitation:
    """Invite an existing user; an open invitation to the same user is renewed, not doubled."""
    _validate_role(role)
    if Membership.unscoped.filter(institution=institution, user=invitee).exists():
        raise ValidationError({"username": f"{invitee} is already a member of {institution}."})
    now = timezone.now()
    invitation = (
        Invitation.unscoped.select_for_update()
        .filter(
            institution=institution,
            invitee=invitee,
            accepted_at__isnull=True,
            declined_at__isnull=True,
            revoked_at__isnull=True,
        )
        .first()
    )
    if invitation is None:
        invitation = Invitation.unscoped.create(
            institution=institution,
            invitee=invitee,
            role=role,
            invited_by=actor.user,
            expires_at=now + _invitation_lifetime(),
        )
        flag, what = ADDITION, "Invited"
    else:
        invitation.role = role
        invitation.invited_by = actor.user
        invitation.expires_at = now + _invitation_lifetime()
        invitation.save(update_fields=["role", "invited_by", "expires_at"])
        flag, what = CHANGE, "Invitation renewed"
    _audit(
        user=actor.user,
        obj=invitation,
        flag=flag,
        message=f"{what} as {role} by {actor.label}, valid until {invitation.expires_at:%Y-%m-%d}.",
    )
    return invitation


def _open_invitation_for(invitation: Invitation, user: User) -> Invitation:
    """The invitation, locked, if it is addressed to `user` and still open."""
    locked = Invitation.unscoped.select_for_update().filter(pk=invitation.pk, invitee=user).first()
    if locked is None:
        raise ValidationError({"invitation": "This invitation is not addressed to you."})
    if locked.status != Invitation.Status.PENDING:
        raise ValidationError({"invitation": f"This invitation is {locked.status}."})
    return locked


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The invitee accepts: the membership is created now. Their default institution stays."""
    invitation = _open_invitation_for(invitation, user)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    membership = membership_create(
        institution=invitation.institution, user=user, role=invitation.role
    )
    _audit(user=user, obj=invitation, flag=CHANGE, message=f"Accepted by {user.get_username()}.")
    return membership


@transaction.atomic
def invitation_decline(*, invitation: Invitation, user: User) -> Invitation:
    invitation = _open_invitation_for(invitation, user)
    invitation.declined_at = timezone.now()
    invitation.save(update_fields=["declined_at"])
    _audit(user=user, obj=invitation, flag=CHANGE, message=f"Declined by {user.get_username()}.")
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Actor) -> Invitation:
    """The inviting institution withdraws an invitation that is not yet answered."""
    if invitation.accepted_at is not None or invitation.declined_at is not None:
        raise ValidationError({"invitation": f"This invitation is already {invitation.status}."})
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        _audit(user=actor.user, obj=invitation, flag=CHANGE, message=f"Revoked by {actor.label}.")
    return invitation


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


@transaction.atomic
def person_delete(*, person: Person, actor: Actor | None = None) -> None:
    """Delete a person and their gait files: rows cascade, files on disk do not."""
    # Imported here: recognition builds on accounts, not the other way round.
    from recognition.services import person_biometrics_erase

    person_biometrics_erase(
        person=person,
        actor=actor or Actor(institution=person.institution, role=None),
        reason="person deleted",
    )
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

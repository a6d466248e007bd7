"""Reads of institutions, members, units and people (tenant-scoped querysets)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Institution, Invitation, Membership, Person, Unit, User


def memberships_for_user(user: User) -> QuerySet[Membership]:
    """Every membership of one user, across institutions (the switcher needs them all)."""
    return (
        Membership.unscoped.filter(user=user)
        .select_related("institution")
        .order_by("institution__name")
    )


def institutions_for_user(user: User) -> QuerySet[Institution]:
    if user.is_superuser:
        return Institution.objects.all()
    return Institution.objects.filter(memberships__user=user).distinct()


def membership_for(user: User, institution: Institution) -> Membership | None:
    return memberships_for_user(user).filter(institution=institution).first()


def default_membership(user: User) -> Membership | None:
    """The membership a user lands in: the one marked default, else their oldest.

    Never "the latest used" or anything another person's action could change: an institution
    that adds or invites a user must not become where that user's token acts.
    """
    return memberships_for_user(user).order_by("-is_default", "created_at", "pk").first()


def member_invitation_list(*, actor: Actor) -> QuerySet[Invitation]:
    """The invitations the actor's institution has sent."""
    return Invitation.objects.filter(institution=actor.institution).select_related(
        "invitee", "invited_by"
    )


def invitations_for_user(user: User, *, pending_only: bool = True) -> QuerySet[Invitation]:
    """Invitations addressed to one user, across institutions (only the invitee sees these)."""
    invitations = Invitation.unscoped.filter(invitee=user).select_related(
        "institution", "invited_by"
    )
    if pending_only:
        invitations = invitations.filter(
            accepted_at__isnull=True,
            declined_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
    return invitations


def institution_by_reference(reference: str) -> Institution | None:
    """An institution by id or slug as a client wrote it (None for anything malformed)."""
    reference = (reference or "").strip()
    if reference.isascii() and reference.isdigit():
        return (
            Institution.objects.filter(pk=int(reference)).first() if len(reference) < 19 else None
        )
    if not reference or not reference.isascii() or len(reference) > 80 or "\x00" in reference:
        return None
    return Institution.objects.filter(slug=reference).first()


def member_list(*, actor: Actor) -> QuerySet[Membership]:
    return Membership.objects.filter(institution=actor.institution).select_related("user")


def unit_list(*, actor: Actor) -> QuerySet[Unit]:
    units = Unit.objects.filter(institution=actor.institution)
    if not actor.sees_all_units:
        units = units.filter(instructors=actor.user)
    return units


def person_list(*, actor: Actor, search: str = "") -> QuerySet[Person]:
    people = Person.objects.filter(institution=actor.institution)
    if not actor.sees_all_units:
        people = people.filter(units__in=unit_list(actor=actor)).distinct()
    if search:
        people = people.filter(
            Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(external_id__icontains=search)
            | Q(email__icontains=search)
        )
    return people

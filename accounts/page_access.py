"""What a page may show or do for the signed-in member: the same roles as the API.

Another institution's rows answer 404 (they do not exist for this member); a row of the member's
own institution that their role does not reach (an instructor and a person outside their units)
answers 403 saying so, never "no such person".
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from accounts.actors import Actor
from accounts.roles import Capability

CAPABILITY_WORDS = {
    Capability.VIEW: "see this institution's data",
    Capability.TAKE_ATTENDANCE: "take attendance",
    Capability.MANAGE_PEOPLE: "manage people and units",
    Capability.MANAGE_ATTENDANCE: "correct attendance",
    Capability.MANAGE_MEMBERS: "manage members and API keys",
    Capability.MANAGE_SETTINGS: "change the institution's settings",
}


def page_actor(request: HttpRequest, capability: Capability = Capability.VIEW) -> Actor:
    """The request's actor, with an institution selected and allowed `capability`."""
    actor: Actor = request.actor
    if actor.institution is None:
        raise Http404("No institution selected.")
    require(actor, capability)
    return actor


def require(actor: Actor, capability: Capability) -> None:
    if not actor.can(capability):
        raise PermissionDenied(f"Your role may not {CAPABILITY_WORDS[capability]}.")


def visible_or_denied(
    *, visible: QuerySet, institution_rows: QuerySet, pk: int, noun: str
) -> Model:
    """The row `pk` among what the actor sees; 403 when it is theirs to know but outside."""
    row = visible.filter(pk=pk).first()
    if row is not None:
        return row
    if institution_rows.filter(pk=pk).exists():
        raise PermissionDenied(f"This {noun} is outside your units.")
    raise Http404(f"No such {noun}.")

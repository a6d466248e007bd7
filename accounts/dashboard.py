"""Figures shown on the dashboard (later issues add attendance and recognition)."""

from __future__ import annotations

from accounts import selectors
from accounts.actors import Actor


def dashboard_summary(*, actor: Actor) -> dict[str, int]:
    people = selectors.person_list(actor=actor)
    return {
        "units": selectors.unit_list(actor=actor).count(),
        "people": people.count(),
        "active_people": people.filter(is_active=True).count(),
        "members": selectors.member_list(actor=actor).count(),
    }

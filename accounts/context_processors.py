from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User
from accounts.selectors import institutions_for_user, invitations_for_user


def tenancy(request: HttpRequest) -> dict:
    """The active institution and the ones the user may switch to, for the base layout."""
    user = getattr(request, "user", None)
    # An API key (the browsable API renders pages for it too) is not a user: no switcher.
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    actor = getattr(request, "actor", None)
    return {
        "current_institution": getattr(request, "institution", None),
        "current_role": actor.effective_role if actor else None,
        "switchable_institutions": institutions_for_user(user),
        "pending_invitations": invitations_for_user(user).count(),
    }

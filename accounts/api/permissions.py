"""Role checks for the API: every view names the capability its reads and writes need."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import permissions

from accounts.roles import Capability

if TYPE_CHECKING:  # importing rest_framework.views here would be circular (DRF settings)
    from rest_framework.request import Request
    from rest_framework.views import APIView


class HasInstitutionRole(permissions.BasePermission):
    """Authenticated, bound to an institution, and allowed by role.

    Views set `read_capability` (default VIEW) and `write_capability` (default MANAGE_PEOPLE).
    """

    message = "Your role in this institution does not allow this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        actor = getattr(request, "actor", None)
        if actor is None or actor.institution is None:
            self.message = "No institution is selected: send X-Institution or join one."
            return False
        if request.method in permissions.SAFE_METHODS:
            needed = getattr(view, "read_capability", Capability.VIEW)
        else:
            needed = getattr(view, "write_capability", Capability.MANAGE_PEOPLE)
        return actor.can(needed)

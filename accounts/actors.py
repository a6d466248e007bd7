"""Who is acting, for which institution, with which role: what views hand to services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accounts.roles import ROLES_SEEING_ALL_UNITS, Capability, Role, role_can

if TYPE_CHECKING:
    from accounts.models import APIKey, Institution, User


@dataclass(frozen=True)
class Actor:
    """The principal of a request or job: a user (through a membership) or an API key."""

    institution: Institution | None
    role: str | None
    user: User | None = None
    api_key: APIKey | None = None

    @property
    def is_superuser(self) -> bool:
        return bool(self.user is not None and self.user.is_superuser)

    @property
    def effective_role(self) -> str | None:
        # Superusers act as administrators of whichever institution they have selected.
        return Role.ADMIN if self.is_superuser else self.role

    def can(self, capability: Capability) -> bool:
        return role_can(self.effective_role, capability)

    @property
    def sees_all_units(self) -> bool:
        return self.effective_role in ROLES_SEEING_ALL_UNITS

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.get_username()
        if self.api_key is not None:
            return f"api-key:{self.api_key.name}"
        return "system"

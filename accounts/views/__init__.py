"""Pages of the accounts app: the institution switcher, people, units and settings."""

from accounts.views.switching import home, switch_institution

__all__ = ["home", "switch_institution"]

"""Pages of the accounts app: the institution switcher, invitations, people, units, settings."""

from accounts.views.switching import (
    default_institution_choose,
    home,
    invitation_answer,
    my_invitations,
    switch_institution,
)

__all__ = [
    "default_institution_choose",
    "home",
    "invitation_answer",
    "my_invitations",
    "switch_institution",
]

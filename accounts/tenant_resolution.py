"""Which institution a signed-in user is acting for."""

from __future__ import annotations

from accounts.models import Institution, Membership, User
from accounts.selectors import default_membership, memberships_for_user
from gaitportal.input_policy import parse_id


def resolve_user_membership(
    user: User, requested: int | str | None, *, fallback_to_default: bool = True
) -> tuple[Membership | None, Institution | None]:
    """The user's membership for `requested` (an institution id or slug), else their default.

    A superuser may act for any institution, with or without a membership; for them a
    requested institution they are not a member of resolves to (None, institution). A request
    for an institution the user does not belong to falls back to the default (a stale session
    after a membership was removed) unless `fallback_to_default` is False (an explicit API
    header), where it resolves to (None, None).
    """
    memberships = memberships_for_user(user)
    if requested not in (None, ""):
        lookup = {"institution__slug": requested}
        if str(requested).isdigit():
            # An id; digits that are no 64-bit id name no institution.
            lookup = {"institution_id": parse_id(str(requested)) or 0}
        membership = memberships.filter(**lookup).first()
        if membership is not None:
            return membership, membership.institution
        if user.is_superuser:
            field, value = next(iter(lookup.items()))
            field = "pk" if field == "institution_id" else "slug"
            institution = Institution.objects.filter(**{field: value}).first()
            if institution is not None:
                return None, institution
        if not fallback_to_default:
            return None, None
    membership = default_membership(user)
    if membership is not None:
        return membership, membership.institution
    if user.is_superuser:
        return None, Institution.objects.order_by("name").first()
    return None, None

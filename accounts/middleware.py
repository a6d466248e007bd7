"""Binds each browser request to the signed-in user's active institution."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from accounts.actors import Actor
from accounts.tenancy import ALL_TENANTS, tenant_scope
from accounts.tenant_resolution import resolve_user_membership

SESSION_INSTITUTION_KEY = "institution_id"


class TenantScopeMiddleware:
    """Sets request.actor / request.institution and the tenant scope for the request.

    A member is scoped to their active institution (chosen with the switcher, kept in the
    session). A superuser's scope is every institution, explicitly; pages still show the
    institution they selected. API requests authenticated by token or key are re-bound by the
    API views once DRF has authenticated them. Nothing leaks into the next request: the scope is
    reset when the response leaves.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            request.actor = Actor(institution=None, role=None)
            request.institution = None
            with tenant_scope(None):
                return self.get_response(request)
        membership, institution = resolve_user_membership(
            user, request.session.get(SESSION_INSTITUTION_KEY)
        )
        request.actor = Actor(
            institution=institution, role=membership.role if membership else None, user=user
        )
        request.institution = institution
        with tenant_scope(ALL_TENANTS if user.is_superuser else institution):
            return self.get_response(request)

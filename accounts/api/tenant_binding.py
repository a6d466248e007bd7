"""Binds an authenticated API request to its institution and tenant scope."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.request import Request

from accounts.actors import Actor
from accounts.api.authentication import APIKeyPrincipal
from accounts.middleware import SESSION_INSTITUTION_KEY
from accounts.tenancy import ALL_TENANTS, activate_scope
from accounts.tenant_resolution import resolve_user_membership

INSTITUTION_HEADER = "HTTP_X_INSTITUTION"


def bind_request_tenant(request: Request) -> None:
    """Set request.actor and the scope from the credential DRF authenticated.

    API key: its institution and role. User (token or session): the `X-Institution` header
    (id or slug) when sent, else the session's institution, else their default membership.
    The scope set here is reset by TenantScopeMiddleware when the response leaves.
    """
    user = request.user
    django_request = request._request
    if isinstance(user, APIKeyPrincipal):
        key = user.api_key
        actor = Actor(institution=key.institution, role=key.role, api_key=key)
        scope = key.institution
    elif user and user.is_authenticated:
        requested = request.META.get(INSTITUTION_HEADER)
        if requested:
            membership, institution = resolve_user_membership(
                user, requested, fallback_to_default=False
            )
            if institution is None:
                raise exceptions.NotFound(f"No institution {requested!r} for this user.")
        else:
            session = getattr(django_request, "session", None)
            membership, institution = resolve_user_membership(
                user, session.get(SESSION_INSTITUTION_KEY) if session is not None else None
            )
        actor = Actor(
            institution=institution, role=membership.role if membership else None, user=user
        )
        scope = ALL_TENANTS if user.is_superuser else institution
    else:
        return
    django_request.actor = request.actor = actor
    django_request.institution = request.institution = actor.institution
    activate_scope(scope)

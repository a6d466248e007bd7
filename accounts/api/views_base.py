"""Base classes for tenant-owned API endpoints."""

from __future__ import annotations

from rest_framework import viewsets
from rest_framework.request import Request

from accounts.actors import Actor
from accounts.api.tenant_binding import bind_request_tenant
from accounts.roles import Role


class TenantAPIMixin:
    """Authenticate, then bind the institution before permissions and throttles run."""

    request: Request

    def perform_authentication(self, request: Request) -> None:
        super().perform_authentication(request)  # type: ignore[misc]
        bind_request_tenant(request)

    @property
    def actor(self) -> Actor:
        if getattr(self, "swagger_fake_view", False):
            # OpenAPI generation inspects querysets with no request behind them: an
            # institution-less administrator builds them (they are never run).
            return Actor(institution=None, role=Role.ADMIN)
        return self.request.actor


class TenantModelViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    pass


class TenantReadOnlyViewSet(TenantAPIMixin, viewsets.ReadOnlyModelViewSet):
    pass

"""Tenant scoping that fails closed.

Every tenant-owned model's default manager (`TenantManager`) filters by the institution of the
active scope; a query run when no scope is active raises `TenantScopeError`: code that forgot to
say which institution it works for gets an error, never every institution's rows. Requests get
their scope from the signed-in membership or API credential (accounts.middleware,
accounts.api.tenant_binding);
tasks and commands enter it from the row they work on. Whole-system access (superusers,
migrations of data, the demo seeder) is explicit: `tenant_scope(ALL_TENANTS)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Final

from django.db import models

if TYPE_CHECKING:
    from accounts.models import Institution


class TenantScopeError(RuntimeError):
    """Tenant data was queried with no institution in scope."""


class _AllTenants:
    """The explicit 'every institution' scope (superusers, system jobs)."""

    def __repr__(self) -> str:
        return "ALL_TENANTS"


ALL_TENANTS: Final = _AllTenants()

Scope = "Institution | _AllTenants | None"
_active_scope: ContextVar[Institution | _AllTenants | None] = ContextVar(
    "gaitportal_tenant_scope", default=None
)


def active_scope() -> Institution | _AllTenants | None:
    return _active_scope.get()


def activate_scope(scope: Institution | _AllTenants | None) -> Token:
    """Set the scope until `deactivate_scope(token)`; prefer the `tenant_scope` context manager."""
    return _active_scope.set(scope)


def deactivate_scope(token: Token) -> None:
    _active_scope.reset(token)


@contextmanager
def tenant_scope(scope: Institution | _AllTenants | None) -> Iterator[None]:
    """Run a block for one institution (or ALL_TENANTS, or None to close every tenant door)."""
    token = activate_scope(scope)
    try:
        yield
    finally:
        deactivate_scope(token)


class TenantQuerySet(models.QuerySet):
    """A queryset that raises when it is run with no tenant scope.

    Built outside a scope it is empty (so a subquery made from it matches nothing) and running
    it raises TenantScopeError. Building without running stays allowed, because libraries build
    querysets at import time to inspect models (django-filter, DRF, the admin).
    """

    _outside_scope = False

    def _clone(self):
        clone = super()._clone()
        clone._outside_scope = self._outside_scope
        return clone

    def _guard(self) -> None:
        if self._outside_scope:
            raise TenantScopeError(
                f"{self.model.__name__} was queried outside a tenant scope; wrap the code in "
                "accounts.tenancy.tenant_scope(institution)"
            )

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._guard()
        super()._fetch_all()

    def _iterator(self, *args, **kwargs):
        self._guard()
        return super()._iterator(*args, **kwargs)

    def count(self) -> int:
        self._guard()
        return super().count()

    def exists(self) -> bool:
        self._guard()
        return super().exists()

    def aggregate(self, *args, **kwargs) -> dict:
        self._guard()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs) -> int:
        self._guard()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._guard()
        return super().delete()

    def contains(self, obj: models.Model) -> bool:
        self._guard()
        return super().contains(obj)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Default manager of tenant-owned models: rows of the scoped institution only."""

    def get_queryset(self) -> TenantQuerySet:
        scope = _active_scope.get()
        queryset = super().get_queryset()
        if scope is ALL_TENANTS:
            return queryset
        if scope is None:
            queryset = queryset.none()
            queryset._outside_scope = True
            return queryset
        return queryset.filter(institution_id=scope.pk)


class TenantOwnedModel(models.Model):
    """Base for rows that belong to one institution.

    `objects` is scoped and fails closed; `unscoped` is the plain manager for the few places
    that must cross tenants on purpose (a user's own memberships, factories in tests).
    """

    institution = models.ForeignKey(
        "accounts.Institution", on_delete=models.CASCADE, related_name="+", editable=False
    )

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012

    class Meta:
        abstract = True
        base_manager_name = "unscoped"

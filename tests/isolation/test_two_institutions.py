"""Two institutions side by side: neither sees, reads or writes the other's rows.

Runs for every tenant-owned model (found from the app registry) and every API list route (found
from the URL configuration), through the real database and the real HTTP stack.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import get_resolver, reverse

from accounts.roles import Role
from accounts.tenancy import ALL_TENANTS, TenantOwnedModel, TenantScopeError, tenant_scope
from tests.isolation.registry import API_ROUTES, ROW_MAKERS

TENANT_MODELS = sorted(
    (m for m in apps.get_models() if issubclass(m, TenantOwnedModel)), key=lambda m: m.__name__
)


def api_list_route_names() -> list[str]:
    names = []
    for name in get_resolver().reverse_dict:
        is_list_route = isinstance(name, str) and name.endswith("-list")
        if is_list_route and reverse(name).startswith("/api/v1/"):
            names.append(name.removesuffix("-list"))
    return sorted(set(names))


def test_every_tenant_model_is_registered_for_the_suite() -> None:
    missing = [m.__name__ for m in TENANT_MODELS if m not in ROW_MAKERS]
    assert not missing, f"add these models to tests/isolation/registry.py ROW_MAKERS: {missing}"


def test_every_api_list_route_is_registered_for_the_suite() -> None:
    missing = [name for name in api_list_route_names() if name not in API_ROUTES]
    assert not missing, f"add these routes to tests/isolation/registry.py API_ROUTES: {missing}"


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m.__name__)
@pytest.mark.django_db
def test_query_outside_a_scope_fails_closed(model, tenant_a) -> None:
    ROW_MAKERS[model](tenant_a)
    with pytest.raises(TenantScopeError):
        list(model.objects.all())
    with pytest.raises(TenantScopeError):
        model.objects.count()
    with pytest.raises(TenantScopeError):
        model.objects.filter(pk=1).exists()
    with pytest.raises(TenantScopeError):
        model.objects.update()


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m.__name__)
@pytest.mark.django_db
def test_scope_sees_only_its_own_rows(model, tenant_a, tenant_b) -> None:
    row_a = ROW_MAKERS[model](tenant_a)
    row_b = ROW_MAKERS[model](tenant_b)
    with tenant_scope(tenant_a.institution):
        ids = set(model.objects.values_list("pk", flat=True))
        assert row_a.pk in ids and row_b.pk not in ids
        assert not model.objects.filter(pk=row_b.pk).exists()
        assert model.objects.filter(pk=row_b.pk).update() == 0
    with tenant_scope(ALL_TENANTS):
        assert {row_a.pk, row_b.pk} <= set(model.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("basename", sorted(API_ROUTES))
@pytest.mark.django_db
def test_api_never_shows_or_touches_another_institutions_rows(
    basename,
    tenant_a,
    tenant_b,
    client_for,
) -> None:
    model, _ = API_ROUTES[basename]
    row_a = ROW_MAKERS[model](tenant_a)
    client_b = client_for(tenant_b.user(Role.ADMIN))
    listing = client_b.get(reverse(f"{basename}-list"), {"page_size": 1000})
    assert listing.status_code == 200, listing.content
    listed = {item["id"] for item in listing.json()["results"]}
    assert row_a.pk not in listed
    detail = reverse(f"{basename}-detail", args=[row_a.pk])
    assert client_b.get(detail).status_code == 404
    assert client_b.patch(detail, {}, format="json").status_code in (404, 405)
    assert client_b.delete(detail).status_code == 404
    with tenant_scope(ALL_TENANTS):
        assert model.objects.filter(pk=row_a.pk).exists(), "B's request changed A's row"


@pytest.mark.parametrize("basename", sorted(API_ROUTES))
@pytest.mark.django_db
def test_api_key_of_one_institution_cannot_reach_the_other(
    basename,
    tenant_a,
    tenant_b,
    key_client_for,
) -> None:
    model, _ = API_ROUTES[basename]
    row_a = ROW_MAKERS[model](tenant_a)
    client_b = key_client_for(tenant_b.institution, Role.ADMIN)
    response = client_b.get(reverse(f"{basename}-detail", args=[row_a.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_institution_header_for_a_foreign_institution_is_not_found(
    tenant_a,
    tenant_b,
    client_for,
) -> None:
    client = client_for(tenant_b.user(Role.ADMIN), tenant_a.institution)
    assert client.get(reverse("person-list")).status_code == 404


@pytest.mark.django_db
def test_creating_with_another_institutions_ids_is_rejected(
    tenant_a,
    tenant_b,
    client_for,
) -> None:
    client_b = client_for(tenant_b.user(Role.ADMIN))
    payload = API_ROUTES["person"][1](tenant_a)  # refers to A's unit
    response = client_b.post(reverse("person-list"), payload, format="json")
    assert response.status_code == 400
    assert "units" in response.json()
    with tenant_scope(ALL_TENANTS):
        assert not tenant_b.institution.people.filter(external_id="NEW-P").exists()
        assert not tenant_a.institution.people.filter(external_id="NEW-P").exists()


@pytest.mark.django_db
def test_instructors_must_be_members_of_the_same_institution(
    tenant_a,
    tenant_b,
    client_for,
) -> None:
    client_b = client_for(tenant_b.user(Role.ADMIN))
    stranger = tenant_a.user(Role.INSTRUCTOR)
    response = client_b.post(
        reverse("unit-list"),
        {"code": "X1", "name": "X", "instructors": [stranger.pk]},
        format="json",
    )
    assert response.status_code == 400

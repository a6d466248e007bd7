from __future__ import annotations

import pytest

from accounts.models import Person, Unit
from accounts.tenancy import ALL_TENANTS, TenantScopeError, active_scope, tenant_scope


@pytest.mark.django_db
def test_scopes_nest_and_restore(tenant_a, tenant_b) -> None:
    assert active_scope() is None
    with tenant_scope(tenant_a.institution):
        with tenant_scope(tenant_b.institution):
            assert set(Person.objects.values_list("institution_id", flat=True)) == {
                tenant_b.institution.pk
            }
        assert active_scope() == tenant_a.institution
    assert active_scope() is None


@pytest.mark.django_db
def test_a_queryset_built_outside_a_scope_matches_nothing_as_a_subquery(
    tenant_a,
) -> None:
    units_outside = Unit.objects.all()  # building is allowed, running is not
    with pytest.raises(TenantScopeError):
        list(units_outside)
    with tenant_scope(ALL_TENANTS):
        assert not Person.objects.filter(units__in=units_outside).exists()


@pytest.mark.django_db
def test_related_managers_are_scoped_too(tenant_a, tenant_b) -> None:
    person = tenant_a.people[0]
    with pytest.raises(TenantScopeError):
        list(person.units.all())
    with tenant_scope(tenant_b.institution):
        assert list(person.units.all()) == []
    with tenant_scope(tenant_a.institution):
        assert list(person.units.all()) == [tenant_a.unit]


@pytest.mark.django_db
def test_get_of_another_institutions_row_is_does_not_exist(tenant_a, tenant_b) -> None:
    with tenant_scope(tenant_b.institution), pytest.raises(Person.DoesNotExist):
        Person.objects.get(pk=tenant_a.people[0].pk)

"""The Django admin, scoped to the member's institution and role."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Person
from accounts.roles import Role
from accounts.tenancy import ALL_TENANTS, tenant_scope
from tests.factories import UserFactory


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_registrar_sees_only_their_institutions_people(tenant_a, tenant_b) -> None:
    client = signed_in(tenant_a.user(Role.REGISTRAR))
    page = client.get(reverse("admin:accounts_person_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert all(p.external_id in html for p in tenant_a.people)
    assert not any(p.external_id in html for p in tenant_b.people)
    foreign = client.get(reverse("admin:accounts_person_change", args=[tenant_b.people[0].pk]))
    assert foreign.status_code == 302  # "does not exist" redirect, nothing shown
    assert tenant_b.people[0].last_name not in client.get(foreign.url).content.decode()


@pytest.mark.django_db
def test_registrar_adds_a_person_into_their_institution(tenant_a) -> None:
    client = signed_in(tenant_a.user(Role.REGISTRAR))
    response = client.post(
        reverse("admin:accounts_person_add"),
        {
            "external_id": "ADM-1",
            "first_name": "Ada",
            "last_name": "Admin",
            "kind": "student",
            "is_active": "on",
            "units": [tenant_a.unit.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_scope(ALL_TENANTS):
        assert Person.objects.get(external_id="ADM-1").institution == tenant_a.institution
    duplicate = client.post(
        reverse("admin:accounts_person_add"),
        {"external_id": "ADM-1", "first_name": "B", "last_name": "B", "kind": "student"},
    )
    assert duplicate.status_code == 200 and "already exists" in duplicate.content.decode()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.INSTRUCTOR])
@pytest.mark.django_db
def test_viewers_and_instructors_are_kept_out_of_the_admin(tenant_a, role) -> None:
    client = signed_in(tenant_a.user(role))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.django_db
def test_registrar_cannot_manage_members_but_admin_can(tenant_a) -> None:
    registrar = signed_in(tenant_a.user(Role.REGISTRAR))
    assert registrar.get(reverse("admin:accounts_membership_changelist")).status_code == 403
    admin = signed_in(tenant_a.user(Role.ADMIN))
    assert admin.get(reverse("admin:accounts_membership_changelist")).status_code == 200


@pytest.mark.django_db
def test_superuser_sees_every_institution(tenant_a, tenant_b) -> None:
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    html = signed_in(root).get(reverse("admin:accounts_person_changelist")).content.decode()
    assert tenant_a.people[0].external_id in html and tenant_b.people[0].external_id in html

"""Shared fixtures: two institutions side by side, members of every role, API clients."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Institution, Person, Unit, User
from accounts.roles import Role
from accounts.services import api_key_create
from tests.factories import (
    InstitutionFactory,
    MembershipFactory,
    PersonFactory,
    UnitFactory,
    UserFactory,
)


@dataclass
class Tenant:
    """One institution with a member of every role, a unit with an instructor, and people."""

    institution: Institution
    users: dict[str, User]
    unit: Unit
    other_unit: Unit
    people: list[Person]

    def user(self, role: str) -> User:
        return self.users[role]


def build_tenant(slug: str, kind: str = Institution.Kind.SCHOOL) -> Tenant:
    institution = InstitutionFactory(slug=slug, name=slug.replace("-", " ").title(), kind=kind)
    users = {}
    for role in Role.values:
        user = UserFactory(username=f"{slug}-{role}")
        MembershipFactory(institution=institution, user=user, role=role)
        users[role] = user
    unit = UnitFactory(institution=institution, code=f"{slug[:3].upper()}-A")
    unit.instructors.add(users[Role.INSTRUCTOR])
    other_unit = UnitFactory(institution=institution, code=f"{slug[:3].upper()}-B")
    people = [PersonFactory(institution=institution, units=[unit]) for _ in range(3)]
    people.append(PersonFactory(institution=institution, units=[other_unit]))
    return Tenant(institution, users, unit, other_unit, people)


@pytest.fixture
def tenant_a(db) -> Tenant:
    return build_tenant("school-a")


@pytest.fixture
def tenant_b(db) -> Tenant:
    return build_tenant("company-b", kind=Institution.Kind.COMPANY)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for() -> Callable[..., APIClient]:
    """An API client authenticated with a user's token (optionally naming the institution)."""

    def make(user: User, institution: Institution | None = None) -> APIClient:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
        if institution is not None:
            headers["HTTP_X_INSTITUTION"] = institution.slug
        client.credentials(**headers)
        return client

    return make


@pytest.fixture
def key_client_for() -> Callable[..., APIClient]:
    """An API client authenticated with a new API key of the institution and role."""

    def make(institution: Institution, role: str = Role.VIEWER) -> APIClient:
        _, raw_key = api_key_create(institution=institution, name=f"key-{role}", role=role)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
        return client

    return make

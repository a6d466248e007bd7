from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from tests.factories import MembershipFactory, UserFactory


@pytest.mark.django_db
def test_sign_in_lands_on_the_dashboard_of_the_institution(tenant_a) -> None:
    client = Client()
    assert client.get(reverse("dashboard")).status_code == 302
    response = client.post(
        reverse("login"),
        {"username": tenant_a.user(Role.VIEWER).username, "password": "pass-word-123"},
        follow=True,
    )
    html = response.content.decode()
    assert tenant_a.institution.name in html
    assert f'id="count-people">{len(tenant_a.people)}<' in html


@pytest.mark.django_db
def test_switching_institution_changes_what_the_dashboard_shows(tenant_a, tenant_b) -> None:
    user = tenant_a.user(Role.REGISTRAR)
    MembershipFactory(institution=tenant_b.institution, user=user, role=Role.VIEWER)
    client = Client()
    client.force_login(user)
    client.post(reverse("switch-institution"), {"institution": tenant_b.institution.pk})
    html = client.get(reverse("dashboard")).content.decode()
    assert f'<h1 id="institution-name">{tenant_b.institution.name}</h1>' in html
    assert "viewer" in html


@pytest.mark.django_db
def test_switching_to_an_institution_one_does_not_belong_to_is_refused(
    tenant_a,
    tenant_b,
) -> None:
    client = Client()
    client.force_login(tenant_a.user(Role.ADMIN))
    response = client.post(
        reverse("switch-institution"), {"institution": tenant_b.institution.pk}, follow=True
    )
    html = response.content.decode()
    assert "not a member" in html
    assert f'<h1 id="institution-name">{tenant_a.institution.name}</h1>' in html


@pytest.mark.django_db
def test_a_user_without_membership_gets_an_explanation() -> None:
    client = Client()
    client.force_login(UserFactory(username="loner"))
    assert "No institution yet" in client.get(reverse("dashboard")).content.decode()


@pytest.mark.django_db
def test_seed_demo_is_idempotent() -> None:
    from django.core.management import call_command

    from accounts.models import Institution, Person, User
    from accounts.tenancy import ALL_TENANTS, tenant_scope

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with tenant_scope(ALL_TENANTS):
        counts = (Institution.objects.count(), Person.objects.count(), User.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with tenant_scope(ALL_TENANTS):
        assert counts == (Institution.objects.count(), Person.objects.count(), User.objects.count())
    assert counts[0] == 2 and counts[1] > 0
    client = Client()
    assert client.login(username="northfield-registrar", password="gaitportal-demo")
    html = client.get(reverse("dashboard")).content.decode()
    totals = html.split('id="attendance-totals"')[1].split("</section>")[0]
    shown = dict(re.findall(r'status-(\w+)"><span class="figure">(\d+)<', totals))
    # the demo week shows every status
    assert all(int(shown[status]) > 0 for status in ("present", "late", "absent", "excused")), str(
        shown
    )

"""The invitee answers an invitation in the browser (issue 24, F1)."""

from __future__ import annotations

import pytest

from accounts.actors import Actor
from accounts.models import Membership
from accounts.roles import Role
from accounts.selectors import default_membership
from accounts.services import invitation_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_selector("#institution-name")


def test_invitee_accepts_and_then_chooses_the_default(live_server, page, tenant_a, tenant_b):
    invitee = tenant_b.user(Role.VIEWER)
    admin_a = tenant_a.user(Role.ADMIN)
    invitation_create(
        actor=Actor(institution=tenant_a.institution, role=Role.ADMIN, user=admin_a),
        institution=tenant_a.institution,
        invitee=invitee,
        role=Role.INSTRUCTOR,
    )
    _sign_in(page, live_server, invitee)
    assert page.inner_text("#institution-name") == tenant_b.institution.name
    assert page.inner_text("#invitations-link") == "Invitations (1)"
    page.click("#invitations-link")
    row = page.inner_text("#invitations")
    assert tenant_a.institution.name in row and admin_a.username in row
    with page.expect_navigation():
        page.click("#invitations button[value=accept]")
    assert "You are now a member of" in page.inner_text("[role=status]")
    assert page.inner_text("#no-invitations") == "No pending invitations."
    assert Membership.unscoped.get(user=invitee, institution=tenant_a.institution).role == (
        Role.INSTRUCTOR
    )
    # Joining did not move the default: still B, until the user chooses A themselves.
    assert default_membership(invitee).institution == tenant_b.institution
    page.select_option("#default-select", str(tenant_a.institution.pk))
    with page.expect_navigation():
        page.click("text=Save")
    assert default_membership(invitee).institution == tenant_a.institution


def test_declining_leaves_no_membership(live_server, page, tenant_a, tenant_b) -> None:
    invitee = tenant_b.user(Role.VIEWER)
    invitation_create(
        actor=Actor(institution=tenant_a.institution, role=Role.ADMIN, user=None),
        institution=tenant_a.institution,
        invitee=invitee,
        role=Role.VIEWER,
    )
    _sign_in(page, live_server, invitee)
    page.goto(f"{live_server.url}/invitations/")
    assert "an API key" in page.inner_text("#invitations")
    with page.expect_navigation():
        page.click("#invitations button[value=decline]")
    assert "declined" in page.inner_text("[role=status]")
    assert not Membership.unscoped.filter(user=invitee, institution=tenant_a.institution).exists()

from __future__ import annotations

import pytest

from accounts.roles import Role
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_member_signs_in_switches_institution_and_signs_out(
    live_server,
    page,
    tenant_a,
    tenant_b,
) -> None:
    user = tenant_a.user(Role.REGISTRAR)
    MembershipFactory(institution=tenant_b.institution, user=user, role=Role.VIEWER)

    page.goto(f"{live_server.url}/dashboard/")
    assert "/login/" in page.url
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_selector("#institution-name")
    # the user's default institution: their first membership (being added to B changed nothing)
    assert page.inner_text("#institution-name") == tenant_a.institution.name
    assert "Registrar" in page.inner_text(".role")

    # the switcher submits on change through static/js/portal.js (no inline handler: CSP)
    with page.expect_navigation():
        page.select_option("#institution-select", str(tenant_b.institution.pk))
    assert page.inner_text("#institution-name") == tenant_b.institution.name
    assert page.inner_text("#count-people") == str(len(tenant_b.people))
    assert "Viewer" in page.inner_text(".role")

    page.click("text=Sign out")
    page.wait_for_url("**/login/")
    page.goto(f"{live_server.url}/dashboard/")
    assert "/login/" in page.url


def test_wrong_password_shows_an_error(live_server, page, tenant_a) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", tenant_a.user(Role.VIEWER).username)
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert "didn't match" in page.inner_text("[role=alert]")


def test_api_docs_render_offline(live_server, page) -> None:
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=20_000)
    assert "GaitPortal API" in page.inner_text(".swagger-ui .info")
    assert not [url for url in failed if not url.startswith(live_server.url)]

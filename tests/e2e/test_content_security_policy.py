"""Pages work under the Content-Security-Policy: no script or style the policy refuses."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.roles import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES = ["/dashboard/", "/attendance/", "/admin/", "/admin/accounts/person/", "/api/docs/"]


def test_pages_raise_no_policy_violation(live_server, page, tenant_a) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", tenant_a.user(Role.ADMIN).username)
    page.fill("#id_password", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_selector("#institution-name")
    for path in PAGES:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .info", timeout=20_000)
    assert not violations, violations


@pytest.mark.django_db
def test_every_response_carries_the_policy(client: Client) -> None:
    for path in ["/login/", "/api/v1/", "/api/docs/"]:
        response = client.get(path)
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], path

"""Sign-in throttles against forged forwarding headers (issue 24, F3).

A client that sends a new X-Forwarded-For on every try must not get a new throttle bucket;
guessing one account's password from many addresses is throttled per account as well.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient, APIRequestFactory

from accounts.api.throttling import AnonRateThrottle
from accounts.client_address import client_address
from accounts.roles import Role

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's


def _token(client: APIClient, username: str, password: str, **headers) -> int:
    return client.post(
        reverse("auth-token"), {"username": username, "password": password}, **headers
    ).status_code


@pytest.mark.django_db
def test_forged_forwarded_for_does_not_reset_the_token_throttle(
    tenant_a, settings, clean_cache
) -> None:
    settings.SIGN_IN_RATE_PER_ADDRESS = "3/min"
    client = APIClient()
    username = tenant_a.user(Role.VIEWER).username
    codes = [
        _token(client, username, f"guess{i}", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        for i in range(5)
    ]
    assert codes == [400, 400, 400, 429, 429]
    # Another account from the same address is refused too: the address is what is throttled.
    assert _token(client, tenant_a.user(Role.ADMIN).username, PASSWORD) == 429


@pytest.mark.django_db
def test_one_account_is_throttled_whatever_the_address(tenant_a, settings, clean_cache) -> None:
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = "3/hour"
    client = APIClient()
    victim = tenant_a.user(Role.VIEWER).username
    codes = [_token(client, victim, f"guess{i}", REMOTE_ADDR=f"198.51.100.{i}") for i in range(5)]
    assert codes == [400, 400, 400, 429, 429]
    # The right password does not get through the throttle either (no oracle for guessers)...
    assert _token(client, victim, PASSWORD, REMOTE_ADDR="198.51.100.77") == 429
    # ...while other accounts are not affected.
    assert _token(client, tenant_a.user(Role.ADMIN).username, PASSWORD) == 200


@pytest.mark.django_db
def test_successful_sign_ins_do_not_count_against_the_account(
    tenant_a, settings, clean_cache
) -> None:
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = "2/hour"
    client = APIClient()
    user = tenant_a.user(Role.VIEWER).username
    assert [_token(client, user, PASSWORD) for _ in range(4)] == [200] * 4


@pytest.mark.django_db
def test_sign_in_page_is_throttled_despite_forged_headers(tenant_a, settings, clean_cache) -> None:
    settings.SIGN_IN_RATE_PER_ADDRESS = "3/min"
    client = Client()
    username = tenant_a.user(Role.VIEWER).username
    pages = [
        client.post(
            reverse("login"),
            {"username": username, "password": f"guess{i}"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )
        for i in range(4)
    ]
    assert [p.status_code for p in pages] == [200] * 4
    assert all("match. Please try again" in p.content.decode() for p in pages[:3])
    assert "Too many sign-in attempts" in pages[3].content.decode()
    # Even the right password is refused from this address until the window passes.
    right = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert right.status_code == 200 and "Too many sign-in attempts" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_forwarded_for_is_ignored_without_trusted_proxies(settings) -> None:
    settings.TRUSTED_PROXIES = []
    meta = {"REMOTE_ADDR": "198.51.100.9", "HTTP_X_FORWARDED_FOR": "203.0.113.1"}
    assert client_address(meta) == "198.51.100.9"


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # the proxy appends the client it saw: the right-most untrusted entry is the client
        ("10.0.0.5", "203.0.113.1", "203.0.113.1"),
        ("10.0.0.5", "6.6.6.6, 203.0.113.1", "203.0.113.1"),
        ("10.0.0.5", "6.6.6.6, 203.0.113.1, 10.0.0.7", "203.0.113.1"),
        ("10.0.0.5", "not-an-address", "10.0.0.5"),
        ("10.0.0.5", "", "10.0.0.5"),
        # a request that did not come through the proxy: its header means nothing
        ("198.51.100.9", "203.0.113.1", "198.51.100.9"),
        ("2001:db8::1", "203.0.113.1", "2001:db8::1"),
    ],
)
def test_forwarded_for_is_read_only_from_trusted_proxies(
    settings, remote, forwarded, expected
) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address({"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded}) == expected


def test_api_throttles_identify_clients_by_the_trusted_address(settings) -> None:
    settings.TRUSTED_PROXIES = []
    request = APIRequestFactory().get("/", HTTP_X_FORWARDED_FOR="203.0.113.1")
    request.META["REMOTE_ADDR"] = "198.51.100.9"
    assert AnonRateThrottle().get_ident(request) == "198.51.100.9"

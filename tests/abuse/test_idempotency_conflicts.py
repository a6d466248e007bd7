"""An idempotency key sent again for a different event is a conflict (issue 24, F6)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tenancy import tenant_scope
from attendance.models import PresenceEvent

pytestmark = pytest.mark.django_db

EVENT = {"occurred_at": "2026-03-02T09:00:00Z", "direction": "in", "idempotency_key": "door-7:1"}


@pytest.fixture
def desk_client(tenant_a, client_for):
    return client_for(tenant_a.user(Role.REGISTRAR))


def _count(tenant) -> int:
    with tenant_scope(tenant.institution):
        return PresenceEvent.objects.count()


def test_same_key_same_event_is_a_duplicate(tenant_a, desk_client) -> None:
    row = {**EVENT, "person": tenant_a.people[0].pk}
    first = desk_client.post(reverse("attendance-event-list"), row, format="json")
    again = desk_client.post(reverse("attendance-event-list"), row, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["duplicate_of"] == "idempotency_key"


@pytest.mark.parametrize(
    "change",
    [
        {"person": 1},  # another person (index into tenant_a.people)
        {"occurred_at": "2026-03-02T09:45:00Z"},
        {"direction": "out"},
    ],
    ids=["person", "time", "direction"],
)
def test_same_key_different_event_is_409_naming_the_key(tenant_a, desk_client, change) -> None:
    row = {**EVENT, "person": tenant_a.people[0].pk}
    first = desk_client.post(reverse("attendance-event-list"), row, format="json")
    assert first.status_code == 201
    changed = {**row, **change}
    if "person" in change:
        changed["person"] = tenant_a.people[change["person"]].pk
    response = desk_client.post(reverse("attendance-event-list"), changed, format="json")
    assert response.status_code == 409, response.content
    message = response.json()["idempotency_key"][0]
    assert "door-7:1" in message and "different event" in message
    assert _count(tenant_a) == 1


def test_bulk_rows_reusing_a_key_for_another_event_are_errors(tenant_a, desk_client) -> None:
    p0, p1 = tenant_a.people[:2]
    rows = [
        {**EVENT, "person": p0.pk},
        {**EVENT, "person": p0.pk},  # same event: duplicate
        {**EVENT, "person": p1.pk},  # same key, other person: conflict
    ]
    response = desk_client.post(reverse("attendance-event-bulk"), {"events": rows}, format="json")
    assert response.status_code == 207
    items = response.json()["items"]
    assert [i["status"] for i in items] == ["created", "duplicate", "error"]
    assert items[2]["errors"][0]["field"] == "idempotency_key"
    # and against the stored event, in a later request
    later = desk_client.post(
        reverse("attendance-event-bulk"),
        {"events": [{**EVENT, "person": p1.pk, "idempotency_key": "door-7:1"}]},
        format="json",
    )
    assert later.json()["items"][0]["status"] == "error"
    assert _count(tenant_a) == 1


def test_keys_of_another_institution_do_not_collide(tenant_a, tenant_b, client_for) -> None:
    a = client_for(tenant_a.user(Role.REGISTRAR))
    b = client_for(tenant_b.user(Role.REGISTRAR))
    url = reverse("attendance-event-list")
    assert a.post(url, {**EVENT, "person": tenant_a.people[0].pk}, format="json").status_code == 201
    assert b.post(url, {**EVENT, "person": tenant_b.people[0].pk}, format="json").status_code == 201

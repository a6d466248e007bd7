"""Every attendance admin write goes through the services: same rules, same records, same audit."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.actors import Actor
from accounts.roles import Role
from accounts.tenancy import tenant_scope
from attendance import services
from attendance.models import (
    AttendanceRule,
    AttendanceSettings,
    Camera,
    Excuse,
    PresenceEvent,
    RecordChange,
    Session,
    Status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(tenant_a) -> Client:
    client = Client()
    client.force_login(tenant_a.user(Role.REGISTRAR))
    return client


def _registrar(tenant) -> Actor:
    return Actor(
        institution=tenant.institution, role=Role.REGISTRAR, user=tenant.user(Role.REGISTRAR)
    )


def _audit(tenant, session, person) -> list[tuple]:
    with tenant_scope(tenant.institution):
        return list(
            RecordChange.objects.filter(record__session=session, record__person=person)
            .order_by("changed_at", "id")
            .values_list("kind", "changed_by", "status_before", "status_after", "why")
        )


def test_an_excuse_from_the_admin_audits_like_the_service(desk, browser, tenant_a) -> None:
    by_admin, by_service = tenant_a.people[1], tenant_a.people[2]
    session = desk.session()
    desk.finalise(session)
    window = {"starts_at_0": "2026-03-02", "starts_at_1": "08:00"}
    window |= {"ends_at_0": "2026-03-02", "ends_at_1": "11:00"}
    response = browser.post(
        reverse("admin:attendance_excuse_add"),
        {"person": by_admin.pk, "reason": "dentist", **window},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_scope(tenant_a.institution):
        services.excuse_create(
            institution=tenant_a.institution,
            person=by_service,
            starts_at=desk.at("08:00"),
            ends_at=desk.at("11:00"),
            reason="dentist",
            actor=_registrar(tenant_a),
        )
    assert desk.record(session, by_admin).status == Status.EXCUSED
    admin_trail, service_trail = (
        _audit(tenant_a, session, by_admin),
        _audit(tenant_a, session, by_service),
    )
    assert admin_trail == service_trail
    assert admin_trail[-1][1:4] == ("school-a-registrar", Status.ABSENT, Status.EXCUSED)
    assert "excuse recorded by school-a-registrar (dentist)" in admin_trail[-1][4]

    with tenant_scope(tenant_a.institution):
        excuse = Excuse.objects.get(person=by_admin)
    browser.post(reverse("admin:attendance_excuse_delete", args=[excuse.pk]), {"post": "yes"})
    assert desk.record(session, by_admin).status == Status.ABSENT
    assert "excuse removed by school-a-registrar" in _audit(tenant_a, session, by_admin)[-1][4]


def test_deleting_an_event_in_the_admin_recomputes_and_audits(desk, browser, tenant_a) -> None:
    person = tenant_a.people[0]
    session = desk.session()
    report = desk.events(person, [("09:00", "in"), ("09:10", "out")])
    assert desk.record(session, person).status == Status.ABSENT
    wrong = report.items[1].event_id
    response = browser.post(
        reverse("admin:attendance_presenceevent_changelist"),
        {"action": "delete_selected", "_selected_action": [wrong], "post": "yes"},
    )
    assert response.status_code == 302
    with tenant_scope(tenant_a.institution):
        assert not PresenceEvent.objects.filter(pk=wrong).exists()
    assert desk.record(session, person).status == Status.PRESENT
    last = _audit(tenant_a, session, person)[-1]
    assert last[1] == "school-a-registrar" and "deleted in the admin" in last[4]


def test_a_rule_the_service_refuses_is_a_form_error(desk, browser, tenant_a) -> None:
    with tenant_scope(tenant_a.institution):
        services.rule_create(institution=tenant_a.institution, name="Strict", units=[tenant_a.unit])
    add = reverse("admin:attendance_attendancerule_add")
    form = browser.get(add).context["adminform"].form
    data = {name: field.initial for name, field in form.fields.items() if field.initial is not None}
    data |= {"name": "Loose", "units": [tenant_a.unit.pk]}
    response = browser.post(add, data)
    assert response.status_code == 200
    assert "already follow another rule" in response.content.decode()
    with tenant_scope(tenant_a.institution):
        assert not AttendanceRule.objects.filter(name="Loose").exists()
    data["units"] = [tenant_a.other_unit.pk]
    assert browser.post(add, data).status_code == 302
    with tenant_scope(tenant_a.institution):
        assert list(AttendanceRule.objects.get(name="Loose").units.all()) == [tenant_a.other_unit]


def test_settings_in_the_admin_obey_the_service(tenant_a) -> None:
    browser = Client()
    browser.force_login(tenant_a.user(Role.ADMIN))  # settings are the administrator's
    with tenant_scope(tenant_a.institution):
        row = services.attendance_settings_get(institution=tenant_a.institution)
    url = reverse("admin:attendance_attendancesettings_change", args=[row.pk])
    refused = browser.post(url, {"notify_absences": "on", "absence_contact_email": ""})
    assert refused.status_code == 200
    assert "Give the contact to notify" in refused.content.decode()
    ok = browser.post(url, {"notify_absences": "on", "absence_contact_email": "office@a.test"})
    assert ok.status_code == 302
    with tenant_scope(tenant_a.institution):
        row = AttendanceSettings.objects.get(pk=row.pk)
    assert row.notify_absences and row.absence_contact_email == "office@a.test"
    assert browser.post(reverse("admin:attendance_attendancesettings_delete", args=[row.pk]))
    with tenant_scope(tenant_a.institution):
        assert AttendanceSettings.objects.filter(pk=row.pk).exists()


def test_cameras_are_written_and_deleted_through_the_service(desk, browser, tenant_a) -> None:
    add = reverse("admin:attendance_camera_add")
    response = browser.post(
        add,
        {
            "name": "Gate",
            "role": "entry",
            "debounce_seconds": "30",
            "units": [tenant_a.unit.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_scope(tenant_a.institution):
        gate = Camera.objects.get(name="Gate")
        assert list(gate.units.all()) == [tenant_a.unit]
    desk.events(tenant_a.people[0], [("09:00", "in")], camera=gate)
    page = browser.post(
        reverse("admin:attendance_camera_delete", args=[gate.pk]), {"post": "yes"}, follow=True
    )
    # Django's own PROTECT check answers first here; either way the camera stays.
    assert "Cannot delete camera" in page.content.decode()
    with tenant_scope(tenant_a.institution):
        assert Camera.objects.filter(pk=gate.pk).exists()


def test_bulk_delete_of_sessions_spares_the_finalised_ones(desk, browser, tenant_a) -> None:
    kept = desk.session("09:00", "10:00")
    desk.finalise(kept)
    gone = desk.session("11:00", "12:00")
    page = browser.post(
        reverse("admin:attendance_session_changelist"),
        {"action": "delete_selected", "_selected_action": [kept.pk, gone.pk], "post": "yes"},
        follow=True,
    )
    text = page.content.decode()
    assert "part of the attendance history" in text and "1 deleted." in text
    assert "Successfully deleted" not in text
    with tenant_scope(tenant_a.institution):
        assert list(Session.objects.values_list("pk", flat=True)) == [kept.pk]

"""The attendance admin: every page opens for a registrar, records show their history."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from accounts.tenancy import tenant_scope
from attendance import services
from attendance.models import AttendanceRecord, RecordChange, Status

pytestmark = pytest.mark.django_db

MODELS = [
    "camera",
    "attendancerule",
    "attendancesettings",
    "sessionschedule",
    "holiday",
    "session",
    "presenceevent",
    "attendancerecord",
    "excuse",
]


@pytest.fixture
def registrar_browser(tenant_a) -> Client:
    client = Client()
    client.force_login(tenant_a.user(Role.REGISTRAR))
    return client


@pytest.fixture
def finalised(desk, tenant_a):
    camera = desk.camera()
    session = desk.session(cameras=[camera])
    desk.events(tenant_a.people[0], [("09:07", "in"), ("10:00", "out")], camera=camera)
    desk.finalise(session)
    with tenant_scope(tenant_a.institution):
        services.excuse_create(
            institution=tenant_a.institution,
            person=tenant_a.people[1],
            starts_at=desk.at("08:00"),
            ends_at=desk.at("11:00"),
            reason="dentist",
        )
    return session


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_opens(model, registrar_browser, finalised) -> None:
    response = registrar_browser.get(reverse(f"admin:attendance_{model}_changelist"))
    assert response.status_code == 200


def test_record_page_shows_its_history_in_local_time(
    registrar_browser, finalised, tenant_a
) -> None:
    tenant_a.institution.time_zone = "Asia/Tokyo"
    tenant_a.institution.save()
    with tenant_scope(tenant_a.institution):
        record = AttendanceRecord.objects.get(person=tenant_a.people[0])
    page = registrar_browser.get(
        reverse("admin:attendance_attendancerecord_change", args=[record.pk])
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "History (every status change)" in text
    assert "entered 09:07, grace 5 min: late" in text
    session_page = registrar_browser.get(
        reverse("admin:attendance_session_change", args=[finalised.pk])
    )
    assert session_page.status_code == 200
    # 09:00 in London is 18:00 in Tokyo (read-only once finalised, shown in Django's format)
    assert "March 2, 2026, 6 p.m." in session_page.content.decode()


def test_override_in_the_admin_is_audited(registrar_browser, finalised, tenant_a) -> None:
    with tenant_scope(tenant_a.institution):
        record = AttendanceRecord.objects.get(person=tenant_a.people[2])
    url = reverse("admin:attendance_attendancerecord_change", args=[record.pk])
    inline = registrar_browser.get(url).context["inline_admin_formsets"][0].formset
    management = {
        f"{inline.prefix}-TOTAL_FORMS": str(inline.total_form_count()),
        f"{inline.prefix}-INITIAL_FORMS": str(inline.initial_form_count()),
        f"{inline.prefix}-MIN_NUM_FORMS": "0",
        f"{inline.prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, inline_form in enumerate(inline.forms):
        management[f"{inline.prefix}-{index}-id"] = str(inline_form.instance.pk)
        management[f"{inline.prefix}-{index}-record"] = str(record.pk)
    missing_reason = registrar_browser.post(url, {"override_status": "present", **management})
    assert missing_reason.status_code == 200  # the form asks why
    response = registrar_browser.post(
        url, {"override_status": "present", "change_reason": "on a field trip", **management}
    )
    assert response.status_code == 302, response.content[:2000]
    with tenant_scope(tenant_a.institution):
        record.refresh_from_db()
        change = RecordChange.objects.filter(record=record).first()
    assert record.status == Status.PRESENT
    assert (change.kind, change.changed_by, change.why) == (
        RecordChange.Kind.OVERRIDE,
        "school-a-registrar",
        "on a field trip",
    )


def test_viewers_cannot_reach_the_admin(tenant_a, finalised) -> None:
    client = Client()
    client.force_login(tenant_a.user(Role.VIEWER))
    response = client.get(reverse("admin:attendance_session_changelist"))
    assert response.status_code == 302  # to the admin login


def _management(response) -> dict:
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(
            {
                f"{formset.prefix}-TOTAL_FORMS": str(formset.total_form_count()),
                f"{formset.prefix}-INITIAL_FORMS": str(formset.initial_form_count()),
                f"{formset.prefix}-MIN_NUM_FORMS": "0",
                f"{formset.prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for index, form in enumerate(formset.forms):
            data[f"{formset.prefix}-{index}-id"] = str(form.instance.pk)
            data[f"{formset.prefix}-{index}-session"] = str(form.instance.session_id)
    return data


def test_sessions_and_schedules_are_saved_through_the_services(registrar_browser, tenant_a) -> None:
    from datetime import date, timedelta

    from attendance.models import Session, SessionSchedule

    with tenant_scope(tenant_a.institution):
        door = services.camera_create(
            institution=tenant_a.institution, name="Lab door", units=[tenant_a.unit]
        )
    add = reverse("admin:attendance_session_add")
    response = registrar_browser.post(
        add,
        {
            "unit": tenant_a.unit.pk,
            "title": "Lab",
            "room": "L1",
            "starts_at_0": "2026-03-02",
            "starts_at_1": "09:00",
            "ends_at_0": "2026-03-02",
            "ends_at_1": "10:00",
            **_management(registrar_browser.get(add)),
        },
    )
    assert response.status_code == 302, response.content[:3000]
    with tenant_scope(tenant_a.institution):
        session = Session.objects.get(title="Lab")
        assert list(session.cameras.all()) == [door]  # the unit's cameras, as in the API

    today = date.today()
    schedule_add = reverse("admin:attendance_sessionschedule_add")
    response = registrar_browser.post(
        schedule_add,
        {
            "unit": tenant_a.unit.pk,
            "title": "Daily lab",
            "weekdays": "[0, 1, 2, 3, 4, 5, 6]",
            "start_time": "09:00",
            "end_time": "10:00",
            "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=30)).isoformat(),
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    with tenant_scope(tenant_a.institution):
        schedule = SessionSchedule.objects.get(title="Daily lab")
        assert schedule.sessions.count() >= 14  # generated at once, like the API


def test_a_finalised_session_keeps_its_times_in_the_admin(
    registrar_browser, finalised, tenant_a
) -> None:
    url = reverse("admin:attendance_session_change", args=[finalised.pk])
    page = registrar_browser.get(url)
    assert "starts_at" not in page.context["adminform"].form.fields
    response = registrar_browser.post(
        url, {"title": "Maths (renamed)", "room": "B2", **_management(page)}
    )
    assert response.status_code == 302
    finalised.refresh_from_db()
    assert finalised.title == "Maths (renamed)" and finalised.state == "finalised"

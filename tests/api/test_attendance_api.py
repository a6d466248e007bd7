"""The attendance REST API: sessions, rules, cameras, events, records, excuses, settings."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role
from accounts.tenancy import tenant_scope
from attendance.models import AttendanceRecord, PresenceEvent, RecordChange, Session

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(tenant_a, client_for):
    return client_for(tenant_a.user(Role.REGISTRAR))


def make_session(client, tenant, start="2026-03-02T09:00:00Z", end="2026-03-02T10:00:00Z", **extra):
    response = client.post(
        reverse("attendance-session-list"),
        {"unit": tenant.unit.pk, "title": "Maths", "starts_at": start, "ends_at": end, **extra},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def post_events(client, rows):
    return client.post(reverse("attendance-event-bulk"), {"events": rows}, format="json")


def test_registrar_sets_up_cameras_rules_and_sessions(registrar, tenant_a) -> None:
    camera = registrar.post(
        reverse("attendance-camera-list"),
        {"name": "Front door", "role": "entry", "units": [tenant_a.unit.pk]},
        format="json",
    )
    assert camera.status_code == 201, camera.content
    rule = registrar.post(
        reverse("attendance-rule-list"),
        {"name": "Strict", "late_grace_minutes": 0, "units": [tenant_a.unit.pk]},
        format="json",
    )
    assert rule.status_code == 201, rule.content
    clash = registrar.post(
        reverse("attendance-rule-list"),
        {"name": "Another", "units": [tenant_a.unit.pk]},
        format="json",
    )
    assert clash.status_code == 400 and "units" in clash.json()
    session = make_session(registrar, tenant_a)
    assert session["cameras"] == [camera.json()["id"]]  # the unit's cameras by default
    assert session["state"] == "scheduled"
    # Nobody seen yet: the unit's three people are pending, as the roster lists them.
    assert session["counts"]["pending"] == 3
    # Times come back in the institution's zone (Europe/London: GMT in March).
    assert session["starts_at"] == "2026-03-02T09:00:00Z" or session["starts_at"].endswith("+00:00")


def test_times_are_shown_in_the_institutions_time_zone(registrar, tenant_a) -> None:
    tenant_a.institution.time_zone = "Asia/Tokyo"
    tenant_a.institution.save()
    session = make_session(registrar, tenant_a)
    assert session["starts_at"] == "2026-03-02T18:00:00+09:00"


def test_viewers_read_but_do_not_write(tenant_a, client_for) -> None:
    viewer = client_for(tenant_a.user(Role.VIEWER))
    assert viewer.get(reverse("attendance-session-list")).status_code == 200
    response = viewer.post(
        reverse("attendance-camera-list"), {"name": "X", "role": "entry"}, format="json"
    )
    assert response.status_code == 403
    assert post_events(viewer, []).status_code == 403


def test_a_session_with_another_institutions_unit_is_rejected(registrar, tenant_b) -> None:
    response = registrar.post(
        reverse("attendance-session-list"),
        {
            "unit": tenant_b.unit.pk,
            "title": "X",
            "starts_at": "2026-03-02T09:00:00Z",
            "ends_at": "2026-03-02T10:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 400 and "unit" in response.json()


def test_single_event_is_idempotent_and_errors_are_per_field(registrar, tenant_a) -> None:
    session = make_session(registrar, tenant_a)
    person = tenant_a.people[0]
    row = {
        "person": person.pk,
        "occurred_at": "2026-03-02T09:07:00Z",
        "direction": "in",
        "idempotency_key": "k-1",
    }
    url = reverse("attendance-event-list")
    first = registrar.post(url, row, format="json")
    assert first.status_code == 201, first.content
    again = registrar.post(url, row, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["duplicate_of"] == (
        "idempotency_key"
    )
    bad = registrar.post(url, {"person": person.pk, "occurred_at": "soon"}, format="json")
    assert bad.status_code == 400 and "occurred_at" in bad.json()
    records = registrar.get(reverse("attendance-record-list"), {"session": session["id"]}).json()
    assert records["count"] == 1
    record = records["results"][0]
    assert record["status"] == "late"
    assert "entered 09:07, grace 5 min: late" in record["reason"]


def test_bulk_reports_each_bad_row_and_keeps_the_good_ones(registrar, tenant_a, tenant_b) -> None:
    make_session(registrar, tenant_a)
    rows = [
        {"person": tenant_a.people[0].pk, "occurred_at": "2026-03-02T09:00:00Z", "direction": "in"},
        {"person": tenant_b.people[0].pk, "occurred_at": "2026-03-02T09:00:00Z"},
        {"person": tenant_a.people[1].pk, "occurred_at": "2026-03-02T09:00:00Z", "camera": 424242},
        {"person": tenant_a.people[1].pk, "occurred_at": "2999-01-01T00:00:00Z"},
        ["not", "an", "object"],
        {"person_external_id": tenant_a.people[2].external_id, "occurred_at": "2026-03-02T09:01Z"},
    ]
    response = post_events(registrar, rows)
    assert response.status_code == 207, response.content
    body = response.json()
    assert (body["received"], body["created"], body["errors"]) == (6, 2, 4)
    items = body["items"]
    assert [i["status"] for i in items] == [
        "created",
        "error",
        "error",
        "error",
        "error",
        "created",
    ]
    assert items[1]["errors"][0]["field"] == "person"
    assert items[2]["errors"][0]["field"] == "camera"
    assert "future" in items[3]["errors"][0]["message"]
    assert items[4]["errors"][0]["field"] == ""
    assert body["records_changed"] == 2
    replay = post_events(registrar, [rows[0]])
    assert replay.status_code == 200
    assert replay.json()["items"][0]["status"] == "duplicate"  # same person and time: debounce
    assert post_events(registrar, {"not": "a list"}).status_code == 400


def test_bulk_accepts_a_bare_list(registrar, tenant_a) -> None:
    response = registrar.post(
        reverse("attendance-event-bulk"),
        [{"person": tenant_a.people[0].pk, "occurred_at": "2026-03-02T09:00:00Z"}],
        format="json",
    )
    assert response.status_code == 200 and response.json()["created"] == 1


def test_instructors_record_only_for_their_own_units(tenant_a, client_for) -> None:
    instructor = client_for(tenant_a.user(Role.INSTRUCTOR))
    mine, other = tenant_a.people[0], tenant_a.people[3]
    response = post_events(
        instructor,
        [
            {"person": mine.pk, "occurred_at": "2026-03-02T09:00:00Z", "direction": "in"},
            {"person": other.pk, "occurred_at": "2026-03-02T09:00:00Z", "direction": "in"},
        ],
    )
    assert [i["status"] for i in response.json()["items"]] == ["created", "error"]
    listed = instructor.get(reverse("attendance-event-list")).json()
    assert {e["person"] for e in listed["results"]} == {mine.pk}


def test_instructors_see_only_their_units_sessions(tenant_a, registrar, client_for) -> None:
    mine = make_session(registrar, tenant_a)
    theirs = make_session(registrar, tenant_a, unit=tenant_a.other_unit.pk)
    instructor = client_for(tenant_a.user(Role.INSTRUCTOR))
    ids = {s["id"] for s in instructor.get(reverse("attendance-session-list")).json()["results"]}
    assert ids == {mine["id"]}
    detail = reverse("attendance-session-detail", args=[theirs["id"]])
    assert instructor.get(detail).status_code == 404


def test_deleting_an_event_needs_a_registrar_and_a_reason(tenant_a, registrar, client_for) -> None:
    make_session(registrar, tenant_a)
    created = post_events(
        registrar,
        [
            {
                "person": tenant_a.people[0].pk,
                "occurred_at": "2026-03-02T09:00:00Z",
                "direction": "in",
            }
        ],
    ).json()["items"][0]
    url = reverse("attendance-event-detail", args=[created["id"]])
    instructor = client_for(tenant_a.user(Role.INSTRUCTOR))
    assert instructor.delete(url, {"reason": "x"}, format="json").status_code == 403
    assert registrar.delete(url).status_code == 400
    assert registrar.delete(url, {"reason": "wrong person"}, format="json").status_code == 204
    with tenant_scope(tenant_a.institution):
        assert not PresenceEvent.objects.exists()
        record = AttendanceRecord.objects.get()
        assert "wrong person" in RecordChange.objects.filter(record=record).first().why


def test_records_filter_override_clear_and_history(registrar, tenant_a, client_for) -> None:
    session = make_session(registrar, tenant_a)
    post_events(
        registrar,
        [
            {
                "person": tenant_a.people[0].pk,
                "occurred_at": "2026-03-02T09:00:00Z",
                "direction": "in",
            },
            {
                "person": tenant_a.people[0].pk,
                "occurred_at": "2026-03-02T10:00:00Z",
                "direction": "out",
            },
            {
                "person": tenant_a.people[1].pk,
                "occurred_at": "2026-03-02T09:10:00Z",
                "direction": "in",
            },
        ],
    )
    assert (
        registrar.post(reverse("attendance-session-finalise", args=[session["id"]])).status_code
        == 200
    )
    url = reverse("attendance-record-list")

    def statuses(**params):
        results = registrar.get(url, params).json()["results"]
        return sorted(r["status"] for r in results)

    assert statuses(session=session["id"]) == ["absent", "late", "present"]
    assert statuses(status=["late", "absent"]) == ["absent", "late"]
    assert statuses(person=tenant_a.people[0].pk) == ["present"]
    assert statuses(unit=tenant_a.unit.pk, date_from="2026-03-02", date_to="2026-03-02") == [
        "absent",
        "late",
        "present",
    ]
    assert statuses(date_from="2026-03-03") == []
    assert statuses(flag="late") == ["late"]

    absent = registrar.get(url, {"status": "absent"}).json()["results"][0]
    override_url = reverse("attendance-record-override", args=[absent["id"]])
    instructor = client_for(tenant_a.user(Role.INSTRUCTOR))
    assert instructor.post(override_url, {"status": "present", "reason": "x"}).status_code == 403
    assert registrar.post(override_url, {"status": "pending", "reason": "x"}).status_code == 400
    assert registrar.post(override_url, {"status": "present"}).status_code == 400
    changed = registrar.post(
        override_url, {"status": "excused", "reason": "sports day"}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["status"] == "excused" and changed.json()["computed_status"] == "absent"
    assert statuses(overridden=True) == ["excused"]
    cleared = registrar.post(
        reverse("attendance-record-clear-override", args=[absent["id"]]),
        {"reason": "not on the team"},
        format="json",
    )
    assert cleared.json()["status"] == "absent"
    history = registrar.get(reverse("attendance-record-history", args=[absent["id"]])).json()
    assert [h["kind"] for h in history] == ["override_cleared", "override", "no_show"]
    assert history[0]["changed_by"] == "school-a-registrar"
    assert history[1]["why"] == "sports day"
    assert (history[1]["status_before"], history[1]["status_after"]) == ("absent", "excused")


def test_records_have_no_write_methods(registrar, tenant_a) -> None:
    make_session(registrar, tenant_a)
    post_events(
        registrar, [{"person": tenant_a.people[0].pk, "occurred_at": "2026-03-02T09:00:00Z"}]
    )
    record = registrar.get(reverse("attendance-record-list")).json()["results"][0]
    detail = reverse("attendance-record-detail", args=[record["id"]])
    assert registrar.delete(detail).status_code == 405
    assert registrar.patch(detail, {"status": "present"}, format="json").status_code == 405
    assert registrar.delete(reverse("attendance-record-detail", args=[999999])).status_code == 404


def test_excuse_with_a_document(registrar, tenant_a, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    session = make_session(registrar, tenant_a)
    registrar.post(reverse("attendance-session-finalise", args=[session["id"]]))
    response = registrar.post(
        reverse("attendance-excuse-list"),
        {
            "person": tenant_a.people[0].pk,
            "starts_at": "2026-03-02T00:00:00Z",
            "ends_at": "2026-03-03T00:00:00Z",
            "reason": "flu",
            "document": SimpleUploadedFile("note.pdf", b"%PDF-1.4 note", "application/pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    excuse_id = response.json()["id"]
    assert response.json()["document"].endswith(f"/excuses/{excuse_id}/document/")
    assert response.json()["recorded_by"] == "school-a-registrar"
    records = registrar.get(
        reverse("attendance-record-list"), {"person": tenant_a.people[0].pk}
    ).json()["results"]
    assert records[0]["status"] == "excused" and "excused: flu" in records[0]["reason"]
    active = registrar.get(reverse("attendance-excuse-list"), {"active_on": "2026-03-02"}).json()
    assert active["count"] == 1


def test_session_recompute_and_schedule_generate(registrar, tenant_a) -> None:
    schedule = registrar.post(
        reverse("attendance-schedule-list"),
        {
            "unit": tenant_a.unit.pk,
            "title": "Maths",
            "weekdays": [0, 2],
            "start_time": "09:00",
            "end_time": "10:00",
            "valid_from": "2026-03-02",
            "valid_until": "2026-03-13",
        },
        format="json",
    )
    assert schedule.status_code == 201, schedule.content
    generated = registrar.post(
        reverse("attendance-schedule-generate", args=[schedule.json()["id"]]),
        {"start": "2026-03-01", "end": "2026-03-31"},
        format="json",
    )
    assert generated.status_code == 201 and len(generated.json()) == 4
    bad = registrar.post(
        reverse("attendance-schedule-list"),
        {
            "unit": tenant_a.unit.pk,
            "title": "X",
            "weekdays": [7],
            "start_time": "09:00",
            "end_time": "10:00",
            "valid_from": "2026-03-02",
            "valid_until": "2026-03-13",
        },
        format="json",
    )
    assert bad.status_code == 400 and "weekdays" in bad.json()
    session_id = generated.json()[0]["id"]
    recompute = registrar.post(
        reverse("attendance-session-recompute", args=[session_id]), {}, format="json"
    )
    assert recompute.status_code == 200 and recompute.json()["created"] == 3
    with tenant_scope(tenant_a.institution):
        assert Session.objects.filter(schedule_id=schedule.json()["id"]).count() == 4


def test_settings_are_for_administrators(tenant_a, client_for) -> None:
    url = reverse("attendance-settings")
    registrar = client_for(tenant_a.user(Role.REGISTRAR))
    admin = client_for(tenant_a.user(Role.ADMIN))
    assert registrar.get(url).json()["notify_absences"] is False
    assert registrar.patch(url, {"notify_absences": True}, format="json").status_code == 403
    response = admin.patch(
        url, {"notify_absences": True, "absence_contact_email": "office@a.test"}, format="json"
    )
    assert response.status_code == 200 and response.json()["notify_absences"] is True
    assert admin.patch(url, {"absence_contact_email": ""}, format="json").status_code == 400

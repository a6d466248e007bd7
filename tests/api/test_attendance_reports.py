"""Reports: roster, a person's history, a unit summary; JSON, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from accounts.tenancy import tenant_scope
from attendance import services
from tests.attendance.conftest import Desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(tenant_a) -> Desk:
    return Desk(tenant_a)


@pytest.fixture
def week(desk, tenant_a):
    """Five Monday-to-Friday sessions: person 0 always present, person 1 late on day 2 and
    absent on the others, person 2 excused on day 3 and absent on the rest."""
    p0, p1, p2 = tenant_a.people[:3]
    sessions = []
    for n in range(5):
        day = desk.day + timedelta(days=n)
        session = desk.session(day=day)
        desk.events(p0, [("08:58", "in"), ("10:00", "out")], day=day)
        if n == 1:
            desk.events(p1, [("09:10", "in"), ("09:50", "out")], day=day)
        if n == 2:
            with tenant_scope(tenant_a.institution):
                services.excuse_create(
                    institution=tenant_a.institution,
                    person=p2,
                    starts_at=desk.at("00:00", day),
                    ends_at=desk.at("23:59", day),
                    reason="orthodontist",
                )
        sessions.append(session)
    for session in sessions[:-1]:
        desk.finalise(session)
    return sessions


def test_roster_lists_every_expected_person_with_the_reason(week, tenant_a, client_for) -> None:
    client = client_for(tenant_a.user(Role.INSTRUCTOR))
    url = reverse("attendance-report-roster")
    finalised = client.get(url, {"session": week[1].pk}).json()
    rows = {row["external_id"]: row for row in finalised["rows"]}
    p0, p1, p2 = tenant_a.people[:3]
    assert set(rows) == {p0.external_id, p1.external_id, p2.external_id}
    assert rows[p1.external_id]["status"] == "late"
    assert rows[p1.external_id]["first_in"] == "2026-03-03T09:10:00Z"
    assert "entered 09:10, grace 5 min: late" in rows[p1.external_id]["reason"]
    assert rows[p2.external_id]["status"] == "absent"
    assert finalised["summary"]["counts"]["late"] == 1
    assert finalised["summary"]["attended"] == 2
    assert [c["key"] for c in finalised["columns"]][:3] == [
        "external_id",
        "last_name",
        "first_name",
    ]

    open_session = client.get(url, {"session": week[-1].pk}).json()
    statuses = {row["external_id"]: row["status"] for row in open_session["rows"]}
    assert statuses == {
        p0.external_id: "present",
        p1.external_id: "pending",
        p2.external_id: "pending",
    }


def test_roster_exports_csv_and_xlsx(week, tenant_a, client_for) -> None:
    client = client_for(tenant_a.user(Role.REGISTRAR))
    url = reverse("attendance-report-roster")
    response = client.get(url, {"session": week[1].pk, "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="roster-' in response["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][:4] == ["ID", "Last name", "First name", "Status"]
    assert len(table) == 4
    late = next(row for row in table if row[3] == "late")
    assert late[4] == "2026-03-03 09:10"

    response = client.get(url, {"session": week[1].pk, "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value.startswith("Maths")
    assert [cell.value for cell in sheet[3]][:4] == ["ID", "Last name", "First name", "Status"]
    assert sheet.max_row == 6
    assert client.get(url, {"session": week[1].pk, "export": "pdf"}).status_code == 400


def test_person_history_over_a_period(week, tenant_a, client_for) -> None:
    client = client_for(tenant_a.user(Role.VIEWER))
    p1 = tenant_a.people[1]
    response = client.get(
        reverse("attendance-report-person-history"),
        {"person": p1.pk, "date_from": "2026-03-02", "date_to": "2026-03-06"},
    )
    assert response.status_code == 200
    body = response.json()
    assert [row["status"] for row in body["rows"]] == ["absent", "late", "absent", "absent"]
    summary = body["summary"]
    assert summary["sessions"] == 4 and summary["lates"] == 1 and summary["early_exits"] == 1
    assert summary["attendance_rate"] == 0.25 and summary["absence_rate"] == 0.75
    export = client.get(
        reverse("attendance-report-person-history"),
        {"person": p1.pk, "date_from": "2026-03-02", "date_to": "2026-03-06", "export": "csv"},
    )
    assert export.content.decode("utf-8-sig").splitlines()[0].startswith("Date,Session,Unit")


def test_unit_summary_with_rates_and_chronic_absentees(week, tenant_a, client_for) -> None:
    client = client_for(tenant_a.user(Role.REGISTRAR))
    url = reverse("attendance-report-unit-summary")
    body = client.get(
        url, {"unit": tenant_a.unit.pk, "date_from": "2026-03-02", "date_to": "2026-03-06"}
    ).json()
    rows = {row["external_id"]: row for row in body["rows"]}
    p0, p1, p2 = tenant_a.people[:3]
    assert rows[p0.external_id]["attendance_rate"] == 1.0
    # The last session is not finalised: present counts, nobody is absent from it yet.
    assert rows[p0.external_id]["present"] == 5 and not rows[p0.external_id]["chronic"]
    assert rows[p1.external_id]["late"] == 1 and rows[p1.external_id]["absent"] == 3
    assert rows[p2.external_id]["excused"] == 1 and rows[p2.external_id]["absence_rate"] == 1.0
    summary = body["summary"]
    assert summary["sessions"] == 5
    assert summary["lates"] == 1 and summary["early_exits"] == 1
    assert {c["external_id"] for c in summary["chronic_absentees"]} == {
        p1.external_id,
        p2.external_id,
    }
    assert summary["attendance_rate"] == round(6 / 12, 4)
    strict = client.get(
        url,
        {
            "unit": tenant_a.unit.pk,
            "date_from": "2026-03-02",
            "date_to": "2026-03-06",
            "chronic_threshold": 1,
        },
    ).json()
    assert {c["external_id"] for c in strict["summary"]["chronic_absentees"]} == {p2.external_id}
    xlsx = client.get(
        url,
        {
            "unit": tenant_a.unit.pk,
            "date_from": "2026-03-02",
            "date_to": "2026-03-06",
            "export": "xlsx",
        },
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 3 + 3


def test_reports_check_their_parameters_and_visibility(
    week, tenant_a, tenant_b, client_for
) -> None:
    instructor = client_for(tenant_a.user(Role.INSTRUCTOR))
    summary = reverse("attendance-report-unit-summary")
    assert instructor.get(summary, {"unit": tenant_a.other_unit.pk}).status_code == 404
    assert instructor.get(summary, {}).status_code == 400
    assert (
        instructor.get(
            summary, {"unit": tenant_a.unit.pk, "date_from": "2026-03-09", "date_to": "2026-03-02"}
        ).status_code
        == 400
    )
    outsider = client_for(tenant_b.user(Role.ADMIN))
    roster = reverse("attendance-report-roster")
    assert outsider.get(roster, {"session": week[0].pk}).status_code == 404
    history = reverse("attendance-report-person-history")
    assert outsider.get(history, {"person": tenant_a.people[0].pk}).status_code == 404
    assert outsider.get(roster, {"session": "x"}).status_code == 400

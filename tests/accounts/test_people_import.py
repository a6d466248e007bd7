from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Person
from accounts.people_import import people_import_csv
from accounts.roles import Role
from accounts.tenancy import tenant_scope

GOOD = (
    "external_id,first_name,last_name,kind,email,units,consent,consent_date\n"
    "S-1,Ada,Lovelace,student,ada@example.test,SCH-A,yes,2026-09-01\n"
    "S-2,Alan,Turing,,,SCH-A;SCH-B,no,\n"
)


def run_import(tenant, text: str | bytes, **kwargs):
    data = text.encode() if isinstance(text, str) else text
    with tenant_scope(tenant.institution):
        return people_import_csv(institution=tenant.institution, data=data, **kwargs)


@pytest.mark.django_db
def test_valid_file_creates_people_with_units_and_consent(tenant_a) -> None:
    report = run_import(tenant_a, GOOD)
    assert report.ok and (report.created, report.updated) == (2, 0)
    with tenant_scope(tenant_a.institution):
        ada = Person.objects.get(external_id="S-1")
        alan = Person.objects.get(external_id="S-2")
        recorded = ada.consent_recorded_at.astimezone(tenant_a.institution.tzinfo)
        assert ada.consent_given and recorded.isoformat() == "2026-09-01T00:00:00+01:00"
        assert not alan.consent_given and alan.kind == Person.Kind.STUDENT  # school default
        assert sorted(u.code for u in alan.units.all()) == ["SCH-A", "SCH-B"]


@pytest.mark.django_db
def test_existing_external_id_is_updated_not_duplicated(tenant_a) -> None:
    run_import(tenant_a, GOOD)
    report = run_import(tenant_a, "external_id,first_name,last_name\nS-1,Augusta,Lovelace\n")
    assert (report.created, report.updated) == (0, 1)
    with tenant_scope(tenant_a.institution):
        assert Person.objects.get(external_id="S-1").first_name == "Augusta"
        assert Person.objects.filter(external_id="S-1").count() == 1


@pytest.mark.django_db
def test_bad_rows_are_reported_by_row_and_nothing_is_written(tenant_a) -> None:
    text = (
        "external_id,first_name,last_name,kind,email,units,is_active,consent_date\n"
        "S-1,Ada,Lovelace,student,ada@example.test,SCH-A,yes,\n"  # row 2: fine
        "S-1,Dup,Licate,student,,,yes,\n"  # row 3: duplicate id
        "S-3,,Nameless,robot,not-an-email,NOPE,maybe,yesterday\n"  # row 4: many problems
    )
    report = run_import(tenant_a, text)
    assert not report.ok
    problems = {(e.row, e.field) for e in report.errors}
    assert (3, "external_id") in problems
    assert {
        (4, "first_name"),
        (4, "kind"),
        (4, "email"),
        (4, "units"),
        (4, "is_active"),
    } <= problems
    assert (4, "consent_date") in problems
    assert all(e.row != 2 for e in report.errors)
    with tenant_scope(tenant_a.institution):
        assert not Person.objects.filter(external_id__in=["S-1", "S-3"]).exists()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (b"", "empty"),
        (b"first_name,last_name\nA,B\n", "Missing required column"),
        (b"external_id,first_name,last_name,shoe_size\nX,A,B,42\n", "Unknown column"),
        (b"external_id,first_name,last_name\n", "no rows"),
        (b"external_id,first_name,last_name\nX,A,B,extra\n", "More values"),
        ("external_id,first_name,last_name\nX,Jos\xe9,B\n".encode("latin-1"), "not UTF-8"),
    ],
)
@pytest.mark.django_db
def test_malformed_files_get_a_clear_error(tenant_a, text, needle) -> None:
    if needle == "not UTF-8":
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError, match=needle):
            run_import(tenant_a, text)
        return
    report = run_import(tenant_a, text)
    assert not report.ok
    assert any(needle in error.message for error in report.errors), report.errors


@pytest.mark.django_db
def test_dry_run_checks_without_writing(tenant_a) -> None:
    report = run_import(tenant_a, GOOD, dry_run=True)
    assert report.ok and report.created == 2
    with tenant_scope(tenant_a.institution):
        assert not Person.objects.filter(external_id="S-1").exists()


@pytest.mark.django_db
def test_import_through_the_api(tenant_a, client_for) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(tenant_a.user(Role.REGISTRAR))
    url = reverse("person-import-csv")
    bad = client.post(
        url,
        {"file": SimpleUploadedFile("p.csv", b"external_id,first_name,last_name\nX,,B\n")},
        format="multipart",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0] == {
        "row": 2,
        "field": "first_name",
        "message": "This field is required.",
    }
    good = client.post(
        url, {"file": SimpleUploadedFile("p.csv", GOOD.encode())}, format="multipart"
    )
    assert good.status_code == 200 and good.json()["created"] == 2
    garbled = client.post(
        url, {"file": SimpleUploadedFile("p.csv", b"\xff\xfe\x00bad")}, format="multipart"
    )
    assert garbled.status_code == 400 and "UTF-8" in str(garbled.json())
    viewer = client_for(tenant_a.user(Role.VIEWER))
    assert viewer.post(url, {"file": SimpleUploadedFile("p.csv", GOOD.encode())}).status_code == 403

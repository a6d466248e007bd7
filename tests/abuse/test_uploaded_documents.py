"""Excuse documents: checked by content, served only as authorised attachments (issue 24, F5)."""

from __future__ import annotations

import importlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from accounts.roles import Role
from accounts.tenancy import ALL_TENANTS, tenant_scope
from attendance.models import Excuse

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
HOSTILE = {
    "html": ("note.html", b"<html><script>alert(document.cookie)</script></html>", "text/html"),
    "svg": (
        "note.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "image/svg+xml",
    ),
    "exe renamed .pdf": (
        "note.pdf",
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60,
        "application/pdf",
    ),
    "html renamed .pdf": ("note.pdf", b"<!doctype html><script>x()</script>", "application/pdf"),
    "empty": ("note.pdf", b"", "application/pdf"),
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _excuse(client, tenant, name, content, content_type="application/octet-stream"):
    return client.post(
        reverse("attendance-excuse-list"),
        {
            "person": tenant.people[0].pk,
            "starts_at": "2026-03-02T00:00:00Z",
            "ends_at": "2026-03-03T00:00:00Z",
            "reason": "flu",
            "document": SimpleUploadedFile(name, content, content_type),
        },
        format="multipart",
    )


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_documents_that_are_not_pdf_or_images_are_refused(case, tenant_a, client_for, media):
    name, content, content_type = HOSTILE[case]
    response = _excuse(
        client_for(tenant_a.user(Role.REGISTRAR)), tenant_a, name, content, content_type
    )
    assert response.status_code == 400, response.content
    assert "document" in response.json()
    with tenant_scope(ALL_TENANTS):
        assert not Excuse.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()], "a refused file was stored"


def test_oversize_documents_are_refused(tenant_a, client_for, settings) -> None:
    settings.EXCUSE_DOCUMENT_MAX_BYTES = 1000
    big = PDF + b"%" * 2000
    response = _excuse(client_for(tenant_a.user(Role.REGISTRAR)), tenant_a, "big.pdf", big)
    assert response.status_code == 400
    assert "at most 1,000 bytes" in response.json()["document"][0]


@pytest.mark.parametrize(
    ("content", "mime", "extension"),
    [(PDF, "application/pdf", "pdf"), (PNG, "image/png", "png"), (JPEG, "image/jpeg", "jpg")],
)
def test_accepted_documents_are_renamed_by_content_and_served_as_attachments(
    tenant_a, client_for, content, mime, extension
) -> None:
    registrar = client_for(tenant_a.user(Role.REGISTRAR))
    response = _excuse(registrar, tenant_a, "../../evil name.html", content, "text/html")
    assert response.status_code == 201, response.content
    with tenant_scope(ALL_TENANTS):
        excuse = Excuse.objects.get(pk=response.json()["id"])
    assert excuse.document.name.endswith(f".{extension}")
    assert "evil" not in excuse.document.name and ".." not in excuse.document.name
    download = registrar.get(response.json()["document"])
    assert download.status_code == 200
    assert download["Content-Type"] == mime
    assert download["Content-Disposition"] == (
        f'attachment; filename="excuse-{excuse.pk}.{extension}"'
    )
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == content


def test_documents_are_for_registrars_of_the_same_institution(
    tenant_a, tenant_b, client_for
) -> None:
    registrar = client_for(tenant_a.user(Role.REGISTRAR))
    url = _excuse(registrar, tenant_a, "note.pdf", PDF).json()["document"]
    assert client_for(tenant_a.user(Role.INSTRUCTOR)).get(url).status_code == 403
    assert client_for(tenant_b.user(Role.ADMIN)).get(url).status_code == 404
    assert Client().get(url).status_code in (401, 403)


def test_changing_the_document_is_checked_too(tenant_a, client_for) -> None:
    registrar = client_for(tenant_a.user(Role.REGISTRAR))
    excuse = _excuse(registrar, tenant_a, "note.pdf", PDF).json()
    name, content, content_type = HOSTILE["svg"]
    response = registrar.patch(
        reverse("attendance-excuse-detail", args=[excuse["id"]]),
        {"document": SimpleUploadedFile(name, content, content_type)},
        format="multipart",
    )
    assert response.status_code == 400 and "document" in response.json()


def test_media_is_never_served_publicly(tenant_a, client_for, settings) -> None:
    registrar = client_for(tenant_a.user(Role.REGISTRAR))
    _excuse(registrar, tenant_a, "note.pdf", PDF)
    with tenant_scope(ALL_TENANTS):
        stored = Excuse.objects.get().document.name
    assert Client().get(f"/{settings.MEDIA_URL}{stored}").status_code == 404
    # Not even with DEBUG on (make run): the URL conf has no media route at all.
    import gaitportal.urls

    settings.DEBUG = True
    try:
        reloaded = importlib.reload(gaitportal.urls)
        with pytest.raises(Resolver404):
            resolve(f"/{settings.MEDIA_URL}{stored}", urlconf=reloaded)
    finally:
        settings.DEBUG = False
        importlib.reload(gaitportal.urls)


def test_the_admin_refuses_a_hostile_document_with_a_form_error(tenant_a) -> None:
    browser = Client()
    browser.force_login(tenant_a.user(Role.REGISTRAR))
    name, content, content_type = HOSTILE["html"]
    response = browser.post(
        reverse("admin:attendance_excuse_add"),
        {
            "person": tenant_a.people[0].pk,
            "reason": "flu",
            "starts_at_0": "2026-03-02",
            "starts_at_1": "08:00",
            "ends_at_0": "2026-03-02",
            "ends_at_1": "11:00",
            "document": SimpleUploadedFile(name, content, content_type),
        },
    )
    assert response.status_code == 200
    assert "Unsupported file content" in response.content.decode()
    with tenant_scope(ALL_TENANTS):
        assert not Excuse.objects.exists()

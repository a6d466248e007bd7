"""The recognition admin: pages open for an administrator; an upload goes through the service."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from accounts.tenancy import tenant_scope
from recognition.models import BiometricAccessLog, GaitSample
from tests.recognition.portal.conftest import walk_bytes

pytestmark = pytest.mark.django_db

MODELS = [
    "gaitsample",
    "recognition",
    "gaitmodelversion",
    "gaittemplate",
    "biometricaccesslog",
    "recognitionsettings",
]


@pytest.fixture
def browser(tenant_a) -> Client:
    client = Client()
    client.force_login(tenant_a.user(Role.ADMIN))
    return client


@pytest.mark.parametrize("model", MODELS)
def test_every_page_opens(browser, model) -> None:
    assert browser.get(reverse(f"admin:recognition_{model}_changelist")).status_code == 200


def test_upload_through_the_admin_and_bad_file_shows_on_the_form(
    browser, gait_site, django_capture_on_commit_callbacks
) -> None:
    tenant, _camera, people = gait_site
    url = reverse("admin:recognition_gaitsample_add")
    assert browser.get(url).status_code == 200
    bad = browser.post(
        url,
        {"upload": SimpleUploadedFile("x.mp4", b"not a video at all"), "purpose": "identify"},
    )
    assert bad.status_code == 200 and b"not a video" in bad.content
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            url,
            {
                "upload": SimpleUploadedFile("w.npz", walk_bytes(0, 1)),
                "purpose": "enrol",
                "person": people[0].pk,
            },
        )
    assert response.status_code == 302, response.content[:2000]
    with tenant_scope(tenant.institution):
        sample = GaitSample.objects.get()
        assert sample.status == "done" and sample.templates.count() == 1
    browser.get(reverse("admin:recognition_gaittemplate_changelist"))
    with tenant_scope(tenant.institution):
        assert BiometricAccessLog.objects.filter(action="view").exists()


def test_recognition_settings_admin_turns_on_enrolment_from_reviews(browser, tenant_a) -> None:
    from recognition import services

    inst = tenant_a.institution
    with tenant_scope(inst):
        row = services.recognition_settings_get(institution=inst)
    url = reverse("admin:recognition_recognitionsettings_change", args=[row.pk])
    page = browser.get(url).content.decode()
    assert 'name="enrol_from_reviews"' in page
    fields = {"require_consent": "on", "target_far": "0.01", "review_far": "0.05"}
    response = browser.post(url, {**fields, "enrol_from_reviews": "on"})
    assert response.status_code == 302, response.content[:2000]
    row.refresh_from_db()
    assert row.enrol_from_reviews and row.require_consent

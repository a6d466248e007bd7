"""Site adaptation end to end: fine-tune the active model on the institution's enrolments (a real
run, few steps), judge it on held-back enrolment walks, keep it as a version with those figures,
and activate it (after re-embedding the gallery) only when it is better.

The synthetic enrolments come from the walker the shipped model was trained on, so there is
nothing for adaptation to gain on them (measured: the held-back genuine-impostor gap shrinks,
and the model is refused). A model that fits the site badly is made by adding noise to the
shipped weights: adaptation repairs much of that on the site's own walks, and is activated.
"""

from __future__ import annotations

import pytest
import torch
from django.urls import reverse

from accounts.actors import Actor
from accounts.roles import Role
from accounts.tenancy import tenant_scope
from recognition import services
from recognition.gait.checkpoint import load_checkpoint, save_checkpoint
from recognition.models import Decision, GaitModelVersion, GaitTemplate
from tests.recognition.enrolled import enrol_walks, identify_walk

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.slow,
    pytest.mark.usefixtures("uploads_run_on_commit"),
]


@pytest.fixture
def degraded_model(settings, tmp_path):
    """The shipped model with noise on its weights (0.6 of each tensor's spread), shipped."""
    checkpoint = load_checkpoint(settings.GAIT_MODEL_PATH)
    noise = torch.Generator().manual_seed(0)
    for name, tensor in checkpoint["model_state"].items():
        if tensor.is_floating_point() and tensor.dim() > 1 and "running" not in name:
            tensor.add_(0.6 * tensor.std() * torch.randn(tensor.shape, generator=noise))
    checkpoint["model_version"] += "-noisy"
    settings.GAIT_MODEL_PATH = save_checkpoint(checkpoint, tmp_path / "noisy.pt")
    return settings.GAIT_MODEL_PATH


@pytest.fixture
def enrolled(gait_site):
    tenant, camera, people = gait_site
    inst = tenant.institution
    actor = Actor(institution=inst, role=Role.ADMIN, user=tenant.user(Role.ADMIN))
    with tenant_scope(inst):
        enrol_walks(inst, actor, people)
        base = services.model_version_active(institution=inst)
    return tenant, camera, people, actor, base


def _held_back_check(metrics: dict) -> None:
    for key in ("held_back_before", "held_back_after"):
        figures = metrics[key]
        assert figures["held_back"] == 6  # the last walk of each of the six people
        assert 0 <= figures["rank1"] <= 1 and 0 <= figures["tar_at_far_1pct"] <= 1
        assert figures["genuine_mean"] > figures["impostor_mean"]


def test_an_adapted_model_that_is_no_better_is_kept_but_not_activated(enrolled) -> None:
    """Fine-tuning at rate 0 changes no weight: the held-back figures are equal, so the
    version is recorded with them and the active model stays."""
    tenant, camera, people, actor, base = enrolled
    inst = tenant.institution
    with tenant_scope(inst):
        outcome = services.institution_model_adapt(institution=inst, epochs=1, lr=0.0)
        assert outcome["accepted"] is False and outcome["activated"] is None
        assert "no better" in outcome["reason"]
        assert outcome["before"] == outcome["after"]
        adapted = GaitModelVersion.objects.get(model_version=outcome["version"])
        assert adapted.kind == "adapted" and adapted.parent == base and not adapted.is_active
        _held_back_check(adapted.metrics)
        assert adapted.metrics["accepted"] is False
        assert adapted.metrics["fine_tune"]["lr"] == 0.0
        assert not GaitTemplate.objects.filter(model_version=adapted).exists()
        assert services.model_version_active(institution=inst) == base
        rec = identify_walk(inst, actor, camera, 3, 8)
        assert rec.model_version == base and rec.person == people[3]


def test_adapting_activates_a_better_model_and_reembeds_the_gallery(
    degraded_model, enrolled, client_for, django_capture_on_commit_callbacks
) -> None:
    tenant, camera, people, actor, base = enrolled
    assert base.model_version.endswith("-noisy")
    inst = tenant.institution
    client = client_for(tenant.user(Role.ADMIN))
    with django_capture_on_commit_callbacks(execute=True):  # the (sync) heavy worker runs it
        queued = client.post(reverse("recognition-adapt"), {"epochs": 2}, format="json")
    assert queued.status_code == 202, queued.content
    with tenant_scope(inst):
        adapted = GaitModelVersion.objects.get(kind="adapted")
        _held_back_check(adapted.metrics)
        before, after = adapted.metrics["held_back_before"], adapted.metrics["held_back_after"]
        assert adapted.metrics["accepted"] is True, adapted.metrics["reason"]
        assert after["rank1"] >= before["rank1"]
        assert after["tar_at_far_1pct"] >= before["tar_at_far_1pct"]
        gap = [m["genuine_mean"] - m["impostor_mean"] for m in (before, after)]
        assert gap[1] > gap[0]
        assert adapted.parent == base and adapted.checkpoint
        active = services.model_version_active(institution=inst)
        assert active == adapted and active.activated_at is not None
        base.refresh_from_db()
        assert not base.is_active
        # every enrolment walk has a template of the new version, for the same person
        walks = set(
            GaitTemplate.objects.filter(model_version=base).values_list(
                "person_id", "sample_id", "track_id"
            )
        )
        assert len(walks) == 12
        assert walks == set(
            GaitTemplate.objects.filter(model_version=adapted).values_list(
                "person_id", "sample_id", "track_id"
            )
        )
        assert active.calibrated_at is not None and active.calibration_people == 6
        # identification now uses the adapted model, and still finds the right people
        for subject in (0, 4):
            rec = identify_walk(inst, actor, camera, subject, 8)
            assert rec.model_version == adapted and rec.sample.model_version == adapted
            assert rec.decision == Decision.ACCEPTED and rec.person == people[subject]
        listed = client.get(reverse("recognition-model-version-list")).json()["results"]
        assert [v["is_active"] for v in listed if v["model_version"] == adapted.model_version] == [
            True
        ]

"""A deploy that ships a new default model: institutions move to it before anything is matched,
their galleries re-embedded from the kept keypoints; two networks are never mixed."""

from __future__ import annotations

from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from accounts.tenancy import tenant_scope
from recognition import services
from recognition.models import GaitModelVersion, GaitTemplate
from recognition.services.versions import embedder_for
from tests.factories import GaitModelVersionFactory
from tests.recognition.enrolled import enrol_walks, identify_walk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uploads_run_on_commit")]


def _embeddings(version: GaitModelVersion) -> dict[tuple[int, int], np.ndarray]:
    return {
        (t.sample_id, t.track_id): np.frombuffer(bytes(t.embedding), dtype="<f4")
        for t in GaitTemplate.objects.filter(model_version=version)
    }


def test_a_worker_moves_the_institution_to_the_deployed_model_before_matching(
    gait_site, redeploy
) -> None:
    tenant, camera, people = gait_site
    inst = tenant.institution
    with tenant_scope(inst):
        enrol_walks(inst, None, people[:3])
        before = services.model_version_active(institution=inst)
        redeploy()
        with pytest.raises(services.ShippedModelChangedError, match="gait_upgrade_model"):
            embedder_for(before)  # the old row never embeds with the new network

        recognition = identify_walk(inst, None, camera, 1, 3)

        after = services.model_version_active(institution=inst)
        assert after.model_version == before.model_version + "-redeployed"
        assert after.kind == GaitModelVersion.Kind.SHIPPED and after.parent == before
        assert recognition.model_version == after and recognition.person == people[1]
        before.refresh_from_db()
        assert not before.is_active
        old, new = _embeddings(before), _embeddings(after)
        assert sorted(new) == sorted(old) and len(new) == 6  # every enrolment walk
        for key, vector in new.items():  # same weights, same kept keypoints
            np.testing.assert_allclose(vector, old[key], atol=1e-5)
        mine = sorted(GaitTemplate.objects.filter(model_version=after).values_list("person_id"))
        assert mine == sorted(
            GaitTemplate.objects.filter(model_version=before).values_list("person_id")
        )
        assert services.gallery_reembed(version=after) == 0  # idempotent
        assert after.calibrated_at is not None
        assert services.shipped_model_upgrade(institution=inst) is None  # nothing left to move


def test_the_command_moves_institutions_on_an_earlier_shipped_model_only(
    gait_site, tenant_b, redeploy
) -> None:
    tenant, _camera, people = gait_site
    inst = tenant.institution
    with tenant_scope(inst):
        enrol_walks(inst, None, people[:2])
        before = services.model_version_active(institution=inst).model_version
    with tenant_scope(tenant_b.institution):
        adapted = GaitModelVersionFactory(
            institution=tenant_b.institution, kind=GaitModelVersion.Kind.ADAPTED, is_active=True
        )
    redeploy()

    out = StringIO()
    call_command("gait_upgrade_model", stdout=out)
    lines = out.getvalue().splitlines()
    assert f"{inst.slug}: {before} -> {before}-redeployed, 4 templates" in lines[1]
    assert lines[0] == f"{tenant_b.institution.slug}: stays on {adapted.model_version}"
    assert lines[-1] == "1 institution(s) moved to the deployed model."

    again = StringIO()
    call_command("gait_upgrade_model", stdout=again)
    assert again.getvalue().splitlines()[-1] == "0 institution(s) moved to the deployed model."

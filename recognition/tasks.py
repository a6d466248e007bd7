"""django-q2 entry points: they find the row, enter its tenant scope and call one service.

process_sample, adapt_institution_model, reembed_gallery and enrol_reviewed_walk run on the
heavy cluster (settings.GAIT_HEAVY_CLUSTER); recalibrate and purge_raw_videos on the default one.
"""

from __future__ import annotations

from accounts.models import Institution
from accounts.tenancy import tenant_scope
from recognition import services
from recognition.models import GaitModelVersion, GaitSample, Recognition


def process_sample(sample_id: int) -> str:
    sample = GaitSample.unscoped.select_related("institution").filter(pk=sample_id).first()
    if sample is None:
        return "gone"
    with tenant_scope(sample.institution):
        try:
            result = services.sample_process(sample_id=sample_id)
        except services.TransientProcessingError:
            sample.refresh_from_db()
            services.sample_enqueue(
                sample=sample, delay_seconds=services.retry_delay_seconds(sample.attempts)
            )
            return "retry scheduled"
    return result.status if result is not None else "gone"


def recalibrate(version_id: int) -> dict:
    version = GaitModelVersion.unscoped.select_related("institution").filter(pk=version_id).first()
    if version is None:
        return {}
    with tenant_scope(version.institution):
        version = services.calibration_recompute(version=version)
        return {"threshold": version.threshold, "fallback": version.is_fallback}


def reembed_gallery(version_id: int) -> int:
    version = GaitModelVersion.unscoped.select_related("institution").filter(pk=version_id).first()
    if version is None:
        return 0
    with tenant_scope(version.institution):
        return services.gallery_reembed(version=version)


def adapt_institution_model(institution_id: int, epochs: int = 10) -> dict:
    institution = Institution.objects.get(pk=institution_id)
    with tenant_scope(institution):
        return services.institution_model_adapt(institution=institution, epochs=epochs)


def enrol_reviewed_walk(recognition_id: int, person_id: int) -> str:
    recognition = (
        Recognition.unscoped.select_related("institution").filter(pk=recognition_id).first()
    )
    if recognition is None:
        return "gone"
    with tenant_scope(recognition.institution):
        template = services.review_enrolment_make(
            recognition_id=recognition_id, person_id=person_id
        )
    return "enrolled" if template is not None else "not enrolled"


def purge_raw_videos() -> int:
    """Scheduled daily: raw videos past each institution's retention are deleted."""
    purged = 0
    for institution in Institution.objects.all():
        with tenant_scope(institution):
            purged += services.raw_videos_purge(institution=institution)
    return purged

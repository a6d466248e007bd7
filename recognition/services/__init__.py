"""Recognition writes: uploads, processing, review, calibration, adaptation, privacy.

Keyword-only typed functions; callers (API, admin, tasks) hold no rules of their own.
"""

from recognition.services.adaptation import institution_model_adapt
from recognition.services.enrolment import EnrolmentQuality, enrolment_quality
from recognition.services.gallery import gallery_reembed
from recognition.services.matching import Gallery, gallery_for, match_probe
from recognition.services.model_upgrade import model_version_for_work, shipped_model_upgrade
from recognition.services.privacy import (
    access_log_record,
    person_biometrics_erase,
    raw_videos_purge,
)
from recognition.services.processing import (
    TransientProcessingError,
    recognition_event_record,
    retry_delay_seconds,
    sample_process,
)
from recognition.services.review import recognition_review
from recognition.services.review_enrolment import (
    review_enrolment_make,
    review_enrolment_request,
    review_enrolment_withdraw,
)
from recognition.services.samples import (
    SampleCreated,
    sample_create,
    sample_delete,
    sample_enqueue,
    sample_retry,
)
from recognition.services.versions import (
    ShippedModelChangedError,
    calibration_recompute,
    model_version_activate,
    model_version_active,
    recognition_settings_get,
    recognition_settings_update,
)

__all__ = [
    "EnrolmentQuality",
    "Gallery",
    "SampleCreated",
    "ShippedModelChangedError",
    "TransientProcessingError",
    "access_log_record",
    "calibration_recompute",
    "enrolment_quality",
    "gallery_for",
    "gallery_reembed",
    "institution_model_adapt",
    "match_probe",
    "model_version_activate",
    "model_version_active",
    "model_version_for_work",
    "person_biometrics_erase",
    "raw_videos_purge",
    "recognition_event_record",
    "recognition_review",
    "recognition_settings_get",
    "recognition_settings_update",
    "retry_delay_seconds",
    "review_enrolment_make",
    "review_enrolment_request",
    "review_enrolment_withdraw",
    "sample_create",
    "sample_delete",
    "sample_enqueue",
    "sample_process",
    "sample_retry",
    "shipped_model_upgrade",
]

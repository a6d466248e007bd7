"""Recognition data: model versions and their site calibration, uploaded samples, templates,
recognitions, and the log of who looked at biometric data."""

from recognition.models.access import BiometricAccessLog
from recognition.models.recognitions import Decision, Recognition
from recognition.models.samples import GaitSample
from recognition.models.settings import RecognitionSettings
from recognition.models.templates import GaitTemplate
from recognition.models.versions import GaitModelVersion

__all__ = [
    "BiometricAccessLog",
    "Decision",
    "GaitModelVersion",
    "GaitSample",
    "GaitTemplate",
    "Recognition",
    "RecognitionSettings",
]

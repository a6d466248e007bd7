"""How well a person is enrolled: enough walking, consistent clips, far from everyone else."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from accounts.models import Person
from recognition.gait.calibration import score_pairs
from recognition.gait.embedding import l2_normalize
from recognition.models import GaitModelVersion, GaitTemplate
from recognition.services.matching import gallery_for

MIN_SECONDS = 3.0
MIN_CLIPS = 2


@dataclass
class EnrolmentQuality:
    person: int
    clips: int
    usable_seconds: float
    consistency: float | None  # mean leave-one-out cosine of the person's clips to the rest
    nearest_person: int | None
    nearest_score: float | None
    threshold: float
    weak: bool
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def enrolment_quality(*, person: Person, version: GaitModelVersion) -> EnrolmentQuality:
    templates = list(GaitTemplate.objects.filter(person=person, model_version=version))
    vectors = np.stack([t.vector for t in templates]) if templates else np.zeros((0, 1))
    seconds = float(sum(t.usable_seconds for t in templates))
    consistency = None
    if len(templates) >= 2:
        genuine, _ = score_pairs({person.pk: vectors})
        consistency = float(genuine.mean())
    nearest, nearest_score = None, None
    gallery = gallery_for(version=version)
    if templates and len(gallery.person_ids):
        mine = l2_normalize(vectors.mean(0))
        others = gallery.person_ids != person.pk
        if others.any():
            scores = gallery.matrix[others] @ mine
            best = int(np.argmax(scores))
            nearest = int(gallery.person_ids[others][best])
            nearest_score = round(float(scores[best]), 4)
    warnings = []
    if not templates:
        warnings.append("Not enrolled: upload walking clips of this person.")
    if templates and seconds < MIN_SECONDS:
        warnings.append(f"Only {seconds:.1f} s of usable walking (at least {MIN_SECONDS:.0f} s).")
    if templates and len(templates) < MIN_CLIPS:
        warnings.append("One clip only: enrol a second walk to measure consistency.")
    if consistency is not None and consistency < version.threshold:
        warnings.append(
            f"The clips disagree (consistency {consistency:.2f} below the accept threshold "
            f"{version.threshold:.2f}): this person may go unrecognised."
        )
    if nearest_score is not None and nearest_score >= version.threshold:
        warnings.append(
            f"Another enrolled person is as close as {nearest_score:.2f}: they may be confused."
        )
    return EnrolmentQuality(
        person=person.pk,
        clips=len(templates),
        usable_seconds=round(seconds, 2),
        consistency=None if consistency is None else round(consistency, 4),
        nearest_person=nearest,
        nearest_score=nearest_score,
        threshold=version.threshold,
        weak=bool(warnings),
        warnings=warnings,
    )

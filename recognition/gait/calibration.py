"""Open-set thresholds for one site, from the people it enrolled.

Cosine scores mean different things for different models and different populations, so a
threshold chosen on synthetic people says nothing about a school's pupils. ``calibrate`` takes
the embeddings of each enrolled person's clips and scores them as identification will:

- genuine: each clip against the template (normalised mean) of the same person's *other* clips
  (leave one clip out), so a clip never vouches for itself;
- impostor: each clip against every other person's template (all their clips).

The accept threshold is the lowest score at which at most ``target_far`` of impostor
comparisons pass; the review band runs down to the threshold at ``review_far``. With too few
pairs to estimate the false-accept rate, the model's own threshold is returned, marked
``source="model_default"``, with the same review margin below it.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import asdict, dataclass

import numpy as np

from recognition.gait.embedding import l2_normalize
from recognition.gait.evaluation import threshold_at_far

DEFAULT_TARGET_FAR = 0.01
DEFAULT_REVIEW_FAR = 0.05
DEFAULT_REVIEW_MARGIN = 0.1  # review band below a fallback threshold, in cosine
MIN_PEOPLE = 5
MIN_GENUINE_PAIRS = 10

SOURCE_CALIBRATED = "calibrated"
SOURCE_MODEL_DEFAULT = "model_default"


@dataclass(frozen=True)
class Calibration:
    """Thresholds for one model at one site and what they rest on.

    ``estimated_far`` / ``estimated_tar``: the fraction of impostor / genuine comparisons at or
    above ``threshold`` among the enrolments (None when there were none to count).
    ``sufficient``: whether enough pairs stood behind the estimate to use it.
    """

    threshold: float
    review_threshold: float
    target_far: float
    source: str
    people: int
    genuine_pairs: int
    impostor_pairs: int
    estimated_far: float | None
    estimated_tar: float | None
    sufficient: bool
    reason: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def min_impostor_pairs(target_far: float) -> int:
    """Impostor comparisons needed before a false-accept rate of ``target_far`` is measured
    by more than luck: enough for about three accepted impostors at that rate."""
    return math.ceil(3 / target_far)


def score_pairs(
    embeddings_by_person: Mapping[Hashable, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """(genuine, impostor) cosine scores among enrolled people (see module docstring)."""
    people = [
        l2_normalize(np.asarray(e, dtype=np.float32).reshape(len(e), -1))
        for e in embeddings_by_person.values()
        if len(e)
    ]
    if not people:
        return np.zeros(0, np.float32), np.zeros(0, np.float32)
    templates = l2_normalize(np.stack([p.mean(0) for p in people]))
    genuine, impostor = [], []
    for i, clips in enumerate(people):
        if len(clips) >= 2:
            total = clips.sum(0)
            for clip in clips:
                others = l2_normalize(total - clip)
                genuine.append(float(clip @ others))
        others_t = np.delete(templates, i, axis=0)
        if len(others_t):
            impostor.extend((clips @ others_t.T).ravel().tolist())
    return np.asarray(genuine, np.float32), np.asarray(impostor, np.float32)


def calibrate(
    embeddings_by_person: Mapping[Hashable, np.ndarray],
    *,
    fallback_threshold: float,
    target_far: float = DEFAULT_TARGET_FAR,
    review_far: float = DEFAULT_REVIEW_FAR,
) -> Calibration:
    """Accept and review thresholds for ``target_far`` from a site's enrolments.

    ``embeddings_by_person``: person -> [n_clips, D] embeddings of that person's enrolment
    clips (one model). ``fallback_threshold``: the model's shipped threshold, used (and marked)
    while the enrolments are too few.
    """
    if not 0 < target_far < 1 or not target_far <= review_far < 1:
        raise ValueError("need 0 < target_far <= review_far < 1")
    people = sum(1 for e in embeddings_by_person.values() if len(e))
    genuine, impostor = score_pairs(embeddings_by_person)
    needed = min_impostor_pairs(target_far)
    missing = []
    if people < MIN_PEOPLE:
        missing.append(f"{people} enrolled people (at least {MIN_PEOPLE} needed)")
    if len(genuine) < MIN_GENUINE_PAIRS:
        missing.append(
            f"{len(genuine)} genuine comparisons (at least {MIN_GENUINE_PAIRS}: enrol people "
            "with two or more clips)"
        )
    if len(impostor) < needed:
        missing.append(f"{len(impostor)} impostor comparisons (at least {needed} needed)")

    if missing:
        threshold = float(fallback_threshold)
        review = threshold - DEFAULT_REVIEW_MARGIN
        source, sufficient = SOURCE_MODEL_DEFAULT, False
        reason = "Using the model's own threshold: only " + "; ".join(missing) + "."
    else:
        threshold = threshold_at_far(impostor, target_far)
        review = min(threshold, threshold_at_far(impostor, review_far))
        source, sufficient, reason = SOURCE_CALIBRATED, True, ""
    return Calibration(
        threshold=float(threshold),
        review_threshold=float(review),
        target_far=float(target_far),
        source=source,
        people=people,
        genuine_pairs=len(genuine),
        impostor_pairs=len(impostor),
        estimated_far=float(np.mean(impostor >= threshold)) if len(impostor) else None,
        estimated_tar=float(np.mean(genuine >= threshold)) if len(genuine) else None,
        sufficient=sufficient,
        reason=reason,
    )

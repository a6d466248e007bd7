"""Open-set matching of a probe embedding against an institution's gallery.

The gallery holds one row per enrolled person: the normalised mean of the person's templates
for one model version (as calibration scores them). It is built once per worker and rebuilt
when the version's `gallery_revision` moved (services bump it whenever they add or remove
templates); a person deleted without the services is caught when matched (processing).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from django.db.models import F

from recognition.gait.embedding import l2_normalize, search
from recognition.models import Decision, GaitModelVersion
from recognition.services.versions import enrolment_embeddings

TOP_K = 5


@dataclass
class Gallery:
    person_ids: np.ndarray  # int64 [N]
    matrix: np.ndarray  # float32 [N, D], unit rows
    stamp: tuple

    @classmethod
    def from_embeddings(cls, by_person: dict[int, np.ndarray], stamp: tuple = ()) -> Gallery:
        ids = sorted(by_person)
        if not ids:
            return cls(np.zeros(0, np.int64), np.zeros((0, 0), np.float32), stamp)
        matrix = l2_normalize(np.stack([by_person[p].mean(0) for p in ids]))
        return cls(np.asarray(ids, np.int64), np.ascontiguousarray(matrix, np.float32), stamp)


@dataclass(frozen=True)
class Match:
    decision: str
    person_id: int | None
    score: float | None
    candidates: list[dict]


_lock = threading.Lock()
_galleries: dict[int, Gallery] = {}


def _stamp(version: GaitModelVersion) -> tuple:
    # created_at as well: a deleted version's id can come back (SQLite reuses the highest id
    # after a delete) with its revision counter at 0 again, and must not find the old gallery.
    return tuple(
        GaitModelVersion.objects.filter(pk=version.pk)
        .values_list("gallery_revision", "created_at")
        .first()
        or ()
    )


def gallery_changed(*, versions) -> None:
    """Tell every worker that these versions' templates changed (their caches rebuild)."""
    GaitModelVersion.objects.filter(pk__in=[v.pk for v in versions]).update(
        gallery_revision=F("gallery_revision") + 1
    )


def gallery_forget(*, version: GaitModelVersion) -> None:
    """Drop this worker's cached gallery (a matched person was deleted behind the services)."""
    with _lock:
        _galleries.pop(version.pk, None)


def gallery_for(*, version: GaitModelVersion) -> Gallery:
    stamp = _stamp(version)
    with _lock:
        cached = _galleries.get(version.pk)
        if cached is not None and cached.stamp == stamp:
            return cached
    gallery = Gallery.from_embeddings(enrolment_embeddings(version=version), stamp)
    with _lock:
        _galleries[version.pk] = gallery
    return gallery


def match_probe(
    embedding: np.ndarray, *, gallery: Gallery, threshold: float, review_threshold: float
) -> Match:
    """Accepted at or above ``threshold``, for review at or above ``review_threshold``,
    otherwise unknown: nobody is forced onto the nearest person."""
    if len(gallery.person_ids) == 0:
        return Match(Decision.UNKNOWN, None, None, [])
    order, scores = search(embedding, gallery.matrix, k=TOP_K)
    candidates = [
        {"person": int(gallery.person_ids[i]), "score": round(float(s), 4)}
        for i, s in zip(order, scores, strict=True)
    ]
    best = float(scores[0])
    if best >= threshold:
        return Match(Decision.ACCEPTED, int(gallery.person_ids[order[0]]), best, candidates)
    if best >= review_threshold:
        return Match(Decision.NEEDS_REVIEW, None, best, candidates)
    return Match(Decision.UNKNOWN, None, best, candidates)

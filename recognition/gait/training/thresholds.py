"""The operating threshold: chosen on held-out synthetic people at a 1 % false-accept rate."""

from __future__ import annotations

import numpy as np

from recognition.gait.embedding import GaitEmbedder
from recognition.gait.evaluation import equal_error_rate, tar_at_far, threshold_at_far

VALIDATION_SUBJECT_BASE = 8_000_000  # threshold people; evaluation people start at 9_000_000
THRESHOLD_FAR = 0.01


def validation_scores(
    embedder: GaitEmbedder, people: int, *, seed: int = 0, walks: int = 4
) -> tuple[np.ndarray, np.ndarray, float]:
    """Genuine and impostor walk-pair scores on held-out synthetic people, and rank-1."""
    from recognition.gait.synthetic import generate_person, walk

    rng = np.random.default_rng([0x5EED, seed])
    tracks, labels = [], []
    for s in range(VALIDATION_SUBJECT_BASE, VALIDATION_SUBJECT_BASE + people):
        person = generate_person(s)
        for w, cond in enumerate(["nm", "nm", "bg", "cl"][:walks]):
            view = float(rng.uniform(0, 180))
            tracks.append(walk(person, cond, view, seed=w + 1))
            labels.append(s)
    emb = embedder.embed_batch(tracks)
    labels = np.asarray(labels)
    scores = emb @ emb.T
    iu = np.triu_indices(len(emb), 1)
    same = labels[:, None] == labels[None, :]
    genuine, impostor = scores[iu][same[iu]], scores[iu][~same[iu]]
    # rank-1 of every walk against all others
    np.fill_diagonal(scores, -np.inf)
    rank1 = float(np.mean(labels[scores.argmax(1)] == labels))
    return genuine, impostor, rank1


def choose_threshold(embedder: GaitEmbedder, people: int, *, seed: int = 0) -> tuple[dict, dict]:
    genuine, impostor, rank1 = validation_scores(embedder, people, seed=seed)
    value = threshold_at_far(impostor, THRESHOLD_FAR)
    tar, _ = tar_at_far(genuine, impostor, THRESHOLD_FAR)
    eer, _ = equal_error_rate(genuine, impostor)
    threshold = {
        "value": float(value),
        "far_target": THRESHOLD_FAR,
        "tar": float(tar),
        "genuine_pairs": len(genuine),
        "impostor_pairs": len(impostor),
        "protocol": (
            f"walk-vs-walk cosine scores of {people} held-out synthetic people (seeds from "
            f"{VALIDATION_SUBJECT_BASE}), 4 walks each (nm, nm, bg, cl), views 0-180 deg"
        ),
    }
    metrics = {"validation_rank1": rank1, "validation_eer": float(eer), "validation_tar": tar}
    return threshold, metrics

"""Site adaptation: fine-tune a model on one institution's enrolments, keep it only if better.

``adapt`` holds back one walk of every person who has several, fine-tunes on the rest
(``training.fine_tune``), then scores the held-back walks against templates of the training
walks with the base model and the adapted one. Safeguards, so that a few people cannot wreck
the model: a small learning rate, L2-SP (the weights are pulled toward the starting ones),
batch-norm statistics frozen at the base model's, synthetic people replayed beside the real
ones, and a rule for accepting it (``better``): the held-back walks must not be worse under
the adapted model, neither identified less often (rank-1) nor accepted less often at a 1 %
false-accept rate among themselves, and something must be better: rank-1, that rate, or the
gap between their genuine and impostor scores. A model that changes nothing is not worth
re-embedding the gallery for. The caller activates it only when ``AdaptationResult.accepted``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recognition.gait.checkpoint import load_checkpoint, save_checkpoint
from recognition.gait.embedding import GaitEmbedder, l2_normalize
from recognition.gait.evaluation import tar_at_far
from recognition.gait.tracks import PoseTrack

MIN_PEOPLE = 3
MIN_HELD_BACK = 3
# Safeguards (module docstring): a tenth of the fine-tuning rate of training, and an L2-SP
# pull strong enough that a short run moves the weights by little.
ADAPT_LR = 1e-4
ADAPT_L2SP = 0.1
ADAPT_SYNTHETIC_PEOPLE = 64


@dataclass
class AdaptationResult:
    checkpoint: dict | None  # the adapted checkpoint (None when adaptation could not run)
    accepted: bool
    before: dict
    after: dict
    reason: str


def split_walks(
    walks_by_person: Mapping[Hashable, Sequence[PoseTrack]],
) -> tuple[dict, dict]:
    """(training walks, held-back walks): the last walk of each person with two or more."""
    train, held = {}, {}
    for person, walks in walks_by_person.items():
        walks = list(walks)
        if len(walks) >= 2:
            train[person], held[person] = walks[:-1], [walks[-1]]
        elif walks:
            train[person] = walks
    return train, held


def held_back_metrics(
    embedder: GaitEmbedder, train: Mapping[Hashable, Sequence[PoseTrack]], held: Mapping
) -> dict:
    """rank-1 of held-back walks against training templates, and TAR at FAR 1 % among them."""
    labels = list(train)
    templates = l2_normalize(np.stack([embedder.embed_batch(train[p]).mean(0) for p in labels]))
    probes = [(p, w) for p, ws in held.items() for w in ws]
    emb = embedder.embed_batch([w for _, w in probes])
    scores = emb @ templates.T
    truth = np.array([labels.index(p) for p, _ in probes])
    rank1 = float(np.mean(scores.argmax(1) == truth))
    genuine = scores[np.arange(len(truth)), truth]
    mask = np.ones_like(scores, dtype=bool)
    mask[np.arange(len(truth)), truth] = False
    impostor = scores[mask]
    tar, _ = tar_at_far(genuine, impostor, 0.01) if len(impostor) else (0.0, None)
    return {
        "rank1": rank1,
        "tar_at_far_1pct": float(tar),
        "genuine_mean": float(genuine.mean()),
        "impostor_mean": float(impostor.mean()) if len(impostor) else None,
        "held_back": len(probes),
    }


def adapt(
    checkpoint: str | Path | dict,
    walks_by_person: Mapping[Hashable, Sequence[PoseTrack]],
    *,
    epochs: int = 10,
    seed: int = 0,
    threads: int = 1,
    lr: float = ADAPT_LR,
    l2sp: float = ADAPT_L2SP,
    synthetic_people: int = ADAPT_SYNTHETIC_PEOPLE,
    freeze_batchnorm: bool = True,
) -> AdaptationResult:
    """Fine-tune ``checkpoint`` on ``walks_by_person`` and judge it on held-back walks.

    The defaults are the safeguards of the module docstring; ``synthetic_people`` is the
    number of synthetic people replayed beside the real ones."""
    from recognition.gait.training import fine_tune

    base = load_checkpoint(checkpoint)
    train, held = split_walks(walks_by_person)
    n_held = sum(len(w) for w in held.values())
    if len(train) < MIN_PEOPLE or n_held < MIN_HELD_BACK:
        return AdaptationResult(
            None,
            False,
            {},
            {},
            f"Adaptation needs at least {MIN_PEOPLE} enrolled people and {MIN_HELD_BACK} of "
            f"them with two or more walks; found {len(train)} people, {n_held} with two.",
        )
    before = held_back_metrics(GaitEmbedder.from_checkpoint(base), train, held)
    with tempfile.TemporaryDirectory() as tmp:
        src = save_checkpoint(base, Path(tmp) / "base.pt")
        out = fine_tune(
            src,
            {str(k): v for k, v in train.items()},
            epochs=epochs,
            seed=seed,
            out_path=Path(tmp) / "adapted.pt",
            threads=threads,
            validation_people=0,
            lr=lr,
            l2sp=l2sp,
            synthetic_people=synthetic_people,
            freeze_batchnorm=freeze_batchnorm,
        )
        adapted = load_checkpoint(out)
    after = held_back_metrics(GaitEmbedder.from_checkpoint(adapted), train, held)
    accepted = better(before, after)
    if accepted:
        reason = "The adapted model is better on held-back walks; it may replace the current one."
    elif not_worse(before, after):
        reason = "The adapted model is no better on held-back walks; the current model stays."
    else:
        reason = "The adapted model is worse on held-back walks; the current model stays."
    return AdaptationResult(adapted, accepted, before, after, reason)


def not_worse(before: Mapping, after: Mapping) -> bool:
    """The non-inferiority rule: held-back rank-1 and TAR at FAR 1 % both at least as good."""
    return (
        after["rank1"] >= before["rank1"] and after["tar_at_far_1pct"] >= before["tar_at_far_1pct"]
    )


def separation(metrics: Mapping) -> float:
    """Mean genuine minus mean impostor score of the held-back walks (larger is better)."""
    return metrics["genuine_mean"] - (metrics.get("impostor_mean") or 0.0)


def better(before: Mapping, after: Mapping) -> bool:
    """Not worse (``not_worse``) and better in rank-1, TAR at FAR 1 % or ``separation``."""
    return not_worse(before, after) and (
        after["rank1"] > before["rank1"]
        or after["tar_at_far_1pct"] > before["tar_at_far_1pct"]
        or separation(after) > separation(before)
    )

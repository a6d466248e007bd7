"""Combining trained checkpoints into one ensemble model with its own threshold."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from recognition.gait.checkpoint import (
    ensemble_checkpoint,
    load_checkpoint,
    model_from_checkpoint,
    save_checkpoint,
)
from recognition.gait.embedding import GaitEmbedder
from recognition.gait.training.thresholds import choose_threshold


def build_ensemble(
    members: Sequence[str | Path | dict],
    *,
    out_path: str | Path,
    weights: Sequence[float] | None = None,
    validation_people: int = 100,
    seed: int | None = None,
) -> Path:
    """Combine trained checkpoints into one ensemble checkpoint; returns ``out_path``.

    The ensemble's operating threshold is chosen like a trained model's, on ``validation_people``
    held-out synthetic people, from the fused embeddings (the members' own thresholds do not
    carry over: the fused scores are distributed differently). ``seed`` draws their walks'
    views; by default the first member's training seed, so that its validation metrics and the
    ensemble's come from the same walks.
    """
    loaded = [load_checkpoint(m) for m in members]
    if seed is None:
        config = (loaded[0].get("training") or {}).get("config") or {}
        seed = int(config.get("seed", 0))
    ckpt = ensemble_checkpoint(loaded, None if weights is None else list(weights))
    if validation_people >= 2:
        embedder = GaitEmbedder(model_from_checkpoint(ckpt), input_spec=ckpt["input"])
        ckpt["threshold"], ckpt["metrics"] = choose_threshold(
            embedder, validation_people, seed=seed
        )
    return save_checkpoint(ckpt, out_path)

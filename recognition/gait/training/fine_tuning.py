"""Fine-tuning a checkpoint on labelled walks (a site's enrolments, or real walks a user holds
the rights to), with the same training step as training and optional safeguards."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch

from recognition.gait.augment import AugmentConfig
from recognition.gait.checkpoint import (
    build_checkpoint,
    load_checkpoint,
    model_from_checkpoint,
    save_checkpoint,
)
from recognition.gait.embedding import GaitEmbedder
from recognition.gait.losses import SupConLoss
from recognition.gait.normalize import normalize_track
from recognition.gait.tracks import PoseTrack
from recognition.gait.training.batches import sample_batch, synthetic_walks
from recognition.gait.training.config import TrainConfig
from recognition.gait.training.step import (
    _lr_factor,
    _progress,
    _tune_allocator,
    freeze_batchnorm_statistics,
    training_step,
)
from recognition.gait.training.thresholds import choose_threshold


def fine_tune(
    checkpoint_path: str | Path,
    tracks_by_label: Mapping[str, Sequence[PoseTrack]],
    *,
    epochs: int = 10,
    seed: int = 0,
    out_path: str | Path,
    lr: float = 3e-4,
    synthetic_people: int = 64,
    batch_people: int = 16,
    clips_per_person: int = 4,
    threads: int = 2,
    validation_people: int = 40,
    progress: bool = False,
    l2sp: float = 0.0,
    freeze_batchnorm: bool = False,
) -> Path:
    """Adapt a checkpoint to an institution's labelled walks; returns ``out_path``.

    ``tracks_by_label``: label -> that person's PoseTracks (one or more walks; with a single
    walk, two crops of it are the positives). ``synthetic_people`` synthetic people (4 walks
    each) are mixed in as extra identities. One epoch is one pass over all identities. The
    operating threshold is re-chosen on ``validation_people`` held-out synthetic people.
    Safeguards for a few people (``adaptation.adapt`` uses them): ``l2sp`` > 0 pulls the weights
    toward the checkpoint's (L2-SP, in place of weight decay toward zero) and
    ``freeze_batchnorm`` keeps the batch-norm statistics the model was trained with.
    """
    _tune_allocator()
    if not tracks_by_label:
        raise ValueError("fine_tune needs at least one labelled person")
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    base = load_checkpoint(checkpoint_path)
    model = model_from_checkpoint(base)
    spec = dict(base["input"])
    repair = bool(spec.get("leg_swap_repair", False))  # feed the walks as the base model was fed
    old = TrainConfig.from_dict((base.get("training") or {}).get("config") or {})
    old.fps = spec["fps"]
    clip_length = int(spec["clip_length"])
    sequences: list[list[np.ndarray]] = []
    for label in sorted(tracks_by_label):
        tracks = tracks_by_label[label]
        if not tracks:
            continue
        sequences.append(
            [normalize_track(t, fps=spec["fps"], leg_swap_repair=repair) for t in tracks]
        )
    n_real = len(sequences)
    for i in range(synthetic_people):
        subject = 7_000_000 + seed * 10_000 + i  # fine-tuning replay people
        sequences.append(synthetic_walks(subject, 4, seed, old, leg_swap_repair=repair))
    anchor = [p.detach().clone() for p in model.parameters()] if l2sp > 0 else None
    steps_per_epoch = max(1, math.ceil(len(sequences) / batch_people))
    total = max(1, int(epochs) * steps_per_epoch)
    losses = tune(
        model,
        sequences,
        old,
        steps=total,
        lr=lr,
        seed=seed,
        batch_people=batch_people,
        clips_per_person=clips_per_person,
        clip_length=clip_length,
        anchor=anchor,
        l2sp=l2sp,
        freeze_batchnorm=freeze_batchnorm,
        progress=progress,
    )
    threshold = base.get("threshold")
    metrics = {"fine_tune_people": n_real, "fine_tune_steps": total, "final_loss": losses[-1]}
    if validation_people >= 2:
        threshold, val = choose_threshold(
            GaitEmbedder(model, input_spec=spec), validation_people, seed=seed
        )
        metrics.update(val)
    ckpt = build_checkpoint(
        model,
        input=spec,
        threshold=threshold,
        metrics=metrics,
        training={
            "config": old.to_dict(),
            "step": total,
            "fine_tune": {
                "epochs": epochs,
                "seed": seed,
                "lr": lr,
                "people": n_real,
                "l2sp": l2sp,
                "freeze_batchnorm": freeze_batchnorm,
                "synthetic_people": synthetic_people,
            },
        },
        parent=base.get("model_version"),
        name="ft",
    )
    return save_checkpoint(ckpt, out_path)


def tune(
    model: torch.nn.Module,
    sequences: Sequence[Sequence[np.ndarray]],
    config: TrainConfig,
    *,
    steps: int,
    lr: float,
    seed: int,
    batch_people: int,
    clips_per_person: int,
    clip_length: int,
    anchor: Sequence[torch.Tensor] | None = None,
    l2sp: float = 0.0,
    freeze_batchnorm: bool = False,
    progress: bool = False,
    desc: str = "gait fine-tuning",
    device: torch.device | str = "cpu",
) -> list[float]:
    """Train ``model`` in place for ``steps`` steps on ``sequences`` (one list of normalised
    walks per person) with ``config``'s loss and augmentations, a fresh AdamW and a cosine
    schedule from ``lr``; returns the losses. Fine-tuning and a run's finishing stage share it.
    ``anchor`` with ``l2sp`` > 0 replaces weight decay toward zero by L2-SP toward ``anchor``."""
    rng = np.random.default_rng([0xF17E, seed])
    augment = AugmentConfig(**(config.augment or {}))
    loss_fn = SupConLoss(config.temperature)
    weight_decay = 0.0 if l2sp > 0 else config.weight_decay  # decay toward zero fights L2-SP
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: _lr_factor(s, steps, 0))
    model.train()
    if freeze_batchnorm:
        freeze_batchnorm_statistics(model)
    bar = _progress(steps, 0, progress, desc)
    losses = []
    for _ in range(steps):
        clips, labels = sample_batch(
            sequences,
            rng,
            batch_people=batch_people,
            clips_per_person=clips_per_person,
            clip_length=clip_length,
            augment=augment,
        )
        losses.append(
            training_step(
                model,
                clips.to(device),
                labels.to(device),
                loss_fn=loss_fn,
                optimizer=optimizer,
                scheduler=scheduler,
                anchor=anchor,
                l2sp=l2sp,
            )
        )
        bar.update(1)
    bar.close()
    model.eval()
    return losses

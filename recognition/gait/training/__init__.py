"""Training the gait network on synthetic walkers (and fine-tuning it on real enrolments).

``train(config)``: supervised contrastive learning (losses.SupConLoss) on batches of
P people x K clips drawn from a pool of synthetic people; part of the pool is replaced by new
people every ``refresh_every`` steps so the network sees many more bodies and gaits than fit in
memory. Conditions and views are mixed in every batch, so the positives of an anchor are mostly
other conditions and other views of the same person. Everything is drawn from ``seed``: the
same config gives the same weights (on the same machine and thread count). A checkpoint with
the full training state is written every ``checkpoint_every`` steps; ``resume`` continues it.

A config's finishing stage (``[finish]``) then fine-tunes the network on people of another
walker population (the one fitted to real people's statistics, for the shipped model).
At the end, the operating threshold is chosen on held-out synthetic people (the validation
range, disjoint from the training people and from the evaluation people of bench/ and tests):
the cosine similarity at which 1 % of impostor walk pairs would be accepted.

``fine_tune(checkpoint, tracks_by_label, ...)``: the same loss on an institution's own labelled
walks, mixed with a few synthetic people so that the model does not collapse onto a handful of
identities; the threshold is re-chosen on held-out synthetic people afterwards.

The package, by concept: ``config`` (TrainConfig, TOML configs), ``batches`` (the synthetic pool
and batch drawing), ``step`` (the one optimiser step training and fine-tuning share),
``loop`` (``train``), ``thresholds`` (the operating threshold), ``ensemble``
(``build_ensemble``) and ``fine_tuning`` (``fine_tune``). Everything public is importable from
``recognition.gait.training`` as before the split.
"""

from recognition.gait.training.batches import (
    StepBatches,
    SyntheticPool,
    centre_clip,
    config_batch,
    hard_people,
    nearest_people,
    sample_batch,
    step_rng,
    synthetic_walks,
)
from recognition.gait.training.config import (
    DEFAULT_CONFIG_PATH,
    RESUMABLE_FIELDS,
    TrainConfig,
    config_from_mapping,
    load_config,
)
from recognition.gait.training.ensemble import build_ensemble
from recognition.gait.training.fine_tuning import fine_tune
from recognition.gait.training.loop import pack_history, train, unpack_history
from recognition.gait.training.step import (
    GRAD_CLIP,
    freeze_batchnorm_statistics,
    training_step,
)
from recognition.gait.training.thresholds import (
    THRESHOLD_FAR,
    VALIDATION_SUBJECT_BASE,
    choose_threshold,
    validation_scores,
)

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "GRAD_CLIP",
    "RESUMABLE_FIELDS",
    "THRESHOLD_FAR",
    "VALIDATION_SUBJECT_BASE",
    "StepBatches",
    "SyntheticPool",
    "TrainConfig",
    "build_ensemble",
    "centre_clip",
    "choose_threshold",
    "config_batch",
    "config_from_mapping",
    "fine_tune",
    "freeze_batchnorm_statistics",
    "hard_people",
    "load_config",
    "nearest_people",
    "pack_history",
    "sample_batch",
    "step_rng",
    "synthetic_walks",
    "train",
    "training_step",
    "unpack_history",
    "validation_scores",
]

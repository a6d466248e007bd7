"""What a training run is: ``TrainConfig`` (every field of the recipe), read from a TOML file
(``recognition/gait/configs/default.toml`` is the shipped model's) or a mapping.

A TOML config has the TrainConfig fields at the top level and tables ``[network]`` and
``[augment]`` for the network and augmentation settings, ``[walker]`` for the synthetic walker's
population (a fitted population, when one is given; empty: the walker's own defaults) and
``[real]`` for real labelled walks mixed into training (``keypoints``: a folder, ``pattern``: a
regular expression with a named group ``subject``) and ``[finish]`` for a finishing stage on
another walker population (FINISH_DEFAULTS). ``[run]`` holds how the run is executed
(device, workers, compile, bf16, threads): those change its speed, not its recipe.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from recognition.gait.augment import AugmentConfig
from recognition.gait.network import NetworkConfig
from recognition.gait.normalize import CLIP_LENGTH, MODEL_FPS

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
DEFAULT_CONFIG_PATH = CONFIG_DIR / "default.toml"
# How a run is executed, not what it learns (a [run] table; gait_train's flags override it).
RUN_KEYS = ("device", "workers", "compile", "bf16", "threads")


@dataclass
class TrainConfig:
    seed: int = 0
    steps: int = 1800
    people: int = 1500  # synthetic people in the pool at any time
    walks_per_person: int = 6
    refresh_every: int = 100  # steps between pool refreshes
    refresh_people: int = 150  # people replaced per refresh
    batch_people: int = 24
    clips_per_person: int = 4
    clip_length: int = CLIP_LENGTH
    fps: float = MODEL_FPS
    lr: float = 2e-3
    weight_decay: float = 5e-4
    warmup_steps: int = 100
    temperature: float = 0.1
    condition_weights: dict = field(default_factory=lambda: {"nm": 0.5, "bg": 0.25, "cl": 0.25})
    view_range: tuple[float, float] = (0.0, 360.0)  # camera views drawn uniformly, degrees
    threads: int = 2
    checkpoint_every: int = 100
    validation_people: int = 100
    # Hard-negative batches: this fraction of each batch's people are groups of a random person
    # and its ``hard_neighbours`` nearest pool people in the current embedding space, so the
    # loss has look-alikes to separate (random people from a pool of 1,500 are mostly easy).
    hard_fraction: float = 0.0
    hard_neighbours: int = 3
    # Each step's batch drawn from its own RNG (seed, step) instead of one stream, so batches do
    # not depend on which process draws them: needed to draw them in worker processes.
    per_step_batch_seed: bool = False
    # Undo leg label swaps in the training walks, as inference does. Off only to replay runs
    # made before the repair existed (the shipped run, docs/MODEL_CARD.md).
    leg_swap_repair: bool = True
    # The synthetic walker's population (filled by a fitted population; empty: its defaults).
    walker: dict = field(default_factory=dict)
    # Real labelled walks mixed into the pool as extra people, for users who hold the rights
    # to them: {"keypoints": folder, "pattern": regex with a group 'subject'}; empty: none.
    real: dict = field(default_factory=dict)
    # A finishing stage after ``steps``: the network fine-tuned on people of another walker
    # population (the one fitted to real people, say); keys FINISH_DEFAULTS; empty: none.
    finish: dict = field(default_factory=dict)
    network: dict = field(default_factory=lambda: NetworkConfig().to_dict())
    augment: dict = field(default_factory=lambda: AugmentConfig().to_dict())

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping) -> TrainConfig:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


# The finishing stage's settings: ``people`` synthetic people of ``walker`` (generate_person
# keyword arguments), four walks each (normal, normal, bag, coat; views 0-180 deg), trained on
# for ``epochs`` passes in batches of ``batch_people`` with a fresh optimiser from ``lr``.
FINISH_DEFAULTS = {"walker": {}, "people": 120, "epochs": 6, "lr": 3e-4, "batch_people": 16}


def finish_settings(finish: Mapping) -> dict:
    """A ``[finish]`` table with its defaults filled in; unknown keys are an error naming them."""
    unknown = sorted(set(finish) - set(FINISH_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown [finish] keys {', '.join(unknown)}")
    settings = {**FINISH_DEFAULTS, **finish}
    if int(settings["people"]) < 2 or int(settings["epochs"]) < 1:
        raise ValueError("[finish] needs people >= 2 and epochs >= 1")
    return settings


# What a resumed run may change: its length, how batches are drawn (their size included) and
# its finishing stage. Everything else (the network, the data, the augmentations, the
# optimiser) stays as the checkpoint says.
RESUMABLE_FIELDS = (
    "steps",
    "hard_fraction",
    "hard_neighbours",
    "batch_people",
    "per_step_batch_seed",
    "finish",
)


def load_config(path: str | Path) -> tuple[TrainConfig, dict]:
    """(TrainConfig, run options) from a TOML file; unknown keys are an error naming them."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: no such config file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a TOML file ({exc})") from None
    return config_from_mapping(data, where=str(path))


def config_from_mapping(data: Mapping, *, where: str = "config") -> tuple[TrainConfig, dict]:
    """(TrainConfig, run options) from a mapping shaped like the TOML file."""
    data = dict(data)
    run = dict(data.pop("run", {}) or {})
    unknown_run = sorted(set(run) - set(RUN_KEYS))
    unknown = sorted(set(data) - set(TrainConfig.__dataclass_fields__))
    if unknown or unknown_run:
        names = unknown + [f"run.{k}" for k in unknown_run]
        raise ValueError(f"{where}: unknown config keys {', '.join(names)}")
    base = TrainConfig().to_dict()
    for table in ("network", "augment"):
        if table in data:
            data[table] = {**base[table], **data[table]}
    if data.get("finish"):
        finish_settings(data["finish"])  # refused by name now, not after hours of training
    if "view_range" in data:
        data["view_range"] = tuple(data["view_range"])
    return TrainConfig.from_dict({**base, **data}), run

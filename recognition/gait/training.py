"""Training the gait network on synthetic walkers (and fine-tuning it on real enrolments).

``train(config)``: supervised contrastive learning (losses.SupConLoss) on batches of
P people x K clips drawn from a pool of synthetic people; part of the pool is replaced by new
people every ``refresh_every`` steps so the network sees many more bodies and gaits than fit in
memory. Conditions and views are mixed in every batch, so the positives of an anchor are mostly
other conditions and other views of the same person. Everything is drawn from ``seed``: the
same config gives the same weights (on the same machine and thread count). A checkpoint with
the full training state is written every ``checkpoint_every`` steps; ``resume`` continues it.

At the end, the operating threshold is chosen on held-out synthetic people (the validation
range, disjoint from the training people and from the evaluation people of bench/ and tests):
the cosine similarity at which 1 % of impostor walk pairs would be accepted.

``fine_tune(checkpoint, tracks_by_label, ...)``: the same loss on an institution's own labelled
walks, mixed with a few synthetic people so that the model does not collapse onto a handful of
identities; the threshold is re-chosen on held-out synthetic people afterwards.
"""

from __future__ import annotations

import ctypes
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from recognition.gait.augment import AugmentConfig, augment_clip, crop
from recognition.gait.checkpoint import (
    build_checkpoint,
    ensemble_checkpoint,
    input_spec,
    load_checkpoint,
    model_from_checkpoint,
    save_checkpoint,
)
from recognition.gait.embedding import GaitEmbedder
from recognition.gait.evaluation import equal_error_rate, tar_at_far, threshold_at_far
from recognition.gait.losses import SupConLoss
from recognition.gait.network import GaitGraphNet, NetworkConfig
from recognition.gait.normalize import CLIP_LENGTH, MODEL_FPS, normalize_track
from recognition.gait.tracks import PoseTrack

log = logging.getLogger(__name__)

VALIDATION_SUBJECT_BASE = 8_000_000  # threshold people; evaluation people start at 9_000_000
THRESHOLD_FAR = 0.01


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
    network: dict = field(default_factory=lambda: NetworkConfig().to_dict())
    augment: dict = field(default_factory=lambda: AugmentConfig().to_dict())

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping) -> TrainConfig:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


# What a resumed run may change: its length and how batches are drawn (their size included).
# Everything else (the network, the data, the augmentations, the optimiser) stays as the
# checkpoint says.
RESUMABLE_FIELDS = (
    "steps",
    "hard_fraction",
    "hard_neighbours",
    "batch_people",
    "per_step_batch_seed",
)


def _tune_allocator() -> None:
    """Keep freed tensor memory in the process (glibc): page faults dominate otherwise."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 25)  # M_MMAP_THRESHOLD: 32 MiB
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
        libc.mallopt(-2, 1 << 28)  # M_TOP_PAD
    except (OSError, AttributeError):
        pass


# --------------------------------------------------------------------------- synthetic pool


def synthetic_walks(
    subject: int,
    n_walks: int,
    seed: int,
    config: TrainConfig,
    *,
    leg_swap_repair: bool = True,
) -> list[np.ndarray]:
    """Normalised sequences of ``n_walks`` walks of one synthetic person (mixed conditions,
    views)."""
    from recognition.gait.synthetic import generate_person, walk

    rng = np.random.default_rng([0x7A11, seed, subject])
    person = generate_person(subject)
    conds = list(config.condition_weights)
    probs = np.array([config.condition_weights[c] for c in conds], dtype=float)
    out = []
    for _w in range(n_walks):
        cond = conds[rng.choice(len(conds), p=probs / probs.sum())]
        view = float(rng.uniform(*config.view_range))
        track = walk(person, cond, view, seed=int(rng.integers(1 << 30)))
        seq = normalize_track(track, fps=config.fps, leg_swap_repair=leg_swap_repair)
        out.append(seq.astype(np.float32))
    return out


class SyntheticPool:
    """People in memory for training; deterministic content for a given refresh generation."""

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.n_blocks = max(1, config.people // max(1, config.refresh_people))
        self.generation = -1
        self.subjects: list[int] = []
        self.walks: list[list[np.ndarray]] = []

    def _subject_for(self, slot: int, generation: int) -> int:
        cfg = self.config
        block = slot // cfg.refresh_people
        if block >= self.n_blocks or generation < block + 1:
            return slot
        g = block + 1 + self.n_blocks * ((generation - 1 - block) // self.n_blocks)
        return cfg.people + (g - 1) * cfg.refresh_people + (slot - block * cfg.refresh_people)

    def update(self, generation: int, workers: int = 0) -> None:
        """Hold the people of ``generation``; new people are made in ``workers`` processes
        (0: in this one). Each person depends only on its subject number, so the pool is the
        same whatever the number of workers."""
        if generation == self.generation:
            return
        cfg = self.config
        wanted = [self._subject_for(i, generation) for i in range(cfg.people)]
        if not self.subjects:
            self.subjects = [-1] * cfg.people
            self.walks = [[] for _ in range(cfg.people)]
        slots = [i for i, subject in enumerate(wanted) if self.subjects[i] != subject]
        made = _make_people([wanted[i] for i in slots], cfg, workers)
        for i, walks in zip(slots, made, strict=True):
            self.subjects[i] = wanted[i]
            self.walks[i] = walks
        self.generation = generation


def _person_walks(args: tuple[int, TrainConfig]) -> list[np.ndarray]:
    subject, config = args
    return synthetic_walks(
        subject,
        config.walks_per_person,
        config.seed,
        config,
        leg_swap_repair=config.leg_swap_repair,
    )


def _make_people(subjects: list[int], config: TrainConfig, workers: int) -> list[list[np.ndarray]]:
    if workers <= 1 or len(subjects) < 2:
        return [_person_walks((s, config)) for s in subjects]
    import multiprocessing

    # fork: the workers need nothing but the subject numbers; numpy only, never the GPU
    with multiprocessing.get_context("fork").Pool(workers) as procs:
        return procs.map(_person_walks, [(s, config) for s in subjects], chunksize=4)


def sample_batch(
    sequences: Sequence[Sequence[np.ndarray]],
    rng: np.random.Generator,
    *,
    batch_people: int,
    clips_per_person: int,
    clip_length: int,
    augment: AugmentConfig,
    neighbours: np.ndarray | None = None,
    hard_fraction: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """P people x K augmented clips: (clips [P*K, T, 17, 3], labels [P*K]).

    With ``neighbours`` ([n, k] pool indices, nearest first) and ``hard_fraction`` > 0, that
    fraction of the people come in groups of a random person and its nearest neighbours.
    """
    n = len(sequences)
    if neighbours is not None and hard_fraction > 0:
        people = hard_people(n, min(batch_people, n), neighbours, rng, hard_fraction)
    else:
        people = rng.choice(n, size=min(batch_people, n), replace=False)
    clips, labels = [], []
    for label in people:
        walks = sequences[label]
        for _ in range(clips_per_person):
            seq = walks[rng.integers(len(walks))]
            clip = crop(seq, clip_length, rng, augment.speed)
            clips.append(augment_clip(clip, rng, augment))
            labels.append(label)
    return torch.from_numpy(np.stack(clips)), torch.as_tensor(np.asarray(labels))


def step_rng(seed: int, step: int) -> np.random.Generator:
    """The RNG of one step's batch when batches are seeded per step."""
    return np.random.default_rng([0xBA7C, seed, 0x57E9, step])


class StepBatches(torch.utils.data.Dataset):
    """The batches of a run of steps within one pool generation, each drawn from its own
    :func:`step_rng`, so a DataLoader's worker processes draw exactly what one process would."""

    def __init__(
        self,
        walks: Sequence[Sequence[np.ndarray]],
        steps: Sequence[int],
        config: TrainConfig,
        augment: AugmentConfig,
        neighbours: np.ndarray | None,
    ) -> None:
        self.walks, self.steps, self.config = walks, list(steps), config
        self.augment, self.neighbours = augment, neighbours

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng = step_rng(self.config.seed, self.steps[i])
        return config_batch(self.walks, rng, self.config, self.augment, self.neighbours)


def config_batch(
    walks: Sequence[Sequence[np.ndarray]],
    rng: np.random.Generator,
    config: TrainConfig,
    augment: AugmentConfig,
    neighbours: np.ndarray | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One training batch drawn as ``config`` says (its size, clips and hard-negative share)."""
    return sample_batch(
        walks,
        rng,
        batch_people=config.batch_people,
        clips_per_person=config.clips_per_person,
        clip_length=config.clip_length,
        augment=augment,
        neighbours=neighbours,
        hard_fraction=config.hard_fraction,
    )


def hard_people(
    n: int, size: int, neighbours: np.ndarray, rng: np.random.Generator, fraction: float
) -> np.ndarray:
    """``size`` distinct people of ``n``: ``fraction`` of them as random people each followed by
    their nearest neighbours (not already chosen), the rest drawn at random."""
    quota = min(size, round(size * fraction))
    chosen: list[int] = []
    taken: set[int] = set()
    while len(chosen) < quota:
        anchor = int(rng.integers(n))
        if anchor in taken:
            continue
        group = [anchor] + [int(j) for j in neighbours[anchor] if int(j) not in taken]
        for j in group[: quota - len(chosen)]:
            chosen.append(j)
            taken.add(j)
    rest = [int(i) for i in rng.permutation(n) if int(i) not in taken]
    return np.asarray(chosen + rest[: size - len(chosen)], dtype=np.int64)


def centre_clip(sequence: np.ndarray, length: int) -> np.ndarray:
    """The middle ``length`` frames of a sequence (looped first when it is shorter)."""
    seq = sequence
    if len(seq) < length:
        seq = np.concatenate([seq] * int(np.ceil(length / len(seq))), 0)
    start = (len(seq) - length) // 2
    return seq[start : start + length]


@torch.no_grad()
def nearest_people(
    model: torch.nn.Module,
    walks: Sequence[Sequence[np.ndarray]],
    clip_length: int,
    k: int,
    device: str | torch.device = "cpu",
) -> np.ndarray:
    """[n, k] indices of each pool person's ``k`` nearest other people (cosine similarity of
    the mean embedding of the centre clips of their first two walks), nearest first."""
    was_training = model.training
    model.eval()
    clips = np.stack([centre_clip(w[i], clip_length) for w in walks for i in range(min(2, len(w)))])
    per_person = [min(2, len(w)) for w in walks]
    emb = torch.cat(
        [
            model(torch.from_numpy(c).to(device)).cpu()
            for c in np.array_split(clips, -(-len(clips) // 128))
        ]
    )
    owner = torch.as_tensor(np.repeat(np.arange(len(walks)), per_person))
    mean = torch.zeros(len(walks), emb.shape[1]).index_add_(0, owner, emb)
    mean = torch.nn.functional.normalize(mean, dim=1)
    sim = mean @ mean.T
    sim.fill_diagonal_(-float("inf"))
    model.train(was_training)
    return sim.topk(min(k, len(walks) - 1), dim=1).indices.numpy()


# --------------------------------------------------------------------------- threshold


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


# --------------------------------------------------------------------------- one step

GRAD_CLIP = 5.0


def training_step(
    model: torch.nn.Module,
    clips: torch.Tensor,
    labels: torch.Tensor,
    *,
    loss_fn: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    forward: torch.nn.Module | None = None,
    bf16: bool = False,
    anchor: Sequence[torch.Tensor] | None = None,
    l2sp: float = 0.0,
) -> float:
    """One optimiser step on one batch, the same for training and fine-tuning; returns the loss.

    ``forward``: what runs the batch (a compiled model; default ``model``). ``anchor`` with
    ``l2sp`` > 0: L2-SP, a pull of ``l2sp / 2 * ||w - w0||^2`` toward the starting weights
    ``anchor`` (one tensor per parameter of ``model``), so a fine-tune on a few people stays near
    what the model knew (Li et al., ICML 2018).
    """
    device = clips.device
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        embeddings = (model if forward is None else forward)(clips)
    loss = loss_fn(embeddings.float(), labels)
    total = loss
    if anchor is not None and l2sp > 0:
        drift = sum(((p - a) ** 2).sum() for p, a in zip(model.parameters(), anchor, strict=True))
        total = loss + 0.5 * l2sp * drift
    optimizer.zero_grad(set_to_none=True)
    total.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
    optimizer.step()
    scheduler.step()
    return float(loss.detach())


def freeze_batchnorm_statistics(model: torch.nn.Module) -> int:
    """Put every batch-norm layer in eval mode (running statistics fixed, affine weights still
    trained): a few people's walks must not redefine what a typical walk looks like. Returns
    the number of layers frozen; call after ``model.train()``."""
    frozen = 0
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.eval()
            frozen += 1
    return frozen


# --------------------------------------------------------------------------- training loop


def _lr_factor(step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress))) * 0.98 + 0.02


def pack_history(history: Sequence[Mapping]) -> dict:
    """The per-step losses as two tensors: 8 bytes a step in the checkpoint instead of ~30 for
    a list of dicts, which keeps the shipped model under 5 MB as its run is extended."""
    return {
        "step": torch.tensor([int(h["step"]) for h in history], dtype=torch.int32),
        "loss": torch.tensor([float(h["loss"]) for h in history], dtype=torch.float32),
    }


def unpack_history(saved: Mapping | Sequence | None) -> list[dict]:
    """Either form (packed, or the list of dicts of older checkpoints) -> list of dicts."""
    if isinstance(saved, Mapping):
        return [
            {"step": int(s), "loss": float(v)}
            for s, v in zip(saved["step"].tolist(), saved["loss"].tolist(), strict=True)
        ]
    return [dict(h) for h in saved or []]


def _on_cpu(obj):
    """A (nested) state dict with every tensor on the CPU, so a checkpoint written on a GPU
    loads anywhere."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: _on_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(_on_cpu(v) for v in obj)
    return obj


def _generation_batches(dataset: StepBatches, workers: int, *, pin_memory: bool = False):
    """The dataset's batches in order; drawn ahead in ``workers`` forked processes when > 0."""
    if workers <= 0:
        return (dataset[i] for i in range(len(dataset)))
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=None,
        num_workers=min(workers, len(dataset)),
        prefetch_factor=4,
        pin_memory=pin_memory,
        multiprocessing_context="fork",
        # its own generator: seeding workers from torch's global RNG would shift dropout's
        # random numbers and make a run depend on its number of workers
        generator=torch.Generator().manual_seed(0),
    )
    return iter(loader)


def _rng_state(rng: np.random.Generator) -> dict:
    return rng.bit_generator.state


def _progress(total: int, initial: int, enabled: bool, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, disable=not enabled, desc=desc, unit="step")


def train(
    config: TrainConfig | Mapping | None = None,
    *,
    out_path: str | Path = "gait-model.pt",
    resume: str | Path | None = None,
    progress: bool = True,
    choose_operating_threshold: bool = True,
    stop_after: int | None = None,
    compile: bool = False,
    device: str = "cpu",
    workers: int = 0,
    bf16: bool = False,
) -> Path:
    """Train on synthetic walkers; write the checkpoint to ``out_path`` and return the path.

    With ``resume``, the config, weights, optimizer, schedule and RNG states come from that
    checkpoint and training continues to ``config.steps``. On resume ``config`` may change only
    RESUMABLE_FIELDS: a TrainConfig changes ``steps``; a mapping changes the keys it holds.
    A resumed run already at ``config.steps`` trains nothing: it re-chooses the threshold and
    rewrites the checkpoint with this engine's input spec, keeping its stages and metrics.
    ``stop_after``: stop after this many steps of this run and save a resumable checkpoint
    (a time-boxed session); the run is finished by resuming it. ``compile``: run the forward
    and backward passes through ``torch.compile`` (about 1.4x faster per step on 2 CPU cores
    after a minute of compiling). Compiled dropout draws its own random numbers, so a compiled
    run repeats other compiled runs of the same seed, not eager ones.
    ``device``: where the network runs ("cpu", "cuda"); the checkpoint is written for the CPU
    either way. ``workers``: processes that make synthetic people and draw batches (needs
    ``per_step_batch_seed``, which makes batches the same whatever the number of workers).
    ``bf16``: run the network's passes under bfloat16 autocast (the loss in float32), the fast
    path of recent GPUs' tensor cores; the weights and the optimizer stay float32.
    """
    _tune_allocator()
    out_path = Path(out_path)
    state = None
    if resume is not None:
        ckpt = load_checkpoint(resume)
        state = ckpt.get("training") or {}
        if "optimizer" not in state:
            raise ValueError(f"{resume} carries no training state to resume from")
        saved = TrainConfig.from_dict(state["config"])
        if isinstance(config, TrainConfig):
            saved.steps = config.steps
        elif config is not None:
            fixed = sorted(set(config) - set(RESUMABLE_FIELDS))
            if fixed:
                raise ValueError(
                    f"a resumed run cannot change {', '.join(fixed)}; only "
                    f"{', '.join(RESUMABLE_FIELDS)}"
                )
            for key, value in config.items():
                setattr(saved, key, type(getattr(saved, key))(value))
        config = saved
    elif config is None:
        config = TrainConfig()
    elif not isinstance(config, TrainConfig):
        config = TrainConfig.from_dict(config)

    if not 0.0 <= config.hard_fraction <= 1.0:
        raise ValueError(f"hard_fraction must be between 0 and 1, got {config.hard_fraction}")
    if config.hard_neighbours < 1:
        raise ValueError(f"hard_neighbours must be at least 1, got {config.hard_neighbours}")
    if workers > 0 and not config.per_step_batch_seed:
        raise ValueError("workers need per_step_batch_seed (batches seeded per step)")
    device = torch.device(device)
    if device.type == "cuda":  # TF32 matrix products and tuned convolutions: the GPU's fast path
        torch.backends.cudnn.benchmark = True
        torch.set_float32_matmul_precision("high")
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    model = GaitGraphNet(NetworkConfig.from_dict(config.network)).to(device)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: _lr_factor(s, config.steps, config.warmup_steps)
    )
    rng = np.random.default_rng([0xBA7C, config.seed])
    history: list[dict] = []
    stages: list[dict] = []
    step = 0
    if state is not None:
        model.load_state_dict(ckpt["model_state"])
        optimizer.load_state_dict(state["optimizer"])  # moves its state to the model's device
        scheduler.load_state_dict(state["scheduler"])
        rng.bit_generator.state = state["numpy_rng"]
        torch.set_rng_state(state["torch_rng"])
        if device.type == "cuda" and "cuda_rng" in state:
            torch.cuda.set_rng_state(state["cuda_rng"], device)
        history = unpack_history(state.get("history"))
        stages = list(state.get("stages", []))
        step = int(state["step"])
    # each run of this function, so a checkpoint says how its steps were made
    stages.append(
        {
            "from_step": step,
            "hard_fraction": config.hard_fraction,
            "batch_people": config.batch_people,
            "compiled": bool(compile),
            "device": device.type,
            "bf16": bool(bf16),
        }
    )

    augment = AugmentConfig(**config.augment)
    loss_fn = SupConLoss(config.temperature)
    pool = SyntheticPool(config)
    spec = input_spec(fps=config.fps, clip_length=config.clip_length)

    def snapshot(threshold=None, metrics=None) -> dict:
        training = {
            "config": config.to_dict(),
            "step": step,
            "optimizer": _on_cpu(optimizer.state_dict()),
            "scheduler": scheduler.state_dict(),
            "numpy_rng": _rng_state(rng),
            "torch_rng": torch.get_rng_state(),
            "history": pack_history(history),
            "stages": stages,
        }
        if device.type == "cuda":
            training["cuda_rng"] = torch.cuda.get_rng_state(device)
        return build_checkpoint(
            model, input=spec, training=training, threshold=threshold, metrics=metrics
        )

    model.train()
    forward = torch.compile(model) if compile else model
    started = time.monotonic()
    bar = _progress(config.steps, step, progress, "gait training")
    running = None
    neighbours = None
    stop_at = config.steps if stop_after is None else min(config.steps, step + int(stop_after))
    first_step = step
    batches = iter(())
    while step < stop_at:
        generation = step // config.refresh_every
        if generation != pool.generation:
            pool.update(generation, workers)
            if config.hard_fraction > 0:  # look-alikes among this generation's people
                neighbours = nearest_people(
                    model, pool.walks, config.clip_length, config.hard_neighbours, device
                )
            if config.per_step_batch_seed:
                end = min(stop_at, (generation + 1) * config.refresh_every)
                batches = _generation_batches(
                    StepBatches(pool.walks, range(step, end), config, augment, neighbours),
                    workers,
                    pin_memory=device.type == "cuda",
                )
        if config.per_step_batch_seed:
            clips, labels = next(batches)
        else:  # one RNG stream, as the earlier stages of the shipped run drew them
            clips, labels = config_batch(pool.walks, rng, config, augment, neighbours)
        value = training_step(
            model,
            clips.to(device, non_blocking=True),
            labels.to(device, non_blocking=True),
            loss_fn=loss_fn,
            optimizer=optimizer,
            scheduler=scheduler,
            forward=forward,
            bf16=bf16,
        )
        step += 1
        running = value if running is None else 0.95 * running + 0.05 * value
        history.append({"step": step, "loss": value})
        bar.update(1)
        bar.set_postfix(loss=f"{running:.3f}", lr=f"{scheduler.get_last_lr()[0]:.2e}")
        if config.checkpoint_every and step % config.checkpoint_every == 0 and step < config.steps:
            save_checkpoint(snapshot(), out_path)
    bar.close()
    elapsed = time.monotonic() - started
    if step < config.steps:  # interrupted on purpose: save the state, no threshold yet
        save_checkpoint(snapshot(), out_path)
        return out_path

    threshold, metrics = None, {"train_seconds": round(elapsed, 1), "final_loss": running}
    if step == first_step and state is not None:  # nothing trained: only re-choose the threshold
        metrics = {k: v for k, v in ckpt.get("metrics", {}).items() if not k.startswith("valid")}
        stages.pop()
    if choose_operating_threshold and config.validation_people >= 2:
        model.eval().cpu()  # the threshold is chosen where the portal runs it
        embedder = GaitEmbedder(model, input_spec=spec)
        threshold, val = choose_threshold(embedder, config.validation_people, seed=config.seed)
        metrics.update(val)
    save_checkpoint(snapshot(threshold=threshold, metrics=metrics), out_path)
    return out_path


# --------------------------------------------------------------------------- ensembles


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


# --------------------------------------------------------------------------- fine-tuning


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
    rng = np.random.default_rng([0xF17E, seed])
    augment = AugmentConfig(**(old.augment or {}))
    loss_fn = SupConLoss(old.temperature)
    anchor = [p.detach().clone() for p in model.parameters()] if l2sp > 0 else None
    weight_decay = 0.0 if l2sp > 0 else old.weight_decay  # decay toward zero fights L2-SP
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps_per_epoch = max(1, math.ceil(len(sequences) / batch_people))
    total = max(1, int(epochs) * steps_per_epoch)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: _lr_factor(s, total, 0))
    model.train()
    if freeze_batchnorm:
        freeze_batchnorm_statistics(model)
    bar = _progress(total, 0, progress, "gait fine-tuning")
    losses = []
    for _ in range(total):
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
                clips,
                labels,
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

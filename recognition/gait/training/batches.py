"""Where training batches come from: a pool of synthetic people (refreshed as training goes),
real labelled walks when a config names them, and P people x K augmented clips per batch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

from recognition.gait.augment import AugmentConfig, augment_clip, crop
from recognition.gait.normalize import normalize_track
from recognition.gait.tracks import PoseTrack
from recognition.gait.training.config import TrainConfig, finish_settings

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
    from recognition.gait.synthetic import walk

    rng = np.random.default_rng([0x7A11, seed, subject])
    person = make_person(subject, config.walker)
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


FINISH_SUBJECT_BASE = 6_000_000  # finishing-stage people: outside the training pool's range
FINISH_CONDITIONS = ("nm", "nm", "bg", "cl")


def population_walks(
    walker: Mapping, people: int, *, seed: int, subject_base: int
) -> list[list[PoseTrack]]:
    """``people`` synthetic people of a walker population (``walker``: generate_person keyword
    arguments), subjects from ``subject_base``: four walks each, of FINISH_CONDITIONS, seen from
    views drawn in 0-180 deg (the finishing stage's people, and the design search's)."""
    from recognition.gait.synthetic import walk

    rng = np.random.default_rng([0xF1E, seed])
    out = []
    for i in range(people):
        person = make_person(subject_base + i, walker)
        out.append(
            [
                walk(person, cond, float(rng.uniform(0.0, 180.0)), seed=k + 1)
                for k, cond in enumerate(FINISH_CONDITIONS)
            ]
        )
    return out


def finishing_walks(config: TrainConfig) -> list[list[np.ndarray]]:
    """The finishing stage's people (``config.finish``, defaults filled in), normalised."""
    finish = finish_settings(config.finish)
    people = population_walks(
        finish["walker"], int(finish["people"]), seed=config.seed, subject_base=FINISH_SUBJECT_BASE
    )
    return [
        [
            normalize_track(t, fps=config.fps, leg_swap_repair=config.leg_swap_repair).astype(
                np.float32
            )
            for t in tracks
        ]
        for tracks in people
    ]


def make_person(subject: int, walker: Mapping | None = None):
    """Synthetic person ``subject``; a config's ``[walker]`` table (a fitted population, say) is
    passed to ``synthetic.generate_person`` as keyword arguments; empty: its defaults."""
    from recognition.gait.synthetic import generate_person

    if not walker:
        return generate_person(subject)
    try:
        return generate_person(subject, **walker)
    except TypeError as exc:
        options = sorted(walker)
        raise ValueError(f"the [walker] options {options} are not understood: {exc}") from exc


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

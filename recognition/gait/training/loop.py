"""The training loop on synthetic walkers (``train``), checkpointing and resuming."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch

from recognition.gait.augment import AugmentConfig
from recognition.gait.checkpoint import (
    build_checkpoint,
    input_spec,
    load_checkpoint,
    save_checkpoint,
)
from recognition.gait.embedding import GaitEmbedder
from recognition.gait.losses import SupConLoss
from recognition.gait.network import GaitGraphNet, NetworkConfig
from recognition.gait.training.batches import (
    StepBatches,
    SyntheticPool,
    _generation_batches,
    config_batch,
    finishing_walks,
    nearest_people,
)
from recognition.gait.training.config import RESUMABLE_FIELDS, TrainConfig, finish_settings
from recognition.gait.training.fine_tuning import tune
from recognition.gait.training.step import (
    _lr_factor,
    _progress,
    _tune_allocator,
    training_step,
)
from recognition.gait.training.thresholds import choose_threshold

log = logging.getLogger(__name__)


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


def _rng_state(rng: np.random.Generator) -> dict:
    return rng.bit_generator.state


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
    config_source: Mapping | None = None,
) -> Path:
    """Train on synthetic walkers; write the checkpoint to ``out_path`` and return the path.

    With ``resume``, the config, weights, optimizer, schedule and RNG states come from that
    checkpoint and training continues to ``config.steps``. On resume ``config`` may change only
    RESUMABLE_FIELDS: a TrainConfig changes ``steps``; a mapping changes the keys it holds.
    A resumed run already at ``config.steps`` trains nothing: it re-chooses the threshold and
    rewrites the checkpoint with this engine's input spec, keeping its stages and metrics.
    ``config.finish`` (a ``[finish]`` table): after the last step, the network is fine-tuned on
    people of another walker population (``_finish``), once per run: a resumed run whose
    stages hold no finishing stage runs it.
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
    ``config_source``: where the config came from (the TOML file's path and text), recorded in
    the checkpoint. A config's ``real`` table adds real labelled walks (``training.real``) to
    every generation of the pool as extra people.
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
        if config_source is None:
            config_source = state.get("config_source")
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
    real: list[list[np.ndarray]] = []
    if config.real:
        from recognition.gait.training.real import real_walks

        real, read = real_walks(config.real, fps=config.fps, leg_swap_repair=config.leg_swap_repair)
        stages[-1]["real"] = read

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
        if config_source is not None:
            training["config_source"] = dict(config_source)
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
            walks = pool.walks + real  # real people, when the config names some, in every one
            if config.hard_fraction > 0:  # look-alikes among this generation's people
                neighbours = nearest_people(
                    model, walks, config.clip_length, config.hard_neighbours, device
                )
            if config.per_step_batch_seed:
                end = min(stop_at, (generation + 1) * config.refresh_every)
                batches = _generation_batches(
                    StepBatches(walks, range(step, end), config, augment, neighbours),
                    workers,
                    pin_memory=device.type == "cuda",
                )
        if config.per_step_batch_seed:
            clips, labels = next(batches)
        else:  # one RNG stream, as the earlier stages of the shipped run drew them
            clips, labels = config_batch(walks, rng, config, augment, neighbours)
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

    if step == first_step and state is not None:  # no steps in this run
        stages.pop()
    finished = False
    if config.finish and not any("finish" in s for s in stages):
        finish_started = time.monotonic()
        record, final_loss = _finish(model, config, device, progress)
        record["seconds"] = round(time.monotonic() - finish_started, 1)
        stages.append({"from_step": step, "finish": record})
        running, finished = final_loss, True
        elapsed = time.monotonic() - started
    threshold, metrics = None, {"train_seconds": round(elapsed, 1), "final_loss": running}
    if step == first_step and state is not None and not finished:
        # nothing trained: only re-choose the threshold
        metrics = {k: v for k, v in ckpt.get("metrics", {}).items() if not k.startswith("valid")}
    if choose_operating_threshold and config.validation_people >= 2:
        model.eval().cpu()  # the threshold is chosen where the portal runs it
        embedder = GaitEmbedder(model, input_spec=spec)
        threshold, val = choose_threshold(embedder, config.validation_people, seed=config.seed)
        metrics.update(val)
    save_checkpoint(snapshot(threshold=threshold, metrics=metrics), out_path)
    return out_path


def _finish(
    model: torch.nn.Module, config: TrainConfig, device: torch.device, progress: bool
) -> tuple[dict, float]:
    """The finishing stage (``config.finish``): the trained network fine-tuned on people of the
    stage's walker population with the fine-tuning step; returns its record and final loss."""
    finish = finish_settings(config.finish)
    sequences = finishing_walks(config)
    torch.manual_seed(config.seed)  # the same stage whether the run was resumed or not
    steps = int(finish["epochs"]) * max(1, math.ceil(len(sequences) / int(finish["batch_people"])))
    losses = tune(
        model,
        sequences,
        config,
        steps=steps,
        lr=float(finish["lr"]),
        seed=config.seed,
        batch_people=int(finish["batch_people"]),
        clips_per_person=config.clips_per_person,
        clip_length=config.clip_length,
        progress=progress,
        desc="gait finishing stage",
        device=device,
    )
    return {**finish, "steps": steps}, losses[-1]

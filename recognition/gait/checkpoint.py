"""Gait model checkpoints: weights plus everything needed to use, trust and resume them.

A checkpoint is a plain dict saved with ``torch.save`` and loaded with ``weights_only=True``
(tensors and Python primitives only, so loading a file cannot run code):

- ``format``: CHECKPOINT_FORMAT; ``engine_version``: ENGINE_VERSION of the code that wrote it.
- ``architecture`` and ``network``: the network class name and its NetworkConfig; for an
  ensemble (ENSEMBLE_ARCHITECTURE), the members' configs and weights (EnsembleConfig), and
  ``members``: each member's version, weight, training steps and metrics, for the record.
- ``joints``: the joint layout the network expects (COCO17_JOINTS); checked on load.
- ``input``: fps, clip length, clip stride, minimum confidence, normalisation scheme, and
  whether leg label swaps are repaired (``leg_swap_repair``; absent in older files: off).
- ``model_state``: the weights. ``model_version``: a stable name derived from the weights and
  the input spec (the same weights fed differently give other embeddings).
- ``threshold``: the operating point (cosine similarity) and how it was chosen.
- ``metrics``, ``created``, ``parent`` (the checkpoint fine-tuned from, if any).
- ``training``: config, step, optimizer/scheduler state and RNG states for resuming (optional;
  :func:`strip_training_state` removes it for shipping).
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import torch

from recognition.gait.network import (
    ARCHITECTURE,
    ENSEMBLE_ARCHITECTURE,
    EnsembleConfig,
    GaitGraphEnsemble,
    GaitGraphNet,
    GaitNetwork,
    NetworkConfig,
)
from recognition.gait.normalize import CLIP_LENGTH, MIN_CONFIDENCE, MODEL_FPS
from recognition.gait.skeleton import COCO17_JOINTS

CHECKPOINT_FORMAT = 1
ENGINE_VERSION = "gait-engine-1.0"
NORMALIZATION = "neck-centred, skeleton-height scaled (normalize.py v1)"
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "models" / "default.pt"
ARCHITECTURES = (ARCHITECTURE, ENSEMBLE_ARCHITECTURE)


class CheckpointError(ValueError):
    """A file that is not a usable gait checkpoint for this engine."""


def input_spec(
    *, fps: float = MODEL_FPS, clip_length: int = CLIP_LENGTH, clip_stride: int | None = None
) -> dict:
    return {
        "fps": float(fps),
        "clip_length": int(clip_length),
        "clip_stride": int(clip_stride or clip_length // 2),
        "min_confidence": float(MIN_CONFIDENCE),
        "normalization": NORMALIZATION,
        "leg_swap_repair": True,
    }


def weights_digest(state_dict: dict, input: dict | None = None) -> str:
    """Short sha256 of the weights (and of the input spec, when given)."""
    h = hashlib.sha256()
    if input is not None:
        h.update(json.dumps(input, sort_keys=True).encode())
    for key in sorted(state_dict):
        h.update(key.encode())
        h.update(state_dict[key].detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:10]


def build_checkpoint(
    model: GaitNetwork,
    *,
    input: dict | None = None,
    threshold: dict | None = None,
    metrics: dict | None = None,
    training: dict | None = None,
    parent: str | None = None,
    name: str = "syn",
) -> dict:
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    input = input or input_spec()
    created = datetime.now(UTC)
    architecture = ENSEMBLE_ARCHITECTURE if isinstance(model, GaitGraphEnsemble) else ARCHITECTURE
    return {
        "format": CHECKPOINT_FORMAT,
        "engine_version": ENGINE_VERSION,
        "architecture": architecture,
        "network": model.config.to_dict(),
        "joints": list(COCO17_JOINTS),
        "input": input,
        "model_state": state,
        "model_version": f"{architecture}-{name}-{weights_digest(state, input)}",
        "threshold": threshold or {},
        "metrics": metrics or {},
        "created": created.isoformat(timespec="seconds"),
        "parent": parent,
        "training": training,
    }


def save_checkpoint(checkpoint: dict, path: str | Path) -> Path:
    """Write atomically (a temp file renamed into place)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(checkpoint, tmp)
    tmp.replace(path)
    return path


def load_checkpoint(source: str | Path | bytes | dict) -> dict:
    """Read and validate a checkpoint (path, bytes or an already loaded dict)."""
    if isinstance(source, dict):
        ckpt = source
    else:
        try:
            if isinstance(source, bytes):
                ckpt = torch.load(io.BytesIO(source), map_location="cpu", weights_only=True)
            else:
                ckpt = torch.load(Path(source), map_location="cpu", weights_only=True)
        except FileNotFoundError:
            raise
        except Exception as exc:  # pickle, zip and torch errors alike
            raise CheckpointError(f"not a gait checkpoint: {source}: {exc}") from exc
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"unsupported checkpoint format in {source!r}")
    if ckpt.get("architecture") not in ARCHITECTURES:
        raise CheckpointError(f"unknown architecture {ckpt.get('architecture')!r}")
    if tuple(ckpt.get("joints", ())) != COCO17_JOINTS:
        raise CheckpointError("checkpoint was trained on a different joint layout")
    return ckpt


def model_from_checkpoint(ckpt: dict) -> GaitNetwork:
    if ckpt["architecture"] == ENSEMBLE_ARCHITECTURE:
        config = EnsembleConfig.from_dict(ckpt["network"])
        model = GaitGraphEnsemble([GaitGraphNet(c) for c in config.members], config.weights)
    else:
        model = GaitGraphNet(NetworkConfig.from_dict(ckpt["network"]))
    model.load_state_dict(ckpt["model_state"])
    return model.eval()


def ensemble_checkpoint(
    members: list[str | Path | dict], weights: list[float] | None = None, *, name: str = "syn"
) -> dict:
    """One checkpoint whose network is the ensemble of the member checkpoints' networks.

    The members must expect the same input (frame rate, clip length, normalisation, repair):
    the ensemble feeds every member the same clips. The result has no threshold yet; the
    caller chooses one on the fused embeddings (training.build_ensemble).
    """
    loaded = [load_checkpoint(m) for m in members]
    if len(loaded) < 2:
        raise CheckpointError("an ensemble needs at least two member checkpoints")
    for m in loaded:
        if m["architecture"] != ARCHITECTURE:
            raise CheckpointError(f"{m['model_version']} is itself an ensemble")
        if m["input"] != loaded[0]["input"]:
            raise CheckpointError(
                f"{m['model_version']} expects other input than {loaded[0]['model_version']}: "
                f"{m['input']} against {loaded[0]['input']}"
            )
    model = GaitGraphEnsemble([model_from_checkpoint(m) for m in loaded], weights)
    ckpt = build_checkpoint(model, input=dict(loaded[0]["input"]), name=name)
    ckpt["members"] = [
        {
            "model_version": m["model_version"],
            "weight": float(w),
            "training_steps": (m.get("training") or {}).get("step"),
            "metrics": m.get("metrics") or {},
        }
        for m, w in zip(loaded, model.config.weights, strict=True)
    ]
    return ckpt


def strip_training_state(ckpt: dict) -> dict:
    """A copy without optimizer/RNG state (keeps the training config, the config file it came
    from and the run's stages, the finishing stage included, for the record)."""
    out = dict(ckpt)
    training = ckpt.get("training")
    if training:
        out["training"] = {"config": training.get("config"), "step": training.get("step")}
        for key in ("config_source", "stages"):
            if training.get(key):
                out["training"][key] = training[key]
    return out


def default_threshold(checkpoint: str | Path | dict | None = None) -> float:
    """The cosine similarity at which the checkpoint's model accepts a probe as a match.

    Chosen on synthetic people never seen in training at a false-accept rate of 1 % (see the
    checkpoint's ``threshold`` entry and docs/MODEL_CARD.md). Defaults to the shipped model.
    """
    ckpt = load_checkpoint(DEFAULT_MODEL_PATH if checkpoint is None else checkpoint)
    threshold = ckpt.get("threshold") or {}
    if "value" not in threshold:
        raise CheckpointError("checkpoint carries no operating threshold")
    return float(threshold["value"])


def checkpoint_summary(ckpt: dict) -> dict:
    """JSON-friendly metadata of a checkpoint (what models/default.json holds)."""
    training = ckpt.get("training") or {}
    params = sum(int(v.numel()) for k, v in ckpt["model_state"].items() if "running" not in k)
    return {
        "model_version": ckpt["model_version"],
        "engine_version": ckpt["engine_version"],
        "architecture": ckpt["architecture"],
        "parameters": params,
        "network": ckpt["network"],
        "joints": ckpt["joints"],
        "input": ckpt["input"],
        "threshold": ckpt.get("threshold"),
        "metrics": ckpt.get("metrics"),
        "created": ckpt.get("created"),
        "parent": ckpt.get("parent"),
        "members": ckpt.get("members"),
        "training_config": training.get("config"),
        "training_steps": training.get("step"),
        "training_config_file": (training.get("config_source") or {}).get("path"),
    }


def write_summary(checkpoint_path: str | Path, out_path: str | Path | None = None) -> Path:
    """Write ``checkpoint_summary`` next to the checkpoint as JSON (``default.pt`` -> ``.json``)."""
    import json

    checkpoint_path = Path(checkpoint_path)
    out = Path(out_path) if out_path else checkpoint_path.with_suffix(".json")
    summary = checkpoint_summary(load_checkpoint(checkpoint_path))
    out.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return out

"""The engine as a worker holds it: one embedder per checkpoint and one pose backend per process.

Loading a network (and freezing it) or a pose model takes seconds, so each worker process does
it once and keeps it. The settings GAIT_MODEL_PATH, GAIT_POSE_BACKEND and MMPOSE_* are read here.
"""

from __future__ import annotations

import functools
import json
import threading
from pathlib import Path

import torch
from django.conf import settings

from recognition.gait.checkpoint import load_checkpoint
from recognition.gait.embedding import GaitEmbedder
from recognition.gait.pose import PoseBackend, get_backend

_lock = threading.Lock()
_embedders: dict[str, GaitEmbedder] = {}
_backend: PoseBackend | None = None


def shipped_model_path() -> Path:
    return Path(settings.GAIT_MODEL_PATH)


def shipped_model_summary() -> dict:
    """model_version, threshold, input spec and metrics of the shipped checkpoint.

    Read from the JSON summary written beside the checkpoint when it matches, so that a web
    request listing model versions does not load torch weights.
    """
    path = shipped_model_path()
    summary_path = path.with_suffix(".json")
    if summary_path.is_file():
        summary = json.loads(summary_path.read_text())
    else:
        summary = _checkpoint_summary(str(path.resolve()), path.stat().st_mtime_ns)
    threshold = (summary.get("threshold") or {}).get("value")
    return {
        "model_version": summary["model_version"],
        "threshold": float(threshold) if threshold is not None else 0.5,
        "input": summary.get("input") or {},
        "metrics": summary.get("metrics") or {},
    }


@functools.lru_cache(maxsize=4)
def _checkpoint_summary(path: str, mtime_ns: int) -> dict:
    """A checkpoint without its JSON summary, read once per file version (not its weights)."""
    checkpoint = load_checkpoint(path)
    return {key: checkpoint.get(key) for key in ("model_version", "threshold", "input", "metrics")}


def embedder_for_path(path: str | Path) -> GaitEmbedder:
    key = str(Path(path).resolve())
    with _lock:
        embedder = _embedders.get(key)
        if embedder is None:
            # A worker is one process among several on the machine, and torch's default pool
            # (one thread per core) stalled for minutes inside forked django-q2 workers here;
            # one intra-op thread per worker is what the cluster's worker count assumes.
            torch.set_num_threads(settings.GAIT_TORCH_THREADS)
            embedder = _embedders[key] = GaitEmbedder.from_checkpoint(key)
        return embedder


def pose_backend() -> PoseBackend:
    """The configured pose backend (settings.GAIT_POSE_BACKEND), created on first use."""
    global _backend
    with _lock:
        if _backend is None:
            name = settings.GAIT_POSE_BACKEND
            options: dict = {}
            if name == "mmpose":
                options = {
                    "config": settings.MMPOSE_CONFIG,
                    "checkpoint": settings.MMPOSE_CHECKPOINT or None,
                    "device": settings.MMPOSE_DEVICE,
                }
            _backend = get_backend(name, **options)
        return _backend

"""Gait embeddings from pose tracks, and fast cosine search.

``GaitEmbedder.embed_track``: resample the track to the model's frame rate, repair and normalise
it (normalize.py, as the checkpoint's input spec says), cut it into overlapping clips, embed
every clip, average the L2-normalised clip embeddings and re-normalise. Cosine similarity of two
embeddings is then their dot product.

Test-time augmentation (``tta=True``, the default): each clip is also embedded mirrored, i.e.
with x negated AND the left/right joints exchanged (FLIP_INDEX), and the two embeddings are
averaged. The mirrored clip is a plausible walk (the person seen from the other side of the
path), so the average does not depend on which way the person crossed the camera. GaitGraph's
original flip negates x but keeps the joint labels; for a graph network that reads joint
identities that produces an anatomically impossible body (left limbs drawn on the right), which
is not a view of anything, so it is not used here.

An ensemble (network.GaitGraphEnsemble) embeds each track with every member in the same
passes; its embedding is the weighted concatenation of the members' own track embeddings, so
the cosine similarity of two of them is the weighted mean of the members' similarities.

Inference runs the network frozen (``frozen=True``, the default; :func:`frozen_network`): traced
once, batch norms folded into the convolutions and constants folded, so one clip runs about
1.4x as fast as the eager forward on one CPU thread (docs/perf/gait.md). The frozen graph is
checked against the eager network on a random batch when it is built and is not used if they
differ.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from recognition.gait.augment import mirror
from recognition.gait.checkpoint import (
    DEFAULT_MODEL_PATH,
    default_threshold,
    load_checkpoint,
    model_from_checkpoint,
)
from recognition.gait.network import GaitGraphEnsemble, GaitNetwork
from recognition.gait.normalize import normalize_track, to_clips
from recognition.gait.skeleton import NUM_JOINTS
from recognition.gait.tracks import PoseTrack

__all__ = [
    "GaitEmbedder",
    "cosine_similarity",
    "default_threshold",
    "frozen_network",
    "l2_normalize",
    "search",
]

log = logging.getLogger(__name__)

Forward = Callable[[torch.Tensor], torch.Tensor]


def l2_normalize(x: np.ndarray, axis: int = -1) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norm = np.linalg.norm(x, axis=axis, keepdims=True)
    return x / np.maximum(norm, 1e-12)


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of vectors [D] or matrices [N, D] x [M, D] -> scalar / [N, M]."""
    a, b = l2_normalize(a), l2_normalize(b)
    return a @ b.T if a.ndim == 2 or b.ndim == 2 else np.float32(a @ b)


def search(
    probe: np.ndarray, gallery_matrix: np.ndarray, k: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` gallery rows most similar to ``probe``: (indices, scores), best first.

    ``gallery_matrix`` [N, D] must hold L2-normalised float32 rows (as stored); one matrix-vector
    product and an argpartition, so 100,000 x 128 takes a few milliseconds.
    """
    gallery_matrix = np.asarray(gallery_matrix)
    if gallery_matrix.dtype != np.float32:
        gallery_matrix = gallery_matrix.astype(np.float32)
    n = len(gallery_matrix)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    q = l2_normalize(np.asarray(probe, dtype=np.float32).reshape(-1))
    scores = gallery_matrix @ q
    k = min(int(k), n)
    top = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
    order = top[np.argsort(-scores[top], kind="stable")]
    return order, scores[order]


def frozen_network(model: GaitNetwork, clip_length: int, channels: int = 3) -> Forward:
    """``model`` (in eval mode) as a frozen TorchScript graph for inference, or ``model`` itself.

    Tracing records the forward pass once (any batch size and clip length run through it after);
    freezing inlines the weights, folds each batch norm into the convolution before it and
    precomputes the graph adjacencies, which removes most of the per-layer overhead that
    dominates a batch of one clip. The result is compared with the eager network on a random
    batch; a network that does not trace, or traces to something else, is used eagerly.
    """
    model = model.eval()
    example = torch.randn(
        2, clip_length, NUM_JOINTS, channels, generator=torch.Generator().manual_seed(0)
    )
    try:
        with torch.no_grad(), warnings.catch_warnings():
            # torch.jit is deprecated in favour of torch.compile, whose first call takes minutes
            # on 2 cores; the pinned torch still ships it and the eager path stays the fallback.
            warnings.simplefilter("ignore")
            frozen = torch.jit.freeze(torch.jit.trace(model, example, check_trace=False))
            gap = float((frozen(example) - model(example)).abs().max())
    except Exception as exc:  # a network torch cannot trace: run it as it is
        log.warning("gait network runs eagerly: tracing failed (%s)", exc)
        return model
    if not gap <= 1e-4:
        log.warning("gait network runs eagerly: the frozen graph differs by %.2g", gap)
        return model
    return frozen


class GaitEmbedder:
    """A loaded gait model that turns pose tracks into unit vectors (128-d for one network)."""

    def __init__(
        self,
        model: GaitNetwork,
        *,
        input_spec: dict,
        model_version: str = "unversioned",
        threshold: float | None = None,
        tta: bool = True,
        max_batch: int = 64,
        frozen: bool = True,
    ) -> None:
        self.model = model.eval()
        self.fps = float(input_spec["fps"])
        self.clip_length = int(input_spec["clip_length"])
        self.clip_stride = int(input_spec.get("clip_stride") or self.clip_length // 2)
        self.min_confidence = float(input_spec["min_confidence"])
        self.leg_swap_repair = bool(input_spec.get("leg_swap_repair", False))
        self.model_version = model_version
        self.threshold = threshold
        self.tta = tta
        self.max_batch = max_batch
        self.frozen = frozen
        self._forward: Forward | None = None
        self._parts = model.parts if isinstance(model, GaitGraphEnsemble) else None

    @classmethod
    def from_checkpoint(
        cls, path: str | Path | dict | None = None, *, tta: bool = True, frozen: bool = True
    ) -> GaitEmbedder:
        """Load a checkpoint file (default: the shipped model)."""
        ckpt = load_checkpoint(DEFAULT_MODEL_PATH if path is None else path)
        threshold = (ckpt.get("threshold") or {}).get("value")
        return cls(
            model_from_checkpoint(ckpt),
            input_spec=ckpt["input"],
            model_version=ckpt["model_version"],
            threshold=None if threshold is None else float(threshold),
            tta=tta,
            frozen=frozen,
        )

    @property
    def embedding_dim(self) -> int:
        return self.model.config.embedding_dim

    def clips(self, track: PoseTrack) -> np.ndarray:
        """The normalised clips [N, clip_length, 17, 3] the track is embedded from."""
        seq = normalize_track(
            track,
            fps=self.fps,
            min_confidence=self.min_confidence,
            leg_swap_repair=self.leg_swap_repair,
        )
        return to_clips(seq, self.clip_length, self.clip_stride)

    @property
    def forward(self) -> Forward:
        """The network as inference runs it (frozen on first use when ``frozen``)."""
        if self._forward is None:  # the weights must not change after this
            self._forward = (
                frozen_network(self.model, self.clip_length) if self.frozen else self.model
            )
        return self._forward

    @torch.inference_mode()
    def embed_clips(self, clips: np.ndarray) -> np.ndarray:
        """[N, T, 17, C] normalised clips -> [N, D] unit vectors (with TTA when enabled)."""
        clips = np.asarray(clips, dtype=np.float32)
        if self.tta:
            clips = np.concatenate([clips, np.stack([mirror(c) for c in clips])], 0)
        out = []
        for i in range(0, len(clips), self.max_batch):
            out.append(self.forward(torch.from_numpy(clips[i : i + self.max_batch])).numpy())
        emb = np.concatenate(out, 0)
        if self.tta:
            n = len(emb) // 2
            emb = emb[:n] + emb[n:]
        return self._unit(emb)

    def embed_track(self, track: PoseTrack) -> np.ndarray:
        """One track -> float32 [D]: mean of its clips' embeddings, L2-normalised."""
        return self.embed_batch([track])[0]

    def embed_batch(self, tracks: Sequence[PoseTrack]) -> np.ndarray:
        """Several tracks -> float32 [N, D], their clips embedded in shared forward passes."""
        if len(tracks) == 0:
            return np.zeros((0, self.embedding_dim), dtype=np.float32)
        clips = [self.clips(t) for t in tracks]
        counts = [len(c) for c in clips]
        emb = self.embed_clips(np.concatenate(clips, 0))
        out, start = [], 0
        for n in counts:
            out.append(emb[start : start + n].mean(0))
            start += n
        return self._unit(np.stack(out))

    def _unit(self, emb: np.ndarray) -> np.ndarray:
        """L2-normalised rows. An ensemble's rows are normalised member by member and scaled by
        the member's weight, so that its embedding of a track is exactly the weighted
        concatenation of its members' own embeddings of that track (a unit vector too)."""
        if self._parts is None:
            return l2_normalize(emb)
        pieces, start = [], 0
        for dim, scale in self._parts:
            pieces.append(scale * l2_normalize(emb[:, start : start + dim]))
            start += dim
        return np.concatenate(pieces, 1)

"""Speed of the gait engine on this machine: clip embedding and gallery search.

    python bench/bench_gait_speed.py [--model recognition/gait/models/default.pt] [--threads 2]

Prints medians (and 90th percentiles) in milliseconds:
- forward pass of one 60-frame clip at batch 1 (the network alone), and with mirror TTA, both
  as the embedder runs it (frozen, embedding.frozen_network) and eagerly, interleaved in rounds
  so that a busy host slows both alike; the ratio is eager / frozen;
- embed_track of a 4-second track (normalisation + clips + TTA), end to end, frozen and eager;
- search of one probe against 100,000 gallery embeddings (float32 matmul + argpartition).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recognition.gait.embedding import GaitEmbedder, search
from recognition.gait.network import count_parameters
from recognition.gait.synthetic import generate_person, walk


def timed(fn, repeats: int, warmup: int = 10) -> tuple[float, float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times)), float(np.percentile(times, 90))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--gallery", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="frozen/eager alternations")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    embedder = GaitEmbedder.from_checkpoint(args.model)
    eager = GaitEmbedder.from_checkpoint(args.model, frozen=False)
    model = embedder.model
    print(f"model {embedder.model_version}, {count_parameters(model)} parameters")
    print(f"torch {torch.__version__}, {args.threads} threads")
    clip = torch.from_numpy(
        embedder.clips(walk(generate_person(1), "nm", 90, seed=0, n_frames=100, fps=25))[:1]
    )
    pair = torch.cat([clip, clip])
    track = walk(generate_person(2), "nm", 90, seed=0, n_frames=100, fps=25)
    started = time.perf_counter()
    frozen_forward = embedder.forward
    print(f"freezing the network took {(time.perf_counter() - started) * 1000:.0f} ms")
    calls = {  # what -> (call it with this forward and this embedder, repeats)
        "clip forward, batch 1 (60 frames)": (lambda f, e: f(clip), args.repeats),
        "clip forward + mirror TTA (batch 2)": (lambda f, e: f(pair), args.repeats),
        "embed_track, 4 s track (3 clips, TTA)": (
            lambda f, e: e.embed_track(track),
            max(20, args.repeats // 4),
        ),
    }
    ways = {"frozen": (frozen_forward, embedder), "eager": (model, eager)}
    rows: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(args.rounds):  # interleaved, so a busy host slows both alike
        for name, (forward, emb) in ways.items():
            for what, (call, repeats) in calls.items():
                with torch.inference_mode():
                    rows.setdefault((what, name), []).append(
                        timed(lambda c=call, f=forward, e=emb: c(f, e), repeats)
                    )
    for (what, name), values in rows.items():
        med = np.median([m for m, _ in values])
        p90 = np.median([p for _, p in values])
        per_round = " ".join(f"{m:.2f}" for m, _ in values)
        label = f"{what}, {name}"
        print(f"{label:<46} median {med:6.2f} ms  p90 {p90:6.2f} ms  rounds {per_round}")
    for what in calls:
        frozen_ms, eager_ms = (np.median([m for m, _ in rows[what, name]]) for name in ways)
        print(f"{what}: eager / frozen = {eager_ms / frozen_ms:.2f}")
    rng = np.random.default_rng(0)
    gallery = rng.normal(size=(args.gallery, embedder.embedding_dim)).astype(np.float32)
    gallery /= np.linalg.norm(gallery, axis=1, keepdims=True)
    probes = gallery[rng.integers(0, args.gallery, size=64)] + 0.05
    it = iter(range(10**9))
    med, p90 = timed(lambda: search(probes[next(it) % 64], gallery, k=5), args.repeats)
    print(f"search 1 probe vs {args.gallery:,} (k=5):     median {med:6.2f} ms  p90 {p90:6.2f} ms")


if __name__ == "__main__":
    main()

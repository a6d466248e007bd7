"""Accuracy of a gait model on synthetic people never seen in training, over several seeds.

    python bench/bench_gait_accuracy.py --model recognition/gait/models/default.pt \\
        --people 100 --seeds 0,1,2 [--protocol mixed|same-view] \\
        [--gallery-walks 2] [--gallery-mode walks|templates] [--json] \\
        [--detector bias_sd=0,drift_scale=0 | --perfect-keypoints] [--breakdown]

Each seed draws a different set of evaluation people (seeds from 9,000,000, disjoint from the
training and threshold-validation people). Per person: a gallery of 2 normal walks (more with
--gallery-walks) and probes of 2 normal (nm), 2 bag (bg) and 2 coat (cl) walks. The gallery is
scored per walk (nearest neighbour, the default) or per person template (--gallery-mode
templates, the mean of their gallery walks). --detector overrides fields of the walker's
DetectorStyle for every walk and --perfect-keypoints switches the detector model off: an error
budget of which kind of detector error costs how much (the walks are otherwise the same).
Protocol ``mixed``: every walk from its own random CASIA-B view (0-180 deg in steps of 18), so
most pairs are cross-view. Protocol ``same-view``: all of a person's walks from one random view (a
door camera). Reports rank-1 and rank-5 per probe condition, TAR at FAR 1 % and 0.1 %, EER, DIR
at FAR 1 % (half the subjects left out of the gallery) and the false-accept rate at the model's
shipped threshold. --breakdown adds rank-1 by the probe's size in the image (its skeleton
height in pixels: the detector's jitter grows as people get smaller) and by the probe's view.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from itertools import pairwise
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recognition.gait.embedding import GaitEmbedder
from recognition.gait.evaluation import (
    GALLERY_MODES,
    evaluate_embeddings,
    rank_k,
    subject_scores,
)
from recognition.gait.normalize import body_height, fill_missing
from recognition.gait.synthetic import eval_subjects, generate_person, walk
from recognition.gait.synthetic.walker import CASIA_VIEWS

PROBES = (("probe", "nm", 2), ("probe", "bg", 2), ("probe", "cl", 2))
HEIGHT_BINS = (0, 90, 130, 200, 400, np.inf)  # skeleton height in pixels


def pixel_height(track) -> float:
    """Median neck-hip-knee-ankle height of a walk in pixels (what its jitter scales with)."""
    return float(np.median(body_height(fill_missing(track.keypoints))))


def run_seed(
    embedder: GaitEmbedder,
    people: int,
    seed: int,
    protocol: str,
    gallery_walks: int = 2,
    gallery_mode: str = "walks",
    detector: dict | None = None,
    perfect: bool = False,
) -> dict:
    rng = np.random.default_rng([0xACC, seed])
    plan = (("gallery", "nm", gallery_walks), *PROBES)
    tracks, roles, labels, conds, views = [], [], [], [], []
    for subject in eval_subjects(people, offset=seed * 1000):
        person = generate_person(subject)
        fixed_view = float(rng.choice(CASIA_VIEWS))
        walk_index = 0
        for role, cond, count in plan:
            for _ in range(count):
                walk_index += 1
                view = fixed_view if protocol == "same-view" else float(rng.choice(CASIA_VIEWS))
                tracks.append(
                    walk(
                        person,
                        cond,
                        view,
                        seed=1000 * seed + walk_index,
                        noise=not perfect,
                        detector=detector,
                    )
                )
                roles.append(role)
                labels.append(subject)
                conds.append(cond)
                views.append(view)
    emb = embedder.embed_batch(tracks)
    roles, labels, conds = np.array(roles), np.array(labels), np.array(conds)
    g, p = roles == "gallery", roles == "probe"
    report = evaluate_embeddings(
        emb[g],
        labels[g],
        emb[p],
        labels[p],
        conds[p],
        threshold=embedder.threshold,
        gallery_mode=gallery_mode,
    )
    scores, subjects = subject_scores(emb[p], emb[g], labels[g], gallery_mode=gallery_mode)
    report["probes"] = {
        "correct": rank_k(scores, subjects, labels[p], 1),
        "pixel_height": np.array(
            [pixel_height(t) for t, is_probe in zip(tracks, p, strict=True) if is_probe]
        ),
        "view": np.array(views)[p],
    }
    return report


def print_breakdown(reports: list[dict]) -> None:
    """Rank-1 of all seeds' probes together, by size in the image and by view."""
    correct = np.concatenate([r["probes"]["correct"] for r in reports])
    height = np.concatenate([r["probes"]["pixel_height"] for r in reports])
    view = np.concatenate([r["probes"]["view"] for r in reports])
    print(f"{'probe height (px)':<20}{'probes':>8}{'rank-1':>8}")
    for lo, hi in pairwise(HEIGHT_BINS):
        inside = (height >= lo) & (height < hi)
        if inside.any():
            label = f"{lo:.0f}-{hi:.0f}" if np.isfinite(hi) else f">= {lo:.0f}"
            print(f"{label:<20}{inside.sum():8d}{correct[inside].mean():8.3f}")
    print(f"{'probe view (deg)':<20}{'probes':>8}{'rank-1':>8}")
    for v in np.unique(view):
        inside = view == v
        print(f"{v:<20.0f}{inside.sum():8d}{correct[inside].mean():8.3f}")


def parse_detector(text: str, parser: argparse.ArgumentParser) -> dict[str, float]:
    """--detector FIELD=VALUE[,...] -> {field: value}; a bad field or value is a usage error."""
    from recognition.gait.synthetic.detector import DetectorStyle

    fields = set(DetectorStyle.__dataclass_fields__)
    out: dict[str, float] = {}
    for item in filter(None, text.split(",")):
        key, sep, value = item.partition("=")
        if not sep or key.strip() not in fields:
            parser.error(
                f"--detector: {item!r} is not FIELD=VALUE with FIELD one of {sorted(fields)}"
            )
        try:
            out[key.strip()] = float(value)
        except ValueError:
            parser.error(f"--detector: {value!r} for {key.strip()} is not a number")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--protocol", choices=["mixed", "same-view"], default="mixed")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--gallery-walks", type=int, default=2)
    parser.add_argument("--gallery-mode", choices=GALLERY_MODES, default="walks")
    parser.add_argument("--detector", default="", help="FIELD=VALUE[,...] of DetectorStyle")
    parser.add_argument("--perfect-keypoints", action="store_true")
    parser.add_argument("--no-tta", action="store_true")
    parser.add_argument("--breakdown", action="store_true", help="rank-1 by probe size and view")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    embedder = GaitEmbedder.from_checkpoint(args.model, tta=not args.no_tta)
    seeds = [int(s) for s in args.seeds.split(",")]
    started = time.monotonic()
    detector = parse_detector(args.detector, parser)
    reports = [
        run_seed(
            embedder,
            args.people,
            s,
            args.protocol,
            args.gallery_walks,
            args.gallery_mode,
            detector or None,
            args.perfect_keypoints,
        )
        for s in seeds
    ]
    rows: dict[str, list[float]] = {}
    for r in reports:
        for cond, m in r["conditions"].items():
            rows.setdefault(f"{cond} rank-1", []).append(m["rank1"])
            rows.setdefault(f"{cond} rank-5", []).append(m["rank5"])
        rows.setdefault("all rank-1", []).append(r["overall"]["rank1"])
        for key in (
            "tar_at_far_1pct",
            "tar_at_far_0_1pct",
            "eer",
            "dir_at_far_1pct",
            "far_at_threshold",
        ):
            value = r["open_set"].get(key)
            if value is not None:
                rows.setdefault(key, []).append(value)
    print(
        f"model {embedder.model_version}  protocol {args.protocol}  people {args.people}  "
        f"seeds {seeds}  gallery {args.gallery_walks} walks scored by {args.gallery_mode}  "
        f"detector {'off' if args.perfect_keypoints else detector or 'as drawn'}  "
        f"tta {not args.no_tta}  threshold {embedder.threshold}  "
        f"({time.monotonic() - started:.0f} s)"
    )
    print(f"{'metric':<20}{'mean':>8}{'min':>8}{'max':>8}   per seed")
    for key, values in rows.items():
        v = np.array(values)
        per = " ".join(f"{x:.3f}" for x in v)
        print(f"{key:<20}{v.mean():8.3f}{v.min():8.3f}{v.max():8.3f}   {per}")
    if args.breakdown:
        print_breakdown(reports)
    if args.json:
        print(json.dumps({k: list(map(float, v)) for k, v in rows.items()}))


if __name__ == "__main__":
    main()

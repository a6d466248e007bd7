"""Short fine-tunes of one network for the real-walk design search (issue 27).

    python bench/gait_finetune_reference.py --source real-fitting --epochs 20 --out var/ft-real.pt
    python bench/gait_finetune_reference.py --source fitted-walker --out var/ft-walker.pt
    python bench/bench_gait_real_walks.py --designs var/ft-real.pt,var/ft-walker.pt

Both start from member A of the shipped ensemble (one network; ``--base shipped``: the whole
ensemble, both networks trained through their joined output) and use the engine's
``training.fine_tune`` (SupCon, the base model's augmentations, threshold re-chosen on held-out
synthetic people at FAR 1 %).

- ``real-fitting``: the real walks' FITTING half (19 people, recognition/gait/realwalks.py), each
  walk seen by ``--cameras`` random door cameras (views 0-180 deg, 3-8 m), mixed with 64
  synthetic people. A reference for what training on real people gives: these weights are never
  committed or shipped (licences: ../shared/data/real-walks/README.md).
- ``fitted-walker``: ``--people`` synthetic people drawn from the walker's population fitted to
  real people (synthetic/person.py ``population("real-fit")``), 4 walks each (nm, nm, bg, cl),
  random views 0-180 deg. Licence-clean: only statistics of the real walks were used.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recognition.gait.checkpoint import (  # noqa: E402
    DEFAULT_MODEL_PATH,
    build_checkpoint,
    load_checkpoint,
    model_from_checkpoint,
    save_checkpoint,
)
from recognition.gait.network import GaitGraphEnsemble  # noqa: E402
from recognition.gait.tracks import PoseTrack  # noqa: E402


def member_checkpoint(out: Path, index: int = 0) -> Path:
    """Member ``index`` of the shipped ensemble as a one-network checkpoint (same input)."""
    ckpt = load_checkpoint(DEFAULT_MODEL_PATH)
    model = model_from_checkpoint(ckpt)
    if not isinstance(model, GaitGraphEnsemble):
        return DEFAULT_MODEL_PATH
    member = build_checkpoint(
        model.members[index],
        input=dict(ckpt["input"]),
        threshold=ckpt.get("threshold"),
        parent=ckpt["model_version"],
        name=f"member{index}",
    )
    return save_checkpoint(member, out)


def real_fitting_tracks(data: str, cameras: int, seed: int) -> dict[str, list[PoseTrack]]:
    from recognition.gait.realwalks import load_real_walks, project_walk, split_subjects

    walks = load_real_walks(data)
    fit, _ = split_subjects(w.subject for w in walks)
    rng = np.random.default_rng([0xF17, seed])
    out: dict[str, list[PoseTrack]] = {}
    for w in walks:
        if w.subject not in fit:
            continue
        for c in range(cameras):
            view = float(rng.uniform(0.0, 180.0))
            out.setdefault(w.subject, []).append(
                project_walk(w, view, distance=(3.0, 8.0), seed=1000 * seed + c)
            )
    return out


def fitted_walker_tracks(people: int, seed: int) -> dict[str, list[PoseTrack]]:
    from recognition.gait.training.batches import population_walks

    base = 5_000_000 + seed * 100_000  # outside training and validation seeds
    walks = population_walks({"population": "real-fit"}, people, seed=seed, subject_base=base)
    return {str(base + i): tracks for i, tracks in enumerate(walks)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", choices=("real-fitting", "fitted-walker"), required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--people", type=int, default=300, help="fitted-walker people")
    parser.add_argument("--cameras", type=int, default=3, help="views per real walk")
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "real-walks"))
    parser.add_argument(
        "--base",
        choices=("member0", "shipped"),
        default="member0",
        help="start from member A alone or from the whole shipped ensemble",
    )
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    from recognition.gait.training import fine_tune

    torch.set_num_threads(args.threads)
    started = time.time()
    if args.base == "shipped":
        base = DEFAULT_MODEL_PATH
    else:
        base = member_checkpoint(ROOT / "var" / "member0.pt")
    if args.source == "real-fitting":
        tracks = real_fitting_tracks(args.data, args.cameras, args.seed)
        synthetic = 64
    else:
        tracks = fitted_walker_tracks(args.people, args.seed)
        synthetic = 0
    print(
        f"{len(tracks)} people, {sum(map(len, tracks.values()))} walks, "
        f"{time.time() - started:.0f} s to make"
    )
    out = fine_tune(
        base,
        tracks,
        epochs=args.epochs,
        seed=args.seed,
        out_path=args.out,
        lr=args.lr,
        synthetic_people=synthetic,
        validation_people=40,
        progress=True,
    )
    ckpt = load_checkpoint(out)
    print(
        f"wrote {out} ({ckpt['model_version']}) in {time.time() - started:.0f} s; "
        f"threshold {ckpt['threshold'].get('value')}, metrics {ckpt['metrics']}"
    )


if __name__ == "__main__":
    main()

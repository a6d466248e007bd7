"""Real-walk benchmark: real people's 3D walks through virtual door cameras, plus the real clips.

    python bench/bench_gait_real_walks.py                       # shipped model, 3 views
    python bench/bench_gait_real_walks.py --designs shipped,member0,hc,member0+hc@0.5 \\
        --views side,45deg,frontal --distances 3-8 --json var/real-walks.json

Data (licensed, never in the repository; skipped with a message when absent):
- ``--data`` (default ../shared/data/real-walks, relative to the repository): 3D skeletons of 38
  real people (UCalgary BT-Lab: Kozlow, Abid, Yanushkevich, IEEE SSCI 2017; kooksung pathological
  gait set: Jun et al., IEEE Access 8:139881, 2020). One file per physical walk
  (recognition/gait/realwalks.py).
- ``--clips`` (default ../shared/data/clips): real videos, run through the engine's own pipeline
  (MediaPipe backend, tracking, main walker) as the portal does.

Protocol (fixed, so designs compare):
- People split by subject: the *fitting* half is every other person of each source in sorted
  order (ucal_s01, s03, ...; kook_h01, h03, ...), the *evaluation* half the rest (19 people).
  Only the evaluation half is scored here; the fitting half may be used to fit things (the
  hand-crafted features' z-scoring, the walker's statistics, reference fine-tunes).
- Each walk is projected through a door camera per view (side 90 deg, 45 deg, frontal 0 deg;
  ``--distances`` a range drawn per walk, or fixed values; camera 1.8-2.6 m high; 1280x720,
  focal 1000 px) and through a MediaPipe-like detector model (jitter, drift, bias, leg-label
  swaps, dropouts, joints outside the image lost).
- Gallery: each person's first normal walk; probes: all their other walks, by condition
  (``normal``; ``limp`` = simulated limp of either leg, UCalgary only; ``old_age``: 2 probes).
- Per view and condition: rank-1, rank-5, TAR at FAR 1 %, EER, and the FAR at the design's
  threshold in use (the threshold its checkpoint ships; none for designs without one).
- Clips: each clip's main walker is cut into two halves; rank-1 of a first half finding its own
  second half among all clips, and genuine / impostor acceptance at the threshold in use.

Designs (``--designs``, comma-separated):
- ``shipped``: recognition/gait/models/default.pt as GaitEmbedder loads it.
- ``member0``, ``member1``: one network of the shipped ensemble alone (no threshold of its own).
- ``PATH.pt``: any checkpoint file.
- ``hc``: hand-crafted features (recognition/gait/handcrafted.py), z-scored with the fitting
  half's statistics, nearest neighbour by cosine.
- ``BASE+hc@W``: a network design fused with the hand-crafted features; the cosine is
  ``(1 - W) * network cosine + W * feature cosine``.
Append ``/notta`` to a network design to embed without the mirrored test-time copy, ``/dense``
to average clips every 10 frames instead of every 30 (test-time templates), ``/center`` to
subtract the gallery's mean embedding from every embedding before the cosine (a site's own
centering, from its enrolments only).

Site mode (``--site model,calibrate,adapt``): per view, what a site does with its enrolments,
through the engine's own ``site_evaluation.evaluate_walks_as_site`` (the code path of
``gait_evaluate --adapt-on-gallery --calibrate-on-gallery``). On the evaluation half, a seeded
fifth of the people (``--unknown-fraction``) are never enrolled: strangers, all of whose walks
are probes that must stay unknown. The others are enrolled with their first ``--enrol`` normal
walks (default 2: a site enrols with more than one walk; UCalgary people have exactly two, so
their probes are then their limp walks only). ``model``: the design's own threshold;
``calibrate``: the threshold for ``--target-far`` from the enrolments only
(``calibration.calibrate``), with the genuine / impostor pairs it rests on; ``adapt``: the
model first fine-tuned on the enrolments (``adaptation.adapt``, kept only when held-back
enrolments are not worse), then calibrated. Probes are scored against each person's template
(mean of their enrolments) at that threshold: TAR, FAR (comparisons with other enrolled people
at or above it), rank-1 by condition, and the strangers' probes kept unknown. Network designs
given as ``shipped`` or a checkpoint path only.

Embeddings are cached under ``--cache`` (default var/bench-real-walks) by design, data and
projection, so re-running a table costs only the new designs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recognition.gait import handcrafted  # noqa: E402
from recognition.gait.checkpoint import DEFAULT_MODEL_PATH, load_checkpoint  # noqa: E402
from recognition.gait.embedding import GaitEmbedder  # noqa: E402
from recognition.gait.evaluation import (  # noqa: E402
    equal_error_rate,
    evaluate_embeddings,
    tar_at_far,
)
from recognition.gait.network import GaitGraphEnsemble  # noqa: E402
from recognition.gait.realwalks import (  # noqa: E402
    PROJECTION_VERSION,
    VIEWS,
    gallery_and_probes,
    load_real_walks,
    project_walk,
    split_subjects,
)
from recognition.gait.site_evaluation import (  # noqa: E402
    DEFAULT_UNKNOWN_FRACTION,
    evaluate_walks_as_site,
    strangers,
)
from recognition.gait.tracks import PoseTrack  # noqa: E402

CLIP_PATTERNS = ("casiab-*.avi", "lab-*.avi", "street-*.mp4")
CONDITION_ORDER = ("normal", "limp", "old_age", "all")


# ---------------------------------------------------------------- designs


class NetworkDesign:
    """A network (a checkpoint, or one member of the shipped ensemble) as GaitEmbedder runs it."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        base, option = spec, ""
        for known in ("notta", "dense", "center"):  # a path has slashes too
            if spec.endswith("/" + known):
                base, option = spec[: -len(known) - 1], known
        tta = option != "notta"
        shipped = base == "shipped" or base.startswith("member")
        path = DEFAULT_MODEL_PATH if shipped else Path(base)
        ckpt = load_checkpoint(path)
        embedded_as = "" if option == "center" else option  # centering comes after embedding
        self.digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12] + base + embedded_as
        self.embedder = GaitEmbedder.from_checkpoint(ckpt, tta=tta)
        if base.startswith("member"):
            k = int(base[len("member") :])
            model = self.embedder.model
            if not isinstance(model, GaitGraphEnsemble):
                raise SystemExit(f"{spec}: the shipped model is not an ensemble")
            self.embedder = GaitEmbedder(
                model.members[k], input_spec=ckpt["input"], model_version=f"member{k}", tta=tta
            )
        if option == "dense":  # more, overlapping clips per walk: a denser template
            self.embedder.clip_stride = max(1, self.embedder.clip_length // 6)
        self.center = option == "center"
        self.threshold = None if self.center else self.embedder.threshold

    def embed(self, tracks: list[PoseTrack]) -> np.ndarray:
        out = [self.embedder.embed_batch(tracks[i : i + 32]) for i in range(0, len(tracks), 32)]
        return np.concatenate(out, 0)


def design_parts(spec: str) -> tuple[str | None, float]:
    """(network spec or None, hand-crafted weight) of a design name."""
    if spec == "hc":
        return None, 1.0
    if "+hc@" in spec:
        base, weight = spec.split("+hc@")
        return base, float(weight)
    return spec, 0.0


# ---------------------------------------------------------------- caching


class Cache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def get(self, key: str, make) -> np.ndarray:
        path = self.folder / (hashlib.sha256(key.encode()).hexdigest()[:24] + ".npy")
        if path.exists():
            return np.load(path)
        value = np.asarray(make())
        np.save(path, value)
        return value


# ---------------------------------------------------------------- metrics


def scores_report(
    gallery: np.ndarray,
    gallery_labels,
    probe: np.ndarray,
    probe_labels,
    conditions,
    threshold: float | None,
) -> dict:
    out = {}
    conditions = np.asarray(conditions)
    for cond in CONDITION_ORDER:
        sel = np.ones(len(probe), bool) if cond == "all" else conditions == cond
        if not sel.any():
            continue
        rep = evaluate_embeddings(
            gallery,
            gallery_labels,
            probe[sel],
            np.asarray(probe_labels)[sel],
            threshold=threshold,
        )
        osr = rep["open_set"]
        out[cond] = {
            "probes": int(sel.sum()),
            "rank1": rep["overall"]["rank1"],
            "rank5": rep["overall"]["rank5"],
            "tar_at_far_1pct": osr.get("tar_at_far_1pct"),
            "eer": osr.get("eer"),
            "far_at_threshold": osr.get("far_at_threshold"),
            "tar_at_threshold": osr.get("tar_at_threshold"),
        }
    return out


def parse_distances(text: str) -> list[float | tuple[float, float]]:
    out: list[float | tuple[float, float]] = []
    for part in text.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            out.append((float(lo), float(hi)))
        else:
            out.append(float(part))
    return out


def distance_name(d: float | tuple[float, float]) -> str:
    return f"{d[0]:g}-{d[1]:g}m" if isinstance(d, tuple) else f"{d:g}m"


# ---------------------------------------------------------------- real walks


def run_walks(args, designs: list[str], cache: Cache) -> dict:
    walks = load_real_walks(args.data)
    fit_people, eval_people = split_subjects(w.subject for w in walks)
    evaluation = [w for w in walks if w.subject in set(eval_people)]
    fitting = [w for w in walks if w.subject in set(fit_people)]
    gal, prb = gallery_and_probes(evaluation)
    data_key = hashlib.sha256(Path(args.data, "walks.npz").read_bytes()).hexdigest()[:12]
    print(
        f"real walks: {len(walks)} walks of {len(fit_people) + len(eval_people)} people; "
        f"evaluation half {len(eval_people)} people, gallery {len(gal)}, probes {len(prb)}; "
        f"fitting half {len(fit_people)} people, {len(fitting)} walks"
    )
    networks: dict[str, NetworkDesign] = {}
    settings = [(v, d, s) for v in args.views for d in args.distances for s in args.seeds]

    def tracks_of(group, view, dist, seed):
        return [project_walk(w, VIEWS[view], distance=dist, seed=seed) for w in group]

    # hand-crafted z-scoring: fitted once on the fitting half over the requested views
    hc_needed = any(design_parts(d)[1] > 0 for d in designs)
    standardizer = None
    if hc_needed:
        fit_feats = []
        for view, dist, seed in settings:
            key = f"hcfit|{data_key}|{view}|{dist}|{seed}"
            fit_feats.append(
                cache.get(
                    key,
                    lambda v=view, d=dist, s=seed: np.stack(
                        [handcrafted.features(t) for t in tracks_of(fitting, v, d, s)]
                    ),
                )
            )
        standardizer = handcrafted.Standardizer.fit(np.concatenate(fit_feats))

    store: dict = {}

    def eval_tracks(view, dist, seed) -> list[PoseTrack]:
        """The evaluation half's tracks of one setting (only the latest setting is kept)."""
        if (view, dist, seed) not in store:
            store.clear()
            store[(view, dist, seed)] = tracks_of(evaluation, view, dist, seed)
        return store[(view, dist, seed)]

    results: dict = {}
    for view, dist, seed in settings:
        for spec in designs:
            base, weight = design_parts(spec)
            parts = []
            if base is not None:
                if base not in networks:
                    networks[base] = NetworkDesign(base)
                net = networks[base]
                key = f"net|{net.digest}|{data_key}|{view}|{dist}|{seed}"
                parts.append(
                    cache.get(
                        key, lambda n=net, v=view, d=dist, s=seed: n.embed(eval_tracks(v, d, s))
                    )
                )
            if weight > 0:
                key = f"hceval|{data_key}|{view}|{dist}|{seed}"
                z = standardizer(
                    cache.get(
                        key,
                        lambda v=view, d=dist, s=seed: np.stack(
                            [handcrafted.features(t) for t in eval_tracks(v, d, s)]
                        ),
                    )
                )
                emb = (
                    handcrafted.unit_rows(z)
                    if base is None
                    else handcrafted.fuse(parts[0], z, weight)
                )
            else:
                emb = parts[0]
                if networks[base].center:
                    emb = handcrafted.unit_rows(emb - emb[gal].mean(0))
            threshold = networks[base].threshold if base is not None and weight == 0 else None
            rep = scores_report(
                emb[gal],
                [evaluation[i].subject for i in gal],
                emb[prb],
                [evaluation[i].subject for i in prb],
                [evaluation[i].condition for i in prb],
                threshold,
            )
            row = (
                results.setdefault(spec, {})
                .setdefault(view, {})
                .setdefault(distance_name(dist), [])
            )
            row.append(rep)
    # average over seeds
    for spec in results:
        for view in results[spec]:
            for dist, reps in results[spec][view].items():
                results[spec][view][dist] = _mean_reports(reps)
    args.standardizer = standardizer
    return {
        "people": {"fitting": fit_people, "evaluation": eval_people},
        "gallery": len(gal),
        "probes": len(prb),
        "results": results,
    }


def _mean_reports(reps: list[dict]) -> dict:
    out: dict = {}
    for cond in reps[0]:
        out[cond] = {}
        for k, v in reps[0][cond].items():
            vals = [r[cond][k] for r in reps if r[cond].get(k) is not None]
            out[cond][k] = None if not vals else float(np.mean(vals)) if k != "probes" else v
    return out


# ---------------------------------------------------------------- site adaptation / calibration

SITE_MODES = ("model", "calibrate", "adapt")


def site_rows(walks, tracks, *, enrol: int, unknown: set[str]) -> tuple[list, list]:
    """(enrolment rows, probe rows) as ``evaluate_walks_as_site`` takes them: the enrolled
    people's first ``enrol`` normal walks, and every other walk (all of a stranger's)."""
    gal, _ = gallery_and_probes(walks, per_person=enrol)
    gal = {i for i in gal if walks[i].subject not in unknown}
    rows = [(w.trial, w.subject, w.condition, t) for w, t in zip(walks, tracks, strict=True)]
    return [rows[i] for i in sorted(gal)], [r for i, r in enumerate(rows) if i not in gal]


def run_site(args, designs: list[str]) -> dict:
    """Per design, mode and view: the site report's figures (module docstring)."""
    walks = load_real_walks(args.data)
    _, eval_people = split_subjects(w.subject for w in walks)
    evaluation = [w for w in walks if w.subject in set(eval_people)]
    unknown = strangers(eval_people, args.unknown_fraction, args.site_seed)
    print(f"site: strangers {sorted(unknown)}; enrolled with up to {args.enrol} normal walks")
    out: dict = {"strangers": sorted(unknown), "enrol": args.enrol, "results": {}}
    for view, dist, seed in [
        (v, d, s) for v in args.views for d in args.distances for s in args.seeds
    ]:
        tracks = [project_walk(w, VIEWS[view], distance=dist, seed=seed) for w in evaluation]
        enrolled, probes = site_rows(evaluation, tracks, enrol=args.enrol, unknown=unknown)
        for spec in designs:
            path = DEFAULT_MODEL_PATH if spec == "shipped" else Path(spec)
            for mode in args.site:
                started = time.time()
                rep = evaluate_walks_as_site(
                    enrolled,
                    probes,
                    path,
                    adapt=mode == "adapt",
                    calibrate=mode != "model",
                    gallery_mode="templates",
                    target_far=args.target_far,
                    adapt_epochs=args.adapt_epochs,
                    seed=args.site_seed,
                    threads=args.threads,
                )
                site, osr, cal = rep["site"], rep["open_set"], rep["site"]["calibration"] or {}
                adaptation = site["adaptation"] or {}
                row = {
                    "enrolments": len(enrolled),
                    "enrolled_people": site["enrolled_people"],
                    "threshold": site["threshold"],
                    "threshold_source": site["threshold_source"],
                    "genuine_pairs": cal.get("genuine_pairs"),
                    "impostor_pairs": cal.get("impostor_pairs"),
                    "tar": site["tar"],
                    "far": site["far"],
                    "rank1": {c: r["rank1"] for c, r in rep["conditions"].items()},
                    "probes": {c: r["probes"] for c, r in rep["conditions"].items()},
                    "tar_at_far_1pct": osr.get("tar_at_far_1pct"),
                    "unknown_probes": site["unknown_probes"],
                    "unknown_kept_unknown": site["unknown_kept_unknown"],
                    "adapted": adaptation.get("accepted"),
                    "adaptation": adaptation or None,
                    "seconds": round(time.time() - started, 1),
                }
                key = f"{view} {distance_name(dist)} seed {seed}"
                out["results"].setdefault(spec, {}).setdefault(mode, {})[key] = row
                print(f"site {spec} {mode} {view}: {json.dumps(row, default=str)[:300]}")
    return out


# ---------------------------------------------------------------- real clips


def clip_tracks(
    folder: Path, cache_folder: Path, max_side: int | None = None, min_fps: float | None = None
) -> list[tuple[str, PoseTrack]]:
    """Each clip's main walker through the engine's pipeline (cached as keypoints); max_side and
    min_fps as the portal's GAIT_POSE_MAX_SIDE and GAIT_POSE_MIN_FPS (None: full frames, every
    frame)."""
    from recognition.gait.extraction import load_tracks
    from recognition.gait.tracking import main_walker

    paths = sorted(p for pattern in CLIP_PATTERNS for p in folder.glob(pattern))
    out = []
    cache_folder.mkdir(parents=True, exist_ok=True)
    setting = "" if max_side is None and min_fps is None else f".{max_side}-{min_fps}"
    for path in paths:
        stored = cache_folder / f"{path.name}{setting}.npz"
        if stored.exists():
            d = np.load(stored)
            track = PoseTrack(d["keypoints"], d["frame_indices"], float(d["fps"]))
        else:
            track = main_walker(load_tracks(path, max_side=max_side, min_fps=min_fps))
            np.savez(
                stored, keypoints=track.keypoints, frame_indices=track.frame_indices, fps=track.fps
            )
        out.append((path.name, track))
    return out


def halves(track: PoseTrack) -> tuple[PoseTrack, PoseTrack]:
    mid = len(track) // 2
    return (
        PoseTrack(track.keypoints[:mid], track.frame_indices[:mid], track.fps),
        PoseTrack(track.keypoints[mid:], track.frame_indices[mid:], track.fps),
    )


def run_clips(args, designs: list[str]) -> dict:
    clips = clip_tracks(
        Path(args.clips), Path(args.cache) / "clips", args.pose_max_side, args.pose_min_fps
    )
    if len(clips) < 2:
        return {"skipped": f"fewer than 2 clips under {args.clips}"}
    parts = [h for _, t in clips for h in halves(t)]
    print(f"real clips: {len(clips)} ({', '.join(n for n, _ in clips)})")
    out: dict = {"clips": [n for n, _ in clips]}
    hc = np.stack([handcrafted.features(t) for t in parts])
    # z-scored with the real walks' fitting half when it was loaded, else the clips' own spread
    standardizer = getattr(args, "standardizer", None) or handcrafted.Standardizer.fit(hc)
    for spec in designs:
        base, weight = design_parts(spec)
        threshold = None
        if base is not None:
            net = NetworkDesign(base)
            emb = net.embed(parts)
            threshold = net.threshold if weight == 0 else None
            if weight > 0:
                emb = handcrafted.fuse(emb, standardizer(hc), weight)
        else:
            emb = handcrafted.unit_rows(standardizer(hc))
        first, second = emb[0::2], emb[1::2]
        s = first @ second.T
        n = len(clips)
        genuine, impostor = np.diag(s), s[~np.eye(n, dtype=bool)]
        row = {
            "rank1": float(np.mean(s.argmax(1) == np.arange(n))),
            "genuine_mean": float(genuine.mean()),
            "impostor_mean": float(impostor.mean()),
            "impostor_max": float(impostor.max()),
            "eer": equal_error_rate(genuine, impostor)[0],
            "tar_at_far_1pct": tar_at_far(genuine, impostor, 0.01)[0],
        }
        if threshold is not None:
            row["threshold"] = threshold
            row["tar_at_threshold"] = float(np.mean(genuine >= threshold))
            row["far_at_threshold"] = float(np.mean(impostor >= threshold))
        out[spec] = row
    return out


# ---------------------------------------------------------------- output


def fmt(x, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def print_tables(report: dict) -> None:
    walks = report.get("walks")
    if walks and "results" in walks:
        print(
            "\n| design | view | distance | condition | probes | rank-1 | rank-5 | TAR@FAR1% "
            "| EER | FAR at threshold |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for spec, views in walks["results"].items():
            for view, dists in views.items():
                for dist, conds in dists.items():
                    for cond, r in conds.items():
                        print(
                            f"| {spec} | {view} | {dist} | {cond} | {r['probes']} | "
                            f"{fmt(r['rank1'])} | {fmt(r['rank5'])} | "
                            f"{fmt(r['tar_at_far_1pct'])} | {fmt(r['eer'])} | "
                            f"{fmt(r['far_at_threshold'])} |"
                        )
        print("\nsummary (normal walks; TAR over all probes):")
        print(
            "| design | "
            + " | ".join(f"rank-1 {v}" for v in next(iter(walks["results"].values())))
            + " | TAR@FAR1% side / 45deg / frontal |"
        )
        for spec, views in walks["results"].items():
            r1, tar = [], []
            for _view, dists in views.items():
                conds = next(iter(dists.values()))
                r1.append(fmt(conds["normal"]["rank1"]))
                tar.append(fmt(conds["all"]["tar_at_far_1pct"]))
            print(f"| {spec} | " + " | ".join(r1) + " | " + " / ".join(tar) + " |")
    site = report.get("site")
    if site and "results" in site:
        print(
            f"\nsite mode (evaluation half; strangers {', '.join(site['strangers'])}; "
            f"up to {site['enrol']} normal walks enrolled per person):"
        )
        print(
            "| design | mode | view | enrolled people (walks) | genuine / impostor pairs | "
            "threshold | TAR | FAR | rank-1 normal / limp | strangers kept unknown | adapted |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for spec, modes in site["results"].items():
            for mode, views in modes.items():
                for view, r in views.items():
                    pairs = (
                        "-"
                        if r["genuine_pairs"] is None
                        else f"{r['genuine_pairs']} / {r['impostor_pairs']}"
                    )
                    print(
                        f"| {spec} | {mode} | {view} | {r['enrolled_people']} "
                        f"({r['enrolments']}) | {pairs} | {fmt(r['threshold'], 3)} "
                        f"({r['threshold_source']}) | {fmt(r['tar'])} | {fmt(r['far'], 3)} | "
                        f"{fmt(r['rank1'].get('normal'))} / {fmt(r['rank1'].get('limp'))} | "
                        f"{fmt(r['unknown_kept_unknown'])} of {r['unknown_probes']} | "
                        f"{'-' if r['adapted'] is None else r['adapted']} |"
                    )
    clips = report.get("clips")
    if clips and "clips" in clips:
        print(f"\nreal clips ({len(clips['clips'])}, first half vs second halves):")
        print(
            "| design | rank-1 | genuine mean | impostor mean / max | EER | TAR, FAR at threshold |"
        )
        print("|---|---|---|---|---|---|")
        for spec, r in clips.items():
            if spec == "clips":
                continue
            at = (
                f"{fmt(r['tar_at_threshold'])}, {fmt(r['far_at_threshold'])}"
                if "threshold" in r
                else "-"
            )
            print(
                f"| {spec} | {fmt(r['rank1'])} | {fmt(r['genuine_mean'])} | "
                f"{fmt(r['impostor_mean'])} / {fmt(r['impostor_max'])} | {fmt(r['eer'])} | {at} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "real-walks"))
    parser.add_argument("--clips", default=str(ROOT.parent / "shared" / "data" / "clips"))
    parser.add_argument("--no-clips", action="store_true", help="skip the real clips")
    parser.add_argument(
        "--pose-max-side", type=int, default=None, help="clips: shrink frames to this side"
    )
    parser.add_argument(
        "--pose-min-fps", type=float, default=None, help="clips: pose every n-th frame"
    )
    parser.add_argument("--views", default="side,45deg,frontal")
    parser.add_argument(
        "--distances", default="3-8", help="comma-separated: a range drawn per walk, or metres"
    )
    parser.add_argument("--seeds", default="0", help="projection seeds, averaged")
    parser.add_argument("--designs", default="shipped")
    parser.add_argument("--cache", default=str(ROOT / "var" / "bench-real-walks"))
    parser.add_argument("--json", default=None, help="also write the report here")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--site",
        default="",
        help="site mode instead of the identification tables: comma-separated modes of "
        f"{', '.join(SITE_MODES)} (module docstring)",
    )
    parser.add_argument("--enrol", type=int, default=2, help="site: normal walks enrolled")
    parser.add_argument(
        "--unknown-fraction", type=float, default=DEFAULT_UNKNOWN_FRACTION, help="site: strangers"
    )
    parser.add_argument("--target-far", type=float, default=0.01)
    parser.add_argument("--adapt-epochs", type=int, default=10)
    parser.add_argument("--site-seed", type=int, default=0, help="site: strangers, adaptation")
    args = parser.parse_args()
    args.site = [m for m in args.site.split(",") if m]
    if set(args.site) - set(SITE_MODES):
        parser.error(f"--site: choose from {', '.join(SITE_MODES)}")
    args.views = args.views.split(",")
    unknown = [v for v in args.views if v not in VIEWS]
    if unknown:
        parser.error(f"--views: unknown {unknown}; choose from {sorted(VIEWS)}")
    args.distances = parse_distances(args.distances)
    args.seeds = [int(s) for s in args.seeds.split(",")]
    designs = args.designs.split(",")
    torch.set_num_threads(args.threads)
    started = time.time()
    # cached arrays depend on the projection and the features' code: one folder per version
    cache = Cache(Path(args.cache) / f"p{PROJECTION_VERSION}-f{handcrafted.FEATURES_VERSION}")
    report: dict = {"designs": designs, "views": args.views}
    if Path(args.data, "walks.npz").exists() and args.site:
        if any(
            design_parts(d)[1] > 0
            or d.startswith("member")
            or d.endswith(("/notta", "/dense", "/center"))
            for d in designs
        ):
            parser.error("--site takes network designs 'shipped' or a checkpoint path only")
        report["site"] = run_site(args, designs)
    elif Path(args.data, "walks.npz").exists():
        report["walks"] = run_walks(args, designs, cache)
    else:
        print(f"SKIPPED real walks: {args.data}/walks.npz not found (licensed data, not in repo)")
        report["walks"] = {"skipped": f"{args.data} not found"}
    if args.no_clips:
        pass
    elif Path(args.clips).is_dir():
        report["clips"] = run_clips(args, designs)
    else:
        print(f"SKIPPED real clips: {args.clips} not found")
    report["seconds"] = round(time.time() - started, 1)
    print_tables(report)
    print(f"\n{report['seconds']} s")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

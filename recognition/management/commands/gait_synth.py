"""Write a folder of synthetic walks (keypoint files, optionally stick-figure videos)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

FORMAT_SUFFIX = {
    "npz": ".npz",
    "npy": ".npy",
    "csv": ".csv",
    "alphapose": ".json",
    "openpose_body25": ".json",
    "openpose_coco18": ".json",
    "mmpose": ".json",
    "coco": ".json",
}


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


class Command(BaseCommand):
    help = (
        "Generate synthetic walkers into OUT_DIR, one file per walk named "
        "SUBJECT-CONDITION-WALK-VIEW (CASIA-B style). People come from the evaluation range "
        "(never used for training) unless --first-subject is given."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("out_dir")
        parser.add_argument("--people", type=int, default=10)
        parser.add_argument("--walks-per-condition", type=int, default=2)
        parser.add_argument("--conditions", default="nm,bg,cl")
        parser.add_argument("--views", default="90", help="comma-separated degrees, e.g. 0,45,90")
        parser.add_argument("--format", default="npz", choices=sorted(FORMAT_SUFFIX))
        parser.add_argument("--video", action="store_true", help="also render an .mp4 per walk")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--first-subject", type=int, default=None)

    def handle(self, *args, **opts):
        from recognition.gait.synthetic import (
            EVAL_SUBJECT_BASE,
            generate_walks,
            render_video,
            save_npz,
            walk_specs,
        )
        from recognition.gait.synthetic.walker import CONDITIONS

        out = Path(opts["out_dir"])
        conditions = _csv(opts["conditions"])
        unknown = [c for c in conditions if c not in CONDITIONS]
        if unknown:
            raise CommandError(f"unknown conditions {unknown}; choose from {list(CONDITIONS)}")
        try:
            views = [float(v) for v in _csv(opts["views"])]
        except ValueError as exc:
            raise CommandError(f"--views must be numbers: {exc}") from exc
        if opts["people"] < 1 or opts["walks_per_condition"] < 1 or not views:
            raise CommandError("need at least one person, one walk per condition and one view")
        first = EVAL_SUBJECT_BASE if opts["first_subject"] is None else opts["first_subject"]
        fmt = opts["format"]
        writer = None
        if fmt != "npz":
            try:
                from recognition.gait.keypoints import write_keypoint_file as writer
            except ImportError as exc:
                raise CommandError(
                    f"format {fmt!r} needs recognition.gait.keypoints: {exc}"
                ) from exc
        specs = walk_specs(
            range(first, first + opts["people"]),
            conditions=conditions,
            views=views,
            walks_per_condition=opts["walks_per_condition"],
        )
        out.mkdir(parents=True, exist_ok=True)
        written = 0
        for spec, track in generate_walks(specs, seed=opts["seed"]):
            target = out / (spec.name + FORMAT_SUFFIX[fmt])
            if writer is None:
                save_npz(target, track)
            else:
                writer(target, [track], fmt)
            if opts["video"]:
                render_video(track, out / (spec.name + ".mp4"))
            written += 1
        self.stdout.write(
            f"wrote {written} walks of {opts['people']} people ({fmt}"
            f"{' + mp4' if opts['video'] else ''}) to {out}"
        )

"""Evaluate a gait model on a folder of walks named by subject and condition."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from recognition.gait.evaluation import GALLERY_MODES

OPEN_SET_KEYS = (
    "tar_at_far_1pct",
    "tar_at_far_0_1pct",
    "eer",
    "dir_at_far_1pct",
    "threshold",
    "far_at_threshold",
)


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _fmt(value) -> str:
    return "   n/a" if value is None else f"{value:6.3f}"


class Command(BaseCommand):
    help = (
        "Evaluate a gait model on DIR: files whose names match --pattern (named groups "
        "'subject' and 'condition'); --gallery conditions are enrolled, --probe conditions "
        "are matched. Prints rank-1/rank-5 per probe condition and open-set figures; with "
        "--json the last line is one JSON object."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--pattern", required=True)
        parser.add_argument("--gallery", required=True, help="COND[,COND...]")
        parser.add_argument("--probe", required=True, help="COND[,COND...]")
        parser.add_argument("--model", default=None, help="checkpoint (default: shipped model)")
        parser.add_argument("--no-tta", action="store_true", help="disable mirror TTA")
        parser.add_argument(
            "--gallery-mode",
            choices=GALLERY_MODES,
            default="walks",
            help="walks: best score over a subject's gallery walks (CASIA-B's nearest "
            "neighbour, the default); templates: score against the mean of their walks "
            "(recommended when a person is enrolled with several walks)",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        from recognition.gait.checkpoint import CheckpointError
        from recognition.gait.embedding import GaitEmbedder
        from recognition.gait.evaluation import evaluate_folder

        try:
            embedder = GaitEmbedder.from_checkpoint(opts["model"], tta=not opts["no_tta"])
        except (CheckpointError, FileNotFoundError) as exc:
            raise CommandError(f"cannot load model: {exc}") from exc
        try:
            report = evaluate_folder(
                opts["directory"],
                opts["pattern"],
                _csv(opts["gallery"]),
                _csv(opts["probe"]),
                embedder,
                gallery_mode=opts["gallery_mode"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        files = report["files"]
        out = self.stdout
        out.write(f"model {report['model']}, gallery scored by {report['gallery_mode']}")
        out.write(
            f"gallery files {files['gallery']}, probe files {files['probe']}, "
            f"skipped {len(files['skipped'])}"
        )
        for skipped in files["skipped"]:
            out.write(f"  skipped {skipped['file']}: {skipped['error']}")
        out.write(f"{'condition':<12}{'probes':>8}{'rank-1':>9}{'rank-5':>9}")
        for cond, row in report["conditions"].items():
            out.write(f"{cond:<12}{row['probes']:>8}{row['rank1']:>9.3f}{row['rank5']:>9.3f}")
        open_set = {k: report["open_set"].get(k) for k in OPEN_SET_KEYS}
        out.write("open set:")
        out.write(f"  TAR at FAR 1%      {_fmt(open_set['tar_at_far_1pct'])}")
        out.write(f"  TAR at FAR 0.1%    {_fmt(open_set['tar_at_far_0_1pct'])}")
        out.write(f"  EER                {_fmt(open_set['eer'])}")
        out.write(f"  DIR at FAR 1%      {_fmt(open_set['dir_at_far_1pct'])}")
        out.write(f"  threshold          {_fmt(open_set['threshold'])}")
        out.write(f"  FAR at threshold   {_fmt(open_set['far_at_threshold'])}")
        if opts["json"]:
            summary = {
                "conditions": {
                    c: {"rank1": r["rank1"], "rank5": r["rank5"], "probes": r["probes"]}
                    for c, r in report["conditions"].items()
                },
                "open_set": open_set,
                "model": report["model"],
            }
            out.write(json.dumps(summary))
        if not report["conditions"]:
            raise CommandError("no probes were evaluated")

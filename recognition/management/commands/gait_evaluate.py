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
        parser.add_argument(
            "--adapt-on-gallery",
            action="store_true",
            help="as a site would: fine-tune the model on the enrolled people's gallery walks "
            "(adaptation.adapt, kept only if held-back gallery walks are not worse)",
        )
        parser.add_argument(
            "--calibrate-on-gallery",
            action="store_true",
            help="as a site would: choose the accept threshold for --target-far from the "
            "enrolled people's gallery walks (calibration.calibrate) and report probes at it",
        )
        parser.add_argument(
            "--unknown-fraction",
            type=float,
            default=None,
            help="with --adapt/--calibrate-on-gallery: share of the gallery's people never "
            "enrolled, whose probes must stay unknown (default 0.2)",
        )
        parser.add_argument("--target-far", type=float, default=0.01)
        parser.add_argument("--adapt-epochs", type=int, default=10)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--threads", type=int, default=1)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        from recognition.gait.checkpoint import CheckpointError
        from recognition.gait.embedding import GaitEmbedder
        from recognition.gait.evaluation import evaluate_folder

        as_site = opts["adapt_on_gallery"] or opts["calibrate_on_gallery"]
        if opts["unknown_fraction"] is not None and not as_site:
            raise CommandError(
                "--unknown-fraction needs --adapt-on-gallery or --calibrate-on-gallery"
            )
        if not 0 < opts["target_far"] < 1:
            raise CommandError("--target-far must be between 0 and 1")
        try:
            if as_site:
                report = self._as_site(opts)
            else:
                embedder = GaitEmbedder.from_checkpoint(opts["model"], tta=not opts["no_tta"])
                report = evaluate_folder(
                    opts["directory"],
                    opts["pattern"],
                    _csv(opts["gallery"]),
                    _csv(opts["probe"]),
                    embedder,
                    gallery_mode=opts["gallery_mode"],
                )
        except (CheckpointError, FileNotFoundError) as exc:
            raise CommandError(f"cannot load model: {exc}") from exc
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
        site = report.get("site")
        if site is not None:
            open_set["tar_at_threshold"] = report["open_set"].get("tar_at_threshold")
            open_set["unknown_kept_unknown"] = report["open_set"].get("unknown_kept_unknown")
            self._write_site(site, open_set)
        if opts["json"]:
            summary = {
                "conditions": {
                    c: {"rank1": r["rank1"], "rank5": r["rank5"], "probes": r["probes"]}
                    for c, r in report["conditions"].items()
                },
                "open_set": open_set,
                "model": report["model"],
            }
            if site is not None:
                summary["site"] = site
            out.write(json.dumps(summary))
        if not report["conditions"]:
            raise CommandError("no probes were evaluated")

    def _as_site(self, opts) -> dict:
        from recognition.gait.site_evaluation import (
            DEFAULT_UNKNOWN_FRACTION,
            evaluate_folder_as_site,
        )

        fraction = opts["unknown_fraction"]
        return evaluate_folder_as_site(
            opts["directory"],
            opts["pattern"],
            _csv(opts["gallery"]),
            _csv(opts["probe"]),
            opts["model"],
            adapt=opts["adapt_on_gallery"],
            calibrate=opts["calibrate_on_gallery"],
            tta=not opts["no_tta"],
            gallery_mode=opts["gallery_mode"],
            unknown_fraction=DEFAULT_UNKNOWN_FRACTION if fraction is None else fraction,
            target_far=opts["target_far"],
            adapt_epochs=opts["adapt_epochs"],
            seed=opts["seed"],
            threads=opts["threads"],
        )

    def _write_site(self, site: dict, open_set: dict) -> None:
        out = self.stdout
        out.write(
            f"as a site: {site['enrolled_people']} people enrolled from the gallery, "
            f"{len(site['unknown_people'])} never enrolled ({site['unknown_probes']} probes)"
        )
        adaptation = site.get("adaptation")
        if adaptation is not None:
            verdict = "kept" if adaptation["accepted"] else "rejected"
            out.write(f"  adaptation {verdict}: {adaptation['reason']}")
            for when in ("before", "after"):
                held = adaptation[when]
                if held:
                    out.write(
                        f"    held-back {when:<6} rank-1 {held['rank1']:.3f}, "
                        f"TAR at FAR 1% {held['tar_at_far_1pct']:.3f}"
                    )
        calibration = site.get("calibration")
        if calibration is not None:
            out.write(
                f"  calibration ({calibration['source']}): threshold "
                f"{calibration['threshold']:.4f} for FAR {calibration['target_far']} on "
                f"{calibration['genuine_pairs']} genuine / {calibration['impostor_pairs']} "
                "impostor pairs" + (f"; {calibration['reason']}" if calibration["reason"] else "")
            )
        out.write(f"  TAR at threshold   {_fmt(open_set['tar_at_threshold'])}")
        out.write(f"  unknown kept unknown {_fmt(open_set['unknown_kept_unknown'])}")

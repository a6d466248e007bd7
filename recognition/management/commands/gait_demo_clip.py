"""python manage.py gait_demo_clip: a new walk of an enrolled demo person, to upload.

    python manage.py gait_demo_clip --institution <slug> [--person <external id>] [--out clip.mp4]

Writes a keypoint file (.npz/.json/.csv) or a video of a clothed cartoon figure (.mp4/.avi) of a
walk the demo never enrolled, by the demo person given (default: the first enrolled one). Upload
it at /api/v1/recognition/samples/ (purpose identify, camera "Main entrance") or in the admin, and
see it recognised and counted. --stranger walks someone who is not enrolled (stays unknown).

A video goes through pose estimation (MediaPipe), whose tracks of a cartoon differ from keypoint
files', so it is recognised against video enrolments: seed_demo enrols the first demo person of
each institution from two rendered videos too (the default --person). Other people's videos need
two clips of them uploaded with purpose enrol first. Caveat, measured: MediaPipe's tracks of the
cartoon carry little identity, so videos of other walkers (--stranger included) are often taken
for the video-enrolled person too (4 of 6 stranger clips were accepted as them); keypoint files
are the faithful demo of recognition, videos the demo of the pipeline.
"""

from __future__ import annotations

import random
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Institution
from accounts.tenancy import tenant_scope
from recognition.demo import (
    DEMO_SUBJECT_BASE,
    STRANGER_SUBJECT,
    demo_people,
    demo_video_walk,
    demo_walk,
)
from recognition.demo_render import render_walk_video
from recognition.gait.keypoints import write_keypoint_file

KEYPOINT_FORMATS = {".npz": "npz", ".json": "coco", ".csv": "csv"}


class Command(BaseCommand):
    help = "Write a new walking clip of an enrolled demo person (video or keypoint file)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--institution", required=True, help="Institution slug.")
        parser.add_argument("--person", default="", help="External id (default: first enrolled).")
        parser.add_argument("--stranger", action="store_true", help="Someone not enrolled.")
        parser.add_argument("--out", default="demo-walk.mp4", help=".mp4, .avi, .npz, .json, .csv")
        parser.add_argument("--seed", type=int, default=None, help="Walk seed (default: random).")

    def handle(self, *args, **options) -> None:
        institution = Institution.objects.filter(slug=options["institution"]).first()
        if institution is None:
            raise CommandError(f"No institution {options['institution']!r}; run seed_demo first.")
        with tenant_scope(institution):
            people = demo_people(institution)
        if options["stranger"]:
            subject, who = STRANGER_SUBJECT, "a stranger (not enrolled)"
        else:
            wanted = options["person"]
            index = next(
                (i for i, p in enumerate(people) if not wanted or p.external_id == wanted), None
            )
            if index is None:
                names = ", ".join(p.external_id for p in people)
                raise CommandError(f"Not an enrolled demo person: {wanted!r} (try {names}).")
            subject, who = DEMO_SUBJECT_BASE + index, str(people[index])
        seed = options["seed"] if options["seed"] is not None else random.randint(100, 10_000)
        out = Path(options["out"])
        suffix = out.suffix.lower()
        if suffix in (".mp4", ".avi"):
            render_walk_video(demo_video_walk(subject, seed), out)
        elif suffix in KEYPOINT_FORMATS:
            write_keypoint_file(out, [demo_walk(subject, seed)], KEYPOINT_FORMATS[suffix])
        else:
            raise CommandError("--out must end in .mp4, .avi, .npz, .json or .csv")
        self.stdout.write(self.style.SUCCESS(f"Wrote {out}: {who} walking (seed {seed})."))

"""Upload (many files, per-file progress, then processing progress), samples, the skeleton data."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import selectors as account_selectors
from accounts.page_access import page_actor, require, visible_or_denied
from accounts.roles import Capability
from attendance import selectors as attendance_selectors
from gaitportal.input_policy import parse_id
from recognition import selectors, services
from recognition.forms import UploadForm
from recognition.gait.errors import GaitInputError
from recognition.gait.keypoints import read_keypoint_file
from recognition.gait.skeleton import EDGES
from recognition.models import GaitSample, Recognition

# htmx stops polling when a response has this status (the sample is done or failed).
STOP_POLLING = 286
MAX_VIEWER_FRAMES = 600
STAGE_LABELS = {
    "": "Waiting for a worker",
    "pose": "Finding people",
    "embed": "Recognising gait",
    "match": "Matching",
    "done": "Done",
}


def _errors_text(error: ValidationError | dict) -> str:
    if isinstance(error, ValidationError):
        if hasattr(error, "message_dict"):
            error = error.message_dict
        else:
            return "; ".join(error.messages)
    return "; ".join(f"{field}: {' '.join(str(m) for m in msgs)}" for field, msgs in error.items())


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """The upload page (GET) and one file of an upload (POST; JSON for the page's script)."""
    actor = page_actor(request, Capability.TAKE_ATTENDANCE)
    wants_json = request.headers.get("X-Requested-With") == "XMLHttpRequest"
    if request.method == "POST":
        return _upload_one(request, actor, wants_json)
    person_id = parse_id(request.GET.get("person", ""))
    person = None
    if person_id is not None and actor.can(Capability.MANAGE_PEOPLE):
        person = account_selectors.person_list(actor=actor).filter(pk=person_id).first()
    tz = actor.institution.tzinfo
    return render(
        request,
        "recognition/upload.html",
        {
            "cameras": attendance_selectors.camera_list(actor=actor).filter(is_active=True),
            "person": person,
            "purpose": "enrol" if person is not None else "identify",
            "can_enrol": actor.can(Capability.MANAGE_PEOPLE),
            "now": timezone.now().astimezone(tz),
            "recent": selectors.sample_list(actor=actor).order_by("-created_at")[:10],
        },
    )


def _upload_one(request: HttpRequest, actor, wants_json: bool) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)

    def refuse(text: str, status: int = 400) -> HttpResponse:
        if wants_json:
            return JsonResponse({"errors": text}, status=status)
        messages.error(request, text)
        return redirect("recognition-upload")

    if not form.is_valid():
        return refuse(_errors_text(form.errors))
    data = form.cleaned_data
    if data["purpose"] == GaitSample.Purpose.ENROL:
        try:
            require(actor, Capability.MANAGE_PEOPLE)
        except PermissionDenied as denied:
            return refuse(f"purpose: {denied}", status=403)
    person = camera = None
    if data["person"]:
        person = account_selectors.person_list(actor=actor).filter(pk=data["person"]).first()
        if person is None:
            return refuse("person: not one of your people.")
    if data["camera"]:
        camera = attendance_selectors.camera_list(actor=actor).filter(pk=data["camera"]).first()
        if camera is None:
            return refuse("camera: no such camera.")
    captured_at = data["captured_at"]
    if captured_at is not None and timezone.is_naive(captured_at):
        captured_at = timezone.make_aware(captured_at, actor.institution.tzinfo)
    upload_file = data["file"]
    try:
        made = services.sample_create(
            institution=actor.institution,
            actor=actor,
            content=upload_file,
            filename=upload_file.name,
            purpose=data["purpose"],
            person=person,
            camera=camera,
            captured_at=captured_at,
        )
    except ValidationError as error:
        return refuse(_errors_text(error))
    sample = made.sample
    if wants_json:
        return JsonResponse(
            {
                "id": sample.pk,
                "created": made.created,
                "status_url": reverse("recognition-sample-status", args=[sample.pk]),
                "sample_url": reverse("recognition-sample", args=[sample.pk]),
            },
            status=201 if made.created else 200,
        )
    return redirect("recognition-sample", pk=sample.pk)


def _sample_for(request: HttpRequest, pk: int):
    actor = page_actor(request)
    sample = visible_or_denied(
        visible=selectors.sample_list(actor=actor),
        institution_rows=GaitSample.objects.filter(institution=actor.institution),
        pk=pk,
        noun="sample",
    )
    return actor, sample


def _results(actor, sample: GaitSample) -> list[dict]:
    """The sample's walkers with their candidates' names (two queries)."""
    recognitions = list(
        Recognition.objects.filter(sample=sample)
        .select_related("person", "presence_event", "presence_event__camera")
        .order_by("track_id", "pk")
    )
    ids = {c.get("person") for r in recognitions for c in (r.candidates or [])[:3]}
    names = {
        p.pk: p for p in account_selectors.person_list(actor=actor).filter(pk__in=ids - {None})
    }
    return [
        {
            "recognition": r,
            "candidates": [
                {"person": names.get(c.get("person")), "score": c.get("score")}
                for c in (r.candidates or [])[:3]
            ],
        }
        for r in recognitions
    ]


@login_required
def sample_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A sample's stage and progress, then its result: the upload page polls it (htmx)."""
    actor, sample = _sample_for(request, pk)
    finished = sample.status in (GaitSample.Status.DONE, GaitSample.Status.FAILED)
    with timezone.override(actor.institution.tzinfo):
        response = render(
            request,
            "recognition/_sample_status.html",
            {
                "sample": sample,
                "stage": STAGE_LABELS.get(sample.stage, sample.stage),
                "percent": round(100 * (sample.progress or 0)),
                "results": _results(actor, sample) if finished else [],
                "templates": sample.templates.count() if finished else 0,
            },
        )
    if finished:
        response.status_code = STOP_POLLING
    return response


@login_required
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor, sample = _sample_for(request, pk)
    with timezone.override(actor.institution.tzinfo):
        return render(
            request,
            "recognition/sample.html",
            {
                "sample": sample,
                "stage": STAGE_LABELS.get(sample.stage, sample.stage),
                "percent": round(100 * (sample.progress or 0)),
                "results": _results(actor, sample),
                "has_pose": bool(sample.keypoints)
                or (sample.kind == GaitSample.Kind.KEYPOINTS and bool(sample.file)),
                "can_review": actor.can(Capability.MANAGE_ATTENDANCE),
            },
        )


@login_required
def sample_list(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    samples = selectors.sample_list(actor=actor).order_by("-created_at")[:100]
    with timezone.override(actor.institution.tzinfo):
        return render(request, "recognition/samples.html", {"samples": samples})


@login_required
def sample_pose(request: HttpRequest, pk: int) -> HttpResponse:
    """The pose sequence the worker kept, as JSON for the skeleton viewer (access-logged:
    keypoints are biometric data)."""
    actor, sample = _sample_for(request, pk)
    stored = sample.keypoints or (sample.file if sample.kind == GaitSample.Kind.KEYPOINTS else None)
    if not stored:
        return JsonResponse({"errors": "This sample has no pose sequence (yet)."}, status=404)
    tracks = read_keypoint_file(stored.path)
    services.access_log_record(
        actor=actor,
        institution=actor.institution,
        what=f"pose sequence of sample {sample.pk}",
        person=sample.person,
    )
    payload = []
    width = height = None
    fps = 25.0
    for track in tracks:
        step = max(1, len(track.keypoints) // MAX_VIEWER_FRAMES)
        frames = track.keypoints[::step].round(1).tolist()
        payload.append({"id": int(track.track_id), "frames": frames})
        fps = float(track.fps) / step if track.fps else fps
        if track.image_size:
            width, height = track.image_size
    return JsonResponse(
        {
            "fps": fps,
            "edges": [list(e) for e in EDGES],
            "width": width,
            "height": height,
            "tracks": payload,
        }
    )


@login_required
@require_POST
def sample_retry(request: HttpRequest, pk: int) -> HttpResponse:
    actor, sample = _sample_for(request, pk)
    require(actor, Capability.TAKE_ATTENDANCE)
    try:
        services.sample_retry(sample=sample)
    except ValidationError as error:
        messages.error(request, _errors_text(error))
    else:
        messages.success(request, "Queued again.")
    return redirect("recognition-sample", pk=sample.pk)


def recent_recognitions(actor, *, days: int = 7, limit: int = 8) -> list[Recognition]:
    """The dashboard's latest recognitions (one query)."""
    since = timezone.now() - timedelta(days=days)
    return list(
        selectors.recognition_list(actor=actor)
        .filter(occurred_at__gte=since)
        .order_by("-occurred_at", "-pk")[:limit]
    )


MAX_FRAME_SEEK = 900  # frames decoded at most to reach the thumbnail's frame
THUMBNAIL_SIDE = 480


@login_required
def sample_frame(request: HttpRequest, pk: int) -> HttpResponse:
    """A frame from the middle of the first walker's track with the keypoints drawn (PNG).

    Only while the raw video is kept (retention); decodes at most MAX_FRAME_SEEK frames, runs
    no model: the keypoints are the ones the worker stored. Access-logged like the pose data.
    """
    import cv2

    from recognition.gait.video import VideoReader, scaled_size

    actor, sample = _sample_for(request, pk)
    if sample.kind != GaitSample.Kind.VIDEO or not sample.file or not sample.keypoints:
        return HttpResponse(
            "No frame: the raw video is not kept or not processed yet.",
            status=404,
            content_type="text/plain",
        )
    tracks = read_keypoint_file(sample.keypoints.path)
    if not tracks:
        return HttpResponse("No walker in this clip.", status=404, content_type="text/plain")
    indices = tracks[0].frame_indices
    target = int(indices[len(indices) // 2])
    if target > MAX_FRAME_SEEK:
        target = int(indices[0])
    frame = None
    if target <= MAX_FRAME_SEEK:
        try:
            with VideoReader(sample.file.path) as reader:
                width, height = reader.info.width, reader.info.height
                size = scaled_size(width, height, THUMBNAIL_SIDE)
                for index, image in enumerate(reader.frames(max_side=THUMBNAIL_SIDE)):
                    if index >= target:
                        frame = image
                        break
        except GaitInputError:
            frame = None
    if frame is None:
        return HttpResponse(
            "The frame could not be decoded.", status=404, content_type="text/plain"
        )
    scale = size[0] / width if width else 1.0
    for number, track in enumerate(tracks):
        rows = [i for i, f in enumerate(track.frame_indices) if int(f) == target]
        if not rows:
            continue
        joints = track.keypoints[rows[0]]
        colour = [(184, 79, 31), (30, 38, 179), (60, 110, 27)][number % 3]
        for a, b in EDGES:
            if joints[a][2] > 0.05 and joints[b][2] > 0.05:
                pa = (int(joints[a][0] * scale), int(joints[a][1] * scale))
                pb = (int(joints[b][0] * scale), int(joints[b][1] * scale))
                cv2.line(frame, pa, pb, colour, 2, cv2.LINE_AA)
        for x, y, c in joints:
            if c > 0.05:
                cv2.circle(frame, (int(x * scale), int(y * scale)), 3, colour, -1, cv2.LINE_AA)
    services.access_log_record(
        actor=actor,
        institution=actor.institution,
        what=f"frame of sample {sample.pk}",
        person=sample.person,
    )
    _, png = cv2.imencode(".png", frame)
    response = HttpResponse(png.tobytes(), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response

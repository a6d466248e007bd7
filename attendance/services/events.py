"""Presence events in: single, bulk (API, import) and camera sightings (recognition).

Rows (API, import) go through `events_ingest`, camera sightings through `sighting_record`
(typed, no parsing); both build their drafts with `_draft_build` and store them with
`events_store`. In `events_ingest` each row is checked on its own (a bad row gets its
own error and does not sink the others), then the good rows are written in one transaction
together with the records they change (nothing half-written). Replays of an idempotency key and
repeats within a camera's debounce window are reported as duplicates and not stored twice; a key
sent again with a different person, time, camera or direction is a conflict (an error on that row,
409 for a single event), never silently answered with the first event.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts import selectors as account_selectors
from accounts.actors import Actor
from accounts.models import Institution, Person
from attendance.models import (
    DEFAULT_DEBOUNCE_SECONDS,
    OPPOSITE_WALKING_DIRECTION,
    Camera,
    Direction,
    PresenceEvent,
    Session,
    WalkingDirection,
)
from attendance.services.records import actor_label, records_refresh, sessions_lock
from attendance.services.rules import rules_for_sessions
from attendance.services.sql_bulk import bulk_insert_rows
from gaitportal.input_policy import MAX_ID, NUL, InputError, check_datetime

MAX_BULK_ROWS = 5000
FUTURE_TOLERANCE = timedelta(minutes=5)
# The widest entry/exit window a rule allows: sessions further than this from an event cannot
# count it.
MAX_WINDOW = timedelta(days=1)
ROW_FIELDS = frozenset(
    {
        "person",
        "person_external_id",
        "camera",
        "direction",
        "walking_direction",
        "occurred_at",
        "confidence",
        "idempotency_key",
        "source",
        "source_ref",
        "note",
    }
)


@dataclass
class EventDraft:
    """A checked row, ready to store."""

    person_id: int
    occurred_at: datetime
    source: str
    camera_id: int | None = None
    direction: str = ""
    walking_direction: str = ""
    confidence: float | None = None
    idempotency_key: str = ""
    source_ref: str = ""
    note: str = ""
    produced_by_type_id: int | None = None
    produced_by_id: int | None = None


@dataclass
class ItemResult:
    """What happened to one row: created, duplicate (with the event it duplicates) or error."""

    index: int
    status: str = "error"  # "created" | "duplicate" | "error"
    event_id: int | None = None
    duplicate_of: str = ""  # "idempotency_key" | "debounce"
    errors: list[dict[str, str]] = field(default_factory=list)
    event: PresenceEvent | None = None
    conflict: bool = False  # an idempotency key already used for a different event

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"index": self.index, "status": self.status}
        if self.event_id is not None:
            data["id"] = self.event_id
        if self.duplicate_of:
            data["duplicate_of"] = self.duplicate_of
        if self.errors:
            data["errors"] = self.errors
        return data


@dataclass
class IngestReport:
    items: list[ItemResult]
    records_changed: int = 0

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def ok(self) -> bool:
        return not any(item.status == "error" for item in self.items)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "received": len(self.items),
            "created": self.count("created"),
            "duplicates": self.count("duplicate"),
            "errors": self.count("error"),
            "records_changed": self.records_changed,
            "items": [item.as_dict() for item in self.items],
        }


def direction_from_camera(camera: Camera | None, walking_direction: str = "") -> str:
    """IN/OUT as far as the camera can tell: its role, else the walking direction, else ''."""
    if camera is None:
        return Direction.UNKNOWN
    if camera.role == Camera.Role.ENTRY:
        return Direction.IN
    if camera.role == Camera.Role.EXIT:
        return Direction.OUT
    if walking_direction and camera.entering_direction:
        if walking_direction == camera.entering_direction:
            return Direction.IN
        if walking_direction == OPPOSITE_WALKING_DIRECTION.get(camera.entering_direction):
            return Direction.OUT
    return Direction.UNKNOWN


class _RowChecker:
    """Checks raw rows against one institution's people and cameras (loaded once)."""

    def __init__(
        self,
        *,
        institution: Institution,
        rows: Sequence[Any],
        actor: Actor | None,
        default_source: str,
        now: datetime,
    ) -> None:
        self.institution = institution
        self.default_source = default_source
        self.now = now
        ids, external_ids, camera_ids = set(), set(), set()
        for row in rows:
            if isinstance(row, Mapping):
                if _is_int(row.get("person")):
                    ids.add(int(row["person"]))
                if isinstance(row.get("person_external_id"), str):
                    external_ids.add(row["person_external_id"].strip())
                if _is_int(row.get("camera")):
                    camera_ids.add(int(row["camera"]))
        people = (
            account_selectors.person_list(actor=actor)
            if actor is not None
            else Person.objects.filter(institution=institution)
        )
        people = people.filter(models.Q(pk__in=ids) | models.Q(external_id__in=external_ids))
        found = list(people.values_list("pk", "external_id"))
        self.person_ids = {pk for pk, _ in found}
        self.by_external_id = {external_id: pk for pk, external_id in found}
        # Only the cameras the rows name (one query per batch, not the institution's list).
        self.cameras = {
            camera.pk: camera
            for camera in Camera.objects.filter(institution=institution, pk__in=camera_ids)
        }

    def check(self, index: int, row: Any) -> tuple[EventDraft | None, list[dict[str, str]]]:
        errors: list[dict[str, str]] = []

        def error(field_name: str, message: str) -> None:
            errors.append({"field": field_name, "message": message})

        if not isinstance(row, Mapping):
            error("", "Each row must be an object with person, occurred_at and so on.")
            return None, errors
        unknown = sorted(set(row) - ROW_FIELDS)
        if unknown:
            error("", f"Unknown field(s): {', '.join(map(str, unknown))}.")

        person_id = None
        if row.get("person") not in (None, ""):
            if not _is_int(row["person"]):
                error("person", "A person id is a number.")
            elif int(row["person"]) not in self.person_ids:
                error("person", f"No person with id {row['person']} in this institution.")
            else:
                person_id = int(row["person"])
        elif row.get("person_external_id") not in (None, ""):
            external_id = str(row["person_external_id"]).strip()
            person_id = self.by_external_id.get(external_id)
            if NUL in external_id:
                error("person_external_id", "NUL characters (\\x00) are not allowed.")
            elif person_id is None:
                error("person_external_id", f"No person {external_id!r} in this institution.")
        else:
            error("person", "Give person (id) or person_external_id.")

        camera = None
        if row.get("camera") not in (None, ""):
            if not _is_int(row["camera"]):
                error("camera", "A camera id is a number.")
            else:
                camera = self.cameras.get(int(row["camera"]))
                if camera is None:
                    error("camera", f"No camera with id {row['camera']} in this institution.")

        occurred_at = _parse_time(row.get("occurred_at"), self.institution, error)
        direction = _choice(row, "direction", Direction.values, error)
        walking = _choice(row, "walking_direction", WalkingDirection.values, error)
        source = _choice(row, "source", PresenceEvent.Source.values, error) or self.default_source

        confidence = row.get("confidence")
        is_number = isinstance(confidence, int | float) and not isinstance(confidence, bool)
        if confidence is not None and not is_number:
            error("confidence", "A confidence is a number from 0 to 1.")
            confidence = None

        texts = {}
        for name in TEXT_LIMITS:
            value = row.get(name)
            if value is None:
                value = ""
            if not isinstance(value, str):
                error(name, "Expected text.")
                value = ""
            elif NUL in value:
                error(name, "NUL characters (\\x00) are not allowed.")
                value = ""
            texts[name] = value

        draft = _draft_build(
            person_id=person_id,
            camera=camera,
            occurred_at=occurred_at,
            source=source,
            direction=direction,
            walking_direction=walking,
            confidence=confidence,
            now=self.now,
            error=error,
            **texts,
        )
        if errors:
            return None, errors
        return draft, []


TEXT_LIMITS = {"idempotency_key": 128, "source_ref": 200, "note": 500}


def _draft_build(
    *,
    person_id: int | None,
    camera: Camera | None,
    occurred_at: datetime | None,
    source: str,
    now: datetime,
    error: Callable[[str, str], None],
    direction: str = "",
    walking_direction: str = "",
    confidence: float | None = None,
    idempotency_key: str = "",
    source_ref: str = "",
    note: str = "",
) -> EventDraft | None:
    """The rules every event obeys, however it came in (a parsed row or a typed sighting).

    Values are already typed; what breaks a rule is reported through `error`. Returns the
    draft, or None when anything was wrong (the caller has the errors).
    """
    failed = False

    def fail(field_name: str, message: str) -> None:
        nonlocal failed
        failed = True
        error(field_name, message)

    if camera is not None and not camera.is_active:
        fail("camera", f"Camera {camera.name!r} is switched off.")
    if occurred_at is not None:
        try:
            check_datetime(occurred_at)  # typed callers (sightings, the admin) too
        except InputError as problem:
            fail("occurred_at", str(problem))
            occurred_at = None
    if occurred_at is not None and occurred_at > now + FUTURE_TOLERANCE:
        fail(
            "occurred_at",
            f"{occurred_at.isoformat()} is in the future (more than "
            f"{int(FUTURE_TOLERANCE.total_seconds() // 60)} minutes ahead of the server).",
        )
    if confidence is not None and not 0 <= confidence <= 1:
        fail("confidence", "A confidence is a number from 0 to 1.")
    texts = {"idempotency_key": idempotency_key, "source_ref": source_ref, "note": note}
    for name, limit in TEXT_LIMITS.items():
        if len(texts[name]) > limit:
            fail(name, f"At most {limit} characters.")
    if failed or person_id is None or occurred_at is None:
        return None
    return EventDraft(
        person_id=person_id,
        occurred_at=occurred_at,
        source=source,
        camera_id=camera.pk if camera is not None else None,
        direction=direction or direction_from_camera(camera, walking_direction),
        walking_direction=walking_direction,
        confidence=float(confidence) if confidence is not None else None,
        **{name: value.strip() for name, value in texts.items()},
    )


def _is_int(value: Any) -> bool:
    """An id: a whole number (or its ASCII digits) that fits a database id."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value)
    return isinstance(value, int) and 1 <= value <= MAX_ID


def _choice(row: Mapping, name: str, allowed: Iterable[str], error) -> str:
    value = row.get(name)
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or value.lower() not in allowed:
        choices = ", ".join(choice for choice in allowed if choice)
        error(name, f"{value!r} is not one of: {choices}.")
        return ""
    return value.lower()


def _parse_time(value: Any, institution: Institution, error) -> datetime | None:
    if value in (None, ""):
        error("occurred_at", "When did it happen? occurred_at is required.")
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            moment = None
        if moment is None:
            error("occurred_at", f"{value!r} is not an ISO 8601 date-time.")
            return None
    else:
        error("occurred_at", "Expected an ISO 8601 date-time string.")
        return None
    try:
        check_datetime(moment)
    except InputError as problem:
        error("occurred_at", str(problem))
        return None
    if timezone.is_naive(moment):
        # Without an offset, a time is the institution's local time.
        moment = timezone.make_aware(moment, institution.tzinfo)
    return moment


def events_ingest(
    *,
    institution: Institution,
    rows: Sequence[Any],
    actor: Actor | None = None,
    source: str = PresenceEvent.Source.API,
    now: datetime | None = None,
) -> IngestReport:
    """Check and store presence events; recompute the records they change.

    Returns one ItemResult per row, in order. Bad rows are reported and skipped; the good ones
    and the record changes they cause are written together or not at all.
    """
    now = now or timezone.now()
    if len(rows) > MAX_BULK_ROWS:
        raise ValidationError(f"At most {MAX_BULK_ROWS} events per request (got {len(rows)}).")
    checker = _RowChecker(
        institution=institution, rows=rows, actor=actor, default_source=source, now=now
    )
    items: list[ItemResult] = []
    drafts: list[tuple[ItemResult, EventDraft]] = []
    for index, row in enumerate(rows):
        draft, errors = checker.check(index, row)
        item = ItemResult(index=index, errors=errors)
        items.append(item)
        if draft is not None:
            drafts.append((item, draft))
    report = IngestReport(items=items)
    if drafts:
        report.records_changed = events_store(
            institution=institution,
            drafts=drafts,
            cameras=checker.cameras,
            actor=actor,
            now=now,
        )
    return report


def events_store(
    *,
    institution: Institution,
    drafts: list[tuple[ItemResult, EventDraft]],
    cameras: Mapping[int, Camera],
    actor: Actor | None,
    now: datetime,
    strict_keys: bool = True,
) -> int:
    """Store checked drafts (skipping duplicates) and refresh records; returns records changed.

    A concurrent request storing the same idempotency key makes the insert fail: the whole
    write is then retried once, and the other request's event is found as a duplicate.
    strict_keys: a client's key sent again for a different event is a conflict (an error on the
    row). Camera sightings pass False: their key is the row that produced them, and a producer
    sent again is the same sighting whatever time it now carries.
    """
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _store_once(institution, drafts, cameras, actor, now, strict_keys)
        except IntegrityError:
            if attempt:
                raise
            for item, _ in drafts:
                item.status, item.event_id, item.duplicate_of, item.event = "error", None, "", None
                item.errors, item.conflict = [], False
    return 0  # pragma: no cover


def _debounce_key(draft: EventDraft) -> tuple:
    if draft.camera_id is not None:
        return (draft.person_id, draft.camera_id)
    return (draft.person_id, None, draft.direction)


def _debounce(draft: EventDraft, cameras: Mapping[int, Camera]) -> timedelta:
    if draft.camera_id is not None:
        return timedelta(seconds=cameras[draft.camera_id].debounce_seconds)
    return timedelta(seconds=DEFAULT_DEBOUNCE_SECONDS)


def _signature(draft: EventDraft) -> tuple:
    """What makes two events with one idempotency key the same event."""
    return (draft.person_id, draft.occurred_at, draft.camera_id, draft.direction)


def _conflict(item: ItemResult, key: str) -> None:
    item.status, item.conflict = "error", True
    item.errors = [
        {
            "field": "idempotency_key",
            "message": f"Idempotency key {key!r} was already used for a different event (person, "
            "time, camera or direction differ). Send a new key for a new event.",
        }
    ]


def _store_once(
    institution: Institution,
    drafts: list[tuple[ItemResult, EventDraft]],
    cameras: Mapping[int, Camera],
    actor: Actor | None,
    now: datetime,
    strict_keys: bool = True,
) -> int:
    keys = [draft.idempotency_key for _, draft in drafts if draft.idempotency_key]
    known_keys = {
        key: (pk, (person_id, occurred_at, camera_id, direction))
        for key, pk, person_id, occurred_at, camera_id, direction in PresenceEvent.objects.filter(
            idempotency_key__in=keys
        ).values_list("idempotency_key", "pk", "person_id", "occurred_at", "camera_id", "direction")
    }
    widest = max(_debounce(draft, cameras) for _, draft in drafts)
    person_ids = {draft.person_id for _, draft in drafts}
    earliest = min(draft.occurred_at for _, draft in drafts) - widest
    latest = max(draft.occurred_at for _, draft in drafts) + widest
    # Stored events near the new ones, by debounce key: [(time, id or pending item)].
    nearby: dict[tuple, list[tuple[datetime, int, Any]]] = defaultdict(list)
    for pk, person_id, camera_id, direction, occurred_at in PresenceEvent.objects.filter(
        person_id__in=person_ids, occurred_at__gte=earliest, occurred_at__lte=latest
    ).values_list("pk", "person_id", "camera_id", "direction", "occurred_at"):
        key = (person_id, camera_id) if camera_id is not None else (person_id, None, direction)
        insort(nearby[key], (occurred_at, pk, pk))

    accepted: list[tuple[ItemResult, EventDraft]] = []
    pending_keys: dict[str, tuple[ItemResult, EventDraft]] = {}
    duplicates: list[tuple[ItemResult, Any]] = []
    ordered = sorted(drafts, key=lambda pair: (pair[1].occurred_at, pair[0].index))
    for item, draft in ordered:
        if draft.idempotency_key in known_keys:
            event_id, signature = known_keys[draft.idempotency_key]
            if strict_keys and signature != _signature(draft):
                _conflict(item, draft.idempotency_key)
                continue
            item.status, item.duplicate_of = "duplicate", "idempotency_key"
            item.event_id = event_id
            continue
        if draft.idempotency_key in pending_keys:
            first_item, first_draft = pending_keys[draft.idempotency_key]
            if strict_keys and _signature(first_draft) != _signature(draft):
                _conflict(item, draft.idempotency_key)
                continue
            item.status, item.duplicate_of = "duplicate", "idempotency_key"
            duplicates.append((item, first_item))
            continue
        window = _debounce(draft, cameras)
        if window:
            times = nearby[_debounce_key(draft)]
            position = bisect_left(times, (draft.occurred_at - window,))
            if position < len(times) and times[position][0] <= draft.occurred_at + window:
                item.status, item.duplicate_of = "duplicate", "debounce"
                duplicates.append((item, times[position][2]))
                continue
        item.status = "created"
        accepted.append((item, draft))
        if draft.idempotency_key:
            pending_keys[draft.idempotency_key] = (item, draft)
        insort(nearby[_debounce_key(draft)], (draft.occurred_at, -item.index - 1, item))

    label = actor_label(actor)
    events = [
        PresenceEvent(
            institution=institution,
            person_id=draft.person_id,
            camera_id=draft.camera_id,
            direction=draft.direction,
            walking_direction=draft.walking_direction,
            occurred_at=draft.occurred_at,
            source=draft.source,
            confidence=draft.confidence,
            idempotency_key=draft.idempotency_key,
            source_ref=draft.source_ref,
            note=draft.note,
            recorded_by=label,
            produced_by_type_id=draft.produced_by_type_id,
            produced_by_id=draft.produced_by_id,
        )
        for _, draft in accepted
    ]
    bulk_insert_rows(PresenceEvent, events)
    for (item, _), event in zip(accepted, events, strict=True):
        item.event_id, item.event = event.pk, event
    for item, target in duplicates:
        item.event_id = target.event_id if isinstance(target, ItemResult) else target
    if not accepted:
        return 0
    return records_refresh_for_events(
        institution=institution,
        moments=[(draft.person_id, draft.occurred_at) for _, draft in accepted],
        actor=actor,
        now=now,
    )


def records_refresh_for_events(
    *,
    institution: Institution,
    moments: Sequence[tuple[int, datetime]],
    actor: Actor | None,
    now: datetime,
    why: str = "",
) -> int:
    """Recompute the records of every session whose window holds one of these (person, time).

    Finalised sessions are refreshed too, but events that arrived after finalisation do not
    count there (they only raise the late-data flag) until a registrar recomputes the session.
    """
    if not moments:
        return 0
    person_ids = {person_id for person_id, _ in moments}
    earliest = min(moment for _, moment in moments)
    latest = max(moment for _, moment in moments)
    unit_people: dict[int, set[int]] = defaultdict(set)
    for person_id, unit_id in Person.units.through.objects.filter(
        person_id__in=person_ids, person__is_active=True
    ).values_list("person_id", "unit_id"):
        unit_people[unit_id].add(person_id)
    if not unit_people:
        return 0
    candidates = list(
        Session.objects.filter(
            unit_id__in=list(unit_people),
            starts_at__lte=latest + MAX_WINDOW,
            ends_at__gte=earliest - MAX_WINDOW,
        ).select_related("institution")
    )
    if not candidates:
        return 0
    rules = rules_for_sessions(candidates)
    by_person: dict[int, list[datetime]] = defaultdict(list)
    for person_id, moment in moments:
        by_person[person_id].append(moment)
    wanted: dict[int, set[int]] = defaultdict(set)
    for session in candidates:
        params = rules[session.pk][1]
        opens = session.starts_at - timedelta(minutes=params.entry_window_minutes)
        closes = session.ends_at + timedelta(minutes=params.exit_window_minutes)
        for person_id in unit_people[session.unit_id]:
            if any(opens <= moment <= closes for moment in by_person[person_id]):
                wanted[session.pk].add(person_id)
    if not wanted:
        return 0
    locked = sessions_lock(wanted)
    result = records_refresh(
        pairs={session: wanted[session.pk] for session in locked},
        now=now,
        actor=actor,
        why=why,
        rules=rules,
    )
    return result.created + result.updated


def sighting_record(
    *,
    camera: Camera,
    person: Person,
    occurred_at: datetime,
    walking_direction: str = "",
    confidence: float | None = None,
    produced_by: models.Model | None = None,
    idempotency_key: str = "",
    now: datetime | None = None,
) -> ItemResult:
    """A camera saw a person: store a presence event and recompute the affected records.

    The recognition pipeline calls this. The direction comes from the camera's role (entry: IN,
    exit: OUT); for a two-way camera from the walking direction ('left_to_right',
    'right_to_left', 'toward', 'away') against the camera's entering direction; otherwise it is
    left undetermined and the session's rule decides (alternation). `produced_by` links the
    event to the row that produced it (a Recognition). Returns the ItemResult: status "created"
    (with .event) or "duplicate" (with .event_id of the event it repeats: same idempotency key,
    or the same person on the same camera within its debounce window). Raises ValidationError
    for a person or camera of another institution, a camera switched off, a future time, a bad
    direction or confidence. Call it inside `tenant_scope(camera.institution)` (a task enters it
    from the row it works on).

    The typed path: the camera and person given are used as they are (no re-parsing, no query of
    the institution's cameras); the rules are the ones every ingested row obeys (_draft_build).
    """
    now = now or timezone.now()
    errors: dict[str, list[str]] = defaultdict(list)

    def error(field_name: str, message: str) -> None:
        errors[field_name or "sighting"].append(message)

    if person.institution_id != camera.institution_id:
        error("person", "The person and the camera belong to different places.")
    if walking_direction and walking_direction not in WalkingDirection.values:
        error("walking_direction", f"Choose one of {', '.join(WalkingDirection.values)}.")
        walking_direction = ""
    if not isinstance(occurred_at, datetime):
        error("occurred_at", "Expected a date-time.")
        occurred_at = None
    elif timezone.is_naive(occurred_at):
        # Like a row without an offset: the institution's local time.
        occurred_at = timezone.make_aware(occurred_at, camera.institution.tzinfo)
    source_ref = ""
    if produced_by is not None and produced_by.pk is not None:
        source_ref = f"{produced_by._meta.label}:{produced_by.pk}"
        if not idempotency_key:
            idempotency_key = f"{produced_by._meta.label_lower}:{produced_by.pk}"
    draft = _draft_build(
        person_id=person.pk,
        camera=camera,
        occurred_at=occurred_at,
        source=PresenceEvent.Source.RECOGNITION,
        walking_direction=walking_direction,
        confidence=confidence,
        idempotency_key=idempotency_key,
        source_ref=source_ref,
        now=now,
        error=error,
    )
    if errors or draft is None:
        raise ValidationError(dict(errors) or {"sighting": ["Not a valid sighting."]})
    if produced_by is not None and produced_by.pk is not None:
        draft.produced_by_type_id = ContentType.objects.get_for_model(produced_by).pk
        draft.produced_by_id = produced_by.pk
    item = ItemResult(index=0)
    events_store(
        institution=camera.institution,
        drafts=[(item, draft)],
        cameras={camera.pk: camera},
        actor=None,
        now=now,
        strict_keys=False,
    )
    return item


@transaction.atomic
def event_delete(*, event: PresenceEvent, actor: Actor | None, reason: str) -> int:
    """Remove a wrong event (events are never edited) and recompute; returns records changed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the event is removed (it is audited)."})
    person_id, moment = event.person_id, event.occurred_at
    event.delete()
    return records_refresh_for_events(
        institution=event.institution,
        moments=[(person_id, moment)],
        actor=actor,
        now=timezone.now(),
        why=f"event of {moment.isoformat()} removed by {actor_label(actor)} ({reason})",
    )

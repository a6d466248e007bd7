"""Computing and correcting attendance records, with their audit trail.

`records_refresh` is the one place records are (re)computed: it loads everything a set of
sessions and people need in a constant number of queries (independent of head count), runs the
rule engine for each pair, and writes only what changed, auditing every status change.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.actors import Actor
from attendance import engine
from attendance.models import (
    OVERRIDE_STATUSES,
    AttendanceRecord,
    AttendanceRule,
    Camera,
    Excuse,
    PresenceEvent,
    RecordChange,
    Session,
    Status,
)
from attendance.services.rules import rule_snapshot, rules_for_sessions
from attendance.services.sql_bulk import bulk_insert_rows, bulk_update_rows

# Sightings this long before a session's entry window are loaded only to explain, in the reason,
# that they were too early to count.
EARLY_SIGHTING_LOOKBACK = timedelta(hours=2)
SYSTEM = "system"

RECORD_FIELDS = (
    "status",
    "reason",
    "computed_status",
    "computed_reason",
    "first_in",
    "last_out",
    "minutes_present",
    "flags",
    "arrived_late",
    "left_early",
    "rule",
    "rule_snapshot",
    "excuse",
    "is_final",
)


def actor_label(actor: Actor | None) -> str:
    return actor.label if actor is not None else SYSTEM


def _actor_user(actor: Actor | None):
    return actor.user if actor is not None else None


@dataclass
class RefreshResult:
    created: int = 0
    updated: int = 0
    status_changes: int = 0


@dataclass(frozen=True)
class _EventRow:
    id: int
    person_id: int
    camera_id: int | None
    direction: str
    walking_direction: str
    occurred_at: datetime
    received_at: datetime


def _snapshot(record: AttendanceRecord) -> dict:
    return {
        "status": record.status,
        "computed_status": record.computed_status,
        "first_in": record.first_in.isoformat() if record.first_in else None,
        "last_out": record.last_out.isoformat() if record.last_out else None,
        "minutes_present": record.minutes_present,
        "flags": list(record.flags),
        "override_status": record.override_status,
    }


def _audit(
    record: AttendanceRecord,
    *,
    before: dict | None,
    kind: str,
    actor: Actor | None,
    why: str,
    now: datetime,
) -> RecordChange:
    return RecordChange(
        institution_id=record.institution_id,
        record=record,
        changed_at=now,
        changed_by=actor_label(actor),
        user=_actor_user(actor),
        kind=kind,
        status_before=(before or {}).get("status", ""),
        status_after=record.status,
        before=before or {},
        after=_snapshot(record),
        why=why,
    )


class _Loaded:
    """What computing a set of (session, person) pairs needs, loaded in a fixed set of queries."""

    def __init__(
        self,
        sessions: list[Session],
        person_ids: set[int],
        *,
        include_late_data: bool,
        rules: dict | None = None,
    ) -> None:
        self.rules = rules if rules is not None else rules_for_sessions(sessions)
        session_ids = [session.pk for session in sessions]
        self.session_cameras: dict[int, set[int]] = defaultdict(set)
        for session_id, camera_id in Session.cameras.through.objects.filter(
            session_id__in=session_ids
        ).values_list("session_id", "camera_id"):
            self.session_cameras[session_id].add(camera_id)
        institution_ids = {session.institution_id for session in sessions}
        self.include_late_data = include_late_data

        opens = min(
            session.starts_at - timedelta(minutes=self.rules[session.pk][1].entry_window_minutes)
            for session in sessions
        )
        closes = max(
            session.ends_at + timedelta(minutes=self.rules[session.pk][1].exit_window_minutes)
            for session in sessions
        )
        self.events: dict[int, list[_EventRow]] = defaultdict(list)
        rows = PresenceEvent.unscoped.filter(
            institution_id__in=institution_ids,
            person_id__in=person_ids,
            occurred_at__gte=opens - EARLY_SIGHTING_LOOKBACK,
            occurred_at__lte=closes,
        ).values_list(
            "id",
            "person_id",
            "camera_id",
            "direction",
            "walking_direction",
            "occurred_at",
            "received_at",
        )
        for row in rows.order_by("occurred_at", "id"):
            event = _EventRow(*row)
            self.events[event.person_id].append(event)
        self.event_times = {
            person_id: [event.occurred_at for event in events]
            for person_id, events in self.events.items()
        }
        # Only the cameras these events came from (not every camera of the institution).
        camera_ids = {
            event.camera_id
            for events in self.events.values()
            for event in events
            if event.camera_id is not None
        }
        self.cameras = {
            camera.pk: camera
            for camera in Camera.unscoped.filter(pk__in=camera_ids).only(
                "id", "role", "entering_direction"
            )
        }

        first_start = min(session.starts_at for session in sessions)
        last_end = max(session.ends_at for session in sessions)
        self.excuses: dict[int, list[Excuse]] = defaultdict(list)
        for excuse in Excuse.unscoped.filter(
            institution_id__in=institution_ids,
            person_id__in=person_ids,
            starts_at__lt=last_end,
            ends_at__gt=first_start,
        ).order_by("starts_at", "id"):
            self.excuses[excuse.person_id].append(excuse)

        # Lates counted for the repeated-lateness flag: person -> {session id: session start}.
        longest_period = max(params.lateness_flag_period_days for _, params in self.rules.values())
        self.lates: dict[int, dict[int, datetime]] = defaultdict(dict)
        late_rows = AttendanceRecord.unscoped.filter(
            institution_id__in=institution_ids,
            person_id__in=person_ids,
            session__starts_at__gte=first_start - timedelta(days=longest_period),
            session__starts_at__lte=last_end,
        ).filter(_counted_late())
        for person_id, session_id, starts_at in late_rows.values_list(
            "person_id", "session_id", "session__starts_at"
        ):
            self.lates[person_id][session_id] = starts_at

    def sightings(self, session: Session, person_id: int) -> tuple[list[engine.Sighting], int]:
        """The person's sightings that may count for the session, and how many came too late."""
        _, params = self.rules[session.pk]
        start = session.starts_at - timedelta(minutes=params.entry_window_minutes)
        start -= EARLY_SIGHTING_LOOKBACK
        end = session.ends_at + timedelta(minutes=params.exit_window_minutes)
        events = self.events.get(person_id, [])
        times = self.event_times.get(person_id, [])
        allowed_cameras = self.session_cameras.get(session.pk)
        cutoff = session.finalised_at if not self.include_late_data else None
        sightings: list[engine.Sighting] = []
        late_data = 0
        for event in events[bisect_left(times, start) :]:
            if event.occurred_at > end:
                break
            camera_elsewhere = allowed_cameras and event.camera_id not in allowed_cameras
            if event.camera_id is not None and camera_elsewhere:
                continue
            if cutoff is not None and event.received_at > cutoff:
                late_data += 1
                continue
            camera = self.cameras.get(event.camera_id) if event.camera_id else None
            sightings.append(
                engine.Sighting(
                    occurred_at=event.occurred_at,
                    direction=event.direction,
                    camera_role=camera.role if camera else "",
                    walking_direction=event.walking_direction,
                    entering_direction=camera.entering_direction if camera else "",
                    event_id=event.id,
                )
            )
        return sightings, late_data

    def excuse(self, session: Session, person_id: int) -> Excuse | None:
        for excuse in self.excuses.get(person_id, []):
            if excuse.starts_at < session.ends_at and excuse.ends_at > session.starts_at:
                return excuse
        return None

    def earlier_lates(self, session: Session, person_id: int, period_days: int) -> int:
        since = session.starts_at - timedelta(days=period_days)
        return sum(
            1
            for session_id, starts_at in self.lates.get(person_id, {}).items()
            if session_id != session.pk and since <= starts_at < session.starts_at
        )

    def note_late(self, session: Session, person_id: int, counted: bool) -> None:
        if counted:
            self.lates[person_id][session.pk] = session.starts_at
        else:
            self.lates[person_id].pop(session.pk, None)


def _counted_late() -> Q:
    """Records that count as a late: arrived late unless an override says otherwise."""
    return Q(override_status=Status.LATE) | Q(arrived_late=True, override_status="")


def _is_counted_late(record: AttendanceRecord) -> bool:
    if record.override_status:
        return record.override_status == Status.LATE
    return record.arrived_late


def _apply(
    record: AttendanceRecord,
    outcome: engine.Outcome,
    rule: AttendanceRule | None,
    snapshot: dict,
    final: bool,
) -> set[str]:
    """Copy an outcome onto a record; returns the names of the fields that changed."""
    values = {
        "status": outcome.status,
        "reason": outcome.reason,
        "computed_status": outcome.computed_status,
        "computed_reason": outcome.computed_reason,
        "first_in": outcome.first_in,
        "last_out": outcome.last_out,
        "minutes_present": outcome.minutes_present,
        "flags": list(outcome.flags),
        "arrived_late": engine.Flag.LATE in outcome.flags,
        "left_early": engine.Flag.LEFT_EARLY in outcome.flags,
        "rule_id": rule.pk if rule is not None else None,
        "rule_snapshot": snapshot,
        "excuse_id": outcome.excuse_id,
        "is_final": final,
    }
    changed = set()
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed.add(name.removesuffix("_id") if name in ("rule_id", "excuse_id") else name)
    return changed


def _override_input(record: AttendanceRecord) -> engine.OverrideInput | None:
    if not record.override_status:
        return None
    return engine.OverrideInput(
        status=record.override_status, reason=record.override_reason, by=record.overridden_by
    )


def records_refresh(
    *,
    pairs: Mapping[Session, Iterable[int]],
    now: datetime | None = None,
    actor: Actor | None = None,
    kind: str = RecordChange.Kind.COMPUTED,
    why: str = "",
    finalising: bool = False,
    include_late_data: bool = False,
    audit: bool = True,
    rules: dict | None = None,
) -> RefreshResult:
    """(Re)compute the records of these people at these sessions and store what changed.

    pairs: session -> ids of people whose record to compute (expected people; records are
    created as needed). finalising: the sessions are being finalised now (never-seen people
    become absent). include_late_data: also count events that arrived after a session was
    finalised (a registrar's explicit recompute). audit=False: the caller writes the audit
    entry itself (a manual override is one change, not two). Call inside a transaction that
    holds the sessions' row locks (see `sessions_lock`). rules: the sessions' rules when the
    caller has already resolved them (rules_for_sessions).
    """
    now = now or timezone.now()
    result = RefreshResult()
    pairs = {session: set(ids) for session, ids in pairs.items() if ids}
    if not pairs:
        return result
    sessions = sorted(pairs, key=lambda s: (s.starts_at, s.pk))
    person_ids = set().union(*pairs.values())
    loaded = _Loaded(sessions, person_ids, include_late_data=include_late_data, rules=rules)
    existing = {
        (record.session_id, record.person_id): record
        for record in AttendanceRecord.unscoped.filter(
            session_id__in=[s.pk for s in sessions], person_id__in=person_ids
        )
    }
    to_create: list[AttendanceRecord] = []
    to_update: list[AttendanceRecord] = []
    changes: list[tuple[AttendanceRecord, dict | None, str]] = []
    changed_fields: set[str] = set()
    for session in sessions:
        rule, params = loaded.rules[session.pk]
        snapshot = rule_snapshot(rule, params)
        final = finalising or session.state == Session.State.FINALISED
        window = engine.SessionWindow(
            starts_at=session.starts_at, ends_at=session.ends_at, tz=session.institution.tzinfo
        )
        for person_id in sorted(pairs[session]):
            record = existing.get((session.pk, person_id))
            is_new = record is None
            if is_new:
                record = AttendanceRecord(
                    institution_id=session.institution_id,
                    session=session,
                    person_id=person_id,
                    status="",
                    computed_at=now,
                )
            sightings, late_data = loaded.sightings(session, person_id)
            excuse = loaded.excuse(session, person_id)
            outcome = engine.evaluate(
                rule=params,
                window=window,
                sightings=sightings,
                now=now,
                final=final,
                excuse=engine.ExcuseInput(excuse.reason, excuse.pk) if excuse else None,
                override=_override_input(record),
                earlier_lates=loaded.earlier_lates(
                    session, person_id, params.lateness_flag_period_days
                ),
                late_data=late_data,
            )
            before = None if is_new else _snapshot(record)
            changed = _apply(record, outcome, rule, snapshot, final)
            if not changed and not is_new:
                continue
            changed_fields |= changed
            record.computed_at = record.updated_at = now
            loaded.note_late(session, person_id, _is_counted_late(record))
            (to_create if is_new else to_update).append(record)
            if is_new or before["status"] != record.status:
                changes.append((record, before, outcome.computed_reason))

    if to_create:
        bulk_insert_rows(AttendanceRecord, to_create)
    if to_update:
        # Only the columns that changed somewhere in this batch (typically times, minutes, status
        # and reason; rarely the rule snapshot), in a fixed order.
        columns = [name for name in RECORD_FIELDS if name in changed_fields]
        bulk_update_rows(AttendanceRecord, to_update, [*columns, "computed_at", "updated_at"])
    if changes and audit:
        bulk_insert_rows(
            RecordChange,
            [
                _audit(
                    record,
                    before=before,
                    kind=_change_kind(kind, before, record, finalising),
                    actor=actor,
                    why=f"{why}: {reason}" if why else reason,
                    now=now,
                )
                for record, before, reason in changes
            ],
        )
    result.created, result.updated, result.status_changes = (
        len(to_create),
        len(to_update),
        len(changes),
    )
    return result


def _change_kind(kind: str, before: dict | None, record: AttendanceRecord, finalising: bool) -> str:
    was_pending = before is None or before.get("status") in ("", Status.PENDING)
    if finalising and was_pending and record.status == Status.ABSENT:
        return RecordChange.Kind.NO_SHOW
    return kind


def sessions_lock(session_ids: Iterable[int]) -> list[Session]:
    """Lock sessions (in id order, so two writers never deadlock) and return them fresh."""
    return list(
        Session.unscoped.select_for_update(of=("self",))
        .select_related("institution")
        .filter(pk__in=sorted(set(session_ids)))
        .order_by("pk")
    )


@transaction.atomic
def record_override(
    *, record: AttendanceRecord, status: str, reason: str, actor: Actor | None
) -> AttendanceRecord:
    """Set a manual status. It wins over computation until cleared; audited."""
    if status not in OVERRIDE_STATUSES:
        raise ValidationError({"status": f"Choose one of {', '.join(OVERRIDE_STATUSES)}."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the status is changed (it is audited)."})
    (session,) = sessions_lock([record.session_id])
    record = AttendanceRecord.unscoped.select_for_update().get(pk=record.pk)
    before = _snapshot(record)
    now = timezone.now()
    record.override_status = status
    record.override_reason = reason
    record.overridden_by = actor_label(actor)
    record.overridden_at = now
    record.save(
        update_fields=["override_status", "override_reason", "overridden_by", "overridden_at"]
    )
    records_refresh(pairs={session: [record.person_id]}, now=now, actor=actor, audit=False)
    record.refresh_from_db()
    _audit(
        record, before=before, kind=RecordChange.Kind.OVERRIDE, actor=actor, why=reason, now=now
    ).save()
    return record


@transaction.atomic
def record_override_clear(
    *, record: AttendanceRecord, reason: str, actor: Actor | None
) -> AttendanceRecord:
    """Remove a manual status: the computed status counts again; audited."""
    if not record.override_status:
        raise ValidationError("This record has no manual status to clear.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the manual status is cleared (it is audited)."})
    (session,) = sessions_lock([record.session_id])
    record = AttendanceRecord.unscoped.select_for_update().get(pk=record.pk)
    before = _snapshot(record)
    now = timezone.now()
    record.override_status = ""
    record.override_reason = ""
    record.overridden_by = ""
    record.overridden_at = None
    record.save(
        update_fields=["override_status", "override_reason", "overridden_by", "overridden_at"]
    )
    records_refresh(pairs={session: [record.person_id]}, now=now, actor=actor, audit=False)
    record.refresh_from_db()
    _audit(
        record,
        before=before,
        kind=RecordChange.Kind.OVERRIDE_CLEARED,
        actor=actor,
        why=reason,
        now=now,
    ).save()
    return record


@transaction.atomic
def record_mark(
    *, session: Session, person_id: int, status: str, reason: str, actor: Actor | None
) -> AttendanceRecord:
    """Set one person's status at a session by hand, from the roster.

    A person nobody has seen yet has no record: it is computed first (one audited change), then
    overridden (a second, with the reason), so the history shows both what the system said and
    the correction.
    """
    if status not in OVERRIDE_STATUSES:
        raise ValidationError({"status": f"Choose one of {', '.join(OVERRIDE_STATUSES)}."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the status is changed (it is audited)."})
    (locked,) = sessions_lock([session.pk])
    record = AttendanceRecord.unscoped.filter(session=locked, person_id=person_id).first()
    if record is None:
        expected = locked.unit.people.filter(pk=person_id, is_active=True).exists()
        if not expected:
            raise ValidationError({"person": "This person is not expected at this session."})
        records_refresh(pairs={locked: [person_id]}, actor=actor)
        record = AttendanceRecord.unscoped.get(session=locked, person_id=person_id)
    return record_override(record=record, status=status, reason=reason, actor=actor)

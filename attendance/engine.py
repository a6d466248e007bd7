"""The attendance rule engine: a plain function from a rule, a session and sightings to a status.

No Django, no database: `evaluate()` takes plain values and returns an `Outcome` (status, first IN,
last OUT, minutes present, flags and a plain-language reason). attendance.services feeds it from
the database and stores what it returns. Every threshold is explained in docs/ATTENDANCE_RULES.md;
the comments here say how the code follows that text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum


class Status(StrEnum):
    """Same values as attendance.models.Status (a test checks they agree)."""

    PENDING = "pending"
    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left_early"
    PARTIAL = "partial"
    ABSENT = "absent"
    EXCUSED = "excused"


STATUS_LABELS = {
    Status.PENDING: "pending",
    Status.PRESENT: "present",
    Status.LATE: "late",
    Status.LEFT_EARLY: "left early",
    Status.PARTIAL: "partial",
    Status.ABSENT: "absent",
    Status.EXCUSED: "excused",
}


class Flag(StrEnum):
    LATE = "late"  # arrived after the grace period (also when the status is left early / partial)
    LEFT_EARLY = "left_early"  # last OUT before the end minus the early-exit grace
    MISSING_IN = "missing_in"  # an OUT was seen with no IN before it
    MISSING_OUT = "missing_out"  # the session is over and no OUT followed the last IN
    UNMATCHED_OUT = "unmatched_out"  # an OUT after an OUT (ignored when summing pairs)
    REPEATED_IN = "repeated_in"  # an IN while already inside (ignored)
    SEEN_BEFORE_WINDOW = "seen_before_window"  # sightings before the entry window: not counted
    REPEATED_LATENESS = "repeated_lateness"  # N lates within the rule's period
    LATE_DATA = "late_data"  # sightings arrived after finalisation: not counted until recomputed
    EXCUSED = "excused"  # an excuse covers the session
    OVERRIDE = "override"  # a manual status is in force


IN = "in"
OUT = "out"
ENTRY, EXIT = "entry", "exit"
OPPOSITE = {
    "left_to_right": "right_to_left",
    "right_to_left": "left_to_right",
    "toward": "away",
    "away": "toward",
}


@dataclass(frozen=True)
class RuleParams:
    """The thresholds of an AttendanceRule (defaults are the built-in rule)."""

    entry_window_minutes: int = 15
    exit_window_minutes: int = 30
    late_grace_minutes: int = 5
    early_exit_grace_minutes: int = 5
    minimum_presence_minutes: int = 30
    full_attendance_minutes: int | None = None
    presence_counting: str = "pairs"  # "pairs" | "span"
    direction_mode: str = "camera_role"  # "camera_role" | "walking_direction" | "alternating"
    finalise_after_minutes: int = 60
    lateness_flag_count: int = 3
    lateness_flag_period_days: int = 30

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SessionWindow:
    starts_at: datetime
    ends_at: datetime
    tz: tzinfo  # the institution's time zone, for the reason text

    def opens_at(self, rule: RuleParams) -> datetime:
        """When sightings start to count (the entry window)."""
        return self.starts_at - timedelta(minutes=rule.entry_window_minutes)

    def closes_at(self, rule: RuleParams) -> datetime:
        """When sightings stop counting (the exit window)."""
        return self.ends_at + timedelta(minutes=rule.exit_window_minutes)

    def finalises_at(self, rule: RuleParams) -> datetime:
        return self.ends_at + timedelta(minutes=rule.finalise_after_minutes)

    @property
    def seconds(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds()


@dataclass(frozen=True)
class Sighting:
    """A presence event as the engine sees it."""

    occurred_at: datetime
    direction: str = ""  # what was recorded: "in", "out" or "" (undetermined)
    camera_role: str = ""  # "entry" | "exit" | "both" | "" (no camera: manual, API)
    walking_direction: str = ""
    entering_direction: str = ""  # the camera's walking direction that means entering
    event_id: int = 0  # ties at the same instant keep arrival order


@dataclass(frozen=True)
class ExcuseInput:
    reason: str
    excuse_id: int | None = None


@dataclass(frozen=True)
class OverrideInput:
    status: str
    reason: str
    by: str


@dataclass(frozen=True)
class Outcome:
    status: str  # what counts: the override if any, else computed_status
    reason: str
    computed_status: str  # from sightings and excuse
    computed_reason: str
    first_in: datetime | None
    last_out: datetime | None
    minutes_present: int
    flags: tuple[str, ...] = field(default_factory=tuple)
    excuse_id: int | None = None


def resolve_direction(sighting: Sighting, mode: str, previous: str | None) -> str:
    """IN or OUT for one sighting under the rule's direction mode (docs/ATTENDANCE_RULES.md)."""
    alternate = OUT if previous == IN else IN
    if mode == "alternating":
        return alternate
    if mode == "walking_direction" and sighting.walking_direction and sighting.entering_direction:
        if sighting.walking_direction == sighting.entering_direction:
            return IN
        if sighting.walking_direction == OPPOSITE.get(sighting.entering_direction):
            return OUT
    if sighting.camera_role == ENTRY:
        return IN
    if sighting.camera_role == EXIT:
        return OUT
    if sighting.direction in (IN, OUT):
        return sighting.direction
    return alternate


def _clip(start: datetime, end: datetime, window: SessionWindow) -> float:
    """Seconds of [start, end] that fall inside the session."""
    lo = max(start, window.starts_at)
    hi = min(end, window.ends_at)
    return max(0.0, (hi - lo).total_seconds())


def format_minutes(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if rest else f"{hours} h"


def format_time(moment: datetime, window: SessionWindow) -> str:
    """Local HH:MM; the day is named when it is not the session's start day (overnight shifts)."""
    local = moment.astimezone(window.tz)
    day = window.starts_at.astimezone(window.tz).date()
    text = f"{local:%H:%M}"
    if local.date() == day:
        return text
    if local.date() == day + timedelta(days=1):
        return f"{text} next day"
    if local.date() == day - timedelta(days=1):
        return f"{text} the day before"
    return f"{local:%Y-%m-%d %H:%M}"


def _ordinal(number: int) -> str:
    suffixes = {1: "st", 2: "nd", 3: "rd"}
    suffix = "th" if 10 <= number % 100 <= 20 else suffixes.get(number % 10, "th")
    return f"{number}{suffix}"


def evaluate(
    *,
    rule: RuleParams,
    window: SessionWindow,
    sightings: Iterable[Sighting],
    now: datetime,
    final: bool,
    excuse: ExcuseInput | None = None,
    override: OverrideInput | None = None,
    earlier_lates: int = 0,
    late_data: int = 0,
) -> Outcome:
    """Status, times, minutes, flags and reason of one person at one session.

    final: the session has been finalised (its end plus the rule's delay has passed), so a
    person never seen is absent rather than pending.
    earlier_lates: lates of this person in the rule's lateness period before this session.
    late_data: sightings left out because they arrived after the session was finalised.
    """
    opens, closes = window.opens_at(rule), window.closes_at(rule)
    sightings = list(sightings)
    early = sorted(s.occurred_at for s in sightings if s.occurred_at < opens)
    counted = sorted(
        (s for s in sightings if opens <= s.occurred_at <= closes),
        key=lambda s: (s.occurred_at, s.event_id),
    )
    flags: list[str] = []
    notes: list[str] = []
    if early:
        flags.append(Flag.SEEN_BEFORE_WINDOW)
        notes.append(
            f"seen {format_time(early[-1], window)}, before the entry window "
            f"(from {format_time(opens, window)}): not counted"
        )

    # Walk the sightings in time order, pairing IN with the next OUT.
    intervals: list[tuple[datetime, datetime]] = []
    first_in: datetime | None = None
    last_out: datetime | None = None
    open_at: datetime | None = None
    previous: str | None = None
    for sighting in counted:
        direction = resolve_direction(sighting, rule.direction_mode, previous)
        previous = direction
        if direction == IN:
            if open_at is not None:
                if Flag.REPEATED_IN not in flags:
                    flags.append(Flag.REPEATED_IN)
                continue
            open_at = sighting.occurred_at
            first_in = first_in or sighting.occurred_at
        else:
            last_out = sighting.occurred_at
            if open_at is not None:
                intervals.append((open_at, sighting.occurred_at))
                open_at = None
            elif not intervals and first_in is None:
                # Seen leaving but never entering: present from the start (the entry was missed).
                flags.append(Flag.MISSING_IN)
                intervals.append((window.starts_at, sighting.occurred_at))
            elif Flag.UNMATCHED_OUT not in flags:
                flags.append(Flag.UNMATCHED_OUT)
    still_inside = open_at is not None
    if open_at is not None:
        # No OUT after the last IN: inside until the end of the session.
        intervals.append((open_at, max(open_at, window.ends_at)))
        if now >= window.ends_at:
            flags.append(Flag.MISSING_OUT)

    if rule.presence_counting == "span" and intervals:
        seconds = _clip(intervals[0][0], intervals[-1][1], window)
    else:
        seconds = sum(_clip(start, end, window) for start, end in intervals)
    minutes = int(seconds // 60)
    session_minutes = int(window.seconds // 60)

    status, headline = _decide(
        rule=rule,
        window=window,
        intervals=intervals,
        counted=bool(counted),
        seconds=seconds,
        minutes=minutes,
        session_minutes=session_minutes,
        first_in=first_in,
        last_out=last_out,
        still_inside=still_inside,
        flags=flags,
        final=final,
        opens=opens,
        closes=closes,
    )
    if status == Status.LATE or Flag.LATE in flags:
        total = earlier_lates + 1
        if rule.lateness_flag_count and total >= rule.lateness_flag_count:
            flags.append(Flag.REPEATED_LATENESS)
            notes.append(
                f"{_ordinal(total)} late in {rule.lateness_flag_period_days} days "
                f"(flag at {rule.lateness_flag_count}): repeated lateness"
            )
    if late_data:
        flags.append(Flag.LATE_DATA)
        notes.append(
            f"{late_data} sighting(s) arrived after finalisation and are not counted "
            "(recompute the session to include them)"
        )
    excuse_id = None
    if excuse is not None:
        flags.append(Flag.EXCUSED)
        excuse_id = excuse.excuse_id
        if status in (Status.ABSENT, Status.PENDING):
            headline = f"{headline}; excused: {excuse.reason}"
            status = Status.EXCUSED
        else:
            notes.append(f"an excuse covers this session ({excuse.reason}) but they attended")
    computed_reason = "; ".join([headline, *notes])

    reason, effective = computed_reason, status
    if override is not None:
        flags.append(Flag.OVERRIDE)
        effective = Status(override.status)
        reason = (
            f"set to {STATUS_LABELS[effective]} by {override.by}: {override.reason} "
            f"(computed: {computed_reason})"
        )
    return Outcome(
        status=str(effective),
        reason=reason,
        computed_status=str(status),
        computed_reason=computed_reason,
        first_in=first_in,
        last_out=last_out,
        minutes_present=minutes,
        flags=tuple(str(flag) for flag in dict.fromkeys(flags)),
        excuse_id=excuse_id,
    )


def _describe_presence(
    intervals: Sequence[tuple[datetime, datetime]],
    first_in: datetime | None,
    last_out: datetime | None,
    still_inside: bool,
    flags: list[str],
    window: SessionWindow,
) -> list[str]:
    """What was seen, in order: ["entered 09:02", "left 09:20", "back 09:30", ...]."""
    parts: list[str] = []
    if Flag.MISSING_IN in flags:
        parts.append("no entry seen")
    elif first_in is not None:
        parts.append(f"entered {format_time(first_in, window)}")
    real = intervals[1:] if Flag.MISSING_IN in flags else intervals
    if Flag.MISSING_IN in flags and intervals:
        parts.append(f"left {format_time(intervals[0][1], window)}")
    for index, (start, end) in enumerate(real):
        closing = index == len(real) - 1 and still_inside
        if index > 0 or (Flag.MISSING_IN in flags):
            parts.append(f"back {format_time(start, window)}")
        if not closing:
            parts.append(f"left {format_time(end, window)}")
    if still_inside:
        parts.append("no exit seen" if Flag.MISSING_OUT in flags else "still inside")
    elif last_out is not None and intervals and last_out > intervals[-1][1]:
        parts.append(f"last seen leaving {format_time(last_out, window)}")
    return parts


def _decide(
    *,
    rule: RuleParams,
    window: SessionWindow,
    intervals: list[tuple[datetime, datetime]],
    counted: bool,
    seconds: float,
    minutes: int,
    session_minutes: int,
    first_in: datetime | None,
    last_out: datetime | None,
    still_inside: bool,
    flags: list[str],
    final: bool,
    opens: datetime,
    closes: datetime,
) -> tuple[Status, str]:
    if not counted:
        seen = f"not seen between {format_time(opens, window)} and {format_time(closes, window)}"
        if final:
            return Status.ABSENT, f"{seen}: absent"
        return Status.PENDING, f"{seen} yet: pending until the session is finalised"

    parts = _describe_presence(intervals, first_in, last_out, still_inside, flags, window)
    story = ", ".join(parts)
    pairs = len(intervals) > 1 and rule.presence_counting == "pairs"
    total = f"{format_minutes(minutes)} in all" if pairs else f"present {format_minutes(minutes)}"
    minimum_seconds = min(rule.minimum_presence_minutes * 60, window.seconds)
    if seconds <= 0 or seconds < minimum_seconds:
        if seconds <= 0:
            return Status.ABSENT, f"{story}, no time inside the session: absent"
        capped = minimum_seconds < rule.minimum_presence_minutes * 60
        minimum = (
            f"the whole {format_minutes(session_minutes)} session"
            if capped
            else f"the {rule.minimum_presence_minutes}-minute minimum"
        )
        return Status.ABSENT, f"{story}, {total}, under {minimum}: absent"

    late = (
        first_in is not None
        and Flag.MISSING_IN not in flags
        and first_in > (window.starts_at + timedelta(minutes=rule.late_grace_minutes))
    )
    early = (
        not still_inside
        and last_out is not None
        and last_out < window.ends_at - timedelta(minutes=rule.early_exit_grace_minutes)
    )
    if late:
        flags.append(Flag.LATE)
    if early:
        flags.append(Flag.LEFT_EARLY)
    late_text = f"grace {rule.late_grace_minutes} min: late"
    early_text = ""
    if early:
        before = int((window.ends_at - last_out).total_seconds() // 60)
        early_text = (
            f"{format_minutes(before)} before the end "
            f"(grace {rule.early_exit_grace_minutes} min): left early"
        )

    if rule.full_attendance_minutes is not None:
        full_seconds = min(rule.full_attendance_minutes * 60, window.seconds)
        if seconds < full_seconds:
            full = format_minutes(int(full_seconds // 60))
            return Status.PARTIAL, f"{story}, {total}, under the {full} full attendance: partial"
    if late:
        rest = ", ".join([*parts[1:], early_text] if early else parts[1:])
        return Status.LATE, f"{parts[0]}, {late_text}; {rest}; {total}" if rest else (
            f"{parts[0]}, {late_text}; {total}"
        )
    if early:
        return Status.LEFT_EARLY, f"{story}, {early_text}; {total}"
    return Status.PRESENT, f"{story}, {total}: present"

"""Helpers for attendance tests: sessions on fixed days in the institution's local time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.tenancy import tenant_scope
from attendance import services
from attendance.models import AttendanceRecord, Session
from tests.conftest import Tenant

MONDAY = date(2026, 3, 2)


def local(tenant: Tenant, day: date, clock: str) -> datetime:
    """'09:07', '09:07:30' or '+1 06:02' (next day) on `day` in the institution's time zone."""
    offset = 0
    if clock.startswith("+"):
        days, clock = clock[1:].split(" ", 1)
        offset = int(days)
    parts = [int(p) for p in clock.split(":")]
    moment = time(*parts)
    return datetime.combine(day + timedelta(days=offset), moment, tzinfo=tenant.institution.tzinfo)


def session_with_arrival(
    tenant: Tenant,
    *,
    started_ago: timedelta,
    length: timedelta,
    arrived_after: timedelta,
    title: str = "Chemistry",
    finalise: bool = False,
) -> Session:
    """A session of the tenant's unit that started ``started_ago`` ago (on the minute), in which
    person 0 came in ``arrived_after`` its start; finalised when asked."""
    start = timezone.now().replace(second=0, microsecond=0) - started_ago
    with tenant_scope(tenant.institution):
        session = services.session_create(
            institution=tenant.institution,
            unit=tenant.unit,
            title=title,
            starts_at=start,
            ends_at=start + length,
        )
        services.events_ingest(
            institution=tenant.institution,
            rows=[
                {
                    "person": tenant.people[0].pk,
                    "occurred_at": start + arrived_after,
                    "direction": "in",
                }
            ],
        )
        if finalise:
            services.session_finalise(session=session)
    return session


@dataclass
class Desk:
    """A registrar's desk in one tenant: make sessions, send events, finalise, read records."""

    tenant: Tenant
    day: date = MONDAY

    @property
    def institution(self):
        return self.tenant.institution

    def at(self, clock: str, day: date | None = None) -> datetime:
        return local(self.tenant, day or self.day, clock)

    def session(
        self,
        start: str = "09:00",
        end: str = "10:00",
        *,
        day: date | None = None,
        rule: dict[str, Any] | None = None,
        cameras: Iterable = (),
        unit=None,
    ) -> Session:
        with tenant_scope(self.institution):
            rule_obj = None
            if rule is not None:
                rule_obj = services.rule_create(
                    institution=self.institution,
                    name=f"rule {Session.unscoped.count()}-{start}",
                    **rule,
                )
            return services.session_create(
                institution=self.institution,
                unit=unit or self.tenant.unit,
                title="Maths",
                starts_at=self.at(start, day),
                ends_at=self.at(end, day),
                rule=rule_obj,
                cameras=list(cameras),
            )

    def camera(self, name: str = "Door", **values: Any):
        with tenant_scope(self.institution):
            return services.camera_create(institution=self.institution, name=name, **values)

    def send(self, rows: list[dict], *, now: datetime | None = None, actor=None):
        with tenant_scope(self.institution):
            return services.events_ingest(
                institution=self.institution,
                rows=rows,
                actor=actor,
                now=now or self.at("23:59") + timedelta(days=2),
            )

    def events(
        self, person, spec: Iterable[tuple], *, camera=None, day: date | None = None, **extra
    ):
        """spec: (clock, direction) or (clock, direction, {extra row fields})."""
        rows = []
        for item in spec:
            clock, direction, *more = item
            row = {"person": person.pk, "occurred_at": self.at(clock, day).isoformat()}
            if direction in ("in", "out"):
                row["direction"] = direction
            elif direction:
                row["walking_direction"] = direction
            if camera is not None:
                row["camera"] = camera.pk
            row.update(extra)
            if more:
                row.update(more[0])
            rows.append(row)
        report = self.send(rows, now=self.at("23:59", day) + timedelta(days=2))
        assert report.ok, report.as_dict()
        return report

    def finalise(self, session: Session, *, now: datetime | None = None):
        with tenant_scope(self.institution):
            return services.session_finalise(
                session=session, now=now or session.ends_at + timedelta(hours=3)
            )

    def record(self, session: Session, person) -> AttendanceRecord:
        with tenant_scope(self.institution):
            return AttendanceRecord.objects.get(session=session, person=person)


@pytest.fixture
def desk(tenant_a) -> Desk:
    return Desk(tenant_a)

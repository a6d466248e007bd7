"""Shared set-up of the attendance benchmarks (not a benchmark itself).

Benchmarks run against PostgreSQL: DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/gaitportal_bench; the database is created when missing and
migrated). Each run works in its own throw-away institution, deleted at the end.
"""

from __future__ import annotations

import os
import platform
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gaitportal_bench"


def setup_django() -> str:
    """Point Django at the bench database (created and migrated when needed); returns its URL."""
    sys.path.insert(0, str(ROOT))
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gaitportal.settings.local")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if url.startswith("postgres"):
        _create_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def _create_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def database_label() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    return connection.vendor


def machine_label() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


BENCH_DAY = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday; times below are UTC


def make_institution(*, people: int, units: int = 1, prefix: str = "bench"):
    """A throw-away institution with `units` units sharing `people` people evenly."""
    from accounts.models import Institution, Person, Unit
    from accounts.tenancy import tenant_scope

    slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
    institution = Institution.objects.create(
        name=slug, slug=slug, kind=Institution.Kind.SCHOOL, time_zone="UTC"
    )
    with tenant_scope(institution):
        unit_rows = Unit.objects.bulk_create(
            [
                Unit(institution=institution, code=f"U{n:03d}", name=f"Unit {n}")
                for n in range(units)
            ]
        )
        persons = Person.objects.bulk_create(
            [
                Person(
                    institution=institution,
                    external_id=f"P{n:06d}",
                    first_name=f"First{n}",
                    last_name=f"Last{n:06d}",
                    kind=Person.Kind.STUDENT,
                    consent_given=True,
                )
                for n in range(people)
            ]
        )
        Through = Person.units.through
        Through.objects.bulk_create(
            [
                Through(person_id=person.pk, unit_id=unit_rows[index % units].pk)
                for index, person in enumerate(persons)
            ]
        )
    return institution, unit_rows, persons


def drop_institution(institution) -> None:
    """Delete a bench institution and everything it owns (raw SQL-free, through the ORM)."""
    from accounts.tenancy import ALL_TENANTS, tenant_scope
    from attendance.models import PresenceEvent, RecordChange, Session

    with tenant_scope(ALL_TENANTS):
        RecordChange.objects.filter(institution=institution).delete()
        Session.objects.filter(institution=institution).delete()
        PresenceEvent.objects.filter(institution=institution).delete()
        institution.delete()


def event_rows(persons, start: datetime, end: datetime, *, seed: int = 0) -> list[dict]:
    """A typical class: most people on time, some late, some leave early, some never come."""
    import random

    rng = random.Random(seed)
    rows = []
    for person in persons:
        roll = rng.random()
        if roll < 0.08:
            continue  # no-show
        arrive = start + timedelta(
            minutes=rng.randint(-10, 4) if roll < 0.8 else rng.randint(6, 20)
        )
        leave = end + timedelta(minutes=rng.randint(0, 5))
        if roll > 0.93:
            leave = arrive + timedelta(minutes=rng.randint(5, 25))
        rows.append({"person": person.pk, "occurred_at": arrive, "direction": "in"})
        rows.append({"person": person.pk, "occurred_at": leave, "direction": "out"})
    return rows


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(*, workers: int, port: int, threads: int = 1):
    """gunicorn serving the project on 127.0.0.1:port (production-like: DEBUG off, persistent
    database connections, no throttling in the way). Returns the process once it answers."""
    import subprocess
    import urllib.request

    env = {
        **os.environ,
        "DEBUG": "false",
        "CONN_MAX_AGE": "60",
        "THROTTLE_USER": "1000000/min",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "gaitportal.wsgi:application",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited; is it installed (requirements/production.txt)?")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/", timeout=1).read()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 30 s")


def stop_server(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except Exception:
        process.kill()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

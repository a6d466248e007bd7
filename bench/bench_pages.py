"""Server time and SQL queries of the busiest pages: the dashboard and a 1,000-person roster.

For each --people size, a throw-away institution with one unit of that many people, --days past
daily sessions (typical events, finalised) and one session running now (half the people in).
The pages are requested in-process through Django's test client as the institution's
administrator (no network: the time is the server's, from middleware to rendered template);
after a warm-up each page is timed --repeats times. Reported per size: SQL queries per page (they
must not grow with the people) and min / median / p95 ms. Target: < 300 ms for the dashboard and
the roster at 1,000 people.

Usage (repository root, venv active; PostgreSQL from DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/gaitportal_bench, created when missing):
  python bench/bench_pages.py [--people 10 100 1000] [--days 10] [--repeats 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_attendance_common import (
    database_label,
    drop_institution,
    event_rows,
    machine_label,
    make_institution,
    percentile,
    setup_django,
)


def build(people: int, days: int):
    from django.utils import timezone

    from accounts.models import Membership, User
    from accounts.roles import Role
    from accounts.tenancy import tenant_scope
    from attendance import services

    institution, units, persons = make_institution(people=people, prefix="pages")
    user = User.objects.create(username=f"{institution.slug}-admin")
    now = timezone.now().replace(second=0, microsecond=0)
    with tenant_scope(institution):
        Membership.objects.create(institution=institution, user=user, role=Role.ADMIN)
        for back in range(days, 0, -1):
            start = now - timedelta(days=back, minutes=30)
            session = services.session_create(
                institution=institution,
                unit=units[0],
                title=f"Day -{back}",
                starts_at=start,
                ends_at=start + timedelta(hours=1),
            )
            rows = event_rows(persons, session.starts_at, session.ends_at, seed=back)
            for first in range(0, len(rows), 2000):
                services.events_ingest(institution=institution, rows=rows[first : first + 2000])
            services.session_finalise(session=session, now=session.ends_at + timedelta(hours=2))
        running = services.session_create(
            institution=institution,
            unit=units[0],
            title="Running now",
            starts_at=now - timedelta(minutes=30),
            ends_at=now + timedelta(minutes=30),
        )
        rows = [
            row
            for row in event_rows(persons[: people // 2], running.starts_at, running.ends_at)
            if row["direction"] == "in"
        ]
        services.events_ingest(institution=institution, rows=rows)
    return institution, user, running


def measure(client, path: str, repeats: int) -> tuple[int, list[float]]:
    from django.db import connection

    for _ in range(2):
        client.get(path)
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # (the query log is reset when a request starts, so count at the cursor)
    with connection.execute_wrapper(count):
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code}")
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        client.get(path)
        times.append(time.perf_counter() - began)
    return len(queries), times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    setup_django()
    from django.test import Client

    table = []
    for people in args.people:
        institution, user, running = build(people, args.days)
        try:
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)
            pages = {
                "dashboard": "/dashboard/",
                "roster (running session)": f"/attendance/sessions/{running.pk}/",
                "sessions list": "/attendance/",
                "reports": "/reports/",
                "people": "/people/",
            }
            for name, path in pages.items():
                queries, times = measure(client, path, args.repeats)
                table.append((name, people, queries, times))
        finally:
            drop_institution(institution)
            user.delete()
    print(f"Pages, in-process server time: {database_label()}; {machine_label()}")
    print(f"{args.days} past finalised daily sessions + one running; {args.repeats} requests each")
    print("| page | people | SQL queries | min ms | median ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    for name, people, queries, times in table:
        print(
            f"| {name} | {people} | {queries} | {min(times) * 1000:.0f} | "
            f"{statistics.median(times) * 1000:.0f} | {percentile(times, 0.95) * 1000:.0f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

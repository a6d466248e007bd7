"""Closing (finalising) a session: SQL queries and seconds against the head count.

For each head count, a throw-away institution with one unit of that many people; --repeats
sessions on consecutive days, each with a typical class's events (92 % come, most on time, some
late, some leave within the minimum) ingested beforehand (not timed). Then each session is
finalised with attendance.services.session_finalise, which computes every expected person's
record (no-shows become absent), writes the changes and their audit entries. Reported: the
number of SQL queries (must not depend on the head count) and the time (target < 1 s at 1,000).

Usage (repository root, venv active; PostgreSQL from DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/gaitportal_bench, created when missing):
  python bench/bench_attendance_close.py [--sizes 10 100 1000 2000] [--repeats 3] [--show-queries]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_attendance_common import (
    BENCH_DAY,
    Timer,
    database_label,
    drop_institution,
    event_rows,
    machine_label,
    make_institution,
    setup_django,
)


def close_sessions(size: int, repeats: int, show_queries: bool) -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from accounts.tenancy import tenant_scope
    from attendance import services
    from attendance.models import AttendanceRecord

    institution, units, persons = make_institution(people=size)
    try:
        with tenant_scope(institution):
            sessions = []
            for day in range(repeats):
                start = BENCH_DAY + timedelta(days=day, hours=9)
                session = services.session_create(
                    institution=institution,
                    unit=units[0],
                    title=f"Close {size} #{day}",
                    starts_at=start,
                    ends_at=start + timedelta(hours=1),
                )
                rows = event_rows(persons, session.starts_at, session.ends_at, seed=day)
                for first in range(0, len(rows), 2000):
                    services.events_ingest(
                        institution=institution,
                        rows=rows[first : first + 2000],
                        now=start + timedelta(days=1),
                    )
                sessions.append(session)
            seconds, queries = [], []
            for session in sessions:
                with CaptureQueriesContext(connection) as captured, Timer() as timer:
                    services.session_finalise(
                        session=session, now=session.ends_at + timedelta(hours=2)
                    )
                seconds.append(timer.seconds)
                queries.append(len(captured.captured_queries))
                if show_queries and session is sessions[-1]:
                    for query in captured.captured_queries:
                        print(f"    {query['time']}s  {query['sql'][:160]}")
            records = AttendanceRecord.objects.filter(session=sessions[-1]).count()
            statuses = dict(
                AttendanceRecord.objects.filter(session=sessions[-1])
                .values_list("status")
                .annotate(n=Count("pk"))
                .order_by()
            )
    finally:
        drop_institution(institution)
    return {
        "size": size,
        "records": records,
        "queries": queries,
        "best": min(seconds),
        "median": statistics.median(seconds),
        "statuses": statuses,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 2000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--show-queries", action="store_true")
    args = parser.parse_args()
    setup_django()
    print(f"Closing a session: {database_label()}; {machine_label()}")
    print("| expected people | records written | SQL queries | best s | median s |")
    print("|---|---|---|---|---|")
    results = []
    for size in args.sizes:
        result = close_sessions(size, args.repeats, args.show_queries)
        results.append(result)
        queries = sorted(set(result["queries"]))
        print(
            f"| {size} | {result['records']} | {', '.join(map(str, queries))} | "
            f"{result['best']:.3f} | {result['median']:.3f} |"
        )
    constant = len({q for r in results for q in r["queries"]}) == 1
    at_1000 = [r for r in results if r["size"] == 1000]
    print(f"statuses at {results[-1]['size']}: {results[-1]['statuses']}")
    print(f"query count independent of head count: {'yes' if constant else 'NO'}")
    if at_1000:
        verdict = "yes" if at_1000[0]["median"] < 1.0 else "NO"
        print(f"1,000 people closed in under 1 s (median): {verdict}")
    return 0 if constant else 1


if __name__ == "__main__":
    raise SystemExit(main())

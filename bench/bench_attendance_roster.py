"""The roster of a 1,000-person session through the API, against a real server process.

A throw-away institution with one unit of --people people and one session with a typical
class's events, finalised (so every person has a record with a status and a reason). gunicorn
(one worker) is started on 127.0.0.1; after a warm-up, GET
/api/v1/attendance/reports/roster/?session=<id> is timed --repeats times in a row (JSON), then
the CSV and XLSX exports. Reported: min, median, p95 (target: < 300 ms for 1,000 people).

Usage (repository root, venv active; PostgreSQL from DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/gaitportal_bench, created when missing):
  python bench/bench_attendance_roster.py [--people 1000] [--repeats 30]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_attendance_common import (
    BENCH_DAY,
    database_label,
    drop_institution,
    event_rows,
    free_port,
    machine_label,
    make_institution,
    percentile,
    setup_django,
    start_server,
    stop_server,
)


def build(people: int):
    from accounts.services import api_key_create
    from accounts.tenancy import tenant_scope
    from attendance import services

    institution, units, persons = make_institution(people=people)
    with tenant_scope(institution):
        start = BENCH_DAY + timedelta(hours=9)
        session = services.session_create(
            institution=institution,
            unit=units[0],
            title="Roster",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )
        rows = event_rows(persons, session.starts_at, session.ends_at)
        for first in range(0, len(rows), 2000):
            services.events_ingest(
                institution=institution,
                rows=rows[first : first + 2000],
                now=start + timedelta(days=1),
            )
        services.session_finalise(session=session, now=session.ends_at + timedelta(hours=2))
        _, key = api_key_create(institution=institution, name="bench", role="viewer")
    return institution, session, key


def timed_get(connection, path: str, key: str) -> tuple[float, int, bytes]:
    began = time.perf_counter()
    connection.request("GET", path, headers={"Authorization": f"Api-Key {key}"})
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - began
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {body[:300]!r}")
    return elapsed, len(body), body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    setup_django()
    institution, session, key = build(args.people)
    port = free_port()
    server = start_server(workers=1, port=port)
    results = {}
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        path = f"/api/v1/attendance/reports/roster/?session={session.pk}"
        for _ in range(3):
            timed_get(connection, path, key)
        times = []
        for _ in range(args.repeats):
            elapsed, size, body = timed_get(connection, path, key)
            times.append(elapsed)
        rows = json.loads(body)["rows"]
        results["json"] = (times, size)
        for export in ("csv", "xlsx"):
            export_times = []
            for _ in range(max(3, args.repeats // 5)):
                elapsed, size, _ = timed_get(connection, f"{path}&export={export}", key)
                export_times.append(elapsed)
            results[export] = (export_times, size)
    finally:
        stop_server(server)
        drop_institution(institution)
    print(f"Roster of one session through the API: {database_label()}; {machine_label()}")
    print(f"gunicorn 1 worker; {len(rows)} rows; times per request, keep-alive connection")
    print("| format | requests | bytes | min ms | median ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    for name, (times, size) in results.items():
        print(
            f"| {name} | {len(times)} | {size} | {min(times) * 1000:.0f} | "
            f"{statistics.median(times) * 1000:.0f} | {percentile(times, 0.95) * 1000:.0f} |"
        )
    median = statistics.median(results["json"][0])
    print(f"1,000-person roster under 300 ms (median): {'yes' if median < 0.3 else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

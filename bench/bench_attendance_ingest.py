"""Bulk event ingestion through the API, against a real server process, on PostgreSQL.

A throw-away institution with --people people in --units units; each unit has four sessions a
day for --days days (08:00, 09:15, 10:30, 13:00, an hour each); every person produces the IN and
OUT of a typical class (92 % come; some late, some leave early). The events, each with an
idempotency key, are sorted by time (as devices upload them) and posted in batches of --batch
to POST /api/v1/attendance/events/bulk/ by --clients concurrent HTTP clients (keep-alive)
against gunicorn (--workers processes) started by this script on 127.0.0.1. Every batch stores
its events and recomputes the records they touch before it answers. Reported: events/s over
the whole run (target >= 2,000), batch latency, and a replay of one batch (all duplicates).

Usage (repository root, venv active; PostgreSQL from DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/gaitportal_bench, created when missing):
  python bench/bench_attendance_ingest.py [--people 1000] [--units 10] [--days 2]
         [--batch 500] [--clients 2] [--workers 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import queue
import sys
import threading
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

SLOTS = [(8, 0), (9, 15), (10, 30), (13, 0)]


def build(args) -> tuple:
    from accounts.services import api_key_create
    from accounts.tenancy import tenant_scope
    from attendance import services

    institution, units, persons = make_institution(people=args.people, units=args.units)
    by_unit: dict[int, list] = {unit.pk: [] for unit in units}
    for index, person in enumerate(persons):
        by_unit[units[index % len(units)].pk].append(person)
    rows = []
    with tenant_scope(institution):
        for day in range(-1, args.days):  # day -1: a warm-up day, not timed
            for hour, minute in SLOTS:
                start = BENCH_DAY + timedelta(days=day, hours=hour, minutes=minute)
                for unit in units:
                    services.session_create(
                        institution=institution,
                        unit=unit,
                        title=f"{unit.code} {hour}:{minute:02d}",
                        starts_at=start,
                        ends_at=start + timedelta(hours=1),
                    )
                    for row in event_rows(
                        by_unit[unit.pk], start, start + timedelta(hours=1), seed=day
                    ):
                        row["day"] = day
                        rows.append(row)
        _, key = api_key_create(institution=institution, name="bench", role="registrar")
    rows.sort(key=lambda row: (row["occurred_at"], row["person"]))
    warmup = [r for r in rows if r["day"] < 0][: args.batch]
    timed = [r for r in rows if r["day"] >= 0]
    for number, row in enumerate(warmup + timed):
        row["idempotency_key"] = f"bench:{row['day']}:{number}"
        row["occurred_at"] = row["occurred_at"].isoformat()
        del row["day"]
    batches = [
        json.dumps({"events": timed[first : first + args.batch]}).encode()
        for first in range(0, len(timed), args.batch)
    ]
    return institution, key, json.dumps({"events": warmup}).encode(), batches, len(timed)


def post(connection: http.client.HTTPConnection, key: str, body: bytes) -> dict:
    connection.request(
        "POST",
        "/api/v1/attendance/events/bulk/",
        body=body,
        headers={"Authorization": f"Api-Key {key}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    payload = response.read()
    if response.status not in (200, 207):
        raise RuntimeError(f"HTTP {response.status}: {payload[:300]!r}")
    return json.loads(payload)


def run(args) -> int:
    from django.db.models import Count

    from accounts.tenancy import tenant_scope
    from attendance.models import AttendanceRecord, PresenceEvent

    institution, key, warmup, batches, total = build(args)
    port = free_port()
    server = start_server(workers=args.workers, port=port)
    try:
        for _ in range(args.workers):  # every worker imports and connects once, untimed
            post(http.client.HTTPConnection("127.0.0.1", port, timeout=120), key, warmup)
        work: queue.Queue = queue.Queue()
        for body in batches:
            work.put(body)
        latencies: list[float] = []
        totals = {"created": 0, "duplicates": 0, "errors": 0, "records_changed": 0}
        lock = threading.Lock()
        failures: list[str] = []

        def client() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            while True:
                try:
                    body = work.get_nowait()
                except queue.Empty:
                    return
                began = time.perf_counter()
                try:
                    result = post(connection, key, body)
                except Exception as error:
                    failures.append(str(error))
                    return
                with lock:
                    latencies.append(time.perf_counter() - began)
                    for name in totals:
                        totals[name] += result[name]

        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        replay = post(http.client.HTTPConnection("127.0.0.1", port, timeout=120), key, batches[0])
    finally:
        stop_server(server)
    with tenant_scope(institution):
        stored = PresenceEvent.objects.count()
        statuses = dict(
            AttendanceRecord.objects.values_list("status").annotate(n=Count("pk")).order_by()
        )
    drop_institution(institution)
    if failures:
        print("FAILED:", failures[:3])
        return 1
    rate = total / elapsed
    print(f"Bulk ingestion through the API: {database_label()}; {machine_label()}")
    print(
        f"gunicorn {args.workers} worker(s), {args.clients} client(s), batches of {args.batch}, "
        f"{args.people} people in {args.units} units, {args.days} day(s) x {len(SLOTS)} sessions"
    )
    print(
        "| events | batches | seconds | events/s | batch p50 ms | batch p95 ms | records changed |"
    )
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {total} | {len(batches)} | {elapsed:.2f} | {rate:.0f} | "
        f"{percentile(latencies, 0.5) * 1000:.0f} | {percentile(latencies, 0.95) * 1000:.0f} | "
        f"{totals['records_changed']} |"
    )
    print(
        f"created {totals['created']}, duplicates {totals['duplicates']} (debounce), errors "
        f"{totals['errors']}; stored events incl. warm-up: {stored}; records: {statuses}"
    )
    print(
        f"replay of the first batch: {replay['duplicates']} of {replay['received']} duplicates, "
        f"{replay['created']} created"
    )
    print(f">= 2,000 events/s: {'yes' if rate >= 2000 else 'NO'}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--units", type=int, default=10)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    setup_django()
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())

"""Report times over a year of a large centre (1,000,000 ticket legs in
SQLite), and offices compared over a year of a province (20,000,000 legs of
100 offices in PostgreSQL).

    .venv/bin/python bench/reports.py [--legs 1000000] [--database PATH] [--rebuild]
    .venv/bin/python bench/reports.py --province POSTGRESQL_URL [--offices 100]
        [--province-legs 20000000]

(``POSTGRESQL_URL`` an empty database, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/luot_bench``.)

The first form builds (once; kept at ``--database`` for the next run) a
synthetic year of one office: 12 services, 30 counters, 40 clerks, open
Monday to Friday and Saturday morning, with transfers, no-shows,
cancellations, ratings and a few tickets closed by the day end; each leg's
durations are set by the application's own rule (``reports.legs``). Rows go
in with ``executemany`` on one connection, in the text form SQLAlchemy
stores on SQLite. It then times, three runs each, the summary, the by-hour
report and the whole report page's tables over the year, first with every
day read live from the legs, then once every closed day is packed; and, as
the baseline, reading the legs' durations alone with plain ``sqlite3``.

The second form fills an empty PostgreSQL database with ``--offices``
offices and a year of packed days holding ``--province-legs`` legs in all
(drawn at random, written through the application's own pack encoding),
then times the comparison of every office over the year, against reading
the packs' counts alone. Bounded: the builds stop at the given numbers of
legs, each timed call runs three times.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from common import machine  # noqa: E402

from queueing import reports  # noqa: E402
from queueing.database import Database  # noqa: E402
from queueing.models import Office, Service  # noqa: E402
from queueing.reports import facts as report_facts  # noqa: E402
from queueing.reports import legs as report_legs  # noqa: E402
from queueing.reports import packs  # noqa: E402
from queueing.schema import ensure_schema  # noqa: E402

YEAR = 2025
OFFICE_CODE = "BENCH"
TIMEZONE = "Asia/Ho_Chi_Minh"
LOCAL_OFFSET = timedelta(hours=7)
SERVICES = 12
COUNTERS = 30
CLERKS = 40
#: Share of arrivals per local hour on a weekday (mornings are busiest).
HOURLY_WEIGHTS = {7: 4, 8: 14, 9: 16, 10: 14, 11: 5, 13: 9, 14: 14, 15: 13, 16: 9}
SATURDAY_HOURS = {7: 4, 8: 10, 9: 10, 10: 8, 11: 3}
STATES = (("done", 86), ("no_show", 5), ("cancelled", 3), ("transferred", 5), ("auto", 1))
PRIORITIES = ("elderly", "disability", "pregnancy", "small_child", "merit", "other")
CHANNELS = (("kiosk", 80), ("counter", 5), ("booking", 10), ("api", 5))


def stamp(moment: datetime | None) -> str | None:
    """A UTC instant as SQLAlchemy keeps it in SQLite."""
    if moment is None:
        return None
    return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _ in pairs], [weight for _, weight in pairs])[0]


def working_days() -> list[date]:
    day = date(YEAR, 1, 1)
    days = []
    while day.year == YEAR:
        if day.weekday() < 6:
            days.append(day)
        day += timedelta(days=1)
    return days


def build(path: Path, legs: int) -> None:
    """Create the schema with the migrations, then write ``legs`` ticket legs."""
    if path.exists():
        path.unlink()
    database = Database(f"sqlite:///{path}")
    ensure_schema(database, "migrate")
    database.dispose()
    rng = random.Random(20251)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous = OFF")
    created = stamp(datetime(YEAR, 1, 1, tzinfo=UTC))
    connection.execute(
        "INSERT INTO offices (id, code, name, name_en, timezone, opening_hours, holidays,"
        " priority_ratio, recall_limit, no_show_return_minutes, is_transfer_to_head,"
        " default_service_seconds, ticker_message, created_at, pause_alert_minutes)"
        " VALUES (1, ?, ?, '', ?, '{}', '[]', 2, 1, 30, 1, 300, '', ?, 15)",
        (OFFICE_CODE, "Trung tâm Phục vụ hành chính công", TIMEZONE, created),
    )
    targets = [10 + 5 * (index % 4) for index in range(SERVICES)]
    connection.executemany(
        "INSERT INTO services (id, office_id, code, name, name_en, prefix, number_start,"
        " number_end, is_number_wrapping, target_wait_minutes, description, description_en,"
        " documents, documents_en, group_name, group_name_en, is_active, sort_order)"
        " VALUES (?, 1, ?, ?, '', ?, 1, 9999, 1, ?, '', '', '', '', '', '', 1, ?)",
        [
            (
                index + 1,
                f"S{index + 1:02d}",
                f"Lĩnh vực {index + 1}",
                chr(65 + index),
                target,
                index,
            )
            for index, target in enumerate(targets)
        ],
    )
    connection.executemany(
        "INSERT INTO users (id, username, password_hash, display_name, role, office_id,"
        " is_active, created_at) VALUES (?, ?, 'x', ?, 'clerk', 1, 1, ?)",
        [(n, f"canbo{n}", f"Cán bộ {n}", created) for n in range(1, CLERKS + 1)],
    )
    connection.executemany(
        "INSERT INTO counters (id, office_id, number, name, state, pause_reason, normal_streak)"
        " VALUES (?, 1, ?, ?, 'open', '', 0)",
        [(n, n, f"Quầy số {n}") for n in range(1, COUNTERS + 1)],
    )
    serves = {n: rng.sample(range(1, SERVICES + 1), 4) for n in range(1, COUNTERS + 1)}
    connection.executemany(
        "INSERT INTO counter_services (counter_id, service_id, preference) VALUES (?, ?, 1)",
        [(counter, service) for counter, services in serves.items() for service in services],
    )
    counters_of = {
        service: [c for c, services in serves.items() if service in services] or [1]
        for service in range(1, SERVICES + 1)
    }
    clerk_at = {counter: 1 + (counter - 1) % CLERKS for counter in range(1, COUNTERS + 1)}

    days = working_days()
    weights = sum(
        sum((SATURDAY_HOURS if d.weekday() == 5 else HOURLY_WEIGHTS).values()) for d in days
    )
    # Each first leg brings 1.05 legs on average (transfers add one); a little
    # more is planned so that the year ends on exactly ``legs`` rows.
    per_weight = legs / 1.05 / weights * 1.02
    ticket_rows: list[tuple[object, ...]] = []
    rating_rows: list[tuple[object, ...]] = []
    next_id = 1
    for day in days:
        hours = SATURDAY_HOURS if day.weekday() == 5 else HOURLY_WEIGHTS
        sequences = dict.fromkeys(range(1, SERVICES + 1), 0)
        midnight_utc = datetime.combine(day, datetime.min.time(), UTC) - LOCAL_OFFSET
        for hour, weight in hours.items():
            arrivals = int(weight * per_weight + rng.random())
            for _ in range(arrivals):
                if next_id > legs:
                    break
                service = rng.randint(1, SERVICES)
                sequences[service] += 1
                issued = midnight_utc + timedelta(hours=hour, seconds=rng.random() * 3600)
                next_id = _write_leg(
                    rng,
                    ticket_rows,
                    rating_rows,
                    next_id,
                    day,
                    service,
                    sequences[service],
                    issued,
                    counters_of,
                    clerk_at,
                    targets,
                    legs,
                    midnight_utc,
                    None,
                )
        if len(ticket_rows) > 50_000:
            _flush(connection, ticket_rows, rating_rows)
    _flush(connection, ticket_rows, rating_rows)
    connection.execute("ANALYZE")
    connection.commit()
    connection.close()


def _write_leg(
    rng: random.Random,
    ticket_rows: list[tuple[object, ...]],
    rating_rows: list[tuple[object, ...]],
    ticket_id: int,
    day: date,
    service: int,
    sequence: int,
    issued: datetime,
    counters_of: dict[int, list[int]],
    clerk_at: dict[int, int],
    targets: list[int],
    legs: int,
    midnight_utc: datetime,
    parent: int | None,
) -> int:
    state = weighted(rng, STATES) if parent is None else "done"
    if state == "transferred" and ticket_id + 1 > legs:
        state = "done"
    target = targets[service - 1] * 60
    wait = min(rng.expovariate(1 / (target * 0.8)), 3 * 3600)
    walk = 5 + rng.random() * 55
    service_s = rng.lognormvariate(5.6, 0.5)
    counter = rng.choice(counters_of[service])
    called = issued + timedelta(seconds=wait)
    started = called + timedelta(seconds=walk)
    finished = started + timedelta(seconds=service_s)
    accurate = True
    row: dict[str, Any] = dict(
        first_called_at=called,
        last_called_at=called,
        call_count=1,
        started_at=None,
        finished_at=None,
        no_show_at=None,
        cancelled_at=None,
        counter_id=counter,
        clerk_id=clerk_at[counter],
        outcome=None,
    )
    if state in ("done", "transferred"):
        row.update(started_at=started, finished_at=finished)
        if state == "done":
            row["outcome"] = "resolved"
    elif state == "no_show":
        row.update(no_show_at=called + timedelta(minutes=2), call_count=2)
    elif state == "cancelled":
        row.update(
            first_called_at=None,
            last_called_at=None,
            call_count=0,
            counter_id=None,
            clerk_id=None,
            cancelled_at=issued + timedelta(seconds=wait * 1.5),
        )
    else:  # closed by the day end: times are not real
        state, accurate = "done", False
        row.update(
            started_at=midnight_utc + timedelta(days=1),
            finished_at=midnight_utc + timedelta(days=1),
        )
    priority = rng.choice(PRIORITIES) if rng.random() < 0.08 else "none"
    number = sequence
    leg = SimpleNamespace(state=state, is_time_accurate=accurate, issued_at=issued, **row)
    report_legs.set_durations(leg)
    ticket_rows.append(
        (
            ticket_id,
            1,
            service,
            day.isoformat(),
            sequence,
            number,
            f"{chr(64 + service)}{number:04d}",
            priority,
            weighted(rng, CHANNELS),
            state,
            stamp(issued),
            stamp(issued),
            0,
            stamp(row["first_called_at"]),
            stamp(row["last_called_at"]),
            row["call_count"],
            stamp(row["started_at"]),
            stamp(row["finished_at"]),
            stamp(row["no_show_at"]),
            stamp(row["cancelled_at"]),
            None,
            row["counter_id"],
            row["clerk_id"],
            row["outcome"],
            parent,
            None,
            int(accurate),
            leg.wait_ms,
            leg.walk_ms,
            leg.service_ms,
            leg.total_ms,
        )
    )
    if state == "done" and accurate and rng.random() < 0.3:
        score = weighted(rng, (("5", 55), ("4", 25), ("3", 10), ("2", 6), ("1", 4)))
        reasons = '["long_wait"]' if int(score) <= 2 and rng.random() < 0.6 else "[]"
        rating_rows.append(
            (
                ticket_id,
                int(score),
                reasons,
                "",
                row["counter_id"],
                row["clerk_id"],
                stamp(finished),
            )
        )
    next_id = ticket_id + 1
    if state == "transferred":
        target_service = rng.randint(1, SERVICES)
        next_id = _write_leg(
            rng,
            ticket_rows,
            rating_rows,
            next_id,
            day,
            target_service,
            sequence,
            finished,
            counters_of,
            clerk_at,
            targets,
            legs,
            midnight_utc,
            ticket_id,
        )
    return next_id


def _flush(
    connection: sqlite3.Connection,
    ticket_rows: list[tuple[object, ...]],
    rating_rows: list[tuple[object, ...]],
) -> None:
    connection.executemany(
        "INSERT INTO tickets (id, office_id, service_id, service_day, sequence, number, code,"
        " priority, channel, state, issued_at, queued_at, is_queue_head, first_called_at,"
        " last_called_at, call_count, started_at, finished_at, no_show_at, cancelled_at,"
        " parked_at, counter_id, clerk_id, outcome, parent_id, reserved_counter_id,"
        " is_time_accurate, wait_ms, walk_ms, service_ms, total_ms)"
        " VALUES (" + ", ".join("?" * 31) + ")",
        ticket_rows,
    )
    connection.executemany(
        "INSERT INTO ratings (ticket_id, score, reasons, comment, counter_id, clerk_id,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rating_rows,
    )
    ticket_rows.clear()
    rating_rows.clear()


def timed(label: str, work: Callable[[], object], runs: int = 3) -> float:
    """Run ``work`` ``runs`` times, print the times, return the best."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    print(f"{label}: " + ", ".join(f"{t:.3f} s" for t in times) + f" (best {min(times):.3f} s)")
    return min(times)


def read_durations_alone(path: Path) -> None:
    """The baseline: the legs' stored durations of the year, read with plain sqlite3."""
    connection = sqlite3.connect(path)
    try:
        connection.execute(
            "SELECT service_id, wait_ms, walk_ms, service_ms FROM tickets WHERE office_id = 1"
        ).fetchall()
    finally:
        connection.close()


def one_office(args: argparse.Namespace) -> None:
    path = Path(args.database)
    database = Database(f"sqlite:///{path}") if path.exists() else None
    count = 0
    if database is not None and not args.rebuild:
        with database.read() as session:
            connection = session.connection()
            count = connection.exec_driver_sql("SELECT count(*) FROM tickets").scalar() or 0
    if count != args.legs or args.rebuild:
        if database is not None:
            database.dispose()
        started = time.perf_counter()
        build(path, args.legs)
        print(f"built {args.legs:,} legs in {time.perf_counter() - started:.1f} s ({path})")
        database = Database(f"sqlite:///{path}")
    assert database is not None
    print(f"machine: {machine()}, SQLite {sqlite3.sqlite_version}, NumPy {np.__version__}")
    print(f"database: {os.path.getsize(path) / 1e6:.0f} MB, {args.legs:,} ticket legs")
    first, last = date(YEAR, 1, 1), date(YEAR, 12, 31)

    def drop_packs() -> None:
        connection = sqlite3.connect(path)
        connection.execute("DELETE FROM report_days")
        connection.commit()
        connection.close()

    def report_times(label: str) -> dict[str, float]:
        with database.read() as session:
            office = session.query(Office).filter_by(code=OFFICE_CODE).one()
            return {
                "summary": timed(
                    f"{label}: summary", lambda: reports.summary(session, office, first, last)
                ),
                "hourly": timed(
                    f"{label}: by-hour report", lambda: reports.hourly(session, office, first, last)
                ),
                "page": timed(
                    f"{label}: every table of the report page",
                    lambda: reports.full_report(session, office, first, last),
                ),
            }

    baseline = timed(
        "baseline: the year's durations read alone (sqlite3)", lambda: read_durations_alone(path)
    )
    drop_packs()
    live = report_times("every day read live")
    started = time.perf_counter()
    with database.read() as session:
        office = session.query(Office).filter_by(code=OFFICE_CODE).one()
        days = packs.days_to_pack(session, office, everything=True)
    for day in days:
        database.write(
            lambda session, day=day: packs.pack_day(
                session, session.get(Office, office.id), day, datetime.now(UTC)
            )
        )
    print(f"packing {len(days)} closed days: {time.perf_counter() - started:.1f} s")
    packed = report_times("closed days packed")
    with database.read() as session:
        office = session.query(Office).filter_by(code=OFFICE_CODE).one()
        result = reports.summary(session, office, first, last)
    print(
        f"year: issued {result['issued']:,}, legs {result['legs']:,}, served "
        f"{result['served']:,}, wait median {result['wait_s']['median']} s, p90 "
        f"{result['wait_s']['p90']} s, service level {result['service_level']}"
    )
    print("ratios (packed / read live; packed / baseline), target: every table <= 1 s")
    for name, seconds in packed.items():
        print(
            f"  {name}: {seconds:.3f} s, {seconds / live[name]:.3f} of live, "
            f"{seconds / baseline:.2f}x the baseline"
        )
    database.dispose()


def province(args: argparse.Namespace) -> None:
    """Offices compared over a year of a province, on PostgreSQL."""
    database = Database(args.province)
    ensure_schema(database, "migrate")
    rng = np.random.default_rng(2025)
    days = [date(YEAR, 1, 1) + timedelta(days=n) for n in range(365)]
    per_day = args.province_legs // (args.offices * len(days))
    with database.read() as session:
        built = session.query(Office).count()
    if built != args.offices:
        started = time.perf_counter()
        _build_province(database, args.offices, days, per_day, rng)
        print(
            f"built {args.offices} offices, {args.offices * len(days) * per_day:,} legs"
            f" in packs, in {time.perf_counter() - started:.1f} s"
        )
    with database.read() as session:
        version = session.connection().exec_driver_sql("SHOW server_version").scalar()
        size = (
            session.connection()
            .exec_driver_sql("SELECT pg_total_relation_size('report_days')")
            .scalar()
        )
    print(f"machine: {machine()}, PostgreSQL {version}, NumPy {np.__version__}")
    print(f"packs: {size / 1e6:.0f} MB, {args.offices} offices x {len(days)} days x {per_day} legs")
    first, last = days[0], days[-1]

    def counts_alone() -> None:
        with database.read() as session:
            session.connection().exec_driver_sql(
                "SELECT office_id, sum(issued), sum(served), sum(wait_sum_ms)"
                " FROM report_days GROUP BY office_id"
            ).all()

    def compare() -> None:
        with database.read() as session:
            offices = session.query(Office).order_by(Office.code).all()
            reports.compare_offices(session, offices, first, last)

    baseline = timed("baseline: the packs' counts added up alone", counts_alone)
    seconds = timed("every office compared over the year (and the year before)", compare)
    print(f"ratio to the baseline: {seconds / baseline:.1f}x; target: <= 2 s")
    database.dispose()


def _build_province(
    database: Database, offices: int, days: list[date], per_day: int, rng: np.random.Generator
) -> None:
    def setup(session: Any) -> list[Office]:
        created = datetime(YEAR, 1, 1, tzinfo=UTC)
        result = []
        for number in range(1, offices + 1):
            office = Office(
                code=f"P{number:03d}",
                name=f"Trung tâm {number}",
                timezone=TIMEZONE,
                created_at=created,
            )
            session.add(office)
            session.flush()
            for index in range(SERVICES):
                session.add(
                    Service(
                        office_id=office.id,
                        code=f"S{index + 1:02d}",
                        name=f"Lĩnh vực {index + 1}",
                        prefix=chr(65 + index),
                        target_wait_minutes=10 + 5 * (index % 4),
                        sort_order=index,
                    )
                )
            result.append(office)
        session.flush()
        return result

    created = database.write(setup)
    now = datetime.now(UTC)
    for office in created:
        with database.read() as session:
            key = packs.targets_key(session, session.get(Office, office.id))
            service_ids = [s.id for s in session.query(Service).filter_by(office_id=office.id)]
        rows = []
        for day in days:
            columns = _random_legs(rng, per_day, service_ids)
            rows.append(
                {
                    "office_id": office.id,
                    "service_day": day,
                    "built_from": 0,
                    "layout": packs.LAYOUT,
                    "targets": key,
                    "built_at": now,
                    "legs": packs.encode(columns),
                    **packs.day_counts(columns),
                }
            )
        database.write(
            lambda session, rows=rows: session.execute(packs.ReportDay.__table__.insert(), rows)
        )


def _random_legs(
    rng: np.random.Generator, count: int, service_ids: list[int]
) -> dict[str, np.ndarray]:
    state = rng.choice([4, 5, 6, 7], count, p=[0.86, 0.05, 0.04, 0.05])
    waits = np.minimum(rng.exponential(600_000, count), 3 * 3_600_000).astype(np.int32)
    called = state != 6
    within = np.where(called, np.where(waits <= 900_000, 2, 1), 0)
    score = np.where(rng.random(count) < 0.3, rng.integers(1, 6, count), 0)
    served = (state == 4) | (state == 7)
    return {
        "service": rng.choice(service_ids, count).astype(np.int32),
        "counter": rng.integers(1, 31, count).astype(np.int32),
        "clerk": rng.integers(1, 41, count).astype(np.int32),
        "hour": rng.integers(7, 17, count).astype(np.int8),
        "priority": np.where(rng.random(count) < 0.08, rng.integers(1, 7, count), 0).astype(
            np.int8
        ),
        "channel": rng.integers(0, 4, count).astype(np.int8),
        "profile": report_facts.profiles(
            state, np.ones(count, bool), np.ones(count, bool), within, score
        ),
        "wait": np.where(called, waits, report_facts.NO_DURATION).astype(np.int32),
        "walk": np.where(
            called, rng.integers(5_000, 60_000, count), report_facts.NO_DURATION
        ).astype(np.int32),
        "service_time": np.where(
            served, rng.lognormal(12.5, 0.5, count), report_facts.NO_DURATION
        ).astype(np.int32),
        "total": np.where(called, waits + 400_000, waits * 2).astype(np.int32),
        "timed": np.where(served, 1, 0).astype(np.int8),
        "reasons": np.where((score > 0) & (score <= 2), 1, 0).astype(np.int8),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--legs", type=int, default=1_000_000)
    parser.add_argument("--database", default="/tmp/luot-bench-reports.db")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--province", metavar="POSTGRESQL_URL")
    parser.add_argument("--offices", type=int, default=100)
    parser.add_argument("--province-legs", type=int, default=20_000_000)
    args = parser.parse_args()
    if args.province:
        province(args)
    else:
        one_office(args)


if __name__ == "__main__":
    main()

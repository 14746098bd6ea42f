"""Report figures on a controlled two-day history built through the use cases.

Every expected number below is worked out by hand from the timestamps of the
history; random histories then check every figure against a plain Python
computation from the rows (durations in whole milliseconds, rounded down),
read live and from the packs of closed days.
"""

from __future__ import annotations

import csv
import io
import random
import statistics
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from queueing import accounts, reports
from queueing import operations as ops
from queueing.errors import Invalid
from queueing.models import Office, Rating, Service, Ticket
from queueing.operations import Actor
from queueing.reports import packs

PUBLIC = Actor("public")
MONDAY = date(2026, 11, 23)
TUESDAY = date(2026, 11, 24)


@pytest.fixture
def history(db, office, counters, clock):
    """Two days of the demo office (targets: HT 15, DD 20, KD 15, LD 10 min).

    Monday 09:00 = t 0. Clerk A works counters 1 and 3, clerk B counter 2.
    """
    start = clock()
    c1, c2, c3 = (c.id for c in counters)
    clerk_a, clerk_b = db.write(
        lambda s: tuple(
            accounts.create_user(s, name, "password-123", "clerk", start, office_id=office.id).id
            for name in ("lan", "minh")
        )
    )
    as_a = Actor(f"user:{clerk_a}", clerk_id=clerk_a)
    as_b = Actor(f"user:{clerk_b}", clerk_id=clerk_b)

    def at(seconds, who, operation, *args, **kwargs):
        clock.moment = start + timedelta(seconds=seconds)
        return db.write(lambda s: operation(s, *args, clock(), who, **kwargs))

    def issue(seconds, service, **options):
        clock.moment = start + timedelta(seconds=seconds)
        return db.write(
            lambda s: ops.issue_ticket(s, office.id, service, clock(), PUBLIC, **options)
        )[0]

    t1 = issue(0, "HT")
    t2 = issue(0, "HT", priority="elderly")
    t3 = issue(30, "DD", channel="api")
    t4 = issue(45.5, "HT", channel="counter")
    at(60, as_a, ops.call_next, c1)  # T2 first (priority): waited 60
    at(75, as_a, ops.start_service, c1)  # walk 15
    at(100, as_b, ops.call_next, c2)  # T1: waited 100
    at(100, as_b, ops.start_service, c2)  # walk 0
    at(195, as_a, ops.finish, c1)  # T2 served 120
    at(200, as_a, ops.call_next, c1)  # T3: waited 170
    at(260, as_a, ops.recall, c1)
    at(290, as_a, ops.mark_no_show, c1)
    at(400, as_b, ops.finish, c2)  # T1 served 300
    at(400.25, as_b, ops.call_next, c2)  # T4: waited 354.75
    at(410.25, as_b, ops.start_service, c2)  # walk 10
    t5 = at(500.25, as_b, ops.transfer, c2, service_code="KD")  # T4 served 90; T5 waits
    at(600.25, as_a, ops.call_next, c3)  # T5: waited 100
    at(600.25, as_a, ops.start_service, c3)
    at(900.25, as_a, ops.finish, c3)  # T5 served 300
    t7 = issue(1100, "HT")
    at(1200, as_a, ops.call_next, c1)  # T7 waited 100, then closed at day end
    at(1210, as_a, ops.start_service, c1)
    t6 = issue(1300, "LD")  # never called: cancelled at day end
    rate = ops.rate
    db.write(lambda s: rate(s, t2.id, 5, clock(), PUBLIC))
    db.write(
        lambda s: rate(
            s, t1.id, 2, clock(), PUBLIC, reasons=["long_wait", "attitude"], comment="Chờ lâu quá"
        )
    )
    db.write(lambda s: rate(s, t5.id, 4, clock(), PUBLIC))
    # Tuesday: the day end closes T6 and T7 first.
    tuesday = start + timedelta(days=1)
    clock.moment = tuesday - timedelta(hours=1)
    db.write(lambda s: ops.close_day(s, office.id, clock(), Actor.system()))
    t8 = issue(86400, "DD")
    at(86400 + 1500, as_b, ops.call_next, c2)  # waited 1500 > 20 min
    at(86400 + 1500, as_b, ops.start_service, c2)
    at(86400 + 1600, as_b, ops.finish, c2)  # served 100
    db.write(
        lambda s: rate(
            s, t8.id, 1, clock(), PUBLIC, reasons=["slow_processing"], comment="=HYPERLINK(1)"
        )
    )
    return {
        "tickets": (t1, t2, t3, t4, t5, t6, t7, t8),
        "clerks": (clerk_a, clerk_b),
        "counters": (c1, c2, c3),
    }


def summary(db, office, date_from=MONDAY, date_to=TUESDAY, **filters):
    with db.read() as session:
        return reports.summary(
            session, office, date_from, date_to, filters=reports.ReportFilter(**filters)
        )


def test_counts_legs_by_outcome(db, office, history):
    figures = summary(db, office)
    assert (figures["issued"], figures["legs"]) == (7, 8)
    assert (figures["served"], figures["no_show"], figures["cancelled"]) == (5, 1, 1)
    assert (figures["transferred"], figures["inaccurate"]) == (1, 2)


def test_wait_walk_and_service_times_are_exact(db, office, history):
    figures = summary(db, office)
    # Waits 60, 100, 100, 170, 354.75, 1500 (the closed T7 is left out).
    assert figures["wait_s"] == {
        "count": 6,
        "mean": 380.792,
        "median": 135.0,
        "p90": 927.375,
        "max": 1500.0,
    }
    # Walks 0, 0, 0, 10, 15.
    assert figures["walk_s"] == {"count": 5, "mean": 5.0, "median": 0.0, "p90": 13.0, "max": 15.0}
    # Services 90, 100, 120, 300, 300.
    assert figures["service_s"] == {
        "count": 5,
        "mean": 182.0,
        "median": 120.0,
        "p90": 300.0,
        "max": 300.0,
    }


def test_service_level_counts_called_legs_against_their_target(db, office, history):
    # Five of six accurate called legs within target; T8 waited 25 min for 20.
    assert summary(db, office)["service_level"] == 0.8333
    assert summary(db, office, MONDAY, MONDAY)["service_level"] == 1.0
    assert summary(db, office, TUESDAY, TUESDAY)["service_level"] == 0.0


def test_satisfaction_mean_distribution_and_reasons(db, office, history):
    figures = summary(db, office)
    assert figures["rating_count"] == 4
    assert figures["rating_mean"] == 3.0
    assert figures["rating_distribution"] == {"1": 1, "2": 1, "3": 0, "4": 1, "5": 1}
    with db.read() as session:
        details = reports.satisfaction(session, office, MONDAY, TUESDAY)
    assert details["reasons"] == {"long_wait": 1, "attitude": 1, "slow_processing": 1}
    assert [c["comment"] for c in details["comments"]] == ["=HYPERLINK(1)", "Chờ lâu quá"]


def test_auto_closed_legs_are_counted_but_not_timed(db, office, history):
    figures = summary(db, office, services=("LD",))
    assert (figures["issued"], figures["cancelled"], figures["inaccurate"]) == (1, 1, 1)
    assert figures["wait_s"]["count"] == 0
    assert figures["service_level"] is None
    ht = summary(db, office, services=("HT",))
    assert (ht["issued"], ht["served"], ht["inaccurate"]) == (4, 3, 1)
    assert ht["wait_s"]["count"] == 3  # T7's 100 s wait is not counted


def test_filter_by_service(db, office, history):
    figures = summary(db, office, services=("HT",))
    assert figures["wait_s"] == {
        "count": 3,
        "mean": 171.583,
        "median": 100.0,
        "p90": 303.8,
        "max": 354.75,
    }
    assert [row["service"] for row in figures["by_service"]] == ["HT"]


def test_filter_by_counter(db, office, history):
    c1 = history["counters"][0]
    figures = summary(db, office, counters=(c1,))
    assert (figures["legs"], figures["no_show"], figures["inaccurate"]) == (3, 1, 1)
    assert figures["wait_s"]["mean"] == 115.0
    assert [row["number"] for row in figures["by_counter"]] == [1]


def test_filter_by_clerk(db, office, history):
    _clerk_a, clerk_b = history["clerks"]
    figures = summary(db, office, clerks=(clerk_b,))
    assert figures["legs"] == 3
    assert figures["wait_s"]["median"] == 354.75
    assert figures["wait_s"]["mean"] == 651.583
    assert [row["name"] for row in figures["by_clerk"]] == ["minh"]


def test_filter_by_channel_and_priority(db, office, history):
    api = summary(db, office, channels=("api",))
    assert (api["issued"], api["no_show"], api["wait_s"]["max"]) == (1, 1, 170.0)
    elderly = summary(db, office, priorities=("elderly",))
    assert (elderly["issued"], elderly["wait_s"]["mean"]) == (1, 60.0)
    assert summary(db, office, priorities=("any",))["issued"] == 1
    assert summary(db, office, priorities=("none",))["issued"] == 6
    both = summary(db, office, channels=("api", "counter"), services=("HT",))
    assert both["issued"] == 1  # T4: issued at a counter, HT


def test_unknown_filters_are_refused(db, office, history):
    with pytest.raises(Invalid) as unknown_channel:
        reports.ReportFilter(channels=("fax",))
    assert unknown_channel.value.code == "unknown_channel"
    with pytest.raises(Invalid) as unknown_priority:
        reports.ReportFilter(priorities=("vip",))
    assert unknown_priority.value.code == "unknown_priority"
    with pytest.raises(Invalid) as unknown_service:
        summary(db, office, services=("NOPE",))
    assert unknown_service.value.code == "unknown_service"


def test_groups_by_day_counter_clerk_and_hour(db, office, history):
    with db.read() as session:
        full = reports.full_report(session, office, MONDAY, TUESDAY)
    assert [(row["day"], row["issued"]) for row in full["by_day"]] == [
        ("2026-11-23", 6),
        ("2026-11-24", 1),
    ]
    counters = {row["number"]: row for row in full["by_counter"]}
    assert counters[2]["service_s"]["mean"] == 163.333  # 300, 90, 100
    assert counters[3]["wait_s"]["max"] == 100.0
    clerks = {row["name"]: row for row in full["by_clerk"]}
    assert clerks["lan"]["legs"] == 4
    assert [(row["hour"], row["issued"], row["legs"]) for row in full["by_hour"]] == [(9, 7, 8)]
    assert full["heatmap"]["cells"] == [
        {"weekday": 0, "hour": 9, "issued": 6, "wait_mean": 156.95, "wait_median": 100.0},
        {"weekday": 1, "hour": 9, "issued": 1, "wait_mean": 1500.0, "wait_median": 1500.0},
    ]


def test_hourly_report_matches_the_summary(db, office, history):
    with db.read() as session:
        hourly = reports.hourly(session, office, MONDAY, TUESDAY)
    assert hourly["by_hour"] == summary(db, office)["by_hour"]
    assert hourly["heatmap"]["hours"] == [9]


def test_tickets_csv_agrees_with_the_summary(db, office, history):
    with db.read() as session:
        text = reports.tickets_csv(session, office, MONDAY, TUESDAY, filters=reports.NO_FILTER)
        filtered = reports.tickets_csv(
            session, office, MONDAY, TUESDAY, filters=reports.ReportFilter(services=("HT",))
        )
    rows = list(csv.DictReader(io.StringIO(text)))
    waits = sorted(float(row["wait_s"]) for row in rows if row["wait_s"])
    figures = summary(db, office)
    assert len(rows) == figures["legs"]
    assert round(statistics.fmean(waits), 3) == figures["wait_s"]["mean"]
    assert max(waits) == figures["wait_s"]["max"]
    assert {row["code"] for row in csv.DictReader(io.StringIO(filtered))} == {
        "A001",
        "A002",
        "A003",
        "A004",
    }


# -- every figure against plain Python ---------------------------------------------


def millis(start, end):
    """Whole milliseconds from start to end, rounded down."""
    return (end - start) // timedelta(milliseconds=1)


def _reference(legs, targets):
    """The figures as a person would compute them from the rows."""

    def stats(values):
        values = sorted(values)
        if not values:
            return {"count": 0, "mean": None, "median": None, "p90": None, "max": None}
        position = (len(values) - 1) * 0.9
        low = int(position)
        high = min(low + 1, len(values) - 1)
        p90 = values[low] + (values[high] - values[low]) * (position - low)
        return {
            "count": len(values),
            "mean": round(sum(values) / len(values) / 1000, 3),
            "median": round(statistics.median(values) / 1000, 3),
            "p90": round(p90 / 1000, 3),
            "max": round(values[-1] / 1000, 3),
        }

    waits = [millis(t.issued_at, t.first_called_at) for t in legs if t.first_called_at]
    services = [millis(t.started_at, t.finished_at) for t in legs if t.finished_at]
    within = [
        millis(t.issued_at, t.first_called_at) <= targets[t.service_id]
        for t in legs
        if t.first_called_at
    ]
    return {
        "wait_s": stats(waits),
        "service_s": stats(services),
        "service_level": round(sum(within) / len(within), 4) if within else None,
        "walk_figures": stats,
    }


def served_leg(office_id, service_id, day, sequence, times):
    """A served leg with the given (issued, called, started, finished)."""
    issued, called, started, finished = times
    return Ticket(
        office_id=office_id,
        service_id=service_id,
        service_day=day,
        sequence=sequence,
        number=sequence,
        code=f"X{sequence:03d}",
        state="done",
        issued_at=issued,
        queued_at=issued,
        first_called_at=called,
        last_called_at=called,
        call_count=1,
        started_at=started,
        finished_at=finished,
    )


@pytest.mark.parametrize("timezone", ["Asia/Ho_Chi_Minh", "Europe/Paris", "Asia/Kathmandu"])
def test_random_history_matches_plain_python_to_the_millisecond(db, office, timezone):
    """Random microsecond timestamps, waits across midnight, and a zone with
    a daylight-saving change in the range (Paris, 29 March 2026)."""
    rng = random.Random(timezone)
    with db.read() as session:
        targets = {
            service.id: service.target_wait_minutes * 60_000
            for service in session.query(Service).filter_by(office_id=office.id)
        }
    service_ids = sorted(targets)
    first_day = date(2026, 3, 27)

    def build(session):
        session.get(Office, office.id).timezone = timezone
        legs = []
        for index in range(300):
            issued = datetime(2026, 3, 26, 22, tzinfo=UTC) + timedelta(
                microseconds=rng.randrange(4 * 86400 * 1_000_000)
            )
            called = issued + timedelta(microseconds=rng.randrange(3 * 3600 * 1_000_000))
            started = called + timedelta(microseconds=rng.randrange(60_000_000))
            finished = started + timedelta(microseconds=rng.randrange(1, 1800 * 1_000_000))
            leg = served_leg(
                office.id,
                rng.choice(service_ids),
                first_day + timedelta(days=index % 3),
                index + 1,
                (issued, called, started, finished),
            )
            session.add(leg)
            legs.append(leg)
        session.flush()
        return legs

    legs = db.write(build)
    with db.read() as session:
        office_now = session.get(Office, office.id)
        figures = reports.summary(session, office_now, first_day, first_day + timedelta(days=2))
    expected = _reference(legs, targets)
    assert figures["wait_s"] == expected["wait_s"]
    assert figures["service_s"] == expected["service_s"]
    assert figures["service_level"] == expected["service_level"]
    hours: dict[int, int] = {}
    for leg in legs:
        hour = leg.issued_at.astimezone(ZoneInfo(timezone)).hour
        hours[hour] = hours.get(hour, 0) + 1
    assert {row["hour"]: row["legs"] for row in figures["by_hour"]} == hours


def test_ratings_of_filtered_out_legs_are_not_counted(db, office, history):
    with db.read() as session:
        assert session.query(Rating).count() == 4
    assert summary(db, office, services=("KD",))["rating_distribution"]["4"] == 1
    assert summary(db, office, services=("KD",))["rating_count"] == 1


def test_random_history_by_service_counter_and_hour_matches_plain_python(db, office, counters):
    """Every group's counts and exact duration figures agree with a plain
    computation from the rows, with cancellations counting against the level."""
    rng = random.Random(7)
    with db.read() as session:
        services = {s.id: s for s in session.query(Service).filter_by(office_id=office.id)}
        targets = {sid: s.target_wait_minutes * 60_000 for sid, s in services.items()}
    counter_ids = [c.id for c in counters]
    day = date(2026, 11, 23)

    def build(session):
        legs = []
        for index in range(400):
            issued = datetime(2026, 11, 23, 0, tzinfo=UTC) + timedelta(
                microseconds=rng.randrange(10 * 3600 * 1_000_000)
            )
            is_cancelled = rng.random() < 0.15
            called = issued + timedelta(microseconds=rng.randrange(40 * 60 * 1_000_000))
            started = called + timedelta(microseconds=rng.randrange(60_000_000))
            finished = started + timedelta(microseconds=rng.randrange(1, 900 * 1_000_000))
            leg = Ticket(
                office_id=office.id,
                service_id=rng.choice(sorted(services)),
                service_day=day,
                sequence=index + 1,
                number=index + 1,
                code=f"R{index + 1:03d}",
                state="cancelled" if is_cancelled else "done",
                issued_at=issued,
                queued_at=issued,
                first_called_at=None if is_cancelled else called,
                last_called_at=None if is_cancelled else called,
                call_count=0 if is_cancelled else 1,
                started_at=None if is_cancelled else started,
                finished_at=None if is_cancelled else finished,
                cancelled_at=called if is_cancelled else None,
                counter_id=None if is_cancelled else rng.choice(counter_ids),
            )
            session.add(leg)
            legs.append(leg)
        session.flush()
        return legs

    legs = db.write(build)
    with db.read() as session:
        figures = reports.summary(session, office, day, day)

    def expected(group):
        called = [t for t in group if t.first_called_at]
        within = [millis(t.issued_at, t.first_called_at) <= targets[t.service_id] for t in called]
        within += [
            False
            for t in group
            if t.cancelled_at and millis(t.issued_at, t.cancelled_at) > targets[t.service_id]
        ]
        reference = _reference(called, targets) if called else None
        return {
            "legs": len(group),
            "cancelled": sum(1 for t in group if t.state == "cancelled"),
            "wait_s": reference["wait_s"] if reference else None,
            "service_s": reference["service_s"] if reference else None,
            "service_level": round(sum(within) / len(within), 4) if within else None,
        }

    def actual(row):
        return {name: row[name] for name in ("legs", "cancelled", "service_level")} | {
            name: row[name] if row[name]["count"] else None for name in ("wait_s", "service_s")
        }

    zone = ZoneInfo(office.timezone)
    groupings = {
        "by_service": ("service", lambda t: services[t.service_id].code),
        "by_counter": ("counter", lambda t: t.counter_id),
        "by_hour": ("hour", lambda t: t.issued_at.astimezone(zone).hour),
    }
    for table, (column, key_of) in groupings.items():
        groups: dict = {}
        for leg in legs:
            groups.setdefault(key_of(leg), []).append(leg)
        groups.pop(None, None)  # legs at no counter have no counter row
        rows = {row[column]: actual(row) for row in figures[table]}
        assert rows == {key: expected(group) for key, group in groups.items()}, table


def test_durations_are_whole_milliseconds_rounded_down(db, office):
    """Each leg keeps its durations when it is written; a fraction of a
    millisecond is dropped, never rounded up."""
    issued = datetime(2026, 11, 23, 2, 0, 59, 999_500, tzinfo=UTC)
    called = datetime(2026, 11, 23, 2, 10, 0, 999_999, tzinfo=UTC)
    started = datetime(2026, 11, 23, 2, 10, 5, 0, tzinfo=UTC)
    finished = datetime(2026, 11, 23, 2, 12, 59, 999_700, tzinfo=UTC)

    def build(session):
        service = session.query(Service).filter_by(office_id=office.id, code="HT").one()
        leg = served_leg(office.id, service.id, MONDAY, 1, (issued, called, started, finished))
        session.add(leg)
        session.flush()
        return leg.id

    leg_id = db.write(build)
    with db.read() as session:
        leg = session.get(Ticket, leg_id)
        stored = (leg.wait_ms, leg.walk_ms, leg.service_ms, leg.total_ms)
    # 541.000499 s, 4.000001 s, 174.9997 s, 720.0002 s
    assert stored == (541_000, 4_000, 174_999, 720_000)
    figures = summary(db, office, MONDAY, MONDAY)
    assert figures["wait_s"]["max"] == 541.0
    assert figures["walk_s"]["max"] == 4.0
    assert figures["service_s"]["max"] == 174.999


def test_a_leg_closed_by_the_day_end_keeps_no_durations(db, office, history):
    _t1, _t2, _t3, _t4, _t5, t6, t7, _t8 = history["tickets"]
    with db.read() as session:
        closed = [session.get(Ticket, ticket.id) for ticket in (t6, t7)]
    assert [(t.wait_ms, t.walk_ms, t.service_ms, t.total_ms) for t in closed] == [
        (None, None, None, None),
        (None, None, None, None),
    ]


def test_a_large_history_matches_plain_python_in_every_table(db, office, counters, clock):
    """21,000 legs over a week up to today: every figure of every group of
    every table (the whole, by service, counter, clerk, hour and day) equals
    a plain computation from the rows, read live, then from the closed days'
    packs beside today's live legs, and again after a past leg changes."""
    rng = random.Random(21_000)
    legs_count = 21_000
    with db.read() as session:
        services = {s.id: s for s in session.query(Service).filter_by(office_id=office.id)}
        targets = {sid: s.target_wait_minutes * 60_000 for sid, s in services.items()}
        today = reports.facts.office_today(session.get(Office, office.id))
    first_day = today - timedelta(days=6)
    counter_ids = [c.id for c in counters]
    clerk_ids = db.write(
        lambda s: [
            accounts.create_user(
                s, f"clerk{n}", "password-123", "clerk", clock(), office_id=office.id
            ).id
            for n in range(3)
        ]
    )
    zone = ZoneInfo(office.timezone)

    def leg(index):
        day = first_day + timedelta(days=index % 7)
        opening = datetime.combine(day, datetime.min.time(), zone)
        issued = opening + timedelta(hours=7, microseconds=rng.randrange(10 * 3600 * 1_000_000))
        state = rng.choices(("done", "no_show", "cancelled"), (85, 8, 7))[0]
        called = issued + timedelta(microseconds=rng.randrange(40 * 60 * 1_000_000))
        started = called + timedelta(microseconds=rng.randrange(90_000_000))
        finished = started + timedelta(microseconds=rng.randrange(1, 1200 * 1_000_000))
        was_called = state != "cancelled"
        return Ticket(
            office_id=office.id,
            service_id=rng.choice(sorted(services)),
            service_day=day,
            sequence=index + 1,
            number=index + 1,
            code=f"L{index + 1}",
            state=state,
            priority=rng.choice(("none", "none", "elderly")),
            channel=rng.choice(("kiosk", "api")),
            issued_at=issued,
            queued_at=issued,
            first_called_at=called if was_called else None,
            last_called_at=called if was_called else None,
            call_count=1 if was_called else 0,
            started_at=started if state == "done" else None,
            finished_at=finished if state == "done" else None,
            no_show_at=called + timedelta(minutes=2) if state == "no_show" else None,
            cancelled_at=called if state == "cancelled" else None,
            counter_id=rng.choice(counter_ids) if was_called else None,
            clerk_id=rng.choice(clerk_ids) if was_called else None,
            service_timed_from="start" if state == "done" else None,
        )

    def build(session):
        legs = [leg(index) for index in range(legs_count)]
        session.add_all(legs)
        session.flush()
        for ticket in legs:
            if ticket.state == "done" and rng.random() < 0.3:
                session.add(
                    Rating(ticket_id=ticket.id, score=rng.randint(1, 5), created_at=clock())
                )
        session.flush()
        return legs

    legs = db.write(build)
    with db.read() as session:
        scores = dict(session.query(Rating.ticket_id, Rating.score))

    def expected(group):
        called = [t for t in group if t.first_called_at]
        walks = [millis(t.first_called_at, t.started_at) for t in called if t.started_at]
        within = [millis(t.issued_at, t.first_called_at) <= targets[t.service_id] for t in called]
        within += [
            False
            for t in group
            if t.cancelled_at and millis(t.issued_at, t.cancelled_at) > targets[t.service_id]
        ]
        rated = [scores[t.id] for t in group if t.id in scores]
        reference = _reference(called, targets) if called else {}
        walk_figures = _reference([], targets)["walk_figures"](walks) if walks else None
        return {
            "legs": len(group),
            "issued": len(group),
            "served": sum(1 for t in group if t.state == "done"),
            "no_show": sum(1 for t in group if t.state == "no_show"),
            "cancelled": sum(1 for t in group if t.state == "cancelled"),
            "wait_s": reference.get("wait_s"),
            "walk_s": walk_figures,
            "service_s": reference.get("service_s"),
            "service_level": round(sum(within) / len(within), 4) if within else None,
            "rating_count": len(rated),
            "rating_mean": round(sum(rated) / len(rated), 3) if rated else None,
        }

    def actual(row):
        found = {name: row[name] for name in ("legs", "issued", "served", "no_show", "cancelled")}
        for name in ("wait_s", "walk_s", "service_s"):
            found[name] = row[name] if row[name]["count"] else None
        for name in ("service_level", "rating_count", "rating_mean"):
            found[name] = row[name]
        return found

    groupings = {
        "by_service": ("service", lambda t: services[t.service_id].code),
        "by_counter": ("counter", lambda t: t.counter_id),
        "by_clerk": ("clerk", lambda t: t.clerk_id),
        "by_hour": ("hour", lambda t: t.issued_at.astimezone(zone).hour),
        "by_day": ("day", lambda t: t.service_day.isoformat()),
    }

    def check(report):
        assert actual(report) == expected(legs)
        served = sum(1 for t in legs if t.state == "done")
        assert report["service_timing"] == {"start": served, "call": 0, "untimed": 0}
        for table, (column, key_of) in groupings.items():
            groups: dict = {}
            for ticket in legs:
                groups.setdefault(key_of(ticket), []).append(ticket)
            groups.pop(None, None)  # legs at no counter or clerk have no row
            found = {row[column]: actual(row) for row in report[table]}
            assert found == {key: expected(group) for key, group in groups.items()}, table

    def full_report():
        with db.read() as session:
            current = session.get(Office, office.id)
            facts = reports.load_facts(session, current, first_day, today)
            return reports.full_report(session, current, first_day, today), facts.unpacked_days

    report, unpacked = full_report()
    assert unpacked == [first_day + timedelta(days=n) for n in range(6)]
    check(report)

    def pack_closed_days(session):
        current = session.get(Office, office.id)
        return [packs.pack_day(session, current, day, clock()) for day in unpacked]

    packed_legs = db.write(pack_closed_days)
    assert sum(packed_legs) == sum(1 for t in legs if t.service_day < today)
    report, unpacked = full_report()
    assert unpacked == []
    check(report)

    # A past leg changes: its day's pack is no longer read, and the change shows.
    changed = next(t for t in legs if t.service_day == first_day and t.state == "done")

    def serve_longer(session):
        ticket = session.get(Ticket, changed.id)
        ticket.finished_at += timedelta(minutes=30)
        return ticket.finished_at

    changed.finished_at = db.write(serve_longer)
    report, unpacked = full_report()
    assert unpacked == [first_day]
    check(report)

"""Offices side by side: each office's figures are those of its own report,
whether its days are packed or read live, and the trend is the change from
the period before."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from queueing import reports
from queueing.models import Office, Rating, Service, Ticket
from queueing.reports import packs


def _second_office(session, now):
    office = Office(code="HUE", name="Trung tâm Huế", created_at=now)
    session.add(office)
    session.flush()
    for index, minutes in enumerate((10, 20)):
        session.add(
            Service(
                office_id=office.id,
                code=f"S{index}",
                name=f"Lĩnh vực {index}",
                prefix=chr(65 + index),
                target_wait_minutes=minutes,
                sort_order=index,
            )
        )
    session.flush()
    return office.id


def _legs(session, office_id, first_day, days, count, rng, now):
    zone = ZoneInfo(session.get(Office, office_id).timezone)
    service_ids = [s.id for s in session.query(Service).filter_by(office_id=office_id)]
    for index in range(count):
        day = first_day + timedelta(days=index % days)
        issued = datetime.combine(day, datetime.min.time(), zone) + timedelta(
            hours=8, microseconds=rng.randrange(8 * 3600 * 1_000_000)
        )
        state = rng.choices(("done", "no_show", "cancelled", "waiting"), (80, 8, 8, 4))[0]
        called = issued + timedelta(microseconds=rng.randrange(40 * 60 * 1_000_000))
        is_called = state in ("done", "no_show")
        ticket = Ticket(
            office_id=office_id,
            service_id=rng.choice(service_ids),
            service_day=day,
            sequence=index + 1,
            number=index + 1,
            code=f"X{index + 1}",
            state=state,
            issued_at=issued,
            queued_at=issued,
            first_called_at=called if is_called else None,
            started_at=called if state == "done" else None,
            finished_at=called + timedelta(minutes=5) if state == "done" else None,
            no_show_at=called + timedelta(minutes=2) if state == "no_show" else None,
            cancelled_at=called if state == "cancelled" else None,
        )
        session.add(ticket)
        session.flush()
        if state == "done" and rng.random() < 0.4:
            session.add(Rating(ticket_id=ticket.id, score=rng.randint(1, 5), created_at=now))


def test_each_office_reads_as_its_own_report_packed_or_live(db, office, clock):
    rng = random.Random(13)
    with db.read() as session:
        today = reports.facts.office_today(session.get(Office, office.id))
    date_from, date_to = today - timedelta(days=3), today
    previous_from, previous_to = reports.previous_period(date_from, date_to)
    hue = db.write(lambda s: _second_office(s, clock()))
    for office_id, count in ((office.id, 600), (hue, 300)):
        db.write(lambda s, o=office_id, n=count: _legs(s, o, previous_from, 8, n, rng, clock()))

    def compared():
        with db.read() as session:
            offices = [session.get(Office, hue), session.get(Office, office.id)]
            return reports.compare_offices(session, offices, date_from, date_to)

    def own(office_id, first, last):
        with db.read() as session:
            figures = reports.summary(session, session.get(Office, office_id), first, last)
        rated = figures["rating_count"]
        low = sum(figures["rating_distribution"][str(score)] for score in (1, 2, 3))
        return {
            "issued": figures["issued"],
            "served": figures["served"],
            "no_show": figures["no_show"],
            "no_show_rate": round(figures["no_show"] / figures["issued"], 4),
            "wait_mean_s": figures["wait_s"]["mean"],
            "wait_p90_s": figures["wait_s"]["p90"],
            "service_level": figures["service_level"],
            "rating_count": rated,
            "rating_mean": figures["rating_mean"],
            "low_score_share": round(low / rated, 4),
        }

    def check(body):
        assert [row["office"] for row in body["offices"]] == ["HUE", office.code]
        assert body["previous"] == {
            "from": previous_from.isoformat(),
            "to": previous_to.isoformat(),
        }
        for row, office_id in zip(body["offices"], (hue, office.id), strict=True):
            now = {name: row[name] for name in reports.COMPARED}
            assert now == own(office_id, date_from, date_to)
            assert row["previous"] == own(office_id, previous_from, previous_to)
            assert row["trend"] == {
                name: round(now[name] - row["previous"][name], 4) for name in reports.COMPARED
            }

    live = compared()
    check(live)

    def pack_everything(session):
        for office_id in (office.id, hue):
            current = session.get(Office, office_id)
            for day in packs.days_to_pack(session, current, everything=True):
                packs.pack_day(session, current, day, clock())

    db.write(pack_everything)
    with db.read() as session:
        assert session.query(packs.ReportDay).count() == 14  # 7 closed days each
    assert compared() == live
    check(compared())

"""Closed days packed for the reports: which days are packed, when a pack
stops being read, and that a report reads the same figures either way."""

from __future__ import annotations

from queueing import operations as ops
from queueing import reports
from queueing.models import Office, ReportDay, ReportDayChange, Service, Ticket
from queueing.operations import Actor
from queueing.reports import packs

PUBLIC = Actor("public")


def _office(session, office):
    return session.get(Office, office.id)


def test_closed_days_with_legs_are_packed_once_and_today_never(db, office, clock):
    """The test clock's day lies before the real today, so its legs form a
    closed day; legs dated today stay live."""
    for _ in range(3):
        db.write(lambda s: ops.issue_ticket(s, office.id, "HT", clock(), PUBLIC))
    with db.read() as session:
        current = _office(session, office)
        today = reports.facts.office_today(current)
        closed_day = session.query(Ticket.service_day).first()[0]
        assert closed_day < today
        assert packs.days_to_pack(session, current) == [closed_day]

    def today_leg(session):
        service = session.query(Service).filter_by(office_id=office.id, code="DD").one()
        moment = clock()
        session.add(
            Ticket(
                office_id=office.id,
                service_id=service.id,
                service_day=today,
                sequence=1,
                number=1,
                code="B001",
                issued_at=moment,
                queued_at=moment,
            )
        )

    db.write(today_leg)
    with db.read() as session:
        assert packs.days_to_pack(session, _office(session, office)) == [closed_day]
    legs = db.write(lambda s: packs.pack_day(s, _office(s, office), closed_day, clock()))
    assert legs == 3
    with db.read() as session:
        current = _office(session, office)
        assert packs.days_to_pack(session, current) == []
        pack = session.get(ReportDay, (office.id, closed_day))
        assert (pack.leg_count, pack.issued, pack.built_from) == (3, 3, 0)
        facts = reports.load_facts(session, current, closed_day, today)
        assert facts.unpacked_days == []
        # Three packed legs and the live one of today.
        assert len(facts) == 4


def test_a_change_to_a_packed_day_is_counted_and_the_day_read_live(db, office, clock, counters):
    ticket, _ = db.write(lambda s: ops.issue_ticket(s, office.id, "HT", clock(), PUBLIC))
    clock.advance(90)
    db.write(lambda s: ops.call_next(s, counters[0].id, clock(), PUBLIC))
    day = ticket.service_day
    db.write(lambda s: packs.pack_day(s, _office(s, office), day, clock()))

    def summary():
        with db.read() as session:
            current = _office(session, office)
            facts = reports.load_facts(session, current, day, day)
            return reports.summary(session, current, day, day), facts.unpacked_days

    before, unpacked = summary()
    assert unpacked == []
    assert (before["served"], before["wait_s"]["max"]) == (0, 90.0)
    clock.advance(60)
    db.write(lambda s: ops.finish(s, counters[0].id, clock(), PUBLIC))
    with db.read() as session:
        change = session.get(ReportDayChange, (office.id, day))
        pack = session.get(ReportDay, (office.id, day))
        assert change.changes > pack.built_from
        assert packs.days_to_pack(session, _office(session, office)) == [day]
    after, unpacked = summary()
    assert unpacked == [day]
    assert (after["served"], after["service_s"]["max"]) == (1, 60.0)
    db.write(lambda s: packs.pack_day(s, _office(s, office), day, clock()))
    packed, unpacked = summary()
    assert unpacked == []
    assert packed == after


def test_a_rating_of_a_packed_day_unpacks_it(db, office, clock, counters):
    ticket, _ = db.write(lambda s: ops.issue_ticket(s, office.id, "HT", clock(), PUBLIC))
    db.write(lambda s: ops.call_next(s, counters[0].id, clock(), PUBLIC))
    db.write(lambda s: ops.finish(s, counters[0].id, clock(), PUBLIC))
    day = ticket.service_day
    db.write(lambda s: packs.pack_day(s, _office(s, office), day, clock()))
    db.write(lambda s: ops.rate(s, ticket.id, 2, clock(), PUBLIC))
    with db.read() as session:
        current = _office(session, office)
        assert packs.days_to_pack(session, current) == [day]
        figures = reports.summary(session, current, day, day)
    assert (figures["rating_count"], figures["rating_mean"]) == (1, 2.0)


def test_a_new_target_unpacks_every_day_counted_against_the_old_one(db, office, clock, counters):
    ticket, _ = db.write(lambda s: ops.issue_ticket(s, office.id, "HT", clock(), PUBLIC))
    clock.advance(10 * 60)
    db.write(lambda s: ops.call_next(s, counters[0].id, clock(), PUBLIC))
    day = ticket.service_day
    db.write(lambda s: packs.pack_day(s, _office(s, office), day, clock()))

    def level():
        with db.read() as session:
            current = _office(session, office)
            facts = reports.load_facts(session, current, day, day)
            return reports.figures(facts)["service_level"], facts.unpacked_days

    assert level() == (1.0, [])  # waited 10 min for 15

    def tighten(session):
        service = session.query(Service).filter_by(office_id=office.id, code="HT").one()
        service.target_wait_minutes = 5

    db.write(tighten)
    assert level() == (0.0, [day])
    with db.read() as session:
        assert packs.days_to_pack(session, _office(session, office)) == [day]

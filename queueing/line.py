"""The line: which waiting ticket each counter calls next, and when every
waiting ticket is expected to be called.

This is the one model of the call order. ``call_next`` asks it which ticket
to claim; the citizen's position and estimated wait, the service figures of
the kiosk and the API, the counter's waiting list and the board all read the
same model, so what a citizen is told is what the counters will do.

The rule a counter follows when it calls:
1. its services by preference level (1 first); a ticket transferred to this
   very counter comes before every level;
2. within the first level that has anyone waiting: tickets sent to the head
   of the line first (priority ones before the others), then, with the
   office's priority ratio 0, priority tickets before normal ones; with a
   ratio of N, one priority ticket after each N normal ones (the counter's
   streak counts normal tickets called since its last priority one); among
   normal tickets, checked-in bookings before walk-ins;
3. otherwise first come, first served across every service of that level.

The forecast runs the staffed counters forward from ``now``: each calls by
the rule the moment it is expected to be free, and is then busy for the
service time of what it called (its own pace where history allows). A
ticket's position is the number of tickets called before it at the counters
that could call it; its estimated wait is when its call comes.

Pure code: plain values in, plain values out, no database and no clock.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

#: An owner of waiting tickets: ("service", id) or ("counter", id) for the
#: legs transferred to one counter.
Owner = tuple[str, int]
#: The kinds of ticket in one owner's line: sent to the head (priority or
#: not), priority, a checked-in booking, a walk-in.
HEAD_PRIORITY, HEAD_NORMAL, PRIORITY, BOOKED, NORMAL = range(5)


class Waiting(NamedTuple):
    """A waiting ticket as the line sees it (a tuple: offices read hundreds
    of them for every answer)."""

    id: int
    service_id: int
    is_priority: bool
    is_queue_head: bool
    queued_at: datetime
    #: Transferred to one counter: only that counter calls it.
    reserved_counter_id: int | None = None
    #: A booking checked in: called before the walk-ins of its kind.
    is_booked: bool = False

    @property
    def owner(self) -> Owner:
        if self.reserved_counter_id is not None:
            return ("counter", self.reserved_counter_id)
        return ("service", self.service_id)

    @property
    def kind(self) -> int:
        # A leg transferred to one counter goes first there.
        if self.is_queue_head or self.reserved_counter_id is not None:
            return HEAD_PRIORITY if self.is_priority else HEAD_NORMAL
        if self.is_priority:
            return PRIORITY
        return BOOKED if self.is_booked else NORMAL


@dataclass(frozen=True, slots=True)
class Desk:
    """A counter as the line sees it."""

    id: int
    number: int
    #: Service id -> preference level (1 first).
    preferences: Mapping[int, int]
    #: Normal tickets called here since the last priority one.
    normal_streak: int = 0
    #: When the counter is expected to be free to call (its current citizen
    #: served); None means now.
    free_at: datetime | None = None
    #: Expected service seconds per service at this counter (its own pace).
    pace: Mapping[int, float] = field(default_factory=dict)

    def levels(self) -> list[list[Owner]]:
        """The owners this counter calls from, level by level."""
        by_level: dict[int, list[Owner]] = {}
        for service_id, level in self.preferences.items():
            by_level.setdefault(level, []).append(("service", service_id))
        return [[("counter", self.id)]] + [by_level[level] for level in sorted(by_level)]


def expected_seconds(
    pace: Mapping[int, float],
    service_seconds: Mapping[int, float],
    service_id: int,
    default: float,
) -> float:
    """How long a counter is expected to serve a ticket of the service: its
    own pace, else the service's smoothed time, else the office's default."""
    seconds = pace.get(service_id)
    return seconds if seconds is not None else service_seconds.get(service_id, default)


def next_normal_streak(streak: int, called_priority: bool) -> int:
    """A priority call starts the count of normal calls again."""
    return 0 if called_priority else streak + 1


@dataclass(frozen=True, slots=True)
class Place:
    """Where a ticket (or a ticket taken now) stands."""

    #: People who will be called before it at the counters that can call it.
    position: int
    #: When its call is expected; None when no staffed counter can call it.
    call_at: datetime | None

    def shifted(self, by: timedelta) -> Place:
        return self if self.call_at is None or not by else Place(self.position, self.call_at + by)

    def wait_s(self, now: datetime) -> float | None:
        if self.call_at is None:
            return None
        return round(max((self.call_at - now).total_seconds(), 0.0), 1)


@dataclass(slots=True)
class Forecast:
    """The line run forward: every waiting ticket's place, and the place a
    normal ticket of each service would take if issued now."""

    tickets: dict[int, Place]
    services: dict[int, Place]
    #: The predicted calls in order: (counter id, ticket id).
    calls: list[tuple[int, int]]


#: Every kind, in the order the kind indexes below name them.
KINDS = (HEAD_PRIORITY, HEAD_NORMAL, PRIORITY, BOOKED, NORMAL)
#: Kind indexes in the order a counter looks at them (Line._kind_order).
_PRIORITY_FIRST = (HEAD_PRIORITY, HEAD_NORMAL, PRIORITY, BOOKED, NORMAL)
_NORMAL_FIRST = (HEAD_PRIORITY, HEAD_NORMAL, BOOKED, NORMAL, PRIORITY)

#: A queue of one owner and kind: (queued_at, id, ticket), first come first.
Queue = deque[tuple[datetime, int, Waiting]]
#: A counter's queues: per level, per kind (in KINDS order), per owner.
Queues = list[list[list[Queue]]]


def _arrival(ticket: Waiting) -> tuple[datetime, int]:
    return (ticket.queued_at, ticket.id)


class Line:
    """The waiting tickets of one office, kept in the order of the rule.

    Picking removes the ticket, so a Line is used for one question and then
    dropped.
    """

    def __init__(self, tickets: Iterable[Waiting], priority_ratio: int) -> None:
        self.priority_ratio = priority_ratio
        self._queues: dict[tuple[Owner, int], Queue] = {}
        for ticket in sorted(tickets, key=_arrival):
            self._queue(ticket.owner, ticket.kind).append((ticket.queued_at, ticket.id, ticket))

    def __len__(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    def _queue(self, owner: Owner, kind: int) -> Queue:
        queue = self._queues.get((owner, kind))
        if queue is None:
            queue = self._queues[(owner, kind)] = deque()
        return queue

    def _queues_of(self, levels: Sequence[Sequence[Owner]]) -> Queues:
        return [
            [[self._queue(owner, kind) for owner in owners] for kind in KINDS] for owners in levels
        ]

    def _kind_order(self, normal_streak: int) -> tuple[int, ...]:
        """The order in which a counter looks at the kinds of one level."""
        if self.priority_ratio > 0 and normal_streak < self.priority_ratio:
            return _NORMAL_FIRST
        return _PRIORITY_FIRST

    def _choose(self, queues: Queues, normal_streak: int) -> tuple[int, Queue | None, int]:
        """(level index, queue, kind index) of the ticket a counter would
        call now, at the front of that queue; the level index is
        len(queues) and the queue None when it would call nobody."""
        order = self._kind_order(normal_streak)
        for level, kinds in enumerate(queues):
            for kind in order:
                best: Queue | None = None
                for queue in kinds[kind]:
                    if queue and (best is None or queue[0] < best[0]):
                        best = queue
                if best is not None:
                    return level, best, kind
        return len(queues), None, -1

    def call_order(self, desk: Desk, *, as_called: bool = False) -> Iterator[Waiting]:
        """Every ticket ``desk`` may call, in the order it would take them.

        By default each is what the counter's *next* call would take should
        the ones before it be claimed by others meanwhile (its streak stays);
        with ``as_called``, the order in which this counter alone would call
        them one after another (its streak moves with each call).
        """
        queues = self._queues_of(desk.levels())
        streak = desk.normal_streak
        while True:
            _level, queue, _kind = self._choose(queues, streak)
            if queue is None:
                return
            ticket = queue.popleft()[2]
            if as_called:
                streak = next_normal_streak(streak, ticket.is_priority)
            yield ticket

    def forecast(
        self,
        desks: Sequence[Desk],
        now: datetime,
        service_seconds: Mapping[int, float],
        default_service_seconds: float,
    ) -> Forecast:
        """Run the staffed counters ``desks`` forward from ``now``.

        ``service_seconds`` is each service's smoothed service time, used
        where a counter has no pace of its own for it.
        """
        projection = Projection(self, desks, now, service_seconds, default_service_seconds)
        # Dropped at once: its places need no copy.
        return Forecast(projection.tickets, projection.services, projection.calls)


#: The heap of the counters' next calls: (when, counter number, desk index).
_Turn = tuple[datetime, int, int]


@dataclass(slots=True)
class _Checkpoint:
    """A projection's run just before one counter's turn: enough to run it
    again from there."""

    heap: list[_Turn]
    streaks: list[int]
    owner_calls: dict[Owner, int]
    queues: dict[tuple[Owner, int], Queue]
    calls: int
    services: int


class Projection:
    """A forecast of the line that a walk-in joining at the back updates
    without running the whole line again.

    A normal ticket that arrives after every other waits, in the run without
    it, exactly until the first turn at which a counter would have taken a
    new ticket of its service: the moment its service's place is fixed. Up
    to that turn the run with it is the run without it. So the projection
    keeps, for each service, the state of the run just before that turn,
    and :meth:`join` runs again from there with the ticket in its line:
    the counters' work after it, usually a few turns (the line's end), not
    the whole line. The result is the forecast of the whole line run again,
    to the second (the tests compare them).
    """

    def __init__(
        self,
        line: Line,
        desks: Sequence[Desk],
        now: datetime,
        service_seconds: Mapping[int, float],
        default_service_seconds: float,
    ) -> None:
        self.line = line
        self.desks = desks
        self.now = now
        self.service_seconds = service_seconds
        self.default_service_seconds = default_service_seconds
        self.tickets: dict[int, Place] = {}
        self.services: dict[int, Place] = {}
        self.calls: list[tuple[int, int]] = []
        #: Services in the order their place was fixed.
        self._fixed: list[int] = []
        #: Service id -> the run just before the turn that fixed its place.
        self._checkpoints: dict[int, _Checkpoint] = {}
        self._levels = [desk.levels() for desk in desks]
        self._owners = [[owner for owners in levels for owner in owners] for levels in self._levels]
        self._last_arrival: tuple[datetime, int] | None = max(
            (key[:2] for queue in line._queues.values() for key in queue), default=None
        )
        heap = [
            (max(desk.free_at or now, now), desk.number, index) for index, desk in enumerate(desks)
        ]
        heapq.heapify(heap)
        self._run(heap, [desk.normal_streak for desk in desks], {})

    def forecast(self, now: datetime | None = None) -> Forecast | None:
        """The forecast as it stands, a copy of its own, as run from ``now``
        (by default the projection's own); None when it must be run again
        for that (see :meth:`shift_to`)."""
        shift = self.shift_to(now or self.now)
        if shift is None:
            return None
        if not shift:
            return Forecast(dict(self.tickets), dict(self.services), list(self.calls))
        return Forecast(
            {key: place.shifted(shift) for key, place in self.tickets.items()},
            {key: place.shifted(shift) for key, place in self.services.items()},
            list(self.calls),
        )

    def shift_to(self, now: datetime) -> timedelta | None:
        """How every time of the run moves when it is run from ``now``
        rather than from its own start; None when the run would change
        otherwise.

        The start only decides when a counter free by then calls first. So
        with every counter free at the start, the whole run moves with it;
        with every counter busy until after ``now``, it does not move; with
        some of each (or a counter that becomes free in between), the order
        of the calls may change and the line is run again.
        """
        if now == self.now:
            return timedelta(0)
        if now < self.now:
            return None
        if all(desk.free_at is None or desk.free_at <= self.now for desk in self.desks):
            return now - self.now
        if all(desk.free_at is not None and desk.free_at >= now for desk in self.desks):
            return timedelta(0)
        return None

    def can_join(self, ticket: Waiting) -> bool:
        """Whether :meth:`join` takes the ticket: a walk-in of a service's
        own line (not sent to the head, not priority, not a booking) that
        arrives after every ticket the projection holds."""
        return (
            ticket.kind == NORMAL
            and ticket.reserved_counter_id is None
            and (self._last_arrival is None or _arrival(ticket) > self._last_arrival)
        )

    def join(self, ticket: Waiting) -> Place:
        """Add a ticket at the back of its service's line (see
        :meth:`can_join`); returns its place. Every other place is updated."""
        if not self.can_join(ticket):
            raise ValueError("only a walk-in arriving after every other joins a projection")
        self._last_arrival = _arrival(ticket)
        key = (ticket.owner, NORMAL)
        entry = (ticket.queued_at, ticket.id, ticket)
        checkpoint = self._checkpoints.get(ticket.service_id)
        if checkpoint is None:
            # No staffed counter would ever take it: it waits behind the
            # rest of its line, and nobody else's place moves.
            position = sum(
                len(queue) for (owner, _kind), queue in self.line._queues.items() if owner == key[0]
            )
            self.line._queue(*key).append(entry)
            self._join_checkpoints(key, entry)
            place = self.tickets[ticket.id] = Place(position, None)
            return place
        # Every service fixed at or after that turn is fixed again by the run.
        for service_id in self._fixed[checkpoint.services :]:
            del self.services[service_id]
            self._checkpoints.pop(service_id, None)
        del self._fixed[checkpoint.services :]
        del self.calls[checkpoint.calls :]
        self._join_checkpoints(key, entry)
        self.line._queues = checkpoint.queues
        self.line._queue(*key).append(entry)
        self._run(checkpoint.heap, checkpoint.streaks, checkpoint.owner_calls)
        return self.tickets[ticket.id]

    def _join_checkpoints(
        self, key: tuple[Owner, int], entry: tuple[datetime, int, Waiting]
    ) -> None:
        """The ticket waits in the line of every run kept (services fixed at
        one turn share one)."""
        for kept in {id(kept): kept for kept in self._checkpoints.values()}.values():
            kept.queues.setdefault(key, deque()).append(entry)

    def _checkpoint(
        self, turn: _Turn, heap: list[_Turn], streaks: list[int], owner_calls: dict[Owner, int]
    ) -> _Checkpoint:
        before = list(heap)
        heapq.heappush(before, turn)
        return _Checkpoint(
            heap=before,
            streaks=list(streaks),
            owner_calls=dict(owner_calls),
            queues={key: queue.copy() for key, queue in self.line._queues.items()},
            calls=len(self.calls),
            services=len(self._fixed),
        )

    def _run(self, heap: list[_Turn], streaks: list[int], owner_calls: dict[Owner, int]) -> None:
        """Run the counters' turns from ``heap`` to the end of the line."""
        line = self.line
        desks = self.desks
        tickets = self.tickets
        services = self.services
        calls = self.calls
        desk_levels = self._levels
        desk_owners = self._owners
        desk_queues = [line._queues_of(levels) for levels in desk_levels]

        while heap:
            turn = heapq.heappop(heap)
            at, _number, index = turn
            desk = desks[index]
            levels = desk_levels[index]
            level, queue, kind = line._choose(desk_queues[index], streaks[index])
            due = [owners for owners in levels[1:level]]
            if queue is not None and (
                KINDS[kind] == PRIORITY and line._kind_order(streaks[index]) is _NORMAL_FIRST
            ):
                # Priority only because no normal ticket waits at this
                # level: a new normal one would be taken first.
                due.append(levels[level])
            # A normal ticket issued now would be called here, at ``at``:
            # nothing it would have to let go first is left at these levels.
            checkpoint: _Checkpoint | None = None
            for owners in due:
                for kind_name, service_id in owners:
                    if kind_name == "service" and service_id not in services:
                        if checkpoint is None:
                            checkpoint = self._checkpoint(turn, heap, streaks, owner_calls)
                        self._checkpoints[service_id] = checkpoint
                        services[service_id] = Place(
                            owner_calls.get((kind_name, service_id), 0), at
                        )
                        self._fixed.append(service_id)
            if queue is None:
                continue
            ticket = queue.popleft()[2]
            tickets[ticket.id] = Place(owner_calls.get(ticket.owner, 0), at)
            calls.append((desk.id, ticket.id))
            for owner in desk_owners[index]:
                owner_calls[owner] = owner_calls.get(owner, 0) + 1
            streaks[index] = next_normal_streak(streaks[index], ticket.is_priority)
            seconds = expected_seconds(
                desk.pace, self.service_seconds, ticket.service_id, self.default_service_seconds
            )
            heapq.heappush(heap, (at + timedelta(seconds=seconds), desk.number, index))
        # Whoever no staffed counter can call waits behind the others of
        # its own line, with no time to promise.
        ahead: dict[Owner, int] = {}
        for in_turn in KINDS:
            for (owner, queue_kind), queue in line._queues.items():
                if queue_kind != in_turn:
                    continue
                for _queued_at, ticket_id, _waiting in queue:
                    tickets[ticket_id] = Place(ahead.get(owner, 0), None)
                    ahead[owner] = ahead.get(owner, 0) + 1

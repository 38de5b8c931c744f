"""Figures for the consulting judge's wallboard: service level, seats per court,
and today's queue activity in 15-minute intervals.

Domain side: plain functions and dataclasses over ``SeatPresence`` and
``QueuePresence`` values (see ``app.domain.presence_doc``); no Qt, no
storage. Times are epoch seconds passed in by the caller (``now``), never
read from a clock here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

from app.domain.presence_doc import QueuePresence, SeatPresence
from app.domain.seat_state import SeatState

INTERVAL_S = 15 * 60
DAY_S = 24 * 3600
# Seats that are working on a call (offered, talking, held, wrap-up).
BUSY_STATES = frozenset({SeatState.OFFERED, SeatState.TALKING, SeatState.HELD,
                         SeatState.WRAP_UP})


def service_level(answered_within: int, answered: int, abandoned_after_threshold: int) -> float:
    """Share of calls answered within the threshold T, in 0..1.

    The standard definition: answered within T / (answered + abandoned after
    T). Calls abandoned before T count neither way (the caller hung up too
    soon for any seat to help). With no calls at all the target is met: 1.0.
    """
    if min(answered_within, answered, abandoned_after_threshold) < 0:
        raise ValueError("call counts must be >= 0")
    if answered_within > answered:
        raise ValueError(f"answered within T ({answered_within}) exceeds answered ({answered})")
    offered = answered + abandoned_after_threshold
    return 1.0 if offered == 0 else answered_within / offered


@dataclass
class CourtSummary:
    """Seats of one court, counted by state."""
    court: str
    counts: dict[SeatState, int] = field(
        default_factory=lambda: {state: 0 for state in SeatState})
    longest_in_state: dict[SeatState, float] = field(default_factory=dict)
    lent: int = 0        # this court's signed-in seats serving another court's queue
    borrowed: int = 0    # other courts' signed-in seats serving this court's queues

    @property
    def signed_in(self) -> int:
        return sum(n for state, n in self.counts.items() if state is not SeatState.SIGNED_OUT)

    @property
    def ready(self) -> int:
        return self.counts[SeatState.READY]

    @property
    def busy(self) -> int:
        return sum(self.counts[state] for state in BUSY_STATES)

    @property
    def not_ready(self) -> int:
        return self.counts[SeatState.NOT_READY]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def summarize(seats: Iterable[SeatPresence], now: float,
              queue_courts: Mapping[str, str] | None = None) -> dict[str, CourtSummary]:
    """Count seats per court and state; note the longest time in each state.

    ``queue_courts`` maps a queue id to the court that owns it. A signed-in
    seat serving a queue of another court is *lent* by its own court and
    *borrowed* by the queue's court (counted once per court, however many of
    that court's queues it serves). Without the map nothing counts as lent.
    """
    owners = queue_courts or {}
    result: dict[str, CourtSummary] = {}

    def summary(court: str) -> CourtSummary:
        if court not in result:
            result[court] = CourtSummary(court)
        return result[court]

    for seat in seats:
        own = summary(seat.court)
        own.counts[seat.state] += 1
        age = max(0.0, now - seat.since)
        if age > own.longest_in_state.get(seat.state, -1.0):
            own.longest_in_state[seat.state] = age
        if seat.state is SeatState.SIGNED_OUT:
            continue
        others = {owners[q] for q in seat.queues if q in owners} - {seat.court}
        if others:
            own.lent += 1
            for court in others:
                summary(court).borrowed += 1
    return result


@dataclass(frozen=True)
class Interval:
    start: float          # epoch s of the interval's first second
    answered: int
    abandoned: int


class IntervalSeries:
    """Today's answered/abandoned per 15 minutes, and waiting calls over time.

    Fed with queue samples (``QueuePresence`` carries cumulative counters for
    the day); the growth of each queue's counters between samples goes to the
    interval of the later sample. A counter that goes down (the queue server
    restarted) counts its new value as growth. Several queues may feed one
    series (a court, or the whole platform): ``waiting`` is then their sum.

    The waiting series gets a point when the total changes, or at least every
    ``keep_every_s`` seconds, so a day stays a few thousand points.
    """

    def __init__(self, day_start: float, interval_s: int = INTERVAL_S,
                 keep_every_s: float = 60.0):
        if interval_s <= 0 or DAY_S % interval_s:
            raise ValueError(f"interval_s must divide a day, not {interval_s}")
        self.day_start = float(day_start)
        self.interval_s = interval_s
        self.keep_every_s = keep_every_s
        count = DAY_S // interval_s
        self._answered = [0] * count
        self._abandoned = [0] * count
        self._last: dict[str, tuple[int, int, int]] = {}   # queue -> counters, waiting
        self._waiting: list[tuple[float, int]] = []

    def add_sample(self, ts: float, q: QueuePresence) -> bool:
        """Take one sample; False when ``ts`` is outside the day (ignored)."""
        offset = ts - self.day_start
        if not 0 <= offset < DAY_S:
            return False
        index = int(offset // self.interval_s)
        previous = self._last.get(q.queue)
        if previous is not None:
            prev_answered, prev_abandoned, _ = previous
            self._answered[index] += _growth(prev_answered, q.answered)
            self._abandoned[index] += _growth(prev_abandoned, q.abandoned)
        else:
            # The first sample of a queue: its counters so far fall before it.
            self._answered[index] += q.answered
            self._abandoned[index] += q.abandoned
        self._last[q.queue] = (q.answered, q.abandoned, q.waiting)
        total = sum(waiting for _, _, waiting in self._last.values())
        if (not self._waiting or self._waiting[-1][1] != total
                or ts - self._waiting[-1][0] >= self.keep_every_s):
            self._waiting.append((ts, total))
        return True

    def intervals(self, until: float | None = None) -> list[Interval]:
        """Every interval of the day (or up to ``until``), oldest first."""
        count = len(self._answered)
        if until is not None:
            count = max(0, min(count, int((until - self.day_start) // self.interval_s) + 1))
        return [Interval(self.day_start + i * self.interval_s,
                         self._answered[i], self._abandoned[i]) for i in range(count)]

    def waiting_series(self) -> list[tuple[float, int]]:
        """(ts, calls waiting) points of the day, oldest first."""
        return list(self._waiting)

    @property
    def answered_today(self) -> int:
        return sum(self._answered)

    @property
    def abandoned_today(self) -> int:
        return sum(self._abandoned)


def _growth(previous: int, current: int) -> int:
    return current - previous if current >= previous else current

"""The wallboard's history: seat presences and queue samples, in and out.

Storage side of the boundary; callers give and get ``SeatPresence`` and
``QueuePresence`` (app.domain.presence_doc), never a peewee row. The
wallboard keeps what it received so that, after a restart, it can show every
seat's last known state at once (marked stale until a fresh NOTIFY arrives)
and draw today's queue curves.

Write volume: 3,000 seats and their refreshes arrive in bursts, so the
wallboard batches what came in over ~100 ms and calls ``record_many`` once:
one transaction, multi-row INSERTs. Call the writing methods from one thread
(peewee keeps one connection per thread); reads may come from any thread
thanks to WAL. The same SQL runs on SQLite and PostgreSQL (placeholders from
``db.param``; only the deleted-row count is read differently).
"""
from __future__ import annotations

import json
import time
from typing import Callable, Iterable

from app.domain.presence_doc import QueuePresence, SeatPresence
from app.domain.seat_state import SeatState
from app.storage.db import (current_database, insert_many, is_postgres, storage_errors,
                            transaction)
from app.storage.models import QueueSample, SeatStateChange

DAY_S = 24 * 3600

# Latest row per seat, as a CTE to put before a SELECT or DELETE. ``seats``
# hops from seat to seat through the (seat, received_at) index (a "loose index
# scan": one seek per seat, not a pass over every row); ``latest`` takes each
# seat's newest row by the same index; ties on received_at go to the later
# insert. (SQLite refuses a WITH inside an IN subquery, hence the prefix.)
_LATEST = """
WITH RECURSIVE seats(seat) AS (
    SELECT MIN(seat) FROM seat_state_change
    UNION ALL
    SELECT (SELECT MIN(s.seat) FROM seat_state_change s WHERE s.seat > seats.seat)
    FROM seats WHERE seats.seat IS NOT NULL
), latest(id) AS (
    SELECT (SELECT c.id FROM seat_state_change c WHERE c.seat = seats.seat
            ORDER BY c.received_at DESC, c.id DESC LIMIT 1)
    FROM seats WHERE seats.seat IS NOT NULL
)
"""
_SEAT_COLUMNS = ("seat", "court", "state", "reason", "since", "name", "queues",
                 "calls_today", "received_at")
_QUEUE_COLUMNS = ("queue", "court", "ts", "waiting", "oldest_wait_s", "answered",
                  "abandoned", "service_level", "sl_threshold_s", "overflow_active",
                  "lent_in", "lent_out", "lending_until")


def _seat_row(p: SeatPresence, received_at: float) -> tuple:
    # In the order of _SEAT_COLUMNS.
    queues = json.dumps(list(p.queues), ensure_ascii=False) if p.queues else ""
    return (p.seat, p.court, SeatState(p.state).value, p.reason, float(p.since),
            p.name, queues, int(p.calls_today), float(received_at))


def _queue_row(q: QueuePresence, ts: float) -> tuple:
    # In the order of _QUEUE_COLUMNS.
    return (q.queue, q.court, float(ts), int(q.waiting), float(q.oldest_wait_s),
            int(q.answered), int(q.abandoned), float(q.service_level),
            int(q.sl_threshold_s), bool(q.overflow_active), int(q.lent_in),
            int(q.lent_out), q.lending_until)


def _to_seat(row: SeatStateChange) -> tuple[SeatPresence, float]:
    queues = tuple(json.loads(row.queues)) if row.queues else ()
    return (SeatPresence(seat=row.seat, state=SeatState(row.state), reason=row.reason,
                         since=row.since, court=row.court, queues=queues,
                         calls_today=row.calls_today, name=row.name),
            row.received_at)


def _to_queue(row: QueueSample) -> QueuePresence:
    return QueuePresence(
        queue=row.queue, court=row.court, waiting=row.waiting,
        oldest_wait_s=row.oldest_wait_s, answered=row.answered, abandoned=row.abandoned,
        service_level=row.service_level, sl_threshold_s=row.sl_threshold_s,
        overflow_active=bool(row.overflow_active), lent_in=row.lent_in,
        lent_out=row.lent_out, lending_until=row.lending_until, updated=row.ts)


class WallboardRepository:
    """Reads and writes ``seat_state_change`` and ``queue_sample``."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock

    # --- writes -------------------------------------------------------------

    def record_seat(self, p: SeatPresence, received_at: float | None = None) -> None:
        """Keep one seat presence, received at ``received_at`` (default now)."""
        self.record_many(seats=[(p, received_at)])

    def record_queue(self, q: QueuePresence, ts: float | None = None) -> None:
        """Keep one queue sample, at ``ts`` (default ``q.updated``, else now)."""
        self.record_many(queues=[(q, ts)])

    def record_many(self, seats: Iterable[tuple[SeatPresence, float | None]] = (),
                    queues: Iterable[QueuePresence | tuple[QueuePresence, float | None]] = ()
                    ) -> int:
        """Keep a batch in one transaction; return the number of rows written.

        ``seats`` holds (presence, received_at) pairs; ``queues`` holds
        presences (timed by their ``updated``) or (presence, ts) pairs. A time
        of None means now. Nothing is written if any row fails.
        """
        now = self._clock()
        seat_rows = [_seat_row(p, now if at is None else at) for p, at in seats]
        queue_rows = []
        for item in queues:
            q, ts = item if isinstance(item, tuple) else (item, None)
            queue_rows.append(_queue_row(q, ts if ts is not None else (q.updated or now)))
        if not seat_rows and not queue_rows:
            return 0
        current_database()
        with transaction() as db:
            # Raw multi-row inserts (executemany on a prepared statement for
            # SQLite, pages of VALUES for PostgreSQL): peewee's insert_many
            # builds SQL per batch and costs ~10x more per row.
            cursor = db.cursor()
            insert_many(db, "seat_state_change", _SEAT_COLUMNS, seat_rows, cursor)
            insert_many(db, "queue_sample", _QUEUE_COLUMNS, queue_rows, cursor)
        return len(seat_rows) + len(queue_rows)

    def delete_older_than(self, days: float, *, keep_latest: bool = True) -> tuple[int, int]:
        """Retention: drop rows older than ``days``; return (seat rows, queue rows).

        With ``keep_latest`` each seat's newest row stays whatever its age, so
        a seat that has been signed out for weeks is still known.
        """
        if days < 0:
            raise ValueError(f"days must be >= 0, not {days}")
        cutoff = self._clock() - days * DAY_S
        current_database()
        with transaction() as db:
            if keep_latest:
                cursor = db.execute_sql(
                    _LATEST + "DELETE FROM seat_state_change WHERE received_at < "
                    f"{db.param} AND id NOT IN (SELECT id FROM latest)", (cutoff,))
                if is_postgres(db):
                    seats = cursor.rowcount
                else:
                    # sqlite3's rowcount is -1 for a statement starting with WITH.
                    seats = db.execute_sql("SELECT changes()").fetchone()[0]
            else:
                seats = (SeatStateChange.delete()
                         .where(SeatStateChange.received_at < cutoff).execute())
            queues = QueueSample.delete().where(QueueSample.ts < cutoff).execute()
        return seats, queues

    # --- reads --------------------------------------------------------------

    def last_known_seats(self) -> list[tuple[SeatPresence, float]]:
        """Each seat's newest presence and when it was received, by seat id."""
        with storage_errors():
            current_database()
            query = SeatStateChange.raw(
                _LATEST + "SELECT t.* FROM latest JOIN seat_state_change t "
                "ON t.id = latest.id ORDER BY t.seat")
            return [_to_seat(row) for row in query]

    def seat_changes_since(self, ts: float, seat: str | None = None
                           ) -> list[tuple[SeatPresence, float]]:
        """Presences received at or after ``ts`` (of one seat), oldest first."""
        with storage_errors():
            current_database()
            where = SeatStateChange.received_at >= ts
            if seat is not None:
                where &= SeatStateChange.seat == seat
            query = (SeatStateChange.select().where(where)
                     .order_by(SeatStateChange.received_at, SeatStateChange.id))
            return [_to_seat(row) for row in query]

    def queue_samples_since(self, ts: float, queue: str | None = None) -> list[QueuePresence]:
        """Samples at or after ``ts`` (of one queue), oldest first."""
        with storage_errors():
            current_database()
            where = QueueSample.ts >= ts
            if queue is not None:
                where &= QueueSample.queue == queue
            query = (QueueSample.select().where(where)
                     .order_by(QueueSample.ts, QueueSample.id))
            return [_to_queue(row) for row in query]

    def count(self) -> tuple[int, int]:
        """(seat rows, queue rows), for tests and the retention log."""
        with storage_errors():
            current_database()
            return SeatStateChange.select().count(), QueueSample.select().count()

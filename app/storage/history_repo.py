"""The call-history repository: CallSnapshot in, CallHistoryEntry out.

Storage side of the boundary; callers never see a peewee row. Each write is one
transaction that is committed before the method returns, so a call recorded at
offer/dial, answer or end is not lost if the desktop is killed afterwards (see
``app.storage.db`` for the durability guarantees).

Threads: peewee keeps one SQLite connection per thread. Call the writing
methods from one thread (the one the call events arrive on); reads may come
from any thread thanks to WAL.

Shared store: when every desk writes to one PostgreSQL, ``call_record`` holds
the calls of all desks. Give the repository the desk's SIP account (its AOR)
as ``account`` and it reads, counts and closes only that desk's calls;
without it, it sees every row (one desk on its own SQLite file, or a report).
"""
from __future__ import annotations

import datetime as _dt
import time
from typing import Callable

from peewee import fn

from app.domain.calls import CallDirection, CallPhase, CallResult, CallSnapshot
from app.domain.history import CallHistoryEntry, reason_of, result_of, talk_seconds
from app.storage.db import current_database, storage_errors, transaction
from app.storage.models import CallRecord

INTERRUPTED_REASON = "Interrupted: the desktop closed during the call"


def _to_entry(row: CallRecord) -> CallHistoryEntry:
    return CallHistoryEntry(
        id=row.id,
        sip_call_id=row.sip_call_id,
        direction=CallDirection(row.direction),
        peer_uri=row.peer_uri,
        peer_number=row.peer_number,
        peer_display=row.peer_display,
        started_at=row.started_at,
        answered_at=row.answered_at,
        ended_at=row.ended_at,
        duration_s=row.duration_s,
        result=CallResult(row.result) if row.result else None,
        reason=row.reason,
        account=row.account,
    )


class HistoryRepository:
    """Reads and writes the ``call_record`` table."""

    def __init__(self, clock: Callable[[], float] = time.time, *,
                 account: str | None = None):
        self._clock = clock
        self.account = account

    def _mine(self, query, cond=None):
        """``query`` filtered by ``cond`` and, when one was given, this desk's account."""
        conds = [c for c in (cond, None if self.account is None
                             else CallRecord.account == self.account) if c is not None]
        return query.where(*conds) if conds else query

    # --- writes -------------------------------------------------------------

    def upsert_from_snapshot(self, snapshot: CallSnapshot, account: str,
                             rejected_by_us: bool = False, *,
                             entry_id: int | None = None) -> CallHistoryEntry:
        """Create or update the record of ``snapshot``'s call; return it.

        The row is found by ``entry_id`` when given (the service remembers it
        per call), else by (sip_call_id, account, direction); the last two
        matter when both ends of a call are our own accounts. A new row is
        created otherwise. Values only move forward: an answer time once
        recorded is kept. When the snapshot is ENDED the result, reason and
        duration are fixed.
        """
        current_database()
        now = self._clock()
        with transaction():
            row = self._find(snapshot, account, entry_id)
            if row is None:
                row = CallRecord(
                    sip_call_id=snapshot.sip_call_id,
                    direction=snapshot.direction.value,
                    account=account,
                    started_at=snapshot.started_at or now,
                )
            if snapshot.sip_call_id:
                row.sip_call_id = snapshot.sip_call_id
            row.peer_uri = snapshot.peer_uri or row.peer_uri or ""
            row.peer_number = snapshot.peer_number or row.peer_number or ""
            row.peer_display = snapshot.peer_display or row.peer_display or ""
            if snapshot.answered_at is not None and row.answered_at is None:
                row.answered_at = snapshot.answered_at
            if snapshot.phase == CallPhase.ENDED:
                ended = snapshot.ended_at if snapshot.ended_at is not None else now
                row.ended_at = ended
                result = result_of(snapshot, rejected_by_us=rejected_by_us)
                row.result = result.value
                row.reason = reason_of(snapshot, result)
                row.duration_s = talk_seconds(row.answered_at, ended)
            row.updated_at = now
            row.save()
        return _to_entry(row)

    def _find(self, snapshot: CallSnapshot, account: str,
              entry_id: int | None) -> CallRecord | None:
        if entry_id is not None:
            return CallRecord.get_or_none(CallRecord.id == entry_id)
        if not snapshot.sip_call_id:
            return None
        return (CallRecord.select()
                .where((CallRecord.sip_call_id == snapshot.sip_call_id)
                       & (CallRecord.account == account)
                       & (CallRecord.direction == snapshot.direction.value))
                .order_by(CallRecord.id.desc())
                .first())

    def close_interrupted(self) -> int:
        """Finish records left open by a crash or kill; return how many.

        Run once at start-up, before new calls arrive. The end time is
        unknown, so ``ended_at`` stays empty; the result is what we know:
        answered calls stay ANSWERED, others become MISSED or FAILED.
        """
        now = self._clock()
        count = 0
        with transaction():
            for row in self._mine(CallRecord.select(), CallRecord.result.is_null()):
                if row.answered_at is not None:
                    row.result = CallResult.ANSWERED.value
                elif row.direction == CallDirection.INCOMING.value:
                    row.result = CallResult.MISSED.value
                else:
                    row.result = CallResult.FAILED.value
                row.reason = INTERRUPTED_REASON
                row.updated_at = now
                row.save()
                count += 1
        return count

    def delete_older_than(self, days: float) -> int:
        """Delete finished records that started more than ``days`` ago."""
        cutoff = self._clock() - days * 86400.0
        with transaction():
            return self._mine(CallRecord.delete(),
                              (CallRecord.started_at < cutoff)
                              & CallRecord.result.is_null(False)).execute()

    # --- reads --------------------------------------------------------------

    def get(self, entry_id: int) -> CallHistoryEntry | None:
        current_database()
        with storage_errors():
            row = CallRecord.get_or_none(CallRecord.id == entry_id)
        return _to_entry(row) if row else None

    def list_recent(self, limit: int = 100, offset: int = 0) -> list[CallHistoryEntry]:
        """Newest first."""
        current_database()
        with storage_errors():
            rows = list(self._mine(CallRecord.select())
                        .order_by(CallRecord.started_at.desc(), CallRecord.id.desc())
                        .limit(limit).offset(offset))
        return [_to_entry(r) for r in rows]

    def search(self, text: str, limit: int = 100) -> list[CallHistoryEntry]:
        """Newest first; matches a substring of number, name, URI or reason.

        Wildcards typed by the seat (%, _) are matched literally.
        """
        text = (text or "").strip()
        if not text:
            return self.list_recent(limit)
        current_database()
        cond = (CallRecord.peer_number.contains(text)
                | CallRecord.peer_display.contains(text)
                | CallRecord.peer_uri.contains(text)
                | CallRecord.reason.contains(text))
        with storage_errors():
            rows = list(self._mine(CallRecord.select(), cond)
                        .order_by(CallRecord.started_at.desc(), CallRecord.id.desc())
                        .limit(limit))
        return [_to_entry(r) for r in rows]

    def count(self) -> int:
        current_database()
        with storage_errors():
            return self._mine(CallRecord.select()).count()

    def count_by_result(self, day: _dt.date) -> dict[CallResult, int]:
        """Finished calls started on ``day`` (local time), per result.

        Every CallResult is present, zero when none.
        """
        start = _dt.datetime.combine(day, _dt.time.min).timestamp()
        end = _dt.datetime.combine(day + _dt.timedelta(days=1), _dt.time.min).timestamp()
        counts = {r: 0 for r in CallResult}
        current_database()
        with storage_errors():
            query = (self._mine(
                CallRecord.select(CallRecord.result, fn.COUNT(CallRecord.id).alias("n")),
                (CallRecord.started_at >= start) & (CallRecord.started_at < end)
                & CallRecord.result.is_null(False))
                .group_by(CallRecord.result)
                .tuples())
            for result, n in query:
                counts[CallResult(result)] = n
        return counts

"""Recording every call of the seat into the call history.

Service layer: plain Python between the SIP engine's call snapshots and the
history repository (a port; tests may pass any object with the same methods).
No Qt here: the UI connects the engine's ``callStateChanged`` signal to
``on_call_changed`` and shows ``recent()`` / ``search()``.

What is written, and when:
- the first snapshot of a call (offer or dial) creates the record, so a call
  is in the history even if the desktop is killed while it rings;
- the answer updates it (``answered_at``);
- the ENDED snapshot fixes the result, reason and duration.
Other changes (hold, mute, conference) are not written.

A storage failure (disk full...) never stops a call: it is kept in
``last_error``, passed to ``on_error`` for the UI to show, and the write is
retried on the call's next event.

Threads: call every method from the thread that delivers call events (the GUI
thread when the engine is polled from the Qt loop). Engine call ids are slots
that pjsua2 reuses, so a call is tracked by id only while it lasts.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Protocol

from app.domain.calls import CallPhase, CallSnapshot
from app.domain.history import CallHistoryEntry
from app.storage.db import StorageError


class HistoryPort(Protocol):
    """What the service needs from storage (HistoryRepository provides it)."""

    def upsert_from_snapshot(self, snapshot: CallSnapshot, account: str,
                             rejected_by_us: bool = False, *,
                             entry_id: int | None = None) -> CallHistoryEntry: ...

    def list_recent(self, limit: int = 100, offset: int = 0) -> list[CallHistoryEntry]: ...

    def search(self, text: str, limit: int = 100) -> list[CallHistoryEntry]: ...

    def get(self, entry_id: int) -> CallHistoryEntry | None: ...


@dataclass
class _Tracked:
    """A live call: its record id and what was last written for it."""
    entry_id: int | None = None
    sip_call_id: str = ""
    written_key: tuple | None = None
    rejected_by_us: bool = False


_RECENTLY_ENDED = 64  # late duplicates of an END are ignored for this many calls


def _written_key(s: CallSnapshot) -> tuple:
    """The parts of a snapshot that the history stores."""
    return (s.sip_call_id, s.peer_uri, s.peer_number, s.peer_display,
            s.answered_at, s.phase == CallPhase.ENDED)


class CallHistoryService:
    """Turns call snapshots into history records and answers history queries."""

    def __init__(self, repo: HistoryPort,
                 on_error: Callable[[StorageError], None] | None = None):
        self._repo = repo
        self._on_error = on_error
        self._live: dict[int, _Tracked] = {}
        # (call_id, sip_call_id) of calls already finished, oldest first.
        self._ended: OrderedDict[tuple[int, str], None] = OrderedDict()
        self.last_error: StorageError | None = None

    # --- events from the engine ---------------------------------------------

    def on_call_changed(self, snapshot: CallSnapshot,
                        account: str) -> CallHistoryEntry | None:
        """Record ``snapshot`` if it changes what the history holds.

        Returns the written entry, or None when nothing was written (no
        change, a late duplicate of an ended call, or a storage error).
        """
        key = (snapshot.call_id, snapshot.sip_call_id)
        tracked = self._live.get(snapshot.call_id)
        if tracked is not None and tracked.sip_call_id and snapshot.sip_call_id \
                and tracked.sip_call_id != snapshot.sip_call_id:
            # The slot was reused by a new call before we saw the old END.
            tracked = None
        if tracked is None:
            if key in self._ended:
                return None
            tracked = _Tracked(sip_call_id=snapshot.sip_call_id)
            self._live[snapshot.call_id] = tracked
        written = _written_key(snapshot)
        if written == tracked.written_key:
            return None
        try:
            entry = self._repo.upsert_from_snapshot(
                snapshot, account, tracked.rejected_by_us, entry_id=tracked.entry_id)
        except StorageError as exc:
            self.last_error = exc
            if self._on_error is not None:
                self._on_error(exc)
            return None
        self.last_error = None
        tracked.entry_id = entry.id
        tracked.sip_call_id = snapshot.sip_call_id or tracked.sip_call_id
        tracked.written_key = written
        if snapshot.phase == CallPhase.ENDED:
            self._forget(snapshot.call_id, tracked)
        return entry

    def mark_rejected(self, call_id: int) -> None:
        """The seat declined incoming call ``call_id``; its END will say so.

        Call this when the seat presses "decline", before the engine reports
        the end. Unknown ids are remembered too (the decline may come before
        the first snapshot was recorded).
        """
        self._live.setdefault(call_id, _Tracked()).rejected_by_us = True

    def _forget(self, call_id: int, tracked: _Tracked) -> None:
        self._live.pop(call_id, None)
        self._ended[(call_id, tracked.sip_call_id)] = None
        while len(self._ended) > _RECENTLY_ENDED:
            self._ended.popitem(last=False)

    def live_entry_id(self, call_id: int) -> int | None:
        """The record id of a call still in progress, if written yet."""
        tracked = self._live.get(call_id)
        return tracked.entry_id if tracked else None

    # --- queries for the UI -------------------------------------------------

    def recent(self, limit: int = 100, offset: int = 0) -> list[CallHistoryEntry]:
        return self._repo.list_recent(limit, offset)

    def search(self, text: str, limit: int = 100) -> list[CallHistoryEntry]:
        return self._repo.search(text, limit)

    def redial_target(self, entry_id: int) -> str | None:
        """The number to call back for a history entry.

        None when the entry is unknown or the peer was anonymous.
        """
        entry = self._repo.get(entry_id)
        if entry is None:
            return None
        return entry.redial_number

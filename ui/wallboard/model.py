"""The wallboard's one model: every seat's live state, and every queue.

`SeatTableModel` (a QAbstractTableModel) holds one row per seat of the
directory, updated in place by `apply_seat` with targeted `dataChanged`
signals, so a province's thousands of seats cost one model, not thousands of
widgets. Tiles and charts read the same model: court summaries come from
`court_summary()`, queues from `queues`. A seat not heard from for
`STALE_AFTER_S` (or whose subscription ended) is marked stale: greyed, with the
age of its last update; an old state is never shown as live.

Thread: GUI thread only. Plain values in, no SIP objects.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor

from app.domain.presence_doc import QueuePresence, SeatPresence
from app.domain.seat_state import SeatState

STALE_AFTER_S = 150.0  # PUBLISH refresh 60 s, expiry 120 s: silent for longer = unknown

STATE_COLOURS = {
    SeatState.SIGNED_OUT: "#9e9e9e",
    SeatState.READY: "#2e7d32",
    SeatState.NOT_READY: "#f9a825",
    SeatState.OFFERED: "#0288d1",
    SeatState.TALKING: "#c62828",
    SeatState.HELD: "#8e24aa",
    SeatState.WRAP_UP: "#ef6c00",
}
STATE_ORDER = [SeatState.READY, SeatState.OFFERED, SeatState.TALKING, SeatState.HELD,
               SeatState.WRAP_UP, SeatState.NOT_READY, SeatState.SIGNED_OUT]


_COLOURS = {st: QColor(c) for st, c in STATE_COLOURS.items()}
_STATE_RANK = {st: k for k, st in enumerate(STATE_ORDER)}
_GREY = QColor("#9e9e9e")


def fmt_age(seconds: float) -> str:
    s = max(0, int(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


@dataclass
class SeatRow:
    number: str
    name: str
    court: str             # court code
    presence: SeatPresence | None = None
    received_at: float = 0.0   # when we last heard anything (0: never)
    stale: bool = True
    call_since: float | None = None   # start of the current call, for its duration


@dataclass
class QueueRow:
    presence: QueuePresence
    received_at: float
    stale: bool = False


@dataclass
class CourtCounts:
    code: str
    by_state: dict = field(default_factory=dict)
    stale: int = 0

    def count(self, state: SeatState) -> int:
        return self.by_state.get(state, 0)


class SeatTableModel(QAbstractTableModel):
    COLUMNS = ("name", "number", "court", "state", "in_state", "call", "calls_today")
    FIRST_LIVE_COLUMN = 3  # columns before this one never change
    # (court code): something about a court's seats or queue changed (tiles redraw it).
    courtChanged = Signal(str)
    # (queue name): a queue document arrived (charts, alerts).
    queueChanged = Signal(str)

    def __init__(self, seats, court_names: dict[str, str], clock=time.time,
                 state_label=None, parent=None):
        super().__init__(parent)
        self.clock = clock
        self.court_names = court_names
        self._cells: dict[int, tuple] = {}  # row -> (second or None, cells): see cells()
        self._state_label = state_label or (lambda st: st.value)
        self.rows: list[SeatRow] = [SeatRow(e.number, e.name, e.court) for e in seats]
        self._index = {r.number: i for i, r in enumerate(self.rows)}
        self.queues: dict[str, QueueRow] = {}
        self.updates = 0  # presence documents applied (for benchmarks and tests)
        # Per-court counts kept incrementally: tiles must not rescan 3,000 rows
        # on each of 1,000 updates a second.
        self._counts: dict[str, CourtCounts] = {}
        for r in self.rows:
            self._tally(r, +1)
        # Changes are signalled in batches (one dataChanged over the changed
        # span, one courtChanged per court) at the next event-loop turn: at a
        # thousand updates a second, a signal per update starved the paints.
        self._dirty_rows: set[int] = set()
        self._dirty_courts: set[str] = set()
        self._flush_pending = False

    def _touch(self, i: int, court: str) -> None:
        self._cells.pop(i, None)
        self._dirty_rows.add(i)
        self._dirty_courts.add(court)
        if not self._flush_pending:
            self._flush_pending = True
            QTimer.singleShot(0, self.flush)

    def flush(self) -> None:
        """Signal the changes made since the last flush."""
        self._flush_pending = False
        rows, self._dirty_rows = self._dirty_rows, set()
        courts, self._dirty_courts = self._dirty_courts, set()
        first, last = self.FIRST_LIVE_COLUMN, len(self.COLUMNS) - 1
        # One signal per run of adjacent rows: a single span over scattered
        # rows would make the sort/filter proxy re-check every row between.
        # Name, number and court never change: leaving them out of the range
        # spares the proxy a re-sort (a dozen Python data() calls) per update
        # while the grid is sorted by one of them.
        # (createIndex: these rows and columns exist, index() would check again.)
        start = prev = None
        at, changed = self.createIndex, self.dataChanged
        for i in sorted(rows):
            if start is None:
                start = prev = i
            elif i == prev + 1:
                prev = i
            else:
                changed.emit(at(start, first), at(prev, last))
                start = prev = i
        if start is not None:
            changed.emit(at(start, first), at(prev, last))
        for c in courts:
            self.courtChanged.emit(c)

    def _tally(self, r: SeatRow, sign: int) -> None:
        c = self._counts.get(r.court)
        if c is None:  # (not setdefault: that would build a CourtCounts on every call)
            c = self._counts[r.court] = CourtCounts(r.court)
        if r.stale:
            c.stale += sign
        else:
            st = self.state_of(r)
            c.by_state[st] = c.by_state.get(st, 0) + sign

    # -- Qt model --------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation != Qt.Horizontal or role != Qt.DisplayRole:
            return None
        return (self.tr("Seat"), self.tr("Number"), self.tr("Court"), self.tr("State"),
                self.tr("Time in state"), self.tr("Call"), self.tr("Calls today"))[section]

    def state_of(self, r: SeatRow) -> SeatState:
        return r.presence.state if r.presence is not None else SeatState.SIGNED_OUT

    _ROLES = frozenset((Qt.DisplayRole, Qt.UserRole, Qt.ForegroundRole, Qt.UserRole + 1))

    @property
    def state_label(self):
        return self._state_label

    @state_label.setter
    def state_label(self, fn) -> None:
        self._state_label = fn
        self._cells.clear()  # the words changed: every cached text is old

    def index(self, row, column, parent=QModelIndex()):
        # The base class checks rowCount() and columnCount() (two Python calls)
        # for each index; the sort/filter proxy makes one per cell per role.
        if 0 <= row < len(self.rows) and 0 <= column < 7 and not parent.isValid():
            return self.createIndex(row, column)
        return QModelIndex()

    def cells(self, i: int) -> tuple:
        """Row `i`'s (display, foreground) pair per column, cached until the
        row changes or, for a row showing a time, the clock's second changes:
        a paint asks for each visible cell, a second ticks once."""
        now = self.clock()
        sec = int(now)
        hit = self._cells.get(i)
        if hit is not None and (hit[0] is None or hit[0] == sec):
            return hit[1]
        r = self.rows[i]
        p = r.presence
        timed = False
        if p is None:
            state = self.tr("unknown")
        else:
            state = self._state_label(p.state)
            if p.reason and p.state is SeatState.NOT_READY:
                state += f" ({self._state_label(p.reason)})"
            if r.stale:  # never shown as live: greyed, with the age of what we know
                timed = bool(r.received_at)
                state = self.tr("%1 (stale, %2 ago)").replace("%1", state).replace(
                    "%2", fmt_age(now - r.received_at) if r.received_at else "?")
        in_state = ""
        if p is not None and p.since:
            in_state, timed = fmt_age(now - p.since), True
        call = ""
        if r.call_since and not r.stale:
            call, timed = fmt_age(now - r.call_since), True
        fg = _GREY if r.stale else None
        cells = ((r.name, fg), (r.number, fg), (self.court_names.get(r.court, r.court), fg),
                 (state, fg or _COLOURS[self.state_of(r)]), (in_state, fg), (call, fg),
                 (p.calls_today if p is not None else 0, fg))
        self._cells[i] = (sec if timed else None, cells)
        return cells

    def data(self, index, role=Qt.DisplayRole):
        # Views ask for a dozen roles per cell per paint: answer the ones we
        # do not serve before any work (this is the grid's paint hot path).
        if role not in self._ROLES or not index.isValid():
            return None
        i, c = index.row(), index.column()
        if role == Qt.DisplayRole:
            return self.cells(i)[c][0]
        if role == Qt.ForegroundRole:
            return self.cells(i)[c][1]
        if role == Qt.UserRole:  # sort keys
            return self.sort_keys(i)[c]
        return self.filter_key(i)  # Qt.UserRole + 1

    def sort_keys(self, i: int) -> tuple:
        """Row `i`'s sort key per column: none of them moves with the clock
        (times sort by when they began), so a sorted grid re-sorts a row only
        when it changes."""
        r = self.rows[i]
        p = r.presence
        return (r.name, r.number, self.court_names.get(r.court, r.court),
                _STATE_RANK[p.state if p is not None else SeatState.SIGNED_OUT],
                -(p.since if p is not None and p.since else 0.0),
                -(r.call_since if r.call_since and not r.stale else 0.0),
                p.calls_today if p is not None else 0)

    def filter_key(self, i: int) -> str:
        """Row `i`'s filter key, "<court>|<state value>" or "<court>|~stale":
        the grid's filter matches it with a regular expression (in Qt, no
        Python call per row)."""
        r = self.rows[i]
        return f"{r.court}|{'~stale' if r.stale else self.state_of(r).value}"

    # -- updates ---------------------------------------------------------------
    def row_of(self, number: str) -> int | None:
        return self._index.get(number)

    def apply_seat(self, p: SeatPresence, received_at: float | None = None, live: bool = True) -> bool:
        """A seat's presence arrived (live) or was restored from the store (not live)."""
        i = self._index.get(p.seat)
        if i is None:
            return False
        r = self.rows[i]
        old = r.presence
        if old is not None and r.received_at and received_at is not None and received_at < r.received_at:
            return False  # an older document than the one shown
        self._tally(r, -1)
        r.presence = p
        r.received_at = received_at if received_at is not None else self.clock()
        r.stale = not live
        self._tally(r, +1)
        in_call = p.state in (SeatState.TALKING, SeatState.HELD)
        if in_call:
            was_in_call = old is not None and old.state in (SeatState.TALKING, SeatState.HELD)
            if not was_in_call or r.call_since is None:
                r.call_since = p.since or r.received_at
        else:
            r.call_since = None
        self.updates += 1
        self._touch(i, r.court)
        return True

    def mark_stale(self, number: str) -> None:
        i = self._index.get(number)
        if i is None or self.rows[i].stale:
            return
        self._tally(self.rows[i], -1)
        self.rows[i].stale = True
        self._tally(self.rows[i], +1)
        self._touch(i, self.rows[i].court)

    def mark_all_stale(self) -> None:
        self._cells.clear()
        for r in self.rows:
            if not r.stale:
                self._tally(r, -1)
                r.stale = True
                self._tally(r, +1)
                self.courtChanged.emit(r.court)
        for q in self.queues.values():
            q.stale = True
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.COLUMNS) - 1))

    def expire(self) -> int:
        """Mark seats silent for too long as stale; refresh the time columns."""
        now = self.clock()
        n = 0
        for r in self.rows:
            if not r.stale and r.received_at and now - r.received_at > STALE_AFTER_S:
                self._tally(r, -1)
                r.stale = True
                self._tally(r, +1)
                self._cells.pop(self._index[r.number], None)
                n += 1
                self.courtChanged.emit(r.court)
        for q in self.queues.values():
            if not q.stale and now - q.received_at > STALE_AFTER_S:
                q.stale = True
        if self.rows:  # time columns tick
            self.dataChanged.emit(self.index(0, 4), self.index(len(self.rows) - 1, 5), [Qt.DisplayRole])
        return n

    def apply_queue(self, q: QueuePresence, received_at: float | None = None, live: bool = True) -> None:
        self.queues[q.queue] = QueueRow(q, received_at if received_at is not None else self.clock(), not live)
        self.queueChanged.emit(q.queue)
        self.courtChanged.emit(q.court)

    # -- aggregates for tiles ----------------------------------------------------
    def court_summary(self, court: str) -> CourtCounts:
        return self._counts.get(court) or CourtCounts(court)

    def queue_of(self, court: str) -> QueueRow | None:
        for q in self.queues.values():
            if q.presence.court == court:
                return q
        return None

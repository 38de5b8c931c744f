"""The consulting judge's wallboard window.

Tiles per sub-platform on top (main platform first), the seat grid with court
and state filters and sorting, today's charts, queue alerts (visual, optional
sound) and a full-screen mode for a wall display (F11: large type, no
controls). All of it reads one `SeatTableModel`.
"""
from __future__ import annotations

import re
import time

from PySide6.QtCore import QCoreApplication, QRegularExpression, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut, QStandardItemModel
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QHBoxLayout,
                               QHeaderView, QLabel, QMainWindow, QSpinBox, QSplitter,
                               QTableView, QVBoxLayout, QWidget)

from app.domain.seat_state import SeatState
from ui.wallboard.charts import TodayCharts
from ui.wallboard.tiles import TileGrid


class SeatGridView(QTableView):
    """The seat grid; `frame_times` (a list) collects paint durations for the benchmark."""
    frame_times: list | None = None
    on_resize = None  # called after a resize (the rows on screen changed)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self.on_resize is not None:
            self.on_resize()

    def paintEvent(self, event):
        if self.frame_times is None:
            return super().paintEvent(event)
        t = time.perf_counter()
        super().paintEvent(event)
        self.frame_times.append(time.perf_counter() - t)


class SeatGridModel(QStandardItemModel):
    """What the seat grid paints, held in Qt's own item model (C++).

    With the Python model under the grid, each painted cell cost about
    fourteen calls from C++ into Python (data() per role the delegate asks,
    index() for each), every one taking the GIL: 5 ms to paint ten rows,
    against 1.5 ms here, where a paint runs no Python at all.

    A copy of `SeatTableModel`, kept as cheap as the paints it saves: for
    every row the model signals as changed, its sort keys (Qt.UserRole) and
    filter key (Qt.UserRole + 1, on the state column) are copied at once, so
    the proxy sorts and filters all rows right; the texts and colours only
    for the rows on screen (`set_visible`, kept by the window), the others
    when they come into view. Sort keys never move with the clock; when it
    ticks, the time columns of the rows on screen are copied.
    """
    SORT_ROLE = Qt.UserRole
    FILTER_ROLE = Qt.UserRole + 1
    FILTER_COLUMN = 3
    TIME_COLUMNS = (4, 5)
    BULK_ROWS = 64   # a time-only change over more rows is a clock tick

    def __init__(self, source, parent=None):
        n, m = len(source.rows), len(source.COLUMNS)
        super().__init__(n, m, parent)
        self.source = source
        for c in range(m):
            self.setHeaderData(c, Qt.Horizontal, source.headerData(c, Qt.Horizontal))
        self._keys: list = [None] * n    # per row: sort keys + filter key last copied
        self._cells: list = [None] * n   # per row: (display, foreground) per column last copied
        self._behind: set[int] = set(range(n))   # rows whose texts are not copied yet
        self.visible: set[int] = set()   # source rows on screen
        self.refresh_rows(range(n))
        source.dataChanged.connect(self._on_source_changed)

    def _copy(self, i: int) -> tuple[int, int] | None:
        """Copy row i's changed keys, and its texts if on screen (signals
        blocked by the caller); the span of columns changed, or None."""
        src = self.source
        keys = src.sort_keys(i) + (src.filter_key(i),)
        old = self._keys[i]
        writes: dict[int, dict] = {}
        if keys != old:
            self._keys[i] = keys
            for c in range(len(keys) - 1):
                if old is None or keys[c] != old[c]:
                    writes[c] = {self.SORT_ROLE: keys[c]}
            if old is None or keys[-1] != old[-1]:
                writes.setdefault(self.FILTER_COLUMN, {})[self.FILTER_ROLE] = keys[-1]
        if i in self.visible:
            cells = src.cells(i)
            shown = self._cells[i]
            if cells != shown:
                self._cells[i] = cells
                for c, cell in enumerate(cells):
                    if shown is None or cell != shown[c]:
                        w = writes.setdefault(c, {})
                        w[Qt.DisplayRole], w[Qt.ForegroundRole] = cell
            self._behind.discard(i)
        else:
            self._behind.add(i)
        if not writes:
            return None
        for c, roles in writes.items():
            self.setItemData(self.index(i, c), roles)
        return min(writes), max(writes)

    def refresh_rows(self, rows) -> None:
        """Bring these source rows up to date."""
        changed = []
        self.blockSignals(True)
        try:
            for i in rows:
                span = self._copy(i)
                if span is not None:
                    changed.append((i, span))
        finally:
            self.blockSignals(False)
        # One signal per row, over the columns that changed: the proxy re-sorts
        # or re-filters a row only when its sort or filter column is among them.
        for i, (lo, hi) in changed:
            self.dataChanged.emit(self.index(i, lo), self.index(i, hi))

    def set_visible(self, rows) -> None:
        """The source rows now on screen: their texts are brought up to date."""
        self.visible = set(rows)
        self.refresh_rows(sorted(self.visible))

    def catch_up(self) -> None:
        """Copy every row's texts now (tests; a grid copies them as they show)."""
        visible, self.visible = self.visible, set(range(len(self._keys)))
        try:
            self.refresh_rows(sorted(self._behind))
        finally:
            self.visible = visible

    def _on_source_changed(self, top_left, bottom_right, roles=()):
        first, last = top_left.row(), bottom_right.row()
        time_only = (top_left.column() >= self.TIME_COLUMNS[0]
                     and bottom_right.column() <= self.TIME_COLUMNS[-1])
        if time_only and last - first + 1 > self.BULK_ROWS:
            # The clock ticked: times change on screen only (keys do not move).
            self.refresh_rows(sorted(i for i in self.visible if first <= i <= last))
        else:
            self.refresh_rows(range(first, last + 1))


class SeatFilter(QSortFilterProxyModel):
    """Court and state filters and sorting, all inside Qt: the filter is a
    regular expression over each row's filter key ("<court>|<state>" or
    "<court>|~stale", SeatTableModel.filter_key), the sort keys a role."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.court = ""
        self.state = ""
        self.setSortRole(Qt.UserRole)
        self.setFilterRole(Qt.UserRole + 1)
        # Re-filter a changed row only when its state column changed (the
        # court never changes): see SeatTableModel.flush.
        self.setFilterKeyColumn(3)

    def set_filter(self, court: str, state: str):
        self.court, self.state = court, state
        if not court and not state:
            self.setFilterRegularExpression(QRegularExpression())
            return
        c = re.escape(court) if court else "[^|]*"
        st = "~stale" if state == "stale" else (re.escape(state) if state else ".*")
        self.setFilterRegularExpression(QRegularExpression(f"^{c}\\|{st}$"))


def state_labels(_tr=None):
    """Seat states and not-ready reasons in the reader's language (context "SeatState")."""
    return {
        SeatState.SIGNED_OUT: QCoreApplication.translate("SeatState", "signed out"),
        SeatState.READY: QCoreApplication.translate("SeatState", "ready"),
        SeatState.NOT_READY: QCoreApplication.translate("SeatState", "not ready"),
        SeatState.OFFERED: QCoreApplication.translate("SeatState", "ringing"),
        SeatState.TALKING: QCoreApplication.translate("SeatState", "talking"),
        SeatState.HELD: QCoreApplication.translate("SeatState", "on hold"),
        SeatState.WRAP_UP: QCoreApplication.translate("SeatState", "wrap-up"),
        "break": QCoreApplication.translate("SeatState", "break"),
        "meal": QCoreApplication.translate("SeatState", "meal"),
        "training": QCoreApplication.translate("SeatState", "training"),
        "meeting": QCoreApplication.translate("SeatState", "meeting"),
        "other": QCoreApplication.translate("SeatState", "other"),
        "no_answer": QCoreApplication.translate("SeatState", "no answer"),
    }


class WallboardWindow(QMainWindow):
    def __init__(self, model, courts, alert_waiting: int = 5, alert_wait_s: int = 60, parent=None):
        super().__init__(parent)
        self.setObjectName("wallboardWindow")
        self.setWindowTitle(self.tr("12368 Hotline - Wallboard"))
        self.model = model
        labels = state_labels(self.tr)
        model.state_label = lambda st: labels.get(st, getattr(st, "value", str(st)))
        self.tiles = TileGrid(courts, model, model.state_label)
        # The grid paints from a copy in Qt's own model (see SeatGridModel).
        self.grid_model = SeatGridModel(model, self)
        self.proxy = SeatFilter(self)
        self.proxy.setSourceModel(self.grid_model)
        self.table = SeatGridView()
        self.table.setObjectName("seatGrid")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableView.NoEditTriggers)
        self.table.setSelectionBehavior(QTableView.SelectRows)
        # Rows coming into view (scroll, resize, sort, filter) get their time
        # columns brought up to date; the clock tick does the rows on screen.
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(0)
        self._refresh.timeout.connect(lambda: self.grid_model.set_visible(self._visible_source_rows()))
        soon = lambda *_: self._refresh.start()  # noqa: E731
        self.table.on_resize = soon
        self.table.verticalScrollBar().valueChanged.connect(soon)
        for sig in (self.proxy.layoutChanged, self.proxy.rowsInserted, self.proxy.rowsRemoved,
                    self.proxy.modelReset):
            sig.connect(soon)
        self.charts = TodayCharts(model)

        self.court_filter = QComboBox()
        self.court_filter.setObjectName("courtFilter")
        self.court_filter.addItem(self.tr("All courts"), "")
        for c in courts:
            self.court_filter.addItem(c.short_name or c.name, c.code)
        self.state_filter = QComboBox()
        self.state_filter.setObjectName("stateFilter")
        self.state_filter.addItem(self.tr("All states"), "")
        for st in SeatState:
            self.state_filter.addItem(labels[st], st.value)
        self.state_filter.addItem(self.tr("stale"), "stale")
        for cb in (self.court_filter, self.state_filter):
            cb.currentIndexChanged.connect(self._apply_filter)
        self.threshold = QSpinBox()
        self.threshold.setObjectName("alertThreshold")
        self.threshold.setRange(1, 999)
        self.threshold.setValue(alert_waiting)
        self.threshold.valueChanged.connect(lambda _: self._check_alerts())
        self.wait_threshold = QSpinBox()
        self.wait_threshold.setObjectName("alertWait")
        self.wait_threshold.setRange(5, 3600)
        self.wait_threshold.setSuffix(" s")
        self.wait_threshold.setValue(alert_wait_s)
        self.wait_threshold.valueChanged.connect(lambda _: self._check_alerts())
        self.sound = QCheckBox(self.tr("Sound"))
        self.sound.setObjectName("alertSound")
        self.alert_label = QLabel()
        self.alert_label.setObjectName("alertLabel")
        self.alert_label.setStyleSheet("color:#c62828;font-weight:bold")
        # Problems with the presence feed itself (e.g. the watcher process restarting).
        self.feed_label = QLabel()
        self.feed_label.setObjectName("feedProblem")
        self.feed_label.setWordWrap(True)
        self.feed_label.setStyleSheet("color:#ef6c00;font-weight:bold")
        self.feed_label.hide()

        self.controls = QWidget()
        row = QHBoxLayout(self.controls)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(self.tr("Court")))
        row.addWidget(self.court_filter)
        row.addWidget(QLabel(self.tr("State")))
        row.addWidget(self.state_filter)
        row.addStretch(1)
        row.addWidget(QLabel(self.tr("Alert when calls waiting reach")))
        row.addWidget(self.threshold)
        row.addWidget(QLabel(self.tr("or the longest wait reaches")))
        row.addWidget(self.wait_threshold)
        row.addWidget(self.sound)

        lower = QWidget()
        ll = QVBoxLayout(lower)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.controls)
        ll.addWidget(self.table)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.tiles)
        split.addWidget(lower)
        split.addWidget(self.charts)
        split.setSizes([320, 300, 200])
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.addWidget(self.alert_label)
        lay.addWidget(self.feed_label)
        lay.addWidget(split, 1)
        self.setCentralWidget(central)
        self.resize(1400, 900)

        model.queueChanged.connect(lambda _: self._check_alerts())
        sc = QShortcut(QKeySequence("F11"), self)
        sc.activated.connect(self.toggle_wall_mode)
        self._wall = False
        self._panels: list = []

    def add_panel(self, panel) -> None:
        """A control panel under the alert line (hidden in wall mode)."""
        self.centralWidget().layout().insertWidget(1, panel)
        self._panels.append(panel)

    def _visible_source_rows(self) -> list[int]:
        t = self.table
        top = t.rowAt(0)
        if top < 0:
            return []
        bottom = t.rowAt(t.viewport().height() - 1)
        bottom = self.proxy.rowCount() - 1 if bottom < 0 else bottom
        to_source = self.proxy.mapToSource
        return [to_source(self.proxy.index(r, 0)).row() for r in range(top, bottom + 1)]

    def show_feed_problem(self, text: str) -> None:
        """A problem with the presence feed, or "" once it is over."""
        self.feed_label.setText(text)
        self.feed_label.setVisible(bool(text))

    def _apply_filter(self):
        self.model.flush()  # the grid's copy first catches up with what arrived
        self.proxy.set_filter(self.court_filter.currentData(), self.state_filter.currentData())

    def _check_alerts(self):
        limit, wait_limit = self.threshold.value(), self.wait_threshold.value()
        over = []
        for name, row in self.model.queues.items():
            q = row.presence
            hit = not row.stale and (q.waiting >= limit or (q.waiting and q.oldest_wait_s >= wait_limit))
            tile = self.tiles.tiles.get(row.presence.court)
            if tile is not None:
                tile.set_alert(hit)
            if hit:
                over.append(f"{tile.title.text() if tile else name}: {row.presence.waiting}")
        text = self.tr("Queue alert: %1").replace("%1", ", ".join(over)) if over else ""
        if text and text != self.alert_label.text() and self.sound.isChecked():
            QApplication.beep()
        self.alert_label.setText(text)

    def toggle_wall_mode(self):
        """Full screen for a wall display: large type, no controls."""
        self._wall = not self._wall
        self.controls.setVisible(not self._wall)
        for p in self._panels:
            p.setVisible(not self._wall)
        f = self.font()
        f.setPointSize(f.pointSize() + (8 if self._wall else -8))
        self.setFont(f)
        if self._wall:
            self.showFullScreen()
        else:
            self.showNormal()

    @property
    def wall_mode(self) -> bool:
        return self._wall

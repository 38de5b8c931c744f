"""The consulting judge's wallboard window.

Tiles per sub-platform on top (main platform first), the seat grid with court
and state filters and sorting, today's charts, queue alerts (visual, optional
sound) and a full-screen mode for a wall display (F11: large type, no
controls). All of it reads one `SeatTableModel`.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QSortFilterProxyModel, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QHBoxLayout,
                               QHeaderView, QLabel, QMainWindow, QSpinBox, QSplitter,
                               QTableView, QVBoxLayout, QWidget)

from app.domain.seat_state import SeatState
from ui.wallboard.charts import TodayCharts
from ui.wallboard.tiles import TileGrid


class SeatGridView(QTableView):
    """The seat grid; `frame_times` (a list) collects paint durations for the benchmark."""
    frame_times: list | None = None

    def paintEvent(self, event):
        if self.frame_times is None:
            return super().paintEvent(event)
        t = time.perf_counter()
        super().paintEvent(event)
        self.frame_times.append(time.perf_counter() - t)


class SeatFilter(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.court = ""
        self.state = ""
        self.setSortRole(Qt.UserRole)
        # Re-filter a changed row only when its state column changed (the
        # court never changes): see SeatTableModel.flush.
        self.setFilterKeyColumn(3)

    def set_filter(self, court: str, state: str):
        self.beginFilterChange()
        self.court, self.state = court, state
        self.endFilterChange()

    def filterAcceptsRow(self, row, parent):
        if not self.court and not self.state:
            return True
        court, state, stale = self.sourceModel().data(self.sourceModel().index(row, 0), Qt.UserRole + 1)
        if self.court and court != self.court:
            return False
        if self.state == "stale":
            return stale
        if self.state and (stale or state != self.state):
            return False
        return True


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
        self.proxy = SeatFilter(self)
        self.proxy.setSourceModel(model)
        self.table = SeatGridView()
        self.table.setObjectName("seatGrid")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableView.NoEditTriggers)
        self.table.setSelectionBehavior(QTableView.SelectRows)
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

    def show_feed_problem(self, text: str) -> None:
        """A problem with the presence feed, or "" once it is over."""
        self.feed_label.setText(text)
        self.feed_label.setVisible(bool(text))

    def _apply_filter(self):
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

"""Call history: a searchable table with redial.

A `QAbstractTableModel` over `CallHistoryEntry` rows from the call-history
service (app.services.call_history); refreshed when a call changes. Double
click or Enter redials.
"""
from __future__ import annotations

import datetime as _dt

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget

from app.domain.calls import CallDirection, CallResult
from app.domain.history import format_duration


class HistoryModel(QAbstractTableModel):
    COLUMNS = ("direction", "peer", "start", "duration", "result")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows = []

    def set_rows(self, rows):
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role != Qt.DisplayRole or orientation != Qt.Horizontal:
            return None
        return (self.tr("In/Out"), self.tr("Peer"), self.tr("Start"),
                self.tr("Duration"), self.tr("Result"))[section]

    def _result_text(self, e) -> str:
        if e.result is None:
            return self.tr("in progress")
        text = {
            CallResult.ANSWERED: self.tr("answered"),
            CallResult.MISSED: self.tr("missed"),
            CallResult.REJECTED: self.tr("rejected"),
            CallResult.FAILED: self.tr("failed"),
            CallResult.CANCELLED: self.tr("cancelled"),
        }[e.result]
        return f"{text}: {e.reason}" if e.result is CallResult.FAILED and e.reason else text

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        e = self.rows[index.row()]
        col = self.COLUMNS[index.column()]
        if role == Qt.DisplayRole:
            if col == "direction":
                return self.tr("in") if e.direction is CallDirection.INCOMING else self.tr("out")
            if col == "peer":
                return f"{e.peer_display} {e.peer_number}".strip()
            if col == "start":
                return _dt.datetime.fromtimestamp(e.started_at).strftime("%m-%d %H:%M:%S")
            if col == "duration":
                return format_duration(e.duration_s)
            if col == "result":
                return self._result_text(e)
        if role == Qt.ForegroundRole and col == "result" and e.result in (CallResult.MISSED, CallResult.FAILED):
            return QColor("#c62828")
        if role == Qt.UserRole:
            return e
        return None


class HistoryView(QWidget):
    # str: number to call back.
    redialRequested = Signal(str)

    def __init__(self, service, parent=None):
        super().__init__(parent)
        self.service = service
        self.search = QLineEdit()
        self.search.setObjectName("historySearch")
        self.search.setPlaceholderText(self.tr("Search history: number, name, reason (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.model = HistoryModel(self)
        self.table = QTableView()
        self.table.setObjectName("historyTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectRows)
        self.table.setEditTriggers(QTableView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(self._redial)
        self.table.activated.connect(self._redial)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.search)
        lay.addWidget(self.table)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _: self._debounce.start())
        self.refresh()

    def refresh(self):
        text = self.search.text().strip()
        rows = self.service.search(text) if text else self.service.recent(200)
        self.model.set_rows(rows)

    def _redial(self, index):
        e = self.model.data(index, Qt.UserRole)
        if e is not None and e.redial_number:
            self.redialRequested.emit(e.redial_number)

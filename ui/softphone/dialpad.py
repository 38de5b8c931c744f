"""Dial pad with directory search: type digits or a name, press Enter to call.

While a call is active the keys also send DTMF (RFC 4733) to it. Search results
come from the plain-Python `Directory` (app.domain.directory).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QVBoxLayout, QWidget)
from ui.style import GREEN, action_button

KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"]


class DialPad(QWidget):
    # str: the number the seat wants to call.
    dialRequested = Signal(str)
    # str: a key pressed on the pad (for DTMF during a call).
    keyPressed = Signal(str)

    def __init__(self, directory=None, parent=None):
        super().__init__(parent)
        self.directory = directory
        self.entry = QLineEdit()
        self.entry.setObjectName("dialEntry")
        self.entry.setPlaceholderText(self.tr("Number or name (Ctrl+D)"))
        self.entry.setClearButtonEnabled(True)
        self.entry.textChanged.connect(self._search)
        self.entry.returnPressed.connect(self._dial)
        self.results = QListWidget()
        self.results.setObjectName("directoryResults")
        self.results.itemActivated.connect(self._pick)
        self.results.setMaximumHeight(140)
        grid = QGridLayout()
        for i, k in enumerate(KEYS):
            b = QPushButton(k)
            b.setObjectName(f"key_{k}")
            b.setMinimumHeight(34)
            b.setFocusPolicy(Qt.NoFocus)
            b.clicked.connect(lambda _=False, k=k: self._key(k))
            grid.addWidget(b, i // 3, i % 3)
        self.call_btn = QPushButton(self.tr("Call"))
        self.call_btn.setObjectName("callButton")
        self.call_btn.setStyleSheet(action_button(GREEN))
        self.call_btn.clicked.connect(self._dial)
        lay = QVBoxLayout(self)
        lay.addWidget(self.entry)
        lay.addWidget(self.results)
        lay.addLayout(grid)
        row = QHBoxLayout()
        row.addWidget(self.call_btn)
        lay.addLayout(row)

    def _key(self, k: str):
        self.entry.insert(k)
        self.keyPressed.emit(k)

    def _search(self, text: str):
        self.results.clear()
        if not text.strip() or self.directory is None:
            return
        for e in self.directory.search(text.strip(), limit=8):
            court = self.directory.court(e.court) if e.court else None
            place = " · ".join(x for x in (court.short_name if court else "", e.division) if x)
            it = QListWidgetItem(f"{e.name}  {e.number}   {place}")
            it.setData(Qt.UserRole, e.number)
            self.results.addItem(it)

    def _pick(self, item: QListWidgetItem):
        self.entry.setText(item.data(Qt.UserRole))
        self._dial()

    def _dial(self):
        text = self.entry.text().strip()
        if not text:
            return
        if not any(c.isdigit() for c in text) and self.results.count():
            text = self.results.item(0).data(Qt.UserRole)
        self.dialRequested.emit(text)

    def set_number(self, number: str):
        self.entry.setText(number)

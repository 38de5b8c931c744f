"""The consulting judge's overflow controls: lend seats or a sub-platform.

Lending pulls sub-platform seats (or a whole court) into the main platform's
queue for a set time; they return by themselves when it ends, or when the
judge ends it. The queue server (deploy/kamailio/routing.cfg) authorises the
judge, applies the lending and audits it; this panel only sends the command
as an authenticated SIP MESSAGE (through a `send(body) -> (status, reason)`
port) on a worker thread, and shows the answer. The effect is visible live
in the tiles: queue documents carry lent-in/lent-out.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (QComboBox, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox)


class OverflowPanel(QGroupBox):
    def __init__(self, courts, send, parent=None):
        super().__init__(parent)
        self.setObjectName("overflowPanel")
        self.setTitle(self.tr("Overflow: lend seats to the main platform"))
        self.send = send
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="overflow")
        self._pending = None
        self.target = QComboBox()
        self.target.setObjectName("lendTarget")
        self.target.addItem(self.tr("One seat (number):"), "")
        for c in courts:
            if not c.is_main:
                self.target.addItem(c.short_name or c.name, c.code)
        self.seat = QLineEdit()
        self.seat.setObjectName("lendSeat")
        self.seat.setPlaceholderText(self.tr("seat number"))
        self.target.currentIndexChanged.connect(lambda _: self.seat.setEnabled(not self.target.currentData()))
        self.minutes = QSpinBox()
        self.minutes.setObjectName("lendMinutes")
        self.minutes.setRange(5, 480)
        self.minutes.setValue(30)
        self.minutes.setSuffix(self.tr(" min"))
        self.lend_btn = QPushButton(self.tr("Lend"))
        self.lend_btn.setObjectName("lendButton")
        self.end_btn = QPushButton(self.tr("End lending"))
        self.end_btn.setObjectName("endLendButton")
        self.result = QLabel()
        self.result.setObjectName("lendResult")
        self.lend_btn.clicked.connect(lambda: self._run(f"lend {self._what()} {self.minutes.value()}"))
        self.end_btn.clicked.connect(lambda: self._run(f"end-lend {self._what()}"))
        lay = QHBoxLayout(self)
        for w in (self.target, self.seat, self.minutes, self.lend_btn, self.end_btn, self.result):
            lay.addWidget(w)
        lay.addStretch(1)
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._check)

    def _what(self) -> str:
        return self.target.currentData() or self.seat.text().strip()

    def _run(self, command: str) -> None:
        if not self._what():
            self.result.setText(self.tr("Choose a sub-platform or type a seat number."))
            return
        if self._pending is not None:
            return
        self.lend_btn.setEnabled(False)
        self.end_btn.setEnabled(False)
        self.result.setText(self.tr("Sending..."))
        self._pending = self._pool.submit(self.send, command)
        self._poll.start()

    def _check(self) -> None:
        f = self._pending
        if f is None or not f.done():
            return
        self._poll.stop()
        self._pending = None
        self.lend_btn.setEnabled(True)
        self.end_btn.setEnabled(True)
        try:
            status, reason = f.result()
        except Exception as e:  # the server is down, a transport error
            self.result.setText(self.tr("Not sent: %1").replace("%1", str(e)))
            return
        if 200 <= status < 300:
            self.result.setText(self.tr("Done."))
        else:
            self.result.setText(self.tr("Refused by the queue server: %1 %2")
                                .replace("%1", str(status)).replace("%2", reason))

    def close_pool(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

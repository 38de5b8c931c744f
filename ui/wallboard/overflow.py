"""The consulting judge's overflow controls: lend seats, set a queue's thresholds.

Lending pulls sub-platform seats (or a whole court) into the main platform's
queue for a set time; they return by themselves when it ends, or when the
judge ends it. Thresholds say when a queue overflows (more than N callers
waiting, or the oldest waited T seconds), how long a caller may wait and how
long a seat rings; the judge changes them while the platform runs.

The queue server (deploy/kamailio/routing.cfg) authorises the judge, applies
the change and audits it; this panel only sends the command as an
authenticated SIP MESSAGE (through a `send(body) -> (status, reason)` port)
on a worker thread, and shows the answer. The effect is visible live in the
tiles: queue documents carry lent-in/lent-out and the overflow state.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (QComboBox, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QVBoxLayout)

from app.domain.routing import (THRESHOLD_LIMITS, QueueThresholds, RoutingConfigError,
                                parse_thresholds_reply, thresholds_query)


def _spin(name: str, field: str, suffix: str) -> QSpinBox:
    s = QSpinBox()
    s.setObjectName(name)
    s.setRange(*THRESHOLD_LIMITS[field])
    s.setSuffix(suffix)
    return s


class OverflowPanel(QGroupBox):
    def __init__(self, courts, send, parent=None):
        super().__init__(parent)
        self.setObjectName("overflowPanel")
        self.setTitle(self.tr("Overflow: lend seats to the main platform"))
        self.send = send
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="overflow")
        self._pending = None          # (future, handler) of the command in flight
        self._reload_wanted = False
        self._loaded_once = False

        # --- lending row
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
        self.lend_btn.clicked.connect(lambda: self._lend(f"lend {self._what()} {self.minutes.value()}"))
        self.end_btn.clicked.connect(lambda: self._lend(f"end-lend {self._what()}"))
        row1 = QHBoxLayout()
        for w in (self.target, self.seat, self.minutes, self.lend_btn, self.end_btn, self.result):
            row1.addWidget(w)
        row1.addStretch(1)

        # --- thresholds row (one queue at a time; main platform first)
        self.thr_queue = QComboBox()
        self.thr_queue.setObjectName("thresholdQueue")
        for c in sorted(courts, key=lambda c: not c.is_main):
            self.thr_queue.addItem(c.short_name or c.name, c.code)
        self.ovn = _spin("thresholdWaiting", "overflow_waiting_n", self.tr(" waiting"))
        self.ovn.setSpecialValueText(self.tr("never"))
        self.ovn.setToolTip(self.tr("Overflow while more than this many callers wait (0: never)"))
        self.ovt = _spin("thresholdWait", "overflow_wait_s", self.tr(" s"))
        self.ovt.setSpecialValueText(self.tr("never"))
        self.ovt.setToolTip(self.tr("... or while the longest wait reaches this (0: never)"))
        self.max_wait = _spin("thresholdMaxWait", "max_wait_s", self.tr(" s"))
        self.max_wait.setToolTip(self.tr("Longest a caller waits before the queue's fallback"))
        self.ring = _spin("thresholdRing", "ring_timeout_s", self.tr(" s"))
        self.ring.setToolTip(self.tr("How long a seat rings before the call moves to the next seat"))
        self.apply_btn = QPushButton(self.tr("Apply thresholds"))
        self.apply_btn.setObjectName("applyThresholds")
        self.reload_btn = QPushButton(self.tr("Reload"))
        self.reload_btn.setObjectName("reloadThresholds")
        self.thr_result = QLabel()
        self.thr_result.setObjectName("thresholdResult")
        self.apply_btn.clicked.connect(self.apply_thresholds)
        self.reload_btn.clicked.connect(self.load_thresholds)
        self.thr_queue.currentIndexChanged.connect(lambda _: self.load_thresholds())
        row2 = QHBoxLayout()
        row2.addWidget(QLabel(self.tr("Thresholds of")))
        row2.addWidget(self.thr_queue)
        for label, w in ((self.tr("overflow above"), self.ovn), (self.tr("or after"), self.ovt),
                         (self.tr("max wait"), self.max_wait), (self.tr("ring"), self.ring)):
            row2.addWidget(QLabel(label))
            row2.addWidget(w)
        for w in (self.apply_btn, self.reload_btn, self.thr_result):
            row2.addWidget(w)
        row2.addStretch(1)
        self._set_fields_enabled(False)   # until the current values are read

        lay = QVBoxLayout(self)
        lay.addLayout(row1)
        lay.addLayout(row2)
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._check)

    # ---------------------------------------------------------------- lending
    def _what(self) -> str:
        return self.target.currentData() or self.seat.text().strip()

    def _lend(self, command: str) -> None:
        if not self._what():
            self.result.setText(self.tr("Choose a sub-platform or type a seat number."))
            return
        if self._submit(command, self._lend_done):
            self.result.setText(self.tr("Sending..."))

    def _lend_done(self, status, reason, error) -> None:
        if error is not None:  # the server is down, a transport error
            self.result.setText(self.tr("Not sent: %1").replace("%1", str(error)))
        elif 200 <= status < 300:
            self.result.setText(self.tr("Done."))
        else:
            self.result.setText(self.tr("Refused by the queue server: %1 %2")
                                .replace("%1", str(status)).replace("%2", reason))

    # ------------------------------------------------------------- thresholds
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self._loaded_once = True
            self.load_thresholds()

    def load_thresholds(self) -> None:
        """Ask the server for the chosen queue's thresholds (fields filled on answer)."""
        queue = self.thr_queue.currentData()
        if not queue:
            return
        self._loaded_once = True
        self._set_fields_enabled(False)   # never apply one queue's values to another
        if self._pending is not None:
            self._reload_wanted = True
            return
        if self._submit(thresholds_query(queue), self._thresholds_read):
            self.thr_result.setText(self.tr("Reading..."))

    def current_thresholds(self) -> QueueThresholds:
        return QueueThresholds(self.thr_queue.currentData() or "", self.ovn.value(), self.ovt.value(),
                               self.max_wait.value(), self.ring.value())

    def apply_thresholds(self) -> None:
        t = self.current_thresholds()
        try:
            command = t.command()
        except RoutingConfigError as e:  # out of range: the spin boxes prevent it
            self.thr_result.setText(self.tr("Not sent: %1").replace("%1", str(e)))
            return
        if self._submit(command, self._thresholds_applied):
            self.thr_result.setText(self.tr("Sending..."))

    def _show_values(self, t: QueueThresholds) -> None:
        if t.queue != self.thr_queue.currentData():
            return  # the judge chose another queue meanwhile
        for w, v in ((self.ovn, t.overflow_waiting_n), (self.ovt, t.overflow_wait_s),
                     (self.max_wait, t.max_wait_s), (self.ring, t.ring_timeout_s)):
            w.setValue(v)
        self._set_fields_enabled(True)

    def _thresholds_read(self, status, reason, error) -> None:
        if error is not None:
            self.thr_result.setText(self.tr("Could not read the thresholds: %1").replace("%1", str(error)))
            return
        if not 200 <= status < 300:
            self.thr_result.setText(self.tr("Could not read the thresholds: %1 %2")
                                    .replace("%1", str(status)).replace("%2", reason))
            return
        try:
            self._show_values(parse_thresholds_reply(reason))
        except RoutingConfigError as e:
            self.thr_result.setText(self.tr("Could not read the thresholds: %1").replace("%1", str(e)))
            return
        self.thr_result.setText("")

    def _thresholds_applied(self, status, reason, error) -> None:
        if error is not None:
            self.thr_result.setText(self.tr("Not sent: %1").replace("%1", str(error)))
            return
        if not 200 <= status < 300:
            # the judge's values stay in the fields: nothing typed is lost
            self.thr_result.setText(self.tr("Refused by the queue server: %1 %2")
                                    .replace("%1", str(status)).replace("%2", reason))
            return
        try:
            t = parse_thresholds_reply(reason)
        except RoutingConfigError:
            self.thr_result.setText(self.tr("Applied."))
            return
        self._show_values(t)
        self.thr_result.setText(
            self.tr("Applied: overflow above %1 waiting or after %2 s, max wait %3 s, ring %4 s.")
            .replace("%1", str(t.overflow_waiting_n)).replace("%2", str(t.overflow_wait_s))
            .replace("%3", str(t.max_wait_s)).replace("%4", str(t.ring_timeout_s)))

    def _set_fields_enabled(self, on: bool) -> None:
        for w in (self.ovn, self.ovt, self.max_wait, self.ring, self.apply_btn):
            w.setEnabled(on)

    # -------------------------------------------------------------- plumbing
    def _submit(self, command: str, handler) -> bool:
        """Send ``command`` on the worker thread; ``handler(status, reason,
        error)`` runs on the GUI thread with the answer. One at a time."""
        if self._pending is not None:
            return False
        for b in (self.lend_btn, self.end_btn, self.apply_btn, self.reload_btn):
            b.setEnabled(False)
        self._pending = (self._pool.submit(self.send, command), handler)
        self._poll.start()
        return True

    def _check(self) -> None:
        if self._pending is None or not self._pending[0].done():
            return
        future, handler = self._pending
        self._poll.stop()
        self._pending = None
        for b in (self.lend_btn, self.end_btn, self.reload_btn):
            b.setEnabled(True)
        self.apply_btn.setEnabled(self.ovn.isEnabled())
        try:
            status, reason = future.result()
        except Exception as e:  # the server is down, a transport error
            handler(None, None, e)
        else:
            handler(status, reason, None)
        if self._reload_wanted:
            self._reload_wanted = False
            self.load_thresholds()

    def close_pool(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

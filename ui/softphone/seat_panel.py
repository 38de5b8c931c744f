"""The seat's own state in the softphone: state, time in state, and the buttons.

Sign in/out, Ready, Not ready with a reason (configurable list), End
wrap-up. The state machine is plain Python (app.domain.seat_state); this
panel calls its verbs and shows its status, refreshed once a second.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QPushButton, QWidget

from app.domain.seat_state import SeatState
from ui.wallboard.model import STATE_COLOURS, fmt_age
from ui.wallboard.window import state_labels


class SeatStatePanel(QWidget):
    def __init__(self, service, parent=None):
        super().__init__(parent)
        self.service = service
        self.machine = service.machine
        self.labels = state_labels(self.tr)
        self.state = QLabel()
        self.state.setObjectName("seatState")
        self.sign_btn = QPushButton()
        self.sign_btn.setObjectName("signButton")
        self.sign_btn.clicked.connect(self._toggle_sign)
        self.ready_btn = QPushButton(self.tr("Ready"))
        self.ready_btn.setObjectName("readyButton")
        self.ready_btn.clicked.connect(self.machine.set_ready)
        self.not_ready_btn = QPushButton(self.tr("Not ready"))
        self.not_ready_btn.setObjectName("notReadyButton")
        menu = QMenu(self)
        for reason in self.machine.reasons:
            act = menu.addAction(self.labels.get(reason, reason))
            act.setObjectName(f"reason_{reason}")
            act.triggered.connect(lambda _=False, r=reason: self.machine.set_not_ready(r))
        self.not_ready_btn.setMenu(menu)
        self.reason_menu = menu
        self.end_wrap_btn = QPushButton(self.tr("End wrap-up"))
        self.end_wrap_btn.setObjectName("endWrapButton")
        self.end_wrap_btn.clicked.connect(self.machine.end_wrap_up)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.state, 1)
        for b in (self.sign_btn, self.ready_btn, self.not_ready_btn, self.end_wrap_btn):
            lay.addWidget(b)
        self.machine.subscribe(lambda _s: self.refresh())
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self.refresh()

    def _tick(self):
        self.service.tick()
        self.refresh()

    def _toggle_sign(self):
        if self.machine.status.state is SeatState.SIGNED_OUT:
            self.machine.sign_in()
        else:
            self.machine.sign_out()

    def refresh(self):
        st = self.machine.status
        text = self.labels[st.state]
        if st.state is SeatState.NOT_READY and st.reason:
            text += f" ({self.labels.get(st.reason, st.reason)})"
        if st.pending_after_wrap is not None:
            text += "  " + self.tr("then: %1").replace("%1", self.labels[st.pending_after_wrap])
        text += f"  {fmt_age(time.time() - st.since)}"
        self.state.setText(text)
        self.state.setStyleSheet(f"color:white;background:{STATE_COLOURS[st.state]};padding:3px 8px;border-radius:3px")
        signed_out = st.state is SeatState.SIGNED_OUT
        self.sign_btn.setText(self.tr("Sign in") if signed_out else self.tr("Sign out"))
        self.ready_btn.setEnabled(not signed_out and st.state is not SeatState.READY)
        self.not_ready_btn.setEnabled(not signed_out)
        self.end_wrap_btn.setEnabled(st.state is SeatState.WRAP_UP)

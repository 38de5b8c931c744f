"""The seat's current calls and the buttons that act on them.

Shows every live call (at most four: the wheel's limit) with the peer, its
state and a running timer; the buttons act on the selected call. It only
observes `CallSnapshot`s and calls engine verbs; it never touches pjsua2.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Signal, Qt
from PySide6.QtWidgets import (QGridLayout, QInputDialog, QLabel,
                               QListWidget, QListWidgetItem,
                               QPushButton, QVBoxLayout, QWidget)

from app.domain.calls import CallDirection, CallPhase, CallSnapshot
from ui.style import GREEN, RED, action_button
from ui.messages import explain


def fmt_duration(seconds: float) -> str:
    s = max(0, int(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class CallsPanel(QWidget):
    # str: a problem to show the seat (already translated).
    problemRaised = Signal(str)

    def __init__(self, engine, directory=None, on_reject=None, parent=None):
        super().__init__(parent)
        self.engine = engine
        self.on_reject = on_reject or engine.reject
        self.directory = directory
        self._calls: dict[int, CallSnapshot] = {}
        self._consult_of: dict[int, int] = {}   # consult call id -> original call id

        self.list = QListWidget()
        self.list.setObjectName("callsList")
        self.list.setMinimumHeight(110)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())

        def btn(name, text, slot):
            b = QPushButton(text)
            b.setObjectName(name)
            b.clicked.connect(slot)
            return b

        self.answer_btn = btn("answerButton", self.tr("Answer (F5)"), self.answer)
        self.reject_btn = btn("rejectButton", self.tr("Reject"), self.reject)
        self.hangup_btn = btn("hangupButton", self.tr("Hang up (F6)"), self.hangup)
        self.hold_btn = btn("holdButton", self.tr("Hold (F7)"), self.toggle_hold)
        self.mute_btn = btn("muteButton", self.tr("Mute (F8)"), self.toggle_mute)
        self.transfer_btn = btn("transferButton", self.tr("Transfer (F9)"), self.ask_blind_transfer)
        self.consult_btn = btn("consultButton", self.tr("Consult"), self.ask_consult)
        self.complete_btn = btn("completeTransferButton", self.tr("Complete transfer"), self.complete_transfer)
        self.conf_btn = btn("conferenceButton", self.tr("Conference (F10)"), self.conference)
        self.answer_btn.setStyleSheet(action_button(GREEN))
        self.hangup_btn.setStyleSheet(action_button(RED))

        grid = QGridLayout()
        buttons = [self.answer_btn, self.reject_btn, self.hangup_btn, self.hold_btn,
                   self.mute_btn, self.transfer_btn, self.consult_btn, self.complete_btn,
                   self.conf_btn]
        for i, b in enumerate(buttons):
            grid.addWidget(b, i // 3, i % 3)

        self.info = QLabel()
        self.info.setObjectName("callInfo")
        self.info.setWordWrap(True)
        lay = QVBoxLayout(self)
        title = QLabel(self.tr("Calls"))
        title.setStyleSheet("font-weight:bold")
        lay.addWidget(title)
        lay.addWidget(self.list)
        lay.addWidget(self.info)
        lay.addLayout(grid)

        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._refresh_rows)
        self._ticker.start()
        engine.callChanged.connect(self._on_call_changed)
        engine.transferProgressed.connect(self._on_transfer_progressed)
        self._update_buttons()

    # -- model ---------------------------------------------------------------
    def _peer_label(self, s: CallSnapshot) -> str:
        name = s.peer_display
        if self.directory is not None:
            e = self.directory.by_number(s.peer_number)
            if e is not None:
                name = e.name
        return f"{name} <{s.peer_number}>" if name else s.peer_number

    def _state_text(self, s: CallSnapshot) -> str:
        if s.phase is CallPhase.ACTIVE:
            if s.local_hold:
                return self.tr("On hold")
            if s.remote_hold:
                return self.tr("Held by the other party")
            return self.tr("Talking")
        return {
            CallPhase.DIALING: self.tr("Dialling"),
            CallPhase.RINGING_OUT: self.tr("Ringing"),
            CallPhase.RINGING_IN: self.tr("Incoming call"),
            CallPhase.CONNECTING: self.tr("Connecting"),
            CallPhase.ENDED: self.tr("Ended"),
        }[s.phase]

    def _row_text(self, s: CallSnapshot) -> str:
        arrow = "↓" if s.direction is CallDirection.INCOMING else "↑"
        t0 = s.answered_at or s.started_at
        extra = []
        if s.muted:
            extra.append(self.tr("muted"))
        if s.conference:
            extra.append(self.tr("conference"))
        if s.call_id in self._consult_of:
            extra.append(self.tr("consultation"))
        tail = f" [{', '.join(extra)}]" if extra else ""
        return f"{arrow} {self._peer_label(s)}   {self._state_text(s)}   {fmt_duration(time.time() - t0)}{tail}"

    def _on_call_changed(self, s: CallSnapshot):
        if s.phase is CallPhase.ENDED:
            self._calls.pop(s.call_id, None)
            self._consult_of.pop(s.call_id, None)
            if s.last_status >= 400 and s.answered_at is None and s.direction is CallDirection.OUTGOING \
                    and s.last_status != 487:
                self.problemRaised.emit(self.tr("Call to %1 failed: %2 %3")
                                        .replace("%1", s.peer_number)
                                        .replace("%2", str(s.last_status))
                                        .replace("%3", s.last_reason))
        else:
            self._calls[s.call_id] = s
        self._refresh_rows()
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(self.list.count() - 1)
        self._update_buttons()

    def _refresh_rows(self):
        current = self.current_id()
        self.list.clear()
        for cid, s in sorted(self._calls.items()):
            it = QListWidgetItem(self._row_text(s))
            it.setData(Qt.UserRole, cid)
            self.list.addItem(it)
            if cid == current:
                self.list.setCurrentItem(it)
        self._update_buttons()

    def current_id(self) -> int | None:
        it = self.list.currentItem()
        if it is not None:
            return it.data(Qt.UserRole)
        return max(self._calls) if self._calls else None

    def current(self) -> CallSnapshot | None:
        cid = self.current_id()
        return self._calls.get(cid) if cid is not None else None

    def ringing_id(self) -> int | None:
        for cid, s in self._calls.items():
            if s.phase is CallPhase.RINGING_IN:
                return cid
        return None

    def _update_buttons(self):
        s = self.current()
        ringing = s is not None and s.phase is CallPhase.RINGING_IN
        active = s is not None and s.phase is CallPhase.ACTIVE
        self.answer_btn.setEnabled(self.ringing_id() is not None)
        self.reject_btn.setEnabled(ringing)
        self.hangup_btn.setEnabled(s is not None)
        self.hold_btn.setEnabled(active)
        self.hold_btn.setText(self.tr("Resume (F7)") if active and s.local_hold else self.tr("Hold (F7)"))
        self.mute_btn.setEnabled(active)
        self.mute_btn.setText(self.tr("Unmute (F8)") if active and s.muted else self.tr("Mute (F8)"))
        self.transfer_btn.setEnabled(active)
        self.consult_btn.setEnabled(active and len(self._calls) < 3)
        has_consult = s is not None and (s.call_id in self._consult_of or s.call_id in self._consult_of.values())
        self.complete_btn.setEnabled(has_consult)
        self.conf_btn.setEnabled(has_consult)
        if s is None:
            self.info.setText(self.tr("No call. Dial a number or wait for a call."))
        else:
            self.info.setText(self._row_text(s))

    # -- verbs ---------------------------------------------------------------
    def _guard(self, fn, *args):
        try:
            return fn(*args)
        except Exception as e:  # SipError: words already fit for a seat
            self.problemRaised.emit(self.tr("The phone could not do that: %1").replace("%1", explain(e)))
            return None

    def answer(self):
        cid = self.ringing_id()
        if cid is not None:
            self._guard(self.engine.answer, cid)

    def reject(self):
        s = self.current()
        if s is not None and s.phase is CallPhase.RINGING_IN:
            self._guard(self.on_reject, s.call_id)

    def hangup(self):
        s = self.current()
        if s is not None:
            self._guard(self.engine.hangup, s.call_id)

    def toggle_hold(self):
        s = self.current()
        if s is None or s.phase is not CallPhase.ACTIVE:
            return
        self._guard(self.engine.resume if s.local_hold else self.engine.hold, s.call_id)

    def toggle_mute(self):
        s = self.current()
        if s is not None and s.phase is CallPhase.ACTIVE:
            self._guard(self.engine.set_muted, s.call_id, not s.muted)

    def send_dtmf(self, digits: str):
        s = self.current()
        if s is not None and s.phase is CallPhase.ACTIVE:
            self._guard(self.engine.send_dtmf, s.call_id, digits)

    def ask_blind_transfer(self):
        s = self.current()
        if s is None or s.phase is not CallPhase.ACTIVE:
            return
        target, ok = QInputDialog.getText(self, self.tr("Transfer"), self.tr("Transfer the call to (number):"))
        if ok and target.strip():
            self.blind_transfer(target.strip())

    def blind_transfer(self, target: str):
        s = self.current()
        if s is not None:
            self._guard(self.engine.blind_transfer, s.call_id, target)

    def ask_consult(self):
        target, ok = QInputDialog.getText(self, self.tr("Consult"), self.tr("Consult whom first (number):"))
        if ok and target.strip():
            self.consult(target.strip())

    def consult(self, target: str) -> int | None:
        """Hold the current call and call `target`; complete or conference later."""
        s = self.current()
        if s is None or s.phase is not CallPhase.ACTIVE:
            return None
        if not s.local_hold:
            self._guard(self.engine.hold, s.call_id)
        new_id = self._guard(self.engine.make_call, target)
        if new_id is not None:
            self._consult_of[new_id] = s.call_id
        return new_id

    def _pair(self):
        s = self.current()
        if s is None:
            return None
        if s.call_id in self._consult_of:
            return self._consult_of[s.call_id], s.call_id
        for consult, orig in self._consult_of.items():
            if orig == s.call_id:
                return orig, consult
        return None

    def complete_transfer(self):
        pair = self._pair()
        if pair:
            self._guard(self.engine.attended_transfer, *pair)

    def conference(self):
        pair = self._pair()
        if pair:
            self._guard(self.engine.conference, *pair)

    def _on_transfer_progressed(self, call_id: int, code: int, reason: str, final: bool):
        if final and code >= 300:
            self.problemRaised.emit(self.tr("The transfer failed: %1 %2")
                                    .replace("%1", str(code)).replace("%2", reason))

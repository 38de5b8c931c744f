"""Glue between the SIP engine, the call history and the ringer (GUI side).

Records every call event in the history (a commit at each event, so nothing is
lost if the app is killed), rings the ringer device while a call is offered,
and carries out opt-in auto-answer (a short beep, then answer). Holds no
pjsua2 object: it listens to engine signals and calls engine verbs.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from app.domain.calls import CallPhase, CallSnapshot
from ui.messages import explain

log = logging.getLogger(__name__)

AUTO_ANSWER_DELAY_MS = 600


class PhoneController(QObject):
    # (): the history changed (a row was added or updated).
    historyChanged = Signal()
    # str: a message for the seat (translated).
    problemRaised = Signal(str)

    def __init__(self, engine, history, ringer=None, parent=None):
        super().__init__(parent)
        self.engine = engine
        self.history = history
        self.ringer = ringer
        self.auto_answer = False
        self.ringer_device: str | None = None  # None: the system default output
        self._ringing: set[int] = set()
        engine.callChanged.connect(self._on_call_changed)
        engine.callIncoming.connect(self._on_call_incoming)
        engine.audioProblem.connect(self._on_audio_problem)

    def account_label(self) -> str:
        acc = self.engine.registration()
        return acc.account_uri if acc else ""

    def reject(self, call_id: int):
        self.history.mark_rejected(call_id)
        self.engine.reject(call_id)

    def _on_call_incoming(self, s: CallSnapshot):
        self._ringing.add(s.call_id)
        if self.auto_answer:
            self._beep()
            QTimer.singleShot(AUTO_ANSWER_DELAY_MS, lambda: self._auto_answer(s.call_id))
        else:
            self._ring(True)

    def _auto_answer(self, call_id: int):
        snap = self.engine.call_snapshot(call_id)
        if snap is not None and snap.phase is CallPhase.RINGING_IN:
            try:
                self.engine.answer(call_id)
            except Exception as e:
                self.problemRaised.emit(explain(e))

    def _on_call_changed(self, s: CallSnapshot):
        if s.phase is not CallPhase.RINGING_IN and s.call_id in self._ringing:
            self._ringing.discard(s.call_id)
            if not self._ringing:
                self._ring(False)
        try:
            self.history.on_call_changed(s, self.account_label())
        except Exception as e:  # StorageError: keep the call going, say what happened
            log.error("history write failed: %s", e)
            self.problemRaised.emit(self.tr("The call history could not be saved: %1").replace("%1", explain(e)))
            return
        self.historyChanged.emit()

    def _ring(self, on: bool):
        if self.ringer is None:
            return
        try:
            self.ringer.start(self.ringer_device) if on else self.ringer.stop()
        except Exception as e:
            self.problemRaised.emit(self.tr("The ringer could not play: %1").replace("%1", explain(e)))

    def _beep(self):
        if self.ringer is None:
            return
        try:
            self.ringer.beep(self.ringer_device)
        except Exception as e:
            log.info("beep failed: %s", e)

    def _on_audio_problem(self, msg: str):
        self.problemRaised.emit(self.tr("Sound device problem: %1. The call goes on.").replace("%1", msg))


"""The seat's softphone window.

Registration state always visible at the top; dial pad with directory search
on the left; current calls and their buttons in the middle; call history
below. Keyboard first: F5 answer, F6 hang up, F7 hold/resume, F8 mute,
F9 transfer, F10 conference, Ctrl+D dial, Ctrl+F search history, Ctrl+E echo test.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QMainWindow, QPushButton,
                               QSplitter, QTabWidget, QVBoxLayout, QWidget)

from app.domain.calls import CallPhase, CallSnapshot
from ui.softphone.calls_panel import CallsPanel
from ui.softphone.dialpad import DialPad
from ui.softphone.history_view import HistoryView
from ui.softphone.incoming import IncomingCallPopup
from ui.softphone.level_meter import LevelMeter
from ui.softphone.registration_badge import RegistrationBadge
from ui.messages import explain

ECHO_TEST_NUMBER = "9196"

log = logging.getLogger(__name__)


class SoftphoneWindow(QMainWindow):
    # (): the seat asked for the settings dialog.
    settingsRequested = Signal()

    def __init__(self, engine, controller, directory=None, history_service=None, parent=None):
        super().__init__(parent)
        self.setObjectName("softphoneWindow")
        self.setWindowTitle(self.tr("12368 Hotline - Seat"))
        self.engine = engine
        self.controller = controller
        self.directory = directory

        self.badge = RegistrationBadge()
        self.settings_btn = QPushButton(self.tr("Settings"))
        self.settings_btn.setObjectName("settingsButton")
        self.settings_btn.clicked.connect(self.settingsRequested)
        self.reregister_btn = QPushButton(self.tr("Register again"))
        self.reregister_btn.setObjectName("reregisterButton")
        self.reregister_btn.clicked.connect(engine.register_again)
        self.echo_btn = QPushButton(self.tr("Headset test (echo)"))
        self.echo_btn.setObjectName("echoTestButton")
        self.echo_btn.clicked.connect(self.echo_test)
        self.meter = LevelMeter(engine)
        top = QHBoxLayout()
        top.addWidget(self.badge, 1)
        top.addWidget(self.meter)
        top.addWidget(self.echo_btn)
        top.addWidget(self.reregister_btn)
        top.addWidget(self.settings_btn)

        self.dialpad = DialPad(directory)
        self.calls = CallsPanel(engine, directory, on_reject=controller.reject)
        self.history = HistoryView(history_service) if history_service is not None else QLabel()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("bottomTabs")
        self.tabs.addTab(self.history, self.tr("Call history"))

        # The phone on the left (calls over the dial pad), the desk's pages on
        # the right, where the seat works during the call.
        phone = QSplitter(Qt.Vertical)
        phone.setObjectName("phoneColumn")
        phone.addWidget(self.calls)
        phone.addWidget(self.dialpad)
        phone.setStretchFactor(0, 1)
        body = QSplitter(Qt.Horizontal)
        body.addWidget(phone)
        body.addWidget(self.tabs)
        body.setStretchFactor(1, 1)
        body.setSizes([440, 920])

        # Shown while a call from another platform's queue is up (a lent or
        # overflow seat answers for the main platform).
        self.banner = QLabel()
        self.banner.setObjectName("lentBanner")
        self.banner.setStyleSheet("background:#fff3e0;color:#e65100;font-weight:bold;padding:6px;"
                                  "border:1px solid #ef6c00;border-radius:3px")
        self.banner.hide()
        self._foreign: set[int] = set()

        self.message = QLabel()
        self.message.setObjectName("problemLabel")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color:#c62828")

        central = QWidget()
        lay = QVBoxLayout(central)
        self._layout = lay
        lay.addLayout(top)
        lay.addWidget(self.banner)
        lay.addWidget(body, 1)
        lay.addWidget(self.message)
        self.setCentralWidget(central)
        self.resize(1360, 820)

        self.popup = IncomingCallPopup(self)
        # (CallSnapshot) -> rich text for the popup; set by the seat's desk.
        self.screen_pop = None
        self.popup.answerClicked.connect(self._answer)
        self.popup.rejectClicked.connect(controller.reject)

        engine.registrationChanged.connect(self.badge.show_snapshot)
        engine.callIncoming.connect(self._on_call_incoming)
        engine.callChanged.connect(self._on_call_changed)
        self.dialpad.dialRequested.connect(self.dial)
        self.dialpad.keyPressed.connect(self._on_key)
        self.calls.problemRaised.connect(self.show_problem)
        controller.problemRaised.connect(self.show_problem)
        if history_service is not None:
            controller.historyChanged.connect(self.history.refresh)
            self.history.redialRequested.connect(self.dial)
        self.badge.show_snapshot(engine.registration())
        self._shortcuts()

    def set_seat_panel(self, panel):
        """The seat's own state and its buttons, under the registration line."""
        self.seat_panel = panel
        self._layout.insertWidget(1, panel)

    def _shortcuts(self):
        keys = {
            "F5": self.calls.answer, "F6": self.calls.hangup, "F7": self.calls.toggle_hold,
            "F8": self.calls.toggle_mute, "F9": self.calls.ask_blind_transfer,
            "F10": self.calls.conference,
            "Ctrl+D": lambda: (self.dialpad.entry.setFocus(), self.dialpad.entry.selectAll()),
            "Ctrl+E": self.echo_test,
        }
        if isinstance(self.history, HistoryView):
            keys["Ctrl+F"] = lambda: self.history.search.setFocus()
        self._shortcut_objs = []
        for seq, fn in keys.items():
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ApplicationShortcut)
            sc.activated.connect(fn)
            self._shortcut_objs.append(sc)

    # -- actions -------------------------------------------------------------
    def dial(self, target: str, headers: dict[str, str] | None = None) -> int | None:
        try:
            cid = self.engine.make_call(target, headers) if headers else self.engine.make_call(target)
        except Exception as e:
            self.show_problem(self.tr("Could not call %1: %2").replace("%1", target).replace("%2", explain(e)))
            return None
        self.dialpad.set_number(target)
        self.message.clear()
        return cid

    def echo_test(self):
        self.dial(ECHO_TEST_NUMBER)

    def _answer(self, call_id: int):
        try:
            self.engine.answer(call_id)
        except Exception as e:
            self.show_problem(explain(e))

    def _on_key(self, k: str):
        self.calls.send_dtmf(k)

    def show_problem(self, text: str):
        self.message.setText(text)

    def _caller_name(self, s: CallSnapshot) -> tuple[str, str]:
        if self.directory is not None:
            e = self.directory.by_number(s.peer_number)
            if e is not None:
                court = self.directory.court(e.court) if e.court else None
                return e.name, " · ".join(x for x in (court.name if court else "", e.division) if x)
        return s.peer_display, ""

    def own_court(self) -> str:
        acc = self.engine.registration()
        if acc is None or self.directory is None:
            return ""
        from app.domain.calls import number_of
        e = self.directory.by_number(number_of(acc.account_uri))
        return e.court if e else ""

    def _queue_name(self, code: str) -> str:
        c = self.directory.court(code) if self.directory is not None else None
        return c.short_name if c else code

    def _on_call_incoming(self, s: CallSnapshot):
        name, detail = self._caller_name(s)
        if s.queue and s.queue != self.own_court():
            self._foreign.add(s.call_id)
            text = self.tr("Call from the %1 queue: you are answering for another platform").replace(
                "%1", self._queue_name(s.queue))
            self.banner.setText(text)
            self.banner.show()
            detail = f"{text}\n{detail}" if detail else text
        pop = ""
        if self.screen_pop is not None:
            try:
                pop = self.screen_pop(s)
            except Exception:  # the pop is a hint: never let it stop the ring
                log.exception("screen pop failed")
        self.popup.present(s, name, detail, pop)
        if not self.isActiveWindow():
            self.raise_()
            from PySide6.QtWidgets import QApplication
            QApplication.alert(self)

    def _on_call_changed(self, s: CallSnapshot):
        if s.phase is not CallPhase.RINGING_IN:
            self.popup.dismiss(s.call_id)
        if s.phase is CallPhase.ENDED and s.call_id in self._foreign:
            self._foreign.discard(s.call_id)
            if not self._foreign:
                self.banner.hide()

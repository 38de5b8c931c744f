"""What every desk page may use: who the seat is, the call in hand, a way to
dial through the softphone, and a place to show itself.

One ``DeskContext`` per signed-in seat (ui/roles.py SeatRole makes it). Pages
take it in their constructor and never reach into the SIP engine or the
softphone window themselves, so a page can be tested with a real engine or
with a context built over a real store and a test dialler.

- ``callChanged(CallSnapshot)``: every change of every call of this seat
  (incoming, outgoing, ended), straight from the engine.
- ``currentCallChanged(object)``: the caller the desk is serving changed (a
  CallSnapshot, or None once the seat has finished wrap-up).
- ``caseLinked(str)``: a case number was linked to the call in hand (after a
  verified lookup or typed by the seat); pages pre-fill it.
- ``dial(number, headers)``: places a call through the softphone; returns the
  engine's call id, or None when it could not be placed (the reason is shown).
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Signal

from app.domain.calls import CallDirection, CallPhase, CallSnapshot


class DeskContext(QObject):
    callChanged = Signal(object)
    currentCallChanged = Signal(object)
    caseLinked = Signal(str)
    # (page widget): a page asks to be brought to the front.
    pageRequested = Signal(object)

    def __init__(self, *, seat: str, seat_name: str = "", court: str = "",
                 directory=None, dial: Callable[[str, dict | None], int | None] | None = None,
                 show_problem: Callable[[str], None] | None = None,
                 add_page: Callable[[object, str], None] | None = None,
                 engine=None, parent=None):
        super().__init__(parent)
        self.seat = seat                  # the seat's number (SIP user)
        self.seat_name = seat_name
        self.court = court                # the seat's court code ("" if unknown)
        self.directory = directory
        self.engine = engine              # for call verbs (hangup, transfer); may be None in tests
        self._dial = dial
        self._show_problem = show_problem
        self._add_page = add_page
        self.current_call: CallSnapshot | None = None
        self.case_number = ""             # linked to the call in hand
        self.notes = ""                   # the seat's notes on the call in hand
        self.work_order_id: int | None = None   # a work order sent about the call in hand
        if engine is not None:
            engine.callChanged.connect(self.on_call)

    # --- calls -------------------------------------------------------------
    def on_call(self, s: CallSnapshot) -> None:
        """Feed of the engine's call snapshots (connected in the constructor)."""
        self.callChanged.emit(s)
        cur = self.current_call
        if s.direction is CallDirection.INCOMING and s.phase in (
                CallPhase.RINGING_IN, CallPhase.CONNECTING, CallPhase.ACTIVE):
            if cur is None or cur.call_id == s.call_id or cur.phase is CallPhase.ENDED:
                if cur is None or cur.call_id != s.call_id:
                    self.case_number = ""
                    self.notes = ""
                    self.work_order_id = None
                self.current_call = s
                self.currentCallChanged.emit(s)
        elif cur is not None and cur.call_id == s.call_id:
            self.current_call = s
            self.currentCallChanged.emit(s)

    def finish_call(self) -> None:
        """The seat finished the record of the call in hand (wrap-up saved)."""
        self.current_call = None
        self.case_number = ""
        self.notes = ""
        self.work_order_id = None
        self.currentCallChanged.emit(None)

    @property
    def caller_number(self) -> str:
        return self.current_call.peer_number if self.current_call else ""

    def link_case(self, case_number: str) -> None:
        self.case_number = case_number
        self.caseLinked.emit(case_number)

    def link_work_order(self, order_id: int) -> None:
        """A work order was sent about the call in hand (the wrap-up record names it)."""
        if self.current_call is not None:
            self.work_order_id = int(order_id)

    def dial(self, number: str, headers: dict | None = None) -> int | None:
        if self._dial is None:
            self.show_problem(self.tr("This desk has no softphone to dial with."))
            return None
        return self._dial(number, headers)

    # --- window ------------------------------------------------------------
    def show_problem(self, text: str) -> None:
        if self._show_problem is not None:
            self._show_problem(text)

    def add_page(self, widget, title: str) -> None:
        if self._add_page is not None:
            self._add_page(widget, title)

    def bring_forward(self, widget) -> None:
        self.pageRequested.emit(widget)

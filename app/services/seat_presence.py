"""The seat's own state: fed by its calls and buttons, published as presence.

Plain Python (no Qt, no SIP stack): the softphone hands in `CallSnapshot`s,
the seat's buttons call the state machine's verbs, and every change is turned
into a PIDF document (app.domain.presence_doc) and given to a `publish`
port. The port must not block (the SIP side queues and sends); `republish()`
is called when registration comes back after a server loss, and `tick()`
once a second lets wrap-up expire and refreshes the publication before it
expires on the server.
"""
from __future__ import annotations

import logging
import time
from typing import Callable

from app.domain.calls import CallPhase, CallSnapshot
from app.domain.presence_doc import SeatPresence, seat_pidf
from app.domain.seat_state import SeatStateMachine, SeatStatus

log = logging.getLogger(__name__)

REFRESH_S = 60.0  # the server keeps a PUBLISH for 120 s


class SeatPresenceService:
    def __init__(self, machine: SeatStateMachine, publish: Callable[[str], None], *,
                 entity: str, seat: str, court: str = "", name: str = "",
                 queues: tuple[str, ...] = (), clock: Callable[[], float] = time.time,
                 refresh_s: float = REFRESH_S):
        self.machine = machine
        self.publish = publish
        self.entity = entity
        self.seat = seat
        self.court = court
        self.name = name
        self.queues = queues
        self.clock = clock
        self.refresh_s = refresh_s
        self.last_published: float = 0.0
        self.last_document: str = ""
        self._phases: dict[int, CallPhase] = {}
        self._held: dict[int, bool] = {}
        machine.subscribe(self._on_status)

    # -- presence --------------------------------------------------------------
    def presence(self, status: SeatStatus | None = None) -> SeatPresence:
        st = status or self.machine.status
        return SeatPresence(seat=self.seat, state=st.state, reason=st.reason, since=st.since,
                            court=self.court, queues=self.queues, calls_today=st.calls_today,
                            name=self.name)

    def _on_status(self, status: SeatStatus) -> None:
        self._send(status)

    def _send(self, status: SeatStatus | None = None) -> None:
        doc = seat_pidf(self.entity, self.presence(status))
        self.last_document = doc
        self.last_published = self.clock()
        try:
            self.publish(doc)
        except Exception as e:  # the port reports its own errors; state goes on
            log.warning("publish failed: %s", e)

    def republish(self) -> None:
        """Publish the current state again now (after a server loss)."""
        self._send()

    def tick(self) -> None:
        changed = self.machine.tick()
        if not changed and self.clock() - self.last_published >= self.refresh_s:
            self._send()

    # -- calls -------------------------------------------------------------------
    def on_call(self, s: CallSnapshot) -> None:
        """Map the softphone's call events to the state machine."""
        m = self.machine
        prev = self._phases.get(s.call_id)
        self._phases[s.call_id] = s.phase
        if s.phase is CallPhase.ENDED:
            self._phases.pop(s.call_id, None)
            self._held.pop(s.call_id, None)
            if prev is not None:
                m.call_ended(s.call_id, answered=s.answered_at is not None)
            return
        if prev is None and s.phase in (CallPhase.RINGING_IN, CallPhase.DIALING, CallPhase.RINGING_OUT):
            m.call_offered(s.call_id)
        if s.phase is CallPhase.ACTIVE and prev is not CallPhase.ACTIVE:
            if prev is None:
                m.call_offered(s.call_id)
            m.call_answered(s.call_id)
        held = s.phase is CallPhase.ACTIVE and s.local_hold
        if held != self._held.get(s.call_id, False):
            self._held[s.call_id] = held
            (m.call_held if held else m.call_resumed)(s.call_id)

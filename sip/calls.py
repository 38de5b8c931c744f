"""pjsua2 Call wrapper owned by the SIP engine.

`SeatCall` turns pjsua2 call callbacks into plain `CallSnapshot`s handed to the
engine, which emits them as Qt signals after `libHandleEvents` returns (never
from inside the callback: a slot might open a dialog). The pjsua2 object stays
here; everything that leaves carries copied values only.

Thread: every callback runs on the GUI thread (threadCnt = 0, mainThreadOnly).
Lifetime: the engine keeps each SeatCall until DISCONNECTED, then drops it in a
later event-loop turn (stack-notes.md: never inside its own callback).
"""
from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import pjsua2 as pj

from app.domain.calls import CallDirection, CallPhase, CallSnapshot, number_of

if TYPE_CHECKING:  # pragma: no cover
    from sip.engine import SipEngine

_NAME_RE = re.compile(r'^\s*"?([^"<]*?)"?\s*<')

_PHASES = {
    pj.PJSIP_INV_STATE_NULL: CallPhase.DIALING,
    pj.PJSIP_INV_STATE_CALLING: CallPhase.DIALING,
    pj.PJSIP_INV_STATE_INCOMING: CallPhase.RINGING_IN,
    pj.PJSIP_INV_STATE_EARLY: None,  # depends on direction
    pj.PJSIP_INV_STATE_CONNECTING: CallPhase.CONNECTING,
    pj.PJSIP_INV_STATE_CONFIRMED: CallPhase.ACTIVE,
    pj.PJSIP_INV_STATE_DISCONNECTED: CallPhase.ENDED,
}


def display_name_of(uri: str) -> str:
    m = _NAME_RE.match(uri)
    return m.group(1).strip() if m else ""


def slot_taken(call: pj.Call) -> bool:
    """True when an ended call's pjsua slot already holds another live call: pjsua2
    keeps the ended call's id, and pjsua says the call under that id is active.
    Dropping such a wrapper would hang up the other call (pjsua2's ~Call hangs up
    whatever call its id names), so callers keep it instead."""
    try:
        return call.getId() >= 0 and call.isActive()
    except pj.Error:
        return False


class SeatCall(pj.Call):
    """One call of the seat; plain state kept beside the pjsua2 object."""

    def __init__(self, engine: "SipEngine", account: pj.Account, local_id: int,
                 direction: CallDirection, call_id: int = pj.PJSUA_INVALID_ID,
                 peer_uri: str = ""):
        super().__init__(account, call_id)
        self.engine = engine
        self.local_id = local_id
        self.direction = direction
        self.phase = CallPhase.RINGING_IN if direction is CallDirection.INCOMING else CallPhase.DIALING
        self.peer_uri = peer_uri
        self.peer_display = display_name_of(peer_uri)
        self.sip_call_id = ""
        self.local_hold = False
        self.remote_hold = False
        self.muted = False
        self.conference_with: set[int] = set()
        self.last_status = 0
        self.last_reason = ""
        self.started_at = time.time()
        self.answered_at: float | None = None
        self.ended_at: float | None = None
        self.audio_connected = False
        self.hangup_requested = False
        self.transfer_pending = False   # we sent a REFER; hang up on its final 2xx
        self.queue = ""                 # the hotline queue an incoming call came from
        self.consult = ""               # X-Hotline-Consult: question uid of a consult call
        self.media_pending = False      # a hold/resume re-INVITE awaits its media update

    # -- snapshot -------------------------------------------------------------
    def snapshot(self) -> CallSnapshot:
        return CallSnapshot(
            call_id=self.local_id,
            sip_call_id=self.sip_call_id,
            direction=self.direction,
            phase=self.phase,
            peer_uri=self.peer_uri,
            peer_number=number_of(self.peer_uri),
            peer_display=self.peer_display,
            local_hold=self.local_hold,
            remote_hold=self.remote_hold,
            muted=self.muted,
            conference=bool(self.conference_with),
            last_status=self.last_status,
            last_reason=self.last_reason,
            started_at=self.started_at,
            answered_at=self.answered_at,
            ended_at=self.ended_at,
            queue=self.queue,
            consult=self.consult,
        )

    def refresh_info(self) -> pj.CallInfo | None:
        """Copy what we show from getInfo(); None once pjsua has let the call go."""
        try:
            ci = self.getInfo()
        except pj.Error:
            return None
        self.sip_call_id = ci.callIdString or self.sip_call_id
        if ci.remoteUri:
            self.peer_uri = ci.remoteUri
            self.peer_display = display_name_of(ci.remoteUri) or self.peer_display
        if ci.lastStatusCode:
            self.last_status = int(ci.lastStatusCode)
            self.last_reason = ci.lastReason or ""
        return ci

    # -- pjsua2 callbacks (GUI thread, inside libHandleEvents) ---------------
    def onCallState(self, prm):
        ci = self.refresh_info()
        if ci is None:
            return
        phase = _PHASES.get(ci.state)
        if phase is None:  # EARLY
            phase = (CallPhase.RINGING_IN if self.direction is CallDirection.INCOMING
                     else CallPhase.RINGING_OUT)
        if phase is CallPhase.ACTIVE and self.answered_at is None:
            self.answered_at = time.time()
        if phase is CallPhase.ENDED:
            self.ended_at = time.time()
        self.phase = phase
        self.engine._call_changed(self)

    def onCallMediaState(self, prm):
        ci = self.refresh_info()
        if ci is None:
            return
        remote_hold = False
        for mi in ci.media:
            if mi.type == pj.PJMEDIA_TYPE_AUDIO:
                remote_hold = mi.status == pj.PJSUA_CALL_MEDIA_REMOTE_HOLD
                if mi.status in (pj.PJSUA_CALL_MEDIA_ACTIVE, pj.PJSUA_CALL_MEDIA_REMOTE_HOLD):
                    self.engine._media_ready(self, mi.index)
        self.remote_hold = remote_hold
        self.media_pending = False
        self.engine._call_changed(self)

    def onDtmfDigit(self, prm):
        self.engine._dtmf_received(self, str(prm.digit))

    def onCallTransferStatus(self, prm):
        code, reason, final = int(prm.statusCode), str(prm.reason), bool(prm.finalNotify)
        self.engine._transfer_status(self, code, reason, final)
        # Keep the subscription; the engine hangs up on a final 2xx.
        prm.cont = not final

    def onCallTransferRequest(self, prm):
        # A peer asks the seat to call elsewhere. A seat's desk does not follow
        # transfers on its own: refuse politely so the caller stays with the seat.
        prm.statusCode = 603

    def onCallReplaced(self, prm):
        self.engine._call_replaced(self, prm.newCallId)

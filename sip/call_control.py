"""Call verbs of the SIP engine, and what it does on each call callback.

A mixin of `SipEngine` (sip/engine.py), split out along the seam between the
engine's life cycle and its calls. The UI calls these verbs with the engine's
own call ids; every pjsua2 Call stays in `self._calls` (lifetime rules in
sip/calls.py). Runs on the GUI thread only.
"""
from __future__ import annotations

import logging
import time

import pjsua2 as pj
from PySide6.QtCore import QTimer

from app.domain.calls import CallDirection, CallPhase
from sip.calls import SeatCall
from sip.errors import SipError, err_text as _err

log = logging.getLogger(__name__)

MAX_CALLS = 4  # compiled into the wheel (stack-notes.md)


def uri_with_headers(uri: str, headers: dict[str, str]) -> str:
    """``uri`` with ``?name=value&...`` URI headers, values percent-escaped."""
    from urllib.parse import quote
    parts = "&".join(f"{quote(str(k), safe='-')}={quote(str(v), safe='-._~')}"
                     for k, v in headers.items())
    return f"{uri}?{parts}" if parts else uri


class CallControl:
    """Calls: dial, answer, reject, hang up, hold, mute, DTMF, transfer, conference."""

    def calls(self):
        return [c.snapshot() for c in self._calls.values()]

    def call_snapshot(self, call_id: int):
        c = self._calls.get(call_id)
        return c.snapshot() if c else None

    def make_call(self, target: str, headers: dict[str, str] | None = None) -> int:
        """Dial a number or URI; returns the engine's call id."""
        self._require_account()
        if len(self._calls) >= MAX_CALLS:
            raise SipError("too many calls at once")
        uri = self.account.settings.target_uri(target)
        self._bury_dead()   # before pjsua picks a slot an ended call may still name
        c = SeatCall(self, self.account, self._new_id(), CallDirection.OUTGOING, peer_uri=uri)
        prm = pj.CallOpParam(True)
        for k, v in (headers or {}).items():
            h = pj.SipHeader()
            h.hName, h.hValue = k, v
            prm.txOption.headers.append(h)
        try:
            c.makeCall(uri, prm)
        except pj.Error as e:
            raise SipError(_err(e)) from e
        self._calls[c.local_id] = c
        c.refresh_info()
        self._call_changed(c)
        self._flush_soon()
        return c.local_id

    def answer(self, call_id: int) -> None:
        c = self._call(call_id)
        prm = pj.CallOpParam(True)
        prm.statusCode = 200
        self._do(lambda: c.answer(prm))

    def reject(self, call_id: int, code: int = 486) -> None:
        """Decline a ringing call (486 Busy Here: the caller's queue may try another seat)."""
        c = self._call(call_id)
        prm = pj.CallOpParam(True)
        prm.statusCode = code
        c.hangup_requested = True
        self._do(lambda: c.hangup(prm))

    def hangup(self, call_id: int) -> None:
        c = self._calls.get(call_id)
        if c is None or c.phase is CallPhase.ENDED:
            return
        c.hangup_requested = True
        self._do(lambda: c.hangup(pj.CallOpParam(True)))

    def hold(self, call_id: int) -> None:
        c = self._call(call_id)
        if c.local_hold:
            return
        c.local_hold = True
        self._reinvite(c.local_id, hold=True)
        self._call_changed(c)

    def resume(self, call_id: int) -> None:
        c = self._call(call_id)
        if not c.local_hold:
            return
        c.local_hold = False
        self._reinvite(c.local_id, hold=False)
        self._call_changed(c)

    def _reinvite(self, call_id: int, hold: bool, deadline: float | None = None) -> None:
        """Send the hold or resume re-INVITE now, or shortly if the previous one
        is still pending (a seat may press hold and resume faster than the peer
        answers; an unanswered re-INVITE can take 32 s to end, a lost UDP answer a few
        retransmissions). Retries look the call up by id: a timer must never keep a
        pjsua2 Call alive (it would outlive libDestroy). If it still cannot be sent
        after 10 s, the call shows its real state again (the hold button is not left
        claiming what the other side never heard)."""
        deadline = deadline or time.monotonic() + 10.0
        c = self._calls.get(call_id)
        if c is None or c.phase is CallPhase.ENDED or c.local_hold != hold:
            return
        prm = pj.CallOpParam(True)
        try:
            if hold:
                c.setHold(prm)
            else:
                prm.opt.flag = pj.PJSUA_CALL_UNHOLD
                c.reinvite(prm)
            c.media_pending = True  # until the new media state arrives
        except pj.Error as e:
            if time.monotonic() >= deadline:
                log.warning("call %s: %s not sent: %s", call_id, "hold" if hold else "resume", _err(e))
                c.local_hold = not hold
                self._call_changed(c)
                return
            QTimer.singleShot(50, lambda: self._reinvite(call_id, hold, deadline))
        finally:
            del c
            self._flush_soon()

    def set_muted(self, call_id: int, muted: bool) -> None:
        c = self._call(call_id)
        c.muted = muted
        self.audio.connect_call(c)
        self._call_changed(c)

    def send_dtmf(self, call_id: int, digits: str, deadline: float | None = None) -> None:
        """RFC 4733 digits. Right after hold/resume the stream is being
        renegotiated and a digit sent then was lost: wait for the new media
        (up to 2 s), keeping the digits' order."""
        c = self._call(call_id)
        deadline = deadline or time.monotonic() + 2.0
        if (c.media_pending or self._dtmf_queue.get(call_id)) and time.monotonic() < deadline:
            q = self._dtmf_queue.setdefault(call_id, [])
            q.append(digits)
            if len(q) == 1:
                QTimer.singleShot(30, lambda: self._drain_dtmf(call_id, deadline))
            return
        self._dtmf_now(c, digits)

    def _drain_dtmf(self, call_id: int, deadline: float) -> None:
        c = self._calls.get(call_id)
        if c is None or c.phase is CallPhase.ENDED:
            self._dtmf_queue.pop(call_id, None)
            return
        if c.media_pending and time.monotonic() < deadline:
            QTimer.singleShot(30, lambda: self._drain_dtmf(call_id, deadline))
            return
        for digits in self._dtmf_queue.pop(call_id, []):
            self._dtmf_now(c, digits)

    def _dtmf_now(self, c: SeatCall, digits: str) -> None:
        prm = pj.CallSendDtmfParam()
        prm.method = pj.PJSUA_DTMF_METHOD_RFC2833
        prm.digits = digits
        self._do(lambda: c.sendDtmf(prm))

    def blind_transfer(self, call_id: int, target: str,
                       headers: dict[str, str] | None = None) -> None:
        """Ask the caller to call ``target`` instead (REFER).

        ``headers`` ride in the Refer-To URI (RFC 3261 19.1.1, ``?name=value``):
        a transferee that honours them (pjsua does) puts them in its INVITE to
        the target, e.g. X-Hotline-Consult for the consulting judge's desk."""
        c = self._call(call_id)
        uri = self.account.settings.target_uri(target)
        if headers:
            uri = f"<{uri_with_headers(uri, headers)}>"
        c.transfer_pending = True
        self._do(lambda: c.xfer(uri, pj.CallOpParam(True)))

    def attended_transfer(self, call_id: int, consult_id: int) -> None:
        """Join the caller (call_id) to the consulted party (consult_id) and leave."""
        c, d = self._call(call_id), self._call(consult_id)
        c.transfer_pending = True
        self._do(lambda: c.xferReplaces(d, pj.CallOpParam(True)))

    def conference(self, call_id: int, other_id: int) -> None:
        """Three-way: bridge both calls with each other and with the seat."""
        c, d = self._call(call_id), self._call(other_id)
        for x in (c, d):
            if x.local_hold:
                self.resume(x.local_id)
        c.conference_with.add(d.local_id)
        d.conference_with.add(c.local_id)
        self.audio.connect_call(c)
        self.audio.connect_call(d)
        self._call_changed(c)
        self._call_changed(d)

    def _call(self, call_id: int) -> SeatCall:
        c = self._calls.get(call_id)
        if c is None or c.phase is CallPhase.ENDED:
            raise SipError("that call has ended")
        return c

    def _incoming_call(self, acc, pj_call_id: int, queue: str = "", consult: str = ""):
        c = SeatCall(self, acc, self._new_id(), CallDirection.INCOMING, call_id=pj_call_id)
        c.queue = queue
        c.consult = consult
        c.refresh_info()
        busy = len(self._calls) >= MAX_CALLS - 1
        self._calls[c.local_id] = c
        prm = pj.CallOpParam(True)
        prm.statusCode = 486 if busy else 180
        try:
            if busy:
                c.hangup(prm)
            else:
                c.answer(prm)
        except pj.Error as e:
            log.warning("could not ring: %s", _err(e))
        if not busy:
            self._pending.append((self.callIncoming, (c.snapshot(),)))
        self._call_changed(c)

    def _call_changed(self, c: SeatCall):
        if c.transfer_pending is False and c.phase is CallPhase.ENDED:
            self._disconnect_conference(c)
        self._pending.append((self.callChanged, (c.snapshot(),)))
        if self._started:
            self._retune_timer()

    def _disconnect_conference(self, c: SeatCall):
        for other_id in list(c.conference_with):
            o = self._calls.get(other_id)
            if o is not None:
                o.conference_with.discard(c.local_id)
                self._pending.append((self.callChanged, (o.snapshot(),)))
        c.conference_with.clear()

    def _media_ready(self, c: SeatCall, index: int):
        self.audio.connect_call(c, index)

    def _dtmf_received(self, c: SeatCall, digit: str):
        self._pending.append((self.dtmfReceived, (c.local_id, digit)))

    def _transfer_status(self, c: SeatCall, code: int, reason: str, final: bool):
        self._pending.append((self.transferProgressed, (c.local_id, code, reason, final)))
        if final and 200 <= code < 300:
            # The other side took over; our leg is done.
            call_id = c.local_id  # capture the id, never the Call (lifetime)
            QTimer.singleShot(0, lambda: self.hangup(call_id))
        if final:
            c.transfer_pending = False

    def _call_replaced(self, c: SeatCall, new_pj_id: int):
        log.info("call %s replaced by pjsua call %s", c.local_id, new_pj_id)

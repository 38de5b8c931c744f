"""pjsua2 Account wrapper and its registration watchdog.

`SeatAccount` turns registration callbacks into `RegistrationSnapshot`s and
incoming INVITEs into `SeatCall`s handed to the engine. Its watchdog sends an
OPTIONS "heartbeat" to the registrar every few seconds: a timeout says the
server is gone (shown at once as "retrying"), and a changed `X-Boot-Id` header
(the project's Kamailio config puts its start time there) says the server
restarted and lost our registration, so we register and publish again at once
instead of waiting for the next refresh (about 20 s over UDP otherwise).

Thread: GUI thread only (threadCnt = 0). pjsua2 objects never leave sip/.
"""
from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import pjsua2 as pj

from app.domain.accounts import AccountSettings, Transport
from app.domain.calls import RegistrationSnapshot, RegState

if TYPE_CHECKING:  # pragma: no cover
    from sip.engine import SipEngine

HEARTBEAT_S = 2.0
_BOOT_RE = re.compile(r"^X-Boot-Id:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
# The queue server names the queue a call comes from (deploy/kamailio/routing.cfg).
_QUEUE_RE = re.compile(r"^X-Hotline-Queue:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
# A consult call or transfer to the consulting judge names the question whose
# context the seat's desk sent ahead by MESSAGE (app.domain.consult).
CONSULT_HEADER = "X-Hotline-Consult"
_CONSULT_RE = re.compile(rf"^{CONSULT_HEADER}:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
_STATUS_RE = re.compile(r"^SIP/2\.0\s+(\d{3})", re.MULTILINE)


def _uri(host: str, transport: Transport) -> str:
    if transport is Transport.TLS:
        return f"sip:{host};transport=tls"
    if transport is Transport.TCP:
        return f"sip:{host};transport=tcp"
    return f"sip:{host}"


def build_config(s: AccountSettings, transport_id: int, bind: str = "") -> pj.AccountConfig:
    cfg = pj.AccountConfig()
    name = s.display_name.replace('"', "")
    cfg.idUri = f'"{name}" <{s.aor}>' if name else s.aor
    cfg.regConfig.registrarUri = _uri(s.server, s.transport)
    cfg.regConfig.timeoutSec = max(10, int(s.reg_expires))
    cfg.regConfig.retryIntervalSec = 3
    cfg.regConfig.firstRetryIntervalSec = 1
    cfg.regConfig.randomRetryIntervalSec = 1
    cfg.regConfig.delayBeforeRefreshSec = 5
    cfg.regConfig.dropCallsOnFail = False
    if s.outbound_proxy:
        cfg.sipConfig.proxies.append(_uri(s.outbound_proxy, s.transport) + ";lr")
    cfg.sipConfig.transportId = transport_id
    cfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", s.user, 0, s.password))
    # Loopback and LAN deployments: no NAT rewriting games.
    cfg.natConfig.contactRewriteUse = 0
    cfg.natConfig.viaRewriteUse = 0
    cfg.natConfig.sdpNatRewriteUse = 0
    cfg.natConfig.udpKaIntervalSec = 0
    if bind:
        cfg.mediaConfig.transportConfig.boundAddress = bind
    cfg.callConfig.holdType = pj.PJSUA_CALL_HOLD_TYPE_RFC3264
    cfg.presConfig.publishEnabled = False
    return cfg


class SeatAccount(pj.Account):
    """The seat's account: registration state plus the server heartbeat."""

    def __init__(self, engine: "SipEngine", settings: AccountSettings):
        super().__init__()
        self.engine = engine
        self.settings = settings
        self.state = RegState.UNREGISTERED
        self.status_code = 0
        self.reason = ""
        self.expires = 0
        self.boot_id: str | None = None
        self.server_lost = False
        self.next_heartbeat = time.monotonic() + HEARTBEAT_S
        self.heartbeat_inflight = False
        self.heartbeat_sent_at = 0.0
        self.reregister_at: float | None = None
        self.registered_at: float | None = None

    def snapshot(self) -> RegistrationSnapshot:
        retry = None
        if self.state is RegState.RETRYING and self.reregister_at is not None:
            retry = max(0, int(self.reregister_at - time.monotonic()))
        return RegistrationSnapshot(
            account_uri=self.settings.aor, state=self.state,
            status_code=self.status_code, reason=self.reason,
            expires=self.expires, retry_in=retry)

    def _set(self, state: RegState, code: int = 0, reason: str = "", expires: int = 0):
        changed = (state, code, reason) != (self.state, self.status_code, self.reason)
        self.state, self.status_code, self.reason, self.expires = state, code, reason, expires
        if state is RegState.REGISTERED:
            self.registered_at = time.monotonic()
        if changed:
            self.engine._registration_changed(self)

    # -- pjsua2 callbacks ---------------------------------------------------
    def onRegStarted(self, prm):
        if prm.renew and self.state not in (RegState.REGISTERED, RegState.RETRYING):
            self._set(RegState.REGISTERING)

    def onRegState(self, prm):
        code, reason, exp = int(prm.code), str(prm.reason), int(prm.expiration)
        if 200 <= code < 300:
            was_down = self.state is not RegState.REGISTERED
            if exp > 0:
                self.server_lost = False
                self._set(RegState.REGISTERED, code, reason, exp)
                if was_down:
                    self.engine._registered_again(self)
            else:
                self._set(RegState.UNREGISTERED, code, reason)
        elif code in (401, 403, 404, 407):
            # The server said no: wrong user or password. Retrying will not help.
            self._set(RegState.FAILED, code, reason)
        else:
            # 408 timeout, 503 transport error, 5xx: the server is away.
            self.server_lost = True
            self.reregister_at = time.monotonic() + 3
            self._set(RegState.RETRYING, code, reason)

    def onIncomingCall(self, prm):
        queue = consult = ""
        try:
            head = prm.rdata.wholeMsg.split("\r\n\r\n", 1)[0]
            m = _QUEUE_RE.search(head)
            queue = m.group(1) if m else ""
            m = _CONSULT_RE.search(head)
            consult = m.group(1)[:64] if m else ""
        except Exception:  # no message text: not from a queue
            pass
        self.engine._incoming_call(self, prm.callId, queue, consult)

    def onInstantMessage(self, prm):
        # pjsua has answered 200 OK already; copy plain values and go.
        try:
            from_uri, ctype, body = prm.fromUri, prm.contentType, prm.msgBody
        except Exception:  # text that cannot even be copied: still tell the desk
            from_uri, ctype, body = "", "", ""
        self.engine._message_received(from_uri, ctype, body)

    def onInstantMessageStatus(self, prm):
        try:
            to_uri, body, code, reason = prm.toUri, prm.msgBody, int(prm.code), prm.reason
        except Exception:
            return
        self.engine._message_status(to_uri, body, code, reason)

    def onSendRequest(self, prm):
        self.heartbeat_inflight = False
        code, boot = 0, None
        try:
            body = prm.e.body.tsxState.src.rdata.wholeMsg
            m = _STATUS_RE.search(body)
            code = int(m.group(1)) if m else 0
            b = _BOOT_RE.search(body)
            boot = b.group(1) if b else None
        except Exception:  # no response at all (timeout, transport error)
            code = 0
        self.engine._heartbeat_result(self, code, boot)

    # -- verbs used by the engine ------------------------------------------
    def send_heartbeat(self) -> None:
        p = pj.SendRequestParam()
        p.method = "OPTIONS"
        p.txOption.targetUri = _uri(self.settings.server, self.settings.transport)
        self.heartbeat_inflight = True
        self.heartbeat_sent_at = time.monotonic()
        try:
            self.sendRequest(p)
        except pj.Error:
            self.heartbeat_inflight = False
            self.engine._heartbeat_result(self, 0, None)

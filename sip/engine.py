"""The SIP engine: the one object that owns pjsua2.

It owns the pjsua2 Endpoint and every account, call and media connection, runs
inside the Qt event loop (a PreciseTimer calls `libHandleEvents(0)` every
10 ms; pjsua2 runs with no worker threads), and turns each pjsua2 callback into
a Qt signal carrying a frozen snapshot from `app.domain.calls`.

Signals are queued during a callback and emitted after `libHandleEvents`
returns, so no slot ever runs inside a pjsua2 callback (stack-notes.md: never
block, open a dialog or await there).

The UI calls verbs with the engine's call ids (`answer(call_id)`,
`blind_transfer(call_id, target)`); pjsua2 objects never leave sip/.
Instant messages (SIP MESSAGE) are sent and received by the same rules
(sip/messages.py).
"""
from __future__ import annotations

import atexit
import logging
import os
import time
from pathlib import Path

import pjsua2 as pj
from PySide6.QtCore import QObject, Qt, QTimer, Signal

from app.domain.accounts import AccountSettings, Transport
from app.domain.calls import CallPhase, RegistrationSnapshot, RegState
from sip.accounts import HEARTBEAT_S, SeatAccount, build_config
from sip.buddies import SeatBuddy
from sip.calls import SeatCall, slot_taken
from sip.errors import SipError, err_text as _err
from sip.call_control import MAX_CALLS, CallControl
from sip.messages import Messaging
from sip.presence_watch import PresenceWatch
from sip.media import LocalAudio
from sip.transport import no_delay

log = logging.getLogger(__name__)

POLL_MS = 10        # while a call is up: media events and DTMF promptly
POLL_IDLE_MS = 25   # no call: keeps idle CPU low; an INVITE waits at most this long
POLL_SETUP_MS = 2   # a call being set up: each response is handled at once
FRAME_PTIME_MS = 10  # the conference bridge's frame (see libInit)
_SETUP = (CallPhase.DIALING, CallPhase.RINGING_OUT, CallPhase.CONNECTING)
HEARTBEAT_LOST_S = 2.5 * HEARTBEAT_S  # no answer for this long: the server is gone


def _quietly(fn):
    """Run fn with the process's stdout (fd 1) pointed at /dev/null."""
    import sys
    try:
        sys.stdout.flush()
    except Exception:  # pragma: no cover
        pass
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        return fn()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


class SipEngine(CallControl, PresenceWatch, Messaging, QObject):
    # RegistrationSnapshot: the account's registration state changed.
    registrationChanged = Signal(object)
    # (): registration succeeded after a loss or a server restart (re-publish now).
    registeredAgain = Signal()
    # CallSnapshot: any change of a call (phase, hold, mute, conference ...).
    callChanged = Signal(object)
    # CallSnapshot: a new incoming call is ringing at the seat.
    callIncoming = Signal(object)
    # (call_id, digit): an RFC 4733 DTMF digit received on a call.
    dtmfReceived = Signal(int, str)
    # (call_id, status code, reason, final): progress of a transfer we asked for.
    transferProgressed = Signal(int, int, str, bool)
    # str: an audio device problem, in words a seat understands; the call goes on.
    audioProblem = Signal(str)
    # (entity uri, PIDF body text): a presence NOTIFY for a watched seat or queue.
    presenceReceived = Signal(str, str)
    # (entity uri, state "active"/"pending"/"terminated"..., reason): subscription state.
    presenceSubscriptionChanged = Signal(str, str, str)
    # (from uri, content type, body): an out-of-dialog SIP MESSAGE arrived
    # (already answered 200 OK). Desks pick theirs by content type.
    messageReceived = Signal(str, str, str)
    # (message id from send_message, status code, reason): the final answer to
    # a MESSAGE we sent (2xx delivered; 404/480/408 ... not delivered).
    messageFinished = Signal(int, int, str)

    _instance_alive = False

    def __init__(self, log_dir: Path | None = None, sip_trace: bool = False,
                 user_agent: str = "12368-desk/0.1", bind_address: str = "",
                 parent: QObject | None = None):
        super().__init__(parent)
        # SIP and RTP bind here ("" = all interfaces); the demo and tests use loopback.
        self._bind = bind_address or os.environ.get("HOTLINE_SIP_BIND", "")
        if SipEngine._instance_alive:
            raise SipError("only one SIP engine per process")
        self._log_dir = log_dir
        self._sip_trace = sip_trace
        self._user_agent = user_agent
        self.ep: pj.Endpoint | None = None
        self.account: SeatAccount | None = None
        self.audio: LocalAudio | None = None
        self._transports: dict[Transport, int] = {}
        self._calls: dict[int, SeatCall] = {}
        self._buddies: dict[str, SeatBuddy] = {}
        self._dtmf_queue: dict[int, list[str]] = {}  # digits held while media renegotiates
        self._dead: list[SeatCall] = []
        self._zombies: list[SeatCall] = []   # ended calls whose slot was reused (_bury_dead)
        # Removed accounts, kept until shutdown. pjsua2's Account::shutdown()
        # does not forget its id, and pjsua reuses ids: a removed wrapper
        # collected later (a caller or a test still held it) would delete
        # whichever account has its old id now, i.e. the live one.
        self._retired_accounts: list[SeatAccount] = []
        self._init_messaging()
        self._next_id = 1
        self._pending: list[tuple[Signal, tuple]] = []
        self._last_heartbeat_ok = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.setInterval(POLL_IDLE_MS)
        self._timer.timeout.connect(self._tick)
        self._started = False

    # ------------------------------------------------------------ lifecycle --
    def start(self) -> None:
        if self._started:
            return
        SipEngine._instance_alive = True
        ep = pj.Endpoint()
        _quietly(ep.libCreate)  # pjlib logs a few lines to stdout before libInit's log config
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.maxCalls = MAX_CALLS
        cfg.uaConfig.userAgent = self._user_agent
        cfg.logConfig.consoleLevel = 0
        cfg.logConfig.level = 5 if self._sip_trace else 2
        cfg.logConfig.msgLogging = 1 if self._sip_trace else 0
        if self._log_dir is not None:
            self._log_dir.mkdir(parents=True, exist_ok=True)
            cfg.logConfig.filename = str(self._log_dir / "pjsip.log")
        cfg.medConfig.clockRate = 16000
        cfg.medConfig.sndClockRate = 16000
        cfg.medConfig.noVad = True
        cfg.medConfig.ecTailLen = 0
        # A 10 ms conference frame: with the audio bridge's device clock (docs/audio.md)
        # the conference ticks once per 10 ms speaker block, so a sound waits at most one
        # 10 ms frame instead of 20 (bench/bench_audio_bridge.py: round trip mic -> speaker
        # ~78 ms against ~100+ with 20 ms). Codecs keep their own 20 ms packets.
        cfg.medConfig.audioFramePtime = FRAME_PTIME_MS
        ep.libInit(cfg)
        for t, kind in ((Transport.UDP, pj.PJSIP_TRANSPORT_UDP), (Transport.TCP, pj.PJSIP_TRANSPORT_TCP)):
            tc = pj.TransportConfig()
            tc.port = 0
            tc.boundAddress = self._bind
            if t is Transport.TCP:
                no_delay(tc)
            self._transports[t] = ep.transportCreate(kind, tc)
        ep.libStart()
        ep.audDevManager().setNullDev()
        for codec, prio in (("G722/16000", 255), ("PCMA/8000", 200), ("PCMU/8000", 199)):
            try:
                ep.codecSetPriority(codec, prio)
            except pj.Error:  # pragma: no cover - codec missing from a build
                pass
        self.ep = ep
        self.audio = LocalAudio(ep)
        self._started = True
        self._timer.start()
        atexit.register(self.shutdown)

    def _transport_id(self, t: Transport) -> int:
        if t not in self._transports:
            if t is Transport.TLS:
                # The Linux wheel bundles OpenSSL 1.0.2k (end of life): TLS works
                # but is only as strong as that library; see docs/.
                tc = pj.TransportConfig()
                tc.port = 0
                try:
                    self._transports[t] = self.ep.transportCreate(pj.PJSIP_TRANSPORT_TLS, tc)
                except pj.Error as e:
                    raise SipError(f"TLS is not available: {_err(e)}") from e
        return self._transports[t]

    def shutdown(self) -> None:
        """Hang up, unregister briefly, drop every pjsua2 object, destroy the library.

        Safe to call twice, from atexit, and after a failing test.
        """
        if not self._started:
            return
        self._started = False
        self._timer.stop()
        ep = self.ep
        self._hangup_all()
        if self.account is not None:
            try:
                if self.account.getInfo().regIsActive:
                    self.account.setRegistration(False)
            except pj.Error:
                pass
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            ep.libHandleEvents(10)
        if self.audio is not None:
            self.audio.destroy()
            self.audio = None
        self._calls.clear()
        self._dead.clear()
        self._zombies.clear()
        self._buddies.clear()
        self._drop_message_buddies()
        if self.account is not None:
            try:
                self.account.shutdown()
            except pj.Error:
                pass
            self.account = None
        # Every id is free now, so the retired wrappers' destructors do nothing.
        self._retired_accounts.clear()
        self._pending.clear()
        import gc
        gc.collect()
        ep.libDestroy(pj.PJSUA_DESTROY_NO_NETWORK)
        self.ep = None
        del ep
        gc.collect()
        SipEngine._instance_alive = False
        try:
            atexit.unregister(self.shutdown)
        except Exception:  # pragma: no cover
            pass

    def _hangup_all(self) -> None:
        # In its own function: a loop variable left in shutdown()'s frame would
        # keep a Call alive past libDestroy, which aborts the process.
        for c in list(self._calls.values()):
            try:
                c.hangup(pj.CallOpParam(True))
            except pj.Error:
                pass

    @property
    def started(self) -> bool:
        return self._started

    # ------------------------------------------------------------- accounts --
    def set_account(self, settings: AccountSettings) -> None:
        """Use these settings for the seat's account (replacing any earlier one)."""
        self._require()
        bad = settings.problems()
        if bad:
            raise SipError("incomplete account settings: " + ", ".join(bad))
        self.remove_account()
        acc = SeatAccount(self, settings)
        cfg = build_config(settings, self._transport_id(settings.transport), self._bind)
        try:
            acc.create(cfg, True)
        except pj.Error as e:
            raise SipError(_err(e)) from e
        self.account = acc
        acc._set(RegState.REGISTERING)
        self._last_heartbeat_ok = time.monotonic()
        self._flush_soon()

    def remove_account(self) -> None:
        acc = self.account
        if acc is None:
            return
        for c in list(self._calls.values()):
            self.hangup(c.local_id)
        self._buddies.clear()
        self._drop_message_buddies()
        try:
            acc.shutdown()
        except pj.Error:
            pass
        self.account = None
        self._retired_accounts.append(acc)
        self._pending.append((self.registrationChanged, (RegistrationSnapshot(
            account_uri=acc.settings.aor, state=RegState.UNREGISTERED),)))
        self._flush_soon()

    def register_again(self) -> None:
        """Ask the registrar again now (after a server loss or at the seat's request)."""
        if self.account is None:
            return
        try:
            self.account.setRegistration(True)
        except pj.Error as e:
            log.info("re-register deferred: %s", _err(e))

    def registration(self):
        return self.account.snapshot() if self.account else None

    # ---------------------------------------------------------------- audio --
    def open_audio(self, mic: str | None, speaker: str | None) -> None:
        """Route calls to these OS devices (None: system default).

        Raises SipError with a message fit for a seat when a device cannot be
        opened; calls then go on without sound on this PC (null device)."""
        self._require()
        try:
            self.audio.open_devices(mic, speaker)
        except Exception as e:
            raise SipError(str(e)) from e

    def close_audio(self) -> None:
        if self.audio is not None:
            self.audio.close_devices()

    def audio_levels(self) -> tuple[float, float]:
        """(microphone, speaker) levels in dBFS for the meters; -100 when silent."""
        return self.audio.levels() if self.audio is not None else (-100.0, -100.0)

    def set_audio_loopback(self, on: bool) -> None:
        """Hear your own microphone locally (a headset check without a call)."""
        if self.audio is not None:
            self.audio.set_loopback(on)

    # ------------------------------------------------------------ internals --
    def _require(self):
        if not self._started:
            raise SipError("the SIP engine is not started")

    def _require_account(self):
        self._require()
        if self.account is None:
            raise SipError("no SIP account is set up")

    def _new_id(self) -> int:
        i = self._next_id
        self._next_id += 1
        return i

    def _do(self, fn) -> None:
        try:
            fn()
        except pj.Error as e:
            raise SipError(_err(e)) from e
        finally:
            self._flush_soon()

    def _flush_soon(self):
        QTimer.singleShot(0, self._flush)

    def _flush(self):
        pending, self._pending = self._pending, []
        for sig, args in pending:
            sig.emit(*args)

    def _tick(self):
        if not self._started:
            return
        # Drop ended calls a turn after their last callback (lifetime rule), and
        # before pjsua can hand their slot to a new call: a pjsua2 Call keeps its
        # slot number after the call ends, and destroying it once the slot was
        # reused would hang up the new call (pjsua reuses slots in turn: 0,1,2,3,0).
        # With threadCnt 0 only libHandleEvents and make_call allocate slots.
        self._bury_dead()
        self.ep.libHandleEvents(0)
        for cid, c in list(self._calls.items()):
            if c.phase is CallPhase.ENDED:
                del self._calls[cid]
                if self.audio is not None:
                    self.audio.forget(cid)
                self._dead.append(c)
        self._watch_server()
        self._retune_timer()
        if self.audio is not None:
            for msg in self.audio.poll_problems():
                self._pending.append((self.audioProblem, (msg,)))
        if self._pending:
            self._flush()

    def _bury_dead(self) -> None:
        if self._dead:
            # An ended call whose slot pjsua already gave to a new call must not be
            # dropped: pjsua2's ~Call would hang up the new one. Kept until shutdown.
            self._zombies.extend(c for c in self._dead if slot_taken(c))
            self._dead.clear()

    def _retune_timer(self):
        if not self._calls:
            want = POLL_IDLE_MS
        elif any(c.phase in _SETUP for c in self._calls.values()):
            want = POLL_SETUP_MS
        else:
            want = POLL_MS
        if self._timer.interval() != want:
            self._timer.setInterval(want)

    def _watch_server(self):
        acc = self.account
        if acc is None or acc.state is RegState.FAILED:
            return
        now = time.monotonic()
        if now >= acc.next_heartbeat:
            acc.next_heartbeat = now + HEARTBEAT_S
            acc.send_heartbeat()
        if not acc.server_lost and now - self._last_heartbeat_ok > HEARTBEAT_LOST_S:
            acc.server_lost = True
            acc.reregister_at = now + HEARTBEAT_S
            acc._set(RegState.RETRYING, 408, "No answer from the server")

    # -- called by SeatAccount / SeatCall from inside pjsua2 callbacks -------
    def _registration_changed(self, acc: SeatAccount):
        self._pending.append((self.registrationChanged, (acc.snapshot(),)))

    def _registered_again(self, acc: SeatAccount):
        self._pending.append((self.registeredAgain, ()))
        if self._buddies:
            QTimer.singleShot(0, self.resubscribe_all)

    def _heartbeat_result(self, acc: SeatAccount, code: int, boot: str | None):
        if code == 0 or code in (408, 503):
            return  # no answer; the loss timer in _watch_server decides
        self._last_heartbeat_ok = time.monotonic()
        restarted = boot is not None and acc.boot_id is not None and boot != acc.boot_id
        if boot is not None:
            acc.boot_id = boot
        if acc.server_lost or restarted:
            # Back, or restarted with our registration forgotten: register now.
            acc.server_lost = False
            log.info("server %s; registering again", "restarted" if restarted else "back")
            if acc.state is not RegState.FAILED:
                acc._set(RegState.RETRYING, code, "Server restarted" if restarted else "Server back")
            QTimer.singleShot(0, self.register_again)

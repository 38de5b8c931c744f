"""Headless SIP peer: one pjsua2 Endpoint in its own process, driven by JSON lines.

Run: ``python -m sip.peer.agent [--udp-port 0] [--tcp] [--tcp-port 0] [--name LABEL]``

stdin: one JSON command per line, ``{"cmd": ..., "id": ...}``; stdout: JSON lines only
(replies ``{"reply": id, "ok": true, ...}`` / ``{"reply": id, "ok": false, "error": ...}``
and events ``{"event": ...}``). Everything else (pjsua logs, tracebacks) goes to stderr:
fd 1 is re-pointed at stderr before the library starts and the JSON stream uses a dup of
the original stdout, so nothing written by C code can corrupt the protocol.

pjsua2 runs single-threaded: ``threadCnt=0``, ``mainThreadOnly=True``; the main loop calls
``ep.libHandleEvents(10)`` and polls stdin through a selector, so every pjsua2 call
happens on the main thread. The only code running elsewhere is the AudioMediaPort frame
callbacks (pjmedia clock thread): they touch plain Python data only.

The protocol is documented in ``sip/peer/client.py`` (module docstring).
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import json
import math
import os
import selectors
import signal
import sys
import threading
import time
import traceback

import numpy as np
import pjsua2 as pj

from sip.calls import slot_taken

CLOCK_RATE = 16000
FRAME_USEC = 20000
SAMPLES_PER_FRAME = CLOCK_RATE * FRAME_USEC // 1_000_000

_DIR_NAMES = {
    pj.PJMEDIA_DIR_NONE: "inactive",
    pj.PJMEDIA_DIR_ENCODING: "sendonly",
    pj.PJMEDIA_DIR_DECODING: "recvonly",
    pj.PJMEDIA_DIR_ENCODING_DECODING: "sendrecv",
}
_MIRROR = {"sendonly": "recvonly", "recvonly": "sendonly", "sendrecv": "sendrecv", "inactive": "inactive"}
_MEDIA_STATUS = {
    pj.PJSUA_CALL_MEDIA_NONE: "none",
    pj.PJSUA_CALL_MEDIA_ACTIVE: "active",
    pj.PJSUA_CALL_MEDIA_LOCAL_HOLD: "local_hold",
    pj.PJSUA_CALL_MEDIA_REMOTE_HOLD: "remote_hold",
    pj.PJSUA_CALL_MEDIA_ERROR: "error",
}
_STATE_NAMES = {
    pj.PJSIP_INV_STATE_NULL: "NULL",
    pj.PJSIP_INV_STATE_CALLING: "CALLING",
    pj.PJSIP_INV_STATE_INCOMING: "INCOMING",
    pj.PJSIP_INV_STATE_EARLY: "EARLY",
    pj.PJSIP_INV_STATE_CONNECTING: "CONNECTING",
    pj.PJSIP_INV_STATE_CONFIRMED: "CONFIRMED",
    pj.PJSIP_INV_STATE_DISCONNECTED: "DISCONNECTED",
}
# Incoming-request headers reported in the "incoming" event besides every X-* header.
_SELECTED_HEADERS = {
    "referred-by", "replaces", "call-info", "alert-info", "p-asserted-identity",
    "subject", "user-agent", "priority",
}
MODES = ("silence", "echo", "tone")
PJ_EINVALIDOP = 70013  # "another offer/answer is pending" for hold/unhold


class PeerError(Exception):
    """A command that cannot be carried out; its text goes back in the reply."""


def log(msg: str) -> None:
    sys.stderr.write(f"[peer {_NAME}] {msg}\n")
    sys.stderr.flush()


_NAME = "peer"


# ---------------------------------------------------------------- byte vectors
# pjsua2's MediaFrame.buf is a SWIG std::vector<unsigned char>. bytes(frame.buf) costs
# ~300 us per frame; reading the libstdc++ vector header (begin, end pointers) through
# ctypes costs a few us (stack-notes.md).
def _vec_span(vec) -> tuple[int, int]:
    addr = int(vec.this)
    begin = ctypes.c_void_p.from_address(addr).value or 0
    end = ctypes.c_void_p.from_address(addr + ctypes.sizeof(ctypes.c_void_p)).value or 0
    return begin, max(0, end - begin)


def vec_read(vec, size: int) -> bytes:
    begin, n = _vec_span(vec)
    n = min(n, size)
    if not begin or n <= 0:
        return b""
    return ctypes.string_at(begin, n)


def vec_write(vec, data: bytes) -> None:
    if vec.size() != len(data):
        vec.resize(len(data))
    begin, n = _vec_span(vec)
    if begin and n >= len(data):
        ctypes.memmove(begin, data, len(data))


def _audio_format() -> "pj.MediaFormatAudio":
    fmt = pj.MediaFormatAudio()
    fmt.type = pj.PJMEDIA_TYPE_AUDIO
    fmt.clockRate = CLOCK_RATE
    fmt.channelCount = 1
    fmt.bitsPerSample = 16
    fmt.frameTimeUsec = FRAME_USEC
    return fmt


class TonePort(pj.AudioMediaPort):
    """Sine generator. ``dbfs`` is the sine's peak level (AES17: a full-scale sine is
    0 dBFS), which is also what ``measure`` reports as ``dbfs`` for a pure tone."""

    def __init__(self, name: str, hz: float, dbfs: float):
        super().__init__()
        self.hz = float(hz)
        self.dbfs = float(dbfs)
        self._amp = 32767.0 * (10.0 ** (self.dbfs / 20.0))
        self._phase = 0.0
        self._step = 2.0 * math.pi * self.hz / CLOCK_RATE
        self._idx = np.arange(SAMPLES_PER_FRAME, dtype=np.float64)
        self.createPort(name, _audio_format())

    def onFrameRequested(self, frame):  # pjmedia clock thread
        try:
            ph = self._phase + self._step * self._idx
            self._phase = (self._phase + self._step * SAMPLES_PER_FRAME) % (2.0 * math.pi)
            samples = np.clip(np.rint(self._amp * np.sin(ph)), -32768, 32767).astype("<i2")
            frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
            vec_write(frame.buf, samples.tobytes())
            frame.size = SAMPLES_PER_FRAME * 2
        except Exception:  # never let an exception escape into C
            traceback.print_exc()

    def onFrameReceived(self, frame):
        pass


class CapturePort(pj.AudioMediaPort):
    """Copies received frames while ``recording`` is set (pjmedia clock thread)."""

    def __init__(self, name: str):
        super().__init__()
        self.recording = False
        self.chunks: list[bytes] = []
        self.createPort(name, _audio_format())

    def start(self) -> None:
        self.chunks = []
        self.recording = True

    def stop(self) -> bytes:
        self.recording = False
        data = b"".join(self.chunks)
        self.chunks = []
        return data

    def onFrameReceived(self, frame):
        # getattr: while the Python object is being freed (a call dropped at the end) the
        # clock thread can still call in once, with the attributes already gone
        chunks = getattr(self, "chunks", None)
        if not getattr(self, "recording", False) or chunks is None:
            return
        try:
            if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and frame.size > 0:
                chunks.append(vec_read(frame.buf, frame.size))
            else:  # no audio this tick: count it as silence so durations stay true
                chunks.append(b"\0\0" * SAMPLES_PER_FRAME)
        except Exception:
            traceback.print_exc()

    def onFrameRequested(self, frame):
        frame.type = pj.PJMEDIA_FRAME_TYPE_NONE
        frame.size = 0


def analyze(data: bytes, rate: int = CLOCK_RATE) -> dict:
    """Dominant frequency (Hann window, FFT peak, parabolic interpolation on the log
    magnitude) and level. ``dbfs``: AES17 (RMS + 3.01 dB, so a sine reads its peak level
    and a tone sent at -12 reads -12); ``dbfs_rms``: plain RMS against full scale."""
    x = np.frombuffer(data, dtype="<i2").astype(np.float64)
    n = len(x)
    out = {"samples": int(n), "rate": rate, "hz": None, "dbfs": None, "dbfs_rms": None}
    if n == 0:
        return out
    rms = float(np.sqrt(np.mean(x * x)))
    if rms <= 0:
        out["dbfs"] = out["dbfs_rms"] = -200.0
        return out
    out["dbfs_rms"] = round(20 * math.log10(rms / 32768.0), 2)
    out["dbfs"] = round(20 * math.log10(rms * math.sqrt(2) / 32768.0), 2)
    if n >= 64:
        spec = np.abs(np.fft.rfft((x - x.mean()) * np.hanning(n)))
        lo = max(1, int(20 * n / rate))  # ignore DC / sub-audio
        k = lo + int(np.argmax(spec[lo:]))
        delta = 0.0
        if 0 < k < len(spec) - 1:
            a, b, c = (math.log(max(v, 1e-12)) for v in spec[k - 1:k + 2])
            den = a - 2 * b + c
            if den != 0:
                delta = 0.5 * (a - c) / den
        out["hz"] = round((k + delta) * rate / n, 2)
    return out


def sdp_audio_dir(sdp: str) -> str | None:
    """Direction attribute of the first m=audio section (session level as fallback)."""
    if not sdp:
        return None
    session_dir = None
    in_audio = seen_audio = False
    media_dir = None
    for raw in sdp.splitlines():
        line = raw.strip()
        if line.startswith("m="):
            if seen_audio and in_audio:
                break
            in_audio = line.startswith("m=audio")
            seen_audio = seen_audio or in_audio
            if in_audio and line.split()[1:2] == ["0"]:
                return "inactive"
            continue
        if line in ("a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive"):
            if in_audio:
                media_dir = line[2:]
            elif not seen_audio:
                session_dir = line[2:]
    if not seen_audio:
        return None
    return media_dir or session_dir or "sendrecv"


def parse_headers(msg: str) -> dict:
    head = msg.split("\r\n\r\n", 1)[0].split("\n\n", 1)[0]
    out: dict[str, str] = {}
    for line in head.splitlines()[1:]:
        if ":" not in line or line[:1] in (" ", "\t"):
            continue
        name, value = line.split(":", 1)
        name = name.strip()
        low = name.lower()
        if low.startswith("x-") or low in _SELECTED_HEADERS:
            out[name] = value.strip()
    return out


# ---------------------------------------------------------------- pjsua2 objects
class PeerAccount(pj.Account):
    def __init__(self, agent: "Agent", aid: int, opts: dict):
        super().__init__()
        self.agent = agent
        self.aid = aid
        self.auto_answer = opts.get("auto_answer")
        self.answer_delay = float(opts.get("answer_delay") or 0.0)
        self.mode = opts.get("mode") or "silence"
        self.tone_hz = float(opts.get("tone_hz", 1000))
        self.tone_dbfs = float(opts.get("tone_dbfs", -12))
        self.uri = ""

    def onRegState(self, prm):
        try:
            active = bool(self.getInfo().regIsActive)
        except pj.Error:
            active = False
        self.agent.emit({"event": "reg", "account": self.aid, "code": int(prm.code),
                         "reason": prm.reason, "active": active, "expiration": int(prm.expiration)})

    def onInstantMessage(self, prm):
        # An out-of-dialog MESSAGE (pjsua has already answered 200 OK).
        self.agent.emit({"event": "message", "account": self.aid, "from": prm.fromUri,
                         "to": prm.toUri, "contact": prm.contactUri,
                         "content_type": prm.contentType, "body": prm.msgBody})

    def onInstantMessageStatus(self, prm):
        self.agent.emit({"event": "message_status", "account": self.aid, "to": prm.toUri,
                         "code": int(prm.code), "reason": prm.reason, "body": prm.msgBody})

    def onIncomingCall(self, prm):
        agent = self.agent
        call = PeerCall(agent, self, prm.callId)
        agent.add_call(call)
        try:
            msg = prm.rdata.wholeMsg
            headers = parse_headers(msg)
            ci = call.getInfo()
            agent.emit({"event": "incoming", "call": call.handle, "account": self.aid,
                        "from": ci.remoteUri, "to": ci.localUri, "sip_call_id": ci.callIdString,
                        "headers": headers})
            aa = self.auto_answer
            if aa in (None, "ring"):
                call.answer(_op(180))
            elif isinstance(aa, int):
                if aa == 200 and self.answer_delay > 0:
                    call.answer(_op(180))
                    h = call.handle
                    agent.later(self.answer_delay, lambda: agent.answer_if_alive(h, 200))
                else:
                    call.answer(_op(aa))
        except pj.Error as e:
            log(f"incoming call handling failed: {e.info()}")


def _op(code: int = 0) -> "pj.CallOpParam":
    prm = pj.CallOpParam(True)
    if code:
        prm.statusCode = code
    return prm


class PeerBuddy(pj.Buddy):
    """A MESSAGE target (no presence subscription): pjsua sends instant messages
    through a buddy, and answers the server's digest challenge for them."""


class PeerCall(pj.Call):
    def __init__(self, agent: "Agent", acc: PeerAccount, call_id: int = pj.PJSUA_INVALID_ID):
        super().__init__(acc, call_id)
        self.agent = agent
        self.acc = acc
        self.handle = -1
        self.mode: str | None = None          # per-call override of the account's mode
        self.tone_hz: float | None = None
        self.tone_dbfs: float | None = None
        self.tone: TonePort | None = None
        self.capture: CapturePort | None = None
        self.linked: set[int] = set()         # conference partners (handles)
        self.offer_dir: str | None = None     # dir of the remote offer we answered last
        self.state = "NULL"
        self.hangup_after_xfer = True
        self.media_up = False

    # -- helpers
    def eff_mode(self) -> tuple[str, float, float]:
        return (self.mode or self.acc.mode,
                self.tone_hz if self.tone_hz is not None else self.acc.tone_hz,
                self.tone_dbfs if self.tone_dbfs is not None else self.acc.tone_dbfs)

    def audio(self):
        """The call's active AudioMedia, or None."""
        try:
            ci = self.getInfo()
        except pj.Error:
            return None
        for m in ci.media:
            if m.type == pj.PJMEDIA_TYPE_AUDIO and m.status in (
                    pj.PJSUA_CALL_MEDIA_ACTIVE, pj.PJSUA_CALL_MEDIA_REMOTE_HOLD,
                    pj.PJSUA_CALL_MEDIA_LOCAL_HOLD):
                try:
                    return self.getAudioMedia(m.index)
                except pj.Error:
                    return None
        return None

    def apply_media(self) -> None:
        am = self.audio()
        if am is None:
            return
        mode, hz, dbfs = self.eff_mode()
        # undo what a previous mode did, then connect the current one
        for fn in (lambda: am.stopTransmit(am),
                   lambda: self.tone and self.tone.stopTransmit(am)):
            try:
                fn()
            except pj.Error:
                pass
        if mode == "echo":
            am.startTransmit(am)
        elif mode == "tone":
            if self.tone is None or self.tone.hz != hz or self.tone.dbfs != dbfs:
                self.tone = TonePort(f"tone{self.handle}", hz, dbfs)
            self.tone.startTransmit(am)
        if self.capture is not None:
            am.startTransmit(self.capture)
        for h in list(self.linked):
            other = self.agent.calls.get(h)
            oam = other.audio() if other else None
            if oam is None:
                continue
            am.startTransmit(oam)
            oam.startTransmit(am)

    # -- callbacks (main thread)
    def onCallState(self, prm):
        try:
            ci = self.getInfo()
        except pj.Error:
            return
        self.state = _STATE_NAMES.get(ci.state, str(ci.state))
        self.agent.emit({"event": "call_state", "call": self.handle, "state": self.state,
                         "code": int(ci.lastStatusCode), "reason": ci.lastReason,
                         "remote": ci.remoteUri, "sip_call_id": ci.callIdString,
                         "role": "caller" if ci.role == pj.PJSIP_ROLE_UAC else "callee"})
        if ci.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.agent.retire(self)

    def onCallSdpCreated(self, prm):
        try:
            rem = prm.remSdp.wholeSdp
        except Exception:
            rem = ""
        self.offer_dir = sdp_audio_dir(rem) if rem else None

    def onCallMediaState(self, prm):
        try:
            ci = self.getInfo()
        except pj.Error:
            return
        for m in ci.media:
            if m.type != pj.PJMEDIA_TYPE_AUDIO:
                continue
            local = _DIR_NAMES.get(m.dir, str(m.dir))
            # Remote SDP direction: the offer we answered (parsed in onCallSdpCreated),
            # else the answer to our offer, which is the mirror of what was negotiated.
            remote = self.offer_dir if self.offer_dir else _MIRROR.get(local, local)
            self.offer_dir = None
            codec = None
            try:
                si = self.getStreamInfo(m.index)
                codec = f"{si.codecName}/{si.codecClockRate}"
            except pj.Error:
                pass
            self.agent.emit({"event": "media", "call": self.handle, "dir": local,
                             "remote_sdp_dir": remote, "codec": codec,
                             "status": _MEDIA_STATUS.get(m.status, str(m.status))})
            break
        try:
            self.apply_media()
        except pj.Error as e:
            log(f"call {self.handle}: media connect failed: {e.info()}")

    def onDtmfDigit(self, prm):
        self.agent.emit({"event": "dtmf", "call": self.handle, "digit": prm.digit,
                         "method": "rfc4733" if prm.method == pj.PJSUA_DTMF_METHOD_RFC2833 else "info"})

    def onCallTransferRequest(self, prm):
        new = PeerCall(self.agent, self.acc)
        self.agent.add_call(new)
        prm.newCall = new
        self.agent.emit({"event": "xfer_request", "call": self.handle, "to": prm.dstUri,
                         "new_call": new.handle})

    def onCallTransferStatus(self, prm):
        final = bool(prm.finalNotify)
        code = int(prm.statusCode)
        self.agent.emit({"event": "xfer_status", "call": self.handle, "code": code,
                         "reason": prm.reason, "final": final})
        if final and 200 <= code < 300 and self.hangup_after_xfer:
            h = self.handle
            self.agent.later(0, lambda: self.agent.hangup_if_alive(h))

    def onCallReplaceRequest(self, prm):
        self.agent.emit({"event": "replace_request", "call": self.handle,
                         "code": int(prm.statusCode)})

    def onCallReplaced(self, prm):
        new = PeerCall(self.agent, self.acc, prm.newCallId)
        self.agent.add_call(new)
        prm.newCall = new
        self.agent.emit({"event": "replaced", "call": self.handle, "new_call": new.handle})


# ---------------------------------------------------------------- output
class Output:
    """JSON lines to the original stdout; fd 1 itself is re-pointed at stderr."""

    def __init__(self):
        sys.stdout.flush()
        fd = os.dup(1)
        os.dup2(2, 1)
        self._f = os.fdopen(fd, "w", encoding="utf-8", buffering=1)
        sys.stdout = sys.stderr
        self._lock = threading.Lock()
        self.broken = False

    def write(self, obj: dict) -> None:
        line = json.dumps(obj, ensure_ascii=False, default=str)
        with self._lock:
            if self.broken:
                return
            try:
                self._f.write(line + "\n")
                self._f.flush()
            except (BrokenPipeError, OSError, ValueError):
                self.broken = True


# ---------------------------------------------------------------- the agent
class Agent:
    def __init__(self, args):
        self.args = args
        self.out = Output()
        self.stopping = False
        self.accounts: dict[int, PeerAccount] = {}
        self.calls: dict[int, PeerCall] = {}
        self.buddies: dict[tuple[int, str], PeerBuddy] = {}  # (account, uri) -> MESSAGE target
        self._next_acc = 0
        self._next_call = 0
        self._graveyard: list[tuple[int, PeerCall]] = []
        self._zombies: list[PeerCall] = []   # ended calls whose slot was reused (see _reap)
        self._timers: list[tuple[float, object]] = []
        self._measures: list[tuple[float, object, int, CapturePort]] = []
        self._iter = 0
        self._inbuf = b""
        self.udp_port: int | None = None
        self.tcp_port: int | None = None
        self.udp_tid = self.tcp_tid = None
        self.ep: pj.Endpoint | None = None
        self.leaked = False

    # -- plumbing
    def emit(self, obj: dict) -> None:
        self.out.write(obj)

    def later(self, delay: float, fn) -> None:
        self._timers.append((time.monotonic() + delay, fn))

    def add_call(self, call: PeerCall) -> int:
        call.handle = self._next_call
        self._next_call += 1
        self.calls[call.handle] = call
        return call.handle

    def retire(self, call: PeerCall) -> None:
        # dropped in a later loop turn, never inside its own callback
        self._graveyard.append((self._iter, call))

    def get_call(self, cmd: dict, key: str = "call") -> PeerCall:
        if key not in cmd:
            raise PeerError(f"missing '{key}'")
        c = self.calls.get(int(cmd[key]))
        if c is None:
            raise PeerError(f"no such call {cmd[key]}")
        return c

    def get_account(self, cmd: dict) -> PeerAccount:
        if "account" in cmd and cmd["account"] is not None:
            acc = self.accounts.get(int(cmd["account"]))
            if acc is None:
                raise PeerError(f"no such account {cmd['account']}")
            return acc
        if not self.accounts:
            raise PeerError("no account: send an 'account' command first")
        return self.accounts[min(self.accounts)]

    def answer_if_alive(self, handle: int, code: int) -> None:
        c = self.calls.get(handle)
        if c is not None and c.state in ("INCOMING", "EARLY", "NULL"):
            try:
                c.answer(_op(code))
            except pj.Error as e:
                log(f"delayed answer failed: {e.info()}")

    def hangup_if_alive(self, handle: int) -> None:
        c = self.calls.get(handle)
        if c is not None and c.state != "DISCONNECTED":
            try:
                c.hangup(_op())
            except pj.Error as e:
                log(f"hangup after transfer failed: {e.info()}")

    # -- lifecycle
    def start(self) -> None:
        a = self.args
        ep = pj.Endpoint()
        ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.maxCalls = 4
        cfg.uaConfig.userAgent = f"12368-peer/{a.name}"
        cfg.logConfig.level = a.log_level
        cfg.logConfig.consoleLevel = a.log_level  # printed on fd 1, which is stderr now
        cfg.medConfig.clockRate = CLOCK_RATE
        cfg.medConfig.sndClockRate = CLOCK_RATE
        cfg.medConfig.ecTailLen = 0
        cfg.medConfig.noVad = True
        ep.libInit(cfg)
        self.ep = ep

        tc = pj.TransportConfig()
        tc.port = a.udp_port
        tc.boundAddress = "127.0.0.1"
        self.udp_tid = ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tc)
        self.udp_port = self._tp_port(self.udp_tid)
        if a.tcp:
            tc2 = pj.TransportConfig()
            tc2.port = a.tcp_port
            tc2.boundAddress = "127.0.0.1"
            from sip.transport import no_delay
            no_delay(tc2)
            self.tcp_tid = ep.transportCreate(pj.PJSIP_TRANSPORT_TCP, tc2)
            self.tcp_port = self._tp_port(self.tcp_tid)
        ep.libStart()
        ep.audDevManager().setNullDev()
        self._set_codecs(a.codecs)
        self.emit({"event": "ready", "name": a.name, "udp_port": self.udp_port,
                   "tcp_port": self.tcp_port, "pid": os.getpid()})

    def _tp_port(self, tid) -> int:
        name = self.ep.transportGetInfo(tid).localName  # "127.0.0.1:5062"
        return int(name.rsplit(":", 1)[1])

    def _set_codecs(self, spec: str) -> None:
        wanted = [c.strip().upper() for c in spec.split(",") if c.strip()]
        prio = {name: 250 - 10 * i for i, name in enumerate(wanted)}
        for ci in self.ep.codecEnum2():
            base = ci.codecId.split("/")[0].upper()
            self.ep.codecSetPriority(ci.codecId, prio.get(base, 0))

    def run(self) -> None:
        sel = selectors.DefaultSelector()
        os.set_blocking(0, False)
        sel.register(0, selectors.EVENT_READ)
        try:
            while not self.stopping:
                self.ep.libHandleEvents(10)
                self._iter += 1
                self._reap()        # ended calls go before a command can dial into their slot
                if sel.select(0):
                    self._read_stdin()
                self._run_timers()
                self._check_measures()
                if self.out.broken:
                    self.stopping = True
        finally:
            sel.close()

    def _read_stdin(self) -> None:
        try:
            chunk = os.read(0, 65536)
        except BlockingIOError:
            return
        if not chunk:
            log("stdin closed")
            self.stopping = True
            chunk = b"\n"
        self._inbuf += chunk
        while b"\n" in self._inbuf:
            line, self._inbuf = self._inbuf.split(b"\n", 1)
            if line.strip():
                self.handle_line(line.decode("utf-8", "replace"))

    def _run_timers(self) -> None:
        if not self._timers:
            return
        now = time.monotonic()
        due = [t for t in self._timers if t[0] <= now]
        self._timers = [t for t in self._timers if t[0] > now]
        for _, fn in due:
            try:
                fn()
            except Exception:
                traceback.print_exc()

    def _check_measures(self) -> None:
        if not self._measures:
            return
        now = time.monotonic()
        keep = []
        for item in self._measures:
            deadline, rid, handle, cap = item
            if deadline > now:
                keep.append(item)
                continue
            res = analyze(cap.stop())
            res.update({"reply": rid, "ok": True, "call": handle})
            self.emit(res)
        self._measures = keep

    def _reap(self) -> None:
        if not self._graveyard:
            return
        keep = []
        for it, call in self._graveyard:
            if it >= self._iter:
                keep.append((it, call))
                continue
            if any(m[2] == call.handle for m in self._measures):
                keep.append((it, call))  # its measurement still needs the capture port
                continue
            self.calls.pop(call.handle, None)
            for other in self.calls.values():
                other.linked.discard(call.handle)
            call.tone = None
            call.capture = None
            if slot_taken(call):
                # pjsua gave this ended call's slot to a new call already: dropping
                # the wrapper now would hang that call up (pjsua2's ~Call hangs up
                # whatever call its id names). Kept until shutdown.
                self._zombies.append(call)
        self._graveyard = keep

    def pump(self, seconds: float, until=None) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.ep.libHandleEvents(10)
            self._iter += 1
            if until is not None and until():
                break

    def shutdown(self) -> None:
        ep = self.ep
        if ep is None:
            return
        try:
            if any(c.state not in ("DISCONNECTED",) for c in self.calls.values()):
                ep.hangupAllCalls()
                self.pump(2.0, until=lambda: all(c.state == "DISCONNECTED" or c.handle in
                                                  {g[1].handle for g in self._graveyard}
                                                  for c in self.calls.values()))
            self.pump(0.05)
        except pj.Error as e:
            log(f"hangup at shutdown: {e.info()}")
        # Each step runs in its own function so that no loop variable of this frame keeps
        # a Call/Account/port wrapper alive past libDestroy() (that aborts the process).
        self._drop_measures()
        self._drop_calls()
        gc.collect()
        if self._drop_accounts():
            self.pump(0.3)  # let the un-REGISTER go out
        gc.collect()
        self.leaked = self._assert_no_wrappers()
        ep.libDestroy(pj.PJSUA_DESTROY_NO_NETWORK)
        self.ep = None
        del ep
        gc.collect()
        self.emit({"event": "stopped"})

    def _drop_measures(self) -> None:
        for _, rid, _handle, cap in self._measures:
            cap.stop()
            self.emit({"reply": rid, "ok": False, "error": "agent shutting down"})
        self._measures = []
        self._timers = []

    def _drop_calls(self) -> None:
        for c in self.calls.values():
            c.tone = None
            c.capture = None
        self._graveyard = []
        self._zombies = []
        self.calls.clear()

    def _drop_accounts(self) -> bool:
        self.buddies.clear()
        registered = False
        for acc in self.accounts.values():
            try:
                registered = registered or bool(acc.getInfo().regIsActive)
                acc.shutdown()
            except pj.Error:
                pass
        self.accounts.clear()
        return registered

    @staticmethod
    def _assert_no_wrappers() -> bool:
        alive = [type(o).__name__ for o in gc.get_objects()
                 if isinstance(o, (PeerCall, PeerAccount, PeerBuddy, TonePort, CapturePort))]
        if alive:  # a bug: collecting these after libDestroy() would abort the process
            log(f"BUG: still referenced before libDestroy: {alive}")
        return bool(alive)

    # -- commands
    def handle_line(self, line: str) -> None:
        try:
            cmd = json.loads(line)
            if not isinstance(cmd, dict):
                raise ValueError("command must be a JSON object")
        except ValueError as e:
            self.emit({"event": "error", "error": f"bad command line: {e}", "line": line[:200]})
            return
        rid = cmd.get("id")
        name = cmd.get("cmd")
        fn = getattr(self, f"cmd_{name}", None) if isinstance(name, str) else None
        try:
            if fn is None:
                raise PeerError(f"unknown command {name!r}")
            res = fn(cmd, rid)
        except pj.Error as e:
            self.emit({"reply": rid, "ok": False, "error": f"pjsua2: {e.info()}"})
            return
        except (PeerError, KeyError, ValueError, TypeError) as e:
            self.emit({"reply": rid, "ok": False, "error": str(e) or type(e).__name__})
            return
        except Exception as e:
            traceback.print_exc()
            self.emit({"reply": rid, "ok": False, "error": f"{type(e).__name__}: {e}"})
            return
        if res is not None:  # None: the reply comes later (measure)
            out = {"reply": rid, "ok": True}
            out.update(res)
            self.emit(out)

    def cmd_ping(self, cmd, rid):
        return {"name": self.args.name, "udp_port": self.udp_port, "tcp_port": self.tcp_port}

    def cmd_account(self, cmd, rid):
        if len(self.accounts) >= 7:
            raise PeerError("account limit reached (8 per process in this pjsua2 build)")
        user = str(cmd.get("user") or self.args.name)
        transport = (cmd.get("transport") or "udp").lower()
        if transport not in ("udp", "tcp"):
            raise PeerError("transport must be udp or tcp")
        if transport == "tcp" and self.tcp_tid is None:
            raise PeerError("agent started without --tcp")
        mode = cmd.get("mode") or "silence"
        if mode not in MODES:
            raise PeerError(f"mode must be one of {MODES}")
        aa = cmd.get("auto_answer")
        if aa not in (None, "ring") and not isinstance(aa, int):
            raise PeerError("auto_answer must be null, 'ring' or a status code")
        register = bool(cmd.get("register", True))
        domain = cmd.get("domain") or "127.0.0.1"
        tp_param = ";transport=tcp" if transport == "tcp" else ""
        cfg = pj.AccountConfig()
        if register:
            registrar = cmd.get("registrar") or f"sip:{domain}"
            cfg.idUri = f"sip:{user}@{domain}"
            cfg.regConfig.registrarUri = registrar + (tp_param if tp_param and "transport=" not in registrar else "")
            cfg.regConfig.timeoutSec = int(cmd.get("reg_timeout", 60))
            cfg.regConfig.retryIntervalSec = int(cmd.get("retry_interval", 5))
            cfg.regConfig.firstRetryIntervalSec = int(cmd.get("first_retry_interval", 1))
            cfg.regConfig.randomRetryIntervalSec = 0
        else:
            port = self.tcp_port if transport == "tcp" else self.udp_port
            cfg.idUri = f"sip:{user}@127.0.0.1:{port}{tp_param}"
            cfg.regConfig.registrarUri = ""
            cfg.regConfig.registerOnAdd = False
        if cmd.get("display"):
            cfg.idUri = f'"{cmd["display"]}" <{cfg.idUri}>'
        if cmd.get("password") is not None:
            cfg.sipConfig.authCreds.append(
                pj.AuthCredInfo("digest", "*", str(cmd.get("auth_user") or user), 0, str(cmd["password"])))
        if cmd.get("proxy"):
            cfg.sipConfig.proxies.append(str(cmd["proxy"]))
        cfg.sipConfig.transportId = self.tcp_tid if transport == "tcp" else self.udp_tid
        cfg.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
        cfg.mediaConfig.transportConfig.port = 0  # ephemeral RTP ports: agents never collide
        cfg.natConfig.iceEnabled = False
        cfg.natConfig.sdpNatRewriteUse = 0
        cfg.natConfig.contactRewriteUse = 0
        cfg.natConfig.viaRewriteUse = 0
        aid = self._next_acc
        acc = PeerAccount(self, aid, cmd)
        acc.create(cfg, True)
        acc.uri = cfg.idUri
        self._next_acc += 1
        self.accounts[aid] = acc
        return {"account": aid, "uri": cfg.idUri}

    def cmd_call(self, cmd, rid):
        acc = self.get_account(cmd)
        to = cmd.get("to")
        if not to:
            raise PeerError("missing 'to'")
        call = PeerCall(self, acc)
        if cmd.get("mode"):
            self._set_call_mode(call, cmd)
        prm = pj.CallOpParam(True)
        for k, v in (cmd.get("headers") or {}).items():
            h = pj.SipHeader()
            h.hName = str(k)
            h.hValue = str(v)
            prm.txOption.headers.append(h)
        self.add_call(call)
        try:
            call.makeCall(str(to), prm)
        except pj.Error:
            self.calls.pop(call.handle, None)
            raise
        return {"call": call.handle}

    def cmd_message(self, cmd, rid):
        acc = self.get_account(cmd)
        to = cmd.get("to")
        if not to:
            raise PeerError("missing 'to'")
        key = (acc.aid, str(to))
        buddy = self.buddies.get(key)
        if buddy is None:
            buddy = PeerBuddy()
            bc = pj.BuddyConfig()
            bc.uri = str(to)
            bc.subscribe = False
            buddy.create(acc, bc)
            self.buddies[key] = buddy
        prm = pj.SendInstantMessageParam()
        prm.content = str(cmd.get("body", ""))
        prm.contentType = str(cmd.get("content_type") or "text/plain")
        buddy.sendInstantMessage(prm)
        return {"to": str(to)}

    def cmd_answer(self, cmd, rid):
        c = self.get_call(cmd)
        c.answer(_op(int(cmd.get("code", 200))))
        return {"call": c.handle}

    def cmd_hangup(self, cmd, rid):
        c = self.get_call(cmd)
        c.hangup(_op(int(cmd.get("code") or 0)))
        return {"call": c.handle}

    def cmd_hold(self, cmd, rid):
        h = self.get_call(cmd).handle
        return self._retrying(rid, h, lambda c: c.setHold(_op()))

    def cmd_unhold(self, cmd, rid):
        def op(c):
            prm = _op()
            prm.opt.flag = pj.PJSUA_CALL_UNHOLD
            c.reinvite(prm)
        return self._retrying(rid, self.get_call(cmd).handle, op)

    def _retrying(self, rid, handle: int, op, timeout: float = 3.0):
        """Run a re-INVITE-type operation; while another offer/answer is still pending
        (PJ_EINVALIDOP) retry every 50 ms for up to ``timeout``. Replies when done."""
        deadline = time.monotonic() + timeout

        def attempt():
            c = self.calls.get(handle)
            if c is None or c.state == "DISCONNECTED":
                self.emit({"reply": rid, "ok": False, "error": f"no such call {handle}"})
                return
            try:
                op(c)
            except pj.Error as e:
                if e.status == PJ_EINVALIDOP and time.monotonic() < deadline:
                    self.later(0.05, attempt)
                    return
                self.emit({"reply": rid, "ok": False, "error": f"pjsua2: {e.info()}"})
                return
            self.emit({"reply": rid, "ok": True, "call": handle})

        attempt()
        return None

    def cmd_dtmf(self, cmd, rid):
        c = self.get_call(cmd)
        digits = str(cmd.get("digits") or "")
        if not digits:
            raise PeerError("missing 'digits'")
        prm = pj.CallSendDtmfParam()
        prm.digits = digits
        prm.method = pj.PJSUA_DTMF_METHOD_RFC2833
        if cmd.get("duration_ms"):
            prm.duration = int(cmd["duration_ms"])
        c.sendDtmf(prm)
        return {"call": c.handle}

    def cmd_xfer(self, cmd, rid):
        c = self.get_call(cmd)
        to = cmd.get("to")
        if not to:
            raise PeerError("missing 'to'")
        c.hangup_after_xfer = bool(cmd.get("hangup_on_success", True))
        c.xfer(str(to), _op())
        return {"call": c.handle}

    def cmd_xfer_replaces(self, cmd, rid):
        c = self.get_call(cmd)
        dest = self.get_call(cmd, "dest_call")
        c.hangup_after_xfer = bool(cmd.get("hangup_on_success", True))
        c.xferReplaces(dest, _op())
        return {"call": c.handle, "dest_call": dest.handle}

    def cmd_conference(self, cmd, rid):
        if "calls" in cmd:
            handles = [int(h) for h in cmd["calls"]]
        else:
            handles = [int(cmd["call"]), int(cmd["dest_call"])]
        calls = [self.get_call({"call": h}) for h in handles]
        if len(calls) < 2:
            raise PeerError("a conference needs at least two calls")
        for c in calls:
            if c.audio() is None:
                raise PeerError(f"call {c.handle} has no active audio")
        for c in calls:
            c.linked.update(h for h in handles if h != c.handle)
        for c in calls:
            c.apply_media()
        return {"calls": handles}

    def _set_call_mode(self, call: PeerCall, cmd: dict) -> None:
        mode = cmd.get("mode")
        if mode not in MODES:
            raise PeerError(f"mode must be one of {MODES}")
        call.mode = mode
        if "tone_hz" in cmd:
            call.tone_hz = float(cmd["tone_hz"])
        if "tone_dbfs" in cmd:
            call.tone_dbfs = float(cmd["tone_dbfs"])

    def cmd_mode(self, cmd, rid):
        if cmd.get("call") is not None:
            c = self.get_call(cmd)
            self._set_call_mode(c, cmd)
            c.apply_media()
            return {"call": c.handle, "mode": c.mode}
        acc = self.get_account(cmd)
        mode = cmd.get("mode")
        if mode not in MODES:
            raise PeerError(f"mode must be one of {MODES}")
        acc.mode = mode
        if "tone_hz" in cmd:
            acc.tone_hz = float(cmd["tone_hz"])
        if "tone_dbfs" in cmd:
            acc.tone_dbfs = float(cmd["tone_dbfs"])
        for c in self.calls.values():
            if c.acc is acc and c.mode is None:
                c.apply_media()
        return {"account": acc.aid, "mode": mode}

    def cmd_measure(self, cmd, rid):
        c = self.get_call(cmd)
        seconds = float(cmd.get("seconds", 1.0))
        if not 0 < seconds <= 30:
            raise PeerError("seconds must be in (0, 30]")
        if any(m[2] == c.handle for m in self._measures):
            raise PeerError(f"call {c.handle} is already being measured")
        am = c.audio()
        if am is None:
            raise PeerError(f"call {c.handle} has no active audio")
        if c.capture is None:
            c.capture = CapturePort(f"cap{c.handle}")
            am.startTransmit(c.capture)
        c.capture.start()
        self._measures.append((time.monotonic() + seconds, rid, c.handle, c.capture))
        return None

    def cmd_calls(self, cmd, rid):
        return {"calls": [{"call": h, "state": c.state, "mode": c.eff_mode()[0]}
                          for h, c in sorted(self.calls.items())]}

    def cmd_quit(self, cmd, rid):
        self.stopping = True
        return {}


def main(argv=None) -> int:
    global _NAME
    ap = argparse.ArgumentParser(prog="python -m sip.peer.agent", description=__doc__.split("\n")[0])
    ap.add_argument("--udp-port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--tcp", action="store_true", help="also listen on TCP")
    ap.add_argument("--tcp-port", type=int, default=0)
    ap.add_argument("--name", default="peer")
    ap.add_argument("--log-level", type=int, default=1, help="pjsua log level (stderr)")
    ap.add_argument("--codecs", default="G722,PCMU,PCMA", help="codec order; others disabled")
    args = ap.parse_args(argv)
    _NAME = args.name
    agent = Agent(args)

    def _stop(signum, frame):
        agent.stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    code = 0
    try:
        agent.start()
        agent.run()
    except Exception:
        traceback.print_exc()
        agent.emit({"event": "error", "error": "agent crashed, see stderr"})
        code = 1
    finally:
        try:
            agent.shutdown()
        except Exception:
            traceback.print_exc()
            code = 1
    sys.stderr.flush()
    if agent.leaked:
        # Python wrappers outlived libDestroy(); finalizing them would SIGABRT. Leave
        # without finalization, with a distinct code, rather than abort.
        os._exit(3)
    return code


if __name__ == "__main__":
    sys.exit(main())

"""Controller for the headless SIP peer (``python -m sip.peer.agent``). Stdlib only.

Protocol: JSON lines. Commands on the agent's stdin, ``{"cmd": NAME, "id": ID, ...}``;
on its stdout replies ``{"reply": ID, "ok": true, ...}`` or
``{"reply": ID, "ok": false, "error": TEXT}``, and events ``{"event": NAME, ...}``.
Calls are named by agent-local handles (0, 1, 2 ... never reused within one agent).

Commands
  ping                                  -> {name, udp_port, tcp_port}
  account  user, password?, registrar?, domain?, transport udp|tcp, register bool,
           reg_timeout, auto_answer null|"ring"|CODE, answer_delay s, mode, tone_hz,
           tone_dbfs, display?, proxy?           -> {account, uri}
           register=false: direct IP use, id sip:USER@127.0.0.1:PORT, no registrar.
           auto_answer null/"ring": answer 180 and wait; 200: answer (after
           answer_delay); other codes: reject with that code.
  call     to, account?, headers {name: value}?, mode?, tone_hz?, tone_dbfs? -> {call}
  message  to, body, content_type="text/plain", account?   -> {to}
           (out-of-dialog SIP MESSAGE; the outcome comes as a message_status event)
  answer   call, code=200          hangup  call, code?
  hold     call                    unhold  call          (re-INVITE sendonly / sendrecv;
                                   retried for up to 3 s while another re-INVITE is pending)
  dtmf     call, digits, duration_ms?                    (RFC 4733)
  xfer     call, to, hangup_on_success=true              (blind REFER)
  xfer_replaces call, dest_call, hangup_on_success=true  (attended REFER with Replaces)
  conference calls [a, b, ...] | call, dest_call         (bridge the calls' audio both ways;
                                                          each keeps its own mode source)
  mode     call | account, mode silence|echo|tone, tone_hz?, tone_dbfs?
  measure  call, seconds=1.0       -> {hz, dbfs, dbfs_rms, samples, rate, call}
           (reply arrives after `seconds`; the agent keeps running meanwhile)
  calls                            -> {calls: [{call, state, mode}]}
  quit                             -> {} then clean shutdown, event "stopped", exit 0

Events
  ready {udp_port, tcp_port, name, pid}      reg {account, code, reason, active, expiration}
  incoming {call, account, from, to, sip_call_id, headers {X-*, Referred-By, Replaces, ...}}
  call_state {call, state CALLING|INCOMING|EARLY|CONNECTING|CONFIRMED|DISCONNECTED, code,
              reason, remote, sip_call_id, role caller|callee}
  media {call, dir, remote_sdp_dir, codec, status active|local_hold|remote_hold|none|error}
        dir: this side's negotiated direction; remote_sdp_dir: the direction attribute
        of the other side's last SDP (the offer it sent, or its answer to ours).
  dtmf {call, digit, method}                 xfer_request {call, to, new_call}
  xfer_status {call, code, reason, final}    replace_request {call, code}
  replaced {call, new_call}                  error {error}      stopped {}
  message {account, from, to, contact, content_type, body}   (a MESSAGE received; 200 sent)
  message_status {account, to, code, reason, body}           (final answer to our MESSAGE)

Stopping: "quit", EOF on stdin (so an orphaned agent exits by itself) or SIGTERM/SIGINT:
calls are hung up, wrappers dropped, libDestroy(); exit code 0 ("stopped" event last).

Levels: a tone sent at ``tone_dbfs`` has that peak level (AES17: full-scale sine =
0 dBFS); ``measure`` reports ``dbfs`` on the same scale (RMS + 3.01 dB) and
``dbfs_rms`` (plain RMS against full scale, 3.01 dB lower for a sine).
"""
from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class PeerError(RuntimeError):
    """The agent answered ok=false, or died."""


class PeerAgent:
    """One agent process. Thread-safe: a reader thread collects every stdout line."""

    def __init__(self, name: str = "peer", udp_port: int = 0, tcp: bool = False,
                 log_level: int = 1, codecs: str | None = None, extra_args: list[str] | None = None,
                 stderr=None):
        self.name = name
        self.args = [sys.executable, "-m", "sip.peer.agent", "--name", name,
                     "--udp-port", str(udp_port), "--log-level", str(log_level)]
        if tcp:
            self.args.append("--tcp")
        if codecs:
            self.args += ["--codecs", codecs]
        self.args += list(extra_args or [])
        self._stderr = stderr
        self.proc: subprocess.Popen | None = None
        self.events: list[dict] = []
        self._replies: dict[object, dict] = {}
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._reader: threading.Thread | None = None
        self._eof = False
        self.ready: dict = {}
        self.udp_port: int | None = None
        self.tcp_port: int | None = None
        self.idle = None  # optional callable run while waiting (see _idle_wait)

    # -- lifecycle
    def start(self, timeout: float = 10.0) -> "PeerAgent":
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(
            self.args, cwd=str(ROOT), env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._stderr,  # None: inherit the parent's fd 2
            text=True, encoding="utf-8", bufsize=1)
        self._reader = threading.Thread(target=self._read, name=f"peer-{self.name}", daemon=True)
        self._reader.start()
        try:
            self.ready = self.wait_event(event="ready", timeout=timeout)
        except Exception:
            self.kill()
            raise
        self.udp_port = self.ready.get("udp_port")
        self.tcp_port = self.ready.get("tcp_port")
        return self

    def _read(self) -> None:
        assert self.proc and self.proc.stdout
        for line in self.proc.stdout:
            line = line.strip()
            if not line:
                continue
            try:
                msg = json.loads(line)
            except ValueError:
                msg = {"event": "garbage", "line": line}
            with self._cond:
                if "reply" in msg:
                    self._replies[msg["reply"]] = msg
                else:
                    self.events.append(msg)
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def stop(self, timeout: float = 10.0) -> int:
        """quit, wait for the exit; kill after timeout. Returns the exit code."""
        p = self.proc
        if p is None:
            return 0
        if p.poll() is None:
            try:
                assert p.stdin
                p.stdin.write(json.dumps({"cmd": "quit", "id": "quit"}) + "\n")
                p.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        self._close_pipes()
        return p.returncode

    def kill(self) -> None:
        p = self.proc
        if p is not None and p.poll() is None:
            p.kill()
            p.wait(5)
        self._close_pipes()

    def _close_pipes(self) -> None:
        p = self.proc
        if p is None:
            return
        try:
            if p.stdin:
                p.stdin.close()
        except OSError:
            pass
        if self._reader is not None:
            self._reader.join(2)

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode if self.proc else None

    def __enter__(self) -> "PeerAgent":
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- protocol
    def send(self, cmd: dict) -> object:
        """Send a command without waiting; returns its id."""
        cmd = dict(cmd)
        cmd.setdefault("id", next(self._ids))
        if self.proc is None or self.proc.poll() is not None:
            raise PeerError(f"agent {self.name} is not running")
        try:
            assert self.proc.stdin
            self.proc.stdin.write(json.dumps(cmd) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise PeerError(f"agent {self.name}: {e}") from e
        return cmd["id"]

    def reply(self, rid: object, timeout: float = 5.0) -> dict:
        end = time.monotonic() + timeout
        with self._cond:
            while rid not in self._replies:
                left = end - time.monotonic()
                if self._eof:
                    raise PeerError(f"agent {self.name} exited before replying to {rid}")
                if left <= 0:
                    raise TimeoutError(f"agent {self.name}: no reply to {rid} in {timeout}s")
                self._idle_wait(left)
            rep = self._replies.pop(rid)
        if not rep.get("ok"):
            raise PeerError(f"agent {self.name}: {rep.get('error')}")
        return rep

    def _idle_wait(self, left: float) -> None:
        # With an idle hook (e.g. a Qt event loop pump in the same thread as a
        # SIP engine under test), wait in short slices and run it in between,
        # so the process under test keeps handling SIP while we wait here.
        if self.idle is None:
            self._cond.wait(left)
        else:
            self._cond.wait(min(left, 0.005))
            self.idle()

    def command(self, cmd: dict, timeout: float = 5.0) -> dict:
        return self.reply(self.send(cmd), timeout)

    def mark(self) -> int:
        """Index to pass as ``since`` to look only at events after this point."""
        with self._cond:
            return len(self.events)

    def wait_event(self, predicate=None, timeout: float = 10.0, since: int = 0, **match) -> dict:
        """First event (from index ``since``) matching ``predicate(ev)`` and all ``match``
        key/values; a match value may be a callable applied to the field."""
        def ok(ev: dict) -> bool:
            for k, v in match.items():
                if callable(v):
                    if k not in ev or not v(ev[k]):
                        return False
                elif ev.get(k, _MISSING) != v:
                    return False
            return predicate(ev) if predicate else True

        end = time.monotonic() + timeout
        with self._cond:
            i = since
            while True:
                while i < len(self.events):
                    ev = self.events[i]
                    i += 1
                    if ok(ev):
                        return ev
                left = end - time.monotonic()
                if left <= 0 or self._eof:
                    recent = "\n  ".join(json.dumps(e) for e in self.events[-15:])
                    why = "exited" if self._eof else f"timeout {timeout}s"
                    raise TimeoutError(
                        f"agent {self.name}: no event matching {match or predicate} ({why}); "
                        f"recent events:\n  {recent}")
                self._idle_wait(left)

    def find_events(self, since: int = 0, **match) -> list[dict]:
        with self._cond:
            return [e for e in self.events[since:]
                    if all(e.get(k, _MISSING) == v for k, v in match.items())]

    # -- conveniences
    def account(self, user: str, **kw) -> dict:
        return self.command({"cmd": "account", "user": user, **kw})

    def local_account(self, user: str, **kw) -> dict:
        """Direct-IP account (no registrar); reachable as ``self.uri(user)``."""
        kw.setdefault("register", False)
        return self.account(user, **kw)

    def uri(self, user: str, transport: str = "udp") -> str:
        if transport == "tcp":
            return f"sip:{user}@127.0.0.1:{self.tcp_port};transport=tcp"
        return f"sip:{user}@127.0.0.1:{self.udp_port}"

    def call(self, to: str, headers: dict | None = None, **kw) -> int:
        cmd = {"cmd": "call", "to": to, **kw}
        if headers:
            cmd["headers"] = headers
        return int(self.command(cmd)["call"])

    def message(self, to: str, body: str, content_type: str = "text/plain", **kw) -> dict:
        """Send an out-of-dialog MESSAGE; wait for its ``message_status`` event."""
        return self.command({"cmd": "message", "to": to, "body": body,
                             "content_type": content_type, **kw})

    def answer(self, call: int, code: int = 200) -> dict:
        return self.command({"cmd": "answer", "call": call, "code": code})

    def hangup(self, call: int, code: int | None = None) -> dict:
        cmd = {"cmd": "hangup", "call": call}
        if code:
            cmd["code"] = code
        return self.command(cmd)

    def hold(self, call: int) -> dict:
        return self.command({"cmd": "hold", "call": call})

    def unhold(self, call: int) -> dict:
        return self.command({"cmd": "unhold", "call": call})

    def dtmf(self, call: int, digits: str) -> dict:
        return self.command({"cmd": "dtmf", "call": call, "digits": digits})

    def xfer(self, call: int, to: str, **kw) -> dict:
        return self.command({"cmd": "xfer", "call": call, "to": to, **kw})

    def xfer_replaces(self, call: int, dest_call: int, **kw) -> dict:
        return self.command({"cmd": "xfer_replaces", "call": call, "dest_call": dest_call, **kw})

    def conference(self, *calls: int) -> dict:
        return self.command({"cmd": "conference", "calls": list(calls)})

    def mode(self, mode: str, call: int | None = None, account: int | None = None, **kw) -> dict:
        cmd = {"cmd": "mode", "mode": mode, **kw}
        if call is not None:
            cmd["call"] = call
        if account is not None:
            cmd["account"] = account
        return self.command(cmd)

    def measure(self, call: int, seconds: float = 1.0) -> dict:
        return self.command({"cmd": "measure", "call": call, "seconds": seconds},
                            timeout=seconds + 5.0)

    def wait_state(self, call: int, state: str, timeout: float = 10.0, since: int = 0) -> dict:
        return self.wait_event(event="call_state", call=call, state=state,
                               timeout=timeout, since=since)


_MISSING = object()

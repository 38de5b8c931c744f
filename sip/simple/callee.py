"""Answering seats without pjsua2: many SIP accounts that take calls, on one socket.

Standard library only (no Qt, no pjsua2). The pjsua2 wheel allows 4 calls and
8 accounts per process (docs: stack-notes), too few to simulate the 70 seats
of a platform; this module registers dozens of accounts over ONE connection
to the server and answers the calls offered to them: 180 Ringing, 200 OK with
a static SDP after a ring delay, no media at all (a simulated seat has no
voice; the far end hears silence), BYE after a talk time or when the caller
hangs up, 487 when the offer is cancelled (the caller gave up, or the queue's
ring timeout moved the call on). The embedded demo (deploy/demo_seats.py) and
the tests use it; a real seat uses the softphone.

It is a UAS only in the small sense it needs: no re-INVITE, no UPDATE, no
PRACK, no forking, and the 2xx is not retransmitted (use TCP, the default:
on a reliable transport the proxy never needs a retransmission on
loopback).

An out-of-dialog MESSAGE to one of the accounts is answered 200 OK and, when
``on_message`` is given, handed to it as ``on_message(user, message)`` (the
demo's consulting judge reads consult questions this way, deploy/demo_judge.py).

Threads: the core's reader thread answers requests; one scheduler thread runs
the timed actions (answer, hang up, registration refresh). ``on_event`` runs
on either of them, ``on_message`` on the reader thread: keep them short, never
block in them, and do not call :meth:`CalleePool.close` from them.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import Callable, Iterable

from .digest import DigestAuth
from .message import SipMessage, build_response, new_call_id, new_tag, parse_name_addr
from .ua import USER_AGENT, _Core, _send_authenticated, _server_tuple

__all__ = ["CalleePool", "CallInfo"]

log = logging.getLogger(__name__)

# RTP payload types we can "answer" with (we never send media)
_CODECS = {0: "PCMU/8000", 8: "PCMA/8000", 9: "G722/8000"}


@dataclass(frozen=True)
class CallInfo:
    """A plain snapshot of one call to one of the pool's accounts."""
    call_id: str
    user: str                 # the account called (the seat)
    caller: str               # the caller's user part (a number)
    queue: str = ""           # X-Hotline-Queue: the queue the call came from
    state: str = "ringing"    # ringing | talking | ended
    offered: float = 0.0      # time.time() of the INVITE
    answered: float = 0.0     # of the 200 OK (0: never answered)
    ended: float = 0.0
    end_reason: str = ""      # cancelled | remote-bye | local-bye | busy | closed
    consult: str = ""         # X-Hotline-Consult: the consult question's uid, if any


class _Call:
    __slots__ = ("info", "invite", "to_tag", "remote_target", "route_set", "local_cseq",
                 "remote_from", "local_to", "answer_handle", "bye_handle")

    def __init__(self, info: CallInfo, invite: SipMessage, to_tag: str):
        self.info = info
        self.invite = invite
        self.to_tag = to_tag
        contact = invite.header("contact") or ""
        self.remote_target = parse_name_addr(contact)[1] if contact else invite.uri
        self.route_set = invite.headers_all("record-route")   # UAS: in the order received
        self.local_cseq = 0
        self.remote_from = invite.header("from") or ""
        to = invite.header("to") or ""
        self.local_to = to if "tag=" in to.lower() else f"{to};tag={to_tag}"
        self.answer_handle = None
        self.bye_handle = None


class _Scheduler:
    """One thread running callables at given monotonic times."""

    def __init__(self, name: str):
        self._heap: list = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def at(self, delay: float, fn: Callable[[], None]) -> list:
        handle = [True]   # handle[0] = False cancels
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + max(0.0, delay), next(self._seq), handle, fn))
            self._cond.notify()
        return handle

    @staticmethod
    def cancel(handle) -> None:
        if handle is not None:
            handle[0] = False

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (not self._heap or self._heap[0][0] > time.monotonic()):
                    wait = self._heap[0][0] - time.monotonic() if self._heap else 1.0
                    self._cond.wait(max(0.001, min(wait, 1.0)))
                if self._closed:
                    return
                _, _, handle, fn = heapq.heappop(self._heap)
            if handle[0]:
                try:
                    fn()
                except Exception:
                    log.exception("scheduled action failed")

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(2.0)


class CalleePool:
    """Accounts that register and answer calls (see the module docstring).

    ``accounts``: (user, password) pairs. ``ring_s(user)`` is how long an
    offer rings before the answer; ``talk_s(info)`` how long an answered call
    lasts before the seat hangs up (None: until the caller hangs up).
    Only accounts marked accepting (:meth:`set_accepting`) answer; the
    others reply 486 Busy Here. ``on_message(user, msg)`` receives the
    MESSAGE requests to the accounts (after the 200 OK).
    """

    def __init__(self, server, accounts: Iterable[tuple[str, str]], domain: str | None = None,
                 transport: str = "tcp", local_host: str = "127.0.0.1", expires: int = 120,
                 ring_s: Callable[[str], float] | float = 1.0,
                 talk_s: Callable[[CallInfo], float | None] | float | None = None,
                 on_event: Callable[[str, CallInfo], None] | None = None,
                 on_message: Callable[[str, SipMessage], None] | None = None):
        self.server = _server_tuple(server, transport)
        self.domain = domain or self.server[0]
        self.expires = int(expires)
        self._ring = ring_s if callable(ring_s) else (lambda _u, v=float(ring_s): v)
        self._talk = talk_s if callable(talk_s) else (lambda _i, v=talk_s: v)
        self.on_event = on_event
        self.on_message = on_message
        self._accounts: dict[str, DigestAuth] = {u: DigestAuth(u, p) for u, p in accounts}
        self._reg_ids = {u: (new_call_id(local_host), new_tag(), itertools.count(1))
                         for u in self._accounts}
        self._registered: dict[str, bool] = {u: False for u in self._accounts}
        self._accepting: set[str] = set()
        self._calls: dict[str, _Call] = {}
        self._lock = threading.Lock()
        self._reg_cond = threading.Condition(self._lock)
        self._closed = False
        self._sched = _Scheduler("callee-sched")
        self._core = _Core(self.server, transport, local_host, self._on_request, self._on_lost)

    # ------------------------------------------------------------ accounts
    @property
    def users(self) -> list[str]:
        return list(self._accounts)

    def register_all(self, timeout: float = 10.0) -> bool:
        """REGISTER every account (refreshed by itself); True when all are."""
        for u in self._accounts:
            self._register(u)
        deadline = time.monotonic() + timeout
        with self._reg_cond:
            while not all(self._registered.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._reg_cond.wait(left)
        return True

    def registered(self, user: str) -> bool:
        return self._registered.get(user, False)

    def _register(self, user: str, expires: int | None = None) -> None:
        if self._closed and expires != 0:
            return
        call_id, tag, cseq = self._reg_ids[user]
        exp = self.expires if expires is None else expires
        aor = f"sip:{user}@{self.domain}"

        def make():
            return "REGISTER", f"sip:{self.domain}", [
                ("From", f"<{aor}>;tag={tag}"), ("To", f"<{aor}>"), ("Call-ID", call_id),
                ("CSeq", f"{next(cseq)} REGISTER"),
                ("Contact", f"<{self._core.contact_uri(user)}>;expires={exp}"),
                ("Expires", str(exp)), ("User-Agent", USER_AGENT)], b""

        def done(resp: SipMessage | None) -> None:
            ok = resp is not None and 200 <= resp.status < 300
            with self._reg_cond:
                self._registered[user] = ok and exp > 0
                self._reg_cond.notify_all()
            if exp == 0 or self._closed:
                return
            if not ok:
                log.info("callee %s: REGISTER got %s", user, resp.status if resp else "no answer")
            # refresh well before the server's expiry; retry soon on failure
            self._sched.at(exp * 0.45 if ok else 2.0, lambda: self._register(user))

        try:
            _send_authenticated(self._core, self._accounts[user], make, done)
        except OSError as e:  # server gone: try again later
            log.info("callee %s: REGISTER not sent: %s", user, e)
            if not self._closed:
                self._sched.at(2.0, lambda: self._register(user))

    def _on_lost(self, reason: str) -> None:
        log.info("callee pool: connection lost (%s); registering again", reason)
        with self._reg_cond:
            for u in self._registered:
                self._registered[u] = False
        # the next request opens a new connection (new local port, new Contact)
        self._sched.at(0.5, lambda: [self._register(u) for u in self._accounts])

    # ----------------------------------------------------------- policy
    def set_accepting(self, user: str, on: bool) -> None:
        with self._lock:
            (self._accepting.add if on else self._accepting.discard)(user)

    def calls(self) -> list[CallInfo]:
        with self._lock:
            return [c.info for c in self._calls.values()]

    # ---------------------------------------------------------- requests
    def _on_request(self, msg: SipMessage) -> None:
        method = msg.method
        if method == "INVITE":
            if msg.to_tag:   # a re-INVITE: keep the session as it is
                self._reply(msg, 488, "Not Acceptable Here")
            else:
                self._on_invite(msg)
        elif method == "CANCEL":
            self._on_cancel(msg)
        elif method == "BYE":
            self._on_bye(msg)
        elif method == "MESSAGE":
            self._reply(msg, 200, "OK")
            user = _user_of(msg.uri)
            if self.on_message is not None and user in self._accounts:
                try:
                    self.on_message(user, msg)
                except Exception:
                    log.exception("callee on_message failed")
        elif method in ("OPTIONS", "NOTIFY"):
            self._reply(msg, 200, "OK")
        else:
            self._reply(msg, 405, "Method Not Allowed", [("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS")])

    def _reply(self, req: SipMessage, status: int, reason: str, headers=(), body: bytes = b"",
               to_tag: str | None = None) -> None:
        data = build_response(req, status, reason, list(headers) + [("Server", USER_AGENT)],
                              body=body, to_tag=to_tag)
        try:
            self._core.send_raw(data)
        except OSError as e:
            log.debug("reply %s failed: %s", status, e)

    def _on_invite(self, msg: SipMessage) -> None:
        user = _user_of(msg.uri)
        caller = _user_of(parse_name_addr(msg.header("from") or "")[1])
        to_tag = new_tag()
        info = CallInfo(msg.call_id, user, caller, queue=(msg.header("x-hotline-queue") or "").strip(),
                        offered=time.time(), consult=(msg.header("x-hotline-consult") or "").strip())
        with self._lock:
            if msg.call_id in self._calls:
                return  # a retransmission
            accepting = user in self._accounts and user in self._accepting and not self._closed
            busy = any(c.info.user == user for c in self._calls.values())
            payload = _pick_codec(msg.body)
            if accepting and not busy and payload is not None:
                call = _Call(info, msg, to_tag)
                self._calls[msg.call_id] = call
        if user not in self._accounts:
            self._reply(msg, 404, "Not Found", to_tag=to_tag)
            return
        if not accepting or busy:
            self._reply(msg, 486, "Busy Here", to_tag=to_tag)
            self._emit("busy", replace(info, state="ended", ended=time.time(), end_reason="busy"))
            return
        if payload is None:
            self._reply(msg, 488, "Not Acceptable Here", to_tag=to_tag)
            return
        self._reply(msg, 180, "Ringing", self._dialog_headers(call), to_tag=to_tag)
        self._emit("ringing", info)
        call.answer_handle = self._sched.at(self._ring(user), lambda: self._answer(msg.call_id, payload))

    def _dialog_headers(self, call: _Call) -> list[tuple[str, str]]:
        hdrs = [("Record-Route", rr) for rr in call.route_set]
        hdrs.append(("Contact", f"<{self._core.contact_uri(call.info.user)}>"))
        return hdrs

    def _answer(self, call_id: str, payload: int) -> None:
        with self._lock:
            call = self._calls.get(call_id)
            if call is None or call.info.state != "ringing":
                return
            call.info = replace(call.info, state="talking", answered=time.time())
            info = call.info
        sdp = _sdp(payload)
        self._reply(call.invite, 200, "OK", self._dialog_headers(call) + [("Content-Type", "application/sdp")],
                    body=sdp, to_tag=call.to_tag)
        self._emit("answered", info)
        talk = self._talk(info)
        if talk is not None:
            call.bye_handle = self._sched.at(talk, lambda: self.hangup(call_id))

    def _on_cancel(self, msg: SipMessage) -> None:
        with self._lock:
            call = self._calls.get(msg.call_id)
            ringing = call is not None and call.info.state == "ringing"
            if ringing:
                del self._calls[msg.call_id]
                call.info = replace(call.info, state="ended", ended=time.time(), end_reason="cancelled")
        self._reply(msg, 200, "OK")
        if ringing:
            self._sched.cancel(call.answer_handle)
            self._reply(call.invite, 487, "Request Terminated", to_tag=call.to_tag)
            self._emit("ended", call.info)

    def _on_bye(self, msg: SipMessage) -> None:
        with self._lock:
            call = self._calls.pop(msg.call_id, None)
            if call is not None:
                call.info = replace(call.info, state="ended", ended=time.time(), end_reason="remote-bye")
        self._reply(msg, 200 if call is not None else 481,
                    "OK" if call is not None else "Call/Transaction Does Not Exist")
        if call is not None:
            self._sched.cancel(call.bye_handle)
            self._emit("ended", call.info)

    # ------------------------------------------------------------- verbs
    def hangup(self, call_id: str) -> bool:
        """The seat hangs up: BYE when talking, 480 when still ringing."""
        with self._lock:
            call = self._calls.pop(call_id, None)
            if call is None:
                return False
            was = call.info.state
            call.info = replace(call.info, state="ended", ended=time.time(), end_reason="local-bye")
        self._sched.cancel(call.answer_handle)
        self._sched.cancel(call.bye_handle)
        if was == "ringing":
            self._reply(call.invite, 480, "Temporarily Unavailable", to_tag=call.to_tag)
        else:
            self._send_bye(call)
        self._emit("ended", call.info)
        return True

    def _send_bye(self, call: _Call) -> None:
        call.local_cseq += 1
        hdrs = [("Route", r) for r in call.route_set]
        hdrs += [("From", call.local_to), ("To", call.remote_from), ("Call-ID", call.info.call_id),
                 ("CSeq", f"{call.local_cseq} BYE"), ("User-Agent", USER_AGENT)]
        try:
            self._core.request("BYE", call.remote_target, hdrs)
        except OSError as e:
            log.info("callee %s: BYE not sent: %s", call.info.user, e)

    def _emit(self, event: str, info: CallInfo) -> None:
        if self.on_event is not None:
            try:
                self.on_event(event, info)
            except Exception:
                log.exception("callee on_event failed")

    def close(self, timeout: float = 3.0) -> None:
        """Hang up every call, unregister every account, close the socket."""
        if self._closed:
            return
        self._closed = True
        for info in self.calls():
            self.hangup(info.call_id)
        for u in self._accounts:
            if self._registered.get(u):
                self._register(u, expires=0)
        deadline = time.monotonic() + timeout
        with self._reg_cond:
            while any(self._registered.values()) and time.monotonic() < deadline:
                self._reg_cond.wait(0.05)
        self._sched.close()
        self._core.close()

    def __enter__(self) -> "CalleePool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _user_of(uri: str | None) -> str:
    """The user part of a SIP URI (sip:8001@host;transport=tcp -> 8001)."""
    return (uri or "").split("sip:", 1)[-1].split("@", 1)[0].split(";", 1)[0]


def _pick_codec(sdp: bytes) -> int | None:
    """The first payload type of the offer's audio line that we list, else None."""
    for line in sdp.decode("utf-8", "replace").splitlines():
        if line.startswith("m=audio"):
            for pt in line.split()[3:]:
                if pt.isdigit() and int(pt) in _CODECS:
                    return int(pt)
            return None
    return None


def _sdp(payload: int) -> bytes:
    """An answer with no media behind it: port 9 (discard), one codec."""
    sess = int(time.time())
    return ("v=0\r\n"
            f"o=- {sess} {sess} IN IP4 127.0.0.1\r\n"
            "s=-\r\n"
            "c=IN IP4 127.0.0.1\r\n"
            "t=0 0\r\n"
            f"m=audio 9 RTP/AVP {payload}\r\n"
            f"a=rtpmap:{payload} {_CODECS[payload]}\r\n"
            "a=sendrecv\r\n").encode()

"""A small SIP SIMPLE presence user agent (PUBLISH, SUBSCRIBE/NOTIFY, RFC 4662 lists).

Standard library only: no Qt, no pjsua2.  pjsua2 cannot consume resource
list NOTIFYs (multipart/related) and its ``Account.sendRequest`` does not
answer digest challenges; this module does both.

Threads
-------
Every :class:`PresenceUA` / :class:`PublisherPool` owns ONE socket (UDP, or a
TCP connection to the server) and three daemon threads:

* the *reader* thread receives and parses messages, completes client
  transactions, answers NOTIFYs with 200 OK and **runs the NOTIFY
  callbacks** (``on_notify``);
* the *timer* thread retransmits requests over UDP and times transactions out;
* the *maintenance* thread refreshes subscriptions and publications, sends
  keep-alive OPTIONS, detects a lost server and re-subscribes; it runs the
  ``on_subscription_state`` callbacks for refresh failures and recoveries.

**Callbacks therefore run on internal threads**: keep them short, never block
in them and never call a blocking method of the UA (``publish``,
``subscribe``, ``close`` ...) from inside one.  A Qt application puts what it
needs into a ``queue.Queue`` (or emits a queued signal) and drains it on the
GUI thread.  Sending is thread-safe: any thread may call the public methods.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import socket
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from .digest import DigestAuth
from .message import (
    SipMessage,
    SipParseError,
    StreamFramer,
    ResourceState,
    build_request,
    build_response,
    new_branch,
    new_call_id,
    new_tag,
    parse_message,
    parse_name_addr,
    parse_rls_body,
    parse_subscription_state,
)

__all__ = [
    "PresenceUA",
    "PublisherPool",
    "PendingPublish",
    "Subscription",
    "Notify",
    "PublishResult",
    "PublishError",
    "SipError",
    "SubscribeError",
    "TransportError",
    "DEFAULT_ACCEPT",
    "EVENTLIST_ACCEPT",
]

log = logging.getLogger(__name__)

# Subscription upkeep (PresenceUA._maintenance_step): refreshes start at most
# this long before expiry; the subscriptions are looked at least this often.
_MAX_REFRESH_LEAD_S = 30.0
# a list subscription whose members are still without state is refreshed at most this
# many times, list_heal_after, then 2x, 4x ... that long after the previous try
LIST_HEAL_ROUNDS = 4
_MAX_SCAN_GAP_S = 1.0

USER_AGENT = "hotline12368-simple/1.0"
DEFAULT_ACCEPT = "application/pidf+xml"
EVENTLIST_ACCEPT = "multipart/related, application/rlmi+xml, application/pidf+xml"

T1 = 0.5
T2 = 4.0


class SipError(RuntimeError):
    """A request got a final error response (or none at all: code 408)."""

    def __init__(self, code: int, reason: str, response: SipMessage | None = None):
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason
        self.response = response


class PublishError(SipError):
    """PUBLISH failed, e.g. ``code == 403`` for a wrong password."""


class SubscribeError(SipError):
    """The initial SUBSCRIBE was refused or not answered."""


class TransportError(OSError):
    """The socket could not be opened or the TCP connection is gone."""


# --------------------------------------------------------------------------
# Transport: one socket, one reader thread, thread-safe send
# --------------------------------------------------------------------------

class _Transport:
    def __init__(self, server: tuple[str, int], transport: str, local_host: str,
                 on_message: Callable[[SipMessage], None],
                 on_lost: Callable[[str], None]):
        self.server = server
        self.proto = transport.lower()
        if self.proto not in ("udp", "tcp"):
            raise ValueError(f"transport must be 'udp' or 'tcp', not {transport!r}")
        self.local_host = local_host
        self._on_message = on_message
        self._on_lost = on_lost
        self._send_lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._closed = False
        self._gen = 0            # connection generation (TCP reconnects)
        self.local_port = 0
        self._thread: threading.Thread | None = None
        self._open()

    # ---------------------------------------------------------------- open
    def _open(self) -> None:
        if self.proto == "udp":
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024 * 1024)
            except OSError:
                pass
            s.bind((self.local_host, 0))
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.bind((self.local_host, 0))
            s.settimeout(5.0)
            try:
                s.connect(self.server)
            except OSError as exc:
                s.close()
                raise TransportError(f"cannot connect to {self.server}: {exc}") from exc
            s.settimeout(None)
        self._sock = s
        self.local_port = s.getsockname()[1]
        self._gen += 1
        self._thread = threading.Thread(target=self._reader, args=(s, self._gen),
                                        name=f"sip-reader-{self.proto}-{self.local_port}",
                                        daemon=True)
        self._thread.start()

    @property
    def connected(self) -> bool:
        return self._sock is not None and not self._closed

    def ensure_connected(self) -> bool:
        """TCP: reconnect when the connection was lost.  True if a new
        connection was made (the local port changed)."""
        if self._closed:
            raise TransportError("transport closed")
        if self._sock is not None:
            return False
        with self._send_lock:
            if self._sock is not None:
                return False
            self._open()
            return True

    # ---------------------------------------------------------------- send
    def send(self, data: bytes) -> None:
        if self._closed:
            raise TransportError("transport closed")
        if self._sock is None:
            self.ensure_connected()
        with self._send_lock:
            s = self._sock
            if s is None:
                raise TransportError("not connected")
            try:
                if self.proto == "udp":
                    s.sendto(data, self.server)
                else:
                    s.sendall(data)
            except OSError as exc:
                if self.proto == "udp":
                    # ICMP port unreachable from an earlier datagram etc.: the
                    # transaction layer times out and reports it.
                    log.debug("udp send failed: %s", exc)
                    return
                raise TransportError(f"send failed: {exc}") from exc

    # -------------------------------------------------------------- reader
    def _reader(self, s: socket.socket, gen: int) -> None:
        framer = StreamFramer()
        reason = "closed"
        while not self._closed:
            try:
                if self.proto == "udp":
                    data, _addr = s.recvfrom(65535)
                    if not data or data.strip(b"\r\n") == b"":
                        continue
                    try:
                        msg = parse_message(data)
                    except SipParseError as exc:
                        log.debug("dropping bad datagram: %s", exc)
                        continue
                    self._dispatch(msg)
                else:
                    data = s.recv(262144)
                    if not data:
                        reason = "connection closed by server"
                        break
                    try:
                        msgs = framer.feed(data)
                    except SipParseError as exc:
                        reason = f"bad stream: {exc}"
                        break
                    for msg in msgs:
                        self._dispatch(msg)
            except ConnectionRefusedError:
                # UDP: ICMP port unreachable for something we sent
                continue
            except OSError as exc:
                reason = f"socket error: {exc}"
                break
        if self.proto == "tcp" and not self._closed:
            with self._send_lock:
                if self._sock is s:
                    self._sock = None
            try:
                s.close()
            except OSError:
                pass
            try:
                self._on_lost(reason)
            except Exception:  # pragma: no cover
                log.exception("on_lost handler failed")

    def _dispatch(self, msg: SipMessage) -> None:
        try:
            self._on_message(msg)
        except Exception:
            log.exception("error handling %r", msg)

    def close(self) -> None:
        self._closed = True
        s, self._sock = self._sock, None
        if s is not None:
            try:
                # wakes the reader blocked in recv/recvfrom at once (on Linux also
                # for UDP, where it then raises ENOTCONN: ignored); without it a
                # UDP reader is only given up after the 2 s join below
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(2.0)


# --------------------------------------------------------------------------
# Transactions
# --------------------------------------------------------------------------

class _ClientTx:
    __slots__ = ("branch", "method", "data", "deadline", "interval", "callback",
                 "event", "response", "done", "reliable")

    def __init__(self, branch: str, method: str, data: bytes, timeout: float,
                 callback: Callable[["_ClientTx"], None] | None, reliable: bool):
        self.branch = branch
        self.method = method
        self.data = data
        self.deadline = time.monotonic() + timeout
        self.interval = T1
        self.callback = callback
        self.event = threading.Event()
        self.response: SipMessage | None = None
        self.done = False
        self.reliable = reliable

    def wait(self, timeout: float | None = None) -> SipMessage | None:
        self.event.wait(timeout)
        return self.response


class _Core:
    """Socket + client transactions + incoming request dispatch."""

    def __init__(self, server: tuple[str, int], transport: str, local_host: str,
                 on_request: Callable[[SipMessage], None],
                 on_lost: Callable[[str], None] | None = None,
                 request_timeout: float = 8.0):
        self.server = server
        self.request_timeout = request_timeout
        self._on_request = on_request
        self._on_lost_cb = on_lost
        self._txs: dict[str, _ClientTx] = {}
        self._lock = threading.Lock()
        self._heap: list[tuple[float, int, _ClientTx]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition(self._lock)
        self._answered: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
        self._closed = False
        self.transport = _Transport(server, transport, local_host, self._on_message, self._on_lost)
        self._timer = threading.Thread(target=self._timer_loop, name="sip-timer", daemon=True)
        self._timer.start()

    # ------------------------------------------------------------- address
    @property
    def proto(self) -> str:
        return self.transport.proto

    @property
    def local_addr(self) -> tuple[str, int]:
        return self.transport.local_host, self.transport.local_port

    def via(self, branch: str) -> str:
        host, port = self.local_addr
        return f"SIP/2.0/{self.proto.upper()} {host}:{port};branch={branch};rport"

    def contact_uri(self, user: str) -> str:
        host, port = self.local_addr
        suffix = ";transport=tcp" if self.proto == "tcp" else ""
        return f"sip:{user}@{host}:{port}{suffix}"

    # ---------------------------------------------------------------- send
    def request(self, method: str, uri: str, headers: Sequence[tuple[str, str]],
                body: bytes | str = b"", callback: Callable[[_ClientTx], None] | None = None,
                timeout: float | None = None) -> _ClientTx:
        """Send a request in a new client transaction.  Via, Max-Forwards
        and Content-Length are added here."""
        self.transport.ensure_connected()
        branch = new_branch()
        hdrs = [("Via", self.via(branch)), ("Max-Forwards", "70")]
        hdrs.extend(headers)
        data = build_request(method, uri, hdrs, body)
        tx = _ClientTx(branch, method.upper(), data, timeout or self.request_timeout, callback,
                       reliable=self.proto == "tcp")
        with self._cond:
            if self._closed:
                raise TransportError("closed")
            self._txs[branch] = tx
            first = tx.deadline if tx.reliable else time.monotonic() + tx.interval
            heapq.heappush(self._heap, (first, next(self._seq), tx))
            self._cond.notify()
        try:
            self.transport.send(data)
        except OSError as exc:
            log.debug("send of %s failed: %s", method, exc)
            self._complete(tx, None)
        return tx

    def send_raw(self, data: bytes) -> None:
        self.transport.send(data)

    def reply(self, req: SipMessage, status: int, reason: str,
              headers: Iterable[tuple[str, str]] = (), to_tag: str | None = None) -> None:
        data = build_response(req, status, reason, list(headers) + [("Server", USER_AGENT)],
                              to_tag=to_tag)
        key = (req.branch or "", req.call_id, req.method or "")
        with self._lock:
            self._answered[key] = data
            while len(self._answered) > 4096:
                self._answered.popitem(last=False)
        try:
            self.transport.send(data)
        except OSError as exc:
            log.debug("reply failed: %s", exc)

    # ------------------------------------------------------------ receive
    def _on_message(self, msg: SipMessage) -> None:
        if msg.is_response:
            branch = msg.branch or ""
            with self._lock:
                tx = self._txs.get(branch)
            if tx is None or tx.done:
                return
            if msg.cseq[1] != tx.method:
                return
            if msg.status < 200:
                tx.interval = T2
                return
            self._complete(tx, msg)
            return
        # request: a retransmission we already answered?
        key = (msg.branch or "", msg.call_id, msg.method or "")
        with self._lock:
            cached = self._answered.get(key)
        if cached is not None:
            try:
                self.transport.send(cached)
            except OSError:
                pass
            return
        if msg.method == "ACK":
            return
        self._on_request(msg)

    def _on_lost(self, reason: str) -> None:
        # fail every pending transaction at once
        with self._lock:
            pending = [tx for tx in self._txs.values() if not tx.done]
        for tx in pending:
            self._complete(tx, None)
        if self._on_lost_cb:
            self._on_lost_cb(reason)

    def _complete(self, tx: _ClientTx, response: SipMessage | None) -> None:
        with self._lock:
            if tx.done:
                return
            tx.done = True
            tx.response = response
            self._txs.pop(tx.branch, None)
        tx.event.set()
        if tx.callback is not None:
            try:
                tx.callback(tx)
            except Exception:
                log.exception("transaction callback failed")

    # -------------------------------------------------------------- timer
    def _timer_loop(self) -> None:
        while True:
            due: list[_ClientTx] = []
            with self._cond:
                if self._closed:
                    return
                now = time.monotonic()
                while self._heap and self._heap[0][1] is not None and self._heap[0][0] <= now:
                    _, _, tx = heapq.heappop(self._heap)
                    if not tx.done:
                        due.append(tx)
                wait = (self._heap[0][0] - now) if self._heap else 1.0
                if not due:
                    self._cond.wait(max(0.001, min(wait, 1.0)))
                    continue
            now = time.monotonic()
            for tx in due:
                if now >= tx.deadline:
                    self._complete(tx, None)
                    continue
                if not tx.reliable:
                    try:
                        self.transport.send(tx.data)
                    except OSError:
                        pass
                    tx.interval = min(tx.interval * 2, T2)
                    nxt = min(now + tx.interval, tx.deadline)
                else:
                    nxt = tx.deadline
                with self._cond:
                    heapq.heappush(self._heap, (nxt, next(self._seq), tx))

    def close(self) -> None:
        with self._cond:
            self._closed = True
            pending = list(self._txs.values())
            self._cond.notify_all()
        for tx in pending:
            self._complete(tx, None)
        self.transport.close()
        if self._timer is not threading.current_thread():
            self._timer.join(2.0)


# --------------------------------------------------------------------------
# Authenticated requests (shared by the UA and the pool)
# --------------------------------------------------------------------------

# Answering challenges to a request that already carried credentials
# (digest.DigestAuth.learn): stale nonces (every nonce from before a server
# restart) are resent with the new nonce and not counted as rejections, up to
# this many times ...
_MAX_STALE_RESENDS = 3
# ... and a challenge that repeats the nonce just used (the server could not
# check the credentials: Kamailio's auth_db when its SQLite query fails, seen
# right after a restart) is resent after these pauses, then taken as final.
_UNVERIFIED_PAUSES_S = (0.25, 0.75)


def _send_authenticated(core: _Core, digest: DigestAuth,
                        make: Callable[[], tuple[str, str, list[tuple[str, str]], bytes | str]],
                        on_final: Callable[[SipMessage | None], None],
                        timeout: float | None = None, max_challenges: int = 2) -> None:
    """Send ``make()``'s request with cached credentials and answer 401/407
    challenges by calling ``make()`` again (new CSeq) and resending: up to
    ``max_challenges`` with a new nonce, up to ``_MAX_STALE_RESENDS`` with
    ``stale=true`` (not counted as rejections, RFC 7616 3.3), and up to
    ``len(_UNVERIFIED_PAUSES_S)`` repeating the nonce just used, after a
    pause.  ``on_final`` gets the final response (a 401/407 when the
    challenges go on), or None on timeout / lost transport."""
    state = {"new": 0, "stale": 0, "same": 0}
    limits = {"new": max_challenges, "stale": _MAX_STALE_RESENDS,
              "same": len(_UNVERIFIED_PAUSES_S)}

    def resend() -> None:
        try:
            attempt()
        except OSError:
            on_final(None)

    def attempt() -> None:
        method, uri, headers, body = make()
        used_nonce = None
        authz = digest.authorization(method, uri)
        if authz is not None:
            name, value, used_nonce = authz
            headers = list(headers) + [(name, value)]

        def done(tx: _ClientTx) -> None:
            resp = tx.response
            if resp is not None and resp.status in (401, 407):
                verdict = digest.learn(resp, used_nonce)
                if verdict in limits and state[verdict] < limits[verdict]:
                    state[verdict] += 1
                    if verdict == "same":
                        t = threading.Timer(_UNVERIFIED_PAUSES_S[state["same"] - 1], resend)
                        t.daemon = True
                        t.start()
                    else:
                        resend()
                    return
            on_final(resp)

        core.request(method, uri, headers, body, callback=done, timeout=timeout)

    attempt()


def _blocking(core: _Core, digest: DigestAuth, make, timeout: float | None = None
              ) -> SipMessage | None:
    box: list[SipMessage | None] = []
    ev = threading.Event()

    def fin(resp: SipMessage | None) -> None:
        box.append(resp)
        ev.set()

    _send_authenticated(core, digest, make, fin, timeout)
    # worst case: every transaction _send_authenticated may send, one after the other
    sends = 1 + 2 + _MAX_STALE_RESENDS + len(_UNVERIFIED_PAUSES_S)
    ev.wait(sends * (timeout or core.request_timeout) + sum(_UNVERIFIED_PAUSES_S) + 1.0)
    return box[0] if box else None


# --------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------

@dataclass
class PublishResult:
    status: int
    reason: str
    etag: str | None
    expires: int
    fresh: bool = False       # True when this was an initial PUBLISH (no SIP-If-Match)
    recovered_412: bool = False  # a conditional PUBLISH got 412 and was redone fresh


@dataclass
class Notify:
    """A NOTIFY as handed to ``on_notify(subscription, notify)``.

    * ``subscription_state``: "active" | "pending" | "terminated";
      ``expires`` / ``reason`` from the Subscription-State header.
    * plain subscription: ``pidf`` is the body text (None when empty);
    * eventlist subscription: ``resources`` is a list of
      :class:`ResourceState` (``uri, state, pidf`` - iterable as a
      3-tuple), ``full_state`` tells whether it is the whole list.
    * ``content`` is ``pidf`` or ``resources`` accordingly.
    """

    subscription_state: str
    expires: int | None
    reason: str | None
    content_type: str
    body: bytes
    pidf: str | None = None
    resources: list[ResourceState] | None = None
    full_state: bool | None = None
    version: int | None = None
    list_uri: str | None = None
    received: float = 0.0      # time.time() when the NOTIFY was read
    message: SipMessage | None = None

    @property
    def content(self) -> Any:
        return self.resources if self.resources is not None else self.pidf


class Subscription:
    """Handle of one SUBSCRIBE dialog (plain or resource list).

    ``state``: "pending" | "active" | "terminated" | "failed" | "closed".
    For a list subscription ``resources`` is the merged current view
    (uri -> :class:`ResourceState`): a full-state NOTIFY replaces it, a
    partial one updates the listed resources.
    """

    def __init__(self, ua: "PresenceUA", target_uri: str, event: str, expires: int,
                 eventlist: bool, accept: str,
                 on_notify: Callable[["Subscription", Notify], None] | None,
                 on_state: Callable[["Subscription", str, str], None] | None):
        self.ua = ua
        self.target_uri = target_uri
        self.event = event
        self.requested_expires = expires
        self.eventlist = eventlist
        self.accept = accept
        self.on_notify = on_notify
        self.on_state = on_state
        self.state = "init"
        self.reason: str | None = None
        self.resources: dict[str, ResourceState] = {}
        self.version: int | None = None
        self.notify_count = 0
        self.last_notify: Notify | None = None
        self.last_activity = time.monotonic()
        self.expires_at = 0.0
        self.granted_expires = expires
        self.require_eventlist = False   # server answered Require: eventlist
        # list subscriptions: one early refresh when members are still without
        # state this long after subscribing (see PresenceUA.list_heal_after)
        self._heal_at: float | None = None
        self.heals = 0        # early refreshes done for members without state
        self._closing = False
        self._recover_at: float | None = None
        self._cond = threading.Condition()
        self._new_dialog()

    def _new_dialog(self) -> None:
        self.call_id = new_call_id(self.ua.local_host)
        self.local_tag = new_tag()
        self.remote_tag: str | None = None
        self.cseq = 0
        self.remote_target: str | None = None
        self.route_set: list[str] = []

    def __repr__(self) -> str:
        return f"<Subscription {self.target_uri} {self.event} {self.state}>"

    @property
    def active(self) -> bool:
        return self.state in ("active", "pending")

    def wait_for(self, predicate: Callable[["Subscription"], bool], timeout: float) -> bool:
        """Block until ``predicate(self)`` is true (checked after every
        NOTIFY and state change) or the timeout passes."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.25))
            return True

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def refresh(self, expires: int | None = None) -> bool:
        return self.ua._refresh_subscription(self, expires)

    def unsubscribe(self) -> None:
        self.ua._unsubscribe(self)


# --------------------------------------------------------------------------
# PresenceUA
# --------------------------------------------------------------------------

def _server_tuple(server: Any, transport: str) -> tuple[str, int]:
    if isinstance(server, tuple):
        return str(server[0]), int(server[1])
    if isinstance(server, str):
        host, _, port = server.rpartition(":")
        return host, int(port)
    # a KamailioServer-like object
    host = getattr(server, "host")
    port = getattr(server, "tcp_port" if transport == "tcp" else "udp_port")
    return host, int(port)


class PresenceUA:
    """SIP presence client for ONE account: PUBLISH and SUBSCRIBE/NOTIFY.

    ``on_notify(subscription, notify)`` and
    ``on_subscription_state(subscription, state, reason)`` (state
    "active" | "terminated" | "failed") run on internal threads (see the
    module docstring): never block in them.
    """

    def __init__(self, server_host: str, server_port: int, user: str, password: str | None,
                 transport: str = "udp", domain: str | None = None,
                 local_host: str = "127.0.0.1", *,
                 request_timeout: float = 8.0,
                 keepalive_interval: float | None = 15.0,
                 keepalive_timeout: float = 2.0,
                 auto_recover: bool = True,
                 recover_interval: float = 5.0,
                 silence_timeout: float | None = None,
                 list_heal_after: float | None = 8.0,
                 display_name: str | None = None):
        self.server = (server_host, int(server_port))
        self.user = user
        self.password = password
        self.domain = domain or server_host
        self.local_host = local_host
        self.display_name = display_name
        self.aor = f"sip:{user}@{self.domain}"
        self.request_timeout = request_timeout
        self.keepalive_interval = keepalive_interval
        self.keepalive_timeout = keepalive_timeout
        self.auto_recover = auto_recover
        self.recover_interval = recover_interval
        self.silence_timeout = silence_timeout
        # Kamailio's RLS does not retry a back-end SUBSCRIBE that failed
        # (e.g. 500 under load); refreshing the list subscription makes it
        # subscribe again to the members it has no dialog with.  Done this
        # many seconds after (re)subscribing if members are still without
        # state ("pending": no instance yet, or a "terminated" back-end), and
        # again after 2x, 4x ... as long as some are, up to LIST_HEAL_ROUNDS
        # times.  None: never.
        self.list_heal_after = list_heal_after
        self.on_notify: Callable[[Subscription, Notify], None] | None = None
        self.on_subscription_state: Callable[[Subscription, str, str], None] | None = None
        self.digest = DigestAuth(user, password)
        self._lock = threading.RLock()
        self._subs: dict[str, Subscription] = {}   # call-id -> subscription
        self._cseq = itertools.count(1)
        self._pub_call_id = new_call_id(local_host)
        self._pub_tag = new_tag()
        self._etag: str | None = None
        self._pub_body: str | None = None
        self._pub_ctype = "application/pidf+xml"
        self._pub_expires = 120
        self._pub_granted = 0
        self._pub_refresh_interval: float | None = None
        self._pub_next_refresh: float | None = None
        self._pub_dirty = False          # must re-publish fresh (server lost state)
        self._server_ok = True
        self._next_keepalive = time.monotonic() + (keepalive_interval or 0)
        self._closed = False
        self._wake = threading.Event()
        # When the maintenance thread must next look at the subscriptions
        # (monotonic); lowered under _lock by whoever sets an earlier deadline.
        # Scanning 3,000 subscriptions ten times a second cost ~5 % of a core.
        self._next_scan = 0.0
        self._core = _Core(self.server, transport, local_host, self._on_request,
                           self._on_transport_lost, request_timeout)
        self._maint = threading.Thread(target=self._maintenance, name=f"sip-maint-{user}",
                                       daemon=True)
        self._maint.start()

    # ------------------------------------------------------------ basics
    @property
    def transport(self) -> str:
        return self._core.proto

    @property
    def contact(self) -> str:
        return f"<{self._core.contact_uri(self.user)}>"

    @property
    def etag(self) -> str | None:
        return self._etag

    @property
    def subscriptions(self) -> list[Subscription]:
        with self._lock:
            return list(self._subs.values())

    def _from(self, tag: str) -> str:
        name = f'"{self.display_name}" ' if self.display_name else ""
        return f"{name}<{self.aor}>;tag={tag}"

    def __enter__(self) -> "PresenceUA":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ----------------------------------------------------------- publish
    def publish(self, body: str | None, expires: int = 120,
                content_type: str = "application/pidf+xml") -> PublishResult:
        """PUBLISH a document (or refresh the current one when ``body`` is
        None).  Answers digest challenges; modifies the existing publication
        with SIP-If-Match; on 412 Conditional Request Failed (the server
        lost it, e.g. restarted) it publishes afresh.  Raises
        :class:`PublishError` on a final error (403 wrong password, 408 no
        answer ...)."""
        with self._lock:
            if body is not None:
                self._pub_body = body
                self._pub_ctype = content_type
            self._pub_expires = expires
        return self._do_publish(body, expires, content_type)

    def refresh_publication(self) -> PublishResult:
        """Refresh (RFC 3903 4.2: no body, SIP-If-Match) the publication."""
        if self._etag is None:
            if self._pub_body is None:
                raise PublishError(412, "nothing published")
            return self._do_publish(self._pub_body, self._pub_expires, self._pub_ctype)
        return self._do_publish(None, self._pub_expires, self._pub_ctype)

    def unpublish(self) -> PublishResult | None:
        """Remove the publication (Expires: 0).  None if nothing published."""
        with self._lock:
            etag = self._etag
            self._pub_refresh_interval = None
            self._pub_next_refresh = None
            self._pub_body = None
        if etag is None:
            return None
        try:
            return self._do_publish(None, 0, self._pub_ctype, allow_412_retry=False)
        except PublishError as exc:
            if exc.code == 412:
                return PublishResult(412, exc.reason, None, 0)
            raise
        finally:
            with self._lock:
                self._etag = None

    def start_refresh(self, interval: float | None = None) -> None:
        """Refresh the publication automatically every ``interval`` seconds
        (default: 80 % of the expiry the server granted)."""
        with self._lock:
            self._pub_refresh_interval = interval if interval else -1.0
            self._schedule_pub_refresh()
        self._wake.set()

    def stop_refresh(self) -> None:
        with self._lock:
            self._pub_refresh_interval = None
            self._pub_next_refresh = None

    def _schedule_pub_refresh(self) -> None:
        iv = self._pub_refresh_interval
        if iv is None:
            self._pub_next_refresh = None
            return
        if iv <= 0:
            granted = self._pub_granted or self._pub_expires
            iv = max(1.0, granted * 0.8 if granted > 10 else granted - 2)
        self._pub_next_refresh = time.monotonic() + iv

    def _do_publish(self, body: str | None, expires: int, content_type: str,
                    allow_412_retry: bool = True) -> PublishResult:
        recovered = False
        for _round in range(2):
            with self._lock:
                etag = self._etag
            send_body = body
            if etag is None and send_body is None:
                send_body = self._pub_body
                if send_body is None:
                    raise PublishError(412, "no publication to refresh")
            fresh = etag is None

            def make(send_body=send_body, etag=etag):
                hdrs = [
                    ("From", self._from(self._pub_tag)),
                    ("To", f"<{self.aor}>"),
                    ("Call-ID", self._pub_call_id),
                    ("CSeq", f"{next(self._cseq)} PUBLISH"),
                    ("Event", "presence"),
                    ("Expires", str(expires)),
                    ("User-Agent", USER_AGENT),
                ]
                if etag is not None:
                    hdrs.append(("SIP-If-Match", etag))
                if send_body is not None:
                    hdrs.append(("Content-Type", content_type))
                return "PUBLISH", self.aor, hdrs, (send_body or "")

            resp = _blocking(self._core, self.digest, make)
            if resp is None:
                raise PublishError(408, "Request Timeout (no answer from server)")
            if resp.status == 412 and etag is not None and allow_412_retry:
                with self._lock:
                    self._etag = None
                recovered = True
                if body is None and expires == 0:
                    break
                continue
            if 200 <= resp.status < 300:
                granted = _int(resp.header("expires"), expires)
                with self._lock:
                    self._etag = resp.header("sip-etag") or self._etag
                    self._pub_granted = granted
                    self._pub_dirty = False
                    if expires == 0:
                        self._etag = None
                    else:
                        self._schedule_pub_refresh()
                return PublishResult(resp.status, resp.reason, self._etag, granted, fresh,
                                     recovered)
            if resp.status == 412:
                with self._lock:
                    self._etag = None
            raise PublishError(resp.status, resp.reason, resp)
        raise PublishError(412, "Conditional Request Failed")

    # --------------------------------------------------------- subscribe
    def subscribe(self, target_uri: str, event: str = "presence", expires: int = 600,
                  eventlist: bool = False, accept: str | None = None, *,
                  on_notify: Callable[[Subscription, Notify], None] | None = None,
                  on_state: Callable[[Subscription, str, str], None] | None = None,
                  ) -> Subscription:
        """SUBSCRIBE to ``target_uri`` (a presentity, or with
        ``eventlist=True`` a resource list URI: ``Supported: eventlist``).

        Returns once the server accepted (2xx); NOTIFYs then arrive via
        ``on_notify`` (per subscription, else the UA's ``on_notify``).
        Raises :class:`SubscribeError` when refused or unanswered."""
        if accept is None:
            accept = EVENTLIST_ACCEPT if eventlist else DEFAULT_ACCEPT
        sub = Subscription(self, target_uri, event, expires, eventlist, accept, on_notify,
                           on_state)
        with self._lock:
            self._subs[sub.call_id] = sub
        try:
            self._initial_subscribe(sub)
        except SubscribeError:
            with self._lock:
                self._subs.pop(sub.call_id, None)
            raise
        return sub

    def _subscribe_headers(self, sub: Subscription, expires: int) -> list[tuple[str, str]]:
        to = f"<{sub.target_uri}>"
        if sub.remote_tag:
            to += f";tag={sub.remote_tag}"
        sub.cseq += 1
        hdrs = [
            ("From", self._from(sub.local_tag)),
            ("To", to),
            ("Call-ID", sub.call_id),
            ("CSeq", f"{sub.cseq} SUBSCRIBE"),
            ("Contact", self.contact),
            ("Event", sub.event),
            ("Expires", str(expires)),
            ("Accept", sub.accept),
            ("Allow", "NOTIFY, OPTIONS"),
            ("Allow-Events", "presence"),
            ("User-Agent", USER_AGENT),
        ]
        if sub.eventlist:
            hdrs.append(("Supported", "eventlist"))
        for r in sub.route_set:
            hdrs.append(("Route", r))
        return hdrs

    def _initial_subscribe(self, sub: Subscription) -> None:
        def make():
            return "SUBSCRIBE", sub.target_uri, self._subscribe_headers(
                sub, sub.requested_expires), b""

        resp = _blocking(self._core, self.digest, make)
        if resp is None:
            raise SubscribeError(408, "Request Timeout (no answer from server)")
        if not 200 <= resp.status < 300:
            raise SubscribeError(resp.status, resp.reason, resp)
        self._accept_2xx(sub, resp)
        if sub.eventlist and self.list_heal_after:
            with self._lock:
                sub.heals = 0
                sub._heal_at = time.monotonic() + self.list_heal_after
                self._scan_by(sub._heal_at)
        changed = False
        with self._lock:
            if sub.state in ("init", "failed", "terminated"):
                sub.state = "active" if resp.status == 200 or sub.notify_count else "pending"
                changed = True
        if changed and sub.state == "active":
            self._fire_state(sub, "active", "subscribed")
        sub._wake()

    def _accept_2xx(self, sub: Subscription, resp: SipMessage) -> None:
        with self._lock:
            if resp.to_tag and not sub.remote_tag:
                sub.remote_tag = resp.to_tag
            contact = resp.header("contact")
            if contact:
                sub.remote_target = parse_name_addr(contact)[1]
            rr = resp.headers_all("record-route")
            if rr:
                sub.route_set = list(reversed(rr))
            granted = _int(resp.header("expires"), sub.requested_expires)
            sub.granted_expires = granted
            sub.expires_at = time.monotonic() + granted
            self._scan_by(sub.expires_at - _MAX_REFRESH_LEAD_S)
            sub.last_activity = time.monotonic()
            sub.require_eventlist = "eventlist" in (resp.header("require") or "").lower()
            sub._recover_at = None

    def _refresh_subscription(self, sub: Subscription, expires: int | None = None) -> bool:
        if sub.state in ("closed",):
            return False
        exp = sub.requested_expires if expires is None else expires

        def make():
            with self._lock:
                hdrs = self._subscribe_headers(sub, exp)
            return "SUBSCRIBE", sub.remote_target or sub.target_uri, hdrs, b""

        try:
            resp = _blocking(self._core, self.digest, make)
        except OSError as exc:
            self._fail(sub, "failed", f"transport error: {exc}")
            return False
        if resp is not None and 200 <= resp.status < 300:
            self._accept_2xx(sub, resp)
            return True
        if resp is None:
            self._fail(sub, "failed", "refresh timeout (no answer from server)")
        elif resp.status in (481, 489, 403, 404):
            self._fail(sub, "terminated", f"refresh rejected: {resp.status} {resp.reason}")
        else:
            self._fail(sub, "failed", f"refresh failed: {resp.status} {resp.reason}")
        return False

    def _unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            was_live = sub.state in ("active", "pending")
            sub._closing = True
            sub._recover_at = None
        if was_live:
            try:
                def make():
                    with self._lock:
                        hdrs = self._subscribe_headers(sub, 0)
                    return "SUBSCRIBE", sub.remote_target or sub.target_uri, hdrs, b""
                _blocking(self._core, self.digest, make, timeout=min(self.request_timeout, 2.0))
            except OSError:
                pass
        with self._lock:
            sub.state = "closed"
            self._subs.pop(sub.call_id, None)
        sub._wake()

    def _fail(self, sub: Subscription, state: str, reason: str) -> None:
        with self._lock:
            if sub.state in ("closed",) or sub._closing:
                return
            if sub.state == state and sub.reason == reason:
                return
            sub.state = state
            sub.reason = reason
            if self.auto_recover:
                sub._recover_at = time.monotonic() + (0.0 if state == "terminated"
                                                      else self.recover_interval)
                self._scan_by(sub._recover_at)
        sub._wake()
        self._fire_state(sub, state, reason)

    def _fire_state(self, sub: Subscription, state: str, reason: str) -> None:
        cb = sub.on_state or self.on_subscription_state
        if cb is None:
            return
        try:
            cb(sub, state, reason)
        except Exception:
            log.exception("on_subscription_state callback failed")

    # ------------------------------------------------------------ NOTIFY
    def _on_request(self, msg: SipMessage) -> None:
        if msg.method == "NOTIFY":
            self._handle_notify(msg)
        elif msg.method == "OPTIONS":
            self._core.reply(msg, 200, "OK", [("Allow", "NOTIFY, OPTIONS"),
                                               ("Accept", EVENTLIST_ACCEPT)], to_tag=new_tag())
        elif msg.method in ("BYE", "INVITE", "MESSAGE", "REFER", "INFO", "UPDATE", "PRACK"):
            self._core.reply(msg, 405, "Method Not Allowed", [("Allow", "NOTIFY, OPTIONS")],
                             to_tag=new_tag())
        else:
            self._core.reply(msg, 501, "Not Implemented", to_tag=new_tag())

    def _handle_notify(self, msg: SipMessage) -> None:
        received = time.time()
        with self._lock:
            sub = self._subs.get(msg.call_id)
            if sub is not None and msg.to_tag != sub.local_tag:
                sub = None
        if sub is None:
            self._core.reply(msg, 481, "Subscription Does Not Exist")
            return
        self._core.reply(msg, 200, "OK")
        state, params = parse_subscription_state(msg.header("subscription-state"))
        expires = _int(params.get("expires"), None) if "expires" in params else None
        reason = params.get("reason")
        ctype = msg.content_type
        notify = Notify(subscription_state=state, expires=expires, reason=reason,
                        content_type=ctype, body=msg.body, received=received, message=msg)
        main = ctype.split(";", 1)[0].strip().lower()
        if msg.body:
            if main.startswith("multipart/") or main == "application/rlmi+xml":
                try:
                    rl = parse_rls_body(msg.body, ctype)
                except (SipParseError, ValueError) as exc:
                    log.warning("bad RLS NOTIFY body: %s", exc)
                    rl = None
                if rl is not None:
                    notify.resources = rl.resources
                    notify.full_state = rl.full_state
                    notify.version = rl.version
                    notify.list_uri = rl.uri
            else:
                notify.pidf = msg.text()
        fire_active = False
        with self._lock:
            if sub.remote_tag is None and msg.from_tag:
                sub.remote_tag = msg.from_tag
            contact = msg.header("contact")
            if contact:
                sub.remote_target = parse_name_addr(contact)[1]
            sub.notify_count += 1
            sub.last_notify = notify
            sub.last_activity = time.monotonic()
            if expires is not None and state != "terminated":
                sub.expires_at = time.monotonic() + expires
                self._scan_by(sub.expires_at - _MAX_REFRESH_LEAD_S)
            if notify.resources is not None:
                if notify.full_state:
                    sub.resources = {}
                for r in notify.resources:
                    sub.resources[r.uri] = r
                sub.version = notify.version
            if state in ("active", "pending") and sub.state in ("init", "pending", "failed"):
                if state == "active" and sub.state != "active":
                    fire_active = sub.state != "init"
                sub.state = state
        cb = sub.on_notify or self.on_notify
        if cb is not None:
            try:
                cb(sub, notify)
            except Exception:
                log.exception("on_notify callback failed")
        if fire_active:
            self._fire_state(sub, "active", "notified")
        if state == "terminated" and not sub._closing:
            self._fail(sub, "terminated", reason or "terminated by server")
        sub._wake()

    # ---------------------------------------------------------- liveness
    def _on_transport_lost(self, reason: str) -> None:
        if self._closed:
            return
        with self._lock:
            self._server_ok = False
            if self._etag is not None or self._pub_body is not None:
                self._pub_dirty = True
            subs = list(self._subs.values())
        for sub in subs:
            if sub.state in ("active", "pending", "init"):
                self._fail(sub, "failed", f"connection lost: {reason}")
        self._wake.set()

    def send_message(self, target_uri: str, body: str, content_type: str = "text/plain",
                     timeout: float | None = None) -> tuple[int, str]:
        """An out-of-dialog MESSAGE (digest challenges answered), e.g. a
        supervisor's lending command to the queue server. Blocks until the
        final answer: (status, reason); (408, "No answer") when none came."""
        call_id, tag, cseq = new_call_id(self.local_host), new_tag(), [0]

        def make():
            cseq[0] += 1
            return "MESSAGE", target_uri, [
                ("From", self._from(tag)), ("To", f"<{target_uri}>"), ("Call-ID", call_id),
                ("CSeq", f"{cseq[0]} MESSAGE"), ("Content-Type", content_type),
                ("User-Agent", USER_AGENT)], body
        resp = _blocking(self._core, self.digest, make, timeout)
        if resp is None:
            return 408, "No answer"
        return resp.status, resp.reason

    def ping(self, timeout: float | None = None) -> bool:
        """OPTIONS to the server; True when any response arrives."""
        hdrs = [
            ("From", f"<{self.aor}>;tag={new_tag()}"),
            ("To", f"<sip:{self.server[0]}:{self.server[1]}>"),
            ("Call-ID", new_call_id(self.local_host)),
            ("CSeq", "1 OPTIONS"),
            ("User-Agent", USER_AGENT),
        ]
        try:
            tx = self._core.request("OPTIONS", f"sip:{self.server[0]}:{self.server[1]}", hdrs,
                                    timeout=timeout or self.keepalive_timeout)
        except OSError:
            return False
        return tx.wait((timeout or self.keepalive_timeout) + 1.0) is not None

    def _maintenance(self) -> None:
        while not self._closed:
            self._wake.wait(0.1)
            self._wake.clear()
            if self._closed:
                return
            try:
                self._maintenance_step()
            except Exception:
                log.exception("maintenance step failed")

    def _maintenance_step(self) -> None:
        now = time.monotonic()
        # keep-alive / server liveness
        if self.keepalive_interval and now >= self._next_keepalive:
            self._next_keepalive = now + self.keepalive_interval
            ok = self.ping()
            if self._closed:
                return
            if not ok:
                with self._lock:
                    was_ok = self._server_ok
                    self._server_ok = False
                    if self._etag is not None or self._pub_body is not None:
                        self._pub_dirty = True
                    subs = list(self._subs.values())
                if was_ok:
                    log.info("server %s does not answer", self.server)
                for sub in subs:
                    if sub.state in ("active", "pending"):
                        self._fail(sub, "failed", "server does not answer")
            else:
                with self._lock:
                    self._server_ok = True
        now = time.monotonic()
        with self._lock:
            scan = now >= self._next_scan
            if scan:   # at least once a second; earlier when a deadline says so
                self._next_scan = now + _MAX_SCAN_GAP_S
            subs = list(self._subs.values()) if scan else []
            server_ok = self._server_ok
        for sub in subs:
            if sub._closing or sub.state == "closed":
                continue
            if sub.state in ("active", "pending"):
                if sub.expires_at and now >= sub.expires_at:
                    self._fail(sub, "terminated", "expired (no refresh)")
                    continue
                if self.silence_timeout and now - sub.last_activity > self.silence_timeout:
                    self._fail(sub, "failed", "silence (no NOTIFY or refresh)")
                    continue
                lead = min(max(sub.granted_expires * 0.2, 2.0), _MAX_REFRESH_LEAD_S)
                with self._lock:
                    if sub.expires_at:
                        self._scan_by(sub.expires_at - lead)
                    if self.silence_timeout:
                        self._scan_by(sub.last_activity + self.silence_timeout)
                    if sub._heal_at is not None:
                        self._scan_by(sub._heal_at)
                if sub.expires_at and now >= sub.expires_at - lead:
                    sub.refresh()
                elif sub._heal_at is not None and now >= sub._heal_at:
                    sub._heal_at = None
                    with self._lock:
                        pending = sum(1 for r in sub.resources.values() if r.pidf is None
                                      and r.state in ("pending", "terminated"))
                    if pending:
                        sub.heals += 1
                        log.info("%d members of %s without state: refreshing the list "
                                 "(%d of %d)", pending, sub.target_uri, sub.heals,
                                 LIST_HEAL_ROUNDS)
                        sub.refresh()
                        if sub.heals < LIST_HEAL_ROUNDS and self.list_heal_after:
                            with self._lock:
                                sub._heal_at = now + self.list_heal_after * 2 ** sub.heals
                                self._scan_by(sub._heal_at)
            elif sub.state in ("failed", "terminated") and sub._recover_at is not None:
                if now >= sub._recover_at:
                    self._recover(sub, server_ok)
                else:
                    with self._lock:
                        self._scan_by(sub._recover_at)
        # publication
        pub_due = False
        with self._lock:
            if self._pub_dirty and self._pub_body is not None and server_ok:
                pub_due = True
            elif self._pub_next_refresh is not None and now >= self._pub_next_refresh:
                pub_due = True
        if pub_due:
            try:
                self.refresh_publication()
            except (PublishError, OSError) as exc:
                log.info("publication refresh failed: %s", exc)
                with self._lock:
                    self._pub_dirty = True
                    if self._pub_refresh_interval is not None:
                        self._pub_next_refresh = time.monotonic() + self.recover_interval

    def _scan_by(self, when: float) -> None:
        """Have the maintenance thread look at the subscriptions by ``when``
        (call with ``_lock`` held)."""
        if when < self._next_scan:
            self._next_scan = when

    def _recover(self, sub: Subscription, server_ok: bool) -> None:
        with self._lock:
            sub._recover_at = time.monotonic() + self.recover_interval
            self._scan_by(sub._recover_at)
        try:
            self._core.transport.ensure_connected()
        except OSError:
            return
        with self._lock:
            self._subs.pop(sub.call_id, None)
            sub._new_dialog()
            self._subs[sub.call_id] = sub
        try:
            self._initial_subscribe(sub)
        except (SubscribeError, OSError) as exc:
            log.info("re-subscribe to %s failed: %s", sub.target_uri, exc)
            return
        with self._lock:
            self._server_ok = True
        self._fire_state(sub, "active", "recovered")

    # ------------------------------------------------------------- close
    def close(self, unpublish: bool = False, timeout: float = 2.0) -> None:
        """Unsubscribe everything (Expires: 0), optionally unpublish, stop
        the threads and close the socket.  Idempotent."""
        if self._closed:
            return
        for sub in self.subscriptions:
            try:
                self._unsubscribe(sub)
            except Exception:
                pass
        if unpublish:
            try:
                self.unpublish()
            except (PublishError, OSError):
                pass
        self._closed = True
        self._wake.set()
        self._core.close()
        if self._maint is not threading.current_thread():
            self._maint.join(timeout)


def _int(value: Any, default: Any) -> Any:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


# --------------------------------------------------------------------------
# PublisherPool: many accounts, one socket (load tests)
# --------------------------------------------------------------------------

class PendingPublish:
    """Future of :meth:`PublisherPool.publish_async`."""

    __slots__ = ("user", "body", "expires", "content_type", "sent_at", "result", "error",
                 "_event", "_callback", "_recovered", "done_at")

    def __init__(self, user: str, body: str | None, expires: int, content_type: str,
                 callback: Callable[["PendingPublish"], None] | None):
        self.user = user
        self.body = body
        self.expires = expires
        self.content_type = content_type
        self.sent_at = 0.0       # time.time() when (first) put on the wire
        self.done_at = 0.0
        self.result: PublishResult | None = None
        self.error: PublishError | None = None
        self._event = threading.Event()
        self._callback = callback
        self._recovered = False

    @property
    def done(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> PublishResult:
        """The result; raises :class:`PublishError` (or TimeoutError)."""
        if not self._event.wait(timeout):
            raise TimeoutError(f"PUBLISH of {self.user} not finished")
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


class _Account:
    __slots__ = ("user", "password", "digest", "etag", "call_id", "tag", "cseq", "busy",
                 "queue", "aor", "last_body", "last_ctype")

    def __init__(self, user: str, password: str, domain: str, host: str):
        self.user = user
        self.password = password
        self.digest = DigestAuth(user, password)
        self.etag: str | None = None
        self.call_id = new_call_id(host)
        self.tag = new_tag()
        self.cseq = 0
        self.busy = False
        self.queue: deque[PendingPublish] = deque()
        self.aor = f"sip:{user}@{domain}"
        self.last_body: str | None = None
        self.last_ctype = "application/pidf+xml"


class PublisherPool:
    """Publish presence for many accounts over ONE socket (load tests).

    ``server``: ``(host, port)``, ``"host:port"`` or a ``KamailioServer``.
    Each account keeps its own ETag and digest state; the first nonce learnt
    by any account seeds the others, so only the first PUBLISH of the whole
    pool is challenged.  Publications of one account are sent one after the
    other (each uses the ETag of the previous); different accounts are
    pipelined, at most ``max_in_flight`` at a time (``publish_async`` blocks
    the caller while the window is full).  Completion callbacks run on the
    reader thread.
    """

    def __init__(self, server: Any, users: Iterable[tuple[str, str]], transport: str = "udp",
                 domain: str | None = None, local_host: str = "127.0.0.1", *,
                 request_timeout: float = 8.0, max_in_flight: int = 256):
        self.server = _server_tuple(server, transport.lower())
        self.domain = domain or self.server[0]
        self.local_host = local_host
        self._accounts: dict[str, _Account] = {}
        for user, password in users:
            self._accounts[user] = _Account(user, password, self.domain, local_host)
        self._lock = threading.Lock()
        self._window = threading.BoundedSemaphore(max_in_flight)
        self._seed = None  # a Challenge learnt by any account
        self.sent = 0        # PUBLISH requests put on the wire (challenged ones count twice)
        self._core = _Core(self.server, transport, local_host, self._on_request, None,
                           request_timeout)

    @property
    def users(self) -> list[str]:
        return list(self._accounts)

    def etag(self, user: str) -> str | None:
        return self._accounts[user].etag

    def _on_request(self, msg: SipMessage) -> None:
        if msg.method == "OPTIONS":
            self._core.reply(msg, 200, "OK", to_tag=new_tag())
        else:
            self._core.reply(msg, 481, "Call/Transaction Does Not Exist", to_tag=new_tag())

    # ----------------------------------------------------------- publish
    def publish_async(self, user: str, body: str | None, expires: int = 120,
                      content_type: str = "application/pidf+xml",
                      callback: Callable[[PendingPublish], None] | None = None
                      ) -> PendingPublish:
        acc = self._accounts[user]
        p = PendingPublish(user, body, expires, content_type, callback)
        self._window.acquire()
        with self._lock:
            if acc.busy:
                acc.queue.append(p)
                return p
            acc.busy = True
        self._start(acc, p)
        return p

    def publish(self, user: str, body: str | None, expires: int = 120,
                content_type: str = "application/pidf+xml", timeout: float = 30.0
                ) -> PublishResult:
        return self.publish_async(user, body, expires, content_type).wait(timeout)

    def publish_many(self, items: Iterable[tuple[str, str | None]], expires: int = 120,
                     content_type: str = "application/pidf+xml", timeout: float = 60.0
                     ) -> list[PublishResult | PublishError]:
        """Publish ``(user, body)`` pairs as fast as the window allows;
        returns each result or error in order."""
        pend = [self.publish_async(u, b, expires, content_type) for u, b in items]
        deadline = time.monotonic() + timeout
        out: list[PublishResult | PublishError] = []
        for p in pend:
            left = max(0.0, deadline - time.monotonic())
            try:
                out.append(p.wait(left))
            except PublishError as exc:
                out.append(exc)
            except TimeoutError:
                out.append(PublishError(408, "Request Timeout"))
        return out

    def unpublish(self, user: str, timeout: float = 10.0) -> PublishResult | None:
        acc = self._accounts[user]
        if acc.etag is None:
            return None
        try:
            return self.publish_async(user, None, 0).wait(timeout)
        except PublishError as exc:
            if exc.code == 412:
                return None
            raise

    def unpublish_all(self, timeout: float = 30.0) -> None:
        pend = [self.publish_async(u, None, 0) for u, a in self._accounts.items() if a.etag]
        for p in pend:
            try:
                p.wait(timeout)
            except (PublishError, TimeoutError):
                pass

    def _start(self, acc: _Account, p: PendingPublish) -> None:
        if acc.digest.current_nonce() is None and self._seed is not None:
            acc.digest.seed(self._seed)
        etag = acc.etag
        body = p.body
        if p.expires == 0 and etag is None:
            self._finish(acc, p, None, PublishError(412, "nothing published"))
            return
        if etag is None and body is None:
            body = acc.last_body
            if body is None:
                self._finish(acc, p, None, PublishError(412, "no publication to refresh"))
                return
        if body is not None and p.expires:
            acc.last_body = body
            acc.last_ctype = p.content_type
        fresh = etag is None

        def make():
            acc.cseq += 1
            hdrs = [
                ("From", f"<{acc.aor}>;tag={acc.tag}"),
                ("To", f"<{acc.aor}>"),
                ("Call-ID", acc.call_id),
                ("CSeq", f"{acc.cseq} PUBLISH"),
                ("Event", "presence"),
                ("Expires", str(p.expires)),
            ]
            if etag is not None:
                hdrs.append(("SIP-If-Match", etag))
            if body is not None:
                hdrs.append(("Content-Type", p.content_type))
            self.sent += 1
            return "PUBLISH", acc.aor, hdrs, (body or "")

        def final(resp: SipMessage | None) -> None:
            if resp is None:
                self._finish(acc, p, None, PublishError(408, "Request Timeout"))
                return
            if resp.status == 412 and etag is not None and not p._recovered:
                acc.etag = None
                p._recovered = True
                if p.expires == 0:
                    self._finish(acc, p, PublishResult(412, resp.reason, None, 0), None)
                    return
                try:
                    self._start(acc, p)
                except OSError as exc:
                    self._finish(acc, p, None, PublishError(503, f"transport: {exc}"))
                return
            if 200 <= resp.status < 300:
                acc.etag = None if p.expires == 0 else (resp.header("sip-etag") or acc.etag)
                if self._seed is None:
                    ch = acc.digest._realms.get(acc.digest._last_realm or "")
                    if ch is not None:
                        self._seed = ch.challenge
                self._finish(acc, p, PublishResult(resp.status, resp.reason, acc.etag,
                                                   _int(resp.header("expires"), p.expires),
                                                   fresh, p._recovered), None)
                return
            if resp.status == 412:
                acc.etag = None
            self._finish(acc, p, None, PublishError(resp.status, resp.reason, resp))

        if not p.sent_at:
            p.sent_at = time.time()
        try:
            _send_authenticated(self._core, acc.digest, make, final)
        except OSError as exc:
            self._finish(acc, p, None, PublishError(503, f"transport: {exc}"))

    def _finish(self, acc: _Account, p: PendingPublish, result: PublishResult | None,
                error: PublishError | None) -> None:
        p.result = result
        p.error = error
        p.done_at = time.time()
        p._event.set()
        self._window.release()
        if p._callback is not None:
            try:
                p._callback(p)
            except Exception:
                log.exception("publish callback failed")
        with self._lock:
            nxt = acc.queue.popleft() if acc.queue else None
            if nxt is None:
                acc.busy = False
        if nxt is not None:
            self._start(acc, nxt)

    def close(self, unpublish: bool = False) -> None:
        if unpublish:
            self.unpublish_all()
        self._core.close()

    def __enter__(self) -> "PublisherPool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

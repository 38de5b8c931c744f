"""The wallboard's presence watcher as a child process.

Why a process: the wallboard's SIP work (reading NOTIFYs, answering each with
200 OK, parsing PIDF: about 110 us a document) ran on a reader thread inside
the GUI process, and while that thread ran Python every call the seat grid's
paint made into Python waited for the GIL, which stretched frames. Here a
child process owns the :class:`~sip.simple.ua.PresenceUA`, subscribes (one
subscription per seat, or one resource list), parses each document and sends
compact batches of plain tuples to the GUI process, which reads them on its
GUI thread (a socket notifier): no second Python thread in the GUI process.

Wire (loopback TCP, the child connects back to a port the parent listens on):
frames of a 4-byte big-endian length and a ``marshal``-ed list of tuples.
The first frame from the child is ``("hello", token, pid)``; the parent then
sends one frame ``[("config", {...})]`` with the URIs to watch. Credentials
and the token travel on the child's stdin (one JSON line), never in argv or
in the environment. The child leaves when its stdin ends or says ``quit``,
when the parent's socket closes, or when its parent process is gone.

Items, each ``(kind, uri, received, ...)`` (``received``: epoch s when the
child read the NOTIFY):

- ``("s", uri, received, seat, state, reason, since, court, queues, calls_today, name)``
  a seat's state (our extension, or basic/RPID of another SIP client);
- ``("q", uri, received, *QueuePresence fields)`` a queue's figures;
- ``("m", uri, received, error)`` a document that could not be parsed;
- ``("u", uri, received, state)`` a subscription ended ("terminated",
  "failed") or its publication went away ("no-document");
- ``("l", uri, received, reason)`` the list subscription is lost (all stale);
- ``("i", "", received, {"subscribed": n, "failed": [...]})`` start-up done.

This module is Qt-free (the parent side, :class:`WatcherProcess`, is driven
by whatever event loop reads its sockets). Start a child with
``python -m sip.simple.watcher`` (from source) or, in the frozen app,
``<app> --presence-watcher`` (ui/main.py hands that over to :func:`main`).
"""
from __future__ import annotations

import hmac
import json
import logging
import marshal
import math
import os
import re
import secrets
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

from app.domain.calls import number_of
from app.domain.presence_doc import (MAX_BODY_BYTES, PresenceFormatError, QueuePresence, SeatPresence,
                                     fallback_state, parse_pidf)
from app.domain.seat_state import SeatState

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
FLUSH_S = 0.005          # a batch leaves at most this long after its first item
MAX_FRAME = 64 << 20     # a longer length prefix is a broken stream
_LEN = struct.Struct(">I")
_QUEUE_FIELDS = tuple(f.name for f in fields(QueuePresence))


@dataclass
class WatcherConfig:
    """What the child needs: the server, the account, what to watch."""
    host: str
    port: int
    user: str
    password: str | None
    domain: str
    transport: str = "tcp"
    uris: list[str] = field(default_factory=list)   # direct: one subscription each
    list_uri: str | None = None                      # else one resource-list subscription
    expires: int = 600


def command() -> list[str]:
    """The argv that starts a watcher: this module from source, or the frozen
    app itself with ``--presence-watcher`` (its sys.executable is the app)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--presence-watcher"]
    return [sys.executable, "-m", "sip.simple.watcher"]


def frame(items: list) -> bytes:
    data = marshal.dumps(items)
    return _LEN.pack(len(data)) + data


class FrameReader:
    """Splits a byte stream into frames (lists of tuples)."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list:
        self._buf += data
        out = []
        while len(self._buf) >= 4:
            (n,) = _LEN.unpack_from(self._buf)
            if n > MAX_FRAME:
                raise ValueError(f"frame of {n} bytes")
            if len(self._buf) < 4 + n:
                break
            out.append(marshal.loads(bytes(self._buf[4:4 + n])))
            del self._buf[:4 + n]
        return out


# ------------------------------------------------- our own seat documents, fast
# parse_pidf (ElementTree) costs about 70 us a document: at 1,000 changes a
# second, 7 % of a core before any load. Nearly every document a wallboard
# reads is one our seats wrote (app.domain.presence_doc.seat_pidf), which
# Kamailio forwards re-serialized by libxml2 (same layout, an empty element
# written <x/>). This reads exactly that layout with one regular expression
# (about 5 us); any other document, or one that differs in a single
# character, goes to parse_pidf. Only the whitespace between elements may
# differ (none, other indentation, CRLF: sipp, for one, sends every line
# trimmed), as parse_pidf never reads it. Text may hold only what
# seat_pidf's escaping writes (no "<", no raw "&", no character XML
# forbids), so a match is well-formed XML.
# tests/test_wallboard_watcher.py checks it against parse_pidf.
_TEXT = "(?:[^<>&\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|&(?:amp|lt|gt|#13);)*"
_ATTR = "(?:[^<>&\"\t\n\r\x00-\x1f\ud800-\udfff\ufffe\uffff]|&(?:amp|lt|gt|quot|#13|#10|#9);)*"
_STAMP = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"
_WS = "[ \t\r\n]*"   # XML's whitespace, between elements only


def _el(tag: str, content: str) -> str:
    """<tag>content</tag>, or <tag/> (Kamailio re-serializes a stored body
    with libxml2, which writes an empty element that way)."""
    return f"(?:<{tag}>{content}</{tag}>|<{tag}/>)"


_QREF_EL = _el("hl:queue-ref", _TEXT)
_OWN_SEAT = re.compile(_WS.join([
    '<\\?xml version="1\\.0" encoding="UTF-8"\\?>',
    ('<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" '
     'xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" xmlns:hl="urn:x-12368:params:xml:ns:hotline" '
     f'entity="{_ATTR}">'),
    '<tuple id="seat">', '<status>', '<basic>(?:open|closed)</basic>', '</status>',
    _el("contact", _TEXT), _el("note", _TEXT), f'<timestamp>{_STAMP}</timestamp>', '</tuple>',
    '<dm:person id="agent">',
    f'(?:<rpid:activities>{_WS}<rpid:[a-z-]+/>{_WS}</rpid:activities>{_WS})?{_el("dm:note", _TEXT)}',
    '</dm:person>',
    f'<hl:seat id="(?P<seat>{_ATTR})">',
    '<hl:state>(?P<state>[a-z_]+)</hl:state>',
    _el("hl:reason", f"(?P<reason>{_TEXT})"),
    f'<hl:since epoch="(?P<since>[0-9.e+-]+)">{_STAMP}</hl:since>',
    _el("hl:court", f"(?P<court>{_TEXT})"),
    _el("hl:queues", f"(?P<queues>(?:{_WS}{_QREF_EL})*{_WS})"),
    '<hl:calls-today>(?P<calls>[0-9]{1,12})</hl:calls-today>',
    _el("hl:name", f"(?P<name>{_TEXT})"),
    '</hl:seat>', '</presence>', '\\Z']))
_QREF = re.compile(f"<hl:queue-ref>({_TEXT})</hl:queue-ref>|<hl:queue-ref/>()")
_ENTITY = re.compile("&(amp|lt|gt|quot|#13|#10|#9);")
_ENTITY_CHARS = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "#13": "\r", "#10": "\n", "#9": "\t"}
_STATES = {s.value: s for s in SeatState}


def _unescape(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITY_CHARS[m.group(1)], text) if "&" in text else text


def _own_seat_fields(body) -> tuple | None:
    """(seat, state value, reason, since, court, queues, calls today, name)
    of a document exactly as our seats write it, or None."""
    if not isinstance(body, str) or len(body) > MAX_BODY_BYTES:  # (parse_pidf refuses those)
        return None
    m = _OWN_SEAT.match(body)
    if m is None:
        return None
    # An empty <x/> leaves its group unmatched (None): the text is "".
    seat, state, reason, since, court, queues, calls, name = m.groups("")
    try:
        since = float(since)
    except ValueError:
        return None
    if state not in _STATES or not (0 <= since < math.inf) or not seat:
        return None
    if "&" in body:   # only then can a text hold an escaped character
        seat, reason, court, name = _unescape(seat), _unescape(reason), _unescape(court), _unescape(name)
    return (seat, state, reason, since, court,
            tuple(_unescape(a or b) for a, b in _QREF.findall(queues)) if queues else (),
            int(calls), name)


def own_seat_document(body) -> SeatPresence | None:
    """The seat state in a document exactly as our seats write it, or None
    (then parse_pidf decides: another layout, another client, or malformed)."""
    f = _own_seat_fields(body)
    if f is None:
        return None
    return SeatPresence(f[0], _STATES[f[1]], *f[2:])


# ----------------------------------------------------------- items (both sides)
def item_of_document(uri: str, body, received: float) -> tuple | None:
    """Parse one PIDF body into a wire item (child side); None when it says nothing."""
    f = _own_seat_fields(body)
    if f is not None:
        return ("s", uri, received) + f
    return item_by_parser(uri, body, received)


def item_by_parser(uri: str, body, received: float) -> tuple | None:
    """item_of_document the plain way: parse_pidf alone (any layout, any client)."""
    try:
        parsed = parse_pidf(body)
    except PresenceFormatError as e:
        return ("m", uri, received, str(e))
    if parsed.queue is not None:
        q = parsed.queue
        return ("q", uri, received) + tuple(getattr(q, f) for f in _QUEUE_FIELDS)
    seat = parsed.seat
    if seat is None:  # another SIP client: what basic/RPID say
        st = fallback_state(parsed)
        if st is None:
            return None
        seat = SeatPresence(seat=number_of(parsed.entity or uri), state=st)
    return ("s", uri, received, seat.seat, seat.state.value, seat.reason, seat.since, seat.court,
            tuple(seat.queues), seat.calls_today, seat.name)


def presence_of(item: tuple):
    """The SeatPresence or QueuePresence an "s" or "q" item carries (parent side)."""
    if item[0] == "s":
        _, _, _, seat, state, reason, since, court, queues, calls, name = item
        st = _STATES.get(state) if state.__class__ is str else None
        return SeatPresence(seat, st if st is not None else SeatState(state), reason, since, court,
                            queues if queues.__class__ is tuple else tuple(queues), calls, name)
    return QueuePresence(*item[3:])


# ---------------------------------------------------------------- parent side
class WatcherProcess:
    """The parent's handle on one watcher child. Not thread-safe: one thread
    (the GUI thread) calls everything. Sockets are non-blocking; call
    :meth:`accept` when the listening socket is readable, then :meth:`read`
    when the data socket is."""

    def __init__(self, config: WatcherConfig, argv: list[str] | None = None):
        self.config = config
        self.argv = list(argv or command())
        self.proc: subprocess.Popen | None = None
        self.listener: socket.socket | None = None
        self.conn: socket.socket | None = None
        self.connected = False
        self.child_pid: int | None = None
        self._token = ""
        self._reader = FrameReader()

    def start(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.setblocking(False)
        self._token = secrets.token_hex(16)
        c = self.config
        secret = {"host": c.host, "port": c.port, "user": c.user, "password": c.password,
                  "domain": c.domain, "transport": c.transport,
                  "back": self.listener.getsockname()[1], "token": self._token}
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     cwd=str(ROOT), env=env, close_fds=True)
        # One short line: fits in the pipe whether or not the child is reading yet.
        self.proc.stdin.write(json.dumps(secret).encode() + b"\n")
        self.proc.stdin.flush()

    def listen_fileno(self) -> int:
        return self.listener.fileno()

    def data_fileno(self) -> int:
        return self.conn.fileno()

    def accept(self) -> bool:
        """Take the child's connection once it proves itself (the token);
        then send it what to watch. True once connected."""
        try:
            conn, _ = self.listener.accept()
        except (BlockingIOError, InterruptedError):
            return False
        conn.settimeout(2.0)  # the child sends its hello as it connects
        try:
            reader = FrameReader()
            hello = None
            while hello is None:
                data = conn.recv(4096)
                if not data:
                    raise ConnectionError("closed before hello")
                frames = reader.feed(data)
                if frames:
                    hello = frames[0][0]
            if (len(hello) != 3 or hello[0] != "hello"
                    or not hmac.compare_digest(str(hello[1]), self._token)):
                raise ConnectionError("bad hello")
            c = self.config
            conn.sendall(frame([("config", {"uris": list(c.uris), "list_uri": c.list_uri,
                                            "expires": c.expires})]))
        except (OSError, ValueError, EOFError, TypeError) as e:
            log.warning("presence watcher: refused a connection: %s", e)
            conn.close()
            return False
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn, self.connected, self.child_pid = conn, True, hello[2]
        self._reader = reader
        self.listener.close()
        self.listener = None
        return True

    def read(self) -> tuple[list, bool]:
        """Every item that has arrived, and whether the child is still there."""
        out: list = []
        while True:
            try:
                data = self.conn.recv(1 << 18)
            except (BlockingIOError, InterruptedError):
                return out, True
            except OSError:
                return out, False
            if not data:
                return out, False
            try:
                for batch in self._reader.feed(data):
                    out.extend(batch)
            except (ValueError, EOFError, TypeError) as e:
                log.error("presence watcher: broken stream: %s", e)
                return out, False

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def close(self, wait: float = 3.0) -> int | None:
        """Ask the child to leave (it unsubscribes first); kill it if it has
        not left after `wait` seconds. wait=0: do not wait (it leaves by itself
        within a few seconds). Returns the exit code when known."""
        for s in (self.conn, self.listener):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass
        self.conn = self.listener = None
        self.connected = False
        p = self.proc
        if p is None:
            return None
        try:
            p.stdin.write(b"quit\n")
            p.stdin.close()
        except (OSError, ValueError):
            pass
        if wait <= 0:
            return p.poll()
        try:
            return p.wait(wait)
        except subprocess.TimeoutExpired:
            p.kill()
            return p.wait()


# ----------------------------------------------------------------- child side
class _Batcher:
    """Collects what the UA's threads report and sends it in batches. The
    reader thread parses each document as it comes (after its 200 OK has
    left; our seats' own layout costs about 6 us) and appends a plain
    tuple; a sender thread wakes at the first item of a batch, waits
    FLUSH_S for more and writes them as one frame."""

    def __init__(self, sock: socket.socket, stop: threading.Event, flush_s: float = FLUSH_S):
        self.sock = sock
        self.stop = stop
        self.flush_s = flush_s
        self._cond = threading.Condition()
        self._items: list = []
        self._closed = False
        self.sent = 0
        self._thread = threading.Thread(target=self._run, name="watcher-send", daemon=True)
        self._thread.start()

    def doc(self, uri: str, body, received: float) -> None:
        it = item_of_document(uri, body, received)
        if it is not None:
            self._put(it)

    def item(self, kind: str, uri: str, payload) -> None:
        self._put((kind, uri, time.time(), payload))

    def _put(self, item: tuple) -> None:
        with self._cond:
            self._items.append(item)
            if len(self._items) == 1:
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._items and not self._closed:
                    self._cond.wait()
                if self._closed and not self._items:
                    return
            time.sleep(self.flush_s)
            with self._cond:
                items, self._items = self._items, []
            try:
                self.sock.sendall(frame(items))
                self.sent += len(items)
            except OSError:
                self.stop.set()   # the parent is gone
                return

    def close(self, timeout: float = 1.0) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout)


def _refused_for_good(e: Exception) -> bool:
    """A refusal that asking again will not change (403, 404 ...); a server
    error, a timeout or a lost connection is worth another try."""
    code = getattr(e, "code", None)
    return isinstance(code, int) and 400 <= code < 500 and code not in (408, 480, 486, 491)


def _subscriber(ua, batcher: _Batcher, cfg: dict):
    """What to watch and how: (targets, subscribe_one(target)): True when
    subscribed, False when worth trying again, None when refused for good."""
    list_uri = cfg.get("list_uri")
    if list_uri:
        def on_list_notify(_sub, n):
            if n.resources is not None:
                for res in n.resources:
                    if res.pidf:
                        batcher.doc(res.uri, res.pidf, n.received)
                    elif res.state == "terminated":
                        batcher.item("u", res.uri, "terminated")
            elif n.pidf:
                batcher.doc(list_uri, n.pidf, n.received)

        def on_list_state(_sub, state, reason):
            if state in ("terminated", "failed"):
                batcher.item("l", list_uri, reason or state)

        def subscribe_list(uri: str) -> bool | None:
            try:
                ua.subscribe(uri, eventlist=True, on_notify=on_list_notify, on_state=on_list_state)
                return True
            except Exception as e:  # SubscribeError, OSError: every seat stale meanwhile
                log.warning("cannot watch %s: %s", uri, e)
                batcher.item("l", uri, str(e))
                return None if _refused_for_good(e) else False
        return [list_uri], subscribe_list

    def on_notify(sub, n):
        if n.pidf:
            batcher.doc(sub.target_uri, n.pidf, n.received)
        elif n.subscription_state == "active":
            batcher.item("u", sub.target_uri, "no-document")

    def on_state(sub, state, reason):
        if state in ("terminated", "failed"):
            batcher.item("u", sub.target_uri, state)

    expires = int(cfg.get("expires") or 600)

    def subscribe_one(uri: str) -> bool | None:
        try:
            ua.subscribe(uri, expires=expires, on_notify=on_notify, on_state=on_state)
            return True
        except Exception as e:  # shown as unknown (stale) by the parent
            log.warning("cannot watch %s: %s", uri, e)
            batcher.item("u", uri, "failed")
            return None if _refused_for_good(e) else False
    return list(cfg.get("uris") or []), subscribe_one


def _subscribe(ua, batcher: _Batcher, cfg: dict, stop: threading.Event,
               retry_first_s: float = 2.0, retry_most_s: float = 60.0) -> None:
    """Subscribe to everything, say how it went ("i"), then try the refused
    ones again (a loaded server answers some of 3,000 SUBSCRIBEs with 500)
    after 2, 4, 8 ... 60 s until all are in or we are told to stop."""
    targets, subscribe_one = _subscriber(ua, batcher, cfg)
    failed, again = [], []
    for uri in targets:
        if stop.is_set():
            return
        ok = subscribe_one(uri)
        if not ok:
            failed.append(uri)
            if ok is False:
                again.append(uri)
    batcher.item("i", "", {"subscribed": len(targets) - len(failed), "failed": failed})
    delay = retry_first_s
    while again and not stop.wait(delay):
        again = [u for u in again if not stop.is_set() and subscribe_one(u) is False]
        log.warning("presence watcher: %d subscriptions still refused, trying again", len(again))
        delay = min(delay * 2, retry_most_s)


def _watch_parent(stop: threading.Event, sock: socket.socket, stdin) -> None:
    """Three ways to learn the parent is gone or wants us to leave."""
    def read_stdin():
        for line in stdin:
            if line.strip() == b"quit":
                break
        stop.set()

    def read_socket():
        try:
            while sock.recv(4096):
                pass
        except OSError:
            pass
        stop.set()

    def parent_pid():
        ppid = os.getppid()
        while not stop.wait(1.0):
            if os.getppid() != ppid:
                stop.set()

    for fn in (read_stdin, read_socket, parent_pid):
        threading.Thread(target=fn, name=f"watcher-{fn.__name__}", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    """The child: read the secret line, connect back, watch until told to stop."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="presence-watcher %(levelname)s %(name)s: %(message)s")
    stdin = sys.stdin.buffer
    line = stdin.readline()
    if not line:
        return 2
    secret = json.loads(line)
    sock = socket.create_connection(("127.0.0.1", int(secret["back"])), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(frame([("hello", secret["token"], os.getpid())]))
    reader, cfg = FrameReader(), None
    while cfg is None:
        data = sock.recv(1 << 16)
        if not data:
            return 3
        frames = reader.feed(data)
        if frames:
            cfg = frames[0][0][1]
    sock.settimeout(None)
    stop = threading.Event()
    _watch_parent(stop, sock, stdin)
    batcher = _Batcher(sock, stop)

    from sip.simple.ua import PresenceUA
    ua = PresenceUA(secret["host"], int(secret["port"]), secret["user"], secret["password"],
                    transport=secret.get("transport", "tcp"), domain=secret.get("domain"))
    try:
        _subscribe(ua, batcher, cfg, stop)
        stop.wait()
    finally:
        # Unsubscribe (Expires: 0) within a bounded time: a dead server must
        # not keep this process alive.
        closer = threading.Thread(target=ua.close, name="watcher-close", daemon=True)
        closer.start()
        closer.join(3.0)
        batcher.close()
        try:
            sock.close()
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The heal schedule of RFC 4662 list subscriptions (PresenceUA.list_heal_after).

No Kamailio: a scripted resource list server (``_Rls``) on loopback answers
every SUBSCRIBE with 200 OK (Require: eventlist, Expires, a To tag, Contact)
and sends a full-state NOTIFY in the dialog (multipart/related: an RLMI root
and one PIDF part per active member).  A "policy" tells which members have a
state in the NOTIFY answering the n-th SUBSCRIBE of the dialog (0 = initial).

The peer sends that NOTIFY just *before* the 200 OK (allowed, RFC 6665
4.1.2.4): the UA reads both in order on one thread, so the members' state is
known when the SUBSCRIBE returns and the heal decision never races with the
NOTIFY, even on a loaded machine.

TCP as the app uses it, UDP in one test.

Only order and counts are asserted; the "no more refreshes" checks wait
longer than the next backoff step would have taken.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from sip.simple import PresenceUA
from sip.simple.message import (
    StreamFramer,
    build_request,
    build_response,
    new_branch,
    new_tag,
    parse_message,
    parse_name_addr,
)
from sip.simple.ua import LIST_HEAL_ROUNDS
from tests.conftest import wait_for
from tests.test_simple_presence import pidf, seat_state

HOST = "127.0.0.1"
LIST = f"sip:wallboard@{HOST}"
MEMBERS = [f"sip:s{i}@{HOST}" for i in range(1, 5)]
# s1, s2 active from the start; s3 listed without instance (pending); s4 a
# terminated back-end subscription (instance with a reason only, as Kamailio 5.6)
STARTING = {MEMBERS[0]: "active", MEMBERS[1]: "active",
            MEMBERS[2]: "pending", MEMBERS[3]: "terminated"}
ALL_ACTIVE = {m: "active" for m in MEMBERS}
BASE = 0.1            # list_heal_after of the tests, seconds


def rls_body(states: dict[str, str], version: int) -> tuple[bytes, str]:
    """A full-state RFC 4662 body: "active" members get an instance and a PIDF
    part, "pending" ones no instance, "terminated" ones an instance with a
    reason only."""
    res, parts, b = [], [], "hEaLbNdRy"
    for i, (uri, st) in enumerate(states.items()):
        user = uri[4:].split("@")[0]
        if st == "active":
            res.append(f'<resource uri="{uri}"><instance id="i{i}" state="active" '
                       f'cid="p{i}@rls"/></resource>')
            parts.append(f"--{b}\r\nContent-Transfer-Encoding: binary\r\n"
                         f"Content-ID: <p{i}@rls>\r\n"
                         f'Content-Type: application/pidf+xml;charset="UTF-8"\r\n\r\n'
                         f"{pidf(user, 'READY')}\r\n")
        elif st == "terminated":
            res.append(f'<resource uri="{uri}"><instance id="i{i}" reason="deactivated"/>'
                       f"</resource>")
        else:
            res.append(f'<resource uri="{uri}"/>')
    rlmi = ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="{LIST}" version="{version}" '
            f'fullState="true">{"".join(res)}</list>')
    body = (f"--{b}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <root@rls>\r\n"
            f'Content-Type: application/rlmi+xml;charset="UTF-8"\r\n\r\n{rlmi}\r\n'
            + "".join(parts) + f"--{b}--\r\n")
    ctype = f'multipart/related;type="application/rlmi+xml";start="<root@rls>";boundary="{b}"'
    return body.encode(), ctype


class _Rls:
    """A scripted RLS for ONE list subscription over UDP or TCP on loopback.

    ``policy(n)`` -> {member uri: "active" | "pending" | "terminated"} for the
    NOTIFY answering the n-th SUBSCRIBE of the dialog (0: the initial one).
    ``refreshes``: (monotonic time, CSeq) of every in-dialog SUBSCRIBE with
    Expires > 0, in arrival order (UDP retransmissions are answered again but
    not counted).
    """

    def __init__(self, policy, transport: str = "udp", expires: int = 600):
        self.policy = policy
        self.proto = transport
        self.expires = expires
        self.tag = new_tag()
        self.initial = 0
        self.refreshes: list[tuple[float, int]] = []
        self.unsubscribes = 0
        self.errors: list[str] = []
        self._answered: dict[tuple[str, str], bytes] = {}
        self._notify_cseq = 0
        self._version = 0
        self._closed = False
        self._conn: socket.socket | None = None
        self._client: tuple[str, int] | None = None
        kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
        self._sock = socket.socket(socket.AF_INET, kind)
        self._sock.bind((HOST, 0))
        if transport == "tcp":
            self._sock.listen(1)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._run, name="fake-rls", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ wire
    def _send(self, data: bytes) -> None:
        if self.proto == "udp":
            self._sock.sendto(data, self._client)
        else:
            self._conn.sendall(data)

    def _run(self) -> None:
        try:
            if self.proto == "udp":
                while not self._closed:
                    data, self._client = self._sock.recvfrom(65535)
                    if data.strip():
                        self._handle(parse_message(data))
            else:
                self._conn, _ = self._sock.accept()
                framer = StreamFramer()
                while not self._closed:
                    data = self._conn.recv(65535)
                    if not data:
                        return
                    for msg in framer.feed(data):
                        self._handle(msg)
        except OSError:
            if not self._closed:
                self.errors.append("socket error")
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.errors.append(repr(exc))

    # ----------------------------------------------------------- logic
    def _handle(self, msg) -> None:
        if msg.is_response:      # the UA's 200 OK to our NOTIFYs
            return
        key = (msg.branch or "", msg.method)
        if key in self._answered:          # UDP retransmission
            self._send(self._answered[key])
            return
        if msg.method != "SUBSCRIBE":
            self._send(build_response(msg, 501, "Not Implemented", to_tag=self.tag))
            return
        if "eventlist" not in (msg.header("supported") or ""):
            self.errors.append("SUBSCRIBE without Supported: eventlist")
        expires = int(msg.header("expires") or "0")
        if msg.to_tag is None:
            self.initial += 1
            n = 0
        elif expires == 0:
            self.unsubscribes += 1
            n = None
        else:
            if msg.to_tag != self.tag:
                self.errors.append(f"refresh outside the dialog: To tag {msg.to_tag}")
            self.refreshes.append((time.monotonic(), msg.cseq[0]))
            n = len(self.refreshes)
        if n is not None:     # NOTIFY first (see the module docstring), then 200 OK
            self._notify(msg, self.policy(n))
        ok = build_response(msg, 200, "OK", [
            ("Expires", str(expires)), ("Require", "eventlist"),
            ("Contact", self._contact())], to_tag=self.tag)
        self._answered[key] = ok
        self._send(ok)

    def _contact(self) -> str:
        suffix = ";transport=tcp" if self.proto == "tcp" else ""
        return f"<sip:rls@{HOST}:{self.port}{suffix}>"

    def _notify(self, sub, states: dict[str, str]) -> None:
        self._notify_cseq += 1
        self._version += 1
        body, ctype = rls_body(states, self._version)
        to_list = sub.header("to")
        if ";tag=" not in to_list:
            to_list += f";tag={self.tag}"
        target = parse_name_addr(sub.header("contact"))[1]
        data = build_request("NOTIFY", target, [
            ("Via", f"SIP/2.0/{self.proto.upper()} {HOST}:{self.port};branch={new_branch()}"),
            ("Max-Forwards", "70"),
            ("From", to_list),
            ("To", sub.header("from")),
            ("Call-ID", sub.call_id),
            ("CSeq", f"{self._notify_cseq} NOTIFY"),
            ("Contact", self._contact()),
            ("Event", "presence"),
            ("Subscription-State", f"active;expires={self.expires}"),
            ("Require", "eventlist"),
            ("Content-Type", ctype),
        ], body)
        self._send(data)

    def close(self) -> None:
        self._closed = True
        for s in (self._conn, self._sock):
            if s is not None:
                try:   # wakes the blocked recv/accept (UDP too, on Linux)
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
        self._thread.join(2.0)


@pytest.fixture
def rls():
    made = []

    def make(policy, transport="udp"):
        r = _Rls(policy, transport)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def _subscribe(rls_srv: _Rls, heal_after: float | None):
    ua = PresenceUA(HOST, rls_srv.port, "wall", "pw-wall", transport=rls_srv.proto,
                    keepalive_interval=None, list_heal_after=heal_after)
    notifies = []
    sub = ua.subscribe(LIST, eventlist=True, expires=600,
                       on_notify=lambda s, n: notifies.append(n))
    return ua, sub, notifies


def _without_state(sub) -> set[str]:
    return {uri for uri, r in sub.resources.items() if r.pidf is None}


def _assert_in_dialog_order(rls_srv: _Rls) -> None:
    # the UA's CSeqs, in the order the server got them: rising, none repeated
    cseqs = [c for _, c in rls_srv.refreshes]
    assert cseqs == sorted(set(cseqs)), rls_srv.refreshes
    assert cseqs[0] > 1   # after the initial SUBSCRIBE of the same dialog


def test_members_never_getting_state_get_exactly_the_heal_rounds(rls):
    srv = rls(lambda n: STARTING, "tcp")
    ua, sub, notifies = _subscribe(srv, BASE)
    try:
        assert sub.require_eventlist and sub.state == "active"
        assert _without_state(sub) == {MEMBERS[2], MEMBERS[3]}
        assert [seat_state(sub.resources[m].pidf) for m in MEMBERS[:2]] == ["READY"] * 2
        wait_for(lambda: len(srv.refreshes) >= LIST_HEAL_ROUNDS, timeout=30,
                 what=f"{LIST_HEAL_ROUNDS} heal refreshes")
        # a fifth would come 2**LIST_HEAL_ROUNDS * BASE after the fourth
        time.sleep(1.25 * BASE * 2 ** LIST_HEAL_ROUNDS)
        assert len(srv.refreshes) == LIST_HEAL_ROUNDS
        assert sub.heals == LIST_HEAL_ROUNDS
        _assert_in_dialog_order(srv)
        # every refresh was answered by a NOTIFY, and the members still lack state
        assert sub.wait_for(lambda s: s.notify_count == 1 + LIST_HEAL_ROUNDS, 10)
        assert _without_state(sub) == {MEMBERS[2], MEMBERS[3]}
        assert sub.state == "active" and srv.initial == 1
        gaps = [b[0] - a[0] for a, b in zip(srv.refreshes, srv.refreshes[1:])]
        print("heal gaps (s):", ", ".join(f"{g:.2f}" for g in gaps))   # informative only
    finally:
        ua.close()
    assert srv.errors == [] and srv.unsubscribes == 1


def test_members_getting_state_after_the_first_heal_stop_the_healing(rls):
    srv = rls(lambda n: STARTING if n == 0 else ALL_ACTIVE, "udp")
    ua, sub, notifies = _subscribe(srv, BASE)
    try:
        assert _without_state(sub) == {MEMBERS[2], MEMBERS[3]}
        wait_for(lambda: len(srv.refreshes) >= 1, timeout=30, what="the first heal refresh")
        assert sub.wait_for(lambda s: not _without_state(s), 10)
        # the next rounds would be due 2 and 2+4 BASE after the first one
        time.sleep(BASE * (2 + 4 + 2))
        assert len(srv.refreshes) == 1 and sub.heals == 1
        _assert_in_dialog_order(srv)
        assert [seat_state(sub.resources[m].pidf) for m in MEMBERS] == ["READY"] * 4
    finally:
        ua.close()
    assert srv.errors == [] and srv.unsubscribes == 1


def test_a_list_complete_from_the_start_is_never_refreshed(rls):
    srv = rls(lambda n: ALL_ACTIVE, "tcp")
    ua, sub, notifies = _subscribe(srv, BASE)
    try:
        assert not _without_state(sub) and len(sub.resources) == len(MEMBERS)
        time.sleep(BASE * (1 + 2 + 4 + 1))   # past the first three rounds
        assert srv.refreshes == [] and sub.heals == 0 and len(notifies) == 1
    finally:
        ua.close()
    assert srv.errors == [] and srv.unsubscribes == 1


def test_no_healing_when_list_heal_after_is_none(rls):
    srv = rls(lambda n: STARTING, "tcp")
    ua, sub, notifies = _subscribe(srv, None)
    try:
        assert _without_state(sub) == {MEMBERS[2], MEMBERS[3]}
        time.sleep(BASE * (1 + 2 + 4 + 1))   # past the first three rounds
        assert srv.refreshes == [] and sub.heals == 0 and len(notifies) == 1
    finally:
        ua.close()
    assert srv.errors == [] and srv.unsubscribes == 1

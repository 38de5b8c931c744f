"""A caller who hangs up while the queue is taking the call in (routing.cfg).

The race: a caller's CANCEL reaches Kamailio while the worker that handles
its INVITE is still between the first answer (183 with the announcement, or
182) and the moment the call is put in the queue's FIFO. Before the fix the
CANCEL went to tm, which answered 487 at once, and the worker then queued
the dead transaction all the same (tm's t_suspend() returns true for a
cancelled transaction): the queue counted it waiting but never abandoned,
and the next seat that turned ready was claimed for it until the resume
failed ("gone before its offer").

The test makes the race happen every time instead of now and then: Kamailio
talks to the real rtpengine through a small relay of rtpengine's control
protocol (NG) in this test, which holds back rtpengine's answer to the
``play media`` command of one call. That command comes right after the 183,
so the caller's CANCEL (sent on the 183) is handled while the INVITE's worker
waits for the answer, i.e. inside the window. The seat turns ready right
after the caller's CANCEL was answered (200 and 487), then the answer is let
through. Each round then sends a real caller, which the seat must get; the
seat must never get the hung-up one. Per round the relay checks that the
caller's CANCEL really came while the worker was held (the CANCEL handler
tells rtpengine to ``delete`` the call).

The second race is in the dispatch: a seat's ready PUBLISH and a waiting
caller's CANCEL at the same moment. The dispatcher takes the head of the
queue, claims the seat, then resumes the suspended transaction; a CANCEL
handled in between made tm's t_continue() return true without running the
resumed route (the seat stayed claimed, the call was never counted), or
made the offer's t_relay() fail, after which the call went back to the head
of the queue dead (counted waiting, and it blocked the queue for the seats
it had tried). That window is a fraction of a millisecond and nothing in
Kamailio can be held inside it, so the second test sweeps the moment of the
CANCEL around the PUBLISH for many rounds and checks what must hold in every
round: the caller gets 487, the call is counted abandoned once, an offer the
seat got is cancelled at the seat, nobody is left waiting, and the seat and
the queue still serve the next caller. It prints how many rounds hit the
window.

Callers are sipp (scenarios of tests/test_routing_e2e.py), except the racing
caller of the second test, which is a few lines of UDP here (sipp cannot send
its CANCEL at a moment the test chooses); seats are pjsua2 agents (sip.peer)
registered through the launcher's Kamailio, their readiness PUBLISHed from
the test; the queues' presence documents are watched as the wallboard does.
"""
from __future__ import annotations

import re
import select
import socket
import threading
import time
import uuid

import pytest

from app.domain.presence_doc import SeatPresence, seat_pidf
from app.domain.routing import QueueConfig
from app.domain.seat_state import SeatState
from deploy.kamailio.launcher import KamailioServer, SipUser, find_rtpengine
from tests.conftest import wait_for
from tests.routing_helpers import Day
from tests.test_routing_e2e import (ANSWERED, CALLER, GIVES_UP, PW as E2E_PW, Caller,
                                    QueueWatch, caller_of, pytestmark)

pytestmark = pytestmark + [pytest.mark.skipif(find_rtpengine() is None,
                                              reason="rtpengine (rtpengine-daemon) needed")]

SEAT = "8201"             # queue bjgy (12368), answers at once
RING_SEAT = "8242"        # queue hdfy (1236811), only rings (the test answers)
WATCHER = "8902"          # QueueWatch subscribes with this account (tests.test_routing_e2e.PW)
PW = {SEAT: "pw-8201", RING_SEAT: "pw-8242", WATCHER: E2E_PW[WATCHER]}
QUEUES = [QueueConfig("bjgy", "12368", "北京市高级人民法院", [SEAT], max_wait_s=60,
                      fallback="480", ring_timeout_s=5),
          # a long ring timeout: an offer left ringing would show, not be ended by it
          QueueConfig("hdfy", "1236811", "北京市海淀区人民法院", [RING_SEAT], max_wait_s=120,
                      fallback="480", ring_timeout_s=60)]
ROUNDS = 12
SWEEP_ROUNDS = 60

# the e2e "gives up" caller, for a queue that answers 183 (announcements): it
# sends its CANCEL as soon as the 183 arrives (sipp -d 0)
CANCEL_ON_183 = CALLER % {"middle": GIVES_UP.replace('<recv response="182"/>',
                                                     '<recv response="183"/>', 1)}


# --------------------------------------------------------------- NG relay
def _bdecode(data: bytes, i: int = 0):
    """(value, next index) of the bencoded value at data[i:] (NG messages)."""
    c = data[i:i + 1]
    if c == b"d":
        out, i = {}, i + 1
        while data[i:i + 1] != b"e":
            k, i = _bdecode(data, i)
            out[k], i = _bdecode(data, i)
        return out, i + 1
    if c == b"l":
        out, i = [], i + 1
        while data[i:i + 1] != b"e":
            v, i = _bdecode(data, i)
            out.append(v)
        return out, i + 1
    if c == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1:end]), end + 1
    colon = data.index(b":", i)
    n = int(data[i:colon])
    return data[colon + 1:colon + 1 + n], colon + 1 + n


class NgGate:
    """A relay between Kamailio's rtpengine module and rtpengine (UDP, NG
    protocol: ``cookie bencoded-dict``). Everything passes through, except
    that after :meth:`arm` the answer to the next ``play media`` is held
    until :meth:`release` (or ``max_hold`` seconds, well inside the module's
    own retries). It notes which calls got a ``delete`` while held."""

    def __init__(self, upstream: tuple[str, int], max_hold: float = 2.0):
        self.upstream = upstream
        self.max_hold = max_hold
        self.down = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)   # Kamailio's side
        self.down.bind(("127.0.0.1", 0))
        self.up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)     # rtpengine's side
        self.up.bind(("127.0.0.1", 0))
        self.port = self.down.getsockname()[1]
        self._cond = threading.Condition()
        self._peer: dict[bytes, tuple] = {}          # cookie -> Kamailio's address
        self._armed = False
        self._held_call: bytes | None = None
        self._held: dict[bytes, list] = {}           # cookie -> [reply | None]
        self._timer: threading.Timer | None = None
        self.held_calls: list[str] = []
        self.deleted_while_held: set[str] = set()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="ng-gate", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.release()
        self._stop = True
        self._thread.join(2)
        self.down.close()
        self.up.close()

    def arm(self) -> None:
        with self._cond:
            self._armed = True

    def wait_held(self, timeout: float = 10.0) -> str:
        """The Call-ID whose ``play media`` answer is being held."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._held_call is not None, timeout):
                raise AssertionError("rtpengine was never asked to play media")
            return self._held_call.decode()

    def release(self) -> None:
        with self._cond:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            held, self._held = self._held, {}
            self._held_call = None
            self._armed = False
        for cookie, box in held.items():
            if box[0] is not None:
                self.down.sendto(box[0], self._peer[cookie])

    def _run(self) -> None:
        while not self._stop:
            try:
                ready, _, _ = select.select([self.down, self.up], [], [], 0.2)
            except (OSError, ValueError):
                return
            for s in ready:
                try:
                    data, addr = s.recvfrom(65535)
                except OSError:
                    continue
                cookie, _, body = data.partition(b" ")
                if s is self.down:
                    self._from_kamailio(cookie, body, addr)
                    self.up.sendto(data, self.upstream)
                else:
                    self._from_rtpengine(cookie, data)

    def _from_kamailio(self, cookie: bytes, body: bytes, addr) -> None:
        try:
            msg, _ = _bdecode(body)
        except (ValueError, IndexError):
            msg = {}
        cmd, call = msg.get(b"command"), msg.get(b"call-id")
        with self._cond:
            self._peer[cookie] = addr
            if cmd == b"play media" and (self._armed or call == self._held_call):
                if self._held_call is None:
                    self._held_call = call
                    self.held_calls.append(call.decode())
                    self._timer = threading.Timer(self.max_hold, self.release)
                    self._timer.daemon = True
                    self._timer.start()
                    self._armed = False
                self._held.setdefault(cookie, [None])   # (the module resends the same cookie)
                self._cond.notify_all()
            elif cmd == b"delete" and call is not None and call == self._held_call:
                self.deleted_while_held.add(call.decode())

    def _from_rtpengine(self, cookie: bytes, data: bytes) -> None:
        with self._cond:
            box = self._held.get(cookie)
            if box is not None:
                box[0] = data
                return
            addr = self._peer.get(cookie)
        if addr is not None:
            self.down.sendto(data, addr)


class _GatedRtpEngine:
    """The launcher's RtpEngine, with Kamailio pointed at an NgGate."""

    def __init__(self, real, gate: NgGate):
        self._real = real
        self.gate = gate

    @property
    def ng_socket(self) -> str:
        return f"udp:127.0.0.1:{self.gate.port}"

    def start(self, *a, **kw) -> None:
        self._real.start(*a, **kw)
        if not self.gate._thread.is_alive():
            self.gate.start()

    def stop(self, *a, **kw) -> None:
        self._real.stop(*a, **kw)

    def __getattr__(self, name):
        return getattr(self._real, name)


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = KamailioServer(tmp_path_factory.mktemp("kam-cancel-race"),
                       users=[SipUser(u, p) for u, p in PW.items()],
                       queues=QUEUES, debug=2, announcements=True)
    assert s.rtpengine is not None
    gate = NgGate(("127.0.0.1", s.rtpengine.ng_port))
    s.rtpengine = _GatedRtpEngine(s.rtpengine, gate)
    s.start()
    try:
        yield s
    finally:
        s.stop()
        gate.stop()


@pytest.fixture(scope="module")
def scen(tmp_path_factory):
    d = tmp_path_factory.mktemp("sipp-cancel-race")
    (d / "answered.xml").write_text(CALLER % {"middle": ANSWERED})
    (d / "cancel_on_183.xml").write_text(CANCEL_ON_183)
    return d


def _seat(srv, user: str, auto_answer):
    """(user, PeerAgent, PresenceUA publishing its state), registered."""
    from sip.peer.client import PeerAgent
    from sip.simple import PresenceUA
    a = PeerAgent(name=f"seat{user}")
    a.start()
    ua = None
    try:
        a.account(user, password=PW[user], registrar=f"sip:127.0.0.1:{srv.udp_port}",
                  domain=f"127.0.0.1:{srv.udp_port}", transport="udp", auto_answer=auto_answer)
        a.wait_event(event="reg", code=200, timeout=10)
        ua = PresenceUA("127.0.0.1", srv.udp_port, user, PW[user], keepalive_interval=None,
                        auto_recover=False)
        yield user, a, ua
    finally:
        if ua is not None:
            ua.close()
        try:
            a.stop(timeout=5)
        except Exception:
            a.kill()


@pytest.fixture(scope="module")
def seat(srv):
    yield from _seat(srv, SEAT, 200)


@pytest.fixture(scope="module")
def ring_seat(srv):
    yield from _seat(srv, RING_SEAT, "ring")


def publish(seat, state: SeatState) -> None:
    """The seat's desk publishes its state (returns once Kamailio has it)."""
    user, _, ua = seat
    ua.publish(seat_pidf(f"sip:{user}@127.0.0.1", SeatPresence(
        seat=user, state=state, reason="other" if state is SeatState.NOT_READY else "",
        since=time.time())))


def abandoned_lines(srv, call_id: str) -> int:
    log = srv.log_path.read_text(errors="replace")
    return len(re.findall(re.escape(call_id) + r" abandoned after", log))


def wait_log(srv, pattern: str, timeout: float = 10.0) -> None:
    """Wait until Kamailio's log has a line matching ``pattern``."""
    deadline = time.monotonic() + timeout
    while not re.search(pattern, srv.log_path.read_text(errors="replace")):
        assert time.monotonic() < deadline, f"never logged: {pattern}"
        time.sleep(0.02)


class UdpCaller:
    """An outside caller (unauthenticated, as a gateway sends it) in a few
    lines of UDP: INVITE with an SDP, CANCEL when the test says, ACK of the
    487. Its media port is a socket that swallows the announcement."""

    def __init__(self, srv, number: str, to: str):
        self.server = ("127.0.0.1", srv.udp_port)
        self.to = to
        self.number = number
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.media.bind(("127.0.0.1", 0))
        self.call_id = uuid.uuid4().hex + "@race"
        self.tag = uuid.uuid4().hex[:10]
        self.branch = "z9hG4bK" + uuid.uuid4().hex[:16]
        self.responses: list[tuple[int, str, str]] = []   # (code, CSeq method, To tag)

    def _send(self, method: str, to_tag: str = "", body: str = "") -> None:
        uri = f"sip:{self.to}@127.0.0.1:{self.server[1]}"
        lines = [f"{method} {uri} SIP/2.0",
                 f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch={self.branch};rport",
                 f"From: <sip:{self.number}@127.0.0.1>;tag={self.tag}",
                 f"To: <sip:{self.to}@127.0.0.1>" + (f";tag={to_tag}" if to_tag else ""),
                 f"Call-ID: {self.call_id}", f"CSeq: 1 {method}", "Max-Forwards: 70",
                 f"Contact: <sip:{self.number}@127.0.0.1:{self.port}>"]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body.encode())}")
        self.sock.sendto(("\r\n".join(lines) + "\r\n\r\n" + body).encode(), self.server)

    def invite(self) -> None:
        mport = self.media.getsockname()[1]
        self._send("INVITE", body="v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
                   "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                   f"m=audio {mport} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")

    def cancel(self) -> None:
        self._send("CANCEL")

    def ack(self, to_tag: str) -> None:
        self._send("ACK", to_tag=to_tag)

    def wait_for(self, code: int, method: str = "INVITE", timeout: float = 10.0) -> str:
        """The To tag of the first ``code`` response to ``method``."""
        deadline = time.monotonic() + timeout
        while True:
            for c, m, tag in self.responses:
                if c == code and m == method:
                    return tag
            left = deadline - time.monotonic()
            assert left > 0, f"no {code} to {method}; got {self.responses}"
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65535).decode(errors="replace")
            except socket.timeout:
                continue
            head = data.split("\r\n\r\n", 1)[0]
            cseq = re.search(r"^CSeq:\s*\d+\s+(\S+)", head, re.M | re.I)
            tag = re.search(r"^(?:To|t):[^\r\n]*;tag=([^;>\s]+)", head, re.M | re.I)
            self.responses.append((int(head.split(" ", 2)[1]), cseq.group(1) if cseq else "",
                                   tag.group(1) if tag else ""))

    def close(self) -> None:
        self.sock.close()
        self.media.close()


# -------------------------------------------------------------------- test
def test_caller_hanging_up_while_being_queued_is_never_offered_and_counted_once(srv, scen, seat):
    gate: NgGate = srv.rtpengine.gate
    agent = seat[1]
    watch = QueueWatch(srv, "bjgy", user=WATCHER)
    dead: list[str] = []
    try:
        publish(seat, SeatState.NOT_READY)
        day = Day()
        before = watch.wait(lambda d: d.waiting == 0)
        for i in range(ROUNDS):
            publish(seat, SeatState.NOT_READY)
            m = agent.mark()
            # a caller who hangs up as soon as the announcement starts (183),
            # while its INVITE's worker is held at rtpengine's play media
            gate.arm()
            gone = Caller(srv, scen, f"1380000{i:04d}", scenario="cancel_on_183.xml", hold_ms=0)
            try:
                call_id = gate.wait_held()
                assert gone.wait() == 0          # 200 to its CANCEL, then 487 (ACKed)
            finally:
                gone.kill()
            dead.append(call_id)
            assert call_id in gate.deleted_while_held, \
                f"round {i}: the CANCEL was not handled inside the window"
            # the seat turns ready right after the caller's CANCEL was answered,
            # then the worker that was taking the call in goes on
            publish(seat, SeatState.READY)
            gate.release()
            # a real caller next: the seat gets it, and only it
            real = f"1390000{i:04d}"
            c = Caller(srv, scen, real, scenario="answered.xml", hold_ms=200)
            try:
                ev = agent.wait_event(event="incoming", since=m, timeout=10)
                assert caller_of(ev) == real, (i, ev)
                assert c.wait() == 0
            finally:
                c.kill()
            agent.wait_event(event="call_state", state="DISCONNECTED", call=ev["call"], since=m,
                             timeout=10)
            offered = agent.find_events(since=m, event="incoming")
            assert [caller_of(e) for e in offered] == [real], (i, offered)
            assert all(e["sip_call_id"] != call_id for e in offered)
        publish(seat, SeatState.NOT_READY)
        # each hung-up caller counted abandoned exactly once; nobody left waiting
        # (the day's counters start from 0 at local midnight, routing.cfg
        # QNEWDAY: then only the per-call log lines below are compared)
        doc = watch.wait(lambda d: d.waiting == 0 and (day.changed() or (
            d.abandoned >= before.abandoned + ROUNDS and d.answered >= before.answered + ROUNDS)))
        if not day.changed():
            assert doc.abandoned == before.abandoned + ROUNDS, (before, doc)
            assert doc.answered == before.answered + ROUNDS, (before, doc)
        else:
            print("local midnight passed: the day's counters were reset, not compared")
        deadline = time.monotonic() + 5
        while any(abandoned_lines(srv, ci) == 0 for ci in dead) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert {ci: abandoned_lines(srv, ci) for ci in dead} == {ci: 1 for ci in dead}
        assert len(set(gate.held_calls)) == ROUNDS
    finally:
        gate.release()
        watch.close()


def _incoming(agent, since: int, call_id: str) -> list[dict]:
    return [ev for ev in agent.find_events(since=since, event="incoming")
            if ev["sip_call_id"] == call_id]


def test_seat_ready_and_caller_cancel_at_the_same_moment(srv, scen, ring_seat):
    _, agent, _ = ring_seat
    watch = QueueWatch(srv, "hdfy", user=WATCHER)
    gone: list[str] = []
    offered = 0
    try:
        publish(ring_seat, SeatState.NOT_READY)
        day = Day()
        before = watch.wait(lambda d: d.waiting == 0)
        sweep = agent.mark()
        for i in range(SWEEP_ROUNDS):
            publish(ring_seat, SeatState.NOT_READY)
            c = UdpCaller(srv, f"1370000{i:04d}", "1236811")
            gone.append(c.call_id)
            try:
                c.invite()
                c.wait_for(183)
                wait_log(srv, re.escape(c.call_id) + " waits")   # suspended, in the FIFO
                # the CANCEL from 0.5 ms before to 2 ms after the seat's PUBLISH
                # is sent (a PUBLISH takes Kamailio longer to act on)
                offset = (i % 11) * 0.00025 - 0.0005
                ready = threading.Thread(target=publish, args=(ring_seat, SeatState.READY))
                t0 = time.perf_counter()
                if offset < 0:
                    c.cancel()
                    while time.perf_counter() < t0 - offset:
                        pass
                    ready.start()
                else:
                    ready.start()
                    while time.perf_counter() < t0 + offset:
                        pass
                    c.cancel()
                ready.join()
                c.ack(c.wait_for(487))
            finally:
                c.close()
            # a seat offered the call before the CANCEL came sees it cancelled
            # (not left ringing: this queue's ring timeout is a minute). Kamailio logs
            # the offer before it relays it (and refuses to relay a cancelled call);
            # the seat's agent may report the INVITE after the caller had its 487, so
            # the round waits for it by Call-ID (it once came in the next round)
            ci = c.call_id
            if re.search(r"offer " + re.escape(ci) + " to ", srv.log_path.read_text(errors="replace")):
                wait_for(lambda: _incoming(agent, sweep, ci) or re.search(
                    re.escape(ci) + " hung up before an offer",
                    srv.log_path.read_text(errors="replace")), 10,
                    f"round {i}: the offer of {ci} at the seat, or its relay refused")
            for ev in _incoming(agent, sweep, ci):
                offered += 1
                end = agent.wait_event(event="call_state", state="DISCONNECTED", call=ev["call"],
                                       since=sweep, timeout=10)
                assert end["code"] == 487, (i, end)
        # the seat was offered nothing but the sweep's own calls
        strays = [ev for ev in agent.find_events(since=sweep, event="incoming")
                  if ev["sip_call_id"] not in gone]
        assert not strays, strays
        # the seat and the queue still serve the next caller
        publish(ring_seat, SeatState.READY)
        m = agent.mark()
        real = Caller(srv, scen, "13900009999", number="1236811", scenario="answered.xml",
                      hold_ms=200)
        try:
            ev = agent.wait_event(event="incoming", since=m, timeout=10)
            assert caller_of(ev) == "13900009999", ev
            agent.answer(ev["call"])
            assert real.wait() == 0
        finally:
            real.kill()
        publish(ring_seat, SeatState.NOT_READY)
        doc = watch.wait(lambda d: d.waiting == 0 and (day.changed() or (
            d.abandoned >= before.abandoned + SWEEP_ROUNDS
            and d.answered >= before.answered + 1)))
        if not day.changed():      # the day's counters start from 0 at local midnight
            assert doc.abandoned == before.abandoned + SWEEP_ROUNDS, (before, doc)
            assert doc.answered == before.answered + 1, (before, doc)
        else:
            print("local midnight passed: the day's counters were reset, not compared")
        assert {ci: abandoned_lines(srv, ci) for ci in gone} == {ci: 1 for ci in gone}
        log = srv.log_path.read_text(errors="replace")
        in_window = sum(1 for ci in gone if re.search(
            re.escape(ci) + r" (hung up before an offer|gone before its offer)", log))
        print(f"{SWEEP_ROUNDS} rounds: {offered} offered before the CANCEL came (then "
              f"cancelled at the seat), {in_window} hung up inside the dispatch window")
    finally:
        watch.close()

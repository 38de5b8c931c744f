"""Queue routing in Kamailio (deploy/kamailio/routing.cfg), end to end.

Callers are sipp processes (outside callers, unauthenticated); seats are
headless pjsua2 agents (sip.peer) that register through Kamailio, and whose
readiness is PUBLISHed from the test as the desktop would (seat_pidf); the
wallboard's view is a SUBSCRIBE to the queue presentity sip:q-<queue>@IP.
One server and one set of seats for the module; each test starts with every
seat not ready.
"""
from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from app.domain.presence_doc import SeatPresence, parse_pidf, seat_pidf
from app.domain.routing import QueueConfig
from app.domain.seat_state import SeatState
from deploy.kamailio.launcher import KamailioError, KamailioServer, SipUser, find_kamailio
from tests.routing_helpers import Day
from deploy.sipp_ports import bind_failure, sipp_port_args

SIPP = shutil.which("sipp")
try:
    find_kamailio()
    _HAVE_KAMAILIO = True
except KamailioError:
    _HAVE_KAMAILIO = False

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not _HAVE_KAMAILIO or SIPP is None,
                                 reason="kamailio and sipp (sip-tester) needed")]

MAIN_SEATS = ["8001", "8002", "8003", "8004"]
RING_ONLY = "8003"          # this seat's phone rings but is never answered
ANSWERING = ["8001", "8002", "8004"]
SUB_SEATS = ["8042", "8043"]
SEATS = MAIN_SEATS + SUB_SEATS
SUPERVISOR = "8901"
PW = {u: f"pw-{u}" for u in SEATS + [SUPERVISOR, "8902"]}
RING_S = 2

QUEUES = [
    QueueConfig("bjgy", "12368", "北京市高级人民法院", MAIN_SEATS, max_wait_s=25, fallback="480",
                ring_timeout_s=RING_S, overflow_waiting_n=2, overflow_wait_s=0,
                overflow_to=["hdfy"]),
    QueueConfig("hdfy", "1236811", "北京市海淀区人民法院", SUB_SEATS, max_wait_s=25,
                fallback="480", ring_timeout_s=RING_S),
]

CALLER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="queued caller">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Caller" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:[caller]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=sendrecv
  ]]></send>
  <recv response="100" optional="true"/>
  %(middle)s
</scenario>
"""

ANSWERED = """
  <recv response="182" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true">
    <action>
      <ereg regexp="&lt;(sips?:[^&gt;]*)&gt;" search_in="hdr" header="Contact:" check_it="true" assign_to="dummy,contact"/>
    </action>
  </recv>
  <send><![CDATA[
ACK [$contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Caller" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
[routes]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:[caller]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

  ]]></send>
  <pause/>
  <send retrans="500"><![CDATA[
BYE [$contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Caller" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
[routes]
Call-ID: [call_id]
CSeq: 2 BYE
Contact: <sip:[caller]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

  ]]></send>
  <recv response="200"/>
  <Reference variables="dummy"/>
"""

GIVES_UP = """
  <recv response="182"/>
  <pause/>
  <send><![CDATA[
CANCEL sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: "Caller" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 CANCEL
Max-Forwards: 70
Content-Length: 0

  ]]></send>
  <recv response="200" optional="true"/>
  <recv response="487"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: "Caller" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

  ]]></send>
"""


@pytest.fixture(scope="module")
def scen(tmp_path_factory):
    d = tmp_path_factory.mktemp("sipp")
    (d / "answered.xml").write_text(CALLER % {"middle": ANSWERED})
    (d / "gives_up.xml").write_text(CALLER % {"middle": GIVES_UP})
    return d


class Caller:
    """One sipp call to a hotline number (its ports: deploy/sipp_ports.py)."""

    def __init__(self, srv, scen: Path, caller: str, number: str = "12368",
                 scenario: str = "answered.xml", hold_ms: int = 800):
        self.caller = caller
        self.argv = [SIPP, f"127.0.0.1:{srv.udp_port}", "-sf", str(scen / scenario),
                     "-s", number, "-key", "caller", caller, "-d", str(hold_ms), "-m", "1",
                     "-i", "127.0.0.1", "-timeout", "40s", "-timeout_error", "-nostdin", "-nd"]
        self.retried = False
        self._start()

    def _start(self) -> None:
        self.proc = subprocess.Popen(self.argv + sipp_port_args(),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def wait(self, timeout: float = 40) -> int:
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        if bind_failure(self.proc.returncode, out) and not self.retried:
            # one of its ports was taken after all: the call never started
            print(f"sipp could not bind its ports, started again: {out[-500:]}")
            self.retried = True
            self._start()
            return self.wait(timeout)
        if self.proc.returncode != 0:
            print(out[-3000:])
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = KamailioServer(tmp_path_factory.mktemp("kam-routing"),
                       users=[SipUser(u, p) for u, p in PW.items()],
                       queues=QUEUES, supervisors=[SUPERVISOR], debug=2)
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def seats(srv):
    """user -> (PeerAgent, PresenceUA); the agents answer at once (200),
    except RING_ONLY's, which only rings."""
    from sip.peer.client import PeerAgent
    from sip.simple import PresenceUA
    out = {}
    try:
        for u in SEATS:
            a = PeerAgent(name=f"seat{u}")
            a.start()
            a.account(u, password=PW[u], registrar=f"sip:127.0.0.1:{srv.udp_port}",
                      domain=f"127.0.0.1:{srv.udp_port}", transport="udp",
                      auto_answer="ring" if u == RING_ONLY else 200)
            ua = PresenceUA("127.0.0.1", srv.udp_port, u, PW[u], keepalive_interval=None,
                            auto_recover=False)
            out[u] = (a, ua)
        for u, (a, _) in out.items():
            a.wait_event(event="reg", code=200, timeout=10)
        yield out
    finally:
        for a, ua in out.values():
            ua.close()
            try:
                a.stop(timeout=5)
            except Exception:
                a.kill()


def publish(seats, user: str, state: SeatState, since: float | None = None, reason: str = ""):
    ua = seats[user][1]
    doc = seat_pidf(f"sip:{user}@127.0.0.1", SeatPresence(
        seat=user, state=state, reason=reason, since=time.time() if since is None else since))
    ua.publish(doc)


@pytest.fixture
def fresh(seats):
    """Every seat not ready, answering with 200, before the test."""
    for u in SEATS:
        publish(seats, u, SeatState.NOT_READY, reason="other")
    return seats


def incoming(seats, user: str, since: int = 0, timeout: float = 10.0) -> dict:
    return seats[user][0].wait_event(event="incoming", since=since, timeout=timeout)


def caller_of(ev: dict) -> str:
    return ev["from"].split("sip:", 1)[1].split("@", 1)[0]


def marks(seats) -> dict[str, int]:
    return {u: seats[u][0].mark() for u in SEATS}


def no_incoming(seats, user: str, since: int, wait: float) -> bool:
    time.sleep(wait)
    return not seats[user][0].find_events(since=since, event="incoming")


class QueueWatch:
    """The wallboard's view of one queue: SUBSCRIBE to sip:q-<queue>@IP."""

    def __init__(self, srv, queue: str, user: str = "8902"):
        from sip.simple import PresenceUA
        self.docs: list = []
        self.times: list[float] = []   # time.monotonic() when each document arrived
        self.cond = threading.Condition()
        self.ua = PresenceUA("127.0.0.1", srv.udp_port, user, PW[user], keepalive_interval=None,
                             auto_recover=False)
        self.sub = self.ua.subscribe(srv.queue_uri(queue), on_notify=self._on)

    def _on(self, sub, n):
        if n.pidf:
            q = parse_pidf(n.pidf).queue
            if q is not None:
                with self.cond:
                    self.docs.append(q)
                    self.times.append(time.monotonic())
                    self.cond.notify_all()

    def wait(self, pred, timeout: float = 8.0):
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for d in reversed(self.docs):
                    if pred(d):
                        return d
                    break  # only the latest document counts
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"queue document never matched; last: "
                                         f"{self.docs[-1] if self.docs else None}")
                self.cond.wait(left)

    def mark(self) -> int:
        with self.cond:
            return len(self.docs)

    def wait_from(self, pred, since: int, timeout: float = 10.0):
        """(document, arrival time, index) of the first document from index
        ``since`` on that matches (not only the latest: a short state is not
        missed)."""
        end = time.monotonic() + timeout
        with self.cond:
            i = since
            while True:
                while i < len(self.docs):
                    if pred(self.docs[i]):
                        return self.docs[i], self.times[i], i
                    i += 1
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no queue document matched; last: "
                                         f"{self.docs[-1] if self.docs else None}")
                self.cond.wait(left)

    def close(self):
        self.ua.close()


def send_message(srv, user: str, body: str, to: str = "q-admin"):
    """An authenticated MESSAGE (digest answered) -> (status, reason)."""
    from sip.simple import PresenceUA
    from sip.simple.message import new_call_id, new_tag
    from sip.simple.ua import _blocking
    ua = PresenceUA("127.0.0.1", srv.udp_port, user, PW[user], keepalive_interval=None,
                    auto_recover=False)
    try:
        call_id, tag, cseq = new_call_id("127.0.0.1"), new_tag(), [0]

        def make():
            cseq[0] += 1
            uri = f"sip:{to}@127.0.0.1"
            return "MESSAGE", uri, [("From", f"<{ua.aor}>;tag={tag}"), ("To", f"<{uri}>"),
                                    ("Call-ID", call_id), ("CSeq", f"{cseq[0]} MESSAGE"),
                                    ("Content-Type", "text/plain")], body
        resp = _blocking(ua._core, ua.digest, make)
        assert resp is not None, "no answer to MESSAGE"
        return resp.status, resp.reason
    finally:
        ua.close()


# ------------------------------------------------------------------- tests
def test_longest_ready_seat_gets_the_call(srv, scen, fresh):
    seats = fresh
    now = time.time()
    publish(seats, "8001", SeatState.READY, since=now - 30)
    publish(seats, "8002", SeatState.READY, since=now - 60.5)
    publish(seats, "8004", SeatState.READY, since=now - 60.2)
    m = marks(seats)
    t0 = time.monotonic()
    c = Caller(srv, scen, "13900000001")
    ev = incoming(seats, "8002", m["8002"])
    assert caller_of(ev) == "13900000001"
    print(f"offered after {1000 * (time.monotonic() - t0):.1f} ms (incl. sipp start)")
    assert c.wait() == 0
    assert not seats["8001"][0].find_events(since=m["8001"], event="incoming")
    assert not seats["8004"][0].find_events(since=m["8004"], event="incoming")


def test_arrival_order_kept(srv, scen, fresh):
    seats = fresh
    callers = []
    watch = QueueWatch(srv, "bjgy")
    try:
        watch.wait(lambda d: d.waiting == 0)
        for i in range(3):
            callers.append(Caller(srv, scen, f"1390000001{i}", hold_ms=300))
            # queued before the next one starts (separate sipp processes: a
            # slow start would swap the arrival order)
            watch.wait(lambda d, n=i + 1: d.waiting == n, timeout=10)
        got = []
        for u in ANSWERING:
            m = seats[u][0].mark()
            publish(seats, u, SeatState.READY)
            got.append(caller_of(incoming(seats, u, m)))
            publish(seats, u, SeatState.TALKING)
        assert got == ["13900000010", "13900000011", "13900000012"]
        assert all(c.wait() == 0 for c in callers)
    finally:
        for c in callers:
            c.kill()
        watch.close()


def test_ring_timeout_moves_on_and_sets_seat_not_ready(srv, scen, fresh):
    seats = fresh
    now = time.time()
    publish(seats, RING_ONLY, SeatState.READY, since=now - 100)   # rings, never answers
    publish(seats, "8002", SeatState.READY, since=now - 10)
    m = marks(seats)
    t_start = time.monotonic()
    c = Caller(srv, scen, "13900000020", hold_ms=2500)
    assert caller_of(incoming(seats, RING_ONLY, m[RING_ONLY])) == "13900000020"
    t_ring = time.monotonic()            # the unanswered seat rings (seen here)
    assert caller_of(incoming(seats, "8002", m["8002"])) == "13900000020"
    t_next = time.monotonic()
    print(f"moved on {t_next - t_ring:.2f} s after the ring was seen (ring timeout {RING_S} s)")
    # not before the ring timeout (the call started after t_start), and moved on by
    # the ring timeout, not by anything slower (3 s for a busy machine)
    assert t_next - t_start >= RING_S - 0.2, t_next - t_start
    assert t_next - t_ring <= RING_S + 3, t_next - t_ring
    # while 8002 talks, the next caller is not offered to the seat that did
    # not answer: the server set it not ready
    m2 = marks(seats)
    c2 = Caller(srv, scen, "13900000021", hold_ms=300)
    assert no_incoming(seats, RING_ONLY, m2[RING_ONLY], 1.5)
    # until it says it is ready again
    publish(seats, RING_ONLY, SeatState.READY)
    assert caller_of(incoming(seats, RING_ONLY, m2[RING_ONLY])) == "13900000021"
    publish(seats, "8001", SeatState.READY)
    assert caller_of(incoming(seats, "8001", m2["8001"], timeout=RING_S + 10)) == "13900000021"
    assert c2.wait() == 0 and c.wait() == 0


def test_overflow_by_waiting_count(srv, scen, fresh):
    seats = fresh
    publish(seats, "8042", SeatState.READY)
    m = marks(seats)
    watch = QueueWatch(srv, "bjgy")
    callers = []
    try:
        watch.wait(lambda d: d.waiting == 0)
        callers.append(Caller(srv, scen, "13900000030", hold_ms=300))
        watch.wait(lambda d: d.waiting == 1, timeout=10)
        # one waiting (not more than N=2): the sub-platform seat is not pulled in
        assert no_incoming(seats, "8042", m["8042"], 1.0)
        callers.append(Caller(srv, scen, "13900000031", hold_ms=300))
        watch.wait(lambda d: d.waiting == 2, timeout=10)
        assert no_incoming(seats, "8042", m["8042"], 0.8)
        callers.append(Caller(srv, scen, "13900000032", hold_ms=300))
        # three waiting > 2: the oldest caller goes to the sub-platform seat
        assert caller_of(incoming(seats, "8042", m["8042"], timeout=10)) == "13900000030"
        publish(seats, "8042", SeatState.NOT_READY)
        for u in ("8001", "8002"):
            publish(seats, u, SeatState.READY)
        assert all(c.wait() == 0 for c in callers)
    finally:
        for c in callers:
            c.kill()
        watch.close()


def test_caller_hanging_up_while_queued_counts_as_abandoned(srv, scen, fresh):
    watch = QueueWatch(srv, "bjgy")
    try:
        day = Day()
        before = watch.wait(lambda d: True)
        m = watch.mark()
        c = Caller(srv, scen, "13900000040", scenario="gives_up.xml", hold_ms=1200)
        watch.wait_from(lambda d: d.waiting == 1, m, timeout=10)
        assert c.wait() == 0
        # the counters start from 0 at local midnight (routing.cfg QNEWDAY)
        doc = watch.wait(lambda d: d.waiting == 0 and (
            d.abandoned == before.abandoned + 1 or day.changed()), timeout=10)
        assert doc.queue == "bjgy" and doc.court == "北京市高级人民法院"
        if not day.changed():
            assert (doc.abandoned, doc.answered) == (before.abandoned + 1, before.answered)
        else:
            print("local midnight passed: the day's counters were reset, not compared")
    finally:
        watch.close()


def test_lending_refused_to_non_supervisor_and_takes_effect_for_supervisor(srv, scen, fresh):
    seats = fresh
    status, reason = send_message(srv, "8001", "lend 8043 30")
    assert (status, reason) == (403, "Forbidden - not a supervisor")
    watch = QueueWatch(srv, "bjgy")
    try:
        status, reason = send_message(srv, SUPERVISOR, "lend 8043 30")
        assert status == 200, reason
        watch.wait(lambda d: d.lent_in == 1 and d.lending_until is not None)
        publish(seats, "8043", SeatState.READY)
        m = marks(seats)
        c = Caller(srv, scen, "13900000050", hold_ms=300)
        assert caller_of(incoming(seats, "8043", m["8043"], timeout=10)) == "13900000050"
        assert c.wait() == 0
        status, _ = send_message(srv, SUPERVISOR, "end-lend 8043")
        assert status == 200
        watch.wait(lambda d: d.lent_in == 0)
        m = marks(seats)
        c = Caller(srv, scen, "13900000051", scenario="gives_up.xml", hold_ms=800)
        assert c.wait() == 0
        assert not seats["8043"][0].find_events(since=m["8043"], event="incoming")
    finally:
        watch.close()
    audit = srv.audit_entries()
    assert [(a["who"], a["result"]) for a in audit[-3:]] == [
        ("8001", "not a supervisor"), (SUPERVISOR, "ok"), (SUPERVISOR, "ok")]
    assert audit[-2]["action"] == "lend 8043 to bjgy for 30 min"

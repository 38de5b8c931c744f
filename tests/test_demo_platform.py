"""The embedded default platform (deploy/demo.py), alive, end to end.

A DemoPlatform with a working day compressed into 2 minutes, in a temp dir:
its simulated consulting judge registers (tests/test_demo_judge.py has its
answers), its simulated seats (sip/simple/callee.py + presence) register and go ready,
sipp callers from its generator are queued by the real Kamailio and answered
by the simulated seats (the queue documents' answered counts grow), some of
them calling from the demo cases' parties' phones (the From the seats see), callers
wait in the queues at the peak, and a real pjsua2 seat registered as the
app's own seat (8001, a member of the main queue) is offered a queued call.
stop() leaves no process behind.

Also the call-answering UA on its own, against Kamailio and a sipp caller,
and the day's volume shape.
"""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from app.domain.directory import Directory
from app.domain.presence_doc import SeatPresence, parse_pidf, seat_pidf
from app.domain.seat_state import SeatState
from deploy.kamailio.launcher import KamailioError, find_kamailio

SIPP = shutil.which("sipp")
try:
    find_kamailio()
    _HAVE_KAMAILIO = True
except KamailioError:
    _HAVE_KAMAILIO = False
needs_servers = pytest.mark.skipif(not _HAVE_KAMAILIO or SIPP is None,
                                   reason="kamailio and sipp (sip-tester) needed")
ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------ the day's shape
def test_the_day_has_about_260_calls_with_office_hour_peaks():
    from deploy.demo_callers import DAY_END_H, DAY_START_H, DayShape
    shape = DayShape(calls_per_day=260, day_minutes=15, start_hour=8.0)
    assert shape.speed == pytest.approx(40.0)          # 10 h in 15 min
    rng = random.Random(1)
    day_s = shape.day_minutes * 60
    counts = []
    for _ in range(20):
        t, hours = 0.0, [0] * (DAY_END_H - DAY_START_H)
        while True:
            t += shape.next_gap(rng, t)
            if t >= day_s:
                break
            hours[int(shape.clock(t)) - DAY_START_H] += 1
        counts.append(hours)
    per_day = [sum(h) for h in counts]
    assert 230 <= sum(per_day) / len(per_day) <= 290
    mean = [sum(h[i] for h in counts) / len(counts) for i in range(len(counts[0]))]
    # peaks mid-morning and mid-afternoon, a lunch dip, quiet at the ends
    assert mean[2] > 2 * mean[4] and mean[6] > 2 * mean[4]     # 10:00, 14:00 vs 12:00
    assert mean[0] < mean[2] and mean[-1] < mean[-4]
    # the clock wraps to the next morning
    assert DAY_START_H <= shape.clock(day_s * 1.5) < DAY_END_H


# ----------------------------------------------------------- the answering UA
@needs_servers
def test_callee_pool_answers_a_queued_call_and_hangs_up(tmp_path):
    from app.domain.routing import QueueConfig
    from deploy.demo_callers import CallerGenerator, DayShape
    from deploy.kamailio.launcher import KamailioServer, SipUser
    from sip.simple.callee import CalleePool
    from sip.simple.ua import PublisherPool

    queues = [QueueConfig("bjgy", "12368", "北京市高级人民法院", ["8002", "8003"], max_wait_s=20,
                          ring_timeout_s=5)]
    srv = KamailioServer(tmp_path / "k", users=[SipUser(u, "pw" + u) for u in ("8002", "8003")],
                         queues=queues)
    srv.start()
    events, lock = [], threading.Lock()

    def on_event(ev, info):
        with lock:
            events.append((ev, info))

    pool = pub = gen = None
    try:
        ring = [0.2]
        pool = CalleePool(srv, [("8002", "pw8002"), ("8003", "pw8003")], ring_s=lambda u: ring[0],
                          talk_s=0.5, on_event=on_event)
        assert pool.register_all(5)
        pub = PublisherPool((srv.host, srv.udp_port), [("8003", "pw8003")], domain="127.0.0.1")
        pool.set_accepting("8003", True)          # 8002 registered but not ready: never offered
        gen = CallerGenerator((srv.host, srv.udp_port), tmp_path / "c", [("12368", 1.0)], DayShape())
        caller = gen.call("12368", caller="13912345678", patience_s=20)
        time.sleep(0.5)                          # queued: nobody is ready yet
        assert [e for e, _ in events] == []
        assert pub.publish("8003", seat_pidf("sip:8003@127.0.0.1", SeatPresence(
            "8003", SeatState.READY, since=time.time()))).status == 200
        assert caller.wait(15) == 0              # answered, then the seat hung up
        # the pool sends its BYE first and only then says "ended"
        _until(lambda: len(events) >= 3, 10, "the seat's three call events")
        with lock:
            kinds = [(e, i.user) for e, i in events]
            ended = [i for e, i in events if e == "ended"]
        assert kinds == [("ringing", "8003"), ("answered", "8003"), ("ended", "8003")]
        assert ended[0].caller == "13912345678" and ended[0].queue == "bjgy"
        assert ended[0].end_reason == "local-bye" and ended[0].answered > 0

        # a caller who gives up while the seat rings: CANCEL reaches the seat (487)
        ring[0] = 30.0
        with lock:
            events.clear()
        assert gen.call("12368", caller="13912345679", patience_s=1).wait(15) == 0
        # the caller's CANCEL was answered: the seat's "ended" follows its 487
        _until(lambda: any(e == "ended" for e, _ in list(events)), 10, "the cancelled call ended")
        with lock:
            got = [(e, i.user, i.end_reason) for e, i in events]
        assert got == [("ringing", "8003", ""), ("ended", "8003", "cancelled")]
        assert pool.calls() == []
    finally:
        for x in (gen, pool, pub):
            if x is not None:
                x.stop() if x is gen else x.close()
        srv.stop()


# -------------------------------------------------------- the whole demo
class Watch:
    """What the wallboard would see: every queue and a few seats."""

    def __init__(self, platform, seats):
        from sip.simple import PresenceUA
        from deploy.demo import demo_password
        srv = platform.server
        self.lock = threading.Lock()
        self.queues: dict[str, list] = {}
        self.seats: dict[str, set] = {}
        self.ua = PresenceUA(srv.host, srv.udp_port, "8902", demo_password("8902"),
                             keepalive_interval=None, auto_recover=False)
        for q in platform.queues:
            self.ua.subscribe(srv.queue_uri(q.name), on_notify=self._on)
        for s in seats:
            self.ua.subscribe(f"sip:{s}@{srv.domain}", on_notify=self._on)

    def _on(self, sub, n):
        if not n.pidf:
            return
        p = parse_pidf(n.pidf)
        with self.lock:
            if p.queue is not None:
                self.queues.setdefault(p.queue.queue, []).append(p.queue)
            if p.seat is not None:
                self.seats.setdefault(p.seat.seat, set()).add(p.seat.state)

    def saw_any(self, states) -> bool:
        with self.lock:
            return any(set(states) & seen for seen in self.seats.values())

    def answered(self) -> int:
        with self.lock:
            return sum(docs[-1].answered for docs in self.queues.values())

    def most_waiting(self) -> int:
        with self.lock:
            return max((d.waiting for docs in self.queues.values() for d in docs), default=0)

    def close(self):
        self.ua.close()


def _until(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(d))
    return out


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


@needs_servers
@pytest.mark.e2e
def test_demo_platform_is_alive_and_the_users_seat_gets_a_queued_call(tmp_path):
    from deploy.demo import DemoPlatform, demo_password
    from sip.peer.client import PeerAgent
    from sip.simple.ua import PublisherPool

    directory = Directory.load(ROOT / "resources" / "directory.json")
    before = set(_children(os.getpid()))
    p = DemoPlatform(tmp_path / "demo", directory, seat="8001", day_minutes=2, with_lines=False)
    agent = watch = pub = None
    procs: list[subprocess.Popen] = []
    try:
        p.start()
        kamailio_pid = p.server.pid
        assert p.judge is not None and p.judge.registered()       # 8901 signed in
        watch = Watch(p, ["8002", "8042", "8011"])
        p.start_simulation()
        sim = p.simulation
        phones = set(p.callers.known_callers)
        assert len(phones) > 80 and p.callers.known_share == pytest.approx(0.4)
        # every simulated seat registered; those on duty ready (their presence)
        assert all(sim.callees.registered(s.number) for s in sim.seats)
        assert len(sim.seats) == 72 and "8001" not in {s.number for s in sim.seats}
        _until(lambda: SeatState.READY in watch.seats.get("8042", ()), 10, "8042 ready")
        # queued calls answered by simulated seats, as the queue server counts them
        _until(lambda: watch.answered() >= 5, 30, "5 calls answered")
        # the seats count an answer on their own thread, after the 200 OK went out
        _until(lambda: sim.answered >= 5, 10, "5 answers counted by the simulated seats")
        # the seats are offered callers who are parties of the demo's cases, and others
        _until(lambda: set(sim.callers_seen) & phones, 20, "a case party calling")
        _until(lambda: {c for c in set(sim.callers_seen) - phones if c.startswith("139")}, 20,
               "a caller with a random number")
        _until(lambda: watch.saw_any({SeatState.TALKING, SeatState.WRAP_UP}), 30,
               "a watched seat talking or in wrap-up")
        # at the morning peak of a 2-minute day the main platform cannot keep up
        _until(lambda: watch.most_waiting() >= 1, 30, "a caller waiting in a queue")

        # the user's seat (a real pjsua2 softphone) signs in and gets a queued call
        agent = PeerAgent(name="seat8001", tcp=True)
        agent.start()
        srv = p.server
        agent.account("8001", password=demo_password("8001"),
                      registrar=f"sip:{srv.host}:{srv.tcp_port};transport=tcp",
                      domain=f"{srv.host}:{srv.tcp_port}", transport="tcp", auto_answer=200)
        agent.wait_event(event="reg", code=200, timeout=10)
        m = agent.mark()
        pub = PublisherPool((srv.host, srv.udp_port), [("8001", demo_password("8001"))],
                            domain=srv.host)
        assert pub.publish("8001", seat_pidf(f"sip:8001@{srv.host}", SeatPresence(
            "8001", SeatState.READY, since=time.time() - 600, court="bjgy"))).status == 200
        ev = agent.wait_event(event="incoming", since=m, timeout=20)
        assert ev["headers"].get("X-Hotline-Queue") == "bjgy"
        caller = ev["from"].split("sip:", 1)[1].split("@", 1)[0]
        assert caller.startswith("139") or caller in phones       # one of the demo's callers
        agent.wait_event(event="call_state", state="CONFIRMED", call=ev["call"], since=m,
                         timeout=10)
        print(p.status())
        procs = list(p.callers._procs)
    finally:
        if agent is not None:
            agent.stop(timeout=5)
        for x in (watch, pub):
            if x is not None:
                x.close()
        t0 = time.monotonic()
        p.stop()
        print(f"stop took {time.monotonic() - t0:.2f} s")
    # nothing left behind: no sipp, no Kamailio process (nor its workers)
    assert procs and all(pr.poll() is not None for pr in procs)
    assert not _group_alive(kamailio_pid)
    assert set(_children(os.getpid())) <= before

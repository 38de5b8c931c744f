"""Queue thresholds changed at run time (routing.cfg set-thresholds), end to end.

A supervisor's authenticated MESSAGE to q-admin changes a queue's overflow
thresholds, max wait and ring timeout in the running Kamailio: the next
routing decision uses them, no restart. Same tools as tests/test_routing_e2e.py
(sipp callers, PeerAgent seats whose readiness is PUBLISHed from the test):

  bjgy 12368    8001 8003 (8003 only rings)   overflow above 5 waiting -> hdfy
  hdfy 1236811  8042

Also: a non-supervisor is refused and nothing changes; the queue document
carries the thresholds; the values survive a Kamailio restart (kept in the
audit database); the wallboard's overflow panel reads and applies them.
"""
from __future__ import annotations

import re
import threading
import time

import pytest

from app.domain.presence_doc import SeatPresence, parse_pidf, seat_pidf
from app.domain.routing import QueueConfig, QueueThresholds, parse_thresholds_reply
from app.domain.seat_state import SeatState
from deploy.kamailio.launcher import KamailioServer, SipUser
from tests.routing_helpers import after_restart
from tests.test_routing_e2e import (ANSWERED, CALLER, GIVES_UP, PW as E2E_PW, Caller, caller_of,
                                    pytestmark)

pytestmark = pytestmark  # e2e, skipped without kamailio/sipp

SEATS = ["8001", "8003", "8042"]
RING_ONLY = "8003"
SUPERVISOR = "8901"
OTHER = "8902"             # a subscriber, not a supervisor
PW = {u: E2E_PW[u] for u in SEATS + [SUPERVISOR, OTHER]}
QUEUES = [
    QueueConfig("bjgy", "12368", "北京市高级人民法院", ["8001", "8003"], max_wait_s=30,
                fallback="480", ring_timeout_s=20, overflow_waiting_n=5, overflow_wait_s=0,
                overflow_to=["hdfy"]),
    QueueConfig("hdfy", "1236811", "北京市海淀区人民法院", ["8042"], max_wait_s=30,
                fallback="480", ring_timeout_s=20),
]
CONFIGURED = QueueThresholds.of(QUEUES[0])


@pytest.fixture(scope="module")
def scen(tmp_path_factory):
    d = tmp_path_factory.mktemp("sipp-thr")
    (d / "answered.xml").write_text(CALLER % {"middle": ANSWERED})
    (d / "gives_up.xml").write_text(CALLER % {"middle": GIVES_UP})
    return d


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = KamailioServer(tmp_path_factory.mktemp("kam-thr"), users=[SipUser(u, p) for u, p in PW.items()],
                       queues=QUEUES, supervisors=[SUPERVISOR], debug=2)
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def seats(srv):
    from sip.peer.client import PeerAgent
    from sip.simple import PresenceUA
    out = {}
    try:
        for u in SEATS:
            a = PeerAgent(name=f"thr{u}")
            a.start()
            a.account(u, password=PW[u], registrar=f"sip:127.0.0.1:{srv.udp_port}",
                      domain=f"127.0.0.1:{srv.udp_port}", transport="udp",
                      auto_answer="ring" if u == RING_ONLY else 200)
            out[u] = (a, PresenceUA("127.0.0.1", srv.udp_port, u, PW[u], keepalive_interval=None,
                                    auto_recover=False))
        for a, _ in out.values():
            a.wait_event(event="reg", code=200, timeout=10)
        yield out
    finally:
        for a, ua in out.values():
            ua.close()
            try:
                a.stop(timeout=5)
            except Exception:
                a.kill()


def publish(seats, user, state, since=None):
    doc = seat_pidf(f"sip:{user}@127.0.0.1", SeatPresence(
        seat=user, state=state, reason="other" if state is SeatState.NOT_READY else "",
        since=time.time() if since is None else since))
    seats[user][1].publish(doc)


_UAS: dict = {}


def send_message(srv, user: str, body: str) -> tuple[int, str]:
    """An authenticated MESSAGE to q-admin from ``user`` (one UA per user,
    kept for the module: closing a UDP UA costs seconds)."""
    from sip.simple import PresenceUA
    key = (srv.udp_port, user)
    if key not in _UAS:
        _UAS[key] = PresenceUA("127.0.0.1", srv.udp_port, user, PW[user], keepalive_interval=None,
                               auto_recover=False)
    return _UAS[key].send_message("sip:q-admin@127.0.0.1", body)


@pytest.fixture(scope="module", autouse=True)
def _close_uas():
    yield
    for ua in _UAS.values():
        ua.close()
    _UAS.clear()


def query(srv, user=SUPERVISOR, queue="bjgy", restarted=False) -> QueueThresholds:
    """The queue's thresholds as the server answers; ``restarted``: Kamailio
    was just started again (a 407 then is tried again, tests/routing_helpers.py)."""
    if restarted:
        status, reason = after_restart(srv, lambda: send_message(srv, user, f"thresholds {queue}"),
                                       f"MESSAGE of {user}")
    else:
        status, reason = send_message(srv, user, f"thresholds {queue}")
    assert status == 200, (status, reason)
    return parse_thresholds_reply(reason)


@pytest.fixture
def fresh(srv, seats):
    """Every seat not ready; the configured thresholds back after the test."""
    for u in SEATS:
        publish(seats, u, SeatState.NOT_READY)
    yield seats
    status, reason = after_restart(srv, lambda: send_message(srv, SUPERVISOR, CONFIGURED.command()),
                                   f"MESSAGE of {SUPERVISOR}")
    assert status == 200, (status, reason)


class RawQueueWatch:
    """The queue's documents as the wallboard receives them (raw and parsed)."""

    def __init__(self, srv, queue):
        from sip.simple import PresenceUA
        self.docs: list[tuple[str, object]] = []
        self.cond = threading.Condition()
        self.ua = PresenceUA("127.0.0.1", srv.udp_port, OTHER, PW[OTHER], keepalive_interval=None,
                             auto_recover=False)
        self.ua.subscribe(srv.queue_uri(queue), on_notify=self._on)

    def _on(self, sub, n):
        if n.pidf:
            with self.cond:
                self.docs.append((n.pidf, parse_pidf(n.pidf).queue))
                self.cond.notify_all()

    def wait(self, pred, timeout=8.0):
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                if self.docs and pred(*self.docs[-1]):
                    return self.docs[-1]
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no matching document; last: {self.docs[-1:]}")
                self.cond.wait(left)

    def close(self):
        self.ua.close()


def attr(raw: str, name: str) -> int:
    m = re.search(r'<hl:thresholds[^>]*\b%s="(\d+)"' % name, raw)
    assert m, raw
    return int(m.group(1))


def no_incoming(seats, user, since, wait):
    time.sleep(wait)
    return not seats[user][0].find_events(since=since, event="incoming")


# ------------------------------------------------------------------- tests
def test_lowering_the_waiting_threshold_starts_overflow_without_restart(srv, scen, fresh):
    seats = fresh
    watch = RawQueueWatch(srv, "bjgy")
    callers = []
    try:
        publish(seats, "8042", SeatState.READY)
        m = seats["8042"][0].mark()
        pid = srv.pid
        watch.wait(lambda raw, q: q.waiting == 0)
        for i in range(2):
            callers.append(Caller(srv, scen, f"1391000000{i}", hold_ms=300))
            # queued before the next one starts (separate sipp processes: a
            # slow start would swap the arrival order)
            watch.wait(lambda raw, q, n=i + 1: q.waiting == n, timeout=10)
        raw, q = watch.wait(lambda raw, q: q.waiting == 2)
        assert attr(raw, "overflow-waiting") == 5 and not q.overflow_active
        # 2 waiting, not more than 5: the Haidian seat is not pulled in
        assert no_incoming(seats, "8042", m, 1.0)

        status, reason = send_message(srv, SUPERVISOR, "set-thresholds bjgy 1 - - -")
        assert status == 200, reason
        assert parse_thresholds_reply(reason) == QueueThresholds("bjgy", 1, 0, 30, 20)
        # 2 waiting > 1: the oldest caller goes to the sub-platform seat, at once
        ev = seats["8042"][0].wait_event(event="incoming", since=m, timeout=10)
        assert caller_of(ev) == "13910000000"
        raw, q = watch.wait(lambda raw, q: attr(raw, "overflow-waiting") == 1)
        assert attr(raw, "max-wait") == 30 and attr(raw, "ring-timeout") == 20
        assert srv.pid == pid  # the same Kamailio process: no restart
        assert query(srv, "8001") == QueueThresholds("bjgy", 1, 0, 30, 20)

        done = [e for e in srv.audit_entries() if e["action"].startswith("thresholds")]
        assert done and done[-1]["who"] == SUPERVISOR and done[-1]["result"] == "ok"
        assert "overflow-waiting=1" in done[-1]["action"]
        assert srv.live_thresholds()["bjgy"]["ovn"] == 1

        publish(seats, "8042", SeatState.NOT_READY)
        publish(seats, "8001", SeatState.READY)
        assert all(c.wait() == 0 for c in callers)
    finally:
        for c in callers:
            c.kill()
        watch.close()


def test_a_non_supervisor_is_refused_and_nothing_changes(srv, fresh):
    before = len(srv.audit_entries())
    status, reason = send_message(srv, OTHER, "set-thresholds bjgy 1 10 60 5")
    assert (status, reason) == (403, "Forbidden - not a supervisor")
    assert query(srv) == CONFIGURED
    refused = srv.audit_entries()[before:]
    assert [(e["who"], e["action"], e["result"]) for e in refused] == [
        (OTHER, "refused", "not a supervisor")]
    kept = srv.live_thresholds().get("bjgy")   # the previous test's reset, not this
    assert kept is None or (kept["who"], kept["ovn"], kept["rt"]) == (SUPERVISOR, 5, 20)


@pytest.mark.parametrize("body, code", [
    ("set-thresholds bjgy x 0 30 20", 400),
    ("set-thresholds bjgy 1 0 0 20", 400),         # max wait at least 1 s
    ("set-thresholds bjgy 1 0 30 0", 400),         # ring at least 1 s
    ("set-thresholds bjgy 1 0 30 301", 400),
    ("set-thresholds bjgy 1000 0 30 20", 400),
    ("set-thresholds nosuch 1 0 30 20", 404),
    ("thresholds nosuch", 404),
])
def test_bad_threshold_commands_are_refused_with_a_reason(srv, fresh, body, code):
    status, reason = send_message(srv, SUPERVISOR, body)
    assert status == code, reason
    assert reason and reason != "OK"
    assert query(srv) == CONFIGURED


def test_a_shorter_ring_timeout_applies_to_the_next_offer(srv, scen, fresh):
    seats = fresh
    assert send_message(srv, SUPERVISOR, "set-thresholds bjgy - - - 1")[0] == 200
    now = time.time()
    publish(seats, RING_ONLY, SeatState.READY, since=now - 100)   # longest ready, never answers
    publish(seats, "8001", SeatState.READY, since=now - 10)
    m = {u: seats[u][0].mark() for u in SEATS}
    t0 = time.monotonic()
    c = Caller(srv, scen, "13910000010", hold_ms=300)
    try:
        assert caller_of(seats[RING_ONLY][0].wait_event(event="incoming", since=m[RING_ONLY],
                                                        timeout=10)) == "13910000010"
        # the configured 20 s would still be ringing: 1 s moves the call on
        ev = seats["8001"][0].wait_event(event="incoming", since=m["8001"], timeout=10)
        assert caller_of(ev) == "13910000010"
        print(f"moved on after {time.monotonic() - t0:.2f} s")
        assert c.wait() == 0
    finally:
        c.kill()


def test_overflow_panel_reads_and_applies_thresholds(qtbot, srv, fresh):
    from sip.simple.ua import PresenceUA
    from ui.wallboard.overflow import OverflowPanel

    class Court:
        def __init__(self, code, name, is_main):
            self.code, self.name, self.short_name, self.is_main = code, name, name, is_main

    def panel(user):
        ua = PresenceUA("127.0.0.1", srv.tcp_port, user, PW[user], transport="tcp",
                        keepalive_interval=None, auto_recover=False)
        p = OverflowPanel([Court("hdfy", "海淀法院", False), Court("bjgy", "北京高院", True)],
                          lambda body: ua.send_message("sip:q-admin@127.0.0.1", body))
        qtbot.addWidget(p)
        return p, ua

    p, ua = panel(SUPERVISOR)
    try:
        assert p.thr_queue.currentData() == "bjgy"       # the main platform first
        p.show()                                           # reads the current values
        qtbot.waitUntil(lambda: p.apply_btn.isEnabled(), timeout=10000)
        assert (p.ovn.value(), p.ovt.value(), p.max_wait.value(), p.ring.value()) == (5, 0, 30, 20)
        p.ovn.setValue(3)
        p.ovt.setValue(45)
        p.apply_btn.click()
        qtbot.waitUntil(lambda: p.thr_result.text().startswith(("Applied", "已")), timeout=10000)
        assert "3" in p.thr_result.text() and "45" in p.thr_result.text()
        assert query(srv) == QueueThresholds("bjgy", 3, 45, 30, 20)
        # another queue: its own values are read, nothing is applied on the way
        p.thr_queue.setCurrentIndex(p.thr_queue.findData("hdfy"))
        qtbot.waitUntil(lambda: p.apply_btn.isEnabled(), timeout=10000)
        assert (p.ovn.value(), p.max_wait.value()) == (0, 30)
    finally:
        p.close_pool()
        ua.close()

    p, ua = panel(OTHER)
    try:
        p.show()
        qtbot.waitUntil(lambda: p.apply_btn.isEnabled(), timeout=10000)
        p.ovn.setValue(9)
        p.apply_btn.click()
        qtbot.waitUntil(lambda: "403" in p.thr_result.text(), timeout=10000)
        assert "not a supervisor" in p.thr_result.text()
        assert p.ovn.value() == 9          # what the judge typed stays
        assert query(srv).overflow_waiting_n == 3
    finally:
        p.close_pool()
        ua.close()


def test_thresholds_set_live_survive_a_restart(srv, fresh):
    """Last in the module: the restart drops the seats' registrations."""
    assert send_message(srv, SUPERVISOR, "set-thresholds bjgy 2 90 120 7")[0] == 200
    srv.restart()
    assert query(srv, restarted=True) == QueueThresholds("bjgy", 2, 90, 120, 7)
    srv.reset_live_thresholds()
    srv.restart()
    assert query(srv, restarted=True) == CONFIGURED

"""More end-to-end checks of the Kamailio queue router (routing.cfg):
overflow by the oldest wait, a lending that expires on time, the max-wait
fallback, and routing after a Kamailio restart.

Same tools as tests/test_routing_e2e.py (sipp callers, PeerAgent seats whose
readiness is PUBLISHed from the test); its own server and queues:

  bjgy 12368    8001 8002   overflow when the oldest caller waited 2 s -> hdfy
  hdfy 1236811  8042 8043
  cyfy 1236812  8061        max wait 3 s, then 480 (its fallback)

The lending test lasts about a minute: a lending is given in whole minutes
(1-1440) and ends by the expiry of its htable item, which htable checks every
``timer_interval`` (2 s here) and the queue figures are recomputed every 1 s.
"""
from __future__ import annotations

import time

import pytest

from app.domain.routing import QueueConfig
from app.domain.seat_state import SeatState
from deploy.kamailio.launcher import KamailioServer, SipUser
from tests.test_routing_e2e import (ANSWERED, CALLER, GIVES_UP, PW as E2E_PW, Caller,
                                    QueueWatch, caller_of, pytestmark, send_message)

pytestmark = pytestmark  # e2e, skipped without kamailio/sipp

MAIN = ["8001", "8002"]
SUB = ["8042", "8043"]
CY = ["8061"]
SEATS = MAIN + SUB + CY
SUPERVISOR = "8901"
PW = {u: f"pw-{u}" for u in SEATS + [SUPERVISOR, "8902"]}
assert all(E2E_PW.get(u, p) == p for u, p in PW.items())
OVT = 2
CY_MW = 3
QUEUES = [
    QueueConfig("bjgy", "12368", "北京市高级人民法院", MAIN, max_wait_s=30, fallback="480",
                ring_timeout_s=3, overflow_waiting_n=0, overflow_wait_s=OVT,
                overflow_to=["hdfy"]),
    QueueConfig("hdfy", "1236811", "北京市海淀区人民法院", SUB, max_wait_s=30, fallback="480",
                ring_timeout_s=3),
    QueueConfig("cyfy", "1236812", "北京市朝阳区人民法院", CY, max_wait_s=CY_MW,
                fallback="480", ring_timeout_s=3),
]

FALLBACK = """
  <recv response="182"/>
  <recv response="480" timeout="15000"/>
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
    d = tmp_path_factory.mktemp("sipp-more")
    (d / "answered.xml").write_text(CALLER % {"middle": ANSWERED})
    (d / "gives_up.xml").write_text(CALLER % {"middle": GIVES_UP})
    (d / "fallback.xml").write_text(CALLER % {"middle": FALLBACK})
    return d


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = KamailioServer(tmp_path_factory.mktemp("kam-routing-more"),
                       users=[SipUser(u, p) for u, p in PW.items()],
                       queues=QUEUES, supervisors=[SUPERVISOR], debug=2)
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def seats(srv):
    """user -> (PeerAgent, PresenceUA, account id); answer at once; registrations
    refreshed every ~5 s (reg_timeout 10) so that they come back after a restart."""
    from sip.peer.client import PeerAgent
    from sip.simple import PresenceUA
    out = {}
    try:
        for u in SEATS:
            a = PeerAgent(name=f"more{u}")
            a.start()
            r = a.account(u, password=PW[u], registrar=f"sip:127.0.0.1:{srv.udp_port}",
                          domain=f"127.0.0.1:{srv.udp_port}", transport="udp",
                          auto_answer=200, reg_timeout=10)
            ua = PresenceUA("127.0.0.1", srv.udp_port, u, PW[u], keepalive_interval=None,
                            auto_recover=False)
            out[u] = (a, ua, r["account"])
        for u, (a, _, _) in out.items():
            a.wait_event(event="reg", code=200, timeout=10)
        yield out
    finally:
        for a, ua, _ in out.values():
            ua.close()
            try:
                a.stop(timeout=5)
            except Exception:
                a.kill()


def publish(seats, user: str, state: SeatState, since: float | None = None):
    from app.domain.presence_doc import SeatPresence, seat_pidf
    seats[user][1].publish(seat_pidf(f"sip:{user}@127.0.0.1", SeatPresence(
        seat=user, state=state, reason="other" if state == SeatState.NOT_READY else "",
        since=time.time() if since is None else since)))


@pytest.fixture
def fresh(seats):
    for u in SEATS:
        publish(seats, u, SeatState.NOT_READY)
    return seats


def marks(seats) -> dict[str, int]:
    return {u: seats[u][0].mark() for u in SEATS}


def incoming(seats, user, since, timeout=10.0):
    return seats[user][0].wait_event(event="incoming", since=since, timeout=timeout)


def got_none(seats, user, since) -> bool:
    return not seats[user][0].find_events(since=since, event="incoming")


# ------------------------------------------------------------------ tests
def test_overflow_triggered_by_the_oldest_wait(srv, scen, fresh):
    seats = fresh
    publish(seats, "8042", SeatState.READY)      # only a sub-platform seat is free
    m = marks(seats)
    t0 = time.monotonic()
    c = Caller(srv, scen, "13900000101", hold_ms=300)
    try:
        # one caller only (the waiting-count rule is off): not before T
        time.sleep(OVT - 0.5)
        assert got_none(seats, "8042", m["8042"]), "offered to the overflow seat too early"
        ev = incoming(seats, "8042", m["8042"], timeout=3)
        took = time.monotonic() - t0
        assert caller_of(ev) == "13900000101"
        print(f"\noverflow by wait: offered to the hdfy seat {took:.2f} s after the call "
              f"(T = {OVT} s, incl. sipp start)")
        assert OVT - 0.3 <= took <= OVT + 1.5, took
        assert c.wait() == 0
    finally:
        c.kill()


def test_max_wait_gives_the_fallback(srv, scen, fresh):
    watch = QueueWatch(srv, "cyfy")
    try:
        before = watch.wait(lambda d: True)
        t0 = time.monotonic()
        c = Caller(srv, scen, "13900000201", number="1236812", scenario="fallback.xml")
        rc = c.wait(timeout=20)
        took = time.monotonic() - t0
        print(f"\nmax wait {CY_MW} s: caller got 480 after {took:.2f} s (incl. sipp start/exit)")
        assert rc == 0, "the caller did not get the fallback 480"
        assert CY_MW - 0.2 <= took <= CY_MW + 1.5, took
        # nobody was offered the call
        doc = watch.wait(lambda d: d.waiting == 0 and d.answered == before.answered)
        assert doc.abandoned == before.abandoned
    finally:
        watch.close()


def test_lending_expires_on_time(srv, scen, fresh):
    seats = fresh
    watch = QueueWatch(srv, "bjgy")
    try:
        t_before = time.time()
        status, reason = send_message(srv, SUPERVISOR, "lend 8043 1")
        assert status == 200, reason
        t_lend = time.time()
        doc = watch.wait(lambda d: d.lent_in == 1 and d.lending_until is not None)
        until = doc.lending_until.timestamp() if hasattr(doc.lending_until, "timestamp") \
            else float(doc.lending_until)
        print(f"\nlend sent at +0, answered after {t_lend - t_before:.2f} s; "
              f"lending-until = sent + {until - t_before:.2f} s (whole seconds on the server)")
        assert t_before + 59 <= until <= t_lend + 61, (until, t_before, t_lend)
        # lent: a main-platform caller goes to 8043 at once (no overflow wait)
        publish(seats, "8043", SeatState.READY)
        m = marks(seats)
        c = Caller(srv, scen, "13900000301", hold_ms=200)
        ev = incoming(seats, "8043", m["8043"], timeout=OVT - 0.5)
        assert caller_of(ev) == "13900000301"
        assert c.wait() == 0
        # still lent shortly before the end
        time.sleep(max(0.0, t_lend + 55 - time.time()))
        assert watch.wait(lambda d: True).lent_in == 1
        # ends by itself: the queue document shows it within htable's
        # timer_interval (2 s) + the 1 s figures tick
        watch.wait(lambda d: d.lent_in == 0, timeout=(t_lend + 60 + 5) - time.time())
        ended = time.time() - t_lend
        print(f"\nlending of 1 min ended after {ended:.1f} s (nominal 60 s; htable "
              f"timer_interval 2 s + 1 s figures tick)")
        # htable keeps expiry in whole seconds from a truncated start second,
        # so a lending can end up to a second early; its timer adds up to 2 s.
        assert 57.5 <= ended <= 63.5, ended
        # and the seat is no longer offered main-platform calls (the caller
        # hangs up before the 2 s overflow rule could pull hdfy seats in)
        m = marks(seats)
        c = Caller(srv, scen, "13900000302", scenario="gives_up.xml", hold_ms=1200)
        assert c.wait() == 0
        assert got_none(seats, "8043", m["8043"])
    finally:
        watch.close()
    audit = srv.audit_entries()
    assert audit[-1]["who"] == SUPERVISOR and audit[-1]["action"] == "lend 8043 to bjgy for 1 min"


def test_after_a_restart_new_calls_route_again(srv, scen, fresh):
    seats = fresh
    publish(seats, "8001", SeatState.READY)
    m = marks(seats)
    c = Caller(srv, scen, "13900000401", hold_ms=200)
    assert caller_of(incoming(seats, "8001", m["8001"])) == "13900000401"
    assert c.wait() == 0          # finished before the restart: not in flight
    a, ua, acc = seats["8001"]
    regm = a.mark()
    t0 = time.monotonic()
    srv.restart()                 # registrations and seat states are gone
    # the seat registers again (its refresh) and publishes its state again
    a.wait_event(event="reg", code=200, account=acc, since=regm, timeout=15)
    t_reg = time.monotonic() - t0
    publish(seats, "8001", SeatState.READY)
    publish(seats, "8002", SeatState.READY)
    callers = []
    try:
        m = marks(seats)
        for i in range(4):
            callers.append(Caller(srv, scen, f"1390000041{i}", hold_ms=300))
            time.sleep(0.2)
        assert all(cl.wait() == 0 for cl in callers), "a call after the restart was lost"
        got = [e for u in ("8001", "8002")
               for e in seats[u][0].find_events(since=m[u], event="incoming")]
        assert sorted(caller_of(e) for e in got) == [f"1390000041{i}" for i in range(4)]
        print(f"\nrestart: seat registered again {t_reg:.1f} s after the restart; "
              f"4/4 new calls answered")
    finally:
        for cl in callers:
            cl.kill()

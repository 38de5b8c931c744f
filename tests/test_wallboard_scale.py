"""The wallboard at a province's scale, through the real Kamailio (slow).

1,000 seats publish distinct states (PublisherPool: every seat's account,
digest auth, one socket); the wallboard model gets every one of them through
one resource-list subscription (RFC 4662, Kamailio's rls) and, separately,
through direct per-seat subscriptions of our own UA, on threads of this
process and in the watcher process (sip/simple/watcher.py).
"""
from __future__ import annotations

import time

import pytest

from app.domain.presence_doc import SeatPresence, seat_pidf
from app.domain.seat_state import SeatState
from tests.conftest import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
N = 1000
STATES = [SeatState.READY, SeatState.TALKING, SeatState.WRAP_UP, SeatState.NOT_READY, SeatState.HELD]


class Entry:
    def __init__(self, number, court):
        self.number, self.name, self.court = number, f"坐席{number}", court


@pytest.fixture(scope="module")
def big_server(tmp_path_factory):
    from deploy.kamailio.launcher import KamailioServer, SipUser
    users = [SipUser(f"w{i:04d}", f"pw{i}") for i in range(N)] + [SipUser("judge", "pw-judge")]
    srv = KamailioServer(tmp_path_factory.mktemp("kam-big"), users=users, shm_mb=512)
    list_uri = srv.set_resource_list("board", "judge", [f"sip:w{i:04d}@{srv.host}" for i in range(N)])
    srv.start(timeout=30)
    yield srv, list_uri
    srv.stop()


def expected(i):
    return STATES[i % len(STATES)]


def publish_all(srv):
    from sip.simple.ua import PublisherPool
    pool = PublisherPool(srv, [(f"w{i:04d}", f"pw{i}") for i in range(N)], "udp")
    res = pool.publish_many([(f"w{i:04d}", seat_pidf(f"sip:w{i:04d}@{srv.host}", SeatPresence(
        f"w{i:04d}", expected(i), reason="meal" if expected(i) is SeatState.NOT_READY else "",
        since=time.time(), court=f"c{i % 50:02d}"))) for i in range(N)])
    assert not [r for r in res if isinstance(r, Exception)]
    return pool


@pytest.mark.parametrize("mode", ["list", "direct", "list-process", "direct-process"])
def test_every_seat_state_reaches_the_model(big_server, qapp, mode):
    from sip.simple.ua import PresenceUA
    from sip.simple.watcher import WatcherConfig
    from ui.wallboard.feed import PresenceFeed
    from ui.wallboard.model import SeatTableModel
    srv, list_uri = big_server
    model = SeatTableModel([Entry(f"w{i:04d}", f"c{i % 50:02d}") for i in range(N)], {})
    feed = PresenceFeed(model)
    pool = publish_all(srv)
    uris = [f"sip:w{i:04d}@{srv.host}" for i in range(N)]
    ua = None
    try:
        t0 = time.monotonic()
        if mode.endswith("-process"):
            feed.attach_watcher(WatcherConfig(srv.host, srv.tcp_port, "judge", "pw-judge", srv.host, "tcp",
                                              uris=[] if mode == "list-process" else uris,
                                              list_uri=list_uri if mode == "list-process" else None))
        else:
            ua = PresenceUA(srv.host, srv.tcp_port, "judge", "pw-judge", transport="tcp", keepalive_interval=None)
            if mode == "list":
                feed.attach_list(ua, list_uri)
            else:
                assert feed.attach_direct(ua, uris) == []

        def all_right():
            return all(not r.stale and r.presence.state is expected(i) for i, r in enumerate(model.rows))
        wait_until(all_right, timeout=45,
                   what=f"{N} seats live ({sum(1 for r in model.rows if not r.stale)} so far)")
        print(f"\n{mode}: {N} seats on the wallboard {time.monotonic() - t0:.2f} s after subscribing")
        assert feed.malformed == 0
        assert model.court_summary("c00").count(SeatState.READY) == sum(
            1 for i in range(N) if i % 50 == 0 and expected(i) is SeatState.READY)
    finally:
        if ua is not None:
            ua.close()
        feed.close_watcher()
        pool.close()

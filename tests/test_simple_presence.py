"""sip.simple (our own SIP SIMPLE presence UA) against the project's Kamailio.

PUBLISH with digest auth and ETags, plain SUBSCRIBE/NOTIFY, an RFC 4662
resource-list subscription served by Kamailio's rls module (1,000 seats),
and loss of the server.  Parsing is unit-tested too.
"""

from __future__ import annotations

import statistics
import threading
import time
import xml.etree.ElementTree as ET

import pytest

from deploy.kamailio.launcher import KamailioError, KamailioServer, SipUser, find_kamailio
from sip.simple import (
    DigestAuth,
    ListFeed,
    PresenceUA,
    PublisherPool,
    PublishError,
    StreamFramer,
    parse_message,
    parse_rls_body,
)
from sip.simple.digest import compute_response, parse_challenge

try:
    find_kamailio()
    _HAVE_KAMAILIO = True
except KamailioError:
    _HAVE_KAMAILIO = False

needs_kamailio = pytest.mark.skipif(not _HAVE_KAMAILIO, reason="kamailio not installed")

HOST = "127.0.0.1"
EXT_NS = "urn:x-hotline12368:seat"


def pidf(user: str, state: str, basic: str = "open") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:h="{EXT_NS}" '
            f'entity="sip:{user}@{HOST}">'
            f'<tuple id="t-{user}"><status><basic>{basic}</basic></status>'
            f'<h:seat><h:state>{state}</h:state><h:queue>civil</h:queue></h:seat>'
            f'</tuple></presence>')


def seat_state(doc: str | None) -> str | None:
    """The text of our extension element <h:state> (namespace checked)."""
    if not doc:
        return None
    root = ET.fromstring(doc.encode())
    el = root.find(f".//{{{EXT_NS}}}seat/{{{EXT_NS}}}state")
    return el.text if el is not None else None


# --------------------------------------------------------------------------
# Unit tests: parsing and digest
# --------------------------------------------------------------------------


def test_parse_compact_headers_and_body():
    raw = (b"NOTIFY sip:wall@127.0.0.1:5000 SIP/2.0\r\n"
           b"v: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc;rport\r\n"
           b"f: <sip:s1@127.0.0.1>;tag=a1\r\nt: <sip:wall@127.0.0.1>;tag=b2\r\n"
           b"i: cid-1\r\nCSeq: 7 NOTIFY\r\no: presence\r\nc: application/pidf+xml\r\n"
           b"Subscription-State: active;expires=60\r\nl: 5\r\n\r\nhelloEXTRA")
    m = parse_message(raw)
    assert m.method == "NOTIFY" and m.call_id == "cid-1" and m.cseq == (7, "NOTIFY")
    assert m.header("Content-Type") == "application/pidf+xml"
    assert m.header("EVENT") == "presence"
    assert (m.from_tag, m.to_tag, m.branch) == ("a1", "b2", "z9hG4bKabc")
    assert m.body == b"hello"


def test_stream_framer_splits_by_content_length():
    one = (b"SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nCSeq: 1 PUBLISH\r\n"
           b"Content-Length: 3\r\n\r\nabc")
    two = b"SIP/2.0 202 Accepted\r\nCSeq: 2 SUBSCRIBE\r\nContent-Length: 0\r\n\r\n"
    f = StreamFramer()
    data = b"\r\n\r\n" + one + two
    out = []
    for i in range(0, len(data), 7):  # arbitrary chunking
        out += f.feed(data[i:i + 7])
    assert [m.status for m in out] == [200, 202]
    assert out[0].body == b"abc"


def _rls_body(full: bool) -> tuple[bytes, str]:
    rlmi = ('<?xml version="1.0" encoding="UTF-8"?>'
            '<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:wallboard@127.0.0.1" '
            f'version="3" fullState="{"true" if full else "false"}">'
            '<resource uri="sip:s1@127.0.0.1"><instance id="x" state="active" cid="c1@h"/></resource>'
            '<resource uri="sip:s2@127.0.0.1"><instance id="y" reason="deactivated"/></resource>'
            '<resource uri="sip:s3@127.0.0.1"/></list>')
    b = "bNdRy"
    body = (f"--{b}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <root@h>\r\n"
            f"Content-Type: application/rlmi+xml;charset=\"UTF-8\"\r\n\r\n{rlmi}\r\n"
            f"--{b}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <c1@h>\r\n"
            f"Content-Type: application/pidf+xml;charset=\"UTF-8\"\r\n\r\n{pidf('s1', 'READY')}\r\n\r\n"
            f"--{b}--\r\n").encode()
    ctype = f'multipart/related;type="application/rlmi+xml";start="<root@h>";boundary="{b}"'
    return body, ctype


@pytest.mark.parametrize("full", [True, False])
def test_parse_rls_multipart(full):
    body, ctype = _rls_body(full)
    rl = parse_rls_body(body, ctype)
    assert rl.full_state is full and rl.version == 3 and rl.uri == "sip:wallboard@127.0.0.1"
    got = [(r.uri, r.state, seat_state(r.pidf)) for r in rl.resources]
    assert got == [("sip:s1@127.0.0.1", "active", "READY"),
                   ("sip:s2@127.0.0.1", "terminated", None),
                   ("sip:s3@127.0.0.1", "pending", None)]
    uri, state, doc = rl.resources[0]  # a resource unpacks as (uri, state, pidf)
    assert doc.startswith("<?xml") and doc.endswith("</presence>")


def test_digest_rfc2617_vector_and_nonce_reuse():
    # RFC 2617 3.5 example
    assert compute_response("Mufasa", "Circle Of Life", "testrealm@host.com",
                            "dcd98b7102dd2f0e8b11d0f600bfb0c093", "GET", "/dir/index.html",
                            "auth", "00000001", "0a4f113b") == "6629fae49393a05397450978507c4ef1"
    ch = parse_challenge('Digest realm="r", nonce="n1", qop="auth", opaque="o", stale=FALSE')
    assert (ch.realm, ch.nonce, ch.qop, ch.opaque, ch.stale) == ("r", "n1", ["auth"], "o", False)
    auth = DigestAuth("u", "p")
    assert auth.authorization("PUBLISH", "sip:u@r") is None
    resp = parse_message(b"SIP/2.0 407 Proxy Authentication Required\r\nCSeq: 1 PUBLISH\r\n"
                         b'Proxy-Authenticate: Digest realm="r", nonce="n1", qop="auth"\r\n'
                         b"Content-Length: 0\r\n\r\n")
    assert auth.on_challenge(resp, None) is True          # new nonce: retry
    name, v1, used = auth.authorization("PUBLISH", "sip:u@r")
    _, v2, _ = auth.authorization("PUBLISH", "sip:u@r")
    assert name == "Proxy-Authorization" and used == "n1"
    assert "nc=00000001" in v1 and "nc=00000002" in v2    # nonce reused, nc counts up
    assert auth.on_challenge(resp, "n1") is False         # same nonce again: not at once
    stale = parse_message(b"SIP/2.0 407 x\r\nCSeq: 1 PUBLISH\r\n"
                          b'Proxy-Authenticate: Digest realm="r", nonce="n1", stale=true\r\n\r\n')
    assert auth.on_challenge(stale, "n1") is True         # stale: recompute and resend


# --------------------------------------------------------------------------
# Against Kamailio
# --------------------------------------------------------------------------

SEATS = [SipUser("1001", "pw1001"), SipUser("1002", "pw1002"), SipUser("wall", "pw-wall")]


@pytest.fixture
def server(tmp_path):
    srv = KamailioServer(tmp_path / "kam", users=SEATS)
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()


def _ua(srv, user, password, transport="udp", **kw) -> PresenceUA:
    port = srv.tcp_port if transport == "tcp" else srv.udp_port
    return PresenceUA(srv.host, port, user, password, transport=transport, **kw)


@needs_kamailio
@pytest.mark.e2e
@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_publish_digest_etag_and_wrong_password(server, transport):
    ua = _ua(server, "1001", "pw1001", transport)
    bad = _ua(server, "1002", "not-the-password", transport)
    try:
        r1 = ua.publish(pidf("1001", "READY"), expires=60)
        assert r1.status == 200 and r1.etag and r1.fresh
        # the nonce is cached: the next request is not challenged again
        nonce = ua.digest.current_nonce()
        r2 = ua.refresh_publication()
        assert r2.status == 200 and not r2.fresh and r2.etag
        r3 = ua.publish(pidf("1001", "BUSY"), expires=60)      # modify with SIP-If-Match
        assert r3.status == 200 and not r3.fresh
        assert ua.digest.current_nonce() == nonce
        with pytest.raises(PublishError) as ei:
            bad.publish(pidf("1002", "READY"))
        assert ei.value.code == 403
        assert ua.unpublish().status == 200
        assert ua.etag is None
    finally:
        ua.close()
        bad.close()


@needs_kamailio
@pytest.mark.e2e
def test_plain_subscribe_receives_pidf_with_extension(server):
    pub = _ua(server, "1001", "pw1001")
    wall = _ua(server, "wall", "pw-wall", "tcp")
    got: list = []
    try:
        pub.publish(pidf("1001", "READY-4711"), expires=60)
        sub = wall.subscribe(f"sip:1001@{HOST}", expires=60,
                             on_notify=lambda s, n: got.append(n))
        assert sub.wait_for(lambda s: any(seat_state(n.pidf) == "READY-4711" for n in got), 5)
        t0 = time.time()
        pub.publish(pidf("1001", "BUSY-4712"), expires=60)
        assert sub.wait_for(lambda s: any(seat_state(n.pidf) == "BUSY-4712" for n in got), 5)
        doc = next(n.pidf for n in got if seat_state(n.pidf) == "BUSY-4712")
        root = ET.fromstring(doc.encode())
        assert root.find(f".//{{{EXT_NS}}}queue").text == "civil"  # extension element intact
        print(f"\nplain presence: PUBLISH -> NOTIFY {1000 * (time.time() - t0):.1f} ms")
        assert got[-1].subscription_state == "active"
    finally:
        wall.close()
        pub.close(unpublish=True)


@needs_kamailio
@pytest.mark.e2e
def test_publish_recovers_from_412_after_server_lost_state(server):
    ua = _ua(server, "1001", "pw1001", keepalive_interval=None)
    try:
        first = ua.publish(pidf("1001", "READY"), expires=60)
        old_etag = first.etag
        # a server restart that lost its presentities (e.g. a fresh node)
        server.stop()
        import sqlite3
        con = sqlite3.connect(str(server.presence_db))
        con.execute("DELETE FROM presentity")
        con.commit()
        con.close()
        server.start()
        # conditional refresh -> 412 -> fresh PUBLISH. Its cached nonce is from before the
        # restart: challenged first (stale=true, or a new nonce in the second the server
        # started), and a request auth_db could not check right after the start is
        # challenged again with the same nonce: the client answers each (bounded; see
        # tests/test_digest_retry.py), so no retry is needed here.
        r = ua.refresh_publication()
        assert r.status == 200 and r.recovered_412 and r.fresh
        assert r.etag and r.etag != old_etag
        r = ua.publish(pidf("1001", "BUSY"), expires=60)
        assert r.status == 200 and not r.fresh
    finally:
        ua.close()


@needs_kamailio
@pytest.mark.e2e
@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_subscription_failure_detected_when_server_killed(server, transport):
    keepalive, keepalive_timeout = 0.5, 1.0
    # design: the next keep-alive OPTIONS goes out within `keepalive` and fails after
    # `keepalive_timeout` (TCP: the closed connection is seen sooner); 2 s for a busy
    # machine. Measured here: about 1.5 s (UDP).
    detect_bound = keepalive + keepalive_timeout + 2.0
    wall = _ua(server, "wall", "pw-wall", transport, keepalive_interval=keepalive,
               keepalive_timeout=keepalive_timeout, recover_interval=0.5)
    events: list[tuple[str, str, float]] = []
    cond = threading.Event()

    def on_state(sub, state, reason):
        events.append((state, reason, time.monotonic()))
        if state in ("failed", "terminated"):
            cond.set()

    try:
        sub = wall.subscribe(f"sip:1001@{HOST}", expires=60, on_state=on_state)
        assert sub.wait_for(lambda s: s.notify_count >= 1, 5)
        t0 = time.monotonic()
        server.kill()
        assert cond.wait(2 * detect_bound), events   # waits past the bound: a late
        state, reason, t = next(e for e in events if e[0] in ("failed", "terminated"))
        print(f"\n{transport}: loss detected after {t - t0:.2f} s ({state}: {reason})")
        assert t - t0 < detect_bound                 # detection fails here, with its time
        # the server comes back: the subscription is re-established by itself
        server.start()
        assert sub.wait_for(lambda s: s.state == "active", 10), events
        assert events[-1][0] == "active"
    finally:
        wall.close()


# --------------------------------------------------------------------------
# Resource list (RFC 4662) through Kamailio's rls: 1,000 seats
# --------------------------------------------------------------------------

N_SEATS = 1000


HEAL_S = 5.0          # the wallboard's list_heal_after in this test


def _missing(feed, members, prefix):
    snap = feed.snapshot()
    return [m for m in members
            if m not in snap or seat_state(snap[m].pidf) != f"{prefix}-{m[4:9]}"]


def _wait_all_healed(sub, feed, members, prefix):
    """The initial full state: the RLS often misses a few members (a back-end SUBSCRIBE
    answered 500 under load, which it never retries); the subscriber's own healing
    (``list_heal_after``, then 2x, 4x ... later) refreshes the list until every member
    has a state. Returns the number of members missing before the first heal."""
    sub.wait_for(lambda s: not _missing(feed, members, prefix), HEAL_S - 0.5)
    lost = len(_missing(feed, members, prefix))
    assert sub.wait_for(lambda s: not _missing(feed, members, prefix), 60), \
        f"{len(_missing(feed, members, prefix))} still missing after {sub.heals} heals"
    return lost


def _wait_all_resynced(sub, feed, members, prefix, first_wait, rounds=3):
    """Changes to members that already have a state: a change the RLS lost cannot be
    told from an old state by the subscriber, so the test (which knows what it sent)
    refreshes the list (a resync: rls refreshes its back-end subscriptions, presence
    NOTIFYs every member's current state, rls passes them on), up to ``rounds`` times.
    Returns the number of members missing before the first resync."""
    if sub.wait_for(lambda s: not _missing(feed, members, prefix), first_wait):
        return 0
    lost = len(_missing(feed, members, prefix))
    for _ in range(rounds):
        assert sub.refresh()
        if sub.wait_for(lambda s: not _missing(feed, members, prefix), 15):
            return lost
    raise AssertionError(f"{len(_missing(feed, members, prefix))} still missing "
                         f"after {rounds} resyncs")


@needs_kamailio
@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_resource_list_1000_seats(tmp_path):
    seats = [SipUser(f"s{i:04d}", f"pw-{i:04d}") for i in range(N_SEATS)]
    srv = KamailioServer(tmp_path / "kam", users=seats + [SipUser("wall", "pw-wall")],
                         shm_mb=512)
    members = [f"sip:{u.user}@{HOST}" for u in seats]
    list_uri = srv.set_resource_list("wallboard", "wall", members)
    assert list_uri == f"sip:wallboard@{HOST}"
    assert srv.resource_lists("wall") == {list_uri: members}
    srv.start(timeout=20)
    pool = wall = None
    try:
        t_start = time.time()
        pool = PublisherPool(srv, [(u.user, u.password) for u in seats], "udp")
        # every seat publishes a distinct document
        res = pool.publish_many([(u.user, pidf(u.user, f"READY-{u.user}")) for u in seats])
        bad = [r for r in res if isinstance(r, Exception)]
        assert not bad, bad[:5]
        # only the first window is challenged: later accounts reuse the shared nonce
        challenged = pool.sent - N_SEATS
        assert challenged <= 256, challenged
        t_pub = time.time() - t_start

        feed = ListFeed()
        wall = PresenceUA(srv.host, srv.tcp_port, "wall", "pw-wall", transport="tcp",
                          keepalive_interval=None, list_heal_after=HEAL_S)
        t_sub = time.time()
        sub = wall.subscribe(list_uri, eventlist=True, expires=120, on_notify=feed.on_notify)
        assert sub.require_eventlist  # answered by the RLS, not by plain presence
        lost_initial = _wait_all_healed(sub, feed, members, "READY")
        heals = sub.heals
        t_full = time.time() - t_sub
        assert set(feed.snapshot()) == set(members)

        # 1,000 changes published as fast as the pool goes; every one must
        # arrive (contents compared); latency PUBLISH sent -> NOTIFY read
        time.sleep(1.2)   # let the RLS timer flush the resync first
        feed.drain()
        t0 = time.time()
        pend = [pool.publish_async(u.user, pidf(u.user, f"BUSY-{u.user}")) for u in seats]
        sent = {p.user: (p.wait(30), p.sent_at)[1] for p in pend}
        t_burst = time.time() - t0
        lost_burst = _wait_all_resynced(sub, feed, members, "BUSY", 5)
        t_all = time.time() - t0
        first: dict[str, float] = {}
        for uri, state, doc, t in feed.drain():
            st = seat_state(doc)
            if st and st.startswith("BUSY-") and st[5:] not in first:
                first[st[5:]] = t - sent[st[5:]]
        assert len(first) == N_SEATS
        lat = sorted(first.values())
        direct = sorted(v for v in lat if v < 4.0)   # not needing the resync
        p50 = statistics.median(direct)
        p99 = direct[int(0.99 * (len(direct) - 1))]
        print(f"\n{N_SEATS} seats: initial publish {t_pub:.2f} s ({challenged} challenged); list full state after "
              f"{t_full:.2f} s ({lost_initial} missing before the first heal, {heals} heals); burst of {N_SEATS} PUBLISH "
              f"in {t_burst:.2f} s ({N_SEATS / t_burst:.0f}/s); all changes at the wallboard "
              f"after {t_all:.2f} s ({lost_burst} lost by the RLS, resynced); "
              f"PUBLISH->list NOTIFY p50 {1000 * p50:.0f} ms, p99 {1000 * p99:.0f} ms, "
              f"max {1000 * direct[-1]:.0f} ms; {feed.notifies} NOTIFYs")
        # what the RLS itself delivered, before any heal or resync: most of it (here, with
        # nothing else running: 0-3 %; with two busy cores 1-14 %)
        assert lost_initial <= N_SEATS // 4 and lost_burst <= N_SEATS // 4
        assert srv.running
    finally:
        if wall is not None:
            wall.close()
        if pool is not None:
            pool.close()
        srv.stop()

"""Seat states over SIP presence through the real Kamailio, end to end.

A seat (8002: its state machine, presence service and publisher, as in the
seat's desk) publishes; the app's engine (8001) watches it through a pjsua2
buddy and the wallboard feed applies what arrives to the wallboard model.
A plain SIP subscriber (sipp, knowing nothing of our extension) checks the
basic/RPID part. Staleness: the seat's publisher process killed, and
Kamailio restarted under the watcher.
"""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from app.domain.accounts import AccountSettings, Transport
from app.domain.seat_state import SeatState, SeatStateMachine
from tests.conftest import USERS, wait_until

pytestmark = pytest.mark.e2e
SIPP = shutil.which("sipp")


class FakeEntry:
    def __init__(self, number, name, court):
        self.number, self.name, self.court = number, name, court


@pytest.fixture
def board(seat, kamailio, qapp):
    from ui.wallboard.feed import PresenceFeed
    from ui.wallboard.model import SeatTableModel
    entries = [FakeEntry("8002", "王坐席", "bjgy"), FakeEntry("8003", "李坐席", "bjgy")]
    model = SeatTableModel(entries, {"bjgy": "北京高院"})
    feed = PresenceFeed(model)
    feed.attach_engine(seat)
    seat.watch([seat.account.settings.target_uri("8002"), seat.account.settings.target_uri("8003")])
    yield model, feed
    for u in list(seat.watched()):
        seat.unwatch(u)
    for sig, slot in ((seat.presenceReceived, feed.on_document),
                      (seat.presenceSubscriptionChanged, feed.on_subscription),
                      (seat.registrationChanged, feed._on_registration)):
        try:
            sig.disconnect(slot)
        except (RuntimeError, TypeError):
            pass


@pytest.fixture
def seat8002(kamailio):
    from app.services.seat_presence import SeatPresenceService
    from sip.presence_publisher import PresencePublisher
    settings = AccountSettings(server=f"127.0.0.1:{kamailio.tcp_port}", user="8002", password=USERS["8002"],
                               transport=Transport.TCP)
    pub = PresencePublisher(settings)
    machine = SeatStateMachine(wrap_up_s=1.0)
    svc = SeatPresenceService(machine, pub.publish, entity="sip:8002@127.0.0.1", seat="8002",
                              court="bjgy", name="王坐席", queues=("bjgy",))
    yield machine, svc, pub
    pub.close()


def row(model, number):
    return model.rows[model.row_of(number)]


def test_every_state_reaches_the_wallboard(board, seat8002):
    model, feed = board
    machine, svc, pub = seat8002

    def seen(state, reason=""):
        return wait_until(lambda: (r := row(model, "8002")).presence is not None and not r.stale
                          and r.presence.state is state and r.presence.reason == reason,
                          timeout=10, what=f"8002 {state.value} {reason}")

    machine.sign_in()
    seen(SeatState.READY)
    t0 = time.time()
    machine.set_not_ready("meal")
    seen(SeatState.NOT_READY, "meal")
    t1 = time.time()
    p = row(model, "8002").presence
    # "since" is when the seat went not ready (however long delivery took)
    assert p.court == "bjgy" and p.name == "王坐席" and t0 <= p.since <= t1
    machine.set_ready()
    seen(SeatState.READY)
    machine.call_offered("c1")
    seen(SeatState.OFFERED)
    machine.call_answered("c1")
    seen(SeatState.TALKING)
    assert row(model, "8002").call_since is not None
    machine.call_held("c1")
    seen(SeatState.HELD)
    machine.call_resumed("c1")
    machine.call_ended("c1", answered=True)
    seen(SeatState.WRAP_UP)
    time.sleep(1.1)
    svc.tick()  # wrap-up timer (1 s here) ends by itself
    seen(SeatState.READY)
    assert row(model, "8002").presence.calls_today == 1
    machine.sign_out()
    seen(SeatState.SIGNED_OUT)
    assert model.court_summary("bjgy").count(SeatState.SIGNED_OUT) == 1


SUBSCRIBE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<scenario name="plain presence watcher">
  <send retrans="500"><![CDATA[
SUBSCRIBE sip:8002@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:8003@[remote_ip]>;tag=[pid]w[call_number]
To: <sip:8002@[remote_ip]>
Call-ID: [call_id]
CSeq: 1 SUBSCRIBE
Contact: <sip:8003@[local_ip]:[local_port]>
Event: presence
Accept: application/pidf+xml
Expires: 60
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="407" auth="true"/>
  <send retrans="500"><![CDATA[
SUBSCRIBE sip:8002@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:8003@[remote_ip]>;tag=[pid]w[call_number]
To: <sip:8002@[remote_ip]>
Call-ID: [call_id]
CSeq: 2 SUBSCRIBE
Contact: <sip:8003@[local_ip]:[local_port]>
[authentication username=8003 password=pw-8003]
Event: presence
Accept: application/pidf+xml
Expires: 60
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="202" optional="true" next="notify"/>
  <recv response="200"/>
  <label id="notify"/>
  <recv request="NOTIFY">
    <action>
      <ereg regexp="&lt;basic&gt;open&lt;/basic&gt;" search_in="body" check_it="true" assign_to="b"/>
      <ereg regexp="on-the-phone" search_in="body" check_it="true" assign_to="a"/>
    </action>
  </recv>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <Reference variables="a,b"/>
</scenario>
"""


@pytest.mark.skipif(SIPP is None, reason="sipp not installed")
def test_plain_sip_watcher_sees_basic_and_rpid(kamailio, seat8002, tmp_path, qapp):
    machine, svc, pub = seat8002
    machine.sign_in()
    machine.call_offered("c")
    machine.call_answered("c")
    wait_until(lambda: pub.sent >= 1 and pub.idle, what="published")
    scen = tmp_path / "watch.xml"
    scen.write_text(SUBSCRIBE_XML)
    from deploy.sipp_ports import sipp_port_args  # SIP, media (+2) and control: all free
    r = subprocess.run([SIPP, f"127.0.0.1:{kamailio.udp_port}", "-sf", str(scen), "-m", "1",
                        "-i", "127.0.0.1", *sipp_port_args(), "-timeout", "15s", "-timeout_error",
                        "-nostdin", "-nd", "-trace_err", "-trace_msg"], capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]


def test_restart_marks_everything_stale_then_live_again(board, seat8002, kamailio, seat):
    model, feed = board
    machine, svc, pub = seat8002
    machine.sign_in()
    wait_until(lambda: not row(model, "8002").stale and row(model, "8002").presence.state is SeatState.READY,
               what="live")
    kamailio.kill()
    wait_until(lambda: row(model, "8002").stale, timeout=10, what="stale after server loss")
    kamailio.start()
    # The seat's desk publishes again (its UA recovers), the watcher registers and subscribes again.
    wait_until(lambda: not row(model, "8002").stale, timeout=30, what="live again")
    assert row(model, "8002").presence.state is SeatState.READY


def test_malformed_document_from_a_peer_is_refused_and_never_applied(board, kamailio, seat):
    """A peer PUBLISHes a broken PIDF (basic=open, then garbage): Kamailio's
    presence_xml cannot parse it and refuses it (415), so no NOTIFY carries it
    and the board never shows 8003 ready from it. A valid document published
    afterwards arrives (NOTIFYs of a subscription come in order), which proves
    everything before it was handled."""
    from app.domain.presence_doc import SeatPresence, seat_pidf
    from sip.simple.ua import PresenceUA, PublishError
    model, feed = board
    got = []

    def record(uri, body):
        if "8003" in uri:
            got.append(body)
    seat.presenceReceived.connect(record)
    ua = PresenceUA("127.0.0.1", kamailio.udp_port, "8003", USERS["8003"])
    try:
        with pytest.raises(PublishError) as refused:
            ua.publish("<presence xmlns='urn:ietf:params:xml:ns:pidf' entity='sip:8003@127.0.0.1'>"
                       "<tuple id='x'><status><basic>open</basic></status></tuple><broken", expires=60)
        assert refused.value.code == 415           # presence_xml: body not parseable
        # A valid document after it, in a state the broken one could not give
        # (and a count no other test publishes for 8003).
        ua.publish(seat_pidf("sip:8003@127.0.0.1", SeatPresence("8003", SeatState.NOT_READY,
                                                                 reason="meal", since=time.time(),
                                                                 court="bjgy", calls_today=37)),
                   expires=60)
        wait_until(lambda: (p := row(model, "8003").presence) is not None
                   and (p.state, p.reason, p.calls_today) == (SeatState.NOT_READY, "meal", 37),
                   timeout=10, what="8003's valid document on the board")
        assert not [b for b in got if "<broken" in b]   # the broken one never reached the seat
        assert feed.malformed == 0
    finally:
        seat.presenceReceived.disconnect(record)
        try:
            ua.unpublish()
        except Exception:
            pass  # the server drops it at expiry anyway
        ua.close()

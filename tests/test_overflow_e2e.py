"""The consulting judge's overflow controls and the lent seat's banner, end to end.

A Kamailio with the project's queue routing: the judge (a supervisor) lends a
sub-platform seat to the main platform from the wallboard's overflow panel;
a non-supervisor is refused with the server's reason; the lent seat (the
app's own engine and window) then gets a call from the main platform's queue
and shows the banner.
"""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from app.domain.accounts import AccountSettings, Transport
from app.domain.calls import CallPhase, RegState
from app.domain.routing import QueueConfig
from tests.conftest import wait_until

pytestmark = pytest.mark.e2e
SIPP = shutil.which("sipp")
PW = {u: f"pw-{u}" for u in ("8001", "8043", "8901")}
QUEUES = [
    QueueConfig("bjgy", "12368", "北京市高级人民法院", ["8001"], max_wait_s=20, fallback="480",
                ring_timeout_s=5),
    QueueConfig("hdfy", "1236811", "北京市海淀区人民法院", ["8043"], max_wait_s=20, fallback="480",
                ring_timeout_s=5),
]


@pytest.fixture(scope="module")
def qsrv(tmp_path_factory):
    from deploy.kamailio.launcher import KamailioServer, SipUser
    s = KamailioServer(tmp_path_factory.mktemp("kam-overflow"), users=[SipUser(u, p) for u, p in PW.items()],
                       queues=QUEUES, supervisors=["8901"])
    s.start()
    yield s
    s.stop()


class Court:
    def __init__(self, code, name, is_main):
        self.code, self.name, self.short_name, self.is_main = code, name, name, is_main


def panel_for(qtbot, qsrv, user):
    from sip.simple.ua import PresenceUA
    from ui.wallboard.overflow import OverflowPanel
    ua = PresenceUA("127.0.0.1", qsrv.tcp_port, user, PW[user], transport="tcp", keepalive_interval=None,
                    auto_recover=False)
    p = OverflowPanel([Court("bjgy", "北京高院", True), Court("hdfy", "海淀法院", False)],
                      lambda body: ua.send_message("sip:q-admin@127.0.0.1", body))
    qtbot.addWidget(p)
    return p, ua


def test_lending_from_the_panel_refused_then_done(qtbot, qsrv):
    p, ua = panel_for(qtbot, qsrv, "8001")
    try:
        p.seat.setText("8043")
        p.lend_btn.click()
        qtbot.waitUntil(lambda: p.result.text().startswith(("Refused", "被")) or "403" in p.result.text(),
                        timeout=10000)
        assert "403" in p.result.text() and "not a supervisor" in p.result.text()
    finally:
        p.close_pool()
        ua.close()
    p, ua = panel_for(qtbot, qsrv, "8901")
    try:
        p.seat.setText("8043")
        p.minutes.setValue(30)
        p.lend_btn.click()
        qtbot.waitUntil(lambda: p.result.text() in ("Done.", "已完成。"), timeout=10000)
        who = [(e["who"], e["action"]) for e in qsrv.audit_entries()]
        assert ("8901", "lend 8043 to bjgy for 30 min") in who
    finally:
        p.close_pool()
        ua.close()


@pytest.fixture(scope="module")
def lent(qsrv):
    """8043 (Haidian) lent to the main platform for 30 min by the supervisor
    (what the panel sends, see the test above; lending again only renews it)."""
    from sip.simple.ua import PresenceUA
    ua = PresenceUA("127.0.0.1", qsrv.tcp_port, "8901", PW["8901"], transport="tcp",
                    keepalive_interval=None, auto_recover=False)
    try:
        status, reason = ua.send_message("sip:q-admin@127.0.0.1", "lend 8043 30")
    finally:
        ua.close()
    assert status == 200, (status, reason)
    return "8043"


@pytest.mark.skipif(SIPP is None, reason="sipp not installed")
def test_lent_seat_gets_a_main_platform_call_with_a_banner(qtbot, qsrv, lent, engine, tmp_path):
    """8043 (Haidian) is lent; the main queue's caller reaches it."""
    from app import paths
    from app.domain.directory import Directory
    from app.domain.seat_state import SeatStateMachine
    from app.services.seat_presence import SeatPresenceService
    from sip.presence_publisher import PresencePublisher
    from deploy.sipp_ports import sipp_port_args
    from ui.softphone.controller import PhoneController
    from ui.softphone.window import SoftphoneWindow

    settings = AccountSettings(server=f"127.0.0.1:{qsrv.tcp_port}", user="8043", password=PW["8043"],
                               transport=Transport.TCP)
    engine.set_account(settings)
    wait_until(lambda: engine.account.state is RegState.REGISTERED, what="8043 registered")

    class NoHistory:
        def on_call_changed(self, *a):
            pass

        def mark_rejected(self, *a):
            pass
    win = SoftphoneWindow(engine, PhoneController(engine, NoHistory()),
                          Directory.load(paths.resource("directory.json")))
    qtbot.addWidget(win)
    pub = PresencePublisher(settings)
    machine = SeatStateMachine()
    SeatPresenceService(machine, pub.publish, entity="sip:8043@127.0.0.1", seat="8043", court="hdfy")
    machine.sign_in()
    wait_until(lambda: pub.sent >= 1 and pub.idle, what="ready published")
    time.sleep(0.3)
    scen = tmp_path / "c.xml"
    scen.write_text((paths.root() / "tests" / "sipp" / "uac_seat_hangs_up.xml").read_text())
    proc = subprocess.Popen([SIPP, f"127.0.0.1:{qsrv.udp_port}", "-sf", str(scen), "-s", "12368", "-m", "1",
                             "-i", "127.0.0.1", *sipp_port_args(),
                             "-timeout", "20s", "-timeout_error", "-nostdin", "-nd"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        snap = wait_until(lambda: next((c for c in engine.calls() if c.phase is CallPhase.RINGING_IN), None),
                          timeout=15, what="queued call offered to the lent seat")
        assert snap.queue == "bjgy"
        assert win.banner.isVisible() or not win.banner.isHidden()
        assert "北京高院" in win.banner.text() or "bjgy" in win.banner.text()
        engine.answer(snap.call_id)
        wait_until(lambda: (c := engine.call_snapshot(snap.call_id)) and c.phase is CallPhase.ACTIVE, what="answered")
        engine.hangup(snap.call_id)
        proc.communicate(timeout=20)
        wait_until(lambda: win.banner.isHidden(), what="banner gone with the call")
    finally:
        if proc.poll() is None:
            proc.kill()
        pub.close()

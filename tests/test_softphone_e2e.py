"""The seat's softphone end to end: real Kamailio, real peers, real widgets.

The window runs offscreen with its real controller and a real SQLite history;
callers are sipp (an outside caller, unauthenticated as from a PSTN gateway)
and headless pjsua2 agents registered through Kamailio.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.domain.calls import CallPhase, CallResult, RegState
from tests.conftest import SEAT, seat_settings, wait_until
from deploy.sipp_ports import sipp_port_args

pytestmark = pytest.mark.e2e
SIPP = shutil.which("sipp")
SCEN = Path(__file__).parent / "sipp"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from app.storage.db import close_database, open_database
    open_database(tmp_path_factory.mktemp("store") / "desk.sqlite3")
    yield
    close_database()


@pytest.fixture
def desk(seat, store, qtbot):
    """The seat's real window, controller and history, on the module's engine."""
    from app import paths
    from app.domain.directory import Directory
    from app.services.call_history import CallHistoryService
    from app.storage.history_repo import HistoryRepository
    from ui.softphone.controller import PhoneController
    from ui.softphone.window import SoftphoneWindow

    history = CallHistoryService(HistoryRepository())
    controller = PhoneController(seat, history)
    directory = Directory.load(paths.resource("directory.json"))
    win = SoftphoneWindow(seat, controller, directory, history)
    qtbot.addWidget(win)
    win.show()
    win.badge.show_snapshot(seat.registration())
    yield win
    win.popup.hide()
    for sig, slot in ((seat.callChanged, controller._on_call_changed),
                      (seat.callIncoming, controller._on_call_incoming)):
        try:
            sig.disconnect(slot)
        except (RuntimeError, TypeError):
            pass


def free_port():
    """A free UDP port on loopback (kept for other modules; sipp's own ports
    come from deploy/sipp_ports.py: sipp also binds -mp + 2)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def run_sipp(kamailio, scenario, service=SEAT):
    return subprocess.Popen(
        [SIPP, f"127.0.0.1:{kamailio.udp_port}", "-sf", str(SCEN / scenario), "-s", service,
         "-m", "1", "-i", "127.0.0.1", *sipp_port_args(),
         "-timeout", "20s", "-timeout_error", "-nostdin", "-nd"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def latest(win, **match):
    rows = win.history.service.recent(20)
    for r in rows:
        if all(getattr(r, k) == v for k, v in match.items()):
            return r
    return None


def current_call(engine):
    calls = engine.calls()
    return calls[-1] if calls else None


# --------------------------------------------------------------- registration
def test_wrong_password_shows_servers_reason_then_right_one_registers(engine, kamailio, desk, qapp):
    engine.set_account(seat_settings(kamailio, password="not-the-password"))
    wait_until(lambda: engine.account.state is RegState.FAILED, what="registration refused")
    snap = engine.registration()
    assert snap.status_code == 403 and snap.reason == "Forbidden"
    wait_until(lambda: desk.badge.state is RegState.FAILED, what="badge shows failure")
    assert "403" in desk.badge.text() and "Forbidden" in desk.badge.text()
    assert "password" in desk.badge.text()

    engine.set_account(seat_settings(kamailio))
    wait_until(lambda: desk.badge.state is RegState.REGISTERED, what="badge shows registered")
    assert f"sip:{SEAT}@" in desk.badge.text()


# ------------------------------------------------------- incoming from sipp
@pytest.mark.skipif(SIPP is None, reason="sipp (Debian sip-tester) not installed")
def test_sipp_call_answered_in_ui_and_hung_up_by_caller(engine, kamailio, desk, qtbot):
    proc = run_sipp(kamailio, "uac_caller_hangs_up.xml")
    try:
        wait_until(lambda: desk.popup.isVisible(), what="incoming popup")
        assert "13800138000" in desk.popup.caller.text()
        qtbot.mouseClick(desk.popup.answer_btn, Qt.LeftButton)
        wait_until(lambda: (c := current_call(engine)) and c.phase is CallPhase.ACTIVE, what="answered")
        assert not desk.popup.isVisible()
        wait_until(lambda: not engine.calls(), what="caller hung up")
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    row = wait_until(lambda: latest(desk, peer_number="13800138000", result=CallResult.ANSWERED),
                     what="history row")
    assert row.direction.value == "in" and row.answered_at and row.ended_at and row.duration_s >= 1.0


@pytest.mark.skipif(SIPP is None, reason="sipp (Debian sip-tester) not installed")
def test_sipp_call_hung_up_by_seat_with_keyboard(engine, kamailio, desk, qtbot):
    proc = run_sipp(kamailio, "uac_seat_hangs_up.xml")
    try:
        wait_until(lambda: desk.popup.isVisible(), what="incoming popup")
        desk.calls.answer()  # what F5 does
        wait_until(lambda: (c := current_call(engine)) and c.phase is CallPhase.ACTIVE, what="answered")
        qtbot.wait(300)
        qtbot.mouseClick(desk.calls.hangup_btn, Qt.LeftButton)
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    wait_until(lambda: not engine.calls(), what="call gone")
    assert latest(desk, peer_number="13800138000", result=CallResult.ANSWERED) is not None


def test_incoming_call_rejected_is_recorded_as_rejected(engine, kamailio, desk, peer, qtbot):
    a = peer("9001")
    mark = a.mark()
    a.call(f"sip:{SEAT}@127.0.0.1:{kamailio.udp_port}")
    wait_until(lambda: desk.popup.isVisible(), what="incoming popup")
    qtbot.mouseClick(desk.popup.reject_btn, Qt.LeftButton)
    ev = a.wait_event(event="call_state", state="DISCONNECTED", since=mark, timeout=10)
    assert ev["code"] == 486
    row = wait_until(lambda: latest(desk, peer_number="9001", result=CallResult.REJECTED), what="row")
    assert row.answered_at is None


def test_missed_call_when_caller_gives_up(engine, kamailio, desk, peer):
    a = peer("9001")
    call = a.call(f"sip:{SEAT}@127.0.0.1:{kamailio.udp_port}")
    wait_until(lambda: desk.popup.isVisible(), what="incoming popup")
    a.hangup(call)
    wait_until(lambda: not desk.popup.isVisible(), what="popup dismissed")
    assert wait_until(lambda: latest(desk, peer_number="9001", result=CallResult.MISSED), what="row")


# ------------------------------------------------------ outgoing to an agent
def test_outgoing_call_hold_resume_dtmf_and_peer_hangup(engine, kamailio, desk, peer, qtbot):
    b = peer("9002", auto_answer=200)
    mark = b.mark()
    desk.dialpad.entry.setText("9002")
    qtbot.mouseClick(desk.dialpad.call_btn, Qt.LeftButton)
    inc = b.wait_event(event="incoming", since=mark)
    b.wait_state(inc["call"], "CONFIRMED", since=mark)
    wait_until(lambda: (c := current_call(engine)) and c.phase is CallPhase.ACTIVE, what="active")
    b.wait_event(event="media", call=inc["call"], remote_sdp_dir="sendrecv", since=mark)

    # Hold: the peer is offered sendonly (RFC 3264), and resume brings sendrecv back.
    # A resume pressed while the hold's re-INVITE is still open is sent from a Qt timer
    # once it can be (CallControl._reinvite); once in CI it could not within the 3 s the
    # engine then allowed, and the resume was dropped. Now 10 s; the wait allows 15.
    def peer_media(since):
        return wait_until(lambda: b.find_events(since=since, event="media", call=inc["call"]),
                          timeout=15, what="the peer's new media state")[0]
    m = b.mark()
    qtbot.mouseClick(desk.calls.hold_btn, Qt.LeftButton)
    assert peer_media(m)["remote_sdp_dir"] == "sendonly"
    assert current_call(engine).local_hold
    m = b.mark()
    qtbot.mouseClick(desk.calls.hold_btn, Qt.LeftButton)
    assert peer_media(m)["remote_sdp_dir"] == "sendrecv"

    # DTMF from the pad keys (RFC 4733).
    m = b.mark()
    for k in "1", "5", "#":
        qtbot.mouseClick(desk.dialpad.findChild(type(desk.dialpad.call_btn), f"key_{k}"), Qt.LeftButton)
        qtbot.wait(250)
    try:
        wait_until(lambda: len(b.find_events(since=m, event="dtmf")) >= 3, what="3 digits at the peer")
    except AssertionError:
        raise AssertionError(f"digits {b.find_events(since=m)} message {desk.message.text()!r}")
    assert not desk.message.text(), desk.message.text()
    assert [e["digit"] for e in b.find_events(since=m, event="dtmf")] == ["1", "5", "#"]

    b.hangup(inc["call"])
    wait_until(lambda: not engine.calls(), what="ended by peer")
    row = wait_until(lambda: latest(desk, peer_number="9002", result=CallResult.ANSWERED), what="row")
    assert row.direction.value == "out"


def test_outgoing_to_unknown_number_fails_with_reason_shown(engine, kamailio, desk, qtbot):
    desk.dial("7777")
    wait_until(lambda: not engine.calls(), what="call failed")
    wait_until(lambda: "404" in desk.message.text(), what="reason shown")
    row = wait_until(lambda: latest(desk, peer_number="7777", result=CallResult.FAILED), what="row")
    assert "404" in row.reason


# -------------------------------------------------------------- transfers
def test_blind_transfer_completes_at_third_party(engine, kamailio, desk, peer):
    a = peer("9001")
    c = peer("9003", auto_answer=200)
    a_call = a.call(f"sip:{SEAT}@127.0.0.1:{kamailio.udp_port}")
    wait_until(lambda: desk.popup.isVisible(), what="incoming")
    desk.calls.answer()
    a.wait_state(a_call, "CONFIRMED")
    wait_until(lambda: (x := current_call(engine)) and x.phase is CallPhase.ACTIVE, what="active")
    mark = c.mark()
    desk.calls.blind_transfer("9003")
    inc = c.wait_event(event="incoming", since=mark, timeout=10)
    assert "9001" in inc["from"]
    c.wait_state(inc["call"], "CONFIRMED", since=mark)
    wait_until(lambda: not engine.calls(), what="seat leg released")
    assert latest(desk, peer_number="9001", result=CallResult.ANSWERED) is not None


def test_attended_transfer_and_three_way_conference(engine, kamailio, desk, peer):
    a = peer("9001", mode="tone", tone_hz=1000)
    c = peer("9003", auto_answer=200)
    a_call = a.call(f"sip:{SEAT}@127.0.0.1:{kamailio.udp_port}")
    wait_until(lambda: desk.popup.isVisible(), what="incoming")
    desk.calls.answer()
    a.wait_state(a_call, "CONFIRMED")
    wait_until(lambda: (x := current_call(engine)) and x.phase is CallPhase.ACTIVE, what="active")

    # Consult: the caller is held, the third party answers.
    mark = c.mark()
    consult = desk.calls.consult("9003")
    assert consult is not None
    inc = c.wait_event(event="incoming", since=mark)
    c.wait_state(inc["call"], "CONFIRMED", since=mark)
    wait_until(lambda: (x := engine.call_snapshot(consult)) and x.phase is CallPhase.ACTIVE, what="consult up")

    # Three-way: the caller's tone reaches the consulted party through the seat's bridge.
    desk.calls.list.setCurrentRow(desk.calls.list.count() - 1)
    desk.calls.conference()
    wait_until(lambda: all(s.conference for s in engine.calls()), what="conference flag")
    m = c.measure(inc["call"], seconds=1.0)
    assert abs(m["hz"] - 1000) < 15 and m["dbfs"] > -30, m

    # Complete the (attended) transfer: caller and third party talk, the seat leaves.
    mark_a = a.mark()
    desk.calls.complete_transfer()
    wait_until(lambda: not engine.calls(), timeout=15, what="seat released after transfer")
    # The caller is now connected to 9003 (a new dialog replacing the consult one).
    ev = a.wait_event(lambda e: e.get("event") == "call_state" and e.get("state") == "CONFIRMED"
                      and "9003" in e.get("remote", ""), since=mark_a, timeout=10)
    # the caller placed it itself (the seat's REFER with Replaces), as a new call
    assert ev["role"] == "caller" and ev["call"] != a_call, ev
    assert ev["code"] == 200, ev


# ------------------------------------------------- keyboard, auto-answer, redial
def test_keyboard_answers_and_hangs_up(engine, kamailio, desk, peer, qtbot):
    from PySide6.QtTest import QTest
    a = peer("9001")
    mark = a.mark()
    call = a.call(f"sip:{SEAT}@127.0.0.1:{kamailio.udp_port}")
    wait_until(lambda: desk.popup.isVisible(), what="incoming")
    desk.activateWindow()
    QTest.keyClick(desk, Qt.Key_F5)
    a.wait_state(call, "CONFIRMED", since=mark)
    wait_until(lambda: (c := current_call(engine)) and c.phase is CallPhase.ACTIVE, what="answered by F5")
    QTest.keyClick(desk, Qt.Key_F8)  # mute
    wait_until(lambda: current_call(engine).muted, what="muted by F8")
    QTest.keyClick(desk, Qt.Key_F6)
    a.wait_state(call, "DISCONNECTED", since=mark)
    wait_until(lambda: not engine.calls(), what="hung up by F6")


def test_auto_answer_after_a_beep(engine, kamailio, desk, peer):
    a = peer("9001")
    desk.controller.auto_answer = True
    try:
        mark = a.mark()
        call = a.call(f"sip:{SEAT}@127.0.0.1:{kamailio.udp_port}")
        ev = a.wait_state(call, "CONFIRMED", since=mark, timeout=10)
        assert ev["code"] == 200
        assert not desk.popup.isVisible()
    finally:
        desk.controller.auto_answer = False


def test_redial_from_history(engine, kamailio, desk, peer):
    b = peer("9002", auto_answer=486)
    desk.dial("9002")
    row = wait_until(lambda: latest(desk, peer_number="9002", result=CallResult.FAILED), what="failed row")
    assert "486" in row.reason
    desk.history.refresh()
    m = b.mark()
    r = next(i for i, e in enumerate(desk.history.model.rows) if e.id == row.id)
    desk.history.table.doubleClicked.emit(desk.history.model.index(r, 1))
    b.wait_event(event="incoming", since=m)
    wait_until(lambda: not engine.calls(), what="second attempt ended")


def test_tls_transport_can_be_created(engine):
    # The Linux wheel bundles OpenSSL 1.0.2k (end of life): the settings dialog says so.
    from app.domain.accounts import Transport
    tid = engine._transport_id(Transport.TLS)
    assert isinstance(tid, int) and tid >= 0

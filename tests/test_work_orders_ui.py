"""The work-orders page: dispatch, follow-up and the urgent ladder.

qtbot over real widgets offscreen and a real SQLite store. The page tests use
the log-only SMS gateway (or a failing one standing for the SMS port) and a
test dialler standing for DeskContext.dial (a port the desk owns). The last
test is end to end: the app's SIP engine registered as seat 8001 through a
real Kamailio, pjsua2 peers registered as the case judge (declines, 486), the
division office (rings, never answers) and the division chief (answers); the
ladder's buttons are clicked in order and the real calls and the recorded
attempts are checked.
"""
from __future__ import annotations

import time
from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app import paths
from app.adapters.sms import LogOnlyGateway, SmsError
from app.domain.calls import CallDirection, CallPhase, CallSnapshot
from app.domain.cases import Case, hash_password
from app.domain.directory import Directory
from app.domain.escalation import Outcome, Rung
from app.domain.work_orders import OrderStatus, SmsStatus, Urgency
from app.services.escalation import EscalationService
from app.services.work_orders import WorkOrderService
from app.storage.case_repo import CaseRepository
from app.storage.db import close_database, open_database
from app.storage.workorder_repo import WorkOrderRepository
from tests.conftest import SEAT, USERS, wait_until
from ui.desk.context import DeskContext
from ui.desk.work_orders import RED, WorkOrdersPage

CASE = "（2026）京0101民初1234号"
JUDGE, OFFICE, CHIEF = "60112", "60110", "60111"       # 立案庭, Beijing High Court
JUDGE_MOBILE = "13800112838"
CHIEF_MOBILE = "13800111302"
LADDER_USERS = {JUDGE: "pw-judge", OFFICE: "pw-office", CHIEF: "pw-chief"}


class Clock:
    def __init__(self):
        self.t = datetime(2026, 3, 2, 10, 0).timestamp()       # a Monday, 10:00

    def __call__(self):
        return self.t


@pytest.fixture(scope="module")
def directory():
    return Directory.load(paths.resource("directory.json"))


@pytest.fixture
def db(tmp_path):
    open_database(tmp_path / "desk.sqlite3")
    CaseRepository().add(Case(
        case_id="", case_number=CASE, court_code="bjgy", court_name="北京市高级人民法院",
        cause="民间借贷纠纷", status="审理中", stage="已立案", division="立案庭", judge="叶宇勇",
        query_code="BJGY-0001", password_hash=hash_password("123456", n=2 ** 4)))
    yield
    close_database()


class Dialler:
    """Stands in for the softphone's dial (DeskContext's port): numbers in, call ids out."""

    def __init__(self):
        self.numbers = []

    def __call__(self, number, headers=None):
        self.numbers.append(number)
        return 100 + len(self.numbers)


def make_page(qtbot, directory, *, gateway=None, clock=None, dial=None, engine=None, **kw):
    clock = clock or Clock()
    repo = WorkOrderRepository(clock)
    orders = WorkOrderService(repo, gateway or LogOnlyGateway(), directory=directory, clock=clock)
    ladder = EscalationService(repo, directory, clock=clock)
    ctx = DeskContext(seat=SEAT, seat_name="陆玉丽", court="bjgy", directory=directory,
                      dial=dial or Dialler(), engine=engine)
    page = WorkOrdersPage(ctx, orders, ladder, find_case=CaseRepository().by_number, **kw)
    qtbot.addWidget(page)
    page.show()
    return page, ctx, orders, clock


def status_colour(page, row):
    return page.model.data(page.model.index(row, 5), Qt.ForegroundRole)


# --- dispatch --------------------------------------------------------------------------

def test_dispatch_from_the_linked_case_sends_the_sms(qtbot, db, directory):
    gateway = LogOnlyGateway()
    page, ctx, orders, clock = make_page(qtbot, directory, gateway=gateway)
    assert "No case linked" in page.case_info.text()
    ctx.link_case(CASE)
    assert page.recipient.count() == 2 and page.mobile.text() == JUDGE_MOBILE
    assert "叶宇勇" in page.recipient.itemText(0)
    normal_due = page.due.dateTime().toSecsSinceEpoch()
    assert datetime.fromtimestamp(normal_due) == datetime(2026, 3, 4, 17, 30)
    page.set_urgency(Urgency.URGENT)
    assert page.due.dateTime().toSecsSinceEpoch() == int(clock.t + 4 * 3600)
    page.caller_name.setText("张三")
    page.caller_number.setText("13900001111")
    page.content.setPlainText("询问开庭时间，请回电")
    assert CASE in page.preview.text() and "(1 SMS)" in page.preview.text()

    with qtbot.waitSignal(page.orderCreated) as sig:
        qtbot.mouseClick(page.send_btn, Qt.LeftButton)
    order = sig.args[0]
    assert order.urgency is Urgency.URGENT and order.recipient_phone == JUDGE_MOBILE
    assert page.content.toPlainText() == "" and str(order.id) in page.form_message.text()
    wait_until(lambda: page.model.rows and page.model.rows[0].sms_status is SmsStatus.SENT,
               what="SMS sent on the worker thread")
    (_, to, text), = gateway.sent
    assert to == JUDGE_MOBILE and "【急】" in text and "张三13900001111" in text

    # The division: its SMS goes to the chief's mobile.
    page.recipient.setCurrentIndex(1)
    assert page.mobile.text() == CHIEF_MOBILE

    # The next caller: their number, not the last caller's name.
    ctx.on_call(CallSnapshot(call_id=7, sip_call_id="x", direction=CallDirection.INCOMING,
                             phase=CallPhase.RINGING_IN, peer_uri="", peer_number="13700002222"))
    assert page.caller_number.text() == "13700002222" and page.caller_name.text() == ""
    page.close()


def test_a_refused_form_keeps_what_was_typed(qtbot, db, directory):
    page, ctx, orders, _ = make_page(qtbot, directory)
    ctx.link_case(CASE)
    page.mobile.clear()
    page.content.setPlainText("请回电")
    qtbot.mouseClick(page.send_btn, Qt.LeftButton)
    assert "mobile number" in page.form_message.text()
    assert page.content.toPlainText() == "请回电" and orders.orders() == []
    page.mobile.setText(JUDGE_MOBILE)
    page.content.clear()
    qtbot.mouseClick(page.send_btn, Qt.LeftButton)
    assert "asked to do" in page.form_message.text() and orders.orders() == []
    page.close()


def test_judge_found_by_name_without_a_case_record(qtbot, db, directory):
    page, ctx, orders, _ = make_page(qtbot, directory)
    page.judge_find.setText("王颖")
    page.find_judge()
    assert page.recipient.count() == 2 and page.mobile.text() == CHIEF_MOBILE
    assert [s.number for s in page.steps] == [CHIEF, OFFICE]      # the chief heard it herself
    page.close()


def test_a_caller_safe_case_view_is_enough(qtbot, db, directory):
    """find_case may return the PartyView of a verified lookup (court name, no code)."""
    from app.domain.cases import party_view
    view = party_view(CaseRepository().by_number(CASE))
    page, ctx, _, _ = make_page(qtbot, directory)
    page.find_case = lambda number: view if number == CASE else None
    ctx.link_case(CASE)
    assert page.ref.court_code == "bjgy" and [s.number for s in page.steps] == [JUDGE, OFFICE, CHIEF]
    page.close()


# --- follow-up -------------------------------------------------------------------------

def test_acknowledge_done_cancel_and_overdue_in_red(qtbot, db, directory):
    page, ctx, orders, clock = make_page(qtbot, directory, check_interval_ms=50)
    ctx.link_case(CASE)
    for text in ("请回电一", "请回电二", "请回电三"):
        page.content.setPlainText(text)
        page.set_urgency(Urgency.URGENT)
        qtbot.mouseClick(page.send_btn, Qt.LeftButton)
    wait_until(lambda: len(page.model.rows) == 3
               and all(o.sms_status is SmsStatus.SENT for o in page.model.rows), what="3 orders")
    newest, middle, oldest = (o.id for o in page.model.rows)

    page.select_order(oldest)
    page.note.setText("叶法官来电确认")
    qtbot.mouseClick(page.ack_btn, Qt.LeftButton)
    assert orders.get(oldest).status is OrderStatus.ACKNOWLEDGED
    assert "叶法官来电确认" in page.events.toPlainText()
    qtbot.mouseClick(page.done_btn, Qt.LeftButton)
    assert orders.get(oldest).status is OrderStatus.DONE
    assert oldest not in [o.id for o in page.model.rows]          # open orders only
    page.select_order(middle)
    qtbot.mouseClick(page.cancel_btn, Qt.LeftButton)
    assert orders.get(middle).status is OrderStatus.CANCELLED
    page.open_only.setChecked(False)
    assert len(page.model.rows) == 3

    # The minute timer marks the last one overdue at its due time: red.
    clock.t = orders.get(newest).due_at
    wait_until(lambda: page.model.rows[0].status is OrderStatus.OVERDUE, what="overdue")
    assert status_colour(page, 0) == QColor(RED)
    assert page.model.data(page.model.index(0, 5)) == "overdue"
    page.select_order(newest)
    qtbot.mouseClick(page.ack_btn, Qt.LeftButton)
    assert orders.get(newest).status is OrderStatus.OVERDUE       # still late
    qtbot.mouseClick(page.done_btn, Qt.LeftButton)
    qtbot.mouseClick(page.done_btn, Qt.LeftButton)
    assert "already closed" in page.list_message.text()
    page.close()


def test_sms_failure_is_shown_and_resend_works(qtbot, db, directory):
    class DeadSmsc:
        name = "smpp"

        def send(self, to, text):
            raise SmsError("unreachable", "127.0.0.1:2775: cannot connect")
    page, ctx, orders, _ = make_page(qtbot, directory, gateway=DeadSmsc())
    ctx.link_case(CASE)
    page.content.setPlainText("请回电")
    qtbot.mouseClick(page.send_btn, Qt.LeftButton)
    wait_until(lambda: page.model.rows and page.model.rows[0].sms_status is SmsStatus.FAILED,
               what="SMS failed")
    assert "could not be reached" in page.list_message.text()
    assert page.model.data(page.model.index(0, 6), Qt.ForegroundRole) == QColor(RED)
    orders.gateway = good = LogOnlyGateway()
    page.select_order(page.model.rows[0].id)
    assert "SMS failed: The SMS centre could not be reached" in page.events.toPlainText()
    assert "127.0.0.1" not in page.events.toPlainText()          # details stay in the store
    qtbot.mouseClick(page.resend_btn, Qt.LeftButton)
    wait_until(lambda: page.model.rows[0].sms_status is SmsStatus.SENT, what="resent")
    assert len(good.sent) == 1
    assert f"SMS sent to {JUDGE_MOBILE}, 1 part(s)" in page.events.toPlainText()
    page.close()


# --- the ladder with a test dialler ---------------------------------------------------

def snap(call_id, phase, status=0, reason="", answered=None):
    return CallSnapshot(call_id=call_id, sip_call_id=f"c{call_id}@test",
                        direction=CallDirection.OUTGOING, phase=phase, peer_uri="",
                        peer_number="", last_status=status, last_reason=reason,
                        answered_at=answered)


def test_ladder_highlights_the_next_rung_and_records_attempts(qtbot, db, directory):
    dial = Dialler()
    page, ctx, orders, clock = make_page(qtbot, directory, dial=dial)
    ctx.link_case(CASE)
    assert [s.rung for s in page.steps] == [Rung.JUDGE, Rung.DIVISION_OFFICE, Rung.DIVISION_CHIEF]
    assert page.next_rung() == 0 and page.ladder_rows[0][3].property("next")
    qtbot.mouseClick(page.ladder_rows[0][3], Qt.LeftButton)
    assert dial.numbers == [JUDGE] and page.next_rung() is None
    assert not page.ladder_rows[1][3].isEnabled()                  # one rung at a time
    ctx.on_call(snap(101, CallPhase.RINGING_OUT, 180, "Ringing"))
    ctx.on_call(snap(101, CallPhase.ENDED, 486, "Busy Here"))
    assert page.next_rung() == 1 and page.ladder_rows[1][3].property("next")
    assert page.ladder_rows[0][2].text() == "busy (486)"
    qtbot.mouseClick(page.ladder_rows[1][3], Qt.LeftButton)
    ctx.on_call(snap(102, CallPhase.ENDED, 408, "Request Timeout"))
    assert page.next_rung() == 2 and "Next" in page.ladder_message.text()

    page.order_instead()
    assert page.chosen_urgency() is Urgency.URGENT
    page.content.setPlainText("法官和庭室均未接通，请尽快回电")
    with qtbot.waitSignal(page.orderCreated) as sig:
        qtbot.mouseClick(page.send_btn, Qt.LeftButton)
    attempts = page.ladder.attempts(case_number=CASE)
    assert [(a.rung, a.outcome) for a in attempts] == [
        (Rung.JUDGE, Outcome.BUSY), (Rung.DIVISION_OFFICE, Outcome.NO_ANSWER)]
    assert {a.work_order_id for a in attempts} == {sig.args[0].id}
    assert [a.sip_call_id for a in attempts] == ["c101@test", "c102@test"]
    page.close()


# --- end to end: real calls through Kamailio -----------------------------------------------

@pytest.fixture(scope="module")
def kamailio(tmp_path_factory):
    """This module's own Kamailio, with the conftest users plus the ladder's three."""
    from deploy.kamailio.launcher import KamailioServer, SipUser
    users = {**USERS, **LADDER_USERS}
    srv = KamailioServer(tmp_path_factory.mktemp("kam-ladder"),
                         users=[SipUser(u, p) for u, p in users.items()])
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def ladder_peers(kamailio):
    """judge declines (486), office rings for ever, chief answers."""
    from PySide6.QtWidgets import QApplication

    from sip.peer.client import PeerAgent
    made = {}
    try:
        for user, answer in ((JUDGE, 486), (OFFICE, "ring"), (CHIEF, 200)):
            a = PeerAgent(name=f"ladder{user}")
            a.idle = QApplication.processEvents
            a.start()
            made[user] = a
            a.account(user, password=LADDER_USERS[user],
                      registrar=f"sip:127.0.0.1:{kamailio.udp_port}",
                      domain=f"127.0.0.1:{kamailio.udp_port}", transport="udp",
                      auto_answer=answer)
        for a in made.values():
            a.wait_event(event="reg", code=200, timeout=10)
        yield made
    finally:
        for a in made.values():
            try:
                a.stop(timeout=5)
            except Exception:
                a.kill()


@pytest.mark.e2e
def test_ladder_places_real_calls_in_order_through_kamailio(qtbot, db, directory, seat,
                                                           ladder_peers):
    engine = seat
    page, ctx, orders, _ = make_page(
        qtbot, directory, dial=lambda n, h=None: engine.make_call(n, h), engine=engine,
        ring_timeout_s=2.0)
    page.ladder.clock = time.time                  # real time for real calls
    ctx.link_case(CASE)
    judge, office, chief = (ladder_peers[u] for u in (JUDGE, OFFICE, CHIEF))
    marks = {u: a.mark() for u, a in ladder_peers.items()}

    def incoming(user):
        return ladder_peers[user].find_events(since=marks[user], event="incoming")

    # 1. The case judge declines.
    assert page.next_rung() == 0
    qtbot.mouseClick(page.ladder_rows[0][3], Qt.LeftButton)
    inv_judge = judge.wait_event(event="incoming", since=marks[JUDGE], timeout=10)
    wait_until(lambda: page.attempts and page.attempts[0].finished, what="judge attempt done")
    assert incoming(OFFICE) == [] and incoming(CHIEF) == []
    assert page.next_rung() == 1

    # 2. The division office rings out (the page hangs up after the ring timeout).
    qtbot.mouseClick(page.ladder_rows[1][3], Qt.LeftButton)
    inv_office = office.wait_event(event="incoming", since=marks[OFFICE], timeout=10)
    wait_until(lambda: len(page.attempts) == 2 and page.attempts[1].finished, timeout=15,
               what="office attempt done")
    assert incoming(CHIEF) == []
    assert page.next_rung() == 2

    # 3. The division chief answers.
    qtbot.mouseClick(page.ladder_rows[2][3], Qt.LeftButton)
    inv_chief = chief.wait_event(event="incoming", since=marks[CHIEF], timeout=10)
    chief.wait_state(inv_chief["call"], "CONFIRMED", since=marks[CHIEF])
    wait_until(lambda: len(page.attempts) == 3 and page.attempts[2].outcome is Outcome.ANSWERED,
               what="chief answered")
    assert "answered" in page.ladder_message.text() and page.next_rung() is None
    assert [r[2].text() for r in page.ladder_rows] == ["busy (486)", "no answer (487)", "answered"]
    chief.hangup(inv_chief["call"])
    wait_until(lambda: not engine.calls(), what="call ended")
    wait_until(lambda: page.ladder.attempts(case_number=CASE)[-1].ended_at is not None,
               what="end recorded")

    # Each peer saw exactly one INVITE; the store has the three attempts in order.
    assert [len(incoming(u)) for u in (JUDGE, OFFICE, CHIEF)] == [1, 1, 1]
    rows = page.ladder.attempts(case_number=CASE)
    assert [(r.rung, r.number) for r in rows] == [
        (Rung.JUDGE, JUDGE), (Rung.DIVISION_OFFICE, OFFICE), (Rung.DIVISION_CHIEF, CHIEF)]
    assert rows[0].outcome is Outcome.BUSY and rows[0].reason.startswith("486")
    assert rows[1].outcome is Outcome.NO_ANSWER and "no answer within 2 s" in rows[1].reason
    assert rows[2].outcome is Outcome.ANSWERED and rows[2].ended_at > rows[2].at
    assert [r.sip_call_id for r in rows] == [inv_judge["sip_call_id"], inv_office["sip_call_id"],
                                            inv_chief["sip_call_id"]]
    assert rows[0].at < rows[1].at < rows[2].at
    assert all(r.seat == SEAT and r.case_number == CASE for r in rows)
    page.close()

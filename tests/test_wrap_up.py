"""Wrap-up records: the domain checks, the store (every backend), the tie to
the seat's wrap-up state, and the page with qtbot.

The page is driven through a real DeskContext fed with call snapshots, the
way the engine feeds it, and the seat's real SeatStateMachine behind a
SeatPresenceService (as the seat role wires them), with a clock the test moves.
Real calls through Kamailio end in wrap-ups in tests/test_daily_report.py.
"""
from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from app import paths
from app.domain.calls import CallDirection, CallPhase, CallSnapshot
from app.domain.directory import Directory
from app.domain.seat_state import SeatState, SeatStateMachine
from app.domain.wrap_up import (WrapUpCategory, WrapUpError, WrapUpRecord, draft_for_call,
                                parse_work_order_id, validate)
from app.services.seat_presence import SeatPresenceService
from app.services.wrap_up import WrapUpService
from app.storage.db import StorageError
from app.storage.models import WorkOrder
from app.storage.wrapup_repo import WrapUpRepository

T0 = 1_780_000_000.0


class Clock:
    def __init__(self):
        self.t = T0

    def __call__(self):
        return self.t


def snap(call_id=1, phase=CallPhase.ACTIVE, *, sip="call-1@test", number="13900000001",
         direction=CallDirection.INCOMING, queue="bj1zy", started=T0, answered=T0 + 5,
         ended=None) -> CallSnapshot:
    return CallSnapshot(call_id=call_id, sip_call_id=sip, direction=direction, phase=phase,
                        peer_uri=f"sip:{number}@gw", peer_number=number, started_at=started,
                        answered_at=answered, ended_at=ended, queue=queue)


def call_sequence(call_id=1, sip="call-1@test", t=T0, **kw):
    """Ringing, answered, ended: the snapshots the engine sends for one call."""
    return [snap(call_id, CallPhase.RINGING_IN, sip=sip, started=t, answered=None, **kw),
            snap(call_id, CallPhase.ACTIVE, sip=sip, started=t, answered=t + 5, **kw),
            snap(call_id, CallPhase.ENDED, sip=sip, started=t, answered=t + 5, ended=t + 65, **kw)]


@pytest.fixture(scope="module")
def directory():
    return Directory.load(paths.resource("directory.json"))


# ------------------------------------------------------------------ domain
def test_validate_and_parse():
    with pytest.raises(WrapUpError) as e:
        validate(WrapUpRecord(category=None))
    assert e.value.code == "no_category" and str(e.value)
    with pytest.raises(WrapUpError) as e:
        validate(WrapUpRecord(category=WrapUpCategory.OTHER, notes="字" * 4001))
    assert e.value.code == "notes_too_long"
    ok = validate(WrapUpRecord(category="legal_question", notes="  问诉讼费  ",
                               case_number=" (2026)京0105民初1号 ", court_code=" bjgy "))
    assert ok.category is WrapUpCategory.LEGAL_QUESTION and ok.notes == "问诉讼费"
    assert ok.case_number == "(2026)京0105民初1号" and ok.court_code == "bjgy"
    assert parse_work_order_id("") is None and parse_work_order_id(" #42 ") == 42
    for bad in ("abc", "0", "-3", "4.5"):
        with pytest.raises(WrapUpError) as e:
            parse_work_order_id(bad)
        assert e.value.code == "bad_work_order"


def test_draft_takes_the_court_from_the_queue_else_the_seat():
    s = snap(phase=CallPhase.ENDED, ended=T0 + 60)
    d = draft_for_call(s, seat="8001", court="bjgy", case_number="C1", notes="n")
    assert (d.court_code, d.queue, d.caller_number, d.seat) == ("bj1zy", "bj1zy", "13900000001", "8001")
    assert (d.call_started_at, d.call_answered_at, d.call_ended_at) == (T0, T0 + 5, T0 + 60)
    assert d.category is None and not d.saved
    direct = draft_for_call(replace(s, queue=""), seat="8001", court="bjgy")
    assert direct.court_code == "bjgy"


# ------------------------------------------------------------------- store
def test_store_one_record_per_call_and_seat(store):
    repo = WrapUpRepository()
    first = repo.save(WrapUpRecord(category=WrapUpCategory.CASE_ENQUIRY, sip_call_id="c1",
                                   seat="8001", notes="查询进度", saved_at=T0,
                                   call_started_at=T0 - 100))
    assert first.id is not None
    again = repo.save(WrapUpRecord(category=WrapUpCategory.COMPLAINT, sip_call_id="c1",
                                   seat="8001", notes="改为投诉", saved_at=T0 + 10))
    assert again.id == first.id and repo.count() == 1
    # Another seat's record of the same call (a transfer) is its own row.
    other = repo.save(WrapUpRecord(category=WrapUpCategory.OTHER, sip_call_id="c1",
                                   seat="8002", saved_at=T0 + 20))
    assert other.id != first.id and repo.count() == 2
    got = repo.for_call("c1", "8001")
    assert got.category is WrapUpCategory.COMPLAINT and got.notes == "改为投诉"
    assert got.call_started_at is None           # the update writes every field
    assert repo.for_call("c1", "8003") is None and repo.for_call("", "8001") is None
    assert [r.seat for r in repo.recent()] == ["8002", "8001"]
    assert [r.id for r in repo.recent("8001")] == [first.id]
    assert repo.get(other.id).seat == "8002"
    assert not repo.work_order_exists(1)


# ------------------------------------------------- service and seat state
@pytest.fixture
def seat(store):
    clock = Clock()
    machine = SeatStateMachine(clock=clock, wrap_up_s=30)
    machine.sign_in()
    presence = SeatPresenceService(machine, lambda doc: None, entity="sip:8001@test",
                                   seat="8001", court="bjgy", clock=clock)
    service = WrapUpService(WrapUpRepository(), seat="8001", court="bjgy", machine=machine,
                            clock=clock)
    return clock, machine, presence, service


def feed(presence, service, snaps):
    for s in snaps:
        presence.on_call(s)
        service.on_call(s)


def test_saving_ends_the_wrap_up_early(seat):
    clock, machine, presence, service = seat
    calls = call_sequence()
    feed(presence, service, calls)
    assert machine.status.state is SeatState.WRAP_UP
    clock.t += 10
    assert service.wrap_up_left() == pytest.approx(20)
    draft = service.draft_for(calls[-1], case_number="(2026)京01民初9号")
    with pytest.raises(WrapUpError):
        service.save(draft)                      # no category yet: nothing changes
    assert machine.status.state is SeatState.WRAP_UP
    saved = service.save(replace(draft, category=WrapUpCategory.CASE_ENQUIRY))
    assert saved.id and saved.saved_at == clock.t and saved.seat == "8001"
    assert machine.status.state is SeatState.READY
    assert service.wrap_up_left() is None
    # The saved record comes back when the same call is opened again.
    assert service.draft_for(calls[-1]).id == saved.id


def test_after_the_wrap_up_time_saving_still_works(seat):
    clock, machine, presence, service = seat
    feed(presence, service, call_sequence())
    clock.t += 31
    presence.tick()
    assert machine.status.state is SeatState.READY      # the seat takes calls again
    saved = service.save(replace(service.draft_for(call_sequence()[-1]),
                                 category=WrapUpCategory.OTHER, notes="晚些保存"))
    assert saved.notes == "晚些保存" and machine.status.state is SeatState.READY


def test_a_late_record_never_cuts_a_newer_calls_wrap_up(seat):
    clock, machine, presence, service = seat
    first = call_sequence(1, "c-1")
    feed(presence, service, first)
    clock.t += 40
    presence.tick()
    feed(presence, service, call_sequence(2, "c-2", t=clock.t))
    assert machine.status.state is SeatState.WRAP_UP and service.wrapping_call == "c-2"
    service.save(replace(service.draft_for(first[-1]), category=WrapUpCategory.OTHER))
    assert machine.status.state is SeatState.WRAP_UP        # c-2's wrap-up goes on
    assert service.extend(15)
    assert service.wrap_up_left() == pytest.approx(45)


def test_unknown_work_order_is_refused_and_a_real_one_linked(seat):
    clock, machine, presence, service = seat
    calls = call_sequence()
    feed(presence, service, calls)
    draft = replace(service.draft_for(calls[-1]), category=WrapUpCategory.CONTACT_JUDGE,
                    work_order_id=7)
    with pytest.raises(WrapUpError) as e:
        service.save(draft)
    assert e.value.code == "unknown_work_order"
    order = WorkOrder.create(content="请承办法官回电", recipient_kind="judge", urgency="normal",
                             due_at=T0 + 86400, status="sent", created_at=T0, updated_at=T0)
    saved = service.save(replace(draft, work_order_id=order.id))
    assert WrapUpRepository().get(saved.id).work_order_id == order.id


# ---------------------------------------------------------------- the page
class FailingOnce:
    """The WrapUpStore port, failing its first save as a full disk would."""

    def __init__(self, inner):
        self.inner = inner
        self.fail = True

    def save(self, record):
        if self.fail:
            self.fail = False
            raise StorageError("disk_full", "test")
        return self.inner.save(record)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def desk(seat, directory, qtbot):
    from ui.desk.context import DeskContext
    from ui.desk.wrap_up import WrapUpPage
    clock, machine, presence, service = seat
    ctx = DeskContext(seat="8001", seat_name="坐席一", court="bjgy", directory=directory)
    ctx.callChanged.connect(presence.on_call)      # as the seat role wires it
    page = WrapUpPage(ctx, service)
    qtbot.addWidget(page)
    page.show()
    return ctx, page, clock, machine, presence, service


def test_page_opens_when_the_call_ends_prefilled(desk, qtbot):
    ctx, page, clock, machine, presence, service = desk
    calls = call_sequence()
    ctx.on_call(calls[0])
    ctx.on_call(calls[1])
    assert page.pending_keys == [] and not page.save_btn.isEnabled()
    ctx.link_case("(2026)京01民初123号")
    ctx.notes = "来电询问开庭时间"
    with qtbot.waitSignal(ctx.pageRequested, timeout=1000) as blocker:
        ctx.on_call(calls[2])
    assert blocker.args == [page]
    assert page.pending_keys == ["call-1@test"] and page.save_btn.isEnabled()
    assert page.case_number.text() == "(2026)京01民初123号"
    assert page.notes.toPlainText() == "来电询问开庭时间"
    assert page.court.currentData() == "bj1zy"
    assert "13900000001" in page.headline.text()
    assert machine.status.state is SeatState.WRAP_UP
    page.refresh_timer()
    assert "0:30" in page.timer_label.text() and page.more_time_btn.isVisible()

    # Save without a category: told what to do, nothing lost, nothing stored.
    qtbot.mouseClick(page.save_btn, Qt.LeftButton)
    assert "Choose what the call was about" in page.message.text()
    assert page.notes.toPlainText() == "来电询问开庭时间"
    assert WrapUpRepository().count() == 0 and ctx.current_call is not None

    page.category_buttons[WrapUpCategory.CASE_ENQUIRY].click()
    page.notes.appendPlainText("已告知下周二开庭")
    with qtbot.waitSignal(page.recordSaved, timeout=1000) as saved:
        qtbot.mouseClick(page.save_btn, Qt.LeftButton)
    record = saved.args[0]
    stored = WrapUpRepository().get(record.id)
    assert stored.category is WrapUpCategory.CASE_ENQUIRY and stored.court_code == "bj1zy"
    assert stored.notes == "来电询问开庭时间\n已告知下周二开庭"
    assert stored.case_number == "(2026)京01民初123号" and stored.sip_call_id == "call-1@test"
    assert stored.caller_number == "13900000001" and stored.queue == "bj1zy"
    assert machine.status.state is SeatState.READY          # wrap-up ended early
    assert ctx.current_call is None and ctx.case_number == ""  # the call is finished
    assert page.pending_keys == [] and not page.save_btn.isEnabled()
    assert page.notes.toPlainText() == ""


def test_time_runs_out_form_kept_next_call_queues_behind(desk, qtbot):
    ctx, page, clock, machine, presence, service = desk
    for s in call_sequence(1, "c-1"):
        ctx.on_call(s)
    page.notes.setPlainText("第一通电话的记录")
    page.work_order.setText("abc")
    clock.t += 31
    presence.tick()
    page.refresh_timer()
    assert machine.status.state is SeatState.READY
    assert "What you typed is kept" in page.timer_label.text()
    assert not page.more_time_btn.isVisible()
    # The next call comes and ends while the first record is still open.
    for s in call_sequence(2, "c-2", t=clock.t, number="13900000002", queue=""):
        ctx.on_call(s)
    assert page.pending_keys == ["c-1", "c-2"] and page.waiting.isVisible()
    assert page.notes.toPlainText() == "第一通电话的记录"   # still the first one shown
    assert page.work_order.text() == "abc"

    page.category_buttons[WrapUpCategory.LEGAL_QUESTION].click()
    qtbot.mouseClick(page.save_btn, Qt.LeftButton)
    assert "must be a number" in page.message.text() and page.pending_keys == ["c-1", "c-2"]
    page.work_order.clear()
    qtbot.mouseClick(page.save_btn, Qt.LeftButton)
    assert page.pending_keys == ["c-2"]
    assert machine.status.state is SeatState.WRAP_UP      # c-2's wrap-up not cut short
    assert page.court.currentData() == "bjgy" and "13900000002" in page.headline.text()
    assert page.notes.toPlainText() == ""
    page.category_buttons[WrapUpCategory.OTHER].click()
    qtbot.mouseClick(page.save_btn, Qt.LeftButton)
    assert page.pending_keys == [] and machine.status.state is SeatState.READY
    got = {r.sip_call_id: r for r in WrapUpRepository().recent()}
    assert got["c-1"].category is WrapUpCategory.LEGAL_QUESTION
    assert got["c-1"].notes == "第一通电话的记录"
    assert got["c-2"].category is WrapUpCategory.OTHER and got["c-2"].court_code == "bjgy"


def test_switching_between_waiting_calls_keeps_each_draft(desk, qtbot):
    ctx, page, clock, machine, presence, service = desk
    for s in call_sequence(1, "c-1"):
        ctx.on_call(s)
    page.notes.setPlainText("一")
    for s in call_sequence(2, "c-2", t=T0 + 100, number="13900000002"):
        ctx.on_call(s)
    page.waiting.setCurrentIndex(1)
    assert page.notes.toPlainText() == ""
    page.notes.setPlainText("二")
    page.category_buttons[WrapUpCategory.COMPLAINT].click()
    page.waiting.setCurrentIndex(0)
    assert page.notes.toPlainText() == "一"
    assert page.category_group.checkedButton() is None
    page.waiting.setCurrentIndex(1)
    assert page.notes.toPlainText() == "二"
    assert page.category_group.checkedButton() is page.category_buttons[WrapUpCategory.COMPLAINT]


def test_store_failure_keeps_the_form_and_saving_again_works(seat, directory, qtbot):
    from ui.desk.context import DeskContext
    from ui.desk.wrap_up import WrapUpPage
    clock, machine, presence, service = seat
    service.repo = FailingOnce(service.repo)
    ctx = DeskContext(seat="8001", court="bjgy", directory=directory)
    ctx.callChanged.connect(presence.on_call)
    page = WrapUpPage(ctx, service)
    qtbot.addWidget(page)
    for s in call_sequence():
        ctx.on_call(s)
    page.category_buttons[WrapUpCategory.OTHER].click()
    page.notes.setPlainText("重要记录")
    page.save()
    assert "disk is full" in page.message.text() and "kept" in page.message.text()
    assert page.notes.toPlainText() == "重要记录" and page.pending_keys == ["call-1@test"]
    assert machine.status.state is SeatState.WRAP_UP
    assert page.save() is not None
    assert WrapUpRepository().for_call("call-1@test", "8001").notes == "重要记录"


def test_escalation_calls_during_a_caller_do_not_open_a_record(desk):
    ctx, page, clock, machine, presence, service = desk
    caller = call_sequence(1, "c-1")
    ctx.on_call(caller[0])
    ctx.on_call(caller[1])
    # The seat rings the judge while the caller holds; that call ends first.
    out = [snap(5, CallPhase.DIALING, sip="esc", number="60121", direction=CallDirection.OUTGOING,
                answered=None, queue=""),
           snap(5, CallPhase.ACTIVE, sip="esc", number="60121", direction=CallDirection.OUTGOING,
                queue=""),
           snap(5, CallPhase.ENDED, sip="esc", number="60121", direction=CallDirection.OUTGOING,
                ended=T0 + 30, queue="")]
    for s in out:
        ctx.on_call(s)
    assert page.pending_keys == []
    ctx.on_call(caller[2])
    assert page.pending_keys == ["c-1"]
    # A call back made later, with no caller in hand, gets its own record.
    page.category_buttons[WrapUpCategory.CONTACT_JUDGE].click()
    page.save()
    for s in out:
        ctx.on_call(replace(s, sip_call_id="cb", call_id=6))
    assert page.pending_keys == ["cb"] and "60121" in page.headline.text()

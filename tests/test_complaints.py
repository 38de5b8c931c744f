"""Complaints: life cycle, dispatch and notice, and visibility enforced in the store.

Store tests run on the ``store`` fixture (every supported backend). The page
is tested with qtbot over the real store; the dispatch notice and the call
back go through the real SIP engine, Kamailio and a pjsua2 peer.
"""
from __future__ import annotations

import json

import pytest

from app import paths
from app.domain.complaints import (CallbackOutcome, Complaint, ComplaintError, ComplaintEvent,
                                   ComplaintPriority, ComplaintStatus, EventKind, Viewer,
                                   callback_outcome_of, can_act, can_see)
from app.domain.directory import Directory
from app.services.complaints import (NOTICE_CONTENT_TYPE, ComplaintService, MessageNotifier,
                                     decode_notice, encode_notice, seats_of_court)
from app.storage.complaint_repo import ComplaintRepository

T0 = 1_780_000_000.0

# Seats of three courts (resources/directory.json) and the consulting judge.
MAIN = Viewer(seat="8001", court="bjgy")              # main platform seat
MAIN2 = Viewer(seat="8002", court="bjgy")
A = Viewer(seat="8011", court="bj1zy")                # 第一中级人民法院 sub-platform
A2 = Viewer(seat="8012", court="bj1zy")
B = Viewer(seat="8015", court="bj2zy")                # 第二中级人民法院 sub-platform
JUDGE = Viewer(seat="8901", court="bjgy", consulting_judge=True)
NOBODY = Viewer(seat="")
VIEWERS = (MAIN, MAIN2, A, A2, B, JUDGE, NOBODY)


@pytest.fixture(scope="module")
def directory():
    return Directory.load(paths.resource("directory.json"))


class Clock:
    def __init__(self, t=T0):
        self.t = t

    def __call__(self):
        self.t += 1.0
        return self.t


class Notices:
    def __init__(self, fail=False):
        self.got: list[Complaint] = []
        self.fail = fail

    def complaint_dispatched(self, complaint):
        self.got.append(complaint)
        if self.fail:
            raise RuntimeError("SMS gateway down")


CLOCK = Clock()


@pytest.fixture
def repo(store):
    CLOCK.t = T0          # one clock for every desk of a test: events in order
    return ComplaintRepository()


def service(viewer, directory, notifier=None):
    return ComplaintService(ComplaintRepository(), viewer, notifier=notifier or Notices(),
                            known_courts=[c.code for c in directory.courts()],
                            main_court="bjgy", clock=CLOCK)


@pytest.fixture
def filed(repo, directory):
    """Three complaints: about court A and court B filed by the main seat 8001,
    and about the High Court filed by 8002."""
    main = service(MAIN, directory)
    about_a = main.file(court_code="bj1zy", content="法官三个月未回电话", caller_number="13900000001",
                        caller_name="张先生", case_number="(2026)京01民初123号")
    about_b = main.file(court_code="bj2zy", content="立案窗口态度差", caller_number="13900000002",
                        priority=ComplaintPriority.URGENT)
    about_main = service(MAIN2, directory).file(
        court_code="bjgy", content="热线长时间无人接听", caller_number="13900000003")
    return {"a": about_a, "b": about_b, "main": about_main}


# ------------------------------------------------------------------ the rule
def test_visibility_rule_pure():
    c = Complaint(court_code="bj1zy", content="x", created_by="8001", id=1)
    assert can_see(JUDGE, c) and can_act(JUDGE, c)
    assert can_see(A, c) and can_act(A, c)
    assert can_see(MAIN, c) and not can_act(MAIN, c)       # the filer reads only
    assert not can_see(MAIN2, c) and not can_act(MAIN2, c)  # same court as filer, not filer
    assert not can_see(B, c) and not can_act(B, c)
    assert not can_see(NOBODY, c)


def test_callback_outcome_from_the_call():
    assert callback_outcome_of(True, 200) is CallbackOutcome.REACHED
    assert callback_outcome_of(False, 486) is CallbackOutcome.BUSY
    assert callback_outcome_of(False, 480) is CallbackOutcome.NO_ANSWER
    assert callback_outcome_of(False, 404) is CallbackOutcome.FAILED


# ------------------------------------------------------------ in the store
def test_each_viewer_sees_exactly_what_the_rule_allows(repo, filed):
    every = repo.visible(JUDGE)
    assert {c.id for c in every} == {c.id for c in filed.values()}
    for viewer in VIEWERS:
        seen = {c.id for c in repo.visible(viewer)}
        expected = {c.id for c in every if can_see(viewer, c)}
        assert seen == expected, viewer
        assert repo.count_visible(viewer) == len(expected)
        for c in every:
            got = repo.get(c.id, viewer)
            assert (got is not None) == can_see(viewer, c)
            assert bool(repo.events(c.id, viewer)) == can_see(viewer, c)
    # Spelled out for the issue: a seat of court A never sees court B's complaint.
    assert repo.get(filed["b"].id, A) is None and repo.events(filed["b"].id, A) == []
    assert {c.id for c in repo.visible(A)} == {filed["a"].id}
    assert {c.id for c in repo.visible(B)} == {filed["b"].id}
    assert {c.id for c in repo.visible(MAIN)} == {filed["a"].id, filed["b"].id, filed["main"].id}
    assert {c.id for c in repo.visible(MAIN2)} == {filed["main"].id}


def test_visibility_is_applied_in_the_query_not_after_fetching(repo, filed, directory):
    # The first complaint in the list order (open, urgent, newest) is about
    # court B; with LIMIT 1, a filter applied after fetching would leave court
    # A's seat with nothing.
    newest = service(MAIN2, directory).file(court_code="bj2zy", content="又一次投诉",
                                            priority=ComplaintPriority.URGENT)
    assert repo.visible(JUDGE, limit=1)[0].id == newest.id
    assert [c.id for c in repo.visible(A, limit=1)] == [filed["a"].id]
    # Writes too: the UPDATE's WHERE refuses a seat of another court even when
    # the service's own check is bypassed.
    event = ComplaintEvent(filed["a"].id, T0, EventKind.STARTED, "8015")
    with pytest.raises(ComplaintError) as e:
        repo.change(filed["a"].id, B, expected=ComplaintStatus.DISPATCHED,
                    changes={"status": ComplaintStatus.IN_PROGRESS}, event=event)
    assert e.value.code == "changed_elsewhere"
    assert repo.get(filed["a"].id, JUDGE).status is ComplaintStatus.DISPATCHED
    assert not repo.add_event(filed["a"].id, B, event)
    assert all(ev.actor != "8015" for ev in repo.events(filed["a"].id, JUDGE))


def test_filing_dispatches_to_the_court_concerned_and_notifies(repo, directory):
    notices = Notices()
    svc = service(MAIN, directory, notifier=notices)
    c = svc.file(court_code="bj1zy", content="  执行款迟迟未到账  ", caller_number="13911112222",
                 priority=ComplaintPriority.URGENT, sip_call_id="abc@host")
    assert c.status is ComplaintStatus.DISPATCHED and c.dispatched_to == "bj1zy"
    assert c.content == "执行款迟迟未到账" and c.created_by == "8001" and c.dispatched_at
    assert [n.id for n in notices.got] == [c.id]
    kinds = [(e.kind, e.actor, e.detail) for e in repo.events(c.id, JUDGE)]
    assert kinds == [(EventKind.CREATED, "8001", "call abc@host"),
                     (EventKind.DISPATCHED, "8001", "bj1zy")]
    # The court's seats are told, in their list and by the poll.
    assert [x.id for x in service(A2, directory).new_for_my_court()] == [c.id]
    assert service(A2, directory).new_for_my_court(after_id=c.id) == []
    assert service(B, directory).new_for_my_court() == []


def test_a_failing_notifier_never_undoes_the_dispatch(repo, directory):
    c = service(MAIN, directory, notifier=Notices(fail=True)).file(court_code="bj1zy",
                                                                    content="投诉内容")
    stored = repo.get(c.id, A)
    assert stored.status is ComplaintStatus.DISPATCHED
    failed = [e for e in repo.events(c.id, A) if e.kind is EventKind.NOTIFY_FAILED]
    assert len(failed) == 1 and "SMS gateway down" in failed[0].detail


@pytest.mark.parametrize("kw, code", [
    ({"court_code": "bj1zy", "content": "  "}, "no_content"),
    ({"court_code": "", "content": "x"}, "no_court"),
    ({"court_code": "nowhere", "content": "x"}, "unknown_court"),
    ({"court_code": "bj1zy", "content": "字" * 4001}, "content_too_long"),
])
def test_filing_refuses_incomplete_complaints(repo, directory, kw, code):
    with pytest.raises(ComplaintError) as e:
        service(MAIN, directory).file(**kw)
    assert e.value.code == code and str(e.value)
    assert repo.count_visible(JUDGE) == 0


def test_followed_to_closure_with_a_call_back(repo, filed, directory):
    cid = filed["a"].id
    court = service(A, directory)
    # Neither the filer (reads only) nor another court may act on it.
    with pytest.raises(ComplaintError) as e:
        service(MAIN, directory).start(cid)
    assert e.value.code == "not_allowed"
    with pytest.raises(ComplaintError) as e:
        service(B, directory).start(cid)
    assert e.value.code == "not_found"

    assert court.start(cid).status is ComplaintStatus.IN_PROGRESS
    with pytest.raises(ComplaintError) as e:
        court.resolve(cid, "  ")
    assert e.value.code == "no_resolution"
    resolved = court.resolve(cid, "已联系承办法官，法官当日回电当事人")
    assert resolved.status is ComplaintStatus.RESOLVED and resolved.resolution.startswith("已联系")

    # Closing needs a call back that reached the caller, or a reason.
    with pytest.raises(ComplaintError) as e:
        court.close(cid)
    assert e.value.code == "needs_callback"
    assert court.record_callback(cid, CallbackOutcome.NO_ANSWER).callback_outcome \
        is CallbackOutcome.NO_ANSWER
    with pytest.raises(ComplaintError):
        court.close(cid)
    reached = court.record_callback(cid, CallbackOutcome.REACHED, "caller satisfied")
    assert reached.caller_reached and reached.callback_at
    closed = court.close(cid)
    assert closed.status is ComplaintStatus.CLOSED and closed.closed_at

    kinds = [e.kind for e in repo.events(cid, JUDGE)]
    assert kinds == [EventKind.CREATED, EventKind.DISPATCHED, EventKind.STARTED,
                     EventKind.RESOLVED, EventKind.CALLBACK, EventKind.CALLBACK,
                     EventKind.CLOSED]
    # Closed is final.
    for act in (lambda: court.start(cid), lambda: court.close(cid, "again"),
                lambda: court.record_callback(cid, CallbackOutcome.REACHED)):
        with pytest.raises(ComplaintError) as e:
            act()
        assert e.value.code == "bad_transition"
    # The filer follows it to the end.
    assert service(MAIN, directory).get(cid).status is ComplaintStatus.CLOSED


def test_close_with_a_reason_and_judge_acts_anywhere(repo, filed, directory):
    judge = service(JUDGE, directory)
    with pytest.raises(ComplaintError) as e:
        judge.close(filed["b"].id, "")
    assert e.value.code == "needs_callback"
    closed = judge.close(filed["b"].id, "来电人撤回投诉")
    assert closed.status is ComplaintStatus.CLOSED
    assert repo.events(filed["b"].id, B)[-1].detail == "来电人撤回投诉"
    # A resolved complaint can be reopened.
    court = service(A, directory)
    court.resolve(filed["a"].id, "已处理")
    assert court.start(filed["a"].id).status is ComplaintStatus.IN_PROGRESS
    assert repo.events(filed["a"].id, A)[-1].kind is EventKind.REOPENED


def test_two_desks_racing_one_wins(repo, filed, directory):
    cid = filed["a"].id
    service(A, directory).start(cid)
    # The second desk read "dispatched" before the first one's change.
    event = ComplaintEvent(cid, T0, EventKind.STARTED, "8012")
    with pytest.raises(ComplaintError) as e:
        repo.change(cid, A2, expected=ComplaintStatus.DISPATCHED,
                    changes={"status": ComplaintStatus.IN_PROGRESS}, event=event)
    assert e.value.code == "changed_elsewhere"
    assert [ev.actor for ev in repo.events(cid, A) if ev.kind is EventKind.STARTED] == ["8011"]


def test_open_ones_first_urgent_first(repo, filed, directory):
    judge = service(JUDGE, directory)
    judge.close(filed["main"].id, "重复投诉")
    order = [c.id for c in judge.visible()]
    assert order == [filed["b"].id, filed["a"].id, filed["main"].id]   # urgent, high, closed
    assert filed["main"].id not in [c.id for c in judge.visible(include_closed=False)]


def test_notes_by_anyone_who_sees_it(repo, filed, directory):
    assert service(MAIN, directory).add_note(filed["a"].id, "来电人又来电询问进度")
    with pytest.raises(ComplaintError):
        service(B, directory).add_note(filed["a"].id, "x")
    assert repo.events(filed["a"].id, A)[-1].kind is EventKind.NOTE


# ------------------------------------------------------------ the notice
def test_message_notice_goes_to_the_courts_seats_without_content(directory):
    sent = []
    notifier = MessageNotifier(lambda n, b, ct: sent.append((n, b, ct)),
                               seats_of_court(directory), exclude=["8012"])
    c = Complaint(court_code="bj1zy", content="秘密内容", id=7, dispatched_to="bj1zy",
                  priority=ComplaintPriority.URGENT, status=ComplaintStatus.DISPATCHED)
    notifier.complaint_dispatched(c)
    seats = [e.number for e in directory.seats_of("bj1zy")]
    assert [n for n, _, _ in sent] == [s for s in seats if s != "8012"] and sent
    for _, body, ct in sent:
        assert ct == NOTICE_CONTENT_TYPE and "秘密" not in body
        assert decode_notice(ct, body) == {"kind": "complaint_dispatched", "id": 7,
                                           "court": "bj1zy", "priority": "urgent"}
    assert decode_notice("text/plain", encode_notice(c)) is None
    assert decode_notice(NOTICE_CONTENT_TYPE, "not json") is None
    assert decode_notice(NOTICE_CONTENT_TYPE, json.dumps({"kind": "x", "id": 1})) is None


def test_message_notice_reports_failed_sends_after_trying_all(directory):
    tried = []

    def send(n, b, ct):
        tried.append(n)
        if n == "8011":
            raise RuntimeError("not registered")
    notifier = MessageNotifier(send, seats_of_court(directory))
    with pytest.raises(RuntimeError, match="8011"):
        notifier.complaint_dispatched(Complaint(court_code="bj1zy", content="x", id=1,
                                                dispatched_to="bj1zy"))
    assert len(tried) == len(directory.seats_of("bj1zy"))




# ------------------------------------------------------------------ the page
def make_page(qtbot, directory, viewer, **ctx_kw):
    from ui.desk.complaints import ComplaintsPage
    from ui.desk.context import DeskContext
    ctx = DeskContext(seat=viewer.seat, court=viewer.court, directory=directory, **ctx_kw)
    page = ComplaintsPage(ctx, service(viewer, directory), poll_ms=60_000)
    qtbot.addWidget(page)
    page.show()
    return ctx, page


def test_viewer_for_a_desk(directory):
    from ui.desk.complaints import viewer_for
    from ui.desk.context import DeskContext
    assert viewer_for(DeskContext(seat="8011", court="bj1zy", directory=directory)) == A
    judge = viewer_for(DeskContext(seat="8901", court="bjgy", directory=directory))
    assert judge.consulting_judge and judge.court == "bjgy"
    # A desk whose court is not set takes the seat's court from the directory.
    assert viewer_for(DeskContext(seat="8015", directory=directory)).court == "bj2zy"


def test_pages_show_only_what_each_desk_may_see(repo, directory, qtbot):
    from PySide6.QtCore import Qt
    main_ctx, main_page = make_page(qtbot, directory, MAIN)
    a_ctx, a_page = make_page(qtbot, directory, A)
    b_ctx, b_page = make_page(qtbot, directory, B)
    j_ctx, j_page = make_page(qtbot, directory, JUDGE)
    assert not a_page.banner.isVisible()

    # The main platform seat files one complaint about court A from the form.
    qtbot.mouseClick(main_page.file_btn, Qt.LeftButton)
    assert "Choose the court" in main_page.message.text()
    main_page.court.setCurrentIndex(main_page.court.findData("bj1zy"))
    main_page.caller_number.setText("13900000001")
    main_page.caller_name.setText("张先生")
    main_page.case_number.setText("(2026)京01民初123号")
    qtbot.mouseClick(main_page.file_btn, Qt.LeftButton)
    assert "Write down what the caller complains about" in main_page.message.text()
    assert main_page.caller_name.text() == "张先生"          # kept after a refusal
    main_page.content.setPlainText("承办法官三个月未回电")
    main_page.priority.setCurrentIndex(main_page.priority.findData(ComplaintPriority.URGENT))
    with qtbot.waitSignal(main_page.complaintFiled, timeout=1000) as filed:
        qtbot.mouseClick(main_page.file_btn, Qt.LeftButton)
    about_a = filed.args[0]
    assert about_a.dispatched_to == "bj1zy" and about_a.priority is ComplaintPriority.URGENT
    assert "sent to" in main_page.message.text() and main_page.content.toPlainText() == ""
    # And one about court B through the service.
    about_b = service(MAIN, directory).file(court_code="bj2zy", content="立案窗口态度差")

    # Court A's desk is told and sees its complaint, never court B's.
    with qtbot.waitSignal(a_ctx.pageRequested, timeout=1000):
        arrived = a_page.check_new()
    assert [c.id for c in arrived] == [about_a.id]
    assert a_page.banner.isVisible() and "1 urgent" in a_page.banner.text()
    assert a_page.shown_ids == [about_a.id]
    a_page.select(about_b.id)                     # not even selectable
    assert a_page._current() is None and not a_page.close_btn.isEnabled()
    assert "立案窗口" not in a_page.detail.toPlainText()
    b_page.refresh()
    b_page.check_new()
    assert b_page.shown_ids == [about_b.id]
    assert "三个月" not in b_page.detail.toPlainText()
    for row in range(b_page.table.rowCount()):
        assert b_page.table.item(row, 0).text() != str(about_a.id)
    j_page.refresh()
    assert set(j_page.shown_ids) == {about_a.id, about_b.id}
    main_page.refresh()
    assert set(main_page.shown_ids) == {about_a.id, about_b.id}     # the filer follows both
    main_page.select(about_a.id)
    assert not main_page.start_btn.isEnabled() and not main_page.close_btn.isEnabled()
    assert "court concerned handles it" in main_page.detail.toPlainText()

    # Court A handles it to closure.
    a_page.select(about_a.id)
    assert a_page.start_btn.isEnabled() and "承办法官三个月未回电" in a_page.detail.toPlainText()
    qtbot.mouseClick(a_page.start_btn, Qt.LeftButton)
    assert not a_page.banner.isVisible()
    qtbot.mouseClick(a_page.resolve_btn, Qt.LeftButton)
    assert "Write down what was done" in a_page.message.text()
    a_page.resolution.setText("已督促承办法官当日回电")
    qtbot.mouseClick(a_page.resolve_btn, Qt.LeftButton)
    qtbot.mouseClick(a_page.close_btn, Qt.LeftButton)
    assert "Call the caller back first" in a_page.message.text()
    a_page.outcome.setCurrentIndex(a_page.outcome.findData(CallbackOutcome.REACHED))
    qtbot.mouseClick(a_page.record_cb_btn, Qt.LeftButton)
    assert "call back Caller reached" in a_page.detail.toPlainText()   # in words, not codes
    qtbot.mouseClick(a_page.close_btn, Qt.LeftButton)
    final = service(JUDGE, directory).get(about_a.id)
    assert final.status is ComplaintStatus.CLOSED and final.caller_reached
    assert final.resolution == "已督促承办法官当日回电"
    assert not a_page.close_btn.isEnabled()
    assert "closed" in a_page.detail.toPlainText()


# ---------------------------------------- through the softphone and Kamailio
@pytest.mark.e2e
def test_dispatch_notice_and_call_back_through_kamailio(repo, directory, seat, peer, kamailio,
                                                        qtbot):
    """Seat 8001 (main platform) files a complaint about its own court: the
    notice reaches the court's other seat 8002 as a SIP MESSAGE; the call back
    rings the caller (a pjsua2 peer) and its outcome is recorded by itself."""
    from tests.conftest import wait_until
    from ui.desk.complaints import ComplaintsPage
    from ui.desk.context import DeskContext

    colleague = peer("8002")
    caller = peer("9002", auto_answer=200)
    busy = peer("9003", auto_answer=486)
    ctx = DeskContext(seat="8001", court="bjgy", directory=directory, engine=seat,
                      dial=lambda number, headers: seat.make_call(number, headers))
    notifier = MessageNotifier(lambda n, body, ct: seat.send_message(n, body, ct),
                               seats_of_court(directory), exclude=["8001"])
    svc = ComplaintService(ComplaintRepository(), MAIN, notifier=notifier,
                           known_courts=[c.code for c in directory.courts()], clock=CLOCK)
    page = ComplaintsPage(ctx, svc, poll_ms=60_000)
    qtbot.addWidget(page)

    mark = colleague.mark()
    c = svc.file(court_code="bjgy", content="热线等待太久", caller_number="9002")
    ev = colleague.wait_event(event="message", since=mark, timeout=10)
    assert ev["content_type"].startswith(NOTICE_CONTENT_TYPE)
    assert decode_notice(ev["content_type"], ev["body"])["id"] == c.id
    assert "热线" not in ev["body"]
    assert "8002" in notifier.sent_to and "8001" not in notifier.sent_to

    # Call back: the caller answers, then hangs up; the outcome is recorded.
    page.select(c.id)
    assert page.callback_btn.isEnabled()
    mark = caller.mark()
    call_id = page.call_back()
    assert call_id is not None
    inc = caller.wait_event(event="incoming", since=mark, timeout=10)
    caller.wait_state(inc["call"], "CONFIRMED", since=mark)
    caller.hangup(inc["call"])
    wait_until(lambda: svc.get(c.id).callback_outcome is CallbackOutcome.REACHED,
               what="call back recorded")
    assert "9002" in [e for e in svc.events(c.id) if e.kind is EventKind.CALLBACK][-1].detail

    # A second complaint whose caller is busy: recorded as busy, close refused.
    c2 = svc.file(court_code="bjgy", content="再次投诉", caller_number="9003")
    page.select(c2.id)
    page.call_back()
    wait_until(lambda: svc.get(c2.id).callback_outcome is CallbackOutcome.BUSY,
               what="busy call back recorded")
    with pytest.raises(ComplaintError):
        svc.close(c2.id)
    assert busy is not None

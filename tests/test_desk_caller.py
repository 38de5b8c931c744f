"""The caller page: screen pop and verified case lookup, through the UI and the store.

- store: the screen pop's queries (cases of a number, earlier calls with their
  wrap-ups), on every store backend;
- UI (qtbot, real widgets, real store, the real lookup service): nothing shown
  before verification; by code and by identity; a wrong password keeps what was
  typed and says how many tries are left; the lock; audit rows for each; a court
  system that is down says so and keeps the fields;
- end to end: an outside caller (sipp, through the real Kamailio) whose number a
  party registered: the incoming popup shows the case before the seat answers.
"""
from __future__ import annotations

import dataclasses
import shutil
import time
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt

from app.domain.calls import CallDirection, CallPhase, CallResult, CallSnapshot
from app.domain.cases import LookupOutcome, Party
from app.domain.directory import Directory
from app.paths import resource
from app.services.case_lookup import CaseLookupService
from app.services.demo_cases import generate_demo_cases
from app.services.screen_pop import ScreenPopService
from app.storage.audit_repo import AuditRepository
from app.storage.caller_repo import CallerRepository
from app.storage.case_repo import CaseRepository
from app.storage.history_repo import HistoryRepository
from app.storage.models import CaseLookupAudit, WrapUp
from tests.conftest import wait_until

CALLER = "13800138000"   # the number tests/sipp/uac_caller_hangs_up.xml calls from


@pytest.fixture(scope="module")
def directory():
    return Directory.load(resource("directory.json"))


@pytest.fixture(scope="module")
def demo(directory):
    # Cheap scrypt for tests; verification reads the cost from the stored hash.
    cases = generate_demo_cases(directory, 6, hash_n=2 ** 8)
    first = cases[0]
    parties = list(first.case.parties)
    parties[0] = dataclasses.replace(parties[0], phone=CALLER)
    cases[0] = dataclasses.replace(first, case=dataclasses.replace(first.case, parties=tuple(parties)))
    return cases


def _snap(call_id=1, number=CALLER, phase=CallPhase.RINGING_IN, sip_call_id="c1@test", started=None,
          **kw):
    return CallSnapshot(call_id=call_id, sip_call_id=sip_call_id, direction=CallDirection.INCOMING,
                        phase=phase, peer_uri=f"sip:{number}@127.0.0.1", peer_number=number,
                        started_at=started or time.time(), **kw)


# --------------------------------------------------------------------- store
def test_screen_pop_finds_cases_and_earlier_calls_with_wrap_up(store, demo):
    CaseRepository().add_many([d.case for d in demo])
    history = HistoryRepository()
    t0 = time.time() - 3600
    earlier = _snap(sip_call_id="old@test", started=t0)
    history.upsert_from_snapshot(earlier, "sip:8001@x")
    history.upsert_from_snapshot(dataclasses.replace(earlier, phase=CallPhase.ACTIVE, answered_at=t0 + 2),
                                 "sip:8001@x")
    history.upsert_from_snapshot(dataclasses.replace(earlier, phase=CallPhase.ENDED, answered_at=t0 + 2,
                                                     ended_at=t0 + 60), "sip:8001@x")
    WrapUp.create(sip_call_id="old@test", seat="8001", caller_number=CALLER, category="case_enquiry",
                  notes="问开庭时间", case_number=demo[0].case.case_number, saved_at=t0 + 90)

    pop = ScreenPopService(CallerRepository()).pop(CALLER)
    assert pop.known and not pop.error
    assert [c.case_number for c in pop.cases] == [demo[0].case.case_number]
    assert pop.cases[0].party_name == demo[0].case.parties[0].name
    assert pop.earlier_total == 1
    e = pop.earlier[0]
    assert (e.result, e.category, e.notes) == ("answered", "case_enquiry", "问开庭时间")
    # The call in hand is not its own earlier call.
    assert ScreenPopService(CallerRepository()).pop(CALLER, call_started_at=t0).earlier_total == 0
    unknown = ScreenPopService(CallerRepository()).pop("13999999999")
    assert not unknown.known and unknown.cases == () and unknown.earlier_total == 0
    assert not ScreenPopService(CallerRepository()).pop("anonymous").known


# ------------------------------------------------------------------------ UI
@pytest.fixture
def page(store, demo, directory, qtbot):
    from ui.desk.caller import CallerPage
    from ui.desk.context import DeskContext
    CaseRepository().add_many([d.case for d in demo])
    ctx = DeskContext(seat="8001", seat_name="陆玉丽", court="bjgy", directory=directory)
    service = CaseLookupService(CaseRepository(), AuditRepository())
    p = CallerPage(ctx, service, ScreenPopService(CallerRepository()))
    qtbot.addWidget(p)
    p.show()
    ctx.on_call(_snap())
    yield p
    p.close()


def _done(page):
    wait_until(lambda: not page.busy, what="lookup finished")


def test_nothing_shown_before_verification_then_code_lookup(page, demo, qtbot):
    d = demo[0]
    assert page.result.toPlainText() == ""
    assert page.views == ()
    # The screen pop names the likely party but tells no progress.
    pop = page.pop_text.text()
    assert d.case.case_number in pop and d.case.parties[0].name in pop
    assert d.case.stage not in pop and d.case.judge not in pop

    qtbot.keyClicks(page.code, d.case.query_code)
    qtbot.keyClicks(page.password, "000000" if d.password != "000000" else "111111")
    qtbot.mouseClick(page.code_btn, Qt.LeftButton)
    _done(page)
    assert page.result.toPlainText() == ""
    assert "4" in page.message.text()                       # attempts left
    assert page.code.text() == d.case.query_code            # kept
    assert page.password.text() != ""                       # kept for correction

    page.password.clear()
    qtbot.keyClicks(page.password, d.password)
    qtbot.mouseClick(page.code_btn, Qt.LeftButton)
    _done(page)
    text = page.result.toPlainText()
    assert d.case.case_number in text and d.case.status in text and d.case.judge in text
    assert d.case.internal_notes not in text
    assert not any(p.id_number and p.id_number in text for p in d.case.parties)
    assert page.password.text() == ""
    assert page.ctx.case_number == d.case.case_number

    rows = list(CaseLookupAudit.select().order_by(CaseLookupAudit.id))
    assert [r.outcome for r in rows] == ["denied", "found"]
    assert all(r.seat == "8001" and r.caller_number == CALLER and r.method == "code" for r in rows)
    assert rows[1].case_ids == d.case.case_id


def test_identity_lookup_by_registered_phone(page, demo, qtbot):
    d = demo[0]
    party: Party = d.case.parties[0]
    # Pre-filled from the screen pop: the number and the party's name.
    assert page.phone.text() == CALLER and page.name.text() == party.name
    page.forms.setCurrentIndex(1)
    qtbot.keyClicks(page.id_number, party.id_number)
    qtbot.mouseClick(page.id_btn, Qt.LeftButton)
    _done(page)
    assert d.case.case_number in page.result.toPlainText()
    row = CaseLookupAudit.select().order_by(CaseLookupAudit.id.desc()).get()
    assert (row.method, row.outcome) == ("identity", "found")


def test_repeated_failures_lock_the_code_with_a_clear_message(page, demo, qtbot):
    d = demo[1]
    qtbot.keyClicks(page.code, d.case.query_code)
    for _ in range(5):
        page.password.setText("999999" if d.password != "999999" else "888888")
        qtbot.mouseClick(page.code_btn, Qt.LeftButton)
        _done(page)
    assert "locked" in page.message.text().lower() or "锁定" in page.message.text()
    # Now even the right password is refused without asking the source.
    page.password.setText(d.password)
    qtbot.mouseClick(page.code_btn, Qt.LeftButton)
    _done(page)
    assert page.result.toPlainText() == ""
    outcomes = [r.outcome for r in CaseLookupAudit.select().order_by(CaseLookupAudit.id)]
    assert outcomes == ["denied"] * 5 + [LookupOutcome.LOCKED.value]
    assert page.code.text() == d.case.query_code


def test_court_system_down_is_explained_and_fields_kept(store, directory, qtbot):
    from app.adapters.case_http import HttpCaseSource
    from tests.test_desk_caller import _snap as snap
    from ui.desk.caller import CallerPage
    from ui.desk.context import DeskContext
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()                                   # nothing listens there now
    ctx = DeskContext(seat="8001", directory=directory)
    p = CallerPage(ctx, CaseLookupService(HttpCaseSource(f"http://127.0.0.1:{port}", timeout_s=1.0),
                                          AuditRepository()))
    qtbot.addWidget(p)
    ctx.on_call(snap(number="13911112222"))
    qtbot.keyClicks(p.code, "ABCD-EFGH")
    qtbot.keyClicks(p.password, "123456")
    qtbot.mouseClick(p.code_btn, Qt.LeftButton)
    wait_until(lambda: not p.busy, what="lookup finished")
    assert "cannot be reached" in p.message.text() or "无法连接" in p.message.text()
    assert (p.code.text(), p.password.text()) == ("ABCD-EFGH", "123456")
    row = CaseLookupAudit.select().order_by(CaseLookupAudit.id.desc()).get()
    assert row.outcome == "source_error"
    p.close()


def test_finishing_the_call_clears_the_caller(page, demo, qtbot):
    qtbot.keyClicks(page.code, "SOMETHING")
    page.ctx.finish_call()
    assert page.code.text() == "" and page.pop_text.text() == ""
    assert page.ctx.case_number == ""


# ---------------------------------------------------------------- end to end
SIPP = shutil.which("sipp")


@pytest.mark.e2e
@pytest.mark.skipif(SIPP is None, reason="sipp (Debian sip-tester) not installed")
def test_incoming_popup_shows_the_callers_case_before_answering(engine, kamailio, seat, demo,
                                                                directory, tmp_path, qtbot):
    from app.services.call_history import CallHistoryService
    from app.storage.db import close_database, open_database
    from tests.test_softphone_e2e import run_sipp
    from ui.desk.seat_desk import SeatDesk
    from ui.softphone.controller import PhoneController
    from ui.softphone.window import SoftphoneWindow

    open_database(tmp_path / "desk.sqlite3")
    try:
        CaseRepository().add_many([d.case for d in demo])
        history = CallHistoryService(HistoryRepository())
        controller = PhoneController(seat, history)
        win = SoftphoneWindow(seat, controller, directory, history)
        qtbot.addWidget(win)
        desk = SimpleNamespace(args=SimpleNamespace(demo=False), site=None, directory=directory,
                               data_dir=tmp_path, engine=seat)
        settings = SimpleNamespace(user="8001", display_name="")
        sd = SeatDesk(desk, win, settings, court="bjgy", seat_name="陆玉丽")
        win.show()
        proc = run_sipp(kamailio, "uac_caller_hangs_up.xml")
        try:
            wait_until(lambda: win.popup.isVisible(), what="incoming popup")
            shown = win.popup.pop.text()
            assert demo[0].case.case_number in shown and demo[0].case.parties[0].name in shown
            assert win.tabs.currentWidget() is sd.caller
            assert demo[0].case.case_number in sd.caller.pop_text.text()
            qtbot.mouseClick(win.popup.answer_btn, Qt.LeftButton)
            wait_until(lambda: not seat.calls(), timeout=20, what="caller hung up")
            proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
        # The call ended: the caller stays on the page until the record is saved.
        assert sd.ctx.current_call is not None and sd.ctx.current_call.phase is CallPhase.ENDED
        row = wait_until(lambda: next((r for r in history.recent(5) if r.peer_number == CALLER
                                       and r.result is CallResult.ANSWERED), None), what="history")
        assert row is not None
        sd.close()
        win.popup.hide()
        for sig, slot in ((seat.callChanged, controller._on_call_changed),
                          (seat.callIncoming, controller._on_call_incoming)):
            try:
                sig.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
    finally:
        close_database()

"""The daily report: the counting rules, the day's queries on every backend,
and figures checked against real calls made through Kamailio.

The end-to-end test places calls between pjsua2 peers and the seat's SIP
engine, records them in the call history as the softphone does, saves
wrap-ups of several categories through the wrap-up page, lets one call ring
out and declines another, then builds the report through the report page and
checks every figure against the calls it made; the HTML and PDF exports are
checked too (text extracted with poppler's pdftotext when installed).
"""
from __future__ import annotations

import datetime as _dt
import html.parser
import shutil
import subprocess
import unicodedata

import pytest

from app import paths
from app.domain.calls import CallDirection, CallPhase, CallResult
from app.domain.daily_report import (EscalationLine, QueueCounterSample, QuestionLine,
                                     build_report, counter_growth, day_bounds)
from app.domain.directory import Directory
from app.domain.history import CallHistoryEntry
from app.domain.presence_doc import QueuePresence
from app.domain.wrap_up import WrapUpCategory, WrapUpRecord
from app.services.daily_report import DailyReportService, ReportLabels, render_html
from app.storage.models import ConsultQuestion, EscalationAttempt, WorkOrder
from app.storage.report_repo import ReportRepository
from app.storage.wallboard_repo import WallboardRepository
from app.storage.wrapup_repo import WrapUpRepository

DAY = _dt.date(2026, 3, 2)
START, END = day_bounds(DAY)
T = START + 9 * 3600          # 09:00 that day
ACC = "sip:{}@127.0.0.1:5060"


@pytest.fixture(scope="module")
def directory():
    return Directory.load(paths.resource("directory.json"))


def rec(i, sip, direction, result, *, seat="8001", at=T, number="13900000001", reason=""):
    answered = at + 3 if result is CallResult.ANSWERED else None
    return CallHistoryEntry(
        id=i, sip_call_id=sip, direction=CallDirection(direction), peer_uri="",
        peer_number=number, peer_display="", started_at=at, answered_at=answered,
        ended_at=at + 60, duration_s=57 if answered else 0, result=result, reason=reason,
        account=ACC.format(seat))


def wrap(i, sip, category, seat="8001", court="", at=T, saved=None):
    return WrapUpRecord(id=i, sip_call_id=sip, category=category, seat=seat, court_code=court,
                        call_started_at=at, saved_at=saved or at + 90)


class Tables(html.parser.HTMLParser):
    """Rows of every <table id=...> of a page, as lists of cell texts."""

    def __init__(self, text):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._cell = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = dict(attrs).get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append(self._cell.strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def row(self, table, first):
        return next(r for r in self.tables[table] if r and r[0] == first)


# ------------------------------------------------------------- counting rules
def test_counting_rules():
    court_of = {"8001": "bjgy", "8002": "bjgy", "8011": "bj1zy"}.get
    records = [
        # A queued call offered to 8001 (rang out), then answered by 8002: one call.
        rec(1, "q1", "in", CallResult.MISSED, seat="8001", reason="408 Request Timeout"),
        rec(2, "q1", "in", CallResult.ANSWERED, seat="8002", at=T + 15),
        rec(3, "c2", "in", CallResult.ANSWERED, seat="8011", at=T + 100),
        rec(4, "c3", "in", CallResult.ANSWERED, at=T + 200),      # no wrap-up
        rec(5, "c4", "in", CallResult.MISSED, at=T + 300, number="13900000004",
            reason="487 Request Terminated"),
        rec(6, "c5", "in", CallResult.REJECTED, at=T + 400, number="13900000005"),
        rec(7, "o1", "out", CallResult.ANSWERED, at=T + 500),     # a call back, recorded
        rec(8, "o2", "out", CallResult.FAILED, at=T + 600, reason="404 Not Found"),
        rec(9, "o3", "out", CallResult.ANSWERED, at=T + 700),     # escalation, no wrap-up
        rec(10, "y1", "in", CallResult.ANSWERED, at=START - 60),  # yesterday
        rec(11, "", "in", CallResult.MISSED, at=T + 800),         # no Call-ID: counts alone
    ]
    wraps = [
        wrap(1, "q1", WrapUpCategory.CONTACT_JUDGE, seat="8002", court="bj1zy"),
        wrap(2, "c2", WrapUpCategory.COMPLAINT, seat="8011", saved=T + 150),
        wrap(3, "c2", WrapUpCategory.CASE_ENQUIRY, seat="8011", saved=T + 120),  # older, ignored
        wrap(4, "o1", WrapUpCategory.OTHER),
        wrap(5, "", WrapUpCategory.LEGAL_QUESTION, seat="8011", at=T + 900),  # no call record
    ]
    samples = [QueueCounterSample("bjgy", "高院", T, 1, 2),
               QueueCounterSample("bjgy", "高院", T + 60, 3, 2),
               QueueCounterSample("bjgy", "高院", T + 120, 4, 5),
               QueueCounterSample("bj1zy", "一中院", T + 30, 0, 1),
               QueueCounterSample("bj1zy", "一中院", T + 90, 0, 0),   # server restarted
               QueueCounterSample("bj1zy", "一中院", T + 95, 1, 2)]
    r = build_report(DAY, records=records, wrap_ups=wraps, queue_samples=samples,
                     court_of_seat=court_of, generated_at=T + 3600)
    assert (r.incoming, r.answered, r.missed, r.rejected) == (7, 4, 2, 1)
    assert (r.outgoing, r.outgoing_answered) == (3, 2)
    assert r.answered_elsewhere == 1
    assert r.by_category == {WrapUpCategory.CASE_ENQUIRY: 0, WrapUpCategory.CONTACT_JUDGE: 1,
                             WrapUpCategory.LEGAL_QUESTION: 1, WrapUpCategory.COMPLAINT: 1,
                             WrapUpCategory.OTHER: 1, None: 1}
    assert r.not_recorded == 1
    q1 = next(c for c in r.calls if c.key == "q1")
    assert q1.outcome is CallResult.ANSWERED and q1.answered_by == "8002"
    assert q1.seats == ("8001", "8002") and q1.court == "bj1zy"
    bjgy, bj1zy = r.court_row("bjgy"), r.court_row("bj1zy")
    assert (bjgy.incoming, bjgy.answered, bjgy.missed, bjgy.rejected, bjgy.outgoing) == (4, 1, 2, 1, 3)
    assert bjgy.categories[None] == 1 and bjgy.categories[WrapUpCategory.OTHER] == 1
    assert (bj1zy.incoming, bj1zy.answered) == (3, 3)
    assert bj1zy.categories[WrapUpCategory.COMPLAINT] == 1
    assert bj1zy.categories[WrapUpCategory.CONTACT_JUDGE] == 1
    assert bj1zy.categories[WrapUpCategory.LEGAL_QUESTION] == 1
    assert [c.peer_number for c in r.missed_calls] == ["13900000004", "13900000005",
                                                       "13900000001"]
    assert r.missed_calls[0].reason == "487 Request Terminated"
    assert [(q.queue, q.answered, q.abandoned) for q in r.abandoned] == [("bj1zy", 1, 3),
                                                                          ("bjgy", 4, 5)]
    assert r.abandoned_total == 8          # bj1zy: 1, restart to 0, then +2
    # Every incoming call is answered, missed or declined; every court adds up.
    assert r.incoming == r.answered + r.missed + r.rejected
    assert sum(row.incoming for row in r.by_court) == r.incoming
    assert sum(v for k, v in r.by_category.items()) == r.answered + 1   # + recorded call back


def test_counter_growth_on_its_own():
    assert counter_growth([]) == []
    one = counter_growth([QueueCounterSample("q", "c", T, 5, 3)])
    assert (one[0].answered, one[0].abandoned) == (5, 3)


def test_html_is_self_contained_and_escaped():
    records = [rec(1, "a", "in", CallResult.ANSWERED),
               rec(2, "b", "in", CallResult.MISSED, number="<script>alert(1)</script>")]
    r = build_report(DAY, records=records,
                     wrap_ups=[wrap(1, "a", WrapUpCategory.CASE_ENQUIRY, court="bjgy")],
                     questions=[QuestionLine(T, "8001", "坐席一", "bjgy", "", "written",
                                             "财产保全担保如何提供？", "answered",
                                             "可以保函担保。", "8901", T + 60)],
                     escalations=[EscalationLine(T, "8001", "139", "C1", "division_chief",
                                                 "王庭长", "60111", "answered")])
    labels = ReportLabels(categories={**ReportLabels().categories,
                                      WrapUpCategory.CASE_ENQUIRY: "案件查询"})
    page = render_html(r, labels, {"bjgy": "北京市高级人民法院"}.get)
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "http" not in page and "<img" not in page and "src=" not in page
    assert "Noto Sans CJK SC" in page
    t = Tables(page)
    assert t.row("by-court", "北京市高级人民法院")[:4] == ["北京市高级人民法院", "1", "1", "0"]
    assert t.row("by-category", "案件查询") == ["案件查询", "1"]
    assert "可以保函担保。" in page and "王庭长" in page


# ------------------------------------------------------------- the queries
def test_day_queries_on_the_store(store):
    from app.domain.calls import CallSnapshot
    from app.storage.history_repo import HistoryRepository
    hist = HistoryRepository(clock=lambda: T + 5000)

    def call(sip, at, answered):
        base = CallSnapshot(call_id=1, sip_call_id=sip, direction=CallDirection.INCOMING,
                            phase=CallPhase.ENDED, peer_uri="sip:139@gw", peer_number="139",
                            started_at=at, answered_at=at + 2 if answered else None,
                            ended_at=at + 30)
        hist.upsert_from_snapshot(base, ACC.format("8001"))

    call("before", START - 1, True)
    call("first", START, True)
    call("last", END - 1, False)
    call("after", END, True)
    wraps = WrapUpRepository()
    wraps.save(WrapUpRecord(category=WrapUpCategory.OTHER, sip_call_id="first", seat="8001",
                            call_started_at=START, saved_at=START + 40))
    # Started before midnight, saved after: belongs to the day the call started.
    wraps.save(WrapUpRecord(category=WrapUpCategory.OTHER, sip_call_id="before", seat="8001",
                            call_started_at=START - 1, saved_at=START + 40))
    wraps.save(WrapUpRecord(category=WrapUpCategory.OTHER, seat="8001", saved_at=END - 5))
    EscalationAttempt.create(at=T, seat="8001", case_number="C1", rung="judge", name="李法官",
                             number="60112", outcome="no_answer")
    EscalationAttempt.create(at=END + 1, seat="8001", rung="judge")
    ConsultQuestion.create(uid="u1", asked_at=T, seat="8001", channel="written",
                           question="问题", status="answered", answer="答复", updated_at=T)
    ConsultQuestion.create(uid="u2", asked_at=START - 10, channel="written", question="昨天",
                           status="open", updated_at=T)
    WorkOrder.create(content="请回电", recipient_kind="judge", urgency="urgent", due_at=T,
                     status="sent", created_at=T, updated_at=T, court_code="bjgy")
    board = WallboardRepository(clock=lambda: T)
    board.record_queue(QueuePresence("bjgy", "北京市高级人民法院", 0, 0, 3, 1, 1.0), ts=T)
    board.record_queue(QueuePresence("bjgy", "北京市高级人民法院", 0, 0, 4, 2, 1.0), ts=END + 1)

    repo = ReportRepository()
    assert [c.sip_call_id for c in repo.calls(START, END)] == ["first", "last"]
    assert sorted(w.sip_call_id for w in repo.wrap_ups(START, END)) == ["", "first"]
    assert [(e.rung, e.name, e.outcome) for e in repo.escalations(START, END)] == \
        [("judge", "李法官", "no_answer")]
    assert [(q.question, q.answer) for q in repo.questions(START, END)] == [("问题", "答复")]
    assert [(w.urgency, w.court) for w in repo.work_orders(START, END)] == [("urgent", "bjgy")]
    assert [(s.queue, s.answered, s.abandoned) for s in repo.queue_counters(START, END)] == \
        [("bjgy", 3, 1)]
    r = DailyReportService(repo, court_of_seat=lambda s: "bjgy").build(DAY)
    assert (r.incoming, r.answered, r.missed) == (3, 2, 1)   # the wrap-up alone counts too
    assert r.abandoned_total == 1 and len(r.escalations) == 1 and len(r.questions) == 1


# ----------------------------------------------------- real calls, end to end
def pdf_text(pdf, mode="-layout") -> str:
    """The PDF's text (pdftotext), with look-alike radicals read as the
    ideographs they stand for: Qt's PDF writer maps glyphs that Noto CJK shares
    between 高 and ⾼ (人/⼈, 民/⺠ ...) to the radical (see ui/desk/report.py)."""
    text = subprocess.run(["pdftotext", mode, str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    # Kangxi radicals have compatibility mappings; the supplement needs a table.
    return unicodedata.normalize("NFKC", text).translate(RADICALS_SUPPLEMENT)


# CJK Radicals Supplement characters that are also whole simplified characters.
RADICALS_SUPPLEMENT = {ord(r): c for r, c in zip("⺠⻅⻆⻉⻋⻓⻔⻙⻚⻛⻜⻢⻥⻦⻧⻨⻩⻬⻮⻰⻳",
                                                 "民见角贝车长门韦页风飞马鱼鸟卤麦黄齐齿龙龟")}



def _wait_ringing(engine):
    from tests.conftest import wait_until
    return wait_until(lambda: next((c for c in engine.calls() if c.phase is CallPhase.RINGING_IN),
                                   None), what="the call rings at the seat")


def _wait_idle(engine):
    from tests.conftest import wait_until
    wait_until(lambda: not engine.calls(), what="no call left")


@pytest.mark.e2e
@pytest.mark.parametrize("store_target", ["sqlite"], indirect=True)
def test_report_figures_match_the_calls_made(store, seat, peer, kamailio, directory, qtbot,
                                              tmp_path):
    from app.domain.seat_state import SeatState, SeatStateMachine
    from app.services.call_history import CallHistoryService
    from app.services.seat_presence import SeatPresenceService
    from app.services.wrap_up import WrapUpService
    from app.storage.history_repo import HistoryRepository
    from tests.conftest import wait_until
    from ui.desk.context import DeskContext
    from ui.desk.report import ReportPage
    from ui.desk.wrap_up import WrapUpPage

    account = seat.registration().account_uri
    history = CallHistoryService(HistoryRepository())
    machine = SeatStateMachine(wrap_up_s=30)
    machine.sign_in()
    presence = SeatPresenceService(machine, lambda doc: None, entity=account, seat="8001",
                                   court="bjgy")
    ctx = DeskContext(seat="8001", seat_name="坐席一", court="bjgy", directory=directory,
                      engine=seat, dial=lambda n, h: seat.make_call(n, h))
    wraps = WrapUpService(WrapUpRepository(), seat="8001", court="bjgy", machine=machine)
    page = WrapUpPage(ctx, wraps)
    qtbot.addWidget(page)

    def on_call(s):
        history.on_call_changed(s, account)
    seat.callChanged.connect(on_call)
    ctx.callChanged.connect(presence.on_call)
    target = f"sip:8001@127.0.0.1:{kamailio.udp_port}"
    a, b, c = peer("9001"), peer("9002"), peer("9003")
    peer("9196", auto_answer=200)                  # the outgoing call's far end
    try:
        def answered_call(caller, category, court=None, seat_hangs_up=True, save=True):
            handle = caller.call(target)
            ringing = _wait_ringing(seat)
            seat.answer(ringing.call_id)
            caller.wait_state(handle, "CONFIRMED")
            wait_until(lambda: machine.status.state is SeatState.TALKING, what="talking")
            qtbot.wait(200)
            if seat_hangs_up:
                seat.hangup(ringing.call_id)
            else:
                caller.hangup(handle)
            _wait_idle(seat)
            assert machine.status.state is SeatState.WRAP_UP
            if save:
                wait_until(lambda: page.save_btn.isEnabled(), what="wrap-up form open")
                page.category_buttons[category].click()
                if court:
                    page.court.setCurrentIndex(page.court.findData(court))
                page.notes.setPlainText(f"{category.value} from {caller.name}")
                assert page.save() is not None
                assert machine.status.state is SeatState.READY
            return ringing

        answered_call(a, WrapUpCategory.CASE_ENQUIRY, court="bj1zy")
        answered_call(b, WrapUpCategory.CONTACT_JUDGE, seat_hangs_up=False)
        answered_call(c, WrapUpCategory.COMPLAINT, court="bj2zy")
        answered_call(a, None, save=False)              # answered, no wrap-up saved
        machine.end_wrap_up()

        # 9002 rings the seat and gives up: missed.
        handle = b.call(target)
        _wait_ringing(seat)
        b.hangup(handle)
        _wait_idle(seat)
        # 9003 is declined by the seat.
        handle = c.call(target)
        ringing = _wait_ringing(seat)
        history.mark_rejected(ringing.call_id)
        seat.reject(ringing.call_id)
        _wait_idle(seat)
        # Two calls out: one connects, one fails.
        out = seat.make_call("9196")
        wait_until(lambda: (x := seat.call_snapshot(out)) is not None
                   and x.phase is CallPhase.ACTIVE, what="outgoing connected")
        seat.hangup(out)
        _wait_idle(seat)
        seat.make_call("7777")
        _wait_idle(seat)
        # An escalation rung and a question to the consulting judge, as their
        # services record them, at the first call's time; the queue counters
        # at the first and the last call's: all in the calls' day whenever
        # every call is (see the midnight check below).
        starts = sorted(e.started_at for e in history.recent(20))
        now, last = starts[0], starts[-1]
        assert now < last
        EscalationAttempt.create(at=now, seat="8001", caller_number="9002",
                                 case_number="(2026)京01民初5号", rung="division_chief",
                                 name="王庭长", number="60111", outcome="answered")
        ConsultQuestion.create(uid="q-e2e", asked_at=now, seat="8001", seat_name="坐席一",
                               channel="written", question="诉讼费可以缓交吗？", status="answered",
                               answer="符合条件的可以申请缓交。", answered_by="8901",
                               answered_at=now + 60, updated_at=now + 60, court_code="bjgy")
        # Abandoned calls come from the queue server's counters, as the
        # wallboard records them.
        board = WallboardRepository()
        board.record_queue(QueuePresence("bjgy", "北京市高级人民法院", 0, 0, 0, 1, 1.0), ts=now)
        board.record_queue(QueuePresence("bjgy", "北京市高级人民法院", 0, 0, 1, 2, 1.0), ts=last)
    finally:
        seat.callChanged.disconnect(on_call)
        ctx.callChanged.disconnect(presence.on_call)

    # The calls are stamped with the real time (by the SIP engine): a run
    # across local midnight puts them in two days' reports, and no figure
    # below would hold. Say so rather than fail (a rare, harmless skip).
    days = sorted({_dt.date.fromtimestamp(e.started_at) for e in history.recent(20)})
    if len(days) > 1:
        pytest.skip(f"the calls straddled local midnight ({days[0]} and {days[-1]}): "
                    "the day's figures cannot match; run again")
    day = days[0]
    service = DailyReportService(ReportRepository(), directory=directory)
    report_page = ReportPage(ctx, service)
    qtbot.addWidget(report_page)
    r = report_page.build(day)

    # The figures, against the calls made above.
    assert (r.incoming, r.answered, r.missed, r.rejected) == (6, 4, 1, 1)
    assert (r.outgoing, r.outgoing_answered) == (2, 1)
    assert r.by_outcome[(CallDirection.OUTGOING, CallResult.FAILED)] == 1
    assert r.by_category == {WrapUpCategory.CASE_ENQUIRY: 1, WrapUpCategory.CONTACT_JUDGE: 1,
                             WrapUpCategory.LEGAL_QUESTION: 0, WrapUpCategory.COMPLAINT: 1,
                             WrapUpCategory.OTHER: 0, None: 1}
    bjgy, bj1zy, bj2zy = r.court_row("bjgy"), r.court_row("bj1zy"), r.court_row("bj2zy")
    assert (bj1zy.incoming, bj1zy.answered, bj1zy.categories[WrapUpCategory.CASE_ENQUIRY]) == (1, 1, 1)
    assert (bj2zy.incoming, bj2zy.answered, bj2zy.categories[WrapUpCategory.COMPLAINT]) == (1, 1, 1)
    assert (bjgy.incoming, bjgy.answered, bjgy.missed, bjgy.rejected, bjgy.outgoing) == (4, 2, 1, 1, 2)
    assert bjgy.categories[WrapUpCategory.CONTACT_JUDGE] == 1 and bjgy.categories[None] == 1
    assert [(m.peer_number, m.outcome) for m in r.missed_calls] == \
        [("9002", CallResult.MISSED), ("9003", CallResult.REJECTED)]
    assert r.abandoned_total == 2
    assert [e.name for e in r.escalations] == ["王庭长"]
    assert [q.answer for q in r.questions] == ["符合条件的可以申请缓交。"]
    # The same calls as the seat's own call history counts them.
    by_result = HistoryRepository().count_by_result(day)
    assert by_result[CallResult.ANSWERED] == r.answered + r.outgoing_answered
    assert by_result[CallResult.MISSED] == r.missed
    assert by_result[CallResult.REJECTED] == r.rejected
    assert by_result[CallResult.FAILED] == 1

    # The page shows it; the HTML export carries the same figures.
    assert "北京市第一中级人民法院" in report_page.view.toPlainText()
    out = report_page.export_html(tmp_path / "report.html")
    t = Tables(out.read_text(encoding="utf-8"))
    labels = report_page.labels()
    assert t.row("summary", labels.incoming)[1] == "6"
    assert t.row("summary", labels.missed)[1] == "1"
    assert t.row("summary", labels.abandoned)[1] == "2"
    assert t.row("by-court", "北京市高级人民法院")[1:6] == ["4", "2", "1", "1", "2"]
    assert t.row("by-court", "北京市第一中级人民法院")[1:3] == ["1", "1"]
    assert t.row("by-category", labels.categories[WrapUpCategory.COMPLAINT])[1] == "1"
    assert [row[1] for row in t.tables["missed"][1:]] == ["9002", "9003"]
    assert "诉讼费可以缓交吗？" in out.read_text(encoding="utf-8")

    pdf = report_page.export_pdf(tmp_path / "report.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 2000
    if shutil.which("pdftotext"):
        text = pdf_text(pdf)
        # In content order a table cell's wrapped lines follow each other.
        flat = "".join(pdf_text(pdf, "-raw").split())
        assert "北京市第一中级人民法院" in flat and "诉讼费可以缓交吗" in flat
        assert "符合条件的可以申请缓交" in flat and "王庭长" in flat
        assert labels.by_court in text and "Generated at" in text
        assert day.isoformat() in text              # digits are searchable text
        # The court table's row, as laid out on the page.
        line = next(x for x in text.splitlines() if x.strip().startswith("北京市高级人民法院"))
        assert line.split()[1:6] == ["4", "2", "1", "1", "2"]
        pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert int(next(l.split()[-1] for l in pages.splitlines() if l.startswith("Pages:"))) >= 1
    else:  # pragma: no cover - poppler-utils not installed
        assert data.rstrip().endswith(b"%%EOF")


# ------------------------------------------------------------- the page alone
def test_page_says_what_went_wrong_and_keeps_the_report(store, directory, qtbot, tmp_path):
    from app.storage.db import close_database
    from ui.desk.context import DeskContext
    from ui.desk.report import ReportPage
    page = ReportPage(DeskContext(seat="8901", court="bjgy", directory=directory),
                      DailyReportService(ReportRepository(), directory=directory))
    qtbot.addWidget(page)
    assert not page.export_pdf_btn.isEnabled() and page.export_pdf(tmp_path / "x.pdf") is None
    r = page.build(DAY)
    assert r is not None and r.incoming == 0 and page.export_pdf_btn.isEnabled()
    assert "None." in page.view.toPlainText() or "无" in page.view.toPlainText()
    assert page.export_html(tmp_path / "missing" / "r.html") is None
    assert "could not be written" in page.message.text()
    assert page.export_pdf(tmp_path / "missing" / "r.pdf") is None
    assert "could not be written" in page.message.text()
    assert page.export_pdf(tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob("*.part"))
    close_database()                       # the store goes away: say so, keep the report
    assert page.build(DAY) is None
    assert "could not be built" in page.message.text() and page.report is r

"""Escalation to the consulting judge, end to end.

- The codec and the service over the real store (``store``: every backend).
- The seat's page in this process (the SIP engine registered as seat 8001)
  asks a headless pjsua2 agent registered as the judge (8901) through the
  real Kamailio; the agent answers; the seat saves the answer as a
  knowledge-base article in one click and the search finds it.
- The judge's inbox in this process (the engine re-registered as 8901) takes
  a question from an agent seat, shows its context, answers; a consult call
  and a transfer carrying X-Hotline-Consult show the context with the call.
- Malformed bodies: shown as unreadable, nothing crashes, the next good one works.
"""
from __future__ import annotations

import json
import warnings

import pytest
from PySide6.QtCore import Qt

from app.domain.calls import CallPhase, RegState
from app.domain.consult import (CONTENT_TYPE, AnswerMessage, Channel, ConsultMessageError,
                                ConsultQuestion, ConsultStatus, decode, encode_answer,
                                encode_question)
from app.services.consult import ConsultError, ConsultService
from app.storage.consult_repo import ConsultRepository
from tests.conftest import SEAT, USERS, seat_settings, wait_until

JUDGE = "8901"
T0 = 1767225600.0


def _uids():
    n = iter(range(1, 10_000))
    return lambda: f"uid{next(n):08d}"


# --- the codec ------------------------------------------------------------------------------

def test_question_and_answer_round_trip():
    q = ConsultQuestion(uid="a1b2c3d4e5", question="执行案件中被执行人下落不明怎么办？",
                        channel=Channel.CALL, asked_at=T0, seat="8001", seat_name="王颖",
                        court="bjgy", caller_number="13800138000",
                        case_number="(2026)京0105执123号", notes="当事人情绪激动")
    msg = decode(encode_question(q, transfer=True))
    assert msg.question == q and msg.transfer is True
    a = AnswerMessage(uid=q.uid, answer="可申请悬赏执行。", by="廖鹏", answered_at=T0 + 60,
                      question=q.question, category="执行", legal_basis="《民事诉讼法》第二百五十五条")
    assert decode(encode_answer(a)) == a


@pytest.mark.parametrize("body, code", [
    ("", "not_json"), ("not json {", "not_json"), ("[1, 2]", "not_object"),
    ('{"type": "chat"}', "wrong_type"),
    ('{"type": "consult.question", "v": 2}', "bad_version"),
    ('{"type": "consult.question", "v": 1, "uid": "x"}', "bad_field"),
    ('{"type": "consult.question", "v": 1, "uid": "abcdefgh", "channel": "call",'
     ' "asked_at": 1, "question": "  "}', "missing"),
    ('{"type": "consult.question", "v": 1, "uid": "abcdefgh", "channel": "fax",'
     ' "asked_at": 1, "question": "q"}', "bad_field"),
    ('{"type": "consult.answer", "v": 1, "uid": "abcdefgh", "answer": 5, "answered_at": 1}',
     "bad_field"),
    ('{"type": "consult.answer", "v": 1, "uid": "abcdefgh", "answer": "a",'
     ' "answered_at": "noon"}', "bad_field"),
    ('{"type": "consult.answer", "v": 1, "uid": "abcdefgh", "answer": "a",'
     ' "answered_at": NaN}', "bad_field"),
    ('{"type": "consult.answer", "v": 1, "uid": "abcdefgh", "answer": "' + "长" * 5000
     + '", "answered_at": 1}', "too_long"),
    ("[" * 100_000, "too_long"),
])
def test_malformed_bodies_give_a_clear_error(body, code):
    with pytest.raises(ConsultMessageError) as e:
        decode(body)
    assert e.value.code == code and e.value.message


# --- the service over the store ------------------------------------------------------------

@pytest.fixture
def kb(store):
    from app.services.knowledge_base import KnowledgeBase
    from app.storage.kb_repo import KnowledgeRepository
    return KnowledgeBase(KnowledgeRepository(), clock=lambda: T0)


def test_ask_receive_answer_promote(store, kb):
    seat_side = ConsultService(ConsultRepository(), kb, judges={JUDGE}, clock=lambda: T0,
                               new_uid=_uids())
    q, body = seat_side.ask("  诉前保全的担保数额怎么定？ ", channel=Channel.WRITTEN, seat=SEAT,
                            seat_name="王颖", court="bjgy", caller_number="13900000001",
                            case_number="", notes="起诉前")
    assert q.status is ConsultStatus.OPEN and q.question == "诉前保全的担保数额怎么定？"
    assert json.loads(body)["uid"] == q.uid == "uid00000001"

    # The judge's desk on the same store (as when desks share PostgreSQL): the
    # same uid meets the seat's row; the sender's number is taken over the body's.
    judge_side = ConsultService(ConsultRepository(), kb, clock=lambda: T0 + 30)
    got = judge_side.receive(body.replace('"seat":"8001"', '"seat":"9999"'),
                             sender=f"<sip:{SEAT}@127.0.0.1>")
    assert got.kind == "question" and got.sender == SEAT and got.question.id == q.id
    _, answer_body = judge_side.answer(q.uid, "一般不超过请求保全数额。", by="廖鹏",
                                       category="诉讼保全", legal_basis="《民事诉讼法》第一百零四条")
    with pytest.raises(ConsultError) as e:
        judge_side.answer(q.uid, "  ", by="廖鹏")
    assert e.value.code == "empty_answer"

    with pytest.raises(ConsultMessageError) as e:       # an answer is not for the judge's desk
        judge_side.receive(answer_body, sender=f"sip:{JUDGE}@127.0.0.1", accept="question")
    assert e.value.code == "not_for_this_desk"
    with pytest.raises(ConsultMessageError) as e:       # not from a consulting judge
        seat_side.receive(answer_body, sender="sip:9001@127.0.0.1")
    assert e.value.code == "not_judge"
    got = seat_side.receive(answer_body, sender=f"sip:{JUDGE}@127.0.0.1")
    assert got.kind == "answer" and got.question.status is ConsultStatus.ANSWERED
    assert got.question.answered_by == "廖鹏" and got.answer.category == "诉讼保全"
    assert seat_side.suggestions(q.uid).legal_basis == "《民事诉讼法》第一百零四条"

    article = seat_side.promote_to_kb(q.uid, question=q.question, answer=got.question.answer,
                                      category="诉讼保全", tags="保全、担保",
                                      legal_basis="《民事诉讼法》第一百零四条")
    assert article.updated_by == "廖鹏" and article.tags == ("保全", "担保")
    assert kb.search("担保")[0].article.id == article.id
    assert seat_side.get(q.uid).kb_article_id == article.id
    # A second click updates the same article instead of adding a copy.
    again = seat_side.promote_to_kb(q.uid, question=q.question, answer="改过的答案。",
                                    category="诉讼保全")
    assert again.id == article.id and len(kb.articles()) == 1
    assert [x.uid for x in seat_side.questions(seat=SEAT)] == [q.uid]
    assert seat_side.questions(status=ConsultStatus.OPEN) == []


def test_ask_refuses_empty_and_unknown(store, kb):
    svc = ConsultService(ConsultRepository(), kb, clock=lambda: T0, new_uid=_uids())
    with pytest.raises(ConsultError) as e:
        svc.ask("   ", seat=SEAT)
    assert e.value.code == "empty_question"
    with pytest.raises(ConsultError) as e:
        svc.answer("nosuchuid1", "答", by="廖鹏")
    assert e.value.code == "unknown_question"
    with pytest.raises(ConsultError) as e:
        svc.promote_to_kb("nosuchuid1", question="q", answer="a")
    assert e.value.code == "unknown_question"
    assert svc.questions() == []


# --- the engine: SIP MESSAGE both ways, the consult header on calls ---------------------------

class Recorder:
    def __init__(self, *signals):
        self.items = []
        for sig in signals:
            sig.connect(lambda *a: self.items.append(a))


def test_engine_message_both_ways_and_outcomes(seat, peer, kamailio):
    judge = peer(JUDGE)
    got = Recorder(seat.messageReceived)
    done = Recorder(seat.messageFinished)
    mark = judge.mark()
    mid = seat.send_message(JUDGE, '{"中文": "诉讼费"}', CONTENT_TYPE)
    ev = judge.wait_event(event="message", since=mark, timeout=10)
    assert ev["content_type"] == CONTENT_TYPE and json.loads(ev["body"]) == {"中文": "诉讼费"}
    assert SEAT in ev["from"]
    wait_until(lambda: done.items, what="delivery outcome")
    assert done.items[-1] == (mid, 200, "OK")

    judge.message(f"sip:{SEAT}@127.0.0.1:{kamailio.udp_port}", "答复：可以。", "text/plain")
    wait_until(lambda: got.items, what="message at the seat")
    from_uri, ctype, body = got.items[-1]
    assert JUDGE in from_uri and ctype == "text/plain" and body == "答复：可以。"

    # Not signed in (8002 is a user, not registered) and no such user: clear codes.
    a = seat.send_message("8002", "x")
    b = seat.send_message("8999", "x")
    wait_until(lambda: {a, b} <= {i[0] for i in done.items}, what="failure outcomes")
    codes = {i[0]: i[1] for i in done.items}
    assert codes[a] == 480 and codes[b] == 404
    assert seat.messages_in_flight() == 0


def test_incoming_call_carries_the_consult_uid(seat, peer, kamailio):
    caller = peer("9001")
    calls = Recorder(seat.callIncoming)
    caller.call(f"sip:{SEAT}@127.0.0.1:{kamailio.udp_port}",
                headers={"X-Hotline-Consult": "uid00000042"})
    wait_until(lambda: calls.items, what="incoming call")
    assert calls.items[-1][0].consult == "uid00000042"


def test_blind_transfer_puts_the_header_into_the_transferees_invite(seat, peer, kamailio):
    caller = peer("9001")
    judge = peer(JUDGE)
    calls = Recorder(seat.callIncoming)
    h = caller.call(f"sip:{SEAT}@127.0.0.1:{kamailio.udp_port}")
    wait_until(lambda: calls.items, what="incoming call")
    cid = calls.items[-1][0].call_id
    assert calls.items[-1][0].consult == ""
    seat.answer(cid)
    caller.wait_state(h, "CONFIRMED")
    mark = judge.mark()
    seat.blind_transfer(cid, JUDGE, {"X-Hotline-Consult": "uid00000043"})
    ev = judge.wait_event(event="incoming", since=mark, timeout=10)
    assert ev["headers"].get("X-Hotline-Consult") == "uid00000043"
    assert "9001" in ev["from"]


# --- the seat's page: written question, answer, one click into the knowledge base ------------

@pytest.fixture
def desk_db(tmp_path):
    from app.paths import resource
    from app.services.knowledge_base import KnowledgeBase
    from app.storage.db import close_database, open_database
    from app.storage.kb_repo import KnowledgeRepository
    open_database(tmp_path / "desk.sqlite3")
    kb = KnowledgeBase(KnowledgeRepository())
    kb.import_file(resource("kb_starter.md"))
    yield kb
    close_database()


@pytest.fixture
def directory():
    from app.domain.directory import Directory
    from app.paths import resource
    return Directory.load(resource("directory.json"))


def _detach(*pairs):
    for sig, slot in pairs:
        with warnings.catch_warnings():      # already detached (a restarted page)
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                sig.disconnect(slot)
            except (RuntimeError, TypeError):
                pass


@pytest.fixture
def seat_page(seat, desk_db, directory, qtbot):
    from ui.desk.consult import ConsultPage, consulting_judges
    from ui.desk.context import DeskContext
    judges = consulting_judges(directory)
    service = ConsultService(ConsultRepository(), desk_db, judges={j.number for j in judges})
    dialled = []

    def dial(number, headers=None):
        dialled.append((number, headers))
        return seat.make_call(number, headers)

    ctx = DeskContext(seat=SEAT, seat_name="王颖", court="bjgy", directory=directory,
                      dial=dial, engine=seat)
    page = ConsultPage(ctx, service)
    page.dialled = dialled
    qtbot.addWidget(page)
    page.show()
    yield page
    _detach((seat.callChanged, ctx.on_call), (seat.messageReceived, page.on_message),
            (seat.messageFinished, page.on_message_finished))


def _caller_on_the_line(seat, peer, kamailio, ctx, number="9001"):
    """A caller (agent) rings the seat, the seat answers; returns (agent, call handle)."""
    caller = peer(number)
    h = caller.call(f"sip:{SEAT}@127.0.0.1:{kamailio.udp_port}")
    wait_until(lambda: ctx.current_call is not None, what="call in hand")
    seat.answer(ctx.current_call.call_id)
    wait_until(lambda: ctx.current_call.phase is CallPhase.ACTIVE, what="answered")
    return caller, h


def _row(page, uid):
    for i in range(page.list.topLevelItemCount()):
        item = page.list.topLevelItem(i)
        if item.data(0, Qt.UserRole) == uid:
            return item
    return None


def test_written_question_answer_and_promotion_to_the_knowledge_base(
        seat, seat_page, peer, kamailio, desk_db, qtbot):
    page, ctx = seat_page, seat_page.ctx
    judge = peer(JUDGE)
    _caller_on_the_line(seat, peer, kamailio, ctx)
    ctx.notes = "原告，起诉前想先冻结对方账户"
    ctx.link_case("(2026)京0105民初123号")
    ctx.currentCallChanged.emit(ctx.current_call)
    assert page.caller.text() == "9001" and page.case.text() == "(2026)京0105民初123号"
    assert page.transfer_btn.isEnabled()
    page.question.setPlainText("诉前财产保全需要提供多少担保？")
    mark = judge.mark()
    qtbot.mouseClick(page.send_btn, Qt.LeftButton)

    ev = judge.wait_event(event="message", since=mark, timeout=10)
    assert ev["content_type"] == CONTENT_TYPE and SEAT in ev["from"]
    sent = json.loads(ev["body"])
    assert sent["type"] == "consult.question" and sent["channel"] == "written"
    assert (sent["seat"], sent["seat_name"], sent["court"]) == (SEAT, "王颖", "bjgy")
    assert (sent["caller"], sent["case"]) == ("9001", "(2026)京0105民初123号")
    assert sent["notes"] == "原告，起诉前想先冻结对方账户"
    assert sent["question"] == "诉前财产保全需要提供多少担保？" and sent["transfer"] is False
    uid = sent["uid"]
    wait_until(lambda: "waiting" in _row(page, uid).text(2), what="delivered")
    assert page.question.toPlainText() == ""            # delivered: the form is free again

    # The judge answers by MESSAGE; the seat's page shows it.
    answer = AnswerMessage(uid=uid, answer="申请诉前保全应当提供担保，担保数额相当于请求保全的数额。",
                           by="廖鹏", answered_at=T0, question=sent["question"],
                           category="诉讼保全", legal_basis="《中华人民共和国民事诉讼法》第一百零四条")
    judge.message(f"sip:{SEAT}@127.0.0.1:{kamailio.udp_port}", encode_answer(answer), CONTENT_TYPE)
    wait_until(lambda: "廖鹏" in _row(page, uid).text(2), what="answer shown")
    assert page.list.currentItem().data(0, Qt.UserRole) == uid
    assert "担保数额相当于请求保全的数额" in page.detail.toPlainText()
    assert page.kb_box.isVisible()
    assert page.kb_question.text() == "诉前财产保全需要提供多少担保？"
    assert page.kb_answer.toPlainText() == answer.answer
    assert page.kb_category.currentText() == "诉讼保全"
    assert page.kb_legal_basis.text() == "《中华人民共和国民事诉讼法》第一百零四条"

    # One click: an article, found by the search, with the judge as its updater.
    page.kb_legal_basis.setText("《中华人民共和国民事诉讼法》第一百零四条第一款")
    with qtbot.waitSignal(page.articleSaved) as saved:
        qtbot.mouseClick(page.kb_save_btn, Qt.LeftButton)
    article = saved.args[0]
    hit = desk_db.search("诉前保全 担保")[0]
    assert hit.article.id == article.id
    assert hit.article.updated_by == "廖鹏"
    assert hit.article.legal_basis == "《中华人民共和国民事诉讼法》第一百零四条第一款"
    assert hit.article.category == "诉讼保全"
    assert page.service.get(uid).kb_article_id == article.id
    assert "knowledge base" in _row(page, uid).text(2)


def test_malformed_answers_are_shown_as_unreadable_and_the_next_one_works(
        seat, seat_page, peer, kamailio, qtbot):
    page = seat_page
    judge = peer(JUDGE)
    stranger = peer("9002")
    page.question.setPlainText("立案后多久能分到法官？")
    qtbot.mouseClick(page.send_btn, Qt.LeftButton)
    uid = json.loads(judge.wait_event(event="message", timeout=10)["body"])["uid"]
    to = f"sip:{SEAT}@127.0.0.1:{kamailio.udp_port}"
    for bad in ("{not json", '{"type": "consult.answer", "v": 1, "uid": "' + uid + '"}', "[]"):
        judge.message(to, bad, CONTENT_TYPE)
    good = AnswerMessage(uid=uid, answer="一般在立案后七日内确定承办法官。", by="廖鹏",
                         answered_at=T0)
    stranger.message(to, encode_answer(good), CONTENT_TYPE)       # not a consulting judge
    judge.message(to, "纯文本消息", "text/plain")                    # not ours: ignored
    judge.message(to, encode_question(ConsultQuestion(                 # not for a seat: ignored
        uid="uidstray0001", question="?", channel=Channel.WRITTEN, asked_at=T0)), CONTENT_TYPE)
    wait_until(lambda: sum("Unreadable" in page.list.topLevelItem(i).text(1)
                           for i in range(page.list.topLevelItemCount())) == 4,
               what="four unreadable rows")
    texts = [page.list.topLevelItem(i).text(1) for i in range(page.list.topLevelItemCount())]
    assert any("9002" in t and "consulting judge" in t for t in texts)
    assert page.service.get(uid).status is ConsultStatus.OPEN
    judge.message(to, encode_answer(good), CONTENT_TYPE)
    wait_until(lambda: page.service.get(uid).status is ConsultStatus.ANSWERED, what="answer")
    wait_until(lambda: "廖鹏" in _row(page, uid).text(2), what="answer listed")
    assert page.service.get("uidstray0001") is None
    assert sum("Unreadable" in page.list.topLevelItem(i).text(1)
               for i in range(page.list.topLevelItemCount())) == 4


def test_not_delivered_keeps_the_question_and_sends_again(seat, seat_page, peer, kamailio, qtbot):
    page = seat_page
    page.question.setPlainText("调解书送达后能反悔吗？")
    # The judge is not signed in: 480 from the server, explained; the question stays.
    qtbot.mouseClick(page.send_btn, Qt.LeftButton)
    uid = page.list.currentItem().data(0, Qt.UserRole)
    wait_until(lambda: "not delivered" in _row(page, uid).text(2), what="failure shown")
    assert "not signed in" in page.status.text() and "廖鹏" in page.status.text()
    assert page.question.toPlainText() == "调解书送达后能反悔吗？"
    assert page.resend_btn.isVisible()
    judge = peer(JUDGE)
    qtbot.mouseClick(page.resend_btn, Qt.LeftButton)
    ev = judge.wait_event(event="message", timeout=10)
    assert json.loads(ev["body"])["uid"] == uid            # the same question, not a copy
    wait_until(lambda: "waiting" in _row(page, uid).text(2), what="delivered")
    assert len(page.service.questions(seat=SEAT)) == 1


def test_consult_call_and_transfer_carry_the_context(seat, seat_page, peer, kamailio, qtbot):
    page, ctx = seat_page, seat_page.ctx
    judge = peer(JUDGE, auto_answer="ring")
    caller, h = _caller_on_the_line(seat, peer, kamailio, ctx)

    # A consult call: the context first, then the call with the header.
    page.question.setPlainText("当事人要求撤诉，已经开过庭了还能撤吗？")
    mark = judge.mark()
    qtbot.mouseClick(page.call_btn, Qt.LeftButton)
    msg = judge.wait_event(event="message", since=mark, timeout=10)
    body = json.loads(msg["body"])
    assert body["channel"] == "call" and body["transfer"] is False and body["caller"] == "9001"
    inc = judge.wait_event(event="incoming", since=mark, timeout=10)
    assert inc["headers"].get("X-Hotline-Consult") == body["uid"]
    assert SEAT in inc["from"]
    assert page.dialled == [(JUDGE, {"X-Hotline-Consult": body["uid"]})]
    judge.hangup(inc["call"], code=486)
    wait_until(lambda: len(seat.calls()) == 1, what="consult call over")

    # A transfer: the caller's own INVITE to the judge carries the header.
    page.question.setPlainText("对方不履行调解协议怎么办？")
    mark = judge.mark()
    qtbot.mouseClick(page.transfer_btn, Qt.LeftButton)
    msg = judge.wait_event(event="message", since=mark, timeout=10)
    body = json.loads(msg["body"])
    assert body["transfer"] is True and body["question"] == "对方不履行调解协议怎么办？"
    inc = judge.wait_event(event="incoming", since=mark, timeout=10)
    assert inc["headers"].get("X-Hotline-Consult") == body["uid"]
    assert "9001" in inc["from"]
    judge.answer(inc["call"])
    wait_until(lambda: not seat.calls(), what="the seat's leg ended after the transfer")
    assert "Transferring" in page.status.text()


# --- the judge's inbox: the engine registered as the consulting judge -------------------------

ASKER = "8002"      # a seat's desk, played by an agent


@pytest.fixture
def judge_engine(engine, kamailio, qapp):
    acc = engine.account
    if acc is None or acc.settings.user != JUDGE or acc.state is not RegState.REGISTERED:
        engine.set_account(seat_settings(kamailio, user=JUDGE, password=USERS[JUDGE]))
        wait_until(lambda: engine.account.state is RegState.REGISTERED, what="judge registered")
    yield engine
    for c in engine.calls():
        try:
            engine.hangup(c.call_id)
        except Exception:
            pass
    wait_until(lambda: not engine.calls(), timeout=10, what="all calls ended")


@pytest.fixture
def inbox(judge_engine, desk_db, directory, qtbot):
    from ui.desk.consult_inbox import ConsultInbox
    service = ConsultService(ConsultRepository(), desk_db)
    box = ConsultInbox(service, judge_name="廖鹏", messenger=judge_engine, directory=directory)
    qtbot.addWidget(box)
    box.show()
    yield box
    _detach((judge_engine.messageReceived, box.on_message),
            (judge_engine.messageFinished, box.on_message_finished),
            (judge_engine.callChanged, box.on_call))


def _question(uid, channel=Channel.WRITTEN, **kw):
    fields = dict(uid=uid, question="被执行人名下没有财产，执行程序会终结吗？", channel=channel,
                  asked_at=T0, seat=ASKER, seat_name="袁霞", court="bj1zy",
                  caller_number="13911112222", case_number="(2025)京01执45号",
                  notes="申请执行人很着急，已经等了半年")
    fields.update(kw)
    return ConsultQuestion(**fields)


def _inbox_row(box, uid):
    for i in range(box.list.topLevelItemCount()):
        item = box.list.topLevelItem(i)
        if item.data(0, Qt.UserRole) == uid:
            return item
    return None


def test_inbox_shows_the_context_and_the_answer_reaches_the_seat(
        judge_engine, inbox, peer, kamailio, qtbot):
    asker = peer(ASKER)
    to = f"sip:{JUDGE}@127.0.0.1:{kamailio.udp_port}"
    # Something unreadable first: listed as such, and the good question still works.
    asker.message(to, '{"type": "consult.question", "v": 1, "uid": "short"}', CONTENT_TYPE)
    wait_until(lambda: "Unreadable" in inbox.status.text(), what="unreadable shown")
    asker.message(to, encode_question(_question("uidinbox0001", seat="9999")), CONTENT_TYPE)
    wait_until(lambda: _inbox_row(inbox, "uidinbox0001") is not None, what="question listed")
    row = _inbox_row(inbox, "uidinbox0001")
    assert "袁霞" in row.text(1) and "北京一中院" in row.text(1) and ASKER in row.text(1)
    inbox.list.setCurrentItem(row)
    context = inbox.context.toPlainText()
    for part in ("13911112222", "(2025)京01执45号", "已经等了半年", "执行程序会终结吗",
                 "written question"):
        assert part in context
    assert inbox.service.get("uidinbox0001").seat == ASKER     # From, not the body's 9999

    inbox.answer.setPlainText("可裁定终结本次执行程序；发现财产后可再次申请执行。")
    inbox.category.setEditText("执行")
    inbox.legal_basis.setText("《最高人民法院关于适用〈民事诉讼法〉的解释》第五百一十七条")
    mark = asker.mark()
    qtbot.mouseClick(inbox.send_btn, Qt.LeftButton)
    ev = asker.wait_event(event="message", since=mark, timeout=10)
    assert ev["content_type"] == CONTENT_TYPE and JUDGE in ev["from"]
    got = decode(ev["body"])
    assert isinstance(got, AnswerMessage) and got.uid == "uidinbox0001"
    assert got.answer == "可裁定终结本次执行程序；发现财产后可再次申请执行。"
    assert (got.by, got.category) == ("廖鹏", "执行")
    assert got.question == "被执行人名下没有财产，执行程序会终结吗？"
    wait_until(lambda: "has the answer" in inbox.status.text(), what="delivered")
    assert inbox.service.get("uidinbox0001").status is ConsultStatus.ANSWERED
    assert _inbox_row(inbox, "uidinbox0001").text(3) == "answered"


def test_consult_call_shows_the_context_with_the_ringing_call(
        judge_engine, inbox, peer, kamailio, qtbot):
    asker = peer(ASKER)
    to = f"sip:{JUDGE}@127.0.0.1:{kamailio.udp_port}"
    rings = Recorder(judge_engine.callIncoming)
    asker.message(to, encode_question(_question("uidcall00001", Channel.CALL)), CONTENT_TYPE)
    wait_until(lambda: inbox.service.get("uidcall00001") is not None, what="context here")
    asker.call(to, headers={"X-Hotline-Consult": "uidcall00001"})
    wait_until(lambda: rings.items, what="consult call rings")
    assert rings.items[-1][0].consult == "uidcall00001"
    wait_until(lambda: inbox.banner.isVisible(), what="banner")
    assert "13911112222" in inbox.banner.text() and "袁霞" in inbox.banner.text()
    assert "执行程序会终结吗" in inbox.banner.text()
    assert inbox.list.currentItem().data(0, Qt.UserRole) == "uidcall00001"
    assert "consult call" in inbox.context.toPlainText()
    judge_engine.hangup(rings.items[-1][0].call_id)
    wait_until(lambda: not inbox.banner.isVisible(), what="banner gone with the call")


def test_call_before_its_context_and_a_transfer_without_the_header(
        judge_engine, inbox, peer, kamailio, qtbot):
    asker = peer(ASKER)
    to = f"sip:{JUDGE}@127.0.0.1:{kamailio.udp_port}"
    rings = Recorder(judge_engine.callIncoming)
    # The call overtakes its MESSAGE: the banner waits, then fills in.
    asker.call(to, headers={"X-Hotline-Consult": "uidlate00001"})
    wait_until(lambda: inbox.banner.isVisible(), what="banner")
    assert "on its way" in inbox.banner.text()
    asker.message(to, encode_question(_question("uidlate00001", Channel.CALL)), CONTENT_TYPE)
    wait_until(lambda: "执行程序会终结吗" in inbox.banner.text(), what="context filled in")
    judge_engine.hangup(rings.items[-1][0].call_id)
    wait_until(lambda: not judge_engine.calls(), what="call ended")

    # A transfer announced by MESSAGE; the caller's gateway dropped the header:
    # matched by the caller's number.
    caller = peer("9003")
    asker.message(to, encode_question(_question("uidxfer00001", Channel.CALL,
                                                caller_number="9003"), transfer=True),
                  CONTENT_TYPE)
    wait_until(lambda: inbox.service.get("uidxfer00001") is not None, what="context here")
    caller.call(to)
    wait_until(lambda: inbox.banner.isVisible() and "Transferred" in inbox.banner.text(),
               what="transfer banner")
    assert "9003" in inbox.banner.text()
    assert inbox.list.currentItem().data(0, Qt.UserRole) == "uidxfer00001"
    assert "transfer of the caller" in inbox.context.toPlainText()


def test_the_longest_messages_cross_the_server(seat, peer, kamailio):
    """A question and an answer at the send limit (SEND_LIMIT bytes of UTF-8) go
    through Kamailio both ways with digest credentials, the judge over UDP;
    one character more is refused before anything is stored or sent."""
    from app.domain.consult import SEND_LIMIT
    judge = peer(JUDGE)
    got = Recorder(seat.messageReceived)
    done = Recorder(seat.messageFinished)

    def fill(make, encode):
        """The message with the longest text that still encodes."""
        n = 1
        while True:
            try:
                encode(make(n + 1))
            except ConsultMessageError:
                return make(n)
            n += 1

    q = fill(lambda n: ConsultQuestion(uid="uidlong00001", question="问" * n,
                                        channel=Channel.WRITTEN, asked_at=T0, seat=SEAT),
             encode_question)
    body = encode_question(q)
    assert SEND_LIMIT - 3 < len(body.encode()) <= SEND_LIMIT
    with pytest.raises(ConsultMessageError) as e:
        encode_question(ConsultQuestion(**{**q.__dict__, "question": q.question + "问"}))
    assert e.value.code == "too_long" and e.value.excess > 0
    mid = seat.send_message(JUDGE, body, CONTENT_TYPE)
    ev = judge.wait_event(event="message", timeout=10)
    assert decode(ev["body"]).question == q
    wait_until(lambda: done.items, what="delivered")
    assert done.items[-1][:2] == (mid, 200)
    a = fill(lambda n: AnswerMessage(uid=q.uid, answer="答" * n, by="廖鹏", answered_at=T0),
             encode_answer)
    judge.message(f"sip:{SEAT}@127.0.0.1:{kamailio.udp_port}", encode_answer(a), CONTENT_TYPE)
    wait_until(lambda: got.items, what="long answer at the seat")
    assert decode(got.items[-1][2]) == a


def test_too_long_to_send_is_refused_with_how_much_to_cut(store, kb):
    svc = ConsultService(ConsultRepository(), kb, clock=lambda: T0, new_uid=_uids())
    with pytest.raises(ConsultError) as e:
        svc.ask("问" * 600, notes="记" * 600, seat=SEAT)
    assert e.value.code == "too_long" and 200 < e.value.excess < 400
    assert svc.questions() == []                      # nothing stored
    q, _ = svc.ask("问" * 300, notes="记" * 300, seat=SEAT)
    with pytest.raises(ConsultError) as e:
        svc.answer(q.uid, "答" * 1200, by="廖鹏")
    assert e.value.code == "too_long"
    assert svc.get(q.uid).status is ConsultStatus.OPEN


# --- delivery state: stored with the question, shown after a restart, sent again ------------

def test_delivery_state_is_stored_and_survives_reopening(store, store_target, kb):
    from app.domain.consult import Delivery
    from app.storage.db import close_database, open_database
    svc = ConsultService(ConsultRepository(), kb, clock=lambda: T0, new_uid=_uids())
    failed, body = svc.ask("判决书什么时候生效？", seat=SEAT, to=JUDGE)
    assert failed.delivery is Delivery.SENDING and failed.delivery_to == JUDGE
    unknown, _ = svc.ask("上诉期是多少天？", seat=SEAT, to=JUDGE)     # the desk stops here
    done, _ = svc.ask("诉讼费怎么交？", seat=SEAT, to=JUDGE)
    untracked, _ = svc.ask("旧问题", seat=SEAT)                        # as rows from before
    assert untracked.delivery is Delivery.NONE
    svc.set_delivery(failed.uid, Delivery.FAILED, "404 Not Found")
    svc.set_delivery(done.uid, Delivery.DELIVERED)
    with pytest.raises(ConsultError) as e:
        svc.set_delivery("nosuchuid1", Delivery.FAILED, "x")
    assert e.value.code == "unknown_question"

    close_database()                                     # the desk restarts
    open_database(store_target)
    svc = ConsultService(ConsultRepository(), kb, judges={JUDGE}, clock=lambda: T0 + 60)
    got = svc.get(failed.uid)
    assert (got.delivery, got.delivery_note, got.delivery_to) == (
        Delivery.FAILED, "404 Not Found", JUDGE)
    assert svc.get(unknown.uid).delivery is Delivery.SENDING
    assert svc.get(done.uid).delivery is Delivery.DELIVERED
    assert {q.uid for q in svc.undelivered(seat=SEAT)} == {failed.uid, unknown.uid}
    assert svc.undelivered(seat="8002") == []

    # Sent again under the same uid: the judge's desk keeps one question (add is
    # idempotent on uid, here on a separate store as well as the shared one).
    judge_side = ConsultService(ConsultRepository(), kb, clock=lambda: T0 + 90)
    first = judge_side.receive(body, sender=f"sip:{SEAT}@127.0.0.1")
    again = judge_side.receive(svc.question_body(failed.uid), sender=f"sip:{SEAT}@127.0.0.1")
    assert first.question.id == again.question.id == failed.id
    assert len(judge_side.questions(seat=SEAT)) == 4
    svc.set_delivery(failed.uid, Delivery.DELIVERED)
    assert [q.uid for q in svc.undelivered(seat=SEAT)] == [unknown.uid]

    # An answer proves the judge had it: answered questions are not "undelivered".
    _, answer_body = judge_side.answer(unknown.uid, "十五日。", by="廖鹏")
    got = svc.receive(answer_body, sender=f"sip:{JUDGE}@127.0.0.1")
    assert got.question.delivery is Delivery.DELIVERED
    assert svc.undelivered(seat=SEAT) == []


@pytest.fixture(params=["sqlite", "postgres"])
def empty_target(request, tmp_path):
    """Where a store that does not exist yet goes (for migrating an old schema)."""
    from app.storage.db import close_database
    if request.param == "sqlite":
        yield tmp_path / "old.sqlite3"
        close_database()
        return
    server = request.getfixturevalue("pg_server")
    name = server.new_database()
    try:
        yield server.dsn(name)
    finally:
        close_database()
        server.drop_database(name)


def _old_store(target, monkeypatch, version: int, absent: str, row: dict) -> None:
    """A store made by a desk of schema ``version`` (without column ``absent``),
    holding one consult_question ``row``."""
    from app.storage import db as dbmod
    from app.storage.db import close_database, open_database
    with monkeypatch.context() as m:
        m.setattr(dbmod, "SCHEMA_VERSION", version)
        db = open_database(target)
        assert dbmod.schema_version(db) == version
        assert absent not in {c.name for c in db.get_columns("consult_question")}
        marks = ", ".join([db.param] * len(row))
        db.execute_sql(f"INSERT INTO consult_question ({', '.join(row)}) VALUES ({marks})",
                       tuple(row.values()))
        close_database()


def test_migration_from_the_previous_schema_keeps_the_questions(empty_target, monkeypatch):
    import peewee
    from app.domain.consult import Delivery
    from app.storage import db as dbmod
    from app.storage.db import close_database, open_database
    _old_store(empty_target, monkeypatch, 5, "delivery", dict(
        uid="olduid0001", asked_at=T0, seat=SEAT, channel="written", question="旧的问题还在吗？",
        context="笔记", status="open", updated_at=T0))
    db = open_database(empty_target)
    assert dbmod.schema_version(db) == dbmod.SCHEMA_VERSION
    repo = ConsultRepository()
    q = repo.get("olduid0001")
    assert (q.question, q.notes, q.seat, q.status) == ("旧的问题还在吗？", "笔记", SEAT,
                                                       ConsultStatus.OPEN)
    assert (q.delivery, q.delivery_note, q.delivery_to) == (Delivery.NONE, "", "")
    assert repo.undelivered() == []
    repo.set_delivery(q.uid, Delivery.FAILED, "480 Temporarily Unavailable", to=JUDGE)
    assert repo.undelivered()[0].delivery_note == "480 Temporarily Unavailable"
    with pytest.raises(peewee.IntegrityError):           # the column takes only known states
        db.execute_sql("UPDATE consult_question SET delivery = 'lost'")
    close_database()


def _restart_page(seat, page, tmp_path, directory):
    """The desk stops and starts again: the store reopened, a new page and service."""
    from app.storage.db import close_database, open_database
    from ui.desk.consult import ConsultPage, consulting_judges
    _detach((seat.messageReceived, page.on_message),
            (seat.messageFinished, page.on_message_finished))
    page.close()
    close_database()
    open_database(tmp_path / "desk.sqlite3")
    judges = consulting_judges(directory)
    service = ConsultService(ConsultRepository(), page.service._kb,
                             judges={j.number for j in judges})
    return ConsultPage(page.ctx, service)


def test_a_failed_question_is_not_delivered_after_a_restart_and_goes_again(
        seat, seat_page, peer, kamailio, qtbot, tmp_path, directory):
    from app.domain.consult import Delivery
    page = seat_page
    # A number the phone server does not know: 404, stored with the question.
    page.judge.addItem("未登记 8999", "8999")
    page.judge.setCurrentIndex(page.judge.count() - 1)
    page.question.setPlainText("财产保全的申请费是多少？")
    qtbot.mouseClick(page.send_btn, Qt.LeftButton)
    uid = page.list.currentItem().data(0, Qt.UserRole)
    wait_until(lambda: "not delivered" in _row(page, uid).text(2), what="failure shown")
    stored = page.service.get(uid)
    assert stored.delivery is Delivery.FAILED and stored.delivery_note.startswith("404")
    assert stored.delivery_to == "8999"

    page2 = _restart_page(seat, page, tmp_path, directory)
    try:
        qtbot.addWidget(page2)
        page2.show()
        page2.refresh(select=uid)
        assert "not delivered" in _row(page2, uid).text(2)
        assert "not known to the phone system" in page2.detail.toPlainText()
        assert page2.resend_btn.isVisible()
        page2.question.setPlainText("另一个正在写的问题")          # the seat is typing a new one
        judge = peer(JUDGE)                                     # "Send again" to the judge above
        assert page2.judge.currentData() == JUDGE
        mark = judge.mark()
        qtbot.mouseClick(page2.resend_btn, Qt.LeftButton)
        ev = judge.wait_event(event="message", since=mark, timeout=10)
        assert json.loads(ev["body"])["uid"] == uid               # the same question
        assert json.loads(ev["body"])["question"] == "财产保全的申请费是多少？"
        wait_until(lambda: "waiting" in _row(page2, uid).text(2), what="delivered")
        got = page2.service.get(uid)
        assert (got.delivery, got.delivery_to) == (Delivery.DELIVERED, JUDGE)
        assert not page2.resend_btn.isVisible()
        assert page2.question.toPlainText() == "另一个正在写的问题"  # nothing lost
        assert len(page2.service.questions(seat=SEAT)) == 1
    finally:
        _detach((seat.messageReceived, page2.on_message),
                (seat.messageFinished, page2.on_message_finished))


def test_a_question_still_sending_when_the_desk_stopped_is_unknown_and_goes_again(
        seat, seat_page, peer, kamailio, qtbot, tmp_path, directory):
    from app.domain.consult import Delivery
    page = seat_page
    # The desk stored the question as being sent to the judge, then stopped (crash).
    q, _ = page.service.ask("离婚诉讼可以委托律师出庭吗？", seat=SEAT, to=JUDGE)
    page2 = _restart_page(seat, page, tmp_path, directory)
    try:
        qtbot.addWidget(page2)
        page2.show()
        page2.judge.setCurrentIndex(page2.judge.findData("8902"))
        page2.refresh(select=q.uid)
        assert "delivery unknown" in _row(page2, q.uid).text(2)
        assert "stopped before" in page2.detail.toPlainText()
        assert page2.resend_btn.isVisible()
        assert page2.judge.currentData() == JUDGE               # preset to where it went
        judge = peer(JUDGE)
        mark = judge.mark()
        qtbot.mouseClick(page2.resend_btn, Qt.LeftButton)
        ev = judge.wait_event(event="message", since=mark, timeout=10)
        assert json.loads(ev["body"])["uid"] == q.uid
        wait_until(lambda: page2.service.get(q.uid).delivery is Delivery.DELIVERED,
                   what="delivered")
        wait_until(lambda: "waiting" in _row(page2, q.uid).text(2), what="listed as delivered")
    finally:
        _detach((seat.messageReceived, page2.on_message),
                (seat.messageFinished, page2.on_message_finished))


def test_the_judges_inbox_lists_a_question_sent_again_once(judge_engine, inbox, peer, kamailio):
    asker = peer(ASKER)
    to = f"sip:{JUDGE}@127.0.0.1:{kamailio.udp_port}"
    body = encode_question(_question("uidtwice0001"))
    asker.message(to, body, CONTENT_TYPE)
    wait_until(lambda: _inbox_row(inbox, "uidtwice0001") is not None, what="question listed")
    asker.message(to, body, CONTENT_TYPE)                       # sent again after a restart
    asker.message(to, encode_question(_question("uidtwice0002")), CONTENT_TYPE)
    wait_until(lambda: _inbox_row(inbox, "uidtwice0002") is not None, what="next question")
    uids = [inbox.list.topLevelItem(i).data(0, Qt.UserRole)
            for i in range(inbox.list.topLevelItemCount())]
    assert uids.count("uidtwice0001") == 1
    assert len(inbox.service.questions(seat=ASKER)) == 2


# --- the answer's delivery state: stored on the judge's desk, shown after a restart ----------

def test_answer_delivery_state_is_stored_and_survives_reopening(store, store_target, kb):
    from app.domain.consult import Delivery
    from app.storage.db import close_database, open_database
    judge_side = ConsultService(ConsultRepository(), kb, clock=lambda: T0 + 60)
    for uid in ("uidans000001", "uidans000002", "uidans000003"):
        judge_side.receive(encode_question(_question(uid)), sender=f"sip:{ASKER}@127.0.0.1")
    judge_side.receive(encode_question(_question("uidans000004")))    # names no seat...
    judge_side._store.add(_question("uidans000005", seat=""))         # ...and none at all
    failed, body = judge_side.answer("uidans000001", "可以申请恢复执行。", by="廖鹏",
                                     category="执行", legal_basis="《民事诉讼法》第二百六十条")
    assert (failed.answer_delivery, failed.answer_category) == (Delivery.SENDING, "执行")
    assert failed.delivery is Delivery.NONE          # the question's own delivery: untouched
    unknown, _ = judge_side.answer("uidans000002", "十五日。", by="廖鹏")   # the desk stops here
    done, _ = judge_side.answer("uidans000003", "不需要。", by="廖鹏")
    noseat, _ = judge_side.answer("uidans000005", "无处可送。", by="廖鹏")
    assert noseat.answer_delivery is Delivery.NONE
    judge_side.set_answer_delivery(failed.uid, Delivery.FAILED, "480 Temporarily Unavailable")
    judge_side.set_answer_delivery(done.uid, Delivery.DELIVERED)
    with pytest.raises(ConsultError) as e:
        judge_side.set_answer_delivery("nosuchuid1", Delivery.FAILED, "x")
    assert e.value.code == "unknown_question"
    with pytest.raises(ConsultError) as e:
        judge_side.answer_body("uidans000004")       # not answered: nothing to send again
    assert e.value.code == "not_answered"

    close_database()                                 # the judge's desk restarts
    open_database(store_target)
    judge_side = ConsultService(ConsultRepository(), kb, clock=lambda: T0 + 600)
    got = judge_side.get(failed.uid)
    assert (got.answer_delivery, got.answer_delivery_note) == (
        Delivery.FAILED, "480 Temporarily Unavailable")
    assert (got.answer_category, got.answer_legal_basis) == ("执行", "《民事诉讼法》第二百六十条")
    assert judge_side.get(unknown.uid).answer_delivery is Delivery.SENDING
    assert {q.uid for q in judge_side.undelivered_answers()} == {failed.uid, unknown.uid}
    assert judge_side.undelivered() == []            # the questions' list is another one
    assert judge_side.answer_body(failed.uid) == body  # the same answer, byte for byte

    # The seat's desk takes the same answer twice (sent again by a judge's desk
    # that did not know it had arrived): one question, answered, as sent.
    seat_side = ConsultService(ConsultRepository(), kb, judges={JUDGE}, clock=lambda: T0)
    seat_side._store.add(_question("uidseat00001", seat=SEAT))
    answer = AnswerMessage(uid="uidseat00001", answer="可以。", by="廖鹏", answered_at=T0 + 5,
                           category="执行", legal_basis="第一条")
    first = seat_side.receive(encode_answer(answer), sender=f"sip:{JUDGE}@127.0.0.1")
    again = seat_side.receive(encode_answer(answer), sender=f"sip:{JUDGE}@127.0.0.1")
    assert first.question == again.question
    assert (again.question.status, again.question.answer) == (ConsultStatus.ANSWERED, "可以。")
    assert again.question.answer_category == "执行"
    assert again.question.answer_delivery is Delivery.NONE   # the seat sent no answer
    assert [q.uid for q in seat_side.questions(seat=SEAT)] == ["uidseat00001"]

    judge_side.set_answer_delivery(failed.uid, Delivery.DELIVERED)
    assert [q.uid for q in judge_side.undelivered_answers()] == [unknown.uid]
    # Answering again (corrected) goes out as "sending" again, with the new text.
    again, body2 = judge_side.answer(failed.uid, "可以申请恢复执行，期间两年。", by="廖鹏")
    assert again.answer_delivery is Delivery.SENDING and again.answer_delivery_note == ""
    assert judge_side.answer_body(failed.uid) == body2


def test_migration_6_to_7_keeps_the_questions_and_their_delivery(empty_target, monkeypatch):
    import peewee
    from app.domain.consult import Delivery
    from app.storage import db as dbmod
    from app.storage.db import close_database, open_database
    _old_store(empty_target, monkeypatch, 6, "answer_delivery", dict(
        uid="olduid0007", asked_at=T0, seat=SEAT, channel="written", question="旧的问题还在吗？",
        context="笔记", status="answered", answer="在。", answered_by="廖鹏",
        answered_at=T0 + 9, updated_at=T0 + 9, delivery="failed",
        delivery_note="404 Not Found", delivery_to=JUDGE))
    db = open_database(empty_target)
    assert dbmod.schema_version(db) == dbmod.SCHEMA_VERSION == 7
    repo = ConsultRepository()
    q = repo.get("olduid0007")
    assert (q.question, q.notes, q.answer, q.answered_by, q.answered_at) == (
        "旧的问题还在吗？", "笔记", "在。", "廖鹏", T0 + 9)
    assert (q.delivery, q.delivery_note, q.delivery_to) == (Delivery.FAILED, "404 Not Found",
                                                            JUDGE)
    assert (q.answer_delivery, q.answer_delivery_note, q.answer_category,
            q.answer_legal_basis) == (Delivery.NONE, "", "", "")
    assert repo.undelivered_answers() == []
    repo.set_answer_delivery(q.uid, Delivery.FAILED, "480 Temporarily Unavailable")
    assert repo.undelivered_answers()[0].answer_delivery_note == "480 Temporarily Unavailable"
    with pytest.raises(peewee.IntegrityError):           # the column takes only known states
        db.execute_sql("UPDATE consult_question SET answer_delivery = 'lost'")
    close_database()


SIGNED_OUT = "8003"     # a seat known to the phone server, not signed in until it is made


def _restart_inbox(engine, box, tmp_path, directory, qtbot, select):
    """The judge's desk stops and starts again: the store reopened, a new inbox
    shown with question ``select`` chosen."""
    from app.storage.db import close_database, open_database
    from ui.desk.consult_inbox import ConsultInbox
    _detach((engine.messageReceived, box.on_message),
            (engine.messageFinished, box.on_message_finished),
            (engine.callChanged, box.on_call))
    box.close()
    close_database()
    open_database(tmp_path / "desk.sqlite3")
    service = ConsultService(ConsultRepository(), box.service._kb)
    box = ConsultInbox(service, judge_name="廖鹏", messenger=engine, directory=directory)
    qtbot.addWidget(box)
    box.show()
    box.refresh(select=select)
    return box


def test_an_answer_the_seat_never_got_is_shown_after_a_restart_and_goes_again(
        judge_engine, inbox, peer, kamailio, qtbot, tmp_path, directory):
    from app.domain.consult import Delivery
    uid = "uidnotsent01"
    inbox.service.receive(encode_question(_question(uid)), sender=f"sip:{SIGNED_OUT}@127.0.0.1")
    inbox.refresh(select=uid)
    inbox.answer.setPlainText("可以向执行法院申请恢复执行。")
    inbox.category.setEditText("执行")
    qtbot.mouseClick(inbox.send_btn, Qt.LeftButton)
    # The seat is not signed in: 480 (404 if the server does not know it), stored.
    wait_until(lambda: "not delivered" in _inbox_row(inbox, uid).text(3), what="failure shown")
    stored = inbox.service.get(uid)
    assert stored.answer_delivery is Delivery.FAILED
    assert stored.answer_delivery_note[:3] in ("480", "404")
    assert "did not reach the seat" in inbox.status.text()
    first_body = inbox.service.answer_body(uid)

    box = _restart_inbox(judge_engine, inbox, tmp_path, directory, qtbot, select=uid)
    try:
        assert box.list.currentItem().data(0, Qt.UserRole) == uid
        assert "answer not delivered" in _inbox_row(box, uid).text(3)
        assert ("not signed in" in box.context.toPlainText()
                or "not known" in box.context.toPlainText())
        assert box.resend_btn.isVisible()
        seat_agent = peer(SIGNED_OUT)                     # the seat signs in again
        mark = seat_agent.mark()
        qtbot.mouseClick(box.resend_btn, Qt.LeftButton)
        ev = seat_agent.wait_event(event="message", since=mark, timeout=10)
        assert ev["body"] == first_body                   # the same answer, unchanged
        got = decode(ev["body"])
        assert (got.uid, got.answer, got.category) == (uid, "可以向执行法院申请恢复执行。", "执行")
        wait_until(lambda: box.service.get(uid).answer_delivery is Delivery.DELIVERED,
                   what="delivered")
        wait_until(lambda: _inbox_row(box, uid).text(3) == "answered", what="listed as answered")
        assert "has the answer" in box.status.text()
        assert not box.resend_btn.isVisible()
        assert box.service.undelivered_answers() == []
        assert seat_agent.find_events(since=mark, event="message") == [ev]   # sent once
    finally:
        _detach((judge_engine.messageReceived, box.on_message),
                (judge_engine.messageFinished, box.on_message_finished),
                (judge_engine.callChanged, box.on_call))


def test_an_answer_still_sending_when_the_desk_stopped_is_unknown_and_goes_again(
        judge_engine, inbox, peer, kamailio, qtbot, tmp_path, directory):
    from app.domain.consult import Delivery
    uid = "uidunknown01"
    inbox.service.receive(encode_question(_question(uid)), sender=f"sip:{ASKER}@127.0.0.1")
    # The desk stored the answer as being sent, then stopped (crash) before the outcome.
    q, body = inbox.service.answer(uid, "不需要再次起诉。", by="廖鹏")
    assert q.answer_delivery is Delivery.SENDING
    box = _restart_inbox(judge_engine, inbox, tmp_path, directory, qtbot, select=uid)
    try:
        assert "answer delivery unknown" in _inbox_row(box, uid).text(3)
        assert "stopped before" in box.context.toPlainText()
        assert box.resend_btn.isVisible()
        asker = peer(ASKER)
        mark = asker.mark()
        qtbot.mouseClick(box.resend_btn, Qt.LeftButton)
        ev = asker.wait_event(event="message", since=mark, timeout=10)
        assert ev["body"] == body
        wait_until(lambda: box.service.get(uid).answer_delivery is Delivery.DELIVERED,
                   what="delivered")
        wait_until(lambda: _inbox_row(box, uid).text(3) == "answered", what="listed as answered")
    finally:
        _detach((judge_engine.messageReceived, box.on_message),
                (judge_engine.messageFinished, box.on_message_finished),
                (judge_engine.callChanged, box.on_call))

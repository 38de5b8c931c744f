"""The demo's consulting judge (deploy/demo_judge.py) and its callers who are case parties.

End to end through the demo's own Kamailio: a real pjsua2 seat (8001, the
`sip.peer` agent, as the desk's engine sends) asks the simulated judge 8901 in
writing and gets an answer MESSAGE with the same uid, taken from the starter
knowledge base when the question is about one of its articles, else a
call-back promise; a consult call (X-Hotline-Consult) is answered and its
question answered in writing after the call. Pure tests: the answer's choice,
and the demo callers dialling from the demo cases' parties' phones (the
numbers the desk's screen pop knows).
"""
from __future__ import annotations

import inspect
import shutil
import time
from pathlib import Path

import pytest

from app.domain.consult import (CONTENT_TYPE, AnswerMessage, Channel, ConsultQuestion, decode,
                                encode_answer, encode_question)
from app.domain.directory import Directory
from deploy.kamailio.launcher import KamailioError, find_kamailio
from tests.conftest import wait_for

try:
    find_kamailio()
    _HAVE_KAMAILIO = True
except KamailioError:
    _HAVE_KAMAILIO = False
needs_kamailio = pytest.mark.skipif(not _HAVE_KAMAILIO, reason="kamailio needed")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def directory():
    return Directory.load(ROOT / "resources" / "directory.json")


def _question(uid: str, text: str, channel: Channel = Channel.WRITTEN, notes: str = "") -> ConsultQuestion:
    return ConsultQuestion(uid=uid, question=text, channel=channel, asked_at=time.time(),
                           seat="8001", seat_name="王颖", court="bjgy", caller_number="13800138000",
                           notes=notes)


# ------------------------------------------------------------- the judge's answers
def test_the_judge_answers_from_the_starter_knowledge_base_or_promises_a_call_back():
    from deploy.demo_judge import FALLBACK, ArticleMatcher, bigrams, compose_answer, load_articles
    articles = load_articles()
    assert len(articles) > 40
    m = ArticleMatcher(articles)
    by_q = {a.question: a for a in articles}

    a = compose_answer(_question("q-fee-0001", "来电人说经济困难，诉讼费交不起怎么办？能缓交吗？"), m, "廖鹏")
    art = by_q["经济困难交不起诉讼费怎么办？"]
    assert (a.answer, a.category, a.legal_basis, a.by) == (art.answer, art.category,
                                                           art.legal_basis, "廖鹏")
    assert a.uid == "q-fee-0001" and a.question.startswith("来电人说经济困难")

    # other wordings of other articles
    for text, expected in (("对方不履行判决，来电人想申请强制执行，要准备什么？", "对方不履行判决，怎么申请强制执行？"),
                           ("当事人没去开庭，收到传票不去会怎样", "收到传票不去开庭会怎样？"),
                           ("他想知道上诉期限是几天", "对一审判决不服，上诉期限是多长？")):
        hit = m.best(text)
        assert hit is not None and hit[0].question == expected, (text, hit)

    # nothing in the knowledge base shares enough: the polite call-back promise
    b = compose_answer(_question("q-other-001", "来电人问今天下午单位停车场开不开放"), m, "廖鹏")
    assert b.answer == FALLBACK and "一小时内" in b.answer and b.legal_basis == ""
    assert m.best("请问一下法官") is None            # generic words alone match nothing
    assert bigrams("诉讼费ABC 12") == {"诉讼", "讼费", "abc", "12"}

    # every answer is a readable consult message naming the question
    for ans in (a, b):
        got = decode(encode_answer(ans))
        assert isinstance(got, AnswerMessage) and got.uid == ans.uid

    # a very long article is shortened until it fits one MESSAGE
    from app.domain.knowledge import Article
    huge = ArticleMatcher([Article(question="财产保全担保怎么提供", answer="保全担保" * 600)])
    c = compose_answer(_question("q-long-0001", "财产保全担保怎么提供？"), huge, "廖鹏")
    assert c.answer.endswith("……") and 0 < len(c.answer) < 2400


# ------------------------------------------------------------ callers who are parties
def test_demo_callers_dial_from_the_phones_of_the_demo_cases_parties(directory, tmp_path):
    from app.services.demo_cases import DEMO_CASES, DEMO_SEED, generate_demo_cases
    from deploy.demo_callers import KNOWN_SHARE, CallerGenerator, DayShape, demo_party_phones
    from ui.desk import seat_desk

    # the desk seeds exactly these cases (count and seed from the same constants)
    assert inspect.signature(seat_desk.seed_demo_cases).parameters["count"].default == DEMO_CASES
    assert "seed=DEMO_SEED" in inspect.getsource(seat_desk.seed_demo_cases)
    seeded = generate_demo_cases(directory, DEMO_CASES, seed=DEMO_SEED, hash_n=2 ** 10)
    party_phones = {p.phone for c in seeded for p in c.case.parties if p.phone}
    phones = demo_party_phones(directory)       # another hash cost: the same phones
    assert set(phones) == party_phones and len(phones) == len(set(phones)) > 80

    # a store seeded by an older generation: its file's phones are dialled too
    cases_file = tmp_path / "demo-cases.txt"
    cases_file.write_text("# 12368 demo cases: query code, password, case number, parties (phone)\n"
                          "ABCDEFGHJK\t123456\t（2026）京0105民初1234号\t王伟 13700001111, "
                          "北京华信科技有限公司 01088889999\n", encoding="utf-8")
    with_file = demo_party_phones(directory, cases_file)
    assert set(with_file) == party_phones | {"13700001111", "01088889999"}
    assert demo_party_phones(directory, tmp_path / "missing.txt") == phones

    gen = CallerGenerator(("127.0.0.1", 5060), tmp_path / "c", [("12368", 1.0)], DayShape(),
                          sipp=shutil.which("sipp") or "sipp", known_callers=phones)
    try:
        picks = [gen.pick_caller() for _ in range(3000)]
    finally:
        gen.stop()
    known = [n for n in picks if n in party_phones]
    others = [n for n in picks if n not in party_phones]
    assert KNOWN_SHARE == 0.4 and 0.36 < len(known) / len(picks) < 0.44
    assert len(set(known)) > 0.8 * len(phones)             # spread over the parties
    assert all(n.startswith("139") and len(n) == 11 and n.isdigit() for n in others)
    assert len(set(others)) > 0.99 * len(others)            # random-looking, not repeated
    # no parties known: every caller random
    plain = CallerGenerator(("127.0.0.1", 5060), tmp_path / "d", [("12368", 1.0)], DayShape(),
                            sipp=shutil.which("sipp") or "sipp")
    try:
        assert all(plain.pick_caller() not in party_phones for _ in range(200))
    finally:
        plain.stop()


# ------------------------------------------------------------------ end to end
@pytest.fixture(scope="module")
def demo(directory, tmp_path_factory):
    """The demo platform with only its judge (no seats, callers or echo line),
    and a pjsua2 seat registered as 8001 over TCP, as the desk registers."""
    from deploy.demo import DemoPlatform, demo_password
    from sip.peer.client import PeerAgent
    p = DemoPlatform(tmp_path_factory.mktemp("demo"), directory, seat="8001",
                     with_seats=False, with_callers=False, with_lines=False)
    seat = None
    try:
        p.start()
        seat = PeerAgent(name="seat8001", tcp=True)
        seat.start()
        srv = p.server
        seat.account("8001", password=demo_password("8001"),
                     registrar=f"sip:{srv.host}:{srv.tcp_port};transport=tcp",
                     domain=f"{srv.host}:{srv.tcp_port}", transport="tcp")
        seat.wait_event(event="reg", code=200, timeout=10)
        yield p, seat
    finally:
        if seat is not None:
            seat.stop(timeout=5)
        p.stop()


def _answer_event(seat, uid: str, since: int, timeout: float) -> tuple[dict, AnswerMessage]:
    def is_answer(ev):
        if ev.get("content_type", "").split(";")[0].strip() != CONTENT_TYPE:
            return False
        try:
            msg = decode(ev["body"])
        except Exception:
            return False
        return isinstance(msg, AnswerMessage) and msg.uid == uid
    ev = seat.wait_event(is_answer, event="message", since=since, timeout=timeout)
    return ev, decode(ev["body"])


@needs_kamailio
@pytest.mark.e2e
def test_the_simulated_judge_answers_written_questions_through_the_demos_kamailio(demo):
    p, seat = demo
    judge = p.judge
    assert judge is not None and judge.registered() and judge.number == "8901"
    assert judge.name == "廖鹏"
    to = f"sip:8901@{p.server.host}:{p.server.tcp_port};transport=tcp"
    m = seat.mark()
    asked = time.monotonic()
    q_kb = _question("demo-kb-000001", "来电人说经济困难，诉讼费交不起怎么办？能缓交吗？")
    q_other = _question("demo-other-0001", "来电人问今天下午单位停车场开不开放",
                        notes="来电人情绪平稳")
    for q in (q_kb, q_other):
        seat.message(to, encode_question(q), content_type=CONTENT_TYPE)
    # the judge's desk has both questions (200 OK, not "not signed in")
    for q in (q_kb, q_other):
        st = seat.wait_event(lambda ev, uid=q.uid: uid in ev.get("body", ""),
                             event="message_status", since=m, timeout=10)
        assert st["code"] == 200, st
    ev_kb, a_kb = _answer_event(seat, q_kb.uid, m, timeout=12)
    _, a_other = _answer_event(seat, q_other.uid, m, timeout=12)
    took = time.monotonic() - asked
    # from the judge's own account, with the judge's name
    assert ev_kb["from"].split("sip:", 1)[1].startswith("8901@")
    assert a_kb.by == a_other.by == "廖鹏"
    # the fee question gets the starter article, with its legal basis
    from deploy.demo_judge import FALLBACK, load_articles
    art = next(x for x in load_articles() if x.question == "经济困难交不起诉讼费怎么办？")
    assert (a_kb.answer, a_kb.legal_basis, a_kb.category) == (art.answer, art.legal_basis,
                                                              art.category)
    assert a_kb.question == q_kb.question
    # nothing about parking in the knowledge base: "I will call you back"
    assert a_other.answer == FALLBACK
    # after a judge's pause, not at once
    assert 3.0 <= took
    # the judge records an answer once its MESSAGE's 200 OK is back, after the seat got it
    wait_for(lambda: len(judge.sent) >= 2, 10, what="the judge's record of both answers")
    assert {s.uid: (s.status, s.matched) for s in judge.sent} == {
        q_kb.uid: (200, True), q_other.uid: (200, False)}
    print(f"answers after {took:.1f} s")


@needs_kamailio
@pytest.mark.e2e
def test_the_simulated_judge_takes_a_consult_call_then_answers_in_writing(demo):
    p, seat = demo
    judge = p.judge
    srv = p.server
    to = f"sip:8901@{srv.host}:{srv.tcp_port};transport=tcp"
    q = _question("demo-call-00001", "被执行人名下有车，查封后能不能直接拍卖？", channel=Channel.CALL)
    m = seat.mark()
    seat.message(to, encode_question(q), content_type=CONTENT_TYPE)
    assert seat.wait_event(event="message_status", since=m, timeout=10)["code"] == 200
    calls_before = judge.calls_answered
    call = seat.call(to, headers={"X-Hotline-Consult": q.uid})
    seat.wait_event(event="call_state", call=call, state="CONFIRMED", since=m, timeout=10)
    # counted after the judge's 200 OK went out, so maybe after the seat saw it
    wait_for(lambda: judge.calls_answered == calls_before + 1, 10, what="the judge counted the call")
    assert [c.consult for c in judge.callees.calls()] == [q.uid]
    # no written answer while the judge is on the phone about it
    time.sleep(1.0)
    assert not [e for e in seat.events[m:] if e.get("event") == "message"]
    seat.hangup(call)
    seat.wait_event(event="call_state", call=call, state="DISCONNECTED", since=m, timeout=10)
    _, ans = _answer_event(seat, q.uid, m, timeout=10)      # the judge's note after the call
    assert ans.by == "廖鹏" and ans.answer
    assert judge.callees.calls() == []

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

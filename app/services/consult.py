"""Escalation to the consulting judge: ask, receive, answer, promote to the KB.

Service layer, plain Python (no Qt, no SIP, no peewee): functions over a
``ConsultStore`` port (app.storage.consult_repo.ConsultRepository) and the
knowledge base (app.services.knowledge_base.KnowledgeBase).

The flow, one ``uid`` from end to end:

1. The seat's desk calls ``ask`` (question + the call's context); the question
   is stored and the MESSAGE body returned for the SIP engine to send to the
   judge (written question, consult call, or transfer: a call or transfer
   carries the uid in an X-Hotline-Consult header so the judge's desk shows
   this context with the ringing call).
2. The judge's desk passes each received body to ``receive``: the question is
   stored there too.
3. The judge answers with ``answer``: stored, and a body to send back.
4. The seat's desk ``receive``s the answer; the seat can ``promote_to_kb`` it:
   one step makes a knowledge-base article, with the judge as its updater.

Who sent a message is taken from the SIP server's authenticated From, not
from the body: a question's seat is the sender's number, and an answer is
accepted only from a consulting judge (when the desk knows their numbers).
Errors carry a stable ``code`` (ConsultError, ConsultMessageError) that the UI
maps to tr() text.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Protocol

from app.domain.calls import number_of
from app.domain.consult import (AnswerMessage, Channel, ConsultMessageError,
                                ConsultQuestion, ConsultStatus, Delivery, ECHO_QUESTION,
                                QuestionMessage, decode, encode_answer, encode_question)
from app.domain.knowledge import Article, parse_tags


class ConsultStore(Protocol):
    def add(self, q: ConsultQuestion) -> ConsultQuestion: ...
    def get(self, uid: str) -> ConsultQuestion | None: ...
    def record_answer(self, uid: str, answer: str, by: str, at: float, *,
                      category: str = "", legal_basis: str = "",
                      delivery: Delivery | None = None) -> ConsultQuestion: ...
    def link_article(self, uid: str, article_id: int, at: float) -> ConsultQuestion: ...
    def recent(self, *, seat: str | None = None, status: ConsultStatus | None = None,
               since: float | None = None, limit: int = 200) -> list[ConsultQuestion]: ...
    def set_delivery(self, uid: str, delivery: Delivery, note: str = "",
                     to: str | None = None, at: float | None = None) -> ConsultQuestion: ...
    def undelivered(self, *, seat: str | None = None,
                    limit: int = 200) -> list[ConsultQuestion]: ...
    def set_answer_delivery(self, uid: str, delivery: Delivery, note: str = "",
                            at: float | None = None) -> ConsultQuestion: ...
    def undelivered_answers(self, *, limit: int = 200) -> list[ConsultQuestion]: ...


class ConsultError(ValueError):
    """A request the service refuses. ``code``: empty_question, too_long,
    empty_answer, unknown_question, not_answered, no_knowledge_base. For too_long, ``excess``
    is about how many characters to cut (Chinese: 3 bytes each)."""

    def __init__(self, code: str, message: str, excess: int = 0):
        super().__init__(message)
        self.code = code
        self.message = message
        self.excess = excess


def _encoded(encode, *args, **kw) -> str:
    try:
        return encode(*args, **kw)
    except ConsultMessageError as e:
        if e.code != "too_long":
            raise ConsultError("invalid", e.message) from e
        raise ConsultError("too_long", "the text is too long to send in one message",
                           excess=max(1, -(-e.excess // 3))) from e


def _answer_message(q: ConsultQuestion) -> AnswerMessage:
    """The answer MESSAGE of an answered question (built the same way each time)."""
    return AnswerMessage(uid=q.uid, answer=q.answer, by=q.answered_by,
                         answered_at=q.answered_at, question=q.question[:ECHO_QUESTION],
                         category=q.answer_category, legal_basis=q.answer_legal_basis)


@dataclass(frozen=True)
class Received:
    """A message taken in: a new question (judge's desk) or an answer (seat's)."""
    kind: str                         # "question" or "answer"
    question: ConsultQuestion         # as stored after taking the message in
    sender: str = ""                  # the sender's number
    transfer: bool = False            # a question whose caller is being transferred
    answer: AnswerMessage | None = None


class ConsultService:
    def __init__(self, store: ConsultStore, kb=None, *,
                 judges: Iterable[str] | None = None,
                 clock: Callable[[], float] = time.time,
                 new_uid: Callable[[], str] = lambda: uuid.uuid4().hex):
        self._store = store
        self._kb = kb
        self._judges = set(judges) if judges is not None else None
        self._clock = clock
        self._new_uid = new_uid
        self._answers: dict[str, AnswerMessage] = {}   # uid -> the judge's suggestions

    # --- the seat's side ----------------------------------------------------------

    def ask(self, question: str, *, channel: Channel = Channel.WRITTEN, seat: str,
            seat_name: str = "", court: str = "", caller_number: str = "",
            case_number: str = "", notes: str = "", transfer: bool = False,
            to: str = "") -> tuple[ConsultQuestion, str]:
        """Store a new question; return it and the MESSAGE body to send. With
        ``to`` (the judge's number) it is stored as being sent there, so a
        desk that stops before the outcome knows after a restart that it is
        unknown."""
        question, notes = question.strip(), notes.strip()
        if not question:
            raise ConsultError("empty_question", "type the question first")
        now = self._clock()
        q = ConsultQuestion(uid=self._new_uid(), question=question, channel=channel,
                            asked_at=now, seat=seat, seat_name=seat_name, court=court,
                            caller_number=caller_number, case_number=case_number,
                            notes=notes, updated_at=now,
                            delivery=Delivery.SENDING if to else Delivery.NONE,
                            delivery_to=to)
        body = _encoded(encode_question, q, transfer=transfer)
        return self._store.add(q), body

    def question_body(self, uid: str, transfer: bool = False) -> str:
        """The MESSAGE body of a stored question, to send it again."""
        q = self._store.get(uid)
        if q is None:
            raise ConsultError("unknown_question", "that question is not in the store")
        return encode_question(q, transfer=transfer)

    def set_delivery(self, uid: str, delivery: Delivery, note: str = "",
                     to: str | None = None) -> ConsultQuestion:
        """Record how the question's MESSAGE fared: SENDING (to ``to``),
        DELIVERED, or FAILED with ``note`` (the SIP status or the error)."""
        return self._known(self._store.set_delivery, uid, delivery, note, to=to,
                           at=self._clock())

    def _known(self, write, uid: str, *args, **kw) -> ConsultQuestion:
        """``write(uid, ...)`` to the store; an unknown uid is a ConsultError."""
        try:
            return write(uid, *args, **kw)
        except KeyError:
            raise ConsultError("unknown_question", "that question is not in the store") from None

    def undelivered(self, seat: str | None = None, limit: int = 200) -> list[ConsultQuestion]:
        """Open questions the judge's desk may not have: FAILED, or SENDING
        with no outcome (the desk stopped while sending)."""
        return self._store.undelivered(seat=seat, limit=limit)

    def kb_categories(self) -> list[str]:
        """The knowledge base's categories, for the article form."""
        if self._kb is None:
            return []
        try:
            return sorted({a.category for a in self._kb.articles() if a.category})
        except Exception:
            return []

    def suggestions(self, uid: str) -> AnswerMessage | None:
        """The judge's category and legal basis for the answer, if received here."""
        return self._answers.get(uid)

    def suggested_category(self, question: str) -> str:
        """The category of the closest knowledge-base article (for a new one)."""
        if self._kb is None:
            return ""
        try:
            hits = self._kb.search(question, limit=1)
        except Exception:          # a query the index cannot take: no suggestion
            return ""
        return hits[0].article.category if hits else ""

    def promote_to_kb(self, uid: str, *, question: str, answer: str, category: str = "",
                      tags: Iterable[str] | str = (), legal_basis: str = "",
                      editor: str | None = None) -> Article:
        """Make (or, the second time, update) the knowledge-base article of an
        answer; the judge who answered is its updater unless ``editor`` says."""
        if self._kb is None:
            raise ConsultError("no_knowledge_base", "this desk has no knowledge base")
        q = self._store.get(uid)
        if q is None:
            raise ConsultError("unknown_question", "that question is not in the store")
        if isinstance(tags, str):
            tags = parse_tags(tags)
        article = Article(question=question.strip(), answer=answer.strip(),
                          category=category.strip(), tags=tuple(tags),
                          legal_basis=legal_basis.strip())
        if q.kb_article_id is not None and self._kb.get(q.kb_article_id) is not None:
            article = replace(article, id=q.kb_article_id)
        saved = self._kb.save(article, editor=editor or q.answered_by or q.seat_name or q.seat)
        self._store.link_article(uid, saved.id, self._clock())
        return saved

    # --- the judge's side ---------------------------------------------------------

    def answer(self, uid: str, text: str, *, by: str, category: str = "",
               legal_basis: str = "") -> tuple[ConsultQuestion, str]:
        """Record the judge's answer; return the question and the body to send.
        An answer to a question that names its seat is stored as being sent
        there (in the same write), so a desk that stops before the outcome
        knows after a restart that it is unknown."""
        text = text.strip()
        if not text:
            raise ConsultError("empty_answer", "type the answer first")
        q = self._store.get(uid)
        if q is None:
            raise ConsultError("unknown_question", "that question is not in the store")
        q = replace(q.answered(text, by, self._clock()), answer_category=category.strip(),
                    answer_legal_basis=legal_basis.strip())
        body = _encoded(encode_answer, _answer_message(q))
        stored = self._store.record_answer(
            uid, q.answer, q.answered_by, q.answered_at, category=q.answer_category,
            legal_basis=q.answer_legal_basis,
            delivery=Delivery.SENDING if q.seat else Delivery.NONE)
        return stored, body

    def answer_body(self, uid: str) -> str:
        """The MESSAGE body of a stored answer, to send it again: the same
        answer, time, category and legal basis as the first time."""
        q = self._store.get(uid)
        if q is None:
            raise ConsultError("unknown_question", "that question is not in the store")
        if q.status is not ConsultStatus.ANSWERED:
            raise ConsultError("not_answered", "that question has no answer yet")
        return _encoded(encode_answer, _answer_message(q))

    def set_answer_delivery(self, uid: str, delivery: Delivery,
                            note: str = "") -> ConsultQuestion:
        """Record how the answer's MESSAGE to the seat fared (as set_delivery)."""
        return self._known(self._store.set_answer_delivery, uid, delivery, note,
                           at=self._clock())

    def undelivered_answers(self, limit: int = 200) -> list[ConsultQuestion]:
        """Answered questions whose seat may not have the answer: FAILED, or
        SENDING with no outcome (the desk stopped while sending)."""
        return self._store.undelivered_answers(limit=limit)

    # --- both sides ---------------------------------------------------------------

    def receive(self, body: str, sender: str = "", accept: str | None = None) -> Received:
        """Take in a received MESSAGE body; ConsultMessageError if unreadable
        or not acceptable (then nothing is stored). ``accept`` ("question" on
        the judge's desk, "answer" on a seat's) refuses the other kind with the
        code ``not_for_this_desk``."""
        number = number_of(sender) if sender else ""
        msg = decode(body)
        kind = "question" if isinstance(msg, QuestionMessage) else "answer"
        if accept is not None and kind != accept:
            raise ConsultMessageError("not_for_this_desk", f"a {kind} is not for this desk")
        if isinstance(msg, QuestionMessage):
            q = msg.question
            if number:
                q = replace(q, seat=number)      # the server vouches for From, not the body
            stored = self._store.add(replace(q, updated_at=self._clock()))
            return Received("question", stored, number, transfer=msg.transfer)
        if self._judges is not None and number and number not in self._judges:
            raise ConsultMessageError("not_judge",
                                      f"an answer from {number}, who is not a consulting judge")
        q = self._store.get(msg.uid)
        if q is None:  # asked from a desk whose store this is not: keep the answer anyway
            self._store.add(ConsultQuestion(
                uid=msg.uid, question=msg.question or "?", channel=Channel.WRITTEN,
                asked_at=msg.answered_at, updated_at=msg.answered_at))
        # The same answer again (the judge's desk sent it again, not knowing
        # whether it arrived) writes the same values: one question, answered.
        stored = self._store.record_answer(msg.uid, msg.answer, msg.by, msg.answered_at,
                                           category=msg.category,
                                           legal_basis=msg.legal_basis)
        if stored.delivery.undelivered:
            # An answer proves the judge's desk had the question.
            stored = self._store.set_delivery(msg.uid, Delivery.DELIVERED, "")
        self._answers[msg.uid] = msg
        return Received("answer", stored, number, answer=msg)

    def get(self, uid: str) -> ConsultQuestion | None:
        return self._store.get(uid)

    def questions(self, *, seat: str | None = None, status: ConsultStatus | None = None,
                  since: float | None = None, limit: int = 200) -> list[ConsultQuestion]:
        return self._store.recent(seat=seat, status=status, since=since, limit=limit)

"""Questions to the consulting judge, in the ``consult_question`` table.

Storage side of the boundary; callers give and get ``ConsultQuestion``
(app.domain.consult). The seat's desk writes a row when it asks, the judge's
desk when the question arrives; when both desks share one store (PostgreSQL)
they meet on the same ``uid``, so ``add`` is idempotent on it. Portable peewee
queries only: the same code runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

from app.domain.consult import Channel, ConsultQuestion, ConsultStatus, Delivery, UNDELIVERED
from app.storage import models
from app.storage.db import StorageError, current_database, storage_errors, transaction

_Row = models.ConsultQuestion


def _to_question(row: _Row) -> ConsultQuestion:
    return ConsultQuestion(
        id=row.id, uid=row.uid, asked_at=row.asked_at, seat=row.seat, seat_name=row.seat_name,
        caller_number=row.caller_number, case_number=row.case_number, court=row.court_code,
        channel=Channel(row.channel), question=row.question, notes=row.context,
        status=ConsultStatus(row.status), answer=row.answer, answered_by=row.answered_by,
        answered_at=row.answered_at, kb_article_id=row.kb_article_id,
        updated_at=row.updated_at, delivery=_delivery(row.delivery),
        delivery_note=row.delivery_note, delivery_to=row.delivery_to,
        answer_delivery=_delivery(row.answer_delivery),
        answer_delivery_note=row.answer_delivery_note, answer_category=row.answer_category,
        answer_legal_basis=row.answer_legal_basis)


def _delivery(value: str) -> Delivery:
    try:
        return Delivery(value or "")
    except ValueError:      # written by a newer desk: not something this one knows
        return Delivery.NONE


class ConsultRepository:
    """Writes and reads ``consult_question``."""

    def add(self, q: ConsultQuestion) -> ConsultQuestion:
        """Store a new question; if its uid is known, return the stored one."""
        current_database()
        try:
            return self._add(q)
        except StorageError:
            # Another desk on the same store inserted this uid a moment ago.
            known = self.get(q.uid)
            if known is None:
                raise
            return known

    def _add(self, q: ConsultQuestion) -> ConsultQuestion:
        with transaction():
            row = _Row.get_or_none(_Row.uid == q.uid)
            if row is None:
                row = _Row.create(
                    uid=q.uid, asked_at=q.asked_at, seat=q.seat, seat_name=q.seat_name,
                    caller_number=q.caller_number, case_number=q.case_number,
                    court_code=q.court, channel=q.channel.value, question=q.question,
                    context=q.notes, status=q.status.value, answer=q.answer,
                    answered_by=q.answered_by, answered_at=q.answered_at,
                    kb_article_id=q.kb_article_id, updated_at=q.updated_at or q.asked_at,
                    delivery=Delivery(q.delivery).value, delivery_note=q.delivery_note,
                    delivery_to=q.delivery_to,
                    answer_delivery=Delivery(q.answer_delivery).value,
                    answer_delivery_note=q.answer_delivery_note,
                    answer_category=q.answer_category, answer_legal_basis=q.answer_legal_basis)
        return _to_question(row)

    def get(self, uid: str) -> ConsultQuestion | None:
        current_database()
        with storage_errors():
            row = _Row.get_or_none(_Row.uid == uid)
            return _to_question(row) if row is not None else None

    def record_answer(self, uid: str, answer: str, by: str, at: float, *,
                      category: str = "", legal_basis: str = "",
                      delivery: Delivery | None = None) -> ConsultQuestion:
        """Mark the question answered (with the answer's category and legal
        basis); ``delivery``: the answer's own delivery state, written in the
        same transaction (kept if None). KeyError if the uid is unknown."""
        fields = {"status": ConsultStatus.ANSWERED.value, "answer": answer,
                  "answered_by": by, "answered_at": at, "updated_at": at,
                  "answer_category": category, "answer_legal_basis": legal_basis}
        if delivery is not None:
            fields.update(answer_delivery=Delivery(delivery).value, answer_delivery_note="")
        return self._update(uid, fields)

    def link_article(self, uid: str, article_id: int, at: float) -> ConsultQuestion:
        """Remember the knowledge-base article made from this answer."""
        return self._update(uid, {"kb_article_id": article_id, "updated_at": at})

    def set_delivery(self, uid: str, delivery: Delivery, note: str = "",
                     to: str | None = None, at: float | None = None) -> ConsultQuestion:
        """Record how the question's MESSAGE fared (``to``: where it went, kept
        if None); KeyError if the uid is unknown."""
        fields = {"delivery": Delivery(delivery).value, "delivery_note": note}
        if to is not None:
            fields["delivery_to"] = to
        if at is not None:
            fields["updated_at"] = at
        return self._update(uid, fields)

    def set_answer_delivery(self, uid: str, delivery: Delivery, note: str = "",
                            at: float | None = None) -> ConsultQuestion:
        """Record how the answer's MESSAGE to the seat fared; KeyError if the
        uid is unknown."""
        fields = {"answer_delivery": Delivery(delivery).value, "answer_delivery_note": note}
        if at is not None:
            fields["updated_at"] = at
        return self._update(uid, fields)

    def _update(self, uid: str, fields: dict) -> ConsultQuestion:
        current_database()
        with transaction():
            n = _Row.update(**fields).where(_Row.uid == uid).execute()
            if n != 1:
                raise KeyError(uid)
            return _to_question(_Row.get(_Row.uid == uid))

    def undelivered(self, *, seat: str | None = None,
                    limit: int = 200) -> list[ConsultQuestion]:
        """Open questions whose MESSAGE failed or whose outcome is unknown
        (still "sending"), newest first, however old."""
        return self._undelivered(ConsultStatus.OPEN, _Row.delivery, seat, limit)

    def undelivered_answers(self, *, limit: int = 200) -> list[ConsultQuestion]:
        """Answered questions whose answer's MESSAGE failed or whose outcome
        is unknown, newest first, however old."""
        return self._undelivered(ConsultStatus.ANSWERED, _Row.answer_delivery, None, limit)

    def _undelivered(self, status: ConsultStatus, column, seat: str | None,
                     limit: int) -> list[ConsultQuestion]:
        current_database()
        with storage_errors():
            query = _Row.select().where(_Row.status == status.value,
                                        column.in_([d.value for d in UNDELIVERED]))
            if seat is not None:
                query = query.where(_Row.seat == seat)
            rows = query.order_by(_Row.asked_at.desc(), _Row.id.desc()).limit(limit)
            return [_to_question(r) for r in rows]

    def recent(self, *, seat: str | None = None, status: ConsultStatus | None = None,
               since: float | None = None, limit: int = 200) -> list[ConsultQuestion]:
        """Questions, newest first, filtered by asking seat, status or time."""
        current_database()
        with storage_errors():
            query = _Row.select()
            if seat is not None:
                query = query.where(_Row.seat == seat)
            if status is not None:
                query = query.where(_Row.status == status.value)
            if since is not None:
                query = query.where(_Row.asked_at >= since)
            rows = query.order_by(_Row.asked_at.desc(), _Row.id.desc()).limit(limit)
            return [_to_question(r) for r in rows]

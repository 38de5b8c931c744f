"""Reads for the daily report: the day's call records, wrap-ups, escalation
attempts, questions to the consulting judge, work orders and queue counters.

Storage side of the boundary; returns domain values only
(app.domain.daily_report, app.domain.history, app.domain.wrap_up). Plain
range queries on indexed time columns, portable peewee (no SQLite-only SQL),
so they run the same on PostgreSQL when every desk shares one store. The
counting itself is pure Python in ``app.domain.daily_report.build_report``:
a day is a few hundred calls, and one rule in one place is easier to check
than the same rule twice in SQL dialects.

Every method takes the day as epoch seconds ``[start, end)``.
"""
from __future__ import annotations

from app.domain.calls import CallDirection, CallResult
from app.domain.daily_report import (EscalationLine, QueueCounterSample, QuestionLine,
                                     WorkOrderLine)
from app.domain.history import CallHistoryEntry
from app.domain.wrap_up import WrapUpRecord
from app.storage.db import current_database, storage_errors
from app.storage.models import (CallRecord, ConsultQuestion, EscalationAttempt, QueueSample,
                                WorkOrder, WrapUp)
from app.storage.wrapup_repo import wrap_up_from_row


def _call_entry(row: CallRecord) -> CallHistoryEntry:
    return CallHistoryEntry(
        id=row.id, sip_call_id=row.sip_call_id, direction=CallDirection(row.direction),
        peer_uri=row.peer_uri, peer_number=row.peer_number, peer_display=row.peer_display,
        started_at=row.started_at, answered_at=row.answered_at, ended_at=row.ended_at,
        duration_s=row.duration_s, result=CallResult(row.result) if row.result else None,
        reason=row.reason, account=row.account)


class ReportRepository:
    """The day's rows for the daily report."""

    def calls(self, start: float, end: float) -> list[CallHistoryEntry]:
        """Finished call records that started in the day, oldest first."""
        current_database()
        with storage_errors():
            rows = (CallRecord.select()
                    .where((CallRecord.started_at >= start) & (CallRecord.started_at < end)
                           & CallRecord.result.is_null(False))
                    .order_by(CallRecord.started_at, CallRecord.id))
            return [_call_entry(r) for r in rows]

    def wrap_ups(self, start: float, end: float) -> list[WrapUpRecord]:
        """Wrap-ups of calls that started in the day (or, when the call's
        start is unknown, saved in the day)."""
        current_database()
        in_day = (WrapUp.call_started_at >= start) & (WrapUp.call_started_at < end)
        saved_in_day = (WrapUp.call_started_at.is_null()
                        & (WrapUp.saved_at >= start) & (WrapUp.saved_at < end))
        with storage_errors():
            rows = (WrapUp.select().where(in_day | saved_in_day)
                    .order_by(WrapUp.saved_at, WrapUp.id))
            return [wrap_up_from_row(r) for r in rows]

    def escalations(self, start: float, end: float) -> list[EscalationLine]:
        current_database()
        with storage_errors():
            rows = (EscalationAttempt.select()
                    .where((EscalationAttempt.at >= start) & (EscalationAttempt.at < end))
                    .order_by(EscalationAttempt.at, EscalationAttempt.id))
            return [EscalationLine(at=r.at, seat=r.seat, caller_number=r.caller_number,
                                   case_number=r.case_number, rung=r.rung, name=r.name,
                                   number=r.number, outcome=r.outcome, reason=r.reason)
                    for r in rows]

    def questions(self, start: float, end: float) -> list[QuestionLine]:
        current_database()
        with storage_errors():
            rows = (ConsultQuestion.select()
                    .where((ConsultQuestion.asked_at >= start) & (ConsultQuestion.asked_at < end))
                    .order_by(ConsultQuestion.asked_at, ConsultQuestion.id))
            return [QuestionLine(asked_at=r.asked_at, seat=r.seat, seat_name=r.seat_name,
                                 court=r.court_code, case_number=r.case_number,
                                 channel=r.channel, question=r.question, status=r.status,
                                 answer=r.answer, answered_by=r.answered_by,
                                 answered_at=r.answered_at)
                    for r in rows]

    def work_orders(self, start: float, end: float) -> list[WorkOrderLine]:
        current_database()
        with storage_errors():
            rows = (WorkOrder.select()
                    .where((WorkOrder.created_at >= start) & (WorkOrder.created_at < end))
                    .order_by(WorkOrder.created_at, WorkOrder.id))
            return [WorkOrderLine(created_at=r.created_at, case_number=r.case_number,
                                  court=r.court_code, recipient_name=r.recipient_name,
                                  urgency=r.urgency, status=r.status)
                    for r in rows]

    def queue_counters(self, start: float, end: float) -> list[QueueCounterSample]:
        """Queue samples of the day (cumulative answered/abandoned), by queue and time."""
        current_database()
        with storage_errors():
            rows = (QueueSample
                    .select(QueueSample.queue, QueueSample.court, QueueSample.ts,
                            QueueSample.answered, QueueSample.abandoned)
                    .where((QueueSample.ts >= start) & (QueueSample.ts < end))
                    .order_by(QueueSample.queue, QueueSample.ts, QueueSample.id)
                    .tuples())
            return [QueueCounterSample(queue=q, court=c, ts=ts, answered=a, abandoned=b)
                    for q, c, ts, a, b in rows]

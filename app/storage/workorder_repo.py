"""Work orders, their event log, and escalation-ladder attempts in the store.

Storage side of the boundary; callers give and get the domain dataclasses of
app.domain.work_orders and app.domain.escalation, never a peewee row. Every
write is one transaction, committed before the method returns.

Shared store: on PostgreSQL the desks of every court write the same tables,
so each change of state is a conditional UPDATE ("... WHERE status IN (...)")
and the event row is written only when this desk's UPDATE changed the row.
Two desks acknowledging the same order, or both running the due-time check,
therefore record one event, and a reminder is claimed by compare-and-set on
``last_reminded_at`` so that only one desk sends it. Queries are plain peewee
(no SQLite-only SQL).
"""
from __future__ import annotations

import time
from typing import Callable, Iterable, Sequence

from app.domain.escalation import EscalationAttempt, Outcome, Rung
from app.domain.work_orders import (OPEN_STATUSES, EventKind, OrderStatus, RecipientKind,
                                    SmsStatus, Urgency, WorkOrder, WorkOrderEvent)
from app.storage import models as m
from app.storage.db import current_database, storage_errors, transaction


def _to_order(row: m.WorkOrder) -> WorkOrder:
    return WorkOrder(
        id=row.id, case_number=row.case_number, court_code=row.court_code,
        recipient_kind=RecipientKind(row.recipient_kind), recipient_name=row.recipient_name,
        recipient_phone=row.recipient_phone, division=row.division,
        caller_number=row.caller_number, caller_name=row.caller_name, content=row.content,
        urgency=Urgency(row.urgency), due_at=row.due_at, status=OrderStatus(row.status),
        sms_status=SmsStatus(row.sms_status or ""), created_by=row.created_by,
        created_at=row.created_at, acknowledged_at=row.acknowledged_at, done_at=row.done_at,
        last_reminded_at=row.last_reminded_at, reminders=row.reminders,
        updated_at=row.updated_at)


def _to_event(row: m.WorkOrderEvent) -> WorkOrderEvent:
    return WorkOrderEvent(order_id=row.order_id, at=row.at, kind=EventKind(row.kind),
                          actor=row.actor, detail=row.detail, id=row.id)


def _to_attempt(row: m.EscalationAttempt) -> EscalationAttempt:
    return EscalationAttempt(
        id=row.id, at=row.at, seat=row.seat, caller_number=row.caller_number,
        case_number=row.case_number, rung=Rung(row.rung), name=row.name, number=row.number,
        outcome=Outcome(row.outcome or ""), reason=row.reason, sip_call_id=row.sip_call_id,
        ended_at=row.ended_at, work_order_id=row.work_order_id)


def _values(statuses: Iterable[OrderStatus]) -> list[str]:
    return [s.value for s in statuses]


class WorkOrderRepository:
    """Reads and writes ``work_order``, ``work_order_event`` and ``escalation_attempt``."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock

    # --- work orders: writes ----------------------------------------------------------

    def add(self, order: WorkOrder, *, detail: str = "") -> WorkOrder:
        """Store ``order`` (its id is ignored) with its ``created`` event."""
        current_database()
        now = self._clock()
        with transaction():
            row = m.WorkOrder.create(
                case_number=order.case_number, court_code=order.court_code,
                recipient_kind=order.recipient_kind.value, recipient_name=order.recipient_name,
                recipient_phone=order.recipient_phone, division=order.division,
                caller_number=order.caller_number, caller_name=order.caller_name,
                content=order.content, urgency=order.urgency.value, due_at=order.due_at,
                status=order.status.value, sms_status=order.sms_status.value,
                created_by=order.created_by, created_at=order.created_at,
                acknowledged_at=order.acknowledged_at, done_at=order.done_at,
                last_reminded_at=order.last_reminded_at, reminders=order.reminders,
                updated_at=now)
            m.WorkOrderEvent.create(order=row.id, at=order.created_at,
                                    kind=EventKind.CREATED.value, actor=order.created_by,
                                    detail=detail)
        return _to_order(row)

    def change_status(self, order_id: int, *, from_statuses: Sequence[OrderStatus],
                      status: OrderStatus | None, at: float, event: EventKind,
                      actor: str = "", detail: str = "", acknowledged: bool = False,
                      done: bool = False) -> WorkOrder | None:
        """Move an order on, only if its status is one of ``from_statuses``.

        ``status`` None keeps the status (an overdue order acknowledged stays
        overdue). ``acknowledged``/``done`` stamp ``at`` into those columns.
        Returns the changed order, or None when it was not in an allowed
        status (someone else got there first) or does not exist.
        """
        current_database()
        fields: dict = {m.WorkOrder.updated_at: self._clock()}
        if status is not None:
            fields[m.WorkOrder.status] = status.value
        if acknowledged:
            fields[m.WorkOrder.acknowledged_at] = at
        if done:
            fields[m.WorkOrder.done_at] = at
        with transaction():
            changed = (m.WorkOrder.update(fields)
                       .where((m.WorkOrder.id == order_id)
                              & (m.WorkOrder.status.in_(_values(from_statuses))))
                       .execute())
            if not changed:
                return None
            m.WorkOrderEvent.create(order=order_id, at=at, kind=event.value, actor=actor,
                                    detail=detail)
            return _to_order(m.WorkOrder.get_by_id(order_id))

    def set_sms_status(self, order_id: int, sms_status: SmsStatus, *, at: float,
                       event: EventKind | None = None, actor: str = "",
                       detail: str = "") -> WorkOrder | None:
        """Record the latest SMS state, with an event when given."""
        current_database()
        with transaction():
            changed = (m.WorkOrder.update({m.WorkOrder.sms_status: sms_status.value,
                                           m.WorkOrder.updated_at: self._clock()})
                       .where(m.WorkOrder.id == order_id).execute())
            if not changed:
                return None
            if event is not None:
                m.WorkOrderEvent.create(order=order_id, at=at, kind=event.value, actor=actor,
                                        detail=detail)
            return _to_order(m.WorkOrder.get_by_id(order_id))

    def claim_reminder(self, order_id: int, *, at: float, expected_last: float | None,
                       actor: str = "", detail: str = "") -> WorkOrder | None:
        """Take the right to send the next reminder (compare-and-set).

        Succeeds only while the order is open and ``last_reminded_at`` is
        still ``expected_last`` (what the caller read); then stamps ``at``,
        counts the reminder and writes a ``reminded`` event. None when another
        desk (or an earlier check) already reminded.
        """
        current_database()
        last = m.WorkOrder.last_reminded_at
        same = last.is_null() if expected_last is None else (last == expected_last)
        with transaction():
            changed = (m.WorkOrder.update({m.WorkOrder.last_reminded_at: at,
                                           m.WorkOrder.reminders: m.WorkOrder.reminders + 1,
                                           m.WorkOrder.updated_at: self._clock()})
                       .where((m.WorkOrder.id == order_id) & same
                              & (m.WorkOrder.status.in_(_values(OPEN_STATUSES))))
                       .execute())
            if not changed:
                return None
            m.WorkOrderEvent.create(order=order_id, at=at, kind=EventKind.REMINDED.value,
                                    actor=actor, detail=detail)
            return _to_order(m.WorkOrder.get_by_id(order_id))

    def add_event(self, order_id: int, kind: EventKind, *, at: float, actor: str = "",
                  detail: str = "") -> WorkOrderEvent:
        current_database()
        with transaction():
            row = m.WorkOrderEvent.create(order=order_id, at=at, kind=kind.value,
                                          actor=actor, detail=detail)
        return _to_event(row)

    # --- work orders: reads ----------------------------------------------------------

    def get(self, order_id: int) -> WorkOrder | None:
        current_database()
        with storage_errors():
            row = m.WorkOrder.get_or_none(m.WorkOrder.id == order_id)
            return _to_order(row) if row is not None else None

    def orders(self, *, statuses: Iterable[OrderStatus] | None = None,
               case_number: str | None = None, court_code: str | None = None,
               created_by: str | None = None, since: float | None = None,
               limit: int = 500) -> list[WorkOrder]:
        """Orders, newest first, filtered by status, case, court, seat, time."""
        current_database()
        with storage_errors():
            q = m.WorkOrder.select()
            if statuses is not None:
                q = q.where(m.WorkOrder.status.in_(_values(statuses)))
            if case_number is not None:
                q = q.where(m.WorkOrder.case_number == case_number)
            if court_code is not None:
                q = q.where(m.WorkOrder.court_code == court_code)
            if created_by is not None:
                q = q.where(m.WorkOrder.created_by == created_by)
            if since is not None:
                q = q.where(m.WorkOrder.created_at >= since)
            q = q.order_by(m.WorkOrder.created_at.desc(), m.WorkOrder.id.desc()).limit(limit)
            return [_to_order(r) for r in q]

    def open_orders(self) -> list[WorkOrder]:
        """Every open order (sent, acknowledged, overdue), soonest due first."""
        current_database()
        with storage_errors():
            q = (m.WorkOrder.select()
                 .where(m.WorkOrder.status.in_(_values(OPEN_STATUSES)))
                 .order_by(m.WorkOrder.due_at, m.WorkOrder.id))
            return [_to_order(r) for r in q]

    def events(self, order_id: int) -> list[WorkOrderEvent]:
        """The order's events, oldest first."""
        current_database()
        with storage_errors():
            q = (m.WorkOrderEvent.select()
                 .where(m.WorkOrderEvent.order == order_id)
                 .order_by(m.WorkOrderEvent.at, m.WorkOrderEvent.id))
            return [_to_event(r) for r in q]

    # --- escalation attempts --------------------------------------------------------

    def add_attempt(self, attempt: EscalationAttempt) -> EscalationAttempt:
        """Store a dialled rung (its id is ignored); return it with its id."""
        current_database()
        with transaction():
            row = m.EscalationAttempt.create(
                at=attempt.at, seat=attempt.seat, caller_number=attempt.caller_number,
                case_number=attempt.case_number, rung=attempt.rung.value, name=attempt.name,
                number=attempt.number, outcome=attempt.outcome.value, reason=attempt.reason,
                sip_call_id=attempt.sip_call_id, ended_at=attempt.ended_at,
                work_order_id=attempt.work_order_id)
        return _to_attempt(row)

    def update_attempt(self, attempt_id: int, *, outcome: Outcome | None = None,
                       reason: str | None = None, sip_call_id: str | None = None,
                       ended_at: float | None = None) -> EscalationAttempt | None:
        """Fill in what a call snapshot told us; None values are left alone."""
        current_database()
        fields: dict = {}
        if outcome is not None:
            fields[m.EscalationAttempt.outcome] = outcome.value
        if reason is not None:
            fields[m.EscalationAttempt.reason] = reason
        if sip_call_id is not None:
            fields[m.EscalationAttempt.sip_call_id] = sip_call_id
        if ended_at is not None:
            fields[m.EscalationAttempt.ended_at] = ended_at
        with transaction():
            if fields:
                (m.EscalationAttempt.update(fields)
                 .where(m.EscalationAttempt.id == attempt_id).execute())
            row = m.EscalationAttempt.get_or_none(m.EscalationAttempt.id == attempt_id)
            return _to_attempt(row) if row is not None else None

    def link_attempts(self, attempt_ids: Sequence[int], work_order_id: int) -> int:
        """Tie ladder attempts to the work order sent after them; return how many."""
        if not attempt_ids:
            return 0
        current_database()
        with transaction():
            return (m.EscalationAttempt.update({m.EscalationAttempt.work_order_id: work_order_id})
                    .where(m.EscalationAttempt.id.in_(list(attempt_ids))).execute())

    def attempt(self, attempt_id: int) -> EscalationAttempt | None:
        current_database()
        with storage_errors():
            row = m.EscalationAttempt.get_or_none(m.EscalationAttempt.id == attempt_id)
            return _to_attempt(row) if row is not None else None

    def attempts(self, *, case_number: str | None = None, seat: str | None = None,
                 since: float | None = None, limit: int = 500) -> list[EscalationAttempt]:
        """Attempts, oldest first."""
        current_database()
        with storage_errors():
            q = m.EscalationAttempt.select()
            if case_number is not None:
                q = q.where(m.EscalationAttempt.case_number == case_number)
            if seat is not None:
                q = q.where(m.EscalationAttempt.seat == seat)
            if since is not None:
                q = q.where(m.EscalationAttempt.at >= since)
            q = q.order_by(m.EscalationAttempt.at, m.EscalationAttempt.id).limit(limit)
            return [_to_attempt(r) for r in q]

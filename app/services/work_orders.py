"""Work orders for a seat: create, notify by SMS, follow up, close.

Service layer, plain Python (no Qt, no peewee): functions over the repository
(app.storage.workorder_repo) and the SMS gateway port (app.adapters.sms).

Creating an order stores it first (status ``sent``, SMS ``pending``), then
hands the SMS to a *dispatcher*. The default dispatcher sends at once on the
calling thread; the desk installs one that sends on a worker thread and
records the result back on the GUI thread (``set_dispatcher``), so a slow or
dead SMS centre never freezes a seat. Either way the order is never lost: an
SMS that fails leaves the order saved with ``sms_status = failed`` and an
``sms_failed`` event naming the cause, and ``retry_sms`` sends it again.

``check_due(now)`` is the follow-up: it marks open orders past their due time
``overdue`` and sends the reminders the ReminderPolicy asks for. It is safe to
run from every desk at once on a shared store (the repository's conditional
updates make each transition and each reminder happen once).

Errors are ``WorkOrderError`` with a stable code (app.domain.work_orders);
SMS problems are never raised from here, they are recorded on the order.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from app.adapters.sms import SmsError, SmsGateway, SmsReceipt
from app.domain.work_orders import (OPEN_STATUSES, CaseRef, DuePolicy, EventKind, OrderStatus,
                                    Recipient, RecipientKind, ReminderPolicy, SmsKind, SmsStatus, Urgency,
                                    WorkOrder, WorkOrderDraft, WorkOrderError, WorkOrderEvent,
                                    becoming_overdue, compose_sms, normalize_mobile,
                                    recipients_for_case, reminder_due, valid_mobile)
from app.storage.workorder_repo import WorkOrderRepository

log = logging.getLogger(__name__)

MAX_CONTENT = 500


@dataclass(frozen=True)
class SmsJob:
    """One SMS to send about an order."""
    order_id: int
    kind: SmsKind
    to: str
    text: str


# The result of a send: a receipt, or the error that stopped it.
SmsOutcome = SmsReceipt | SmsError
# dispatcher(job, send, finish): run ``send()`` somewhere, then ``finish(outcome)``
# on the thread that owns the store.
Dispatcher = Callable[[SmsJob, Callable[[], SmsOutcome], Callable[[SmsOutcome], None]], None]


def _dispatch_now(job: SmsJob, send: Callable[[], SmsOutcome],
                  finish: Callable[[SmsOutcome], None]) -> None:
    finish(send())


@dataclass
class DueReport:
    """What one ``check_due`` did."""
    overdue: list[int] = field(default_factory=list)        # order ids marked overdue
    reminded: list[tuple[int, SmsKind]] = field(default_factory=list)


class WorkOrderService:
    def __init__(self, repo: WorkOrderRepository, gateway: SmsGateway, *,
                 directory: Any = None, clock: Callable[[], float] = time.time,
                 due_policy: DuePolicy | None = None,
                 reminder_policy: ReminderPolicy | None = None,
                 dispatcher: Dispatcher | None = None, platform: str = "12368"):
        self.repo = repo
        self.gateway = gateway
        self.directory = directory
        self.clock = clock
        self.due_policy = due_policy or DuePolicy()
        self.reminder_policy = reminder_policy or ReminderPolicy()
        self.platform = platform
        self._dispatch: Dispatcher = dispatcher or _dispatch_now

    def set_dispatcher(self, dispatcher: Dispatcher | None) -> None:
        """Where SMS are sent from (None: at once, on the calling thread)."""
        self._dispatch = dispatcher or _dispatch_now

    # --- helpers for the form -----------------------------------------------------------

    def recipients(self, ref: CaseRef) -> list[Recipient]:
        """The case judge and the division, from the directory."""
        if self.directory is None or ref is None:
            return []
        return recipients_for_case(self.directory, ref)

    def default_due(self, urgency: Urgency, now: float | None = None) -> float:
        return self.due_policy.due_at(urgency, self.clock() if now is None else now)

    def preview_sms(self, draft: WorkOrderDraft) -> str:
        """The SMS the draft would send, even half filled in (``#0`` stands
        for the order number to come)."""
        now = self.clock()
        r = draft.recipient or Recipient(RecipientKind.JUDGE, "", "")
        order = WorkOrder(
            id=0, case_number=draft.case_number.strip(), court_code=draft.court_code,
            recipient_kind=r.kind, recipient_name=r.name, recipient_phone=r.phone,
            division=r.division, caller_number=draft.caller_number.strip(),
            caller_name=draft.caller_name.strip(), content=(draft.content or "").strip(),
            urgency=draft.urgency,
            due_at=draft.due_at if draft.due_at is not None
            else self.due_policy.due_at(draft.urgency, now),
            status=OrderStatus.SENT, sms_status=SmsStatus.PENDING, created_by="",
            created_at=now)
        return compose_sms(order, SmsKind.NEW, platform=self.platform)

    # --- creating ----------------------------------------------------------------------

    def create(self, draft: WorkOrderDraft, *, actor: str) -> WorkOrder:
        """Validate, store, and send the SMS; return the stored order.

        Raises WorkOrderError (nothing stored) for a bad draft. The SMS result
        lands on the order (sms_status, events) when the dispatcher finishes.
        """
        now = self.clock()
        order = self._order_of(draft, actor=actor, now=now)
        detail = f"to {order.recipient_kind.value} {order.recipient_name}, " \
                 f"{order.urgency.value}, due {time.strftime('%Y-%m-%d %H:%M', time.localtime(order.due_at))}"
        stored = self.repo.add(order, detail=detail)
        self._send(stored, SmsKind.NEW, actor)
        return self.repo.get(stored.id) or stored

    def _order_of(self, draft: WorkOrderDraft, *, actor: str, now: float) -> WorkOrder:
        content = (draft.content or "").strip()
        if not content:
            raise WorkOrderError("empty_content", "Write what the judge is asked to do.")
        if len(content) > MAX_CONTENT:
            raise WorkOrderError("content_too_long",
                                 f"Keep the request under {MAX_CONTENT} characters.")
        r = draft.recipient
        if r is None or not r.name:
            raise WorkOrderError("no_recipient", "Choose the judge or division to send to.")
        phone = normalize_mobile(r.phone)
        if not valid_mobile(phone):
            raise WorkOrderError("bad_phone", "Enter the recipient's mobile number for the SMS.")
        due = draft.due_at if draft.due_at is not None else \
            self.due_policy.due_at(draft.urgency, now)
        if due <= now:
            raise WorkOrderError("bad_due", "The due time must be in the future.")
        return WorkOrder(
            id=0, case_number=draft.case_number.strip(), court_code=draft.court_code,
            recipient_kind=r.kind, recipient_name=r.name, recipient_phone=phone,
            division=r.division, caller_number=draft.caller_number.strip(),
            caller_name=draft.caller_name.strip(), content=content, urgency=draft.urgency,
            due_at=due, status=OrderStatus.SENT, sms_status=SmsStatus.PENDING,
            created_by=actor, created_at=now, updated_at=now)

    # --- SMS -------------------------------------------------------------------------

    def _send(self, order: WorkOrder, kind: SmsKind, actor: str) -> None:
        job = SmsJob(order.id, kind, order.recipient_phone,
                     compose_sms(order, kind, platform=self.platform))
        gateway = self.gateway

        def send() -> SmsOutcome:          # may run on a worker thread: no store here
            try:
                return gateway.send(job.to, job.text)
            except SmsError as exc:
                return exc
            except Exception as exc:       # a gateway bug must not lose the order
                log.exception("SMS gateway failed")
                return SmsError("protocol", f"{type(exc).__name__}: {exc}")

        self._dispatch(job, send, lambda outcome: self.record_sms(job, outcome, actor=actor))

    def record_sms(self, job: SmsJob, outcome: SmsOutcome, *, actor: str = "") -> WorkOrder | None:
        """Write what the gateway said about ``job`` onto its order."""
        now = self.clock()
        if isinstance(outcome, SmsError):
            log.warning("SMS for work order %s (%s) failed: %s %s", job.order_id,
                        job.kind.value, outcome.code, outcome.detail)
            return self.repo.set_sms_status(
                job.order_id, SmsStatus.FAILED, at=now, event=EventKind.SMS_FAILED,
                actor=actor, detail=f"{job.kind.value}: {outcome.code}: {outcome.detail}")
        return self.repo.set_sms_status(
            job.order_id, SmsStatus.SENT, at=now, event=EventKind.SMS_SENT, actor=actor,
            detail=f"{job.kind.value} via {outcome.gateway} to {job.to}, "
                   f"{outcome.parts} part(s): {', '.join(outcome.message_ids)}")

    def retry_sms(self, order_id: int, *, actor: str) -> WorkOrder:
        """Send the order's SMS again (after a failure, or on request)."""
        order = self._open(order_id)
        kind = SmsKind.OVERDUE if order.status is OrderStatus.OVERDUE else SmsKind.NEW
        self.repo.set_sms_status(order_id, SmsStatus.PENDING, at=self.clock())
        self._send(order, kind, actor)
        return self.repo.get(order_id) or order

    # --- the seat's (or the judge's) answers ------------------------------------------

    def acknowledge(self, order_id: int, *, actor: str, note: str = "") -> WorkOrder:
        """The judge confirmed receipt (usually by phone). An overdue order
        stays overdue; its acknowledgement is still recorded."""
        now = self.clock()
        changed = self.repo.change_status(
            order_id, from_statuses=(OrderStatus.SENT,), status=OrderStatus.ACKNOWLEDGED,
            at=now, event=EventKind.ACKNOWLEDGED, actor=actor, detail=note, acknowledged=True)
        if changed is None:
            changed = self.repo.change_status(
                order_id, from_statuses=(OrderStatus.OVERDUE,), status=None, at=now,
                event=EventKind.ACKNOWLEDGED, actor=actor, detail=note, acknowledged=True)
        return changed or self._refused(order_id)

    def done(self, order_id: int, *, actor: str, note: str = "") -> WorkOrder:
        changed = self.repo.change_status(
            order_id, from_statuses=OPEN_STATUSES, status=OrderStatus.DONE, at=self.clock(),
            event=EventKind.DONE, actor=actor, detail=note, done=True)
        return changed or self._refused(order_id)

    def cancel(self, order_id: int, *, actor: str, reason: str = "") -> WorkOrder:
        changed = self.repo.change_status(
            order_id, from_statuses=OPEN_STATUSES, status=OrderStatus.CANCELLED,
            at=self.clock(), event=EventKind.CANCELLED, actor=actor, detail=reason)
        return changed or self._refused(order_id)

    def _open(self, order_id: int) -> WorkOrder:
        order = self.repo.get(order_id)
        if order is None:
            raise WorkOrderError("not_found", f"Work order {order_id} does not exist.")
        if not order.is_open:
            raise WorkOrderError("not_open", f"Work order {order_id} is already {order.status.value}.")
        return order

    def _refused(self, order_id: int) -> WorkOrder:
        order = self._open(order_id)   # raises not_found / not_open
        raise WorkOrderError("cannot_change", f"Work order {order_id} is "
                             f"{order.status.value}; it cannot be changed that way.")

    # --- follow-up ---------------------------------------------------------------------

    def check_due(self, now: float | None = None, *, actor: str = "") -> DueReport:
        """Mark overdue orders and send due reminders; see the module docstring."""
        now = self.clock() if now is None else now
        report = DueReport()
        orders = self.repo.open_orders()
        for o in becoming_overdue(orders, now):
            changed = self.repo.change_status(
                o.id, from_statuses=(OrderStatus.SENT, OrderStatus.ACKNOWLEDGED),
                status=OrderStatus.OVERDUE, at=now, event=EventKind.OVERDUE, actor=actor,
                detail=f"due {time.strftime('%Y-%m-%d %H:%M', time.localtime(o.due_at))}")
            if changed is not None:
                report.overdue.append(o.id)
        for o in self.repo.open_orders():
            kind = reminder_due(o, now, self.reminder_policy)
            if kind is None:
                continue
            claimed = self.repo.claim_reminder(o.id, at=now, expected_last=o.last_reminded_at,
                                               actor=actor, detail=kind.value)
            if claimed is None:
                continue
            self.repo.set_sms_status(o.id, SmsStatus.PENDING, at=now)
            self._send(claimed, kind, actor)
            report.reminded.append((o.id, kind))
        return report

    # --- reading -----------------------------------------------------------------------

    def get(self, order_id: int) -> WorkOrder | None:
        return self.repo.get(order_id)

    def events(self, order_id: int) -> list[WorkOrderEvent]:
        return self.repo.events(order_id)

    def orders(self, *, open_only: bool = False, statuses: Sequence[OrderStatus] | None = None,
               case_number: str | None = None, court_code: str | None = None,
               created_by: str | None = None, since: float | None = None,
               limit: int = 500) -> list[WorkOrder]:
        if open_only:
            statuses = OPEN_STATUSES
        return self.repo.orders(statuses=statuses, case_number=case_number,
                                court_code=court_code, created_by=created_by, since=since,
                                limit=limit)

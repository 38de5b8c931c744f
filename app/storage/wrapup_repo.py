"""The wrap-up repository: WrapUpRecord in and out of the ``wrap_up`` table.

Storage side of the boundary; callers never see a peewee row. One record per
call and seat: saving again (the seat corrects the record) updates the row
found by id, or by (SIP Call-ID, seat), instead of adding a second one. Each
write is one committed transaction. Portable peewee only (the same store runs
on PostgreSQL).
"""
from __future__ import annotations

from dataclasses import replace

from app.domain.calls import CallDirection
from app.domain.wrap_up import WrapUpCategory, WrapUpRecord
from app.storage.db import current_database, storage_errors, transaction
from app.storage.models import WorkOrder, WrapUp

_FIELDS = ("sip_call_id", "seat", "caller_number", "court_code", "queue", "notes",
           "case_number", "work_order_id", "call_started_at", "call_answered_at",
           "call_ended_at", "saved_at")


def wrap_up_from_row(row: WrapUp) -> WrapUpRecord:
    return WrapUpRecord(
        id=row.id, category=WrapUpCategory(row.category), notes=row.notes,
        case_number=row.case_number, work_order_id=row.work_order_id,
        sip_call_id=row.sip_call_id, seat=row.seat, caller_number=row.caller_number,
        court_code=row.court_code, queue=row.queue, direction=CallDirection.INCOMING,
        call_started_at=row.call_started_at, call_answered_at=row.call_answered_at,
        call_ended_at=row.call_ended_at, saved_at=row.saved_at)


class WrapUpRepository:
    """Writes and reads ``wrap_up``."""

    def save(self, record: WrapUpRecord) -> WrapUpRecord:
        """Insert or update ``record`` (category set, see wrap_up.validate)."""
        if record.category is None:
            raise ValueError("a wrap-up needs a category")
        current_database()
        values = {name: getattr(record, name) for name in _FIELDS}
        values["category"] = WrapUpCategory(record.category).value
        with transaction():
            row = None
            if record.id is not None:
                row = WrapUp.get_or_none(WrapUp.id == record.id)
            elif record.sip_call_id:
                row = (WrapUp.select()
                       .where((WrapUp.sip_call_id == record.sip_call_id)
                              & (WrapUp.seat == record.seat))
                       .order_by(WrapUp.id.desc()).first())
            if row is None:
                row = WrapUp.create(**values)
            else:
                for name, value in values.items():
                    setattr(row, name, value)
                row.save()
        # The direction is not a column; keep the caller's for the form.
        return replace(wrap_up_from_row(row), direction=record.direction)

    def get(self, record_id: int) -> WrapUpRecord | None:
        current_database()
        with storage_errors():
            row = WrapUp.get_or_none(WrapUp.id == record_id)
        return wrap_up_from_row(row) if row else None

    def for_call(self, sip_call_id: str, seat: str) -> WrapUpRecord | None:
        """The seat's record of one call, if saved."""
        if not sip_call_id:
            return None
        current_database()
        with storage_errors():
            row = (WrapUp.select()
                   .where((WrapUp.sip_call_id == sip_call_id) & (WrapUp.seat == seat))
                   .order_by(WrapUp.id.desc()).first())
        return wrap_up_from_row(row) if row else None

    def recent(self, seat: str | None = None, limit: int = 50) -> list[WrapUpRecord]:
        """Newest first, of one seat or of all."""
        current_database()
        with storage_errors():
            query = WrapUp.select()
            if seat is not None:
                query = query.where(WrapUp.seat == seat)
            rows = list(query.order_by(WrapUp.saved_at.desc(), WrapUp.id.desc()).limit(limit))
        return [wrap_up_from_row(r) for r in rows]

    def work_order_exists(self, order_id: int) -> bool:
        current_database()
        with storage_errors():
            return WorkOrder.select().where(WorkOrder.id == order_id).exists()

    def count(self) -> int:
        current_database()
        with storage_errors():
            return WrapUp.select().count()

"""The complaint repository: complaints and their event log, visibility in SQL.

Storage side of the boundary; callers give a ``Viewer`` with every read and
get ``Complaint`` / ``ComplaintEvent`` values (app.domain.complaints).

Visibility is enforced **inside the query**: every SELECT and UPDATE carries
the viewer's condition in its WHERE clause (``_visible``, ``_actable``), the
same rule as ``app.domain.complaints.can_see`` / ``can_act``, so a seat's
query never fetches, counts or changes a complaint it may not see, whatever
the caller does with the result. A test checks the SQL and the pure function
agree for every viewer.

Changes are compare-and-set: an UPDATE names the status it expects, so two
desks acting on the same complaint through a shared PostgreSQL store cannot
both win; the loser gets ``ComplaintError('changed_elsewhere')``. The row
change and its event are one transaction. Portable peewee only.
"""
from __future__ import annotations

from typing import Iterable

import peewee

from app.domain.complaints import (CallbackOutcome, Complaint, ComplaintError, ComplaintEvent,
                                   ComplaintPriority, ComplaintStatus, EventKind, Viewer)
from app.storage.db import current_database, storage_errors, transaction
from app.storage.models import Complaint as ComplaintRow
from app.storage.models import ComplaintEvent as EventRow

_NOTHING = ComplaintRow.id.is_null()        # a primary key is never NULL


def _visible(viewer: Viewer) -> peewee.Expression | None:
    """WHERE condition for what ``viewer`` may see (None: everything)."""
    if viewer.consulting_judge:
        return None
    cond = None
    if viewer.court:
        cond = ComplaintRow.court_code == viewer.court
    if viewer.seat:
        own = ComplaintRow.created_by == viewer.seat
        cond = own if cond is None else (cond | own)
    return _NOTHING if cond is None else cond


def _actable(viewer: Viewer) -> peewee.Expression | None:
    """WHERE condition for what ``viewer`` may change (None: everything)."""
    if viewer.consulting_judge:
        return None
    if viewer.court:
        return ComplaintRow.court_code == viewer.court
    return _NOTHING


def _where(query, *conds):
    for cond in conds:
        if cond is not None:
            query = query.where(cond)
    return query


def _to_complaint(row: ComplaintRow) -> Complaint:
    return Complaint(
        id=row.id, created_at=row.created_at, created_by=row.created_by,
        caller_number=row.caller_number, caller_name=row.caller_name,
        court_code=row.court_code, case_number=row.case_number, content=row.content,
        priority=ComplaintPriority(row.priority), status=ComplaintStatus(row.status),
        dispatched_to=row.dispatched_to, dispatched_at=row.dispatched_at,
        resolution=row.resolution, callback_at=row.callback_at,
        callback_outcome=CallbackOutcome(row.callback_outcome) if row.callback_outcome else None,
        closed_at=row.closed_at, updated_at=row.updated_at)


def _to_event(row: EventRow) -> ComplaintEvent:
    return ComplaintEvent(id=row.id, complaint_id=row.complaint_id, at=row.at,
                          kind=EventKind(row.kind), actor=row.actor, detail=row.detail)


# Domain field -> column value for updates.
def _column_values(changes: dict) -> dict:
    out = {}
    for name, value in changes.items():
        if isinstance(value, (ComplaintStatus, ComplaintPriority, CallbackOutcome)):
            value = value.value
        out[getattr(ComplaintRow, name)] = value
    return out


class ComplaintRepository:
    """Reads and writes ``complaint`` and ``complaint_event``."""

    def create(self, complaint: Complaint, actor: str, detail: str = "") -> Complaint:
        """Insert a new complaint and its ``created`` event; return it with its id."""
        current_database()
        with transaction():
            row = ComplaintRow.create(
                created_at=complaint.created_at, created_by=complaint.created_by,
                caller_number=complaint.caller_number, caller_name=complaint.caller_name,
                court_code=complaint.court_code, case_number=complaint.case_number,
                content=complaint.content, priority=ComplaintPriority(complaint.priority).value,
                status=ComplaintStatus(complaint.status).value,
                dispatched_to=complaint.dispatched_to, dispatched_at=complaint.dispatched_at,
                resolution=complaint.resolution, callback_at=complaint.callback_at,
                callback_outcome=complaint.callback_outcome.value if complaint.callback_outcome else "",
                closed_at=complaint.closed_at,
                updated_at=complaint.updated_at or complaint.created_at)
            EventRow.create(complaint=row.id, at=complaint.created_at,
                            kind=EventKind.CREATED.value, actor=actor, detail=detail)
        return _to_complaint(row)

    def get(self, complaint_id: int, viewer: Viewer) -> Complaint | None:
        """The complaint, or None when it does not exist or ``viewer`` may not see it."""
        current_database()
        with storage_errors():
            row = _where(ComplaintRow.select(), ComplaintRow.id == complaint_id,
                         _visible(viewer)).first()
        return _to_complaint(row) if row else None

    def visible(self, viewer: Viewer, *, statuses: Iterable[ComplaintStatus] | None = None,
                court: str | None = None, since: float | None = None,
                after_id: int | None = None, limit: int = 500) -> list[Complaint]:
        """What ``viewer`` may see: open ones first, urgent first, newest first."""
        current_database()
        query = _where(ComplaintRow.select(), _visible(viewer))
        if statuses is not None:
            query = query.where(ComplaintRow.status.in_([ComplaintStatus(s).value
                                                         for s in statuses]))
        if court is not None:
            query = query.where(ComplaintRow.court_code == court)
        if since is not None:
            query = query.where(ComplaintRow.created_at >= since)
        if after_id is not None:
            query = query.where(ComplaintRow.id > after_id)
        closed_last = peewee.Case(None, [(ComplaintRow.status == ComplaintStatus.CLOSED.value, 1)], 0)
        urgent_first = peewee.Case(
            None, [(ComplaintRow.priority == ComplaintPriority.URGENT.value, 0)], 1)
        query = query.order_by(closed_last, urgent_first, ComplaintRow.created_at.desc(),
                               ComplaintRow.id.desc()).limit(limit)
        with storage_errors():
            return [_to_complaint(r) for r in query]

    def count_visible(self, viewer: Viewer) -> int:
        current_database()
        with storage_errors():
            return _where(ComplaintRow.select(), _visible(viewer)).count()

    def events(self, complaint_id: int, viewer: Viewer) -> list[ComplaintEvent]:
        """The complaint's events, oldest first; [] when not visible."""
        current_database()
        query = _where(EventRow.select().join(ComplaintRow),
                       EventRow.complaint == complaint_id, _visible(viewer))
        with storage_errors():
            return [_to_event(r) for r in query.order_by(EventRow.at, EventRow.id)]

    def change(self, complaint_id: int, viewer: Viewer, *, expected: ComplaintStatus,
               changes: dict, event: ComplaintEvent) -> Complaint:
        """Apply ``changes`` (domain field -> value) if the complaint is still
        in ``expected`` and ``viewer`` may act on it; add ``event``; return the
        complaint as stored. ComplaintError('changed_elsewhere') otherwise."""
        current_database()
        with transaction():
            query = _where(
                ComplaintRow.update(_column_values(changes)),
                ComplaintRow.id == complaint_id,
                ComplaintRow.status == ComplaintStatus(expected).value,
                _actable(viewer))
            if query.execute() != 1:
                raise ComplaintError("changed_elsewhere", f"complaint {complaint_id}")
            EventRow.create(complaint=complaint_id, at=event.at, kind=event.kind.value,
                            actor=event.actor, detail=event.detail)
            row = ComplaintRow.get_by_id(complaint_id)
        return _to_complaint(row)

    def mark_dispatched(self, complaint_id: int, viewer: Viewer, *, to: str, at: float,
                        event: ComplaintEvent) -> Complaint:
        """open -> dispatched, by the seat that filed it or one that may act on it."""
        current_database()
        may = _actable(viewer)
        if viewer.seat and may is not None:
            may = may | (ComplaintRow.created_by == viewer.seat)
        with transaction():
            query = _where(
                ComplaintRow.update({ComplaintRow.status: ComplaintStatus.DISPATCHED.value,
                                     ComplaintRow.dispatched_to: to,
                                     ComplaintRow.dispatched_at: at,
                                     ComplaintRow.updated_at: at}),
                ComplaintRow.id == complaint_id,
                ComplaintRow.status == ComplaintStatus.OPEN.value, may)
            if query.execute() != 1:
                raise ComplaintError("changed_elsewhere", f"complaint {complaint_id}")
            EventRow.create(complaint=complaint_id, at=event.at, kind=event.kind.value,
                            actor=event.actor, detail=event.detail)
            row = ComplaintRow.get_by_id(complaint_id)
        return _to_complaint(row)

    def add_event(self, complaint_id: int, viewer: Viewer, event: ComplaintEvent) -> bool:
        """Append an event to a complaint ``viewer`` can see; False if it cannot."""
        current_database()
        with transaction():
            seen = _where(ComplaintRow.select(ComplaintRow.id),
                          ComplaintRow.id == complaint_id, _visible(viewer)).exists()
            if not seen:
                return False
            EventRow.create(complaint=complaint_id, at=event.at, kind=event.kind.value,
                            actor=event.actor, detail=event.detail)
        return True

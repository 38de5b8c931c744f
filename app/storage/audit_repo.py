"""The append-only audit of case lookups: who looked, for whom, how, with what result.

Storage side of the boundary; callers give and get ``LookupAuditEntry``
(app.domain.cases). The table refuses UPDATE and DELETE by trigger (migration
3), so this repository has no method to change a row, and no other code can
rewrite history through SQL either. It never holds a password or an ID number:
the subject is the query code, or the case number or phone the caller gave.

The lookup service also reads it back to decide lockouts, so the lock survives
a restart of the desktop and is shared by every process on the same store.
"""
from __future__ import annotations

from app.domain.cases import LookupAuditEntry, LookupMethod, LookupOutcome
from app.storage.db import current_database, storage_errors, transaction
from app.storage.models import CaseLookupAudit


def _to_entry(row: CaseLookupAudit) -> LookupAuditEntry:
    return LookupAuditEntry(
        id=row.id, at=row.at, seat=row.seat, caller_number=row.caller_number,
        method=LookupMethod(row.method), subject=row.subject,
        outcome=LookupOutcome(row.outcome),
        case_ids=tuple(i for i in row.case_ids.split(",") if i),
        source=row.source, detail=row.detail)


class AuditRepository:
    """Writes and reads ``case_lookup_audit``."""

    def record(self, entry: LookupAuditEntry) -> int:
        """Append ``entry``; return its row id. Committed when this returns."""
        current_database()
        with transaction():
            row = CaseLookupAudit.create(
                at=entry.at, seat=entry.seat, caller_number=entry.caller_number,
                method=entry.method.value, subject=entry.subject,
                outcome=entry.outcome.value, case_ids=",".join(entry.case_ids),
                source=entry.source, detail=entry.detail)
        return int(row.id)

    def outcomes_since(self, method: LookupMethod, subject: str,
                       since: float) -> list[tuple[float, LookupOutcome]]:
        """(time, outcome) of attempts on one subject since ``since``, oldest first."""
        current_database()
        with storage_errors():
            rows = (CaseLookupAudit.select(CaseLookupAudit.at, CaseLookupAudit.outcome)
                    .where((CaseLookupAudit.method == method.value)
                           & (CaseLookupAudit.subject == subject)
                           & (CaseLookupAudit.at >= since))
                    .order_by(CaseLookupAudit.at, CaseLookupAudit.id).tuples())
            return [(at, LookupOutcome(outcome)) for at, outcome in rows]

    def entries(self, *, since: float | None = None, seat: str | None = None,
                subject: str | None = None, limit: int = 1000) -> list[LookupAuditEntry]:
        """Audit rows, newest first, filtered by time, seat or subject."""
        current_database()
        with storage_errors():
            query = CaseLookupAudit.select()
            if since is not None:
                query = query.where(CaseLookupAudit.at >= since)
            if seat is not None:
                query = query.where(CaseLookupAudit.seat == seat)
            if subject is not None:
                query = query.where(CaseLookupAudit.subject == subject)
            rows = query.order_by(CaseLookupAudit.at.desc(),
                                  CaseLookupAudit.id.desc()).limit(limit)
            return [_to_entry(r) for r in rows]

    def count(self) -> int:
        current_database()
        with storage_errors():
            return CaseLookupAudit.select().count()

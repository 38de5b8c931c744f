"""Read-only queries about a caller's number for the screen pop.

Storage side: earlier calls from a number (call_record) with the wrap-up saved
for each (wrap_up, by SIP Call-ID), and the cases whose parties registered the
number (case_party). Portable peewee queries: the same on SQLite and PostgreSQL.
"""
from __future__ import annotations

from app.domain.cases import normalize_phone
from app.domain.screen_pop import CaseMatch, EarlierCall
from app.storage.db import current_database, storage_errors
from app.storage.models import CallRecord, CaseFile, CaseParty, WrapUp


class CallerRepository:
    def case_matches(self, number: str, limit: int = 10) -> list[CaseMatch]:
        phone = normalize_phone(number)
        if not phone:
            return []
        current_database()
        with storage_errors():
            rows = (CaseParty.select(CaseParty.name, CaseParty.role, CaseFile.case_number,
                                     CaseFile.court_name, CaseFile.filed_at)
                    .join(CaseFile)
                    .where(CaseParty.phone == phone)
                    .order_by(CaseFile.filed_at.desc(), CaseFile.id.desc())
                    .limit(limit).tuples())
            return [CaseMatch(case_number=cn, court_name=court, party_name=name, party_role=role)
                    for name, role, cn, court, _filed in rows]

    def earlier_calls(self, number: str, *, before: float, limit: int = 5
                      ) -> tuple[list[EarlierCall], int]:
        """Calls from or to ``number`` that started before ``before``, newest
        first (at most ``limit``), and how many there are in all."""
        current_database()
        cond = (CallRecord.peer_number == number) & (CallRecord.started_at < before)
        with storage_errors():
            total = CallRecord.select().where(cond).count()
            rows = list(CallRecord.select(CallRecord.sip_call_id, CallRecord.started_at,
                                          CallRecord.result)
                        .where(cond)
                        .order_by(CallRecord.started_at.desc(), CallRecord.id.desc())
                        .limit(limit))
            ids = [r.sip_call_id for r in rows if r.sip_call_id]
            wraps: dict[str, WrapUp] = {}
            if ids:
                for w in (WrapUp.select().where(WrapUp.sip_call_id.in_(ids))
                          .order_by(WrapUp.saved_at)):
                    wraps[w.sip_call_id] = w   # the latest record of each call wins
        out = []
        for r in rows:
            w = wraps.get(r.sip_call_id)
            out.append(EarlierCall(at=r.started_at, result=r.result or "",
                                   category=w.category if w else "",
                                   notes=w.notes if w else "",
                                   case_number=w.case_number if w else ""))
        return out, total

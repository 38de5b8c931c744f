"""The local case directory: cases in the store, and the ``CaseSource`` adapter over them.

Storage side of the boundary. ``CaseRepository`` writes and reads ``Case``
records (app.domain.cases) in ``case_file``, ``case_party`` and ``case_step``;
it also *is* a case source (the port in app.domain.cases), checking a query
password against the stored scrypt hash or an identity against the parties.

The password check runs scrypt (about 50 ms) outside any transaction, so a
lookup never holds the database while it hashes. Unknown codes burn the same
time so that a caller cannot tell "no such code" from "wrong password".
"""
from __future__ import annotations

import time
from typing import Callable, Iterable

from app.domain.cases import (Case, CaseSourceError, CaseStep, Party, Verdict, Verification,
                              burn_verification_time, normalize_case_number, normalize_code,
                              normalize_id_number, normalize_phone, verify_password)
from app.storage.db import (StorageError, current_database, insert_many, insert_returning_id,
                            storage_errors, transaction)
from app.storage.models import CaseFile, CaseParty, CaseStepRow

_CASE_COLUMNS = ("case_number", "court_code", "court_name", "cause", "status", "stage",
                 "division", "judge", "filed_at", "next_hearing_at", "hearing_room",
                 "query_code", "password_hash", "internal_notes", "updated_at")
_PARTY_COLUMNS = ("case_id", "role", "name", "id_number", "phone")
_STEP_COLUMNS = ("case_id", "at", "text")


class CaseRepository:
    """The local case directory, and a ``CaseSource`` named ``"local"``."""

    name = "local"

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock

    # --- writes -----------------------------------------------------------------

    def add(self, case: Case) -> str:
        """Store ``case`` (its ``case_id`` is ignored); return the new id."""
        return self.add_many([case])[0]

    def add_many(self, cases: Iterable[Case]) -> list[str]:
        """Store many cases in one transaction; return their new ids in order."""
        now = self._clock()
        ids: list[str] = []
        current_database()
        with transaction() as db:
            cursor = db.cursor()
            for case in cases:
                if not case.password_hash:
                    raise ValueError(f"{case.case_number}: a case needs a password hash")
                row_id = insert_returning_id(db, "case_file", _CASE_COLUMNS, (
                    normalize_case_number(case.case_number), case.court_code,
                    case.court_name, case.cause, case.status, case.stage, case.division,
                    case.judge, case.filed_at, case.next_hearing_at, case.hearing_room,
                    normalize_code(case.query_code), case.password_hash,
                    case.internal_notes, now), cursor)
                insert_many(db, "case_party", _PARTY_COLUMNS, [
                    (row_id, p.role, p.name, normalize_id_number(p.id_number),
                     normalize_phone(p.phone)) for p in case.parties], cursor)
                insert_many(db, "case_step", _STEP_COLUMNS,
                            [(row_id, s.at, s.text) for s in case.steps], cursor)
                ids.append(str(row_id))
        return ids

    # --- reads ------------------------------------------------------------------

    def count(self) -> int:
        current_database()
        with storage_errors():
            return CaseFile.select().count()

    def get(self, case_id: str) -> Case | None:
        current_database()
        with storage_errors():
            row = CaseFile.get_or_none(CaseFile.id == int(case_id))
            return self._to_case(row) if row is not None else None

    def by_number(self, case_number: str) -> Case | None:
        current_database()
        with storage_errors():
            row = CaseFile.get_or_none(
                CaseFile.case_number == normalize_case_number(case_number))
            return self._to_case(row) if row is not None else None

    def cases_of_phone(self, phone: str) -> list[Case]:
        """Cases whose parties registered ``phone`` (for the screen pop, later)."""
        current_database()
        with storage_errors():
            rows = (CaseFile.select().join(CaseParty)
                    .where(CaseParty.phone == normalize_phone(phone)).distinct())
            return [self._to_case(r) for r in rows]

    # --- the CaseSource port ----------------------------------------------------------

    def verify_code(self, query_code: str, password: str) -> Verification:
        code = normalize_code(query_code)
        try:
            current_database()
            with storage_errors():
                row = CaseFile.get_or_none(CaseFile.query_code == code)
                if row is None:
                    burn_verification_time()
                    return Verification(Verdict.UNKNOWN)
                # Autocommit read: no transaction is open while scrypt runs.
                if not verify_password(password, row.password_hash):
                    return Verification(Verdict.MISMATCH)
                return Verification(Verdict.VERIFIED, (self._to_case(row),))
        except StorageError as exc:
            raise CaseSourceError("storage", str(exc), exc.detail) from exc

    def verify_identity(self, name: str, id_number: str, *, case_number: str = "",
                        phone: str = "") -> Verification:
        """Name and ID number must belong to one party of the case, and that case
        must have the given case number, or that party the given phone."""
        name, id_number = name.strip(), normalize_id_number(id_number)
        number, phone = normalize_case_number(case_number), normalize_phone(phone)
        try:
            current_database()
            with storage_errors():
                query = (CaseFile.select().join(CaseParty)
                         .where(CaseParty.id_number == id_number))
                if number:
                    query = query.where(CaseFile.case_number == number)
                else:
                    query = query.where(CaseParty.phone == phone)
                rows = list(query.where(CaseParty.name == name).distinct()
                            .order_by(CaseFile.filed_at.desc()))
                if rows:
                    return Verification(Verdict.VERIFIED,
                                        tuple(self._to_case(r) for r in rows))
                # Tell "this person has no such case" apart from "nothing known"
                # only for the audit; the seat hears the same denial.
                known = CaseParty.select().where(CaseParty.id_number == id_number).exists()
        except StorageError as exc:
            raise CaseSourceError("storage", str(exc), exc.detail) from exc
        return Verification(Verdict.MISMATCH if known else Verdict.UNKNOWN)

    # --- rows to domain ---------------------------------------------------------------

    def _to_case(self, row: CaseFile) -> Case:
        parties = tuple(Party(role=p.role, name=p.name, id_number=p.id_number, phone=p.phone)
                        for p in row.parties.order_by(CaseParty.id))
        steps = tuple(CaseStep(at=s.at, text=s.text)
                      for s in row.steps.order_by(CaseStepRow.at, CaseStepRow.id))
        return Case(case_id=str(row.id), case_number=row.case_number,
                    court_code=row.court_code, court_name=row.court_name, cause=row.cause,
                    status=row.status, stage=row.stage, division=row.division,
                    judge=row.judge, filed_at=row.filed_at,
                    next_hearing_at=row.next_hearing_at, hearing_room=row.hearing_room,
                    parties=parties, steps=steps, query_code=row.query_code,
                    password_hash=row.password_hash, internal_notes=row.internal_notes)

"""Verified case lookup for a seat: lockout, verification, audit, the caller-safe view.

Service layer, plain Python (no Qt, no peewee): functions over two ports, a
``CaseSource`` (app.domain.cases; adapters: app.storage.case_repo for the
local directory, app.adapters.case_http for a court's system) and a
``LookupAudit`` (app.storage.audit_repo). The order of each lookup is fixed:

1. refuse empty input (audited as ``invalid``);
2. refuse a locked subject without asking the source (audited as ``locked``);
3. ask the source to verify; a source failure is audited as ``source_error``
   and does not count towards the lock;
4. audit the outcome (``found`` with the case ids, or ``denied``);
5. return ``PartyView``s only: the ``Case`` (internal notes, ID numbers,
   password hash) never leaves this module.

The audit row is written before the result is returned; if the audit cannot be
written, the lookup fails (StorageError propagates) and nothing is shown.

Messages are English with a stable ``code``; the UI translates by code and
formats ``locked_until`` in local time.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Protocol

from app.domain.cases import (CaseSource, CaseSourceError, LockoutPolicy, LookupAuditEntry,
                              LookupMethod, LookupOutcome, PartyView, Verdict, failures_left,
                              locked_until, normalize_case_number, normalize_code,
                              normalize_phone, party_view)


class LookupAudit(Protocol):
    """The audit port (AuditRepository implements it)."""

    def record(self, entry: LookupAuditEntry) -> int: ...

    def outcomes_since(self, method: LookupMethod, subject: str,
                       since: float) -> list[tuple[float, LookupOutcome]]: ...


@dataclass(frozen=True)
class LookupResult:
    """What the seat gets back. ``views`` is empty unless ``outcome`` is FOUND."""
    outcome: LookupOutcome
    message: str
    code: str                                  # stable, for tr() in the UI
    views: tuple[PartyView, ...] = ()
    locked_until: float | None = None
    failures_left: int | None = None
    audit_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is LookupOutcome.FOUND

    @property
    def view(self) -> PartyView | None:
        return self.views[0] if self.views else None


def _clock_text(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M")


class CaseLookupService:
    """Looks cases up for one desk; one instance per case source."""

    def __init__(self, source: CaseSource, audit: LookupAudit, *,
                 policy: LockoutPolicy = LockoutPolicy(),
                 clock: Callable[[], float] = time.time):
        self._source = source
        self._audit = audit
        self._policy = policy
        self._clock = clock

    @property
    def policy(self) -> LockoutPolicy:
        return self._policy

    def lookup_by_code(self, query_code: str, password: str, *, seat: str,
                       caller_number: str = "") -> LookupResult:
        """Verify by the query code and password received at filing."""
        code = normalize_code(query_code)
        if not code or not password:
            return self._finish(LookupMethod.CODE, code, seat, caller_number,
                                LookupOutcome.INVALID, "missing_input",
                                "Enter both the case query code and the password.")
        return self._lookup(LookupMethod.CODE, code, seat, caller_number,
                            lambda: self._source.verify_code(code, password))

    def lookup_by_identity(self, name: str, id_number: str, *, case_number: str = "",
                           phone: str = "", seat: str, caller_number: str = "") -> LookupResult:
        """Verify a caller who lost the code: name, ID number, and the case
        number or the phone registered with the court."""
        number, phone = normalize_case_number(case_number), normalize_phone(phone)
        subject = number or phone
        if not name.strip() or not id_number.strip() or not subject:
            return self._finish(LookupMethod.IDENTITY, subject, seat, caller_number,
                                LookupOutcome.INVALID, "missing_input",
                                "Enter the name, the ID number, and the case number "
                                "or the registered phone.")
        return self._lookup(LookupMethod.IDENTITY, subject, seat, caller_number,
                            lambda: self._source.verify_identity(
                                name, id_number, case_number=number, phone=phone))

    # --- the fixed order -------------------------------------------------------------

    def _lookup(self, method: LookupMethod, subject: str, seat: str, caller: str,
                verify: Callable) -> LookupResult:
        now = self._clock()
        history = self._audit.outcomes_since(method, subject, now - self._policy.lookback_s)
        until = locked_until(history, self._policy, now)
        if until is not None:
            what = "case query code" if method is LookupMethod.CODE else "case"
            return self._finish(
                method, subject, seat, caller, LookupOutcome.LOCKED, "locked",
                f"This {what} is locked after {self._policy.max_failures} failed attempts "
                f"until {_clock_text(until)}. Verify the caller another way, or ask them "
                f"to call again after that time.", locked_until=until, now=now)
        try:
            verification = verify()
        except CaseSourceError as exc:
            return self._finish(method, subject, seat, caller, LookupOutcome.SOURCE_ERROR,
                                f"source_{exc.code}", exc.message,
                                detail=f"{exc.code}: {exc.detail}"[:500], now=now)
        if verification.verdict is Verdict.VERIFIED and verification.cases:
            views = tuple(party_view(c) for c in verification.cases)
            return self._finish(method, subject, seat, caller, LookupOutcome.FOUND, "found",
                                "Verified.", views=views,
                                case_ids=tuple(c.case_id for c in verification.cases),
                                now=now)
        # Count this denial, then tell the seat how many tries remain.
        denied_at = now
        history = history + [(denied_at, LookupOutcome.DENIED)]
        until = locked_until(history, self._policy, denied_at)
        left = failures_left(history, self._policy, denied_at)
        if method is LookupMethod.CODE:
            text = "The query code and password do not match a case."
        else:
            text = "The identity details do not match a party of that case."
        if until is not None:
            text += (f" The {'code' if method is LookupMethod.CODE else 'case'} is now "
                     f"locked until {_clock_text(until)}.")
        else:
            text += f" {left} attempt(s) left before it is locked."
        return self._finish(method, subject, seat, caller, LookupOutcome.DENIED,
                            "locked_now" if until else "denied", text,
                            detail=verification.verdict.value, locked_until=until,
                            failures_left=left, now=now)

    def _finish(self, method: LookupMethod, subject: str, seat: str, caller: str,
                outcome: LookupOutcome, code: str, message: str, *,
                views: tuple[PartyView, ...] = (), case_ids: tuple[str, ...] = (),
                detail: str = "", locked_until: float | None = None,
                failures_left: int | None = None, now: float | None = None) -> LookupResult:
        entry = LookupAuditEntry(
            at=self._clock() if now is None else now, seat=seat,
            caller_number=normalize_phone(caller) or caller, method=method,
            subject=subject, outcome=outcome, case_ids=case_ids,
            source=getattr(self._source, "name", type(self._source).__name__),
            detail=detail)
        audit_id = self._audit.record(entry)
        return LookupResult(outcome=outcome, message=message, code=code, views=views,
                            locked_until=locked_until, failures_left=failures_left,
                            audit_id=audit_id)

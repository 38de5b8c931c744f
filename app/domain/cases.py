"""Cases, what a verified caller may hear about them, and how callers prove who they are.

Domain side of the boundary: plain dataclasses and functions, no Qt, no
database, no network. The storage package and the HTTP adapter turn their rows
and JSON into ``Case``; the lookup service (app.services.case_lookup) turns a
``Case`` into a ``PartyView`` and nothing else ever leaves it.

Two types on purpose:

- ``Case`` is the court's record: parties with ID numbers and phones, the
  password hash and the judges' internal notes. It stays inside the service.
- ``PartyView`` is what a seat may read out to a verified party (status,
  stage, next hearing, division and judge, recent steps). It has no field for
  notes, ID numbers, phones or credentials, so no code path can leak them
  through it.

Passwords (the query password a party received at filing) are kept as a slow,
salted scrypt hash in a self-describing string, so the cost can be raised later
without breaking old hashes (see ``hash_password``).
"""
from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from typing import Protocol, Sequence

# --- password hashing -----------------------------------------------------------

# scrypt N=2**14, r=8, p=1 needs 16 MiB and about 50 ms per hash on a seat's
# PC: slow enough that a stolen store cannot be brute-forced cheaply for
# 6-digit passwords at scale, fast enough for one verification per call.
SCRYPT_N = 2 ** 14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
_MAXMEM = 64 * 1024 * 1024


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R,
                  p: int = SCRYPT_P, salt: bytes | None = None) -> str:
    """Return ``scrypt$<n>$<r>$<p>$<salt b64>$<key b64>`` for ``password``.

    A fresh random salt per case unless one is given (tests only). Lower ``n``
    only for bulk demo data and tests; verification reads the parameters back
    from the string.
    """
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                         maxmem=_MAXMEM, dklen=KEY_BYTES)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded``; constant-time comparison."""
    try:
        scheme, n, r, p, salt_b64, key_b64 = encoded.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(key_b64)
        key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=int(n), r=int(r),
                             p=int(p), maxmem=_MAXMEM, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(key, expected)


# A hash of nothing in particular, verified against when a code is unknown so
# that "no such code" takes as long as "wrong password" (no timing oracle).
_DUMMY_HASH = hash_password("", salt=b"\0" * SALT_BYTES)


def burn_verification_time() -> None:
    """Spend one verification's worth of time (for unknown codes)."""
    verify_password("dummy", _DUMMY_HASH)


# --- the case record ------------------------------------------------------------

@dataclass(frozen=True)
class Party:
    """A party to a case. ``id_number`` and ``phone`` only ever serve to verify."""
    role: str                 # 原告, 被告, 申请执行人, 被执行人, 上诉人, 被上诉人 ...
    name: str
    id_number: str = field(default="", repr=False)
    phone: str = field(default="", repr=False)


@dataclass(frozen=True)
class CaseStep:
    at: float                 # epoch seconds
    text: str                 # e.g. "立案受理", "向被告送达起诉状副本"


@dataclass(frozen=True)
class Case:
    """The court's record of one case. Never shown to a caller as such."""
    case_id: str              # the source's stable id
    case_number: str          # （2026）京0105民初12345号
    court_code: str           # directory court code, e.g. "cyfy"
    court_name: str
    cause: str                # 案由, e.g. 民间借贷纠纷
    status: str               # 审理中, 已结案, 执行中 ...
    stage: str                # 已立案, 送达, 排期开庭, 待宣判 ...
    division: str = ""
    judge: str = ""
    filed_at: float = 0.0
    next_hearing_at: float | None = None
    hearing_room: str = ""
    parties: tuple[Party, ...] = ()
    steps: tuple[CaseStep, ...] = ()
    query_code: str = ""
    password_hash: str = field(default="", repr=False)
    internal_notes: str = field(default="", repr=False)


@dataclass(frozen=True)
class PartyView:
    """What a seat may tell a verified party. Add no confidential field here."""
    case_number: str
    court_name: str
    cause: str
    status: str
    stage: str
    division: str
    judge: str
    next_hearing_at: float | None
    hearing_room: str
    recent_steps: tuple[CaseStep, ...]
    filed_at: float


RECENT_STEPS = 5


def party_view(case: Case, steps: int = RECENT_STEPS) -> PartyView:
    """The caller-safe projection of ``case``: its newest ``steps`` steps."""
    recent = tuple(sorted(case.steps, key=lambda s: s.at, reverse=True)[:steps])
    return PartyView(case_number=case.case_number, court_name=case.court_name,
                     cause=case.cause, status=case.status, stage=case.stage,
                     division=case.division, judge=case.judge,
                     next_hearing_at=case.next_hearing_at, hearing_room=case.hearing_room,
                     recent_steps=recent, filed_at=case.filed_at)


def normalize_code(code: str) -> str:
    """Query codes are read out over the phone: ignore spaces, dashes and case."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def normalize_id_number(id_number: str) -> str:
    """Resident ID numbers: 18 characters, a trailing x means X."""
    return "".join(ch for ch in id_number.upper() if ch.isalnum())


def normalize_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    # +86 / 0086 prefixes from the SIP trunk or the caller's own reading.
    for prefix in ("0086", "86"):
        if len(digits) == len(prefix) + 11 and digits.startswith(prefix):
            return digits[len(prefix):]
    return digits


def normalize_case_number(number: str) -> str:
    """Callers and seats type ASCII or full-width brackets; store one form."""
    table = str.maketrans({"(": "（", ")": "）", " ": "", "\u3000": ""})
    return number.strip().translate(table)


# --- verification outcomes and the case source port -------------------------------

class Verdict(enum.Enum):
    """What a case source says about presented credentials."""
    VERIFIED = "verified"
    MISMATCH = "mismatch"     # the case exists, the credentials do not fit
    UNKNOWN = "unknown"       # no case with that code / identity


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    cases: tuple[Case, ...] = ()


class CaseSourceError(Exception):
    """The case source could not answer (down, timed out, bad reply).

    ``code`` is stable (``unreachable``, ``timeout``, ``bad_response``,
    ``http_error``, ``storage``); ``str(error)`` is a message a seat can act on.
    """

    def __init__(self, code: str, message: str, detail: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


class CaseSource(Protocol):
    """A port: where cases live. Adapters: the local store, a court's HTTP API.

    The source itself checks the credentials (a court's system never hands out
    its password hashes); lockout and audit belong to the lookup service.
    Both methods raise CaseSourceError when the source cannot answer.
    """

    name: str

    def verify_code(self, query_code: str, password: str) -> Verification: ...

    def verify_identity(self, name: str, id_number: str, *, case_number: str = "",
                        phone: str = "") -> Verification: ...


# --- lookup outcomes and the lockout policy --------------------------------------

class LookupMethod(enum.Enum):
    CODE = "code"
    IDENTITY = "identity"


class LookupOutcome(enum.Enum):
    FOUND = "found"
    DENIED = "denied"                # credentials wrong or no such case
    LOCKED = "locked"                # too many failures; not even checked
    INVALID = "invalid"              # a required field left empty
    SOURCE_ERROR = "source_error"    # the case source could not answer


@dataclass(frozen=True)
class LookupAuditEntry:
    """One row of the append-only lookup audit. Holds no password or ID number."""
    at: float
    seat: str
    caller_number: str
    method: LookupMethod
    subject: str              # the query code, or the case number / phone given
    outcome: LookupOutcome
    case_ids: tuple[str, ...] = ()
    source: str = ""
    detail: str = ""
    id: int | None = None


@dataclass(frozen=True)
class LockoutPolicy:
    """``max_failures`` denials within ``window_s`` lock a subject for ``lock_s``.

    Attempts made while locked are audited but neither checked nor counted, so
    the lock ends when it says it ends. A successful lookup clears the count.
    """
    max_failures: int = 5
    window_s: float = 15 * 60
    lock_s: float = 30 * 60

    @property
    def lookback_s(self) -> float:
        return self.window_s + self.lock_s


def locked_until(events: Sequence[tuple[float, LookupOutcome]], policy: LockoutPolicy,
                 now: float) -> float | None:
    """When the subject's lock ends, or None if it is not locked at ``now``.

    ``events`` are (time, outcome) of earlier attempts on one subject, at least
    those since ``now - policy.lookback_s``, in any order.
    """
    failures: list[float] = []
    until: float | None = None
    for at, outcome in sorted(events, key=lambda e: e[0]):
        if until is not None and at < until:
            continue
        if outcome is LookupOutcome.FOUND:
            failures.clear()
        elif outcome is LookupOutcome.DENIED:
            failures = [t for t in failures if t > at - policy.window_s] + [at]
            if len(failures) >= policy.max_failures:
                until = at + policy.lock_s
                failures = []
    return until if until is not None and until > now else None


def failures_left(events: Sequence[tuple[float, LookupOutcome]], policy: LockoutPolicy,
                  now: float) -> int:
    """How many more denials the subject may take before it locks."""
    recent = 0
    for at, outcome in sorted(events, key=lambda e: e[0]):
        if outcome is LookupOutcome.FOUND:
            recent = 0
        elif outcome is LookupOutcome.DENIED and at > now - policy.window_s:
            recent += 1
    return max(0, policy.max_failures - recent)

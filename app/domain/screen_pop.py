"""The screen pop: what the desk knows about a caller's number before answering.

Domain side (plain data). A number is matched to the parties of known cases
(the phone they registered with the court) and to earlier calls from it with
their wrap-up records. This is a hint for the seat, not a verification: case
progress is only told after the caller is verified (app/services/case_lookup.py),
so the pop carries the case number, court and the party's name and role, never
status, stage or steps.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaseMatch:
    case_number: str
    court_name: str
    party_name: str
    party_role: str


@dataclass(frozen=True)
class EarlierCall:
    at: float                    # epoch seconds the call started
    result: str                  # CallResult value, "" if unknown
    category: str = ""           # wrap-up category value, "" when none was saved
    notes: str = ""
    case_number: str = ""


@dataclass(frozen=True)
class ScreenPop:
    number: str
    cases: tuple[CaseMatch, ...] = ()
    earlier: tuple[EarlierCall, ...] = ()   # newest first
    earlier_total: int = 0                  # all earlier calls, beyond those listed
    error: str = ""                         # the store could not be read (code)

    @property
    def known(self) -> bool:
        return bool(self.cases or self.earlier_total)

    @property
    def party_names(self) -> tuple[str, ...]:
        seen: list[str] = []
        for c in self.cases:
            if c.party_name not in seen:
                seen.append(c.party_name)
        return tuple(seen)


def is_lookup_number(number: str) -> bool:
    """Numbers worth matching: digits only (an extension or a phone), not
    anonymous or empty. Short internal extensions are matched too: a court's
    own staff calling is worth recognising."""
    n = (number or "").strip().lstrip("+")
    return n.isdigit() and len(n) >= 3

"""The urgent escalation ladder: the case judge, the division office, the division chief.

Domain side of the boundary: plain dataclasses and pure functions, no Qt, no
database, no SIP. When a caller must reach a judge *now*, the seat phones down
the ladder one rung at a time through the softphone; each attempt is recorded
with its outcome (app.services.escalation, app.storage.workorder_repo).

Rungs come from the phone directory (``Directory.escalation_ladder``). The
outcome of a rung is read from the call's final snapshot:

- answered: the call was answered (whatever happened after);
- busy: the far end declined (486 Busy Here, 600 Busy Everywhere, 603 Decline);
- no_answer: it rang out (408, 480), or the seat gave up while it rang (487);
- failed: anything else (404 not found, 5xx, no response at all); the reason
  keeps the SIP status so IT can tell a wrong number from a server fault.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable, Sequence

from app.domain.directory import Directory, DirectoryEntry


class Rung(str, enum.Enum):
    JUDGE = "judge"
    DIVISION_OFFICE = "division_office"
    DIVISION_CHIEF = "division_chief"


class Outcome(str, enum.Enum):
    PENDING = ""              # dialled, not finished
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"


BUSY_CODES = frozenset({486, 600, 603})
NO_ANSWER_CODES = frozenset({408, 480, 487})


@dataclass(frozen=True)
class LadderStep:
    """One rung: who to phone and on which number."""
    rung: Rung
    name: str
    number: str
    court_code: str = ""
    division: str = ""


@dataclass(frozen=True)
class EscalationAttempt:
    """One dialled rung (mirrors ``escalation_attempt``)."""
    id: int
    at: float
    seat: str
    caller_number: str
    case_number: str
    rung: Rung
    name: str
    number: str
    outcome: Outcome = Outcome.PENDING
    reason: str = ""
    sip_call_id: str = ""
    ended_at: float | None = None
    work_order_id: int | None = None

    @property
    def finished(self) -> bool:
        return self.outcome is not Outcome.PENDING


def find_judge(directory: Directory, court_code: str, name: str,
               division: str = "") -> DirectoryEntry | None:
    """The directory entry of the judge ``name`` at ``court_code``.

    Names are not unique across a court; the case's division breaks the tie.
    Chiefs are judges too (a chief may hear the case himself).
    """
    name = (name or "").strip()
    if not name:
        return None
    hits = [e for e in directory.entries("judge") if e.court == court_code and e.name == name]
    if division:
        same = [e for e in hits if e.division == division]
        hits = same or hits
    return hits[0] if hits else None


def division_entries(directory: Directory, court_code: str,
                     division: str) -> tuple[DirectoryEntry | None, DirectoryEntry | None]:
    """(office, chief) of a division; either may be None."""
    office = chief = None
    for e in directory.entries():
        if e.court != court_code or e.division != division:
            continue
        if e.kind == "division" and office is None:
            office = e
        elif e.kind == "judge" and "庭长" in e.tags and chief is None:
            chief = e
    return office, chief


def ladder_steps(entries: Sequence[DirectoryEntry]) -> list[LadderStep]:
    """Rungs from ``Directory.escalation_ladder(judge)`` ([judge, office, chief])."""
    steps: list[LadderStep] = []
    for i, e in enumerate(entries):
        if i == 0:
            rung = Rung.JUDGE
        elif e.kind == "division":
            rung = Rung.DIVISION_OFFICE
        else:
            rung = Rung.DIVISION_CHIEF
        steps.append(LadderStep(rung, e.name, e.number, e.court, e.division))
    return steps


def ladder_for(directory: Directory, court_code: str, judge_name: str,
               division: str = "") -> list[LadderStep]:
    """The ladder for a case's judge; without a known judge, the division's
    office and chief (so a seat can still escalate); [] when neither is known."""
    judge = find_judge(directory, court_code, judge_name, division)
    if judge is not None:
        return ladder_steps(directory.escalation_ladder(judge.number))
    if not division:
        return []
    office, chief = division_entries(directory, court_code, division)
    steps = []
    if office is not None:
        steps.append(LadderStep(Rung.DIVISION_OFFICE, office.name, office.number,
                                office.court, office.division))
    if chief is not None:
        steps.append(LadderStep(Rung.DIVISION_CHIEF, chief.name, chief.number,
                                chief.court, chief.division))
    return steps


def outcome_of(answered: bool, status: int, reason: str = "") -> tuple[Outcome, str]:
    """(outcome, reason text) of a finished call; see the module docstring."""
    text = f"{status} {reason}".strip() if status else (reason or "no response")
    if answered:
        return Outcome.ANSWERED, ""
    if status in BUSY_CODES:
        return Outcome.BUSY, text
    if status in NO_ANSWER_CODES:
        return Outcome.NO_ANSWER, text
    return Outcome.FAILED, text


def next_step(steps: Sequence[LadderStep],
              attempts: Iterable[EscalationAttempt]) -> int | None:
    """Index of the rung to try next, given the attempts made so far (oldest
    first): the one after the last rung tried, None once someone answered or a
    call is still going. Starts at 0; after the last rung, None."""
    last_index: int | None = None
    for a in attempts:
        if a.outcome is Outcome.ANSWERED:
            return None
        if a.outcome is Outcome.PENDING:
            return None
        for i, s in enumerate(steps):
            if s.number == a.number:
                last_index = i
    if last_index is None:
        return 0 if steps else None
    nxt = last_index + 1
    return nxt if nxt < len(steps) else None

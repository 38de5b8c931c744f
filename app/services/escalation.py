"""The urgent escalation ladder for a seat: who to phone, and what each call gave.

Service layer, plain Python (no Qt, no SIP, no peewee). The seat phones the
rungs one at a time through the softphone (the desk page dials; this service
never touches the SIP engine). Each dialled rung is an ``EscalationAttempt``
in the store, written when the call is placed (outcome pending) and completed
from the call's snapshots (app.domain.calls.CallSnapshot):

- answered as soon as a snapshot carries ``answered_at``;
- otherwise, when the call ends, busy / no answer / failed from the final
  SIP status (app.domain.escalation.outcome_of), the status kept as reason.

A rung that could not even be dialled (no account, too many calls) is
recorded at once as ``failed`` with the softphone's reason.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Sequence

from app.domain.calls import CallDirection, CallPhase, CallSnapshot
from app.domain.escalation import (EscalationAttempt, LadderStep, Outcome, ladder_for,
                                   ladder_steps, outcome_of)
from app.domain.work_orders import CaseRef
from app.storage.workorder_repo import WorkOrderRepository


class EscalationService:
    def __init__(self, repo: WorkOrderRepository, directory: Any, *,
                 clock: Callable[[], float] = time.time):
        self.repo = repo
        self.directory = directory
        self.clock = clock

    # --- the ladder ------------------------------------------------------------------

    def ladder(self, ref: CaseRef | None) -> list[LadderStep]:
        """Judge, division office, division chief of a case (those the
        directory knows); [] without a case or a directory."""
        if ref is None or self.directory is None:
            return []
        return ladder_for(self.directory, ref.court_code, ref.judge, ref.division)

    def ladder_of_judge(self, number: str) -> list[LadderStep]:
        """The ladder starting at a directory judge's number."""
        if self.directory is None:
            return []
        return ladder_steps(self.directory.escalation_ladder(number))

    # --- attempts -------------------------------------------------------------------

    def start(self, step: LadderStep, *, seat: str, caller_number: str = "",
              case_number: str = "", work_order_id: int | None = None) -> EscalationAttempt:
        """Record a rung being dialled (outcome pending)."""
        return self.repo.add_attempt(EscalationAttempt(
            id=0, at=self.clock(), seat=seat, caller_number=caller_number,
            case_number=case_number, rung=step.rung, name=step.name, number=step.number,
            work_order_id=work_order_id))

    def not_dialled(self, step: LadderStep, reason: str, *, seat: str,
                    caller_number: str = "", case_number: str = "") -> EscalationAttempt:
        """Record a rung the softphone could not dial at all."""
        now = self.clock()
        return self.repo.add_attempt(EscalationAttempt(
            id=0, at=now, seat=seat, caller_number=caller_number, case_number=case_number,
            rung=step.rung, name=step.name, number=step.number, outcome=Outcome.FAILED,
            reason=reason or "not dialled", ended_at=now))

    def follow(self, attempt_id: int, snapshot: CallSnapshot,
               note: str = "") -> EscalationAttempt | None:
        """Update an attempt from a snapshot of its call; return it.

        ``note`` is prefixed to the reason of an unanswered end (e.g. "no
        answer within 30 s" when the desk gave up ringing).
        """
        current = self.repo.attempt(attempt_id)
        if current is None or snapshot.direction is not CallDirection.OUTGOING:
            return current
        sip_id = snapshot.sip_call_id if snapshot.sip_call_id != current.sip_call_id else None
        answered = snapshot.answered_at is not None
        if snapshot.phase is CallPhase.ENDED:
            ended = snapshot.ended_at if snapshot.ended_at is not None else self.clock()
            if current.outcome is Outcome.ANSWERED or answered:
                return self.repo.update_attempt(attempt_id, outcome=Outcome.ANSWERED,
                                                sip_call_id=sip_id, ended_at=ended)
            if current.finished:
                return self.repo.update_attempt(attempt_id, sip_call_id=sip_id,
                                                ended_at=current.ended_at or ended)
            outcome, reason = outcome_of(False, snapshot.last_status, snapshot.last_reason)
            if note:
                reason = f"{note} ({reason})" if reason else note
            return self.repo.update_attempt(attempt_id, outcome=outcome, reason=reason,
                                            sip_call_id=sip_id, ended_at=ended)
        if answered and current.outcome is not Outcome.ANSWERED:
            return self.repo.update_attempt(attempt_id, outcome=Outcome.ANSWERED,
                                            reason="", sip_call_id=sip_id)
        if sip_id:
            return self.repo.update_attempt(attempt_id, sip_call_id=sip_id)
        return current

    def link_to_order(self, attempt_ids: Sequence[int], order_id: int) -> int:
        """The seat sent a work order after the ladder: tie the attempts to it."""
        return self.repo.link_attempts(attempt_ids, order_id)

    def attempts(self, *, case_number: str | None = None, seat: str | None = None,
                 since: float | None = None) -> list[EscalationAttempt]:
        """Attempts, oldest first."""
        return self.repo.attempts(case_number=case_number, seat=seat, since=since)

"""The daily report for the consulting judge's 16:00 training hour: the figures.

Domain side: plain dataclasses and one pure function, ``build_report``, over
values the storage layer read for the day (call records, wrap-ups, escalation
attempts, questions to the consulting judge, work orders, queue counters).
No Qt, no database, no clock: the caller passes the day and ``generated_at``.
How every figure is computed is written down in docs/daily_report.md; the
rules, in short:

- A *call* is one SIP call seen by the desk: the call records of the day that
  share a direction and a SIP Call-ID are one call (a queued caller offered to
  a seat that did not answer, then to another that did, is one call, answered).
  Records without a Call-ID count one each.
- An incoming call's *outcome* is ``answered`` when any seat answered it, else
  the outcome of its latest record (``missed``: the caller gave up or the ring
  timed out; ``rejected``: the seat declined). Outgoing: ``answered``,
  ``failed`` or ``cancelled``.
- Its *category* is the one in the wrap-up of the seat that answered (found by
  Call-ID and seat, else by Call-ID alone); an answered incoming call without a
  wrap-up counts as *not recorded* (category ``None``).
- Its *court* is the wrap-up's court (the court the call concerned), else the
  court of the seat that answered (or last rang), else "" (unknown).
- *Abandoned* calls hung up while waiting in a queue, before any seat rang: they
  never reach a desk's call records, so they come from the queue server's
  cumulative counters (queue samples), summed like the wallboard does.
- A wrap-up with no call record that day (a desk that keeps no history) counts
  as an answered incoming call of its category, flagged ``from_wrap_up``.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Callable, Iterable

from app.domain.calls import CallDirection, CallResult, number_of
from app.domain.history import CallHistoryEntry
from app.domain.wrap_up import WrapUpCategory, WrapUpRecord

INCOMING_OUTCOMES = (CallResult.ANSWERED, CallResult.MISSED, CallResult.REJECTED)
OUTGOING_OUTCOMES = (CallResult.ANSWERED, CallResult.FAILED, CallResult.CANCELLED)
# Category columns in report order; None = answered but no wrap-up saved.
CATEGORY_ORDER: tuple[WrapUpCategory | None, ...] = (*WrapUpCategory, None)


def day_bounds(day: _dt.date) -> tuple[float, float]:
    """Epoch seconds of local midnight starting ``day`` and the next one."""
    start = _dt.datetime.combine(day, _dt.time.min).timestamp()
    end = _dt.datetime.combine(day + _dt.timedelta(days=1), _dt.time.min).timestamp()
    return start, end


# --- inputs read by the storage layer -------------------------------------------

@dataclass(frozen=True)
class QueueCounterSample:
    """A queue's cumulative counters for the day at time ``ts``."""
    queue: str
    court: str
    ts: float
    answered: int
    abandoned: int


@dataclass(frozen=True)
class EscalationLine:
    """One rung of the urgent escalation ladder dialled that day."""
    at: float
    seat: str
    caller_number: str
    case_number: str
    rung: str                 # judge / division_office / division_chief
    name: str
    number: str
    outcome: str              # answered / no_answer / busy / failed / ""
    reason: str = ""


@dataclass(frozen=True)
class QuestionLine:
    """A question put to the consulting judge that day, and the answer."""
    asked_at: float
    seat: str
    seat_name: str
    court: str
    case_number: str
    channel: str              # call / written
    question: str
    status: str               # open / answered
    answer: str = ""
    answered_by: str = ""
    answered_at: float | None = None


@dataclass(frozen=True)
class WorkOrderLine:
    """A work order created that day (for the escalations section)."""
    created_at: float
    case_number: str
    court: str
    recipient_name: str
    urgency: str              # normal / urgent
    status: str


# --- the report -----------------------------------------------------------------

@dataclass(frozen=True)
class ReportCall:
    """One call of the day as the report counts it."""
    key: str                  # SIP Call-ID, or "record:<id>" / "wrap-up:<id>"
    direction: CallDirection
    started_at: float
    peer_number: str
    outcome: CallResult
    court: str
    category: WrapUpCategory | None
    answered_by: str          # seat number, "" when nobody answered
    seats: tuple[str, ...]    # every seat it was offered to / dialled from
    reason: str = ""          # why it was not answered (SIP status), if known
    wrap_up_id: int | None = None
    from_wrap_up: bool = False

    @property
    def recorded(self) -> bool:
        return self.category is not None


@dataclass(frozen=True)
class CourtRow:
    court: str
    incoming: int = 0
    answered: int = 0
    missed: int = 0
    rejected: int = 0
    outgoing: int = 0
    categories: dict = field(default_factory=dict)   # WrapUpCategory|None -> int


@dataclass(frozen=True)
class QueueAbandoned:
    queue: str
    court: str
    answered: int
    abandoned: int


@dataclass(frozen=True)
class DailyReport:
    day: _dt.date
    start: float
    end: float
    generated_at: float
    calls: tuple[ReportCall, ...]
    incoming: int
    answered: int
    missed: int
    rejected: int
    outgoing: int
    outgoing_answered: int
    by_outcome: dict          # (CallDirection, CallResult) -> int
    by_category: dict         # WrapUpCategory|None -> int (answered incoming + recorded outgoing)
    by_court: tuple[CourtRow, ...]
    missed_calls: tuple[ReportCall, ...]    # incoming, answered by nobody, oldest first
    answered_elsewhere: int   # offers a seat let ring that another seat then answered
    abandoned: tuple[QueueAbandoned, ...]
    escalations: tuple[EscalationLine, ...]
    questions: tuple[QuestionLine, ...]
    work_orders: tuple[WorkOrderLine, ...]

    @property
    def abandoned_total(self) -> int:
        return sum(q.abandoned for q in self.abandoned)

    @property
    def not_recorded(self) -> int:
        return self.by_category.get(None, 0)

    def court_row(self, court: str) -> CourtRow | None:
        return next((r for r in self.by_court if r.court == court), None)


def counter_growth(samples: Iterable[QueueCounterSample]) -> list[QueueAbandoned]:
    """Per queue, the day's answered and abandoned from cumulative counters.

    Same rule as the wallboard's IntervalSeries: the first sample counts its
    whole value (the counters start at midnight), then the growth between
    samples; a counter that went down (the queue server restarted) counts its
    new value.
    """
    last: dict[str, tuple[int, int]] = {}
    totals: dict[str, list] = {}
    for s in sorted(samples, key=lambda x: (x.queue, x.ts)):
        prev = last.get(s.queue)
        row = totals.setdefault(s.queue, [s.court, 0, 0])
        row[0] = s.court or row[0]
        if prev is None:
            row[1] += s.answered
            row[2] += s.abandoned
        else:
            row[1] += s.answered - prev[0] if s.answered >= prev[0] else s.answered
            row[2] += s.abandoned - prev[1] if s.abandoned >= prev[1] else s.abandoned
        last[s.queue] = (s.answered, s.abandoned)
    return [QueueAbandoned(q, court, answered, abandoned)
            for q, (court, answered, abandoned) in sorted(totals.items())]


def _latest_wrap_ups(wrap_ups: Iterable[WrapUpRecord]) -> list[WrapUpRecord]:
    """One wrap-up per (call, seat): the last saved."""
    best: dict[tuple, WrapUpRecord] = {}
    for w in wrap_ups:
        key = (w.sip_call_id, w.seat) if w.sip_call_id else ("", w.id)
        old = best.get(key)
        if old is None or (w.saved_at, w.id or 0) >= (old.saved_at, old.id or 0):
            best[key] = w
    return list(best.values())


def build_report(day: _dt.date, *, records: Iterable[CallHistoryEntry],
                 wrap_ups: Iterable[WrapUpRecord] = (),
                 escalations: Iterable[EscalationLine] = (),
                 questions: Iterable[QuestionLine] = (),
                 work_orders: Iterable[WorkOrderLine] = (),
                 queue_samples: Iterable[QueueCounterSample] = (),
                 court_of_seat: Callable[[str], str] = lambda seat: "",
                 generated_at: float = 0.0) -> DailyReport:
    """The report of ``day`` from the day's rows (see the module docstring)."""
    start, end = day_bounds(day)
    wraps = _latest_wrap_ups(wrap_ups)
    wrap_by_call_seat = {(w.sip_call_id, w.seat): w for w in wraps if w.sip_call_id}
    wrap_by_call: dict[str, WrapUpRecord] = {}
    for w in sorted(wraps, key=lambda w: w.saved_at):
        if w.sip_call_id:
            wrap_by_call[w.sip_call_id] = w
    used_wraps: set[int] = set()

    groups: dict[tuple, list[CallHistoryEntry]] = {}
    for r in records:
        if r.result is None or not (start <= r.started_at < end):
            continue      # still ringing or talking, or another day
        key = (r.direction, r.sip_call_id) if r.sip_call_id else (r.direction, f"record:{r.id}")
        groups.setdefault(key, []).append(r)

    calls: list[ReportCall] = []
    answered_elsewhere = 0
    for (direction, key), rows in groups.items():
        rows.sort(key=lambda r: (r.started_at, r.id))
        seats = tuple(dict.fromkeys(number_of(r.account) for r in rows))
        answering = [r for r in rows if r.result is CallResult.ANSWERED]
        if answering:
            main = answering[0]
            outcome = CallResult.ANSWERED
            if direction is CallDirection.INCOMING:
                answered_elsewhere += sum(1 for r in rows if r.result is not CallResult.ANSWERED)
        else:
            main = rows[-1]
            outcome = main.result
        seat = number_of(main.account)
        wrap = None
        if main.sip_call_id:
            wrap = wrap_by_call_seat.get((main.sip_call_id, seat)) or wrap_by_call.get(main.sip_call_id)
        if wrap is not None and wrap.id is not None:
            used_wraps.add(wrap.id)
        court = (wrap.court_code if wrap and wrap.court_code else "") or court_of_seat(seat)
        calls.append(ReportCall(
            key=key, direction=direction, started_at=rows[0].started_at,
            peer_number=main.peer_number, outcome=outcome, court=court,
            category=wrap.category if wrap else None,
            answered_by=seat if outcome is CallResult.ANSWERED else "",
            seats=seats, reason=main.reason if outcome is not CallResult.ANSWERED else "",
            wrap_up_id=wrap.id if wrap else None))

    call_keys = {c.key for c in calls}
    for w in wraps:
        if w.id in used_wraps or (w.sip_call_id and w.sip_call_id in call_keys):
            continue      # counted with its call (a second seat's wrap-up too)
        when = w.call_started_at if w.call_started_at is not None else w.saved_at
        if not (start <= when < end):
            continue
        calls.append(ReportCall(
            key=f"wrap-up:{w.id}", direction=CallDirection.INCOMING, started_at=when,
            peer_number=w.caller_number, outcome=CallResult.ANSWERED,
            court=w.court_code or court_of_seat(w.seat), category=w.category,
            answered_by=w.seat, seats=(w.seat,), wrap_up_id=w.id, from_wrap_up=True))

    calls.sort(key=lambda c: (c.started_at, c.key))
    return _aggregate(day, start, end, generated_at, calls, answered_elsewhere,
                      counter_growth(queue_samples), escalations, questions, work_orders)


def _aggregate(day, start, end, generated_at, calls: list[ReportCall], answered_elsewhere: int,
               abandoned: list[QueueAbandoned], escalations, questions,
               work_orders) -> DailyReport:
    by_outcome: dict[tuple[CallDirection, CallResult], int] = {}
    by_category: dict[WrapUpCategory | None, int] = {c: 0 for c in CATEGORY_ORDER}
    courts: dict[str, dict] = {}
    for c in calls:
        by_outcome[(c.direction, c.outcome)] = by_outcome.get((c.direction, c.outcome), 0) + 1
        row = courts.setdefault(c.court, {"incoming": 0, "answered": 0, "missed": 0,
                                          "rejected": 0, "outgoing": 0,
                                          "categories": {k: 0 for k in CATEGORY_ORDER}})
        counts_in_category = False
        if c.direction is CallDirection.INCOMING:
            row["incoming"] += 1
            if c.outcome is CallResult.ANSWERED:
                row["answered"] += 1
                counts_in_category = True
            elif c.outcome is CallResult.REJECTED:
                row["rejected"] += 1
            else:
                row["missed"] += 1
        else:
            row["outgoing"] += 1
            counts_in_category = c.category is not None
        if counts_in_category:
            by_category[c.category] += 1
            row["categories"][c.category] += 1
    # Courts with most incoming calls first; unknown ("") last.
    by_court = tuple(CourtRow(court=k, **v) for k, v in sorted(
        courts.items(), key=lambda kv: (kv[0] == "", -kv[1]["incoming"], kv[0])))
    incoming = [c for c in calls if c.direction is CallDirection.INCOMING]
    outgoing = [c for c in calls if c.direction is CallDirection.OUTGOING]
    return DailyReport(
        day=day, start=start, end=end, generated_at=generated_at, calls=tuple(calls),
        incoming=len(incoming),
        answered=sum(1 for c in incoming if c.outcome is CallResult.ANSWERED),
        missed=sum(1 for c in incoming if c.outcome is CallResult.MISSED),
        rejected=sum(1 for c in incoming if c.outcome is CallResult.REJECTED),
        outgoing=len(outgoing),
        outgoing_answered=sum(1 for c in outgoing if c.outcome is CallResult.ANSWERED),
        by_outcome=by_outcome, by_category=by_category, by_court=by_court,
        missed_calls=tuple(c for c in incoming if c.outcome is not CallResult.ANSWERED),
        answered_elsewhere=answered_elsewhere,
        abandoned=tuple(abandoned),
        escalations=tuple(sorted(escalations, key=lambda e: e.at)),
        questions=tuple(sorted(questions, key=lambda q: q.asked_at)),
        work_orders=tuple(sorted(work_orders, key=lambda w: w.created_at)))

"""The wrap-up record: what the seat writes down about a call before the next one.

Domain side: plain dataclasses and checks, no Qt, no SIP stack, no database.
A ``WrapUpRecord`` is one call's record: its category (what the caller
wanted), the seat's notes, the case or work order it concerned, and copied
facts of the call (ids, caller, court, queue, times) so that the daily report
can be built from the store alone.

The category list is fixed by the issue (case enquiry, contact a judge, legal
question, complaint, other) and by a CHECK in migration 4; the Chinese labels
belong to the UI (tr()).

A record being typed is the same dataclass with ``category`` still ``None``
and no ``id``: the form never throws away what was typed, so a draft is a
value that may not be valid yet. ``validate()`` says what is missing with a
stable ``code`` (the UI maps it to its tr() text) and returns the record
normalized (whitespace trimmed).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from app.domain.calls import CallDirection, CallSnapshot

NOTES_MAX = 4000          # characters; a wrap-up is a short record, not a file
CASE_NUMBER_MAX = 64


class WrapUpCategory(str, enum.Enum):
    CASE_ENQUIRY = "case_enquiry"        # case progress enquiry (案件查询)
    CONTACT_JUDGE = "contact_judge"      # reach the judge (联系法官)
    LEGAL_QUESTION = "legal_question"    # legal or procedural question (法律咨询)
    COMPLAINT = "complaint"              # complaint (投诉)
    OTHER = "other"


# code -> English message; the UI shows its own tr() text for the code.
MESSAGES: dict[str, str] = {
    "no_category": "Choose what the call was about before saving.",
    "notes_too_long": f"The notes are longer than {NOTES_MAX} characters; shorten them.",
    "case_number_too_long": "The case number is too long; check it.",
    "bad_work_order": "The work order number must be a whole number.",
    "unknown_work_order": "There is no work order with that number; check it or leave it empty.",
}


class WrapUpError(ValueError):
    """A record that cannot be saved yet; ``code`` is one of ``MESSAGES``."""

    def __init__(self, code: str, detail: str = ""):
        self.code = code
        self.detail = detail
        super().__init__(MESSAGES.get(code, code))


@dataclass(frozen=True)
class WrapUpRecord:
    category: WrapUpCategory | None
    notes: str = ""
    case_number: str = ""
    work_order_id: int | None = None
    sip_call_id: str = ""
    seat: str = ""
    caller_number: str = ""
    court_code: str = ""          # the court the call concerned
    queue: str = ""               # the hotline queue it came in on ("" = direct)
    direction: CallDirection = CallDirection.INCOMING   # not stored; for the form
    call_started_at: float | None = None
    call_answered_at: float | None = None
    call_ended_at: float | None = None
    saved_at: float = 0.0
    id: int | None = None         # set once stored

    @property
    def saved(self) -> bool:
        return self.id is not None


def draft_for_call(snapshot: CallSnapshot, *, seat: str, court: str = "",
                   case_number: str = "", notes: str = "") -> WrapUpRecord:
    """An empty record for ``snapshot``'s call, with what is already known.

    The court defaults to the queue the call came in on (queue ids are court
    codes, see app.domain.routing), else the seat's own ``court``.
    """
    return WrapUpRecord(
        category=None, notes=notes, case_number=case_number,
        sip_call_id=snapshot.sip_call_id, seat=seat,
        caller_number=snapshot.peer_number, court_code=snapshot.queue or court,
        queue=snapshot.queue, direction=snapshot.direction,
        call_started_at=snapshot.started_at or None,
        call_answered_at=snapshot.answered_at, call_ended_at=snapshot.ended_at)


def parse_work_order_id(text: str) -> int | None:
    """'' -> None; '42' -> 42; anything else -> WrapUpError('bad_work_order')."""
    text = (text or "").strip().lstrip("#")
    if not text:
        return None
    if not text.isdigit() or int(text) <= 0:
        raise WrapUpError("bad_work_order", text)
    return int(text)


def validate(record: WrapUpRecord) -> WrapUpRecord:
    """The record normalized for saving, or WrapUpError saying what is missing."""
    if record.category is None:
        raise WrapUpError("no_category")
    category = WrapUpCategory(record.category)
    notes = (record.notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise WrapUpError("notes_too_long", str(len(notes)))
    case_number = (record.case_number or "").strip()
    if len(case_number) > CASE_NUMBER_MAX:
        raise WrapUpError("case_number_too_long", case_number[:80])
    work_order = record.work_order_id
    if work_order is not None and (not isinstance(work_order, int) or work_order <= 0):
        raise WrapUpError("bad_work_order", repr(work_order))
    return replace(record, category=category, notes=notes, case_number=case_number,
                   court_code=(record.court_code or "").strip())

"""Complaints about a court: the record, its life cycle and who may see it.

Domain side: plain dataclasses and pure functions, no Qt, no database.

A complaint (投诉) is filed by the seat that took the call, is treated with
priority (``high`` or ``urgent``), is dispatched at once to the sub-platform
of the court concerned (the main platform when the complaint is about the
High Court itself), and is followed to closure with a call back to the
caller.

Life cycle (``check_transition``)::

    open -> dispatched -> in_progress -> resolved -> closed
                 \\____________________/      ^  |
                   (resolved straight away)  |  v (reopened: in_progress)

``close`` is allowed from any state but ``closed`` and needs either a call
back that reached the caller, or an explicit reason (caller withdrew,
duplicate, unreachable after several tries...): a complaint is never closed
silently. A call back may be recorded while dispatched, in progress or
resolved.

Who may see a complaint (``can_see``), a decision documented in
docs/complaints_wrap_up.md:

- the consulting judge sees every complaint (supervision of all courts);
- a seat sees the complaints about its own court (its sub-platform handles
  them);
- the seat that filed a complaint keeps seeing it (it may be asked by the
  same caller how it is going), but no one else's complaints about other
  courts.

Who may act on it (``can_act``: start, resolve, call back, close): the
consulting judge and the seats of the court concerned; the filer only reads.

The storage layer applies the same rule inside its SQL (``complaint_repo``),
so a seat's query never even fetches a complaint it may not see; a test
checks the query and ``can_see`` agree for every viewer.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class ComplaintStatus(str, enum.Enum):
    OPEN = "open"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class ComplaintPriority(str, enum.Enum):
    HIGH = "high"
    URGENT = "urgent"


class CallbackOutcome(str, enum.Enum):
    REACHED = "reached"          # the caller answered and was told the outcome
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"            # the call could not be placed / wrong number


class EventKind(str, enum.Enum):
    CREATED = "created"
    DISPATCHED = "dispatched"
    NOTIFY_FAILED = "notify_failed"
    STARTED = "started"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CALLBACK = "callback"
    CLOSED = "closed"
    NOTE = "note"


CONTENT_MAX = 4000

# Moves other than ``close`` (see ``check_close``).
_TRANSITIONS: dict[ComplaintStatus, frozenset[ComplaintStatus]] = {
    ComplaintStatus.OPEN: frozenset({ComplaintStatus.DISPATCHED}),
    ComplaintStatus.DISPATCHED: frozenset({ComplaintStatus.IN_PROGRESS,
                                           ComplaintStatus.RESOLVED}),
    ComplaintStatus.IN_PROGRESS: frozenset({ComplaintStatus.RESOLVED}),
    ComplaintStatus.RESOLVED: frozenset({ComplaintStatus.IN_PROGRESS}),
    ComplaintStatus.CLOSED: frozenset(),
}
CALLBACK_STATUSES = frozenset({ComplaintStatus.DISPATCHED, ComplaintStatus.IN_PROGRESS,
                               ComplaintStatus.RESOLVED})

# code -> English message; the UI shows its own tr() text for the code.
MESSAGES: dict[str, str] = {
    "no_content": "Write down what the caller complains about.",
    "content_too_long": f"The complaint is longer than {CONTENT_MAX} characters; shorten it.",
    "no_court": "Choose the court the complaint is about.",
    "unknown_court": "That court is not in the directory; choose one from the list.",
    "not_found": "This complaint does not exist or is not visible to this seat.",
    "not_allowed": "Only the court concerned or the consulting judge can do this.",
    "bad_transition": "The complaint is not in a state where this can be done; refresh the list.",
    "needs_callback": "Call the caller back first (and reach them), "
                      "or give the reason for closing without a call back.",
    "no_resolution": "Write down how the complaint was resolved.",
    "changed_elsewhere": "Someone else changed this complaint just now; "
                         "the list has been refreshed, check it and try again.",
    "no_callback_number": "The caller left no number to call back.",
}


class ComplaintError(Exception):
    """A refused action; ``code`` is one of ``MESSAGES``."""

    def __init__(self, code: str, detail: str = ""):
        self.code = code
        self.detail = detail
        super().__init__(MESSAGES.get(code, code))


@dataclass(frozen=True)
class Complaint:
    court_code: str               # the court complained about
    content: str
    priority: ComplaintPriority = ComplaintPriority.HIGH
    status: ComplaintStatus = ComplaintStatus.OPEN
    created_at: float = 0.0
    created_by: str = ""          # the filing seat's number
    caller_number: str = ""
    caller_name: str = ""
    case_number: str = ""
    dispatched_to: str = ""       # the court code whose sub-platform has it
    dispatched_at: float | None = None
    resolution: str = ""
    callback_at: float | None = None
    callback_outcome: CallbackOutcome | None = None
    closed_at: float | None = None
    updated_at: float = 0.0
    id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status is not ComplaintStatus.CLOSED

    @property
    def caller_reached(self) -> bool:
        return self.callback_outcome is CallbackOutcome.REACHED


@dataclass(frozen=True)
class ComplaintEvent:
    complaint_id: int
    at: float
    kind: EventKind
    actor: str = ""
    detail: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a seat (number, court code) or the consulting judge."""
    seat: str
    court: str = ""
    consulting_judge: bool = False


def can_see(viewer: Viewer, complaint: Complaint) -> bool:
    """The visibility rule (see the module docstring)."""
    if viewer.consulting_judge:
        return True
    if viewer.court and viewer.court == complaint.court_code:
        return True
    return bool(viewer.seat) and viewer.seat == complaint.created_by


def can_act(viewer: Viewer, complaint: Complaint) -> bool:
    """Start, resolve, call back and close: the court concerned or the judge."""
    return viewer.consulting_judge or (bool(viewer.court) and viewer.court == complaint.court_code)


def check_transition(current: ComplaintStatus, target: ComplaintStatus) -> None:
    if target not in _TRANSITIONS[current]:
        raise ComplaintError("bad_transition", f"{current.value} -> {target.value}")


def check_close(complaint: Complaint, reason: str) -> None:
    """Closing needs a call back that reached the caller, or a reason."""
    if complaint.status is ComplaintStatus.CLOSED:
        raise ComplaintError("bad_transition", "already closed")
    if not complaint.caller_reached and not (reason or "").strip():
        raise ComplaintError("needs_callback")


def check_callback(complaint: Complaint) -> None:
    if complaint.status not in CALLBACK_STATUSES:
        raise ComplaintError("bad_transition", f"call back while {complaint.status.value}")


def validate_new(complaint: Complaint, known_courts: set[str] | None = None) -> Complaint:
    """Check a complaint about to be filed; returns it with text trimmed."""
    court = (complaint.court_code or "").strip()
    if not court:
        raise ComplaintError("no_court")
    if known_courts is not None and court not in known_courts:
        raise ComplaintError("unknown_court", court)
    content = (complaint.content or "").strip()
    if not content:
        raise ComplaintError("no_content")
    if len(content) > CONTENT_MAX:
        raise ComplaintError("content_too_long", str(len(content)))
    return Complaint(
        court_code=court, content=content, priority=ComplaintPriority(complaint.priority),
        caller_number=(complaint.caller_number or "").strip(),
        caller_name=(complaint.caller_name or "").strip(),
        case_number=(complaint.case_number or "").strip(),
        created_by=complaint.created_by)


def callback_outcome_of(answered: bool, status_code: int) -> CallbackOutcome:
    """The outcome of a call-back call from how the call ended."""
    if answered:
        return CallbackOutcome.REACHED
    if status_code in (486, 600):
        return CallbackOutcome.BUSY
    if status_code in (408, 480, 487, 603) or status_code == 0:
        return CallbackOutcome.NO_ANSWER
    return CallbackOutcome.FAILED

"""Complaints: filed from a call, dispatched to the court concerned, followed
to closure with a call back.

Service layer: plain Python over the complaint repository (a port,
``ComplaintStore``) and a ``DispatchNotifier`` port that tells the court's
sub-platform. One service per desk, made for its ``Viewer`` (the seat and its
court, or the consulting judge): every read and change goes through the
repository with that viewer, so the visibility rule is applied in SQL and the
service cannot leak what the seat may not see.

Flow:
1. ``file()`` checks the complaint, stores it (``open``) and dispatches it at
   once to the court concerned (``dispatched``, ``dispatched_to`` = the court
   code): priority means nobody has to remember to send it on.
2. Dispatching notifies that court's sub-platform through the notifier. The
   store itself is the channel that cannot be lost (its seats see the complaint
   in their list, and the desk page polls ``new_for_my_court()``); the
   notifier is the fast path (a pop-up, an SMS). A failing notifier is recorded
   as a ``notify_failed`` event and never undoes the dispatch.
3. The court's seats (or the consulting judge) ``start()`` handling,
   ``resolve()`` with what was done, ``record_callback()`` with the outcome of
   calling the caller back, and ``close()``: closing needs a call back that
   reached the caller, or an explicit reason.
Every step is an event in ``complaint_event`` (who, when, what).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from typing import Callable, Iterable, Protocol

from app.domain.complaints import (CallbackOutcome, Complaint, ComplaintError, ComplaintEvent,
                                   ComplaintPriority, ComplaintStatus, EventKind, Viewer,
                                   can_act, check_callback, check_close, check_transition,
                                   validate_new)

log = logging.getLogger(__name__)


class ComplaintStore(Protocol):
    def create(self, complaint: Complaint, actor: str, detail: str = "") -> Complaint: ...

    def get(self, complaint_id: int, viewer: Viewer) -> Complaint | None: ...

    def visible(self, viewer: Viewer, *, statuses: Iterable[ComplaintStatus] | None = None,
                court: str | None = None, since: float | None = None,
                after_id: int | None = None, limit: int = 500) -> list[Complaint]: ...

    def events(self, complaint_id: int, viewer: Viewer) -> list[ComplaintEvent]: ...

    def change(self, complaint_id: int, viewer: Viewer, *, expected: ComplaintStatus,
               changes: dict, event: ComplaintEvent) -> Complaint: ...

    def mark_dispatched(self, complaint_id: int, viewer: Viewer, *, to: str, at: float,
                        event: ComplaintEvent) -> Complaint: ...

    def add_event(self, complaint_id: int, viewer: Viewer, event: ComplaintEvent) -> bool: ...


class DispatchNotifier(Protocol):
    def complaint_dispatched(self, complaint: Complaint) -> None:
        """Tell the court's sub-platform; raise to report a failure."""


class LogNotifier:
    """The default notifier: writes a log line (the store is the channel)."""

    def complaint_dispatched(self, complaint: Complaint) -> None:
        log.info("complaint %s (%s) dispatched to %s", complaint.id,
                 complaint.priority.value, complaint.dispatched_to)


# A dispatch notice travels as an out-of-dialog SIP MESSAGE to the court's
# seats. It carries the id, court and priority only, never the content: the
# receiving desk reads the complaint from the store with its own viewer.
NOTICE_CONTENT_TYPE = "application/vnd.hotline.complaint+json"


def encode_notice(complaint: Complaint) -> str:
    return json.dumps({"kind": "complaint_dispatched", "id": complaint.id,
                       "court": complaint.dispatched_to or complaint.court_code,
                       "priority": complaint.priority.value}, sort_keys=True)


def decode_notice(content_type: str, body: str) -> dict | None:
    """The notice in a MESSAGE, or None when it is something else."""
    if (content_type or "").split(";")[0].strip().lower() != NOTICE_CONTENT_TYPE:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("kind") != "complaint_dispatched" \
            or not isinstance(data.get("id"), int):
        return None
    return data


class MessageNotifier:
    """Sends the dispatch notice to every seat of the court concerned.

    ``send(number, body, content_type)`` is the softphone's MESSAGE verb (the
    SIP engine's ``send_message``); ``recipients(court_code)`` lists the seat
    numbers (``seats_of_court`` over the directory). Seats that are signed out
    simply miss the notice; the complaint waits in their list. Raises after
    trying everyone when some sends could not even start.
    """

    def __init__(self, send: Callable[[str, str, str], object],
                 recipients: Callable[[str], Iterable[str]], *, exclude: Iterable[str] = ()):
        self.send = send
        self.recipients = recipients
        self.exclude = set(exclude)
        self.sent_to: list[str] = []

    def complaint_dispatched(self, complaint: Complaint) -> None:
        body = encode_notice(complaint)
        failed = []
        for number in self.recipients(complaint.dispatched_to or complaint.court_code):
            if number in self.exclude:
                continue
            try:
                self.send(number, body, NOTICE_CONTENT_TYPE)
                self.sent_to.append(number)
            except Exception as exc:
                failed.append(f"{number}: {exc}")
        if failed:
            raise RuntimeError("notice not sent to " + "; ".join(failed))


def seats_of_court(directory) -> Callable[[str], list[str]]:
    """recipients() over a Directory: the seat numbers of a court."""
    def recipients(court_code: str) -> list[str]:
        return [e.number for e in directory.seats_of(court_code)]
    return recipients


class ComplaintService:
    def __init__(self, repo: ComplaintStore, viewer: Viewer, *,
                 notifier: DispatchNotifier | None = None,
                 known_courts: Iterable[str] | None = None,
                 main_court: str = "",
                 clock: Callable[[], float] = time.time):
        self.repo = repo
        self.viewer = viewer
        self.notifier = notifier or LogNotifier()
        self.known_courts = set(known_courts) if known_courts is not None else None
        # Where a complaint about the main platform's own court goes (itself).
        self.main_court = main_court
        self.clock = clock

    # --- reading ---------------------------------------------------------------

    def visible(self, *, include_closed: bool = True, limit: int = 500) -> list[Complaint]:
        statuses = None if include_closed else [s for s in ComplaintStatus
                                                if s is not ComplaintStatus.CLOSED]
        return self.repo.visible(self.viewer, statuses=statuses, limit=limit)

    def get(self, complaint_id: int) -> Complaint:
        found = self.repo.get(complaint_id, self.viewer)
        if found is None:
            raise ComplaintError("not_found", str(complaint_id))
        return found

    def events(self, complaint_id: int) -> list[ComplaintEvent]:
        return self.repo.events(complaint_id, self.viewer)

    def can_act(self, complaint: Complaint) -> bool:
        return can_act(self.viewer, complaint)

    def new_for_my_court(self, after_id: int = 0) -> list[Complaint]:
        """Complaints dispatched to this seat's court with id > ``after_id``,
        still waiting for someone to start (the desk's notification poll)."""
        if not self.viewer.court:
            return []
        return self.repo.visible(self.viewer, statuses=[ComplaintStatus.DISPATCHED],
                                 court=self.viewer.court, after_id=after_id)

    # --- filing and dispatch -------------------------------------------------------

    def file(self, *, court_code: str, content: str, caller_number: str = "",
             caller_name: str = "", case_number: str = "",
             priority: ComplaintPriority = ComplaintPriority.HIGH,
             sip_call_id: str = "") -> Complaint:
        """Store a new complaint and dispatch it to the court concerned."""
        draft = validate_new(Complaint(
            court_code=court_code, content=content, priority=ComplaintPriority(priority),
            caller_number=caller_number, caller_name=caller_name, case_number=case_number,
            created_by=self.viewer.seat), self.known_courts)
        now = self.clock()
        created = self.repo.create(
            replace(draft, created_at=now, updated_at=now, status=ComplaintStatus.OPEN),
            actor=self.viewer.seat,
            detail=f"call {sip_call_id}" if sip_call_id else "")
        return self._dispatch(created)

    def dispatch(self, complaint_id: int) -> Complaint:
        """Dispatch an ``open`` complaint (if filing stopped before it did)."""
        return self._dispatch(self.get(complaint_id))

    def _dispatch(self, complaint: Complaint) -> Complaint:
        check_transition(complaint.status, ComplaintStatus.DISPATCHED)
        now = self.clock()
        target = complaint.court_code or self.main_court
        dispatched = self.repo.mark_dispatched(
            complaint.id, self.viewer, to=target, at=now,
            event=ComplaintEvent(complaint.id, now, EventKind.DISPATCHED,
                                 self.viewer.seat, target))
        try:
            self.notifier.complaint_dispatched(dispatched)
        except Exception as exc:   # the dispatch stands; the court sees it in its list
            log.warning("complaint %s: notifying %s failed: %s", complaint.id, target, exc)
            self.repo.add_event(complaint.id, self.viewer, ComplaintEvent(
                complaint.id, self.clock(), EventKind.NOTIFY_FAILED, self.viewer.seat,
                str(exc)[:500]))
        return dispatched

    # --- handling by the court --------------------------------------------------------

    def _acting(self, complaint_id: int) -> Complaint:
        complaint = self.get(complaint_id)
        if not can_act(self.viewer, complaint):
            raise ComplaintError("not_allowed", str(complaint_id))
        return complaint

    def _move(self, complaint: Complaint, target: ComplaintStatus, kind: EventKind,
              detail: str = "", **changes) -> Complaint:
        now = self.clock()
        return self.repo.change(
            complaint.id, self.viewer, expected=complaint.status,
            changes={"status": target, "updated_at": now, **changes},
            event=ComplaintEvent(complaint.id, now, kind, self.viewer.seat, detail))

    def start(self, complaint_id: int) -> Complaint:
        """The court took it up (dispatched -> in progress; or reopen a resolved one)."""
        complaint = self._acting(complaint_id)
        check_transition(complaint.status, ComplaintStatus.IN_PROGRESS)
        kind = EventKind.REOPENED if complaint.status is ComplaintStatus.RESOLVED \
            else EventKind.STARTED
        return self._move(complaint, ComplaintStatus.IN_PROGRESS, kind)

    def resolve(self, complaint_id: int, resolution: str) -> Complaint:
        resolution = (resolution or "").strip()
        if not resolution:
            raise ComplaintError("no_resolution")
        complaint = self._acting(complaint_id)
        check_transition(complaint.status, ComplaintStatus.RESOLVED)
        return self._move(complaint, ComplaintStatus.RESOLVED, EventKind.RESOLVED,
                          resolution[:500], resolution=resolution)

    def record_callback(self, complaint_id: int, outcome: CallbackOutcome,
                        detail: str = "") -> Complaint:
        """The outcome of calling the caller back (several tries are kept as events)."""
        complaint = self._acting(complaint_id)
        check_callback(complaint)
        outcome = CallbackOutcome(outcome)
        now = self.clock()
        text = outcome.value + (f": {detail}" if detail else "")   # "<outcome>[: detail]"
        return self.repo.change(
            complaint.id, self.viewer, expected=complaint.status,
            changes={"callback_at": now, "callback_outcome": outcome, "updated_at": now},
            event=ComplaintEvent(complaint.id, now, EventKind.CALLBACK, self.viewer.seat, text))

    def close(self, complaint_id: int, reason: str = "") -> Complaint:
        """Close; needs a call back that reached the caller, or a reason."""
        complaint = self._acting(complaint_id)
        check_close(complaint, reason)
        now = self.clock()
        detail = (reason or "").strip()      # empty: closed after reaching the caller
        return self._move(complaint, ComplaintStatus.CLOSED, EventKind.CLOSED, detail[:500],
                          closed_at=now)

    def add_note(self, complaint_id: int, text: str) -> bool:
        """A note anyone who can see the complaint may add."""
        text = (text or "").strip()
        if not text:
            return False
        self.get(complaint_id)
        return self.repo.add_event(complaint_id, self.viewer, ComplaintEvent(
            complaint_id, self.clock(), EventKind.NOTE, self.viewer.seat, text[:2000]))

"""Wrap-up: the record of each call, tied to the seat's wrap-up state.

Service layer: plain Python between the desk's wrap-up page and the
``wrap_up`` table (a port: ``WrapUpStore``, which WrapUpRepository provides),
and the seat's ``SeatStateMachine`` (app.domain.seat_state).

How it fits the seat state (the machine owns the timer; this service never
starts one):

- When an answered call ends, the machine enters WRAP_UP for ``wrap_up_s``
  seconds by itself. ``on_call()`` (fed with every call snapshot) notes which
  call that wrap-up belongs to.
- ``save()`` stores the record; when the record is that call's, it ends the
  wrap-up early (``machine.end_wrap_up()``), so the seat is READY (or its
  chosen not-ready state) at once.
- When the wrap-up time runs out first, the machine goes back to ready by
  itself and the seat takes calls again; the record is not lost: the page keeps
  what was typed and ``save()`` still works later. It then ends nothing, so a
  later save never cuts short the wrap-up of a newer call.
- ``extend()`` asks the machine for more time (the "more time" button).

Errors: ``WrapUpError`` (a record not ready to save, with a code) and
``StorageError`` (the store failed); in both cases nothing was written and the
caller keeps the record.
"""
from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Callable, Protocol

from app.domain.calls import CallPhase, CallSnapshot
from app.domain.seat_state import SeatState, SeatStateMachine
from app.domain.wrap_up import WrapUpError, WrapUpRecord, draft_for_call, validate
from app.storage.db import StorageError

log = logging.getLogger(__name__)


class WrapUpStore(Protocol):
    def save(self, record: WrapUpRecord) -> WrapUpRecord: ...

    def for_call(self, sip_call_id: str, seat: str) -> WrapUpRecord | None: ...

    def work_order_exists(self, order_id: int) -> bool: ...

    def recent(self, seat: str | None = None, limit: int = 50) -> list[WrapUpRecord]: ...


class WrapUpService:
    def __init__(self, repo: WrapUpStore, *, seat: str, court: str = "",
                 machine: SeatStateMachine | None = None,
                 clock: Callable[[], float] = time.time):
        self.repo = repo
        self.seat = seat
        self.court = court
        self.machine = machine
        self.clock = clock
        # SIP Call-ID of the answered call whose end started the machine's
        # current (or last) wrap-up.
        self._wrapping: str | None = None

    # --- the seat's calls -----------------------------------------------------

    def on_call(self, snapshot: CallSnapshot) -> None:
        """Feed every call snapshot (the page connects DeskContext.callChanged)."""
        if snapshot.phase is CallPhase.ENDED and snapshot.answered_at is not None:
            self._wrapping = snapshot.sip_call_id

    @property
    def wrapping_call(self) -> str | None:
        return self._wrapping

    def needs_wrap_up(self, snapshot: CallSnapshot) -> bool:
        """A call ends in a wrap-up record when it was answered."""
        return snapshot.phase is CallPhase.ENDED and snapshot.answered_at is not None

    def draft_for(self, snapshot: CallSnapshot, *, case_number: str = "",
                  notes: str = "") -> WrapUpRecord:
        """The record to show for a call: the saved one if any, else a draft."""
        draft = draft_for_call(snapshot, seat=self.seat, court=self.court,
                               case_number=case_number, notes=notes)
        try:
            saved = self.repo.for_call(snapshot.sip_call_id, self.seat) \
                if snapshot.sip_call_id else None
        except StorageError as exc:    # the form opens anyway; saving will say why
            log.warning("wrap-up of %s not read: %s", snapshot.sip_call_id, exc)
            saved = None
        if saved is not None:
            return replace(saved, direction=snapshot.direction)
        return draft

    # --- saving ---------------------------------------------------------------

    def save(self, record: WrapUpRecord) -> WrapUpRecord:
        """Validate and store ``record``; end the wrap-up if it is its call's.

        Raises WrapUpError or StorageError; nothing is written then.
        """
        record = validate(record)
        if record.work_order_id is not None and not self.repo.work_order_exists(record.work_order_id):
            raise WrapUpError("unknown_work_order", str(record.work_order_id))
        saved = self.repo.save(replace(record, seat=record.seat or self.seat,
                                       saved_at=self.clock()))
        if self.machine is not None and self._wrapping is not None \
                and saved.sip_call_id == self._wrapping:
            self.machine.end_wrap_up()
            self._wrapping = None
        return saved

    # --- the wrap-up timer (owned by the machine) -------------------------------

    @property
    def in_wrap_up(self) -> bool:
        return self.machine is not None and self.machine.status.state is SeatState.WRAP_UP

    def wrap_up_left(self) -> float | None:
        """Seconds of wrap-up left, or None when the seat is not in wrap-up."""
        if not self.in_wrap_up:
            return None
        until = self.machine.status.wrap_up_until
        return None if until is None else max(0.0, until - self.clock())

    def extend(self, seconds: float | None = None) -> bool:
        """More wrap-up time; False when the seat is not in wrap-up."""
        return self.machine is not None and self.machine.extend_wrap_up(seconds)

    def recent(self, limit: int = 20) -> list[WrapUpRecord]:
        return self.repo.recent(self.seat, limit)

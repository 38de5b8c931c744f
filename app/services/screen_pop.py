"""Builds the screen pop for an incoming call (app/domain/screen_pop.py).

Service layer: one port, ``CallerLookup`` (app/storage/caller_repo.py). Runs on
the GUI thread when a call is offered, so it is two indexed queries; a store
failure gives an empty pop with the error code rather than delaying the ring.
"""
from __future__ import annotations

import logging
import time
from typing import Callable, Protocol

from app.domain.screen_pop import CaseMatch, EarlierCall, ScreenPop, is_lookup_number

log = logging.getLogger(__name__)


class CallerLookup(Protocol):
    def case_matches(self, number: str, limit: int = 10) -> list[CaseMatch]: ...

    def earlier_calls(self, number: str, *, before: float, limit: int = 5
                      ) -> tuple[list[EarlierCall], int]: ...


class ScreenPopService:
    def __init__(self, lookup: CallerLookup, clock: Callable[[], float] = time.time):
        self._lookup = lookup
        self._clock = clock

    def pop(self, number: str, *, call_started_at: float | None = None) -> ScreenPop:
        if not is_lookup_number(number):
            return ScreenPop(number=number)
        before = call_started_at if call_started_at else self._clock()
        try:
            cases = tuple(self._lookup.case_matches(number))
            earlier, total = self._lookup.earlier_calls(number, before=before - 0.001)
        except Exception as e:  # StorageError and anything else: never block the ring
            log.warning("screen pop for %s failed: %r", number, e)
            return ScreenPop(number=number, error=getattr(e, "code", "error"))
        return ScreenPop(number=number, cases=cases, earlier=tuple(earlier), earlier_total=total)

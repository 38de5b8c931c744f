"""A seat's agent state: what the seat chose, and what its calls make it.

Domain side: no Qt, no pjsua2, no peewee. The softphone feeds call events in,
the seat's buttons call the verbs, and every change comes out as a frozen
``SeatStatus`` to the listeners (the SIP engine publishes it as presence, see
``app.domain.presence_doc``). The clock is injected so tests can drive the
wrap-up timer; nothing here starts a thread or a timer: the owner calls
``tick()`` (say once a second) to let a wrap-up expire.

The seat's *choice* (signed out, ready, or not ready with a reason) is kept
apart from its *calls*; the shown state is derived from both:

1. signed out -> SIGNED_OUT, whatever the calls (an offer may still ring on
   the softphone, but the seat does not count as busy or available);
2. any call active -> TALKING (a consult keeps the seat TALKING while the
   caller is held and the judge is on the line);
3. else any call offered -> OFFERED;
4. else calls remain and all are held -> HELD;
5. else a wrap-up is running -> WRAP_UP;
6. else the choice: READY, or NOT_READY with its reason.

Transitions (any state not listed ignores the event and nothing changes):

| from                  | event                               | to                            |
| --------------------- | ----------------------------------- | ----------------------------- |
| SIGNED_OUT            | sign_in() / sign_in(reason)         | READY / NOT_READY(reason)     |
| SIGNED_OUT            | any call event                      | SIGNED_OUT (no wrap, no count)|
| READY, NOT_READY      | sign_out()                          | SIGNED_OUT                    |
| READY, NOT_READY      | set_ready() / set_not_ready(r)      | READY / NOT_READY(r)          |
| READY, NOT_READY,     | call_offered(id)                    | OFFERED                       |
|   WRAP_UP, HELD       |                                     |                               |
| any signed in         | call_answered(id)                   | TALKING                       |
| TALKING               | call_held(id), now all calls held   | HELD                          |
| HELD                  | call_resumed(id)                    | TALKING                       |
| OFFERED               | call_ended(id, answered=False)      | as before the offer           |
|                       |   with call_missed_not_ready, READY | NOT_READY("no_answer")        |
| TALKING, HELD         | call_ended(id, True), last call     | WRAP_UP for wrap_up_s         |
| TALKING, HELD         | call_ended(id, ...), calls remain   | TALKING / OFFERED / HELD      |
| WRAP_UP               | tick() past the deadline            | the choice (READY...)         |
| WRAP_UP               | end_wrap_up()                       | the choice (READY...)         |
| WRAP_UP               | extend_wrap_up(s)                   | WRAP_UP, deadline + s         |
| OFFERED, TALKING,     | set_ready / set_not_ready /         | unchanged; the choice is kept |
|   HELD, WRAP_UP       |   sign_out()                        |   as ``pending_after_wrap``   |
|                       |                                     |   and applied once idle       |
| OFFERED ... WRAP_UP   | sign_out(force=True)                | SIGNED_OUT at once            |

Each answered call that ends while signed in adds one to ``calls_today``
(the owner resets the machine, or calls ``reset_calls_today()``, at midnight).
``since`` moves only when the shown (state, reason) changes.
"""
from __future__ import annotations

import enum
import logging
import math
import time
from dataclasses import dataclass
from typing import Callable, Iterable

log = logging.getLogger(__name__)


class SeatState(str, enum.Enum):
    SIGNED_OUT = "signed_out"
    READY = "ready"
    NOT_READY = "not_ready"
    OFFERED = "offered"
    TALKING = "talking"
    HELD = "held"
    WRAP_UP = "wrap_up"


# Reasons a seat may pick; Chinese labels belong to the UI (tr()).
DEFAULT_NOT_READY_REASONS: tuple[str, ...] = ("break", "meal", "training", "meeting", "other")
# Set by the machine itself (never chosen) when an offer rang out unanswered.
NO_ANSWER_REASON = "no_answer"

_IN_CALL = (SeatState.OFFERED, SeatState.TALKING, SeatState.HELD)
# Per-call phases kept by the machine.
_OFFERED, _ACTIVE, _HELD = "offered", "active", "held"


@dataclass(frozen=True)
class SeatStatus:
    """A copied snapshot of a seat's state, safe to hand to any thread."""
    state: SeatState
    reason: str                            # NOT_READY reason, else ""
    since: float                           # epoch s when (state, reason) began
    calls_today: int
    pending_after_wrap: SeatState | None   # the seat's choice, waiting for idle
    pending_reason: str = ""               # its reason when it is NOT_READY
    wrap_up_until: float | None = None     # deadline while in WRAP_UP

    def time_in_state(self, now: float) -> float:
        return max(0.0, now - self.since)


Listener = Callable[[SeatStatus], None]


class SeatStateMachine:
    """One seat's state; see the module docstring for the transitions.

    Every verb returns True when the status changed. Listeners run
    synchronously, on the caller's thread, after the change; an exception in
    one is logged and does not stop the others.
    """

    def __init__(self, clock: Callable[[], float] = time.time, wrap_up_s: float = 30,
                 reasons: Iterable[str] = DEFAULT_NOT_READY_REASONS, *,
                 call_missed_not_ready: bool = False, calls_today: int = 0):
        if not math.isfinite(wrap_up_s) or wrap_up_s < 0:
            raise ValueError(f"wrap_up_s must be >= 0, not {wrap_up_s!r}")
        self._clock = clock
        self.wrap_up_s = float(wrap_up_s)
        self.reasons: tuple[str, ...] = tuple(reasons)
        self.call_missed_not_ready = call_missed_not_ready
        # The seat's choice; SIGNED_OUT, READY or NOT_READY.
        self._choice = SeatState.SIGNED_OUT
        self._choice_reason = ""
        self._pending: tuple[SeatState, str] | None = None
        self._calls: dict[object, str] = {}
        self._answered: set[object] = set()
        self._wrap_until: float | None = None
        self._listeners: list[Listener] = []
        self._status = SeatStatus(SeatState.SIGNED_OUT, "", clock(), calls_today, None)

    # --- reading -------------------------------------------------------------

    @property
    def status(self) -> SeatStatus:
        return self._status

    @property
    def active_calls(self) -> tuple[object, ...]:
        return tuple(self._calls)

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback(status)`` on each change; returns an unsubscriber."""
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)
        return unsubscribe

    # --- the seat's buttons --------------------------------------------------

    def sign_in(self, reason: str | None = None) -> bool:
        """Sign in as READY, or NOT_READY when ``reason`` is given."""
        if reason is not None:
            self._check_reason(reason)
        now = self._expire()
        if self._choice is not SeatState.SIGNED_OUT:
            return self._update(now)
        self._pending = None
        self._set_choice(SeatState.NOT_READY if reason else SeatState.READY, reason or "")
        return self._update(now)

    def sign_out(self, force: bool = False) -> bool:
        """Sign out; during a call or wrap-up only once idle, unless ``force``."""
        return self._choose(SeatState.SIGNED_OUT, "", force)

    def set_ready(self) -> bool:
        return self._choose(SeatState.READY, "")

    def set_not_ready(self, reason: str) -> bool:
        self._check_reason(reason)
        return self._choose(SeatState.NOT_READY, reason)

    def extend_wrap_up(self, seconds: float | None = None) -> bool:
        """Push the wrap-up deadline back by ``seconds`` (default wrap_up_s)."""
        now = self._expire()
        if self._wrap_until is None or self._status.state is not SeatState.WRAP_UP:
            return False
        extra = self.wrap_up_s if seconds is None else float(seconds)
        if not math.isfinite(extra) or extra <= 0:
            raise ValueError(f"extension must be > 0 s, not {seconds!r}")
        self._wrap_until = max(self._wrap_until, now) + extra
        return self._update(now)

    def end_wrap_up(self) -> bool:
        now = self._expire()
        if self._wrap_until is None:
            return False
        self._wrap_until = None
        return self._update(now)

    def reset_calls_today(self) -> bool:
        return self._update(self._clock(), calls_today=0)

    # --- softphone call events ----------------------------------------------

    def call_offered(self, call_id: object) -> bool:
        now = self._expire()
        if call_id in self._calls:
            return False
        self._calls[call_id] = _OFFERED
        return self._update(now)

    def call_answered(self, call_id: object) -> bool:
        """An incoming call answered, or an outgoing one (unknown id) connected."""
        now = self._expire()
        self._calls[call_id] = _ACTIVE
        self._answered.add(call_id)
        return self._update(now)

    def call_held(self, call_id: object) -> bool:
        now = self._expire()
        if self._calls.get(call_id) != _ACTIVE:
            return False
        self._calls[call_id] = _HELD
        return self._update(now)

    def call_resumed(self, call_id: object) -> bool:
        now = self._expire()
        if self._calls.get(call_id) != _HELD:
            return False
        self._calls[call_id] = _ACTIVE
        return self._update(now)

    def call_ended(self, call_id: object, answered: bool) -> bool:
        now = self._expire()
        if call_id not in self._calls:
            return False
        del self._calls[call_id]
        was_answered = answered or call_id in self._answered
        self._answered.discard(call_id)
        signed_in = self._choice is not SeatState.SIGNED_OUT
        calls_today = self._status.calls_today
        if was_answered and signed_in:
            calls_today += 1
            if self.wrap_up_s > 0:
                # With calls left (a consult) the wrap-up starts now but only
                # shows once they end; a later answered call restarts it.
                self._wrap_until = now + self.wrap_up_s
        elif (not was_answered and signed_in and self.call_missed_not_ready
              and self._choice is SeatState.READY and self._pending is None):
            self._set_choice(SeatState.NOT_READY, NO_ANSWER_REASON)
        return self._update(now, calls_today=calls_today)

    def tick(self) -> bool:
        """Let an expired wrap-up end; True when the status changed."""
        return self._update(self._expire())

    # --- internals -----------------------------------------------------------

    def _check_reason(self, reason: str) -> None:
        if reason not in self.reasons:
            raise ValueError(f"unknown not-ready reason {reason!r}; "
                             f"expected one of {', '.join(self.reasons)}")

    def _set_choice(self, state: SeatState, reason: str) -> None:
        self._choice, self._choice_reason = state, reason

    def _choose(self, state: SeatState, reason: str, force: bool = False) -> bool:
        now = self._expire()
        if self._choice is SeatState.SIGNED_OUT and state is not SeatState.SIGNED_OUT:
            return False     # sign in first
        busy = self._status.state in _IN_CALL or self._status.state is SeatState.WRAP_UP
        if busy and not force:
            self._pending = (state, reason)
        else:
            self._pending = None
            self._set_choice(state, reason)
            if force:
                self._wrap_until = None
        return self._update(now)

    def _expire(self) -> float:
        now = self._clock()
        if self._wrap_until is not None and now >= self._wrap_until:
            self._wrap_until = None
        return now

    def _derive(self) -> tuple[SeatState, str]:
        if self._choice is SeatState.SIGNED_OUT:
            return SeatState.SIGNED_OUT, ""
        phases = self._calls.values()
        if _ACTIVE in phases:
            return SeatState.TALKING, ""
        if _OFFERED in phases:
            return SeatState.OFFERED, ""
        if self._calls:
            return SeatState.HELD, ""
        if self._wrap_until is not None:
            return SeatState.WRAP_UP, ""
        return self._choice, self._choice_reason

    def _update(self, now: float, calls_today: int | None = None) -> bool:
        state, reason = self._derive()
        if state in (SeatState.READY, SeatState.NOT_READY) and self._pending is not None:
            # Idle again: the choice made during the call or wrap-up applies.
            self._set_choice(*self._pending)
            self._pending = None
            state, reason = self._derive()
        if state is SeatState.SIGNED_OUT and self._pending is not None:
            self._pending = None
        old = self._status
        since = old.since if (state, reason) == (old.state, old.reason) else now
        pending = self._pending
        new = SeatStatus(
            state=state, reason=reason, since=since,
            calls_today=old.calls_today if calls_today is None else calls_today,
            pending_after_wrap=pending[0] if pending else None,
            pending_reason=pending[1] if pending else "",
            wrap_up_until=self._wrap_until if state is SeatState.WRAP_UP else None)
        if new == old:
            return False
        self._status = new
        for listener in list(self._listeners):
            try:
                listener(new)
            except Exception:   # one broken listener must not silence the rest
                log.exception("seat state listener %r failed", listener)
        return True

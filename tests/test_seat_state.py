"""Tests for the seat state machine (app.domain.seat_state): every transition,
the wrap-up timer on a fake clock, choices made during a call, consults with
several calls, signed-out behaviour and listeners. Plain pytest, no Qt.
"""
from __future__ import annotations

import pytest

from app.domain.seat_state import (DEFAULT_NOT_READY_REASONS, NO_ANSWER_REASON,
                                   SeatState, SeatStateMachine, SeatStatus)

S = SeatState


class Clock:
    def __init__(self, t: float = 1_700_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def seat(clock):
    m = SeatStateMachine(clock=clock, wrap_up_s=30)
    m.sign_in()
    return m


def test_starts_signed_out(clock):
    m = SeatStateMachine(clock=clock)
    assert m.status == SeatStatus(S.SIGNED_OUT, "", clock.t, 0, None)
    assert m.reasons == DEFAULT_NOT_READY_REASONS


def test_sign_in_ready_or_not_ready(clock):
    m = SeatStateMachine(clock=clock)
    assert m.sign_in() and m.status.state is S.READY
    assert not m.sign_in()                       # already signed in
    m2 = SeatStateMachine(clock=clock)
    m2.sign_in("training")
    assert (m2.status.state, m2.status.reason) == (S.NOT_READY, "training")
    with pytest.raises(ValueError):
        SeatStateMachine(clock=clock).sign_in("nap")


def test_ready_not_ready_and_sign_out(seat, clock):
    clock.advance(5)
    assert seat.set_not_ready("meal")
    st = seat.status
    assert (st.state, st.reason, st.since) == (S.NOT_READY, "meal", clock.t)
    clock.advance(5)
    seat.set_not_ready("meeting")                # new reason restarts the clock
    assert seat.status.since == clock.t and seat.status.reason == "meeting"
    assert not seat.set_not_ready("meeting")     # no change, no event
    assert seat.set_ready() and seat.status.state is S.READY and seat.status.reason == ""
    assert seat.sign_out() and seat.status.state is S.SIGNED_OUT
    assert not seat.set_ready()                  # must sign in first
    assert seat.status.state is S.SIGNED_OUT


def test_invalid_reason_is_rejected(seat):
    with pytest.raises(ValueError, match="unknown not-ready reason"):
        seat.set_not_ready("nap")
    with pytest.raises(ValueError):
        seat.set_not_ready(NO_ANSWER_REASON)     # the machine's own reason
    assert seat.status.state is S.READY


def test_configurable_reasons(clock):
    m = SeatStateMachine(clock=clock, reasons=("lunch", "study"))
    m.sign_in()
    m.set_not_ready("study")
    assert m.status.reason == "study"
    with pytest.raises(ValueError):
        m.set_not_ready("meal")


def test_time_in_state(seat, clock):
    clock.advance(42)
    assert seat.status.time_in_state(clock.t) == 42
    assert seat.status.time_in_state(clock.t - 100) == 0.0


def test_answered_call_then_wrap_up_expires(seat, clock):
    assert seat.call_offered(1) and seat.status.state is S.OFFERED
    clock.advance(3)
    assert seat.call_answered(1) and seat.status.state is S.TALKING
    assert seat.status.since == clock.t
    clock.advance(60)
    seat.call_ended(1, answered=True)
    st = seat.status
    assert (st.state, st.calls_today, st.wrap_up_until) == (S.WRAP_UP, 1, clock.t + 30)
    clock.advance(29.9)
    assert not seat.tick() and seat.status.state is S.WRAP_UP
    clock.advance(0.1)
    assert seat.tick() and seat.status.state is S.READY
    assert seat.status.since == clock.t and seat.status.wrap_up_until is None
    assert not seat.tick()


def test_wrap_up_returns_to_previous_not_ready(seat, clock):
    seat.set_not_ready("meeting")
    seat.call_answered("out-1")                  # an outgoing call, say to a judge
    assert seat.status.state is S.TALKING
    seat.call_ended("out-1", answered=True)
    seat.end_wrap_up()
    assert (seat.status.state, seat.status.reason) == (S.NOT_READY, "meeting")


def test_extend_and_end_wrap_up(seat, clock):
    seat.call_offered(1)
    seat.call_answered(1)
    seat.call_ended(1, answered=True)
    end = clock.t + 30
    clock.advance(20)
    assert seat.extend_wrap_up() and seat.status.wrap_up_until == end + 30
    assert seat.extend_wrap_up(15) and seat.status.wrap_up_until == end + 45
    with pytest.raises(ValueError):
        seat.extend_wrap_up(-1)
    clock.advance(40)
    assert not seat.tick() and seat.status.state is S.WRAP_UP
    assert seat.end_wrap_up() and seat.status.state is S.READY
    assert not seat.end_wrap_up() and not seat.extend_wrap_up()


def test_expired_wrap_up_applies_before_the_next_event(seat, clock):
    seat.call_answered(1)
    seat.call_ended(1, answered=True)
    clock.advance(31)                            # nobody ticked
    seat.set_not_ready("break")                  # applies at once: the seat is idle
    assert (seat.status.state, seat.status.pending_after_wrap) == (S.NOT_READY, None)


def test_zero_wrap_up_goes_straight_back(clock):
    m = SeatStateMachine(clock=clock, wrap_up_s=0)
    m.sign_in()
    m.call_answered(1)
    m.call_ended(1, answered=True)
    assert m.status.state is S.READY and m.status.calls_today == 1


def test_choice_during_call_applies_after_wrap_up(seat, clock):
    seat.call_offered(1)
    seat.call_answered(1)
    assert seat.set_not_ready("meal")            # remembered, state unchanged
    st = seat.status
    assert (st.state, st.pending_after_wrap, st.pending_reason) == (S.TALKING, S.NOT_READY, "meal")
    seat.call_ended(1, answered=True)
    assert seat.status.state is S.WRAP_UP and seat.status.pending_after_wrap is S.NOT_READY
    seat.set_ready()                             # the seat changes its mind in wrap-up
    assert seat.status.pending_after_wrap is S.READY
    seat.set_not_ready("training")
    clock.advance(30)
    seat.tick()
    st = seat.status
    assert (st.state, st.reason, st.pending_after_wrap) == (S.NOT_READY, "training", None)


def test_sign_out_during_call_waits_unless_forced(seat, clock):
    seat.call_answered(1)
    seat.sign_out()
    assert seat.status.state is S.TALKING and seat.status.pending_after_wrap is S.SIGNED_OUT
    seat.call_ended(1, answered=True)
    assert seat.status.state is S.WRAP_UP
    seat.end_wrap_up()
    assert seat.status.state is S.SIGNED_OUT and seat.status.pending_after_wrap is None
    seat.sign_in()
    seat.call_answered(2)
    assert seat.sign_out(force=True) and seat.status.state is S.SIGNED_OUT


def test_unanswered_offer_returns_to_previous_state(seat):
    seat.call_offered("a")
    seat.call_ended("a", answered=False)
    assert seat.status.state is S.READY and seat.status.calls_today == 0
    seat.set_not_ready("break")
    seat.call_offered("b")                       # e.g. a direct call while on break
    seat.call_ended("b", answered=False)
    assert (seat.status.state, seat.status.reason) == (S.NOT_READY, "break")


def test_missed_offer_can_make_the_seat_not_ready(clock):
    m = SeatStateMachine(clock=clock, call_missed_not_ready=True)
    m.sign_in()
    m.call_offered(1)
    m.call_ended(1, answered=False)
    assert (m.status.state, m.status.reason) == (S.NOT_READY, NO_ANSWER_REASON)
    m.set_ready()
    m.call_offered(2)
    m.set_ready()                                # the seat chose otherwise during the offer
    m.call_ended(2, answered=False)
    assert m.status.state is S.READY


def test_offer_during_wrap_up_returns_to_wrap_up(seat, clock):
    seat.call_answered(1)
    seat.call_ended(1, answered=True)
    seat.call_offered(2)
    assert seat.status.state is S.OFFERED
    seat.call_ended(2, answered=False)
    assert seat.status.state is S.WRAP_UP


def test_hold_and_resume(seat):
    seat.call_answered(1)
    assert seat.call_held(1) and seat.status.state is S.HELD
    assert not seat.call_held(1)
    assert seat.call_resumed(1) and seat.status.state is S.TALKING
    assert not seat.call_resumed(1)
    seat.call_held(1)
    seat.call_ended(1, answered=True)
    assert seat.status.state is S.WRAP_UP and seat.status.calls_today == 1


def test_consult_with_two_and_three_calls(seat, clock):
    seat.call_offered("caller")
    seat.call_answered("caller")
    seat.call_held("caller")
    assert seat.status.state is S.HELD
    seat.call_answered("judge")                  # consult call connected
    assert seat.status.state is S.TALKING
    seat.call_held("judge")
    assert seat.status.state is S.HELD           # all calls held
    seat.call_resumed("judge")
    seat.call_offered("third")                   # a third call rings meanwhile
    assert seat.status.state is S.TALKING        # talking wins over an offer
    seat.call_ended("third", answered=False)
    seat.call_ended("judge", answered=True)
    assert seat.status.state is S.HELD           # the caller is still on hold
    seat.call_resumed("caller")
    assert seat.status.state is S.TALKING
    clock.advance(100)                           # longer than a wrap-up
    seat.tick()
    assert seat.status.state is S.TALKING
    seat.call_ended("caller", answered=True)
    st = seat.status
    assert (st.state, st.calls_today, st.wrap_up_until) == (S.WRAP_UP, 2, clock.t + 30)
    assert seat.active_calls == ()


def test_offered_while_held(seat):
    seat.call_answered(1)
    seat.call_held(1)
    seat.call_offered(2)
    assert seat.status.state is S.OFFERED


def test_signed_out_ignores_calls(clock):
    m = SeatStateMachine(clock=clock)
    events = []
    m.subscribe(events.append)
    assert not m.call_offered(1)                 # may ring on the softphone
    assert not m.call_answered(1)
    assert not m.call_held(1)
    assert not m.call_ended(1, answered=True)
    st = m.status
    assert (st.state, st.calls_today, st.wrap_up_until) == (S.SIGNED_OUT, 0, None)
    assert events == []


def test_sign_in_during_a_call_shows_the_call(clock):
    m = SeatStateMachine(clock=clock)
    m.call_answered(1)
    m.sign_in()
    assert m.status.state is S.TALKING
    m.call_ended(1, answered=True)
    assert m.status.state is S.WRAP_UP and m.status.calls_today == 1


def test_unknown_calls_are_ignored(seat):
    assert not seat.call_ended("nope", answered=True)
    assert not seat.call_held("nope")
    assert seat.call_offered("x")                # the first offer is a change
    assert not seat.call_offered("x")            # duplicate offer is not


def test_listeners_get_every_change_once(seat, clock):
    events: list[SeatStatus] = []
    unsubscribe = seat.subscribe(events.append)
    seat.call_offered(1)
    seat.call_answered(1)
    seat.call_ended(1, answered=True)
    clock.advance(30)
    seat.tick()
    seat.tick()
    assert [e.state for e in events] == [S.OFFERED, S.TALKING, S.WRAP_UP, S.READY]
    assert events[-1] == seat.status and events[2].calls_today == 1
    unsubscribe()
    seat.set_not_ready("break")
    assert len(events) == 4


def test_a_failing_listener_does_not_stop_others(seat):
    seen = []

    def broken(_status):
        raise RuntimeError("boom")
    seat.subscribe(broken)
    seat.subscribe(seen.append)
    assert seat.set_not_ready("other")
    assert seen and seen[-1].reason == "other"


def test_reset_calls_today(seat):
    seat.call_answered(1)
    seat.call_ended(1, answered=True)
    assert seat.status.calls_today == 1
    assert seat.reset_calls_today() and seat.status.calls_today == 0


def test_status_is_frozen(seat):
    with pytest.raises(AttributeError):
        seat.status.state = S.TALKING  # type: ignore[misc]
    with pytest.raises(ValueError):
        SeatStateMachine(wrap_up_s=-1)

"""Regression: an ended call must never hang up the call that reuses its pjsua slot.

pjsua hands out call slots in turn (0, 1, 2, 3, 0 ... with the wheel's 4) and a
pjsua2 Call keeps its slot number after the call ends; destroying it once the
slot was given to a new call hangs the new call up and cuts it off from its
callbacks. The engine therefore drops ended calls before anything can take a
slot (sip/engine.py _bury_dead). Here a failed call ends and, before the Qt
loop turns again, the seat dials four times: three more failing calls and a
real one, so the real one takes the ended call's slot. It must stay up until
it is hung up on purpose.
"""
from __future__ import annotations

import time

import pytest

from app.domain.calls import CallPhase
from tests.conftest import wait_until

pytestmark = pytest.mark.e2e


def test_new_call_in_a_reused_slot_survives_the_ended_one(seat, peer, qapp):
    engine = seat
    b = peer("9002", auto_answer=200)
    for round_ in range(3):
        failed = engine.make_call("7777")        # 404 at Kamailio
        wait_until(lambda: failed not in engine._calls, what=f"round {round_}: failed call retired")
        # No loop turn in between: three slots go to failing calls, the fourth
        # (the ended call's slot, in pjsua's round) to a call that is answered.
        for _ in range(3):
            engine.make_call("7777")
        m = b.mark()
        live = engine.make_call("9002")
        wait_until(lambda: (s := engine.call_snapshot(live)) is not None
                   and s.phase is CallPhase.ACTIVE, what=f"round {round_}: answered")
        end = time.monotonic() + 0.3             # a few ticks: the dead call is destroyed now
        while time.monotonic() < end:
            qapp.processEvents()
        s = engine.call_snapshot(live)
        assert s is not None and s.phase is CallPhase.ACTIVE, f"round {round_}: the new call was cut"
        # The far end agrees: it has the call, answered, and no hang-up yet.
        incoming = b.wait_event(event="incoming", since=m, timeout=10)
        b.wait_event(event="call_state", call=incoming["call"], state="CONFIRMED", since=m, timeout=10)
        assert not b.find_events(since=m, event="call_state", call=incoming["call"],
                                 state="DISCONNECTED"), f"round {round_}: the far end was hung up"
        engine.hangup(live)
        b.wait_event(event="call_state", call=incoming["call"], state="DISCONNECTED", since=m,
                     timeout=10)
        wait_until(lambda: not engine.calls(), timeout=15, what=f"round {round_}: all ended")
        # One call reached 9002 this round (the failing ones never left Kamailio).
        assert len(b.find_events(since=m, event="incoming")) == 1

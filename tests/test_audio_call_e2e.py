"""Real audio through a real call: the seat's headset path, measured.

A private PipeWire gives the seat a virtual microphone and speaker. A pjsua2
agent calls the seat through Kamailio; the app's engine routes the call
through its audio bridge to those devices. We measure frequency and level:
the peer's tone must come out of the seat's speaker, and a tone put into the
seat's microphone must reach the peer. The echo test line plays the seat's
own voice back. A headset pulled out mid-call: the seat is told, the call goes
on, and sound flows both ways again on the system's default devices.
"""
from __future__ import annotations

import time

import pytest

from app.domain.calls import CallPhase
from tests.audio_env import assert_pitch, missing_tools, sine, tone_freq_and_level, virtual_audio
from tests.conftest import SEAT, wait_until

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(bool(missing_tools()), reason=f"virtual audio tools missing: {missing_tools()}")]


@pytest.fixture(scope="module")
def vaudio(tmp_path_factory):
    with virtual_audio(tmp_path_factory.mktemp("vaudio")) as va:
        yield va


@pytest.fixture
def headset(seat, vaudio):
    seat.audio.open_devices("seat_mic", "seat_speaker")
    yield vaudio
    seat.audio.close_devices()


def pump(seconds):
    from PySide6.QtWidgets import QApplication
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.005)


def answered_call(seat, kamailio, agent):
    call = agent.call(f"sip:{SEAT}@127.0.0.1:{kamailio.udp_port}")
    snap = wait_until(lambda: next((c for c in seat.calls() if c.phase is CallPhase.RINGING_IN), None),
                      what="incoming call")
    seat.answer(snap.call_id)
    agent.wait_state(call, "CONFIRMED")
    wait_until(lambda: (c := seat.call_snapshot(snap.call_id)) and c.phase is CallPhase.ACTIVE, what="active")
    return call, snap.call_id


def wait_heard(agent, call, timeout=10.0):
    """Wait until the peer hears a signal on ``call`` (a 0.3 s measurement above -25
    dBFS): a tone put into the microphone's feed reaches the peer only once the player,
    the sound server and the bridge have started, which takes a while on a busy machine.
    The measurement that counts comes after."""
    wait_until(lambda: (agent.measure(call, seconds=0.3)["dbfs"] or -200) > -25,
               timeout=timeout, what="the microphone's tone heard by the peer")


def test_peer_tone_comes_out_of_the_seat_speaker(seat, kamailio, peer, headset):
    a = peer("9001", mode="tone", tone_hz=1000, tone_dbfs=-12)
    answered_call(seat, kamailio, a)
    rec = headset.start_recording("seat_speaker.monitor", rate=16000)
    try:
        # 1 s of it once it plays, after 0.4 s for the jitter buffer and playback priming
        x = rec.wait_tone(1.0, pump, settle_s=0.4)
    finally:
        rec.stop()
    hz, dbfs = tone_freq_and_level(x, 16000)
    assert_pitch(hz, 1000)
    # -12 dBFS peak sine = -15 dBFS RMS; allow codec and resampling loss.
    assert -19 < dbfs < -12, dbfs


def test_seat_microphone_tone_reaches_the_peer(seat, kamailio, peer, headset):
    a = peer("9001", mode="silence")
    call, _ = answered_call(seat, kamailio, a)
    player = headset.play(sine(700, 5.0, 16000, dbfs=-12), rate=16000, sink="seat_mic_src")
    try:
        wait_heard(a, call)
        m = a.measure(call, seconds=1.0)
    finally:
        headset.stop_playing(player)
    assert_pitch(m["hz"], 700)
    assert -20 < m["dbfs"] < -6, m


def test_echo_line_plays_the_seats_voice_back(seat, kamailio, peer, headset):
    peer("9196", auto_answer=200, mode="echo")
    cid = seat.make_call("9196")
    wait_until(lambda: (c := seat.call_snapshot(cid)) and c.phase is CallPhase.ACTIVE, what="echo line answered")
    rec = headset.start_recording("seat_speaker.monitor", rate=16000)
    player = headset.play(sine(600, 5.0, 16000, dbfs=-12), rate=16000, sink="seat_mic_src")
    try:
        # the way back starts once the player, the bridge and the echo's jitter buffer have
        x = rec.wait_tone(1.0, pump, settle_s=0.4)
    finally:
        rec.stop()
        headset.stop_playing(player)
    hz, dbfs = tone_freq_and_level(x, 16000)
    assert_pitch(hz, 600)
    assert dbfs > -30, dbfs


@pytest.fixture
def unpluggable_headset(seat, vaudio):
    seat.audio.open_devices("seat_headset_mic", "seat_headset")
    yield vaudio
    seat.audio.close_devices()
    vaudio.replug("seat_headset")


def test_headset_unplugged_mid_call_the_call_goes_on(seat, kamailio, peer, unpluggable_headset):
    va = unpluggable_headset
    problems: list[str] = []

    def on_problem(msg):
        problems.append(msg)
    seat.audioProblem.connect(on_problem)
    try:
        a = peer("9001", mode="tone", tone_hz=1000, tone_dbfs=-12)
        call, cid = answered_call(seat, kamailio, a)
        pump(0.5)
        assert len(va.unplug("seat_headset")) == 2   # the speaker and microphone streams
        wait_until(lambda: len(problems) >= 2, what="the unplugged headset reported")
        assert any("seat_headset" in p for p in problems), problems
        assert seat.call_snapshot(cid).phase is CallPhase.ACTIVE
        # the bridge fell back to the system defaults (the private server's: seat_speaker
        # and seat_mic): the caller is heard, and heard us, again
        rec = va.start_recording("seat_speaker.monitor", rate=16000)
        try:
            x = rec.wait_tone(1.0, pump, settle_s=0.4)
        finally:
            rec.stop()
        hz, dbfs = tone_freq_and_level(x, 16000)
        assert_pitch(hz, 1000)
        assert dbfs > -25, (hz, dbfs)
        player = va.play(sine(700, 5.0, 16000, dbfs=-12), rate=16000, sink="seat_mic_src")
        try:
            wait_heard(a, call)
            m = a.measure(call, seconds=1.0)
        finally:
            va.stop_playing(player)
        assert_pitch(m["hz"], 700)
        assert m["dbfs"] > -20, m
        assert seat.call_snapshot(cid).phase is CallPhase.ACTIVE
    finally:
        seat.audioProblem.disconnect(on_problem)

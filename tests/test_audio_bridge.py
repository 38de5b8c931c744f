"""AudioBridge against a private PipeWire with null sinks (tests/audio_env.py).

pjsua2 objects never live in test-function locals (a failing test's traceback would keep
the proxies alive past libDestroy and abort the process, stack-notes): they belong to the
``_Rig`` owned by the module-scoped fixture, whose teardown drops them before the
endpoint is destroyed. Tests only see plain numbers.
"""

from __future__ import annotations

import gc
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.audio_env import (AudioEnvError, active_segment, assert_pitch, block_levels,
                             missing_tools, sine, tone_freq_and_level, virtual_audio)

pj = pytest.importorskip("pjsua2")

_MISSING = missing_tools()
pytestmark = pytest.mark.skipif(bool(_MISSING), reason="virtual audio needs: " + ", ".join(_MISSING))

RATE = 16000
TONE_VOLUME = 8192                                   # ToneDesc.volume = peak amplitude
TONE_DBFS = 20 * np.log10(TONE_VOLUME / np.sqrt(2) / 32768)   # its RMS: -15.05 dBFS


class _Rig:
    """Owns every pjsua2 object of the tests, on the endpoint of the app's own SipEngine
    (one Endpoint per process at a time, so this module can share a pytest session with
    the other modules' engines). ``close()`` drops the objects; the fixture then shuts the
    engine down. The engine polls pjsua2 from its Qt timer: ``pump`` runs the Qt loop."""

    def __init__(self, engine, app) -> None:
        self.engine = engine
        self.app = app
        self.ep = engine.ep
        self.objs: dict[str, object] = {}

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.002)

    def pump_until(self, cond, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if cond():
                return True
            self.app.processEvents()
            time.sleep(0.002)
        return cond()

    def tone_on(self, target, freq: int = 1000) -> None:
        tg = pj.ToneGenerator()
        tg.createToneGenerator(RATE, 1)
        td = pj.ToneDesc()
        td.freq1, td.freq2 = freq, 0
        td.on_msec, td.off_msec = 1000, 0
        td.volume = TONE_VOLUME
        tds = pj.ToneDescVector()
        tds.append(td)
        tg.play(tds, True)
        tg.startTransmit(target)
        self.objs["tone"] = tg
        self.objs["tone_target"] = target

    def tone_off(self) -> None:
        tg = self.objs.pop("tone", None)
        target = self.objs.pop("tone_target", None)
        if tg is not None:
            try:
                tg.stopTransmit(target)
            except Exception:  # noqa: BLE001
                pass
            tg.stop()
        del tg, target

    def record_wav(self, source, path: Path) -> None:
        rec = pj.AudioMediaRecorder()
        rec.createRecorder(str(path))
        source.startTransmit(rec)
        self.objs["rec"] = rec
        self.objs["rec_source"] = source

    def stop_wav(self) -> None:
        rec = self.objs.pop("rec", None)
        src = self.objs.pop("rec_source", None)
        if rec is not None:
            try:
                src.stopTransmit(rec)
            except Exception:  # noqa: BLE001
                pass
        del rec, src
        gc.collect()
        self.pump(0.05)

    def close(self) -> None:
        self.tone_off()
        self.stop_wav()
        self.objs.clear()
        gc.collect()
        self.pump(0.05)
        self.ep = None


@pytest.fixture(scope="module")
def vaudio(tmp_path_factory):
    try:
        with virtual_audio(tmp_path_factory.mktemp("vaudio")) as va:
            yield va
    except AudioEnvError as exc:  # the tools exist, so this is a real failure
        pytest.fail(f"virtual audio environment did not start: {exc}")


@pytest.fixture(scope="module")
def rig(vaudio, qapp, tmp_path_factory):
    from sip.engine import SipEngine
    eng = SipEngine(log_dir=tmp_path_factory.mktemp("siplogs-audio"))
    eng.start()
    r = _Rig(eng, qapp)
    try:
        yield r
    finally:
        r.close()
        del r
        eng.shutdown()


def _tuning(clock: str):
    from sip.audio.bridge import LEGACY_TUNING, BridgeTuning
    return BridgeTuning() if clock == "device" else LEGACY_TUNING


# Both clocks: the device clock (the default on Linux) and pjmedia's (what a bridge falls
# back to where pjsua's C functions cannot be reached, e.g. Windows).
@pytest.fixture(params=["device", "pjmedia"])
def bridge(rig, request):
    from sip.audio.bridge import AudioBridge
    b = AudioBridge(sample_rate=RATE, frame_ms=20, tuning=_tuning(request.param))
    b.create()
    assert b.clock == request.param
    try:
        yield b
    finally:
        rig.tone_off()
        rig.stop_wav()
        b.destroy()
        gc.collect()
        rig.pump(0.05)


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").copy(), w.getframerate()


# --------------------------------------------------------------------------- tests

def test_devices_listed_by_name(vaudio):
    from sip.audio import devices
    names = [d.name for d in devices.list_devices()]
    for n in ("seat_speaker", "seat_mic", "ringer"):
        assert n in names
    assert devices.find_device("seat_mic", output=False).max_in > 0
    assert devices.default_output() is not None
    with pytest.raises(devices.AudioDeviceError, match="not connected"):
        devices.find_device("no such headset", output=True)


def test_tone_from_pjmedia_reaches_speaker(vaudio, rig, bridge):
    bridge.open_devices("seat_mic", "seat_speaker")
    rig.tone_on(bridge.media, 1000)
    rec = vaudio.start_recording("seat_speaker.monitor", RATE)
    try:
        seg = rec.wait_tone(1.5, rig.pump, settle_s=0.1)   # however late the stream starts
        out_level = bridge.output_level_dbfs()
    finally:
        rec.stop()
    hz, dbfs = tone_freq_and_level(seg, RATE)
    print(f"speaker: {hz:.2f} Hz, {dbfs:.2f} dBFS (expected {TONE_DBFS:.2f}); "
          f"meter {out_level:.2f}; {bridge.stats}")
    assert_pitch(hz, 1000)
    assert abs(dbfs - TONE_DBFS) <= 3
    assert abs(out_level - TONE_DBFS) <= 3
    # 1.6 s of tone played: pjmedia gave at least that many 10/20 ms frames
    assert rig.pump_until(lambda: bridge.stats.frames_from_pjmedia > 80, 5), bridge.stats
    assert bridge.stats.callback_errors == 0


def test_mic_tone_reaches_bridge_port_and_meter(vaudio, rig, bridge, tmp_path):
    bridge.open_devices("seat_mic", "seat_speaker")
    wav = tmp_path / "mic.wav"
    rig.record_wav(bridge.media, wav)
    player = vaudio.play(sine(700, 3.0, RATE, -12.0), RATE, "seat_mic_src")
    try:
        # pacat, like parec, takes a while to start on a busy machine: measure once the
        # tone is there
        assert rig.pump_until(lambda: bridge.input_level_dbfs() > -30, 10), \
            "the microphone's tone never reached the bridge"
        levels = []
        for _ in range(15):                      # 1.5 s of the meter, inside the 3 s tone
            rig.pump(0.1)
            levels.append(bridge.input_level_dbfs())
        rig.stop_wav()
        player.wait(timeout=10)
    finally:
        vaudio.stop_playing(player)
    x, rate = _read_wav(wav)
    assert rate == RATE
    seg = active_segment(x, RATE)
    assert len(seg) > RATE, f"only {len(seg)} samples of tone reached the port"
    hz, dbfs = tone_freq_and_level(seg, RATE)
    print(f"mic: {hz:.2f} Hz, {dbfs:.2f} dBFS (expected -12); meter {max(levels):.2f}; "
          f"{bridge.stats}")
    assert_pitch(hz, 700)
    assert abs(dbfs - (-12.0)) <= 3
    # (d) the meter follows the tone, and falls back to silence afterwards
    assert abs(np.median(levels[2:]) - (-12.0)) <= 3, levels
    assert rig.pump_until(lambda: bridge.input_level_dbfs() < -60, 5), bridge.input_level_dbfs()
    assert bridge.stats.callback_errors == 0


@pytest.fixture
def headset(vaudio):
    """The unpluggable headset (seat_headset / seat_headset_mic), back after the test."""
    yield "seat_headset"
    vaudio.replug("seat_headset")


def test_unplugged_headset_reports_and_call_goes_on(vaudio, rig, bridge, headset):
    bridge.open_devices("seat_headset_mic", "seat_headset")
    rig.tone_on(bridge.media, 1000)
    rig.pump(0.5)
    assert bridge.poll_errors() == []
    assert bridge.devices_open() == ("seat_headset_mic", "seat_headset")
    assert len(vaudio.unplug("seat_headset")) == 2     # the speaker and microphone streams
    errors: list[str] = []
    rig.pump_until(lambda: errors.extend(bridge.poll_errors()) or len(errors) >= 2, 5.0)
    print("errors:", errors, "now open:", bridge.devices_open())
    assert any("seat_headset_mic" in e for e in errors), errors
    assert any("seat_headset'" in e or "“seat_headset”" in e for e in errors), errors
    # the bridge keeps running: pjmedia still gets and gives frames, nothing raised
    before = bridge.stats.frames_from_pjmedia
    rig.pump(0.5)
    assert bridge.stats.frames_from_pjmedia > before + 15
    assert bridge.stats.callback_errors == 0
    mic, spk = bridge.devices_open()
    # fell back to the system default (the private server's default is seat_speaker)
    if spk is not None:
        rec = vaudio.start_recording("seat_speaker.monitor", RATE)
        try:
            seg = rec.wait_tone(1.0, rig.pump)
        finally:
            rec.stop()
        hz, _ = tone_freq_and_level(seg, RATE)
        assert_pitch(hz, 1000)
    # and devices can be opened again afterwards
    bridge.open_devices("seat_mic", "seat_speaker")
    assert bridge.devices_open() == ("seat_mic", "seat_speaker")


def test_no_device_raises_clear_error(rig, monkeypatch):
    from sip.audio import bridge as bridge_mod
    from sip.audio import devices
    monkeypatch.setattr(devices, "list_devices", lambda: [])
    b = bridge_mod.AudioBridge()
    b.create()
    try:
        with pytest.raises(devices.AudioDeviceError) as ei:
            b.open_devices(None, None)
        assert "microphone" in str(ei.value) or "speaker" in str(ei.value)
        assert b.devices_open() == (None, None)
        rig.pump(0.1)
    finally:
        b.destroy()
        rig.pump(0.05)


def test_port_survives_create_destroy_under_traffic(rig):
    """Dropping the port while the conference clock is feeding it must not crash."""
    from sip.audio.bridge import LEGACY_TUNING, AudioBridge
    for _ in range(5):
        b = AudioBridge(tuning=LEGACY_TUNING)
        b.create()
        rig.tone_on(b.media, 440)
        rig.pump(0.1)
        rig.tone_off()
        b.destroy()
        del b
        gc.collect()
        rig.pump(0.05)


def test_destroy_while_the_clock_calls_the_port(rig):
    """pjmedia 2.15 removes conference ports asynchronously (at the clock's next tick),
    and ~AudioMediaPort frees the object at once: the bridge must take its port out of
    the conference and wait for the clock before freeing it. Destroy at random points of
    the 20 ms tick, with frames flowing both ways and the GIL busy (a tick then waits
    for the GIL inside the port's callback, the window of the old use-after-free)."""
    import random

    from sip.audio.bridge import LEGACY_TUNING, AudioBridge
    rng = random.Random(7)
    for i in range(30):
        b = AudioBridge(tuning=LEGACY_TUNING)
        b.create()
        rig.tone_on(b.media, 440)
        m = b.media
        m.startTransmit(m)                         # loopback: both callbacks run
        del m
        rig.pump(0.02 + rng.random() * 0.02)
        rig.tone_off()
        end = time.perf_counter() + rng.random() * 0.03
        while time.perf_counter() < end:           # hold the GIL against the clock
            pass
        b.destroy()
        del b
        if i % 5 == 0:
            gc.collect()
    rig.pump(0.1)
    assert rig.ep.mediaActivePorts() <= 2          # the null device (+ nothing leaked)


def test_resampler_keeps_frequency():
    from sip.audio.bridge import _Resampler
    x = sine(1000, 1.0, 48000, -12.0)
    rs = _Resampler(48000, 16000)
    y = np.concatenate([rs.process(x[i:i + 480]) for i in range(0, len(x), 480)])
    assert abs(len(y) - 16000) <= 2
    hz, dbfs = tone_freq_and_level(y[1000:], 16000)
    assert abs(hz - 1000) < 2 and abs(dbfs + 12) < 1
    up = _Resampler(16000, 44100)
    z = np.concatenate([up.process(y[i:i + 320]) for i in range(0, len(y), 320)])
    hz2, _ = tone_freq_and_level(z[2000:], 44100)
    assert abs(len(z) - 44100) <= 3 and abs(hz2 - 1000) < 2


def test_ringer_rings_on_chosen_device(vaudio):
    from sip.audio.tones import Ringer
    r = Ringer()
    rec = vaudio.start_recording("ringer.monitor", RATE)
    r.start("ringer")
    try:
        # the whole first ring (1 s on, 4 s off), however late the stream starts: wait
        # until the recording holds 0.9 s of ring and then 0.3 s of silence
        def ring_over(x):
            on = np.nonzero(block_levels(x, RATE) > -40)[0]       # 10 ms blocks
            return len(on) > 0 and on[-1] - on[0] >= 90 and len(x) // (RATE // 100) - on[-1] > 30
        x = rec.wait_audio(ring_over, timeout=10, what="a whole ring")
        assert r.ringing                # still: the cadence's silence is part of ringing
    finally:
        r.stop()
        rec.stop()
    seg = active_segment(x, RATE, trim_s=0.05)
    assert len(seg) > RATE * 3 // 4, len(seg)  # the 1 s ring
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg)))) ** 2
    f = np.fft.rfftfreq(len(seg), 1 / RATE)
    low = f[np.argmax(np.where((f > 400) & (f < 460), spec, 0))]
    high = f[np.argmax(np.where((f > 460) & (f < 520), spec, 0))]
    assert abs(low - 440) < 10 and abs(high - 480) < 10, (low, high)  # short recording: coarse FFT bins
    both = spec[(np.abs(f - 440) < 10) | (np.abs(f - 480) < 10)].sum()
    # Most power is in the two ring tones (the cadence's on/off edges and the
    # recording's start spread some: 77-90 % seen here).
    assert both > 0.6 * spec.sum()
    r.beep("ringer")
    time.sleep(0.3)
    r.stop()
    assert r.poll_errors() == []


@pytest.mark.parametrize("drift", [+0.003, -0.003])
def test_fill_control_follows_clock_drift_without_cuts(drift):
    """A producer 0.3 % fast or slow (as measured between PipeWire and pjmedia here) against the consumer: the slow resampling keeps
    the headroom near its target (no underrun, no hard cut, no growing latency)."""
    from sip.audio.bridge import BridgeTuning, _FillControl, _Ring, _stretch
    rate, spf = 16000, 320
    ring = _Ring(rate * 2, rate)
    ctl = _FillControl(BridgeTuning(target_ms=4), rate, 50)
    src = sine(440, 30.0, rate, -12.0)
    ring.write(src[:spf + 160])                          # primed: target + 6 ms
    pos, acc, out, under, heads = spf + 160, 0.0, np.zeros(spf, np.int16), 0, []
    raw = np.zeros(2 * spf, np.int16)
    for _tick in range(50 * 25):
        acc += spf * (1 + drift)
        n = int(acc)
        acc -= n
        ring.write(src[pos:pos + n])
        pos += n
        head = ring.fill() - spf
        if head < 0:
            under += 1
            ctl.underrun()
            continue
        cut = ctl.excess(head)
        if cut:                                          # only the start-up burst is cut
            assert _tick < 50, _tick
            ring.skip(cut)
            head -= cut
        k = ctl.plan(head, spf)
        ring.read_into(raw, spf + k)
        _stretch(raw[:spf + k], out)
        heads.append(head)
    assert under == 0
    late = np.array(heads[-500:]) * 1000 / rate          # the last 10 s
    assert late.min() >= 0 and late.max() < 4 + 12, (late.min(), late.max())
    assert (ctl.trimmed if drift > 0 else ctl.padded) > 0.8 * abs(drift) * rate * 20


def test_stretch_keeps_tone():
    from sip.audio.bridge import _stretch
    x = sine(1000, 0.02 * 200, 16000, -12.0)
    out = np.zeros(320, np.int16)
    y = []
    for i in range(0, len(x) - 324, 324):                 # 1.25 % of trim in every frame
        _stretch(x[i:i + 324], out)
        y.append(out.copy())
    hz, dbfs = tone_freq_and_level(np.concatenate(y), 16000)
    assert abs(hz - 1000 * 324 / 320) < 3 and abs(dbfs + 12) < 0.5


def test_legacy_tuning_still_plays(vaudio, rig):
    from sip.audio.bridge import LEGACY_TUNING, AudioBridge
    b = AudioBridge(tuning=LEGACY_TUNING)
    b.create()
    try:
        b.open_devices("seat_mic", "seat_speaker")
        rig.tone_on(b.media, 1000)
        rec = vaudio.start_recording("seat_speaker.monitor", RATE)
        try:
            seg = rec.wait_tone(1.0, rig.pump)
        finally:
            rec.stop()
        hz, _ = tone_freq_and_level(seg, RATE)
        assert_pitch(hz, 1000)
        s = b.stats
        assert s.callback_errors == 0 and s.mic_target_ms == 0   # no adaptive control
    finally:
        rig.tone_off()
        b.destroy()
        del b
        gc.collect()
        rig.pump(0.05)


# --------------------------------------------------------------------------- device clock

def _wav_seconds(path: Path) -> float:
    x, rate = _read_wav(path)
    return len(x) / rate


def test_device_clock_takes_the_conference_frame(rig):
    """Whatever the constructor was told, a device-clocked bridge works in the
    conference's own rate and frame (read from its master port): a frame of another size
    would hit pjmedia's size assertion and abort the process."""
    from sip.audio.bridge import AudioBridge, BridgeTuning, device_clock_available
    if not device_clock_available():
        pytest.skip("pjsua's C functions are not exported by this build")
    b = AudioBridge(sample_rate=8000, frame_ms=40, tuning=BridgeTuning())
    b.create()
    try:
        assert b.clock == "device"
        assert b.sample_rate == 16000                      # the engine's clockRate
        assert b.frame_ms in (10, 20) and b.spf == 16 * b.frame_ms
    finally:
        b.destroy()
        rig.pump(0.05)


def test_device_clock_gives_the_conference_back(vaudio, rig, tmp_path):
    """While devices are open the speaker clocks the conference; once they are closed
    pjsua's null device does again (calls keep sending RTP without a headset)."""
    from sip.audio.bridge import AudioBridge, BridgeTuning, device_clock_available
    if not device_clock_available():
        pytest.skip("pjsua's C functions are not exported by this build")
    b = AudioBridge(tuning=BridgeTuning())
    b.create()
    try:
        b.open_devices("seat_mic", "seat_speaker")
        before = b.stats.frames_from_pjmedia
        rig.record_wav(b.media, tmp_path / "open.wav")
        rig.pump(0.8)
        rig.stop_wav()
        assert b.stats.frames_from_pjmedia > before + 30   # our speaker callback ticks
        assert _wav_seconds(tmp_path / "open.wav") > 0.4
        b.close_devices()
        ticks = b.stats.frames_from_pjmedia
        rig.record_wav(b.media, tmp_path / "closed.wav")
        rig.pump(0.8)
        rig.stop_wav()
        assert b.stats.frames_from_pjmedia == ticks        # not ours any more...
        assert _wav_seconds(tmp_path / "closed.wav") > 0.4  # ...but the clock runs
    finally:
        rig.stop_wav()
        b.destroy()
        rig.pump(0.05)


def test_speaker_lost_without_fallback_keeps_the_conference_ticking(vaudio, rig, tmp_path,
                                                                     monkeypatch, headset):
    """The device clock's speaker goes and no other speaker can be opened: the
    microphone's callback (the system default microphone, reopened) ticks the conference
    instead, so a call's RTP goes on and the seat is still heard."""
    from sip.audio import devices
    from sip.audio.bridge import AudioBridge, BridgeTuning, device_clock_available
    if not device_clock_available():
        pytest.skip("pjsua's C functions are not exported by this build")
    b = AudioBridge(tuning=BridgeTuning())
    b.create()
    try:
        b.open_devices("seat_headset_mic", "seat_headset")
        real = devices.find_device

        def no_speakers(name, *, output):
            if output:
                raise devices.AudioDeviceError("no speaker")
            return real(name, output=output)
        monkeypatch.setattr(devices, "find_device", no_speakers)
        assert len(vaudio.unplug("seat_headset")) == 2   # the speaker and microphone streams
        errors: list[str] = []
        rig.pump_until(lambda: errors.extend(b.poll_errors()) or len(errors) >= 2, 5.0)
        assert any("you cannot hear the caller" in e for e in errors), errors
        mic, spk = b.devices_open()
        assert spk is None and mic is not None      # the system default microphone
        before = b.stats.frames_from_pjmedia
        player = vaudio.play(sine(700, 3.0, RATE, -12.0), RATE, "seat_mic_src")
        try:
            # record once the tone is there (pacat starts late on a busy machine)
            assert rig.pump_until(lambda: b.input_level_dbfs() > -30, 10), \
                "the tone never reached the default microphone"
            rig.record_wav(b.media, tmp_path / "mic.wav")
            rig.pump(1.5)
            rig.stop_wav()
        finally:
            vaudio.stop_playing(player)
        assert b.stats.frames_from_pjmedia > before + 60   # the microphone ticks
        assert b.stats.callback_errors == 0
        x, rate = _read_wav(tmp_path / "mic.wav")
        seg = active_segment(x, rate)
        assert len(seg) > rate // 2, f"only {len(seg)} samples of tone reached the port"
        hz, _ = tone_freq_and_level(seg, rate)
        assert_pitch(hz, 700)
    finally:
        rig.stop_wav()
        b.destroy()
        rig.pump(0.05)

"""Bench: the AudioBridge's added latency, glitches and CPU, through the app's own SIP
engine, on the private virtual sound system (tests/audio_env.py).

    .venv/bin/python bench/bench_audio_bridge.py [--clicks 12] [--soak 30] [--no-legacy]

No pjsua2 here (project rule: only sip/ imports it): the endpoint is the app's
``SipEngine`` (clock rate 16 kHz, null sound device), driven by its own 10 ms Qt timer
while this script runs ``QCoreApplication.processEvents()`` in its wait loops; the audio
path is ``engine.audio`` (``sip.media.LocalAudio``): ``open_devices`` creates the
AudioBridge, ``set_loopback(True)`` sends the microphone through the conference bridge
back to the speaker.

Loop measured: a click is written into the microphone's feed (null sink ``seat_mic_src``),
PortAudio's mic stream (``seat_mic`` = its monitor) -> mic ring -> AudioMediaPort ->
conference bridge -> the same port -> speaker ring -> PortAudio's speaker stream
(``seat_speaker``) -> recorded at ``seat_speaker.monitor``. Clicks are emitted and recorded
by ONE duplex PortAudio stream of the bench (same sample clock); its own latency, as
PortAudio reports it, is subtracted.

Reference ("wire"): the same loop with the bridge replaced by a plain duplex PortAudio
stream seat_mic -> seat_speaker (blocks of the bridge's size). What the sound server
costs (pipewire-pulse, the ALSA pulse plugin) is in both; the bridge's added latency is
``loop - wire`` plus the wire's own stream latency, i.e. rings + streams + one
conference tick, split over two directions.

Each mode (``LEGACY_TUNING``, the colleague's first design, and the current default
``BridgeTuning()``) then runs ``--soak`` seconds with the loop busy (a tone through the
loop) and reports underruns, overruns/trims, slow corrections and CPU. Figures only; no
assertions.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication  # noqa: E402

from sip.audio import devices  # noqa: E402
from tests.audio_env import missing_tools, sine, virtual_audio  # noqa: E402

RATE = 16000
MEAS_RATE = 48000
MIC, SPEAKER = "seat_mic", "seat_speaker"


def spin(app, seconds: float, until=None) -> None:
    """Run the Qt loop (the engine's 10 ms poll timer) for ``seconds`` or until()."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        if until is not None and until():
            return
        time.sleep(0.002)


def cpu_per_second(app, seconds: float) -> float:
    c0, t0 = time.process_time(), time.monotonic()
    spin(app, seconds)
    return (time.process_time() - c0) / (time.monotonic() - t0)


def measure_clicks(app, clicks: int) -> tuple[list[float], float]:
    """Loop latencies (ms) of ``clicks`` clicks, measuring stream's latency removed."""
    sd = devices.sd
    period = int(0.6 * MEAS_RATE)
    click = np.zeros(period, np.int16)
    n = int(0.002 * MEAS_RATE)      # 2 ms burst of 2 kHz: survives 8 kHz band limits
    click[:n] = (0.7 * 32767 * np.sin(2 * np.pi * 2000 * np.arange(n) / MEAS_RATE)).astype(np.int16)
    out_sig = np.tile(click, clicks + 1)
    total = len(out_sig)
    rec = np.zeros(total + MEAS_RATE, np.int16)
    pos = {"out": 0, "in": 0}

    def cb(indata, outdata, frames, _t, _s):
        o = pos["out"]
        k = max(0, min(frames, total - o))
        outdata[:k, 0] = out_sig[o:o + k]
        outdata[k:, 0] = 0
        pos["out"] = o + frames
        i = pos["in"]
        k = max(0, min(frames, len(rec) - i))
        rec[i:i + k] = indata[:k, 0]
        pos["in"] = i + frames

    dev_in = devices.find_device("seat_speaker_monitor", output=False).index
    dev_out = devices.find_device("seat_mic_feed", output=True).index
    with sd.Stream(device=(dev_in, dev_out), samplerate=MEAS_RATE, channels=1, dtype="int16",
                   blocksize=MEAS_RATE // 200, latency="low", callback=cb) as st:
        meas_lat = (st.latency[0] + st.latency[1]) * 1000
        spin(app, 3600, until=lambda: pos["in"] >= len(rec))
    env = np.abs(rec.astype(np.float64))
    thr = 0.25 * env.max() if env.max() > 0 else 1
    lat = []
    for c in range(1, clicks + 1):                  # the first click primes everything
        seg = env[c * period:(c + 1) * period]
        hit = np.nonzero(seg > thr)[0]
        if len(hit):
            lat.append(hit[0] * 1000 / MEAS_RATE - meas_lat)
    return lat, meas_lat


def wire_reference(app, clicks: int, block: int, latency) -> tuple[list[float], float]:
    """The click loop through a plain duplex stream seat_mic -> seat_speaker."""
    sd = devices.sd
    dev_in = devices.find_device(MIC, output=False).index
    dev_out = devices.find_device(SPEAKER, output=True).index

    def cb(indata, outdata, frames, _t, _s):
        outdata[:] = indata

    with sd.Stream(device=(dev_in, dev_out), samplerate=RATE, channels=1, dtype="int16",
                   blocksize=block, latency=latency, callback=cb) as st:
        own = (st.latency[0] + st.latency[1]) * 1000
        spin(app, 1.0)
        lat, _ = measure_clicks(app, clicks)
    return lat, own


def summary(lat: list[float]) -> str:
    if not lat:
        return "no click came back"
    a = np.array(lat)
    return (f"median {np.median(a):.1f} ms, min {a.min():.1f}, max {a.max():.1f} "
            f"({len(a)} clicks)")


def run_mode(app, eng, name, tuning, args, va) -> dict:
    b = eng.audio.bridge
    b.tuning = tuning
    # the legacy design ran with Python's default 5 ms GIL switch interval
    sys.setswitchinterval(tuning.switch_interval_s or args.default_switch)
    eng.audio.open_devices(MIC, SPEAKER)            # reopens the streams with `tuning`
    eng.audio.set_loopback(True)
    spin(app, args.settle)                           # let the adaptive targets settle
    lat, meas_lat = measure_clicks(app, args.clicks)
    s_clicks = b.stats
    # soak: a tone keeps the loop busy; count glitches over the whole time
    s0 = b.stats
    tone = sine(700, args.soak + 5, RATE, -20.0)
    player = va.play(tone, RATE, "seat_mic_src")
    busy = cpu_per_second(app, args.soak)
    s1 = b.stats
    player.kill()
    player.wait()
    eng.audio.set_loopback(False)
    d = {k: getattr(s1, k) - getattr(s0, k) for k in (
        "mic_underruns", "mic_overruns", "speaker_underruns", "speaker_overruns",
        "device_xruns", "callback_errors", "mic_trimmed", "mic_padded", "speaker_trimmed",
        "speaker_padded")}
    return dict(name=name, lat=lat, meas_lat=meas_lat, stats=s_clicks, end=s1, soak=d,
                busy=busy)


def report(r: dict, wire: list[float], wire_own: float, idle: float, soak_s: float) -> None:
    s, e, d = r["stats"], r["end"], r["soak"]
    print(f"\n== {r['name']} ==")
    print(f"loop mic->bridge->conference->bridge->speaker: {summary(r['lat'])}")
    if r["lat"] and wire:
        extra = np.median(r["lat"]) - np.median(wire) + wire_own
        print(f"  added by bridge + conference vs. a plain duplex wire: ~{extra:.1f} ms round "
              f"trip; minus one 20 ms conference tick: ~{(extra - 20) / 2:.1f} ms per direction")
    mic_dir = e.mic_stream_ms + e.mic_buffer_ms
    spk_dir = e.speaker_stream_ms + e.speaker_buffer_ms
    print(f"bridge's own estimate: mic direction {mic_dir:.1f} ms (stream {e.mic_stream_ms} + "
          f"ring {e.mic_buffer_ms}), speaker direction {spk_dir:.1f} ms (ring "
          f"{e.speaker_buffer_ms} + stream {e.speaker_stream_ms}); total "
          f"{e.added_latency_ms} ms")
    if e.mic_target_ms or e.speaker_target_ms:
        print(f"headroom min/target: mic {e.mic_headroom_ms}/{e.mic_target_ms} ms, speaker "
              f"{e.speaker_headroom_ms}/{e.speaker_target_ms} ms")
    print(f"during the clicks: underruns mic/speaker {s.mic_underruns}/{s.speaker_underruns}, "
          f"overruns (cuts) {s.mic_overruns}/{s.speaker_overruns}")
    print(f"soak {soak_s:.0f} s with a tone in the loop: underruns mic/speaker "
          f"{d['mic_underruns']}/{d['speaker_underruns']}, cuts {d['mic_overruns']}/"
          f"{d['speaker_overruns']}, device xruns {d['device_xruns']}, callback errors "
          f"{d['callback_errors']}; slow corrections (samples trimmed/padded) mic "
          f"{d['mic_trimmed']}/{d['mic_padded']}, speaker {d['speaker_trimmed']}/"
          f"{d['speaker_padded']}")
    print(f"CPU: with the bridge looping {r['busy'] * 100:.1f} % of a core; the bridge's "
          f"share ~{(r['busy'] - idle) * 100:.1f} %")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clicks", type=int, default=12)
    ap.add_argument("--soak", type=float, default=30.0, help="seconds of glitch counting")
    ap.add_argument("--settle", type=float, default=4.0)
    ap.add_argument("--idle", type=float, default=3.0)
    ap.add_argument("--no-legacy", action="store_true", help="skip the old design")
    args = ap.parse_args()
    args.default_switch = sys.getswitchinterval()
    miss = missing_tools()
    if miss:
        print("cannot run: missing", ", ".join(miss))
        return 1
    app = QCoreApplication.instance() or QCoreApplication([])
    results = []
    with tempfile.TemporaryDirectory() as tmp, virtual_audio(tmp) as va:
        print(f"virtual audio (PipeWire) up in {va.startup_s * 1000:.0f} ms")
        from sip.audio.bridge import LEGACY_TUNING, BridgeTuning
        from sip.engine import SipEngine
        new = BridgeTuning()
        wire, wire_own = wire_reference(app, args.clicks, int(RATE * new.block_ms / 1000),
                                        new.stream_latency)
        eng = SipEngine()
        eng.start()
        try:
            idle = cpu_per_second(app, args.idle)
            eng.audio.open_devices(MIC, SPEAKER)
            modes = [("new: BridgeTuning()", new)]
            if not args.no_legacy:
                modes.insert(0, ("baseline: LEGACY_TUNING (40 ms priming, block cuts)",
                                 LEGACY_TUNING))
            for name, tuning in modes:
                results.append(run_mode(app, eng, name, tuning, args, va))
            problems = eng.audio.poll_problems()
        finally:
            eng.shutdown()
            sys.setswitchinterval(args.default_switch)
    print(f"\nmeasuring stream's own latency (removed from every loop): "
          f"{results[0]['meas_lat'] if results else 0:.1f} ms")
    print(f"reference wire seat_mic -> seat_speaker (duplex stream, own latency "
          f"{wire_own:.1f} ms): {summary(wire)}")
    print(f"CPU: engine idle {idle * 100:.1f} % of a core")
    for r in results:
        report(r, wire, wire_own, idle, args.soak)
    if problems:
        print("audio problems reported:", problems)
    print("\nthrough a call, pjmedia adds its own path on top: ~26 ms with G.722 (stack-notes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

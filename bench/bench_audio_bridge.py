"""Bench: the AudioBridge's added latency and CPU, on the private virtual sound system.

    .venv/bin/python bench/bench_audio_bridge.py [--clicks 10] [--seconds 5]

Loop measured: a click is written into the microphone's feed (null sink ``seat_mic_src``),
PortAudio's mic stream (``seat_mic`` = its monitor) -> mic ring -> AudioMediaPort ->
conference bridge -> the same port (``media.startTransmit(media)``) -> speaker ring ->
PortAudio's speaker stream (``seat_speaker``) -> recorded at ``seat_speaker.monitor``.

The click is emitted and recorded by ONE duplex PortAudio stream of the bench, so emission
and detection are counted on the same sample clock; that measuring stream's own latency
(its output + input latency as PortAudio reports them) is subtracted. What is left is
"loop": mic device + bridge + conference + bridge + speaker device. The bridge's share is
that minus one conference frame (the port is read and written once per 20 ms tick).
Through a real call pjmedia adds its own path on top (encode, RTP, jitter buffer:
26 ms with G.722, stack-notes) - not included here.

CPU: process CPU time per wall second with the loop running, minus the same with the
endpoint idle (no bridge streams). Figures only; no assertions.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pjsua2 as pj  # noqa: E402

from sip.audio import devices  # noqa: E402
from sip.audio.bridge import AudioBridge  # noqa: E402
from tests.audio_env import missing_tools, virtual_audio  # noqa: E402

RATE = 16000
MEAS_RATE = 48000


def make_endpoint() -> pj.Endpoint:
    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    cfg.medConfig.clockRate = RATE
    cfg.medConfig.sndClockRate = RATE
    cfg.logConfig.level = 1
    cfg.logConfig.consoleLevel = 1
    ep.libInit(cfg)
    ep.libStart()
    ep.audDevManager().setNullDev()
    return ep


def pump(ep, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ep.libHandleEvents(10)


def cpu_per_second(ep, seconds: float) -> float:
    c0, t0 = time.process_time(), time.monotonic()
    pump(ep, seconds)
    return (time.process_time() - c0) / (time.monotonic() - t0)


def measure_clicks(ep, clicks: int) -> list[float]:
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
        while pos["in"] < len(rec):
            ep.libHandleEvents(10)
    # detect: first sample of each click window above a threshold
    env = np.abs(rec.astype(np.float64))
    thr = 0.25 * env.max() if env.max() > 0 else 1
    lat = []
    for c in range(clicks + 1):
        start = c * period
        seg = env[start:start + period]
        hit = np.nonzero(seg > thr)[0]
        if len(hit) and c > 0:                      # the first click primes everything
            lat.append(hit[0] * 1000 / MEAS_RATE - meas_lat)
    return lat, meas_lat


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clicks", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    miss = missing_tools()
    if miss:
        print("cannot run: missing", ", ".join(miss))
        return 1
    with tempfile.TemporaryDirectory() as tmp, virtual_audio(tmp) as va:
        print(f"virtual audio (PipeWire) up in {va.startup_s * 1000:.0f} ms")
        ep = make_endpoint()
        try:
            idle = cpu_per_second(ep, args.seconds)
            b = AudioBridge(RATE, 20)
            b.create()
            b.open_devices("seat_mic", "seat_speaker")
            b.media.startTransmit(b.media)              # mic -> conference -> speaker
            pump(ep, 1.0)
            lat, meas_lat = measure_clicks(ep, args.clicks)
            busy = cpu_per_second(ep, args.seconds)
            s = b.stats
            b.media.stopTransmit(b.media)
            b.destroy()
            del b
            gc.collect()
            pump(ep, 0.05)
        finally:
            ep.libDestroy(pj.PJSUA_DESTROY_NO_NETWORK)
            del ep
    print(f"measuring stream's own latency (removed): {meas_lat:.1f} ms")
    if lat:
        a = np.array(lat)
        print(f"loop mic->bridge->conference->bridge->speaker: median {np.median(a):.1f} ms, "
              f"min {a.min():.1f}, max {a.max():.1f} ({len(a)} clicks)")
        print(f"bridge's share (loop minus one 20 ms conference tick): "
              f"~{np.median(a) - 20:.1f} ms round trip, ~{(np.median(a) - 20) / 2:.1f} ms per "
              "direction")
    else:
        print("no click came back")
    print(f"bridge's own estimate (stats.added_latency_ms): {s.added_latency_ms} ms "
          f"(mic stream {s.mic_stream_ms} + mic ring {s.mic_buffer_ms} + speaker ring "
          f"{s.speaker_buffer_ms} + speaker stream {s.speaker_stream_ms})")
    print("through a call, pjmedia adds its own path on top: ~26 ms with G.722 (stack-notes)")
    print(f"CPU: endpoint idle {idle * 100:.1f} % of a core; with the bridge looping "
          f"{busy * 100:.1f} %; the bridge's share ~{(busy - idle) * 100:.1f} % of a core "
          f"(= {(busy - idle) * 1000:.1f} ms CPU per second)")
    print(f"underruns mic/speaker {s.mic_underruns}/{s.speaker_underruns}, overruns "
          f"{s.mic_overruns}/{s.speaker_overruns}, device xruns {s.device_xruns}, "
          f"callback errors {s.callback_errors}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

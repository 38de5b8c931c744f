"""Bench: the AudioBridge's added latency, glitches and CPU, through the app's own SIP
engine, on the private virtual sound system (tests/audio_env.py).

    .venv/bin/python bench/bench_audio_bridge.py [--modes legacy,device] [--repeat 3]
        [--soak 60] [--ptime 10] [--alsa pulse|pipewire|both] [--wire]

No pjsua2 import here (only sip/ imports it): the endpoint is the app's ``SipEngine``
(clock rate 16 kHz, null sound device) polled by its own Qt timer while this script runs
``QCoreApplication.processEvents()``; the audio path is ``engine.audio``
(``sip.media.LocalAudio``). ``--ptime`` sets the conference bridge's frame
(``EpConfig.medConfig.audioFramePtime``) by wrapping the engine's ``libInit`` for this
process only; without it the engine's own setting is measured.

What "added latency" means here (what issue 2 asks for: "the audio bridge's added
latency"): the time from a sound being *in the microphone device* to it being *in the
speaker device*, with the bridge looping the microphone back to the speaker through the
conference bridge (``set_loopback``). Everything the bridge owns is in it: its PortAudio
capture stream (ALSA plugin and sound-server client buffers included), its rings, the
conference frame, its playback stream. It is measured from outside, in one recording of
both devices (``VirtualAudio.bridge_latency``: noise bursts played into the microphone's
feed, the mic device's monitor and the speaker device's monitor recorded as the two
channels of one stream, lag per burst by matched filter). The player's and recorder's
own latencies are not in it. "Per direction" is half the round trip; the bridge's own
estimate of the split (stream latency as PortAudio reports it + mean ring fill) is
printed next to it. Through a call pjmedia adds its own path on top (codec, RTP, jitter
buffer: ~26 ms with G.722, stack-notes).

Glitches: a 1 kHz tone goes round the loop for ``--soak`` seconds; the same two-channel
recording is searched for dropouts and phase jumps (``tone_glitches``) on the input
(what the player delivered: the sound server's or the machine's hiccups, not the
bridge's) and on the output; the bridge's own counters (underruns, cuts, device xruns)
are printed too. Modes run interleaved (``--repeat``) so that load from other processes
on this machine hits them alike; figures are medians over the repeats.

``--wire`` adds a reference: a plain PortAudio wire (capture stream -> ring -> playback
stream, no pjsua2) with the device clock's stream settings: the floor any bridge on
these devices can reach.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication  # noqa: E402

from sip.audio import devices  # noqa: E402
from tests.audio_env import (both_ends, missing_tools, sine, tone_glitches,  # noqa: E402
                             virtual_audio)

RATE = 16000
MIC, SPEAKER = "seat_mic", "seat_speaker"
APP_SWITCH_INTERVAL_S = 0.001      # what ui/main.py sets for the whole app
TONE_HZ = 1000


def spin(app, seconds: float, until=None) -> None:
    """Run the Qt loop (the engine's poll timer) for ``seconds`` or until()."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        if until is not None and until():
            return
        time.sleep(0.002)


def in_background(app, fn):
    """Run fn() in a thread while the Qt loop keeps running here; return its result."""
    box: dict = {}

    def run():
        try:
            box["v"] = fn()
        except Exception as exc:  # noqa: BLE001
            box["e"] = exc
    t = threading.Thread(target=run, daemon=True)
    t.start()
    spin(app, 3600, until=lambda: not t.is_alive())
    if "e" in box:
        raise box["e"]
    return box["v"]


def cpu_per_second(app, seconds: float) -> float:
    c0, t0 = time.process_time(), time.monotonic()
    spin(app, seconds)
    return (time.process_time() - c0) / (time.monotonic() - t0)


_PTIME = {"ms": 0}


def patch_frame_ptime() -> None:
    """Let the bench set the conference frame (``_PTIME``) of the engines it starts: wrap
    the Endpoint's libInit that sip.engine calls, in this process only (0: leave the
    engine's own setting)."""
    import sip.engine as engine_mod
    ep_cls = engine_mod.pj.Endpoint
    orig = ep_cls.libInit

    def lib_init(self, cfg, _orig=orig):
        if _PTIME["ms"]:
            cfg.medConfig.audioFramePtime = _PTIME["ms"]
        return _orig(self, cfg)
    ep_cls.libInit = lib_init


def tunings() -> dict:
    from sip.audio.bridge import ADAPTIVE_PORT_TUNING, LEGACY_TUNING, BridgeTuning
    return {"legacy": LEGACY_TUNING, "adaptive-port": ADAPTIVE_PORT_TUNING,
            "device": BridgeTuning()}


def parse_mode(spec: str, default_ptime: int):
    """"name[@ptime][:field=value;field=value]": a tuning (BridgeTuning fields changed)
    and the conference frame to run it with (0: the engine's own)."""
    head, _, rest = spec.partition(":")
    name, _, pt = head.partition("@")
    ptime = int(pt) if pt else default_ptime
    base = tunings()[name]
    changes = {}
    for kv in filter(None, rest.split(";")):
        k, _, v = kv.partition("=")
        cur = getattr(base, k)
        if isinstance(cur, bool):
            changes[k] = v.lower() in ("1", "true", "yes")
        elif v in ("none", "None"):
            changes[k] = None
        else:
            try:
                changes[k] = float(v)
            except ValueError:
                changes[k] = v
    return spec, dataclasses.replace(base, **changes), ptime


def glitches_both(x: np.ndarray, trim_s: float = 0.5) -> tuple[dict, dict]:
    st = x[: len(x) // 2 * 2].reshape(-1, 2)
    t = int(trim_s * RATE)
    a, b = st[t:-t or None, 0], st[t:-t or None, 1]
    return tone_glitches(a, RATE, TONE_HZ), tone_glitches(b, RATE, TONE_HZ)


_COUNTERS = ("mic_underruns", "mic_overruns", "speaker_underruns", "speaker_overruns",
             "device_xruns", "callback_errors", "mic_trimmed", "mic_padded",
             "speaker_trimmed", "speaker_padded")


def run_mode(app, eng, va, name, tuning, args) -> dict:
    audio = eng.audio
    audio.close_devices()                        # a new bridge for each tuning
    audio.tuning = tuning
    sys.setswitchinterval(APP_SWITCH_INTERVAL_S)
    audio.open_devices(MIC, SPEAKER)
    spin(app, 1.0)
    idle = cpu_per_second(app, args.idle)        # devices open, no call: the app's idle
    audio.set_loopback(True)
    b = audio.bridge
    spin(app, args.settle)
    lags = in_background(app, lambda: va.bridge_latency(args.bursts)["lags_ms"])
    s_lat = b.stats
    s0 = b.stats
    # a player with a deep buffer: its own hiccups are not what is measured
    player = va.play(sine(TONE_HZ, args.soak + 3, RATE, -20.0), RATE, "seat_mic_src",
                     latency_ms=200)
    with both_ends(va, RATE) as rec:
        spin(app, 0.5)
        busy = cpu_per_second(app, args.soak)
        s1 = b.stats
        x = rec.stop()
    player.kill()
    player.wait()
    g_in, g_out = glitches_both(x)
    audio.set_loopback(False)
    d = {k: getattr(s1, k) - getattr(s0, k) for k in _COUNTERS}
    return dict(name=name, lags=lags, rt=float(np.median(lags)) if lags else float("nan"),
                stats=s_lat, end=s1, soak=d, busy=busy, g_in=g_in, g_out=g_out, idle_open=idle)


def run_wire(app, va, tuning, args) -> dict:
    """A plain wire with the device clock's stream settings (block, latency)."""
    from sip.audio.bridge import _Ring
    sd = devices.sd
    block = int(RATE * (tuning.block_ms or args.frame_ms) / 1000)
    ring = _Ring(RATE * 2, RATE)
    cnt = {"under": 0, "xruns": 0}
    head = int(0.002 * RATE)

    def mic_cb(indata, frames, _t, status):
        if status:
            cnt["xruns"] += 1
        ring.write(indata[:, 0].copy())

    def spk_cb(outdata, frames, _t, status):
        if status:
            cnt["xruns"] += 1
        f = ring.fill()
        if f - frames > head + 4 * block:
            ring.skip(f - frames - head)
        n = ring.read_into(outdata[:, 0], frames)
        if n < frames:
            outdata[n:, 0] = 0
            cnt["under"] += 1
    dev_in = devices.find_device(MIC, output=False).index
    dev_out = devices.find_device(SPEAKER, output=True).index
    so = sd.OutputStream(device=dev_out, samplerate=RATE, channels=1, dtype="int16",
                         blocksize=block, latency=tuning.stream_latency, callback=spk_cb)
    si = sd.InputStream(device=dev_in, samplerate=RATE, channels=1, dtype="int16",
                        blocksize=block, latency=tuning.stream_latency, callback=mic_cb)
    with so, si:
        spin(app, args.settle)
        lags = in_background(app, lambda: va.bridge_latency(args.bursts)["lags_ms"])
        u0 = cnt["under"]
        player = va.play(sine(TONE_HZ, args.soak + 3, RATE, -20.0), RATE, "seat_mic_src",
                         latency_ms=200)
        with both_ends(va, RATE) as rec:
            spin(app, 0.5 + args.soak)
            x = rec.stop()
        player.kill()
        player.wait()
        under = cnt["under"] - u0
    g_in, g_out = glitches_both(x)
    return dict(rt=float(np.median(lags)) if lags else float("nan"), lags=lags,
                under=under, lat=(si.latency * 1000, so.latency * 1000), g_in=g_in,
                g_out=g_out)


def direction_split(e) -> tuple[float, float]:
    """(mic, speaker) ms of a device-clocked bridge from PortAudio's per-callback timing:
    a sample waits ADC -> callback (less half a block on average), then in the mic ring
    until a tick; the tick's frame goes to the DAC (plus half a frame on average, and
    whatever a tick gave beyond the block)."""
    mic = e.mic_device_ms - e.block_ms / 2 + e.mic_buffer_ms
    spk = e.speaker_device_ms + e.frame_ms / 2 + e.speaker_buffer_ms
    return mic, spk


def _excess(r: dict) -> int:
    go, gi = r["g_out"], r["g_in"]
    return max(0, go["dropouts"] + go["jumps"] - gi["dropouts"] - gi["jumps"])


def paired(results: dict[str, list[dict]]) -> None:
    """Each mode against the first one, repeat by repeat (the same minute of load)."""
    names = list(results)
    if len(names) < 2:
        return
    base = results[names[0]]
    print(f"\npaired with '{names[0]}' (same repeat, minutes apart at most):")
    for name in names[1:]:
        runs = results[name]
        d_rt = [r["rt"] - b["rt"] for r, b in zip(runs, base)]
        d_g = [_excess(r) - _excess(b) for r, b in zip(runs, base)]
        print(f"  {name}: round trip {np.nanmedian(d_rt):+.1f} ms (median of "
              f"{np.round(d_rt, 1).tolist()}), added glitches {np.median(d_g):+.0f} "
              f"(median of {d_g})")


def report(name: str, runs: list[dict], idle: float, soak_s: float) -> None:
    rts = [r["rt"] for r in runs]
    rt = float(np.nanmedian(rts))
    print(f"\n== {name} ==")
    print(f"round trip mic device -> speaker device: median {rt:.1f} ms over {len(runs)} "
          f"run(s) {np.round(rts, 1).tolist()}  => per direction {rt / 2:.1f} ms")
    e = runs[-1]["stats"]
    print(f"  clock {e.clock}, conference frame {e.frame_ms} ms, PortAudio block "
          f"{e.block_ms:g} ms, streams reported {e.mic_stream_ms:g}/{e.speaker_stream_ms:g} ms")
    if e.clock == "device":
        splits = [direction_split(r["stats"]) for r in runs]
        mic = float(np.median([m for m, _ in splits]))
        spk = float(np.median([k for _, k in splits]))
        print(f"  split from PortAudio's own timing (medians): mic {mic:.1f} ms (ADC -> "
              f"callback - half a block + mic ring), speaker {spk:.1f} ms (callback -> DAC "
              f"+ half a frame + carry-over); sum {mic + spk:.1f} against the "
              f"{rt:.1f} measured")
    else:
        mic_dir = e.mic_stream_ms + e.mic_buffer_ms
        spk_dir = e.speaker_stream_ms + e.speaker_buffer_ms
        print(f"  bridge's own estimate (last run): mic {mic_dir:.1f} ms (stream "
              f"{e.mic_stream_ms} + ring {e.mic_buffer_ms}), speaker {spk_dir:.1f} ms (stream "
              f"{e.speaker_stream_ms} + ring {e.speaker_buffer_ms})")
    if e.mic_target_ms or e.speaker_target_ms:
        print(f"  headroom min/target: mic {e.mic_headroom_ms}/{e.mic_target_ms} ms, speaker "
              f"{e.speaker_headroom_ms}/{e.speaker_target_ms} ms")
    for i, r in enumerate(runs):
        d = r["soak"]
        gi, go = r["g_in"], r["g_out"]
        print(f"  soak {soak_s:.0f} s #{i + 1}: output glitches {go['dropouts']} dropouts + "
              f"{go['jumps']} jumps (input had {gi['dropouts']} + {gi['jumps']}); bridge: "
              f"underruns mic/speaker {d['mic_underruns']}/{d['speaker_underruns']}, cuts "
              f"{d['mic_overruns']}/{d['speaker_overruns']}, device xruns {d['device_xruns']}, "
              f"callback errors {d['callback_errors']}; slow corrections (samples "
              f"trimmed/padded) mic {d['mic_trimmed']}/{d['mic_padded']}, speaker "
              f"{d['speaker_trimmed']}/{d['speaker_padded']}")
    ex = [_excess(r) for r in runs]
    own = [r["soak"]["mic_underruns"] + r["soak"]["speaker_underruns"] + r["soak"]["mic_overruns"]
           + r["soak"]["speaker_overruns"] + r["soak"]["device_xruns"] for r in runs]
    print(f"  glitches the bridge added (output minus input events) per {soak_s:.0f} s: median "
          f"{np.median(ex):.0f} {ex}; its own counters (underruns + cuts + xruns): median "
          f"{np.median(own):.0f} {own}")
    busy = float(np.median([r["busy"] for r in runs]))
    idle_open = float(np.median([r["idle_open"] for r in runs]))
    print(f"  CPU: devices open, no call {idle_open * 100:.1f} % of a core (+"
          f"{(idle_open - idle) * 100:.1f} over the engine alone); with the loop busy "
          f"{busy * 100:.1f} % (+{(busy - idle) * 100:.1f})")


def bench(plugin: str, args) -> None:
    app = QCoreApplication.instance() or QCoreApplication([])
    modes = [parse_mode(m, args.ptime) for m in args.modes.split(",")]
    groups: dict[int, list] = {}
    for name, tuning, ptime in modes:           # one engine per conference frame
        groups.setdefault(ptime, []).append((name, tuning))
    results: dict[str, list[dict]] = {name: [] for name, _, _ in modes}
    wires = []
    idle = []
    problems = []
    with tempfile.TemporaryDirectory() as tmp, virtual_audio(tmp, plugin) as va:
        print(f"\n##### ALSA plugin '{plugin}': virtual audio (PipeWire) up in "
              f"{va.startup_s * 1000:.0f} ms")
        from sip.engine import SipEngine
        for rep in range(args.repeat):
            if args.wire:
                wires.append(run_wire(app, va, modes[-1][1], args))
            for ptime, group in groups.items():
                _PTIME["ms"] = ptime
                eng = SipEngine()
                eng.start()
                try:
                    sys.setswitchinterval(APP_SWITCH_INTERVAL_S)
                    idle.append(cpu_per_second(app, args.idle))
                    for name, tuning in group:
                        r = run_mode(app, eng, va, name, tuning, args)
                        results[name].append(r)
                        print(f"  [{rep + 1}/{args.repeat}] {name}: round trip {r['rt']:.1f} ms,"
                              f" output glitches {r['g_out']['dropouts']}+{r['g_out']['jumps']}"
                              f" (input {r['g_in']['dropouts']}+{r['g_in']['jumps']}), load "
                              f"{os.getloadavg()[0]:.2f}", flush=True)
                    problems += eng.audio.poll_problems()
                finally:
                    eng.shutdown()
                    del eng
    idle_cpu = float(np.median(idle))
    print(f"\nCPU: engine idle (no devices) {idle_cpu * 100:.1f} % of a core")
    if wires:
        rts = [w["rt"] for w in wires]
        print(f"reference wire (PortAudio capture -> ring -> playback, no pjsua2; streams "
              f"reported {wires[0]['lat'][0]:.0f}/{wires[0]['lat'][1]:.0f} ms): round trip "
              f"median {np.nanmedian(rts):.1f} ms {np.round(rts, 1).tolist()}; glitches it "
              f"added per {args.soak:.0f} s: median {np.median([_excess(w) for w in wires]):.0f} "
              f"{[_excess(w) for w in wires]}, ring underruns {[w['under'] for w in wires]}")
    for name, runs in results.items():
        report(name, runs, idle_cpu, args.soak)
    paired(results)
    if problems:
        print("audio problems reported:", problems)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--modes", default="legacy,device@10",
                    help="comma list of legacy | adaptive-port | device, each optionally "
                         "with '@ms' (conference frame) and ':field=value;field=value' "
                         "(BridgeTuning fields)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bursts", type=int, default=12)
    ap.add_argument("--soak", type=float, default=60.0, help="seconds of glitch counting")
    ap.add_argument("--settle", type=float, default=3.0)
    ap.add_argument("--idle", type=float, default=3.0)
    ap.add_argument("--ptime", type=int, default=0,
                    help="conference frame in ms for modes without '@ms' (0: the engine's "
                         "own setting)")
    ap.add_argument("--alsa", default="pulse", choices=("pulse", "pipewire", "both"))
    ap.add_argument("--wire", action="store_true", help="also measure a plain PortAudio wire")
    args = ap.parse_args()
    args.frame_ms = 10
    miss = missing_tools()
    if miss:
        print("cannot run: missing", ", ".join(miss))
        return 1
    patch_frame_ptime()
    print(f"conference frame: {args.ptime or 'engine default'} ms unless a mode says; GIL switch interval "
          f"{APP_SWITCH_INTERVAL_S * 1000:.1f} ms (as the app); {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    for plugin in (("pulse", "pipewire") if args.alsa == "both" else (args.alsa,)):
        bench(plugin, args)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

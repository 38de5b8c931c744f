"""A private, virtual sound system for audio tests (no sound card needed).

``virtual_audio(tmpdir)`` starts, as children of the test process and all under
``tmpdir``: a private ``dbus-daemon --session`` (wireplumber needs one), ``pipewire``,
``wireplumber`` and ``pipewire-pulse``, with null sinks:

* ``seat_speaker``  - the seat's speaker; record what was played with ``record()`` on its
  monitor (``seat_speaker.monitor``).
* ``seat_mic_src``  - feed for the microphone: ``play()`` writes into it, and its monitor
  is the PortAudio input device ``seat_mic``.
* ``seat_headset``  - a second speaker/mic pair (``seat_headset`` / ``seat_headset_mic``)
  meant to be "unplugged" with ``unplug("seat_headset")``.
* ``ringer``        - where a Ringer can ring.

It writes an ALSA config (``ALSA_CONFIG_PATH``: alsa.conf plus one PCM per device, and
``default``) so PortAudio lists those names, points this process at the private server
(``XDG_RUNTIME_DIR``, ``PULSE_SERVER``) and re-initialises PortAudio (sounddevice
initialises it at import, and PortAudio reads the ALSA config and scans devices only
then). The PCMs go through the ALSA ``pulse`` plugin (as on a PulseAudio desktop) or,
with ``alsa_plugin="pipewire"`` / ``HOTLINE_AUDIO_ALSA=pipewire``, through PipeWire's own
(pipewire-alsa). On exit every child is killed and the environment and PortAudio's
device list are restored. The real home directory is never touched.

Probes for the bench and the tests: ``VirtualAudio.bridge_latency()`` (the time from the
mic device to the speaker device, from one recording of both) and ``tone_glitches()``
(dropouts and phase jumps in a steady tone); see the "latency" section below.

Needs: pipewire, pipewire-pulse, wireplumber, dbus-daemon, pactl, pacat/parec, pw-cli,
pw-link, libasound2-plugins (the ALSA ``pulse`` plugin). ``missing_tools()`` says what is
missing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REQUIRED = ("pipewire", "pipewire-pulse", "wireplumber", "dbus-daemon", "pactl", "pacat", "parec",
            "pw-cli", "pw-link")
SINKS = ("seat_speaker", "seat_mic_src", "seat_headset", "ringer")
# PortAudio device name -> pulse device
PCMS = {
    "seat_speaker": "seat_speaker",
    "seat_mic": "seat_mic_src.monitor",
    "seat_headset": "seat_headset",
    "seat_headset_mic": "seat_headset.monitor",
    "ringer": "ringer",
    # for measurements from inside the test process (bench): write into the mic's feed,
    # read what the speaker played
    "seat_mic_feed": "seat_mic_src",
    "seat_speaker_monitor": "seat_speaker.monitor",
}
_ENV_KEYS = ("XDG_RUNTIME_DIR", "PULSE_SERVER", "ALSA_CONFIG_PATH", "PIPEWIRE_RUNTIME_DIR")


def missing_tools() -> list[str]:
    missing = [t for t in REQUIRED if shutil.which(t) is None]
    if not any(Path(p).exists() for p in (
            "/usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so",
            "/usr/lib/aarch64-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so",
            "/usr/lib64/alsa-lib/libasound_module_pcm_pulse.so")):
        missing.append("libasound2-plugins (ALSA pulse plugin)")
    return missing


class AudioEnvError(RuntimeError):
    pass


@dataclass
class Recording:
    proc: subprocess.Popen
    chunks: list = field(default_factory=list)
    thread: threading.Thread | None = None
    started: float = 0.0
    rate: int = 16000

    def samples(self) -> np.ndarray:
        """What was recorded so far (mono int16); the recorder goes on."""
        raw = b"".join(self.chunks)
        return np.frombuffer(raw[: len(raw) // 2 * 2], "<i2").copy()

    def wait_audio(self, pred, timeout: float = 10.0, pump=None,
                   what: str = "audio") -> np.ndarray:
        """Poll the recording so far until ``pred(samples)`` holds; return those samples.
        ``pump(seconds)`` runs the caller's event loop meanwhile (default: sleep). Raises
        AssertionError after ``timeout``: the audio never came."""
        pump = pump or time.sleep
        end = time.monotonic() + timeout
        while True:
            x = self.samples()
            if pred(x):
                return x
            if time.monotonic() >= end or self.proc.poll() is not None:
                on = onset(x, self.rate)
                raise AssertionError(
                    f"no {what} within {timeout} s: {len(x) / self.rate:.2f} s recorded, "
                    f"signal from {'nowhere' if on is None else f'{on / self.rate:.2f} s'}")
            pump(0.02)

    def wait_tone(self, seconds: float, pump=None, settle_s: float = 0.2,
                  threshold_dbfs: float = -40.0, timeout: float = 10.0) -> np.ndarray:
        """``seconds`` of the recording, starting ``settle_s`` after the signal's onset
        (its first 10 ms block above ``threshold_dbfs``), as soon as that much was
        recorded: a measurement window that holds the signal however late the player,
        the bridge or the sound server started on a busy machine. Fails (AssertionError)
        when no such stretch is recorded within ``timeout``; what is in it (pitch,
        level, dropouts) is for the caller to check."""
        rate = self.rate
        skip, n = int(settle_s * rate), int(seconds * rate)

        def enough(x):
            on = onset(x, rate, threshold_dbfs)
            return on is not None and len(x) - on >= skip + n
        x = self.wait_audio(enough, timeout, pump, f"{settle_s + seconds} s of signal")
        start = onset(x, rate, threshold_dbfs) + skip
        return x[start:start + n]

    def wait_capturing(self, timeout: float = 5.0) -> None:
        """Wait until the recorder delivers audio (parec takes up to ~0.8 s to start on
        a busy machine; what plays before that is not recorded)."""
        end = time.monotonic() + timeout
        while not self.chunks and self.proc.poll() is None and time.monotonic() < end:
            time.sleep(0.01)
        if not self.chunks:
            raise AudioEnvError(f"the recorder delivered nothing within {timeout} s")

    def stop(self) -> np.ndarray:
        """Stop and return what was recorded (mono int16)."""
        with contextlib.suppress(Exception):
            self.proc.terminate()
        try:
            self.proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.thread is not None:
            self.thread.join(timeout=3)
        raw = b"".join(self.chunks)
        return np.frombuffer(raw[: len(raw) // 2 * 2], "<i2").copy()


# PortAudio device name -> PipeWire node, when the ALSA devices go through PipeWire's own
# ALSA plugin (``type pipewire``; capturing from a sink node records its monitor)
PW_NODES = {
    "seat_speaker": "seat_speaker",
    "seat_mic": "seat_mic_src",
    "seat_headset": "seat_headset",
    "seat_headset_mic": "seat_headset",
    "ringer": "ringer",
    "seat_mic_feed": "seat_mic_src",
    "seat_speaker_monitor": "seat_speaker",
}
ALSA_PLUGINS = ("pulse", "pipewire")


def default_alsa_plugin() -> str:
    """``HOTLINE_AUDIO_ALSA`` (pulse | pipewire); pulse by default: the ALSA ``pulse``
    plugin is what PortAudio goes through on PulseAudio desktops and, unless
    pipewire-alsa is installed, on PipeWire ones too; it is also the slower of the two."""
    v = os.environ.get("HOTLINE_AUDIO_ALSA", "pulse").strip().lower()
    return v if v in ALSA_PLUGINS else "pulse"


class VirtualAudio:
    def __init__(self, root: Path, alsa_plugin: str | None = None) -> None:
        self.root = Path(root)
        self.alsa_plugin = alsa_plugin or default_alsa_plugin()
        if self.alsa_plugin not in ALSA_PLUGINS:
            raise ValueError(f"alsa_plugin must be one of {ALSA_PLUGINS}")
        self.run = self.root / "run"
        self.env = dict(os.environ)
        self._procs: list[tuple[str, subprocess.Popen]] = []
        self._saved_env: dict[str, str | None] = {}
        self.alsa_conf = self.root / "asound.conf"
        self.modules: dict[str, str] = {}
        self.startup_s = 0.0

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        t0 = time.monotonic()
        self.run.mkdir(parents=True, exist_ok=True)
        os.chmod(self.run, 0o700)
        for sub in ("state", "config", "cache"):
            (self.root / sub).mkdir(exist_ok=True)
        bus = self.run / "bus"
        self.env.update({
            "XDG_RUNTIME_DIR": str(self.run),
            "PIPEWIRE_RUNTIME_DIR": str(self.run),
            "DBUS_SESSION_BUS_ADDRESS": f"unix:path={bus}",
            "XDG_STATE_HOME": str(self.root / "state"),
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "XDG_CACHE_HOME": str(self.root / "cache"),
            "PULSE_SERVER": f"unix:{self.run / 'pulse' / 'native'}",
            "PIPEWIRE_LOG_LEVEL": "1",
            "WIREPLUMBER_DEBUG": "1",
        })
        for k in ("DISPLAY", "WAYLAND_DISPLAY", "PULSE_SINK", "PULSE_SOURCE"):
            self.env.pop(k, None)
        self._spawn("dbus-daemon", ["dbus-daemon", "--session", "--nofork", "--nopidfile",
                                    f"--address=unix:path={bus}"])
        self._wait(lambda: bus.exists(), "dbus-daemon socket")
        self._spawn("pipewire", ["pipewire"])
        self._wait(lambda: (self.run / "pipewire-0").exists(), "pipewire socket")
        self._spawn("wireplumber", ["wireplumber"])
        self._spawn("pipewire-pulse", ["pipewire-pulse"])
        self._wait(lambda: self._ok(["pactl", "info"]), "pipewire-pulse")
        for sink in SINKS:
            self._load_sink(sink)
        self._wait(lambda: all(s in self.pactl("list", "short", "sinks") for s in SINKS),
                   "null sinks")
        # pipewire-pulse answers "Not supported" until wireplumber has made its "default"
        # metadata (seen on a loaded machine): retry until both defaults are set
        self._wait(self._set_defaults, "default sink and source set")
        self._write_alsa_conf()
        self._point_process_here()
        self.startup_s = time.monotonic() - t0

    def stop(self) -> None:
        self._restore_process()
        for name, proc in reversed(self._procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        for name, proc in reversed(self._procs):
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=3)
        self._procs.clear()

    def _load_sink(self, sink: str) -> None:
        self.modules[sink] = self.pactl("load-module", "module-null-sink", f"sink_name={sink}",
                                        "channels=1", "channel_map=mono", "rate=48000",
                                        f"sink_properties=device.description={sink}").strip()

    def _set_defaults(self) -> bool:
        for what, name in (("sink", "seat_speaker"), ("source", "seat_mic_src.monitor")):
            if not self._ok(["pactl", f"set-default-{what}", name]):
                return False
        return (self.pactl("get-default-sink").strip() == "seat_speaker" and
                self.pactl("get-default-source").strip() == "seat_mic_src.monitor")

    def pids(self) -> list[int]:
        return [p.pid for _, p in self._procs]

    # ---- helpers -----------------------------------------------------------------------
    def _spawn(self, name: str, argv: list[str]) -> None:
        log = open(self.root / f"{name}.log", "wb")
        proc = subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self._procs.append((name, proc))

    def _wait(self, cond, what: str, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for name, proc in self._procs:
                if proc.poll() is not None:
                    raise AudioEnvError(f"{name} exited ({proc.returncode}); see "
                                        f"{self.root / (name + '.log')}")
            if cond():
                return
            time.sleep(0.02)
        raise AudioEnvError(f"timed out waiting for {what}")

    def _ok(self, argv: list[str]) -> bool:
        return subprocess.run(argv, env=self.env, capture_output=True, timeout=5).returncode == 0

    def pactl(self, *args: str) -> str:
        r = subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True,
                           timeout=10)
        if r.returncode != 0:
            raise AudioEnvError(f"pactl {' '.join(args)}: {r.stderr.strip() or r.stdout.strip()}")
        return r.stdout

    def _write_alsa_conf(self) -> None:
        kind = self.alsa_plugin
        lines = ["</usr/share/alsa/alsa.conf>",
                 f"pcm.!default {{ type {kind} hint {{ show on description \"default\" }} }}",
                 f"ctl.!default {{ type {kind} }}"]
        for pcm, dev in PCMS.items():
            if kind == "pulse":
                where = f'device "{dev}"'
            else:
                node = PW_NODES[pcm]
                where = f'playback_node "{node}" capture_node "{node}"'
            lines.append(f'pcm.{pcm} {{ type {kind} {where} '
                         f'hint {{ show on description "{pcm}" }} }}')
        self.alsa_conf.write_text("\n".join(lines) + "\n")
        self.env["ALSA_CONFIG_PATH"] = str(self.alsa_conf)

    def _point_process_here(self) -> None:
        for k in _ENV_KEYS:
            self._saved_env[k] = os.environ.get(k)
            os.environ[k] = self.env[k]
        from sip.audio import devices
        if not devices.rescan():
            raise AudioEnvError("PortAudio streams are open: cannot rescan devices")

    def _restore_process(self) -> None:
        if not self._saved_env:
            return
        for k, v in self._saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        self._saved_env.clear()
        from sip.audio import devices
        devices.rescan()

    # ---- signals in and out ------------------------------------------------------------
    def play(self, samples: np.ndarray, rate: int = 16000, sink: str = "seat_mic_src",
             wait: bool = False, latency_ms: int = 10) -> subprocess.Popen:
        """Play mono int16 samples into a sink (default: the microphone's feed)."""
        proc = subprocess.Popen(
            ["pacat", "--playback", f"--device={sink}", "--format=s16le", f"--rate={rate}",
             "--channels=1", f"--latency-msec={latency_ms}", "--raw",
             "--client-name=test-play"],
            env=self.env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        data = np.ascontiguousarray(samples, "<i2").tobytes()

        def feed():
            with contextlib.suppress(BrokenPipeError, ValueError, OSError):
                proc.stdin.write(data)
                proc.stdin.close()
        t = threading.Thread(target=feed, daemon=True)
        t.start()
        if wait:
            t.join()
            proc.wait(timeout=len(samples) / rate + 10)
        return proc

    @staticmethod
    def stop_playing(proc: subprocess.Popen) -> None:
        """Stop a player from ``play`` now (a tone left playing would reach the next
        test's microphone)."""
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def start_recording(self, source: str = "seat_speaker.monitor",
                        rate: int = 16000, wait: bool = True) -> Recording:
        """Record a source (default: what the seat's speaker played) as mono int16.
        ``wait``: return once the recorder delivers audio (Recording.wait_capturing)."""
        proc = subprocess.Popen(
            ["parec", f"--device={source}", "--format=s16le", f"--rate={rate}", "--channels=1",
             "--latency-msec=10", "--raw", "--client-name=test-rec"],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL)
        rec = Recording(proc=proc, started=time.monotonic(), rate=rate)

        def pump():
            while True:
                b = proc.stdout.read(3200)
                if not b:
                    break
                rec.chunks.append(b)
        rec.thread = threading.Thread(target=pump, daemon=True)
        rec.thread.start()
        if wait:
            rec.wait_capturing()
        return rec

    def record(self, seconds: float, source: str = "seat_speaker.monitor",
               rate: int = 16000) -> np.ndarray:
        rec = self.start_recording(source, rate)
        time.sleep(seconds)
        return rec.stop()

    def bridge_latency(self, bursts: int = 10, period_s: float = 0.5, rate: int = 48000) -> dict:
        """Round-trip latency of whatever carries ``seat_mic`` to ``seat_speaker`` (the
        bridge in loopback), per burst, from one recording of both devices: see the
        "latency" section below. Returns {"lags_ms": [...]}; bursts not found are left
        out."""
        return _bridge_latency(self, bursts, period_s, rate)

    def streams_on(self, sink: str) -> list[str]:
        """PipeWire object ids of client streams playing to ``sink`` or recording from
        its monitor."""
        return [stream for stream, _client in self._streams_and_clients(sink)]

    def _streams_and_clients(self, sink: str) -> list[tuple[str, str | None]]:
        sinks = {s["name"]: s["index"] for s in json.loads(self.pactl("-f", "json", "list", "sinks"))}
        sources = {s["name"]: s["index"] for s in
                   json.loads(self.pactl("-f", "json", "list", "sources"))}
        out = []
        for si in json.loads(self.pactl("-f", "json", "list", "sink-inputs")):
            if si.get("sink") == sinks.get(sink):
                out.append((str(si["properties"]["object.id"]), si["properties"].get("client.id")))
        for so in json.loads(self.pactl("-f", "json", "list", "source-outputs")):
            if so.get("source") == sources.get(f"{sink}.monitor"):
                out.append((str(so["properties"]["object.id"]), so["properties"].get("client.id")))
        return out

    def unplug(self, sink: str) -> list[str]:
        """Emulate a headset pulled out: the sink goes away and so do the streams that
        were on it.

        A sound server on its own *moves* streams off a removed sink to the default one
        (PortAudio then sees nothing at all); a USB headset on raw ALSA, or on WASAPI,
        instead fails the stream. Destroying the streams' clients first reproduces that
        failure, which is the case the bridge has to survive. The *client* (each ALSA
        PCM's own connection to the server), not just the stream: after a destroyed
        stream PortAudio may see an underrun, recover, and the ALSA plugin then makes a
        new stream on the same connection, which the server puts on the default sink
        (seen once in 50 runs under load: the speaker played on, unnoticed). Returns the
        ids of the streams that went."""
        found = self._streams_and_clients(sink)
        ids = [stream for stream, _client in found]
        for target in dict.fromkeys(client or stream for stream, client in found):
            subprocess.run(["pw-cli", "destroy", str(target)], env=self.env,
                           capture_output=True, timeout=5)
        # the destroys are asynchronous: a stream still there when the sink goes is moved
        # to the default sink instead of failing (seen once under load: only the
        # microphone failed, the speaker stream played on unnoticed)
        self._wait(lambda: not set(ids) & set(self.streams_on(sink)),
                   f"streams {ids} on {sink} destroyed")
        self.pactl("unload-module", self.modules.pop(sink))
        return ids

    def replug(self, sink: str) -> None:
        """Bring back a sink that ``unplug`` removed (the headset plugged in again)."""
        if sink in self.modules:
            return
        self._load_sink(sink)
        self._wait(lambda: sink in self.pactl("list", "short", "sinks"), f"sink {sink}")


@contextlib.contextmanager
def virtual_audio(tmpdir, alsa_plugin: str | None = None) -> VirtualAudio:
    """Context manager: a running VirtualAudio under ``tmpdir``; everything is killed and
    restored on exit, also on failure. ``alsa_plugin``: how PortAudio reaches the sound
    server (see ``default_alsa_plugin``)."""
    missing = missing_tools()
    if missing:
        raise AudioEnvError("missing: " + ", ".join(missing))
    va = VirtualAudio(Path(tmpdir), alsa_plugin)
    try:
        va.start()
        yield va
    finally:
        va.stop()


# --------------------------------------------------------------------------- analysis

def tone_freq_and_level(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """(peak frequency in Hz, RMS level in dBFS) of int16 samples. Frequency: Hann-windowed
    FFT peak refined by parabolic interpolation of the log magnitude."""
    x = np.asarray(samples, np.float64)
    if len(x) < 16:
        return 0.0, -100.0
    rms = np.sqrt(np.mean(x ** 2))
    level = 20 * np.log10(rms / 32768.0) if rms > 0 else -100.0
    xw = (x - x.mean()) * np.hanning(len(x))
    spec = np.abs(np.fft.rfft(xw))
    k = int(np.argmax(spec[1:])) + 1
    if 1 <= k < len(spec) - 1:
        a, b, c = np.log(spec[k - 1:k + 2] + 1e-12)
        denom = a - 2 * b + c
        delta = 0.5 * (a - c) / denom if denom != 0 else 0.0
    else:
        delta = 0.0
    return (k + delta) * rate / len(x), float(level)


def assert_pitch(hz: float, expected: float) -> None:
    """A tone that went through the bridge and a device has its pitch. Under load the
    pitch moves a little, by design: the bridge's adaptive control resamples the microphone
    ring by up to ``BridgeTuning.max_correction`` (1.25 %) to absorb clock drift and late
    callbacks, and the sound server rate-matches a client stream whose buffer drifts
    (PipeWire's adaptive resampling, on the ``default`` device). CI saw 993.7 Hz for 1000
    after a fallback to ``default`` and 705.4 Hz for 700 on the microphone. Allowed: that
    correction plus 2 Hz of estimation. A wrong rate conversion (16/44.1/48 kHz mixed up)
    is 8 % or more off and still fails. Not for in-process DSP, which is exact."""
    from sip.audio.bridge import BridgeTuning
    allowed = expected * BridgeTuning().max_correction + 2.0
    assert hz is not None and abs(hz - expected) <= allowed, \
        f"{hz} Hz, expected {expected} +- {allowed:.1f}"


def block_levels(x: np.ndarray, rate: int, block_ms: float = 10.0) -> np.ndarray:
    """RMS level (dBFS) of each whole ``block_ms`` block of int16 samples."""
    blk = max(1, int(rate * block_ms / 1000))
    n = len(x) // blk
    b = np.asarray(x[: n * blk], np.float64).reshape(n, blk)
    return 10 * np.log10(np.mean(b ** 2, axis=1) / 32768.0 ** 2 + 1e-20)


def onset(x: np.ndarray, rate: int, threshold_dbfs: float = -40.0) -> int | None:
    """Sample index of the first 10 ms block above ``threshold_dbfs``; None if none."""
    on = np.nonzero(block_levels(x, rate) > threshold_dbfs)[0]
    return int(on[0]) * (rate // 100) if len(on) else None


def sine(freq: float, seconds: float, rate: int = 16000, dbfs: float = -12.0) -> np.ndarray:
    """A sine at ``dbfs`` *RMS* (peak = RMS + 3 dB), int16."""
    t = np.arange(int(seconds * rate)) / rate
    amp = 10 ** (dbfs / 20) * np.sqrt(2) * 32767
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def active_segment(x: np.ndarray, rate: int, threshold_dbfs: float = -50.0,
                   trim_s: float = 0.1) -> np.ndarray:
    """The part of x between the first and last 10 ms block above threshold, with trim_s
    cut from both ends (start/stop transients)."""
    blk = rate // 100
    if len(x) < blk:
        return x[:0]
    on = np.nonzero(block_levels(x, rate) > threshold_dbfs)[0]
    if len(on) == 0:
        return x[:0]
    start, end = on[0] * blk, (on[-1] + 1) * blk
    t = int(trim_s * rate)
    return x[start + t: end - t] if end - start > 2 * t else x[start:end]


# --------------------------------------------------------------------------- latency
#
# The bridge's added latency, measured from outside: band-limited noise bursts (300-3400
# Hz: they survive a 16 kHz conference bridge and G.722) are played into the microphone's
# feed, and ONE recording stream takes both the microphone device (``seat_mic_src``'s
# monitor, what the bridge reads) and the speaker device (``seat_speaker``'s monitor, what
# the bridge played) as the two channels of a stereo null sink, linked port to port in
# the PipeWire graph. Both channels are captured in the same graph cycle, so the lag of a
# burst between them is the time from "in the mic device" to "out of the speaker device":
# the bridge's capture stream, whatever it does, and its playback stream. Neither the
# player's nor the recorder's own latency is in it.
#
# The links join the sinks' graphs under one driver (as a USB headset's capture and
# playback are), and the player and recorder ask for 100 ms so that they do not lower the
# graph's quantum below what the bridge's own streams ask for.

def probe_burst(rate: int, ms: float = 20.0, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(rate * ms / 1000)
    x = rng.standard_normal(n * 4)
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / rate)
    spec[(f < 300) | (f > 3400)] = 0
    x = np.fft.irfft(spec, len(x))[:n] * np.hanning(n)
    return (0.5 * 32767 * x / np.abs(x).max()).astype(np.int16)


def burst_onsets(x: np.ndarray, burst: np.ndarray, rate: int, windows: list[tuple[int, int]],
                 min_rho: float = 0.6) -> list[float | None]:
    """Position (ms, sub-sample) of ``burst`` in ``x`` inside each (start, end) window;
    None where the normalised correlation stays below ``min_rho``."""
    b = burst.astype(np.float64)
    bn = float(np.sqrt(np.dot(b, b)))
    r = x.astype(np.float64)
    out: list[float | None] = []
    for s, e in windows:
        seg = r[max(0, s):min(len(r), e + len(b))]
        if len(seg) < 2 * len(b):
            out.append(None)
            continue
        c = np.correlate(seg, b, mode="valid")
        en = np.sqrt(np.convolve(seg ** 2, np.ones(len(b)), mode="valid")) + 1e-9
        rho = c / (en * bn)
        k = int(np.argmax(rho))
        if rho[k] < min_rho:
            out.append(None)
            continue
        d = 0.0
        if 0 < k < len(c) - 1:
            y0, y1, y2 = c[k - 1], c[k], c[k + 1]
            den = y0 - 2 * y1 + y2
            d = 0.5 * (y0 - y2) / den if den != 0 else 0.0
        out.append((max(0, s) + k + d) * 1000 / rate)
    return out


def loop_lags(rec: np.ndarray, burst: np.ndarray, rate: int, period: int,
              count: int) -> list[float]:
    """Per burst: (arrival in channel 1) - (arrival in channel 0), ms. ``rec`` is
    interleaved stereo int16; bursts were played ``period`` samples apart."""
    st = rec.reshape(-1, 2)
    a, b = st[:, 0], st[:, 1]
    # find the bursts in the input channel first (the player's start is not known)
    env = np.abs(a.astype(np.float64))
    on = np.nonzero(env > 0.3 * max(1.0, env.max()))[0]
    if len(on) == 0:
        return []
    first = max(0, int(on[0]) - len(burst))
    wins = [(first + i * period - len(burst), first + i * period + len(burst))
            for i in range(count)]
    t_in = burst_onsets(a, burst, rate, wins)
    lags = []
    for t in t_in:
        if t is None:
            continue
        s = int(t * rate / 1000)
        t_out = burst_onsets(b, burst, rate, [(s, s + int(0.5 * period))])[0]
        if t_out is not None:
            lags.append(t_out - t)
    return lags


@contextlib.contextmanager
def both_ends(va: VirtualAudio, rate: int = 48000, into: str = "seat_mic_src",
              out: str = "seat_speaker"):
    """Record ``into``'s monitor (left) and ``out``'s monitor (right) in ONE stream: a
    stereo null sink whose two inputs are linked to the two monitors. Yields the
    ``Recording`` (interleaved stereo int16 from ``stop()``)."""
    probe = "latency_probe"
    mod = va.pactl("load-module", "module-null-sink", f"sink_name={probe}", "channels=2",
                   "channel_map=front-left,front-right", f"rate={rate}",
                   f"sink_properties=device.description={probe}").strip()
    links = [(f"{into}:monitor_MONO", f"{probe}:playback_FL"),
             (f"{out}:monitor_MONO", f"{probe}:playback_FR")]
    rec = None
    try:
        va._wait(lambda: f"{probe}:playback_FR" in subprocess.run(
            ["pw-link", "-i"], env=va.env, capture_output=True, text=True).stdout, "probe sink")
        for o, i in links:
            r = subprocess.run(["pw-link", o, i], env=va.env, capture_output=True, text=True)
            if r.returncode != 0:
                raise AudioEnvError(f"pw-link {o} {i}: {r.stderr.strip()}")
        proc = subprocess.Popen(
            ["parec", f"--device={probe}.monitor", "--format=s16le", f"--rate={rate}",
             "--channels=2", "--latency-msec=100", "--raw", "--client-name=latency-rec"],
            env=va.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL)
        rec = Recording(proc=proc, started=time.monotonic())

        def pump():
            while True:
                b = proc.stdout.read(9600)
                if not b:
                    break
                rec.chunks.append(b)
        rec.thread = threading.Thread(target=pump, daemon=True)
        rec.thread.start()
        time.sleep(0.3)
        yield rec
    finally:
        if rec is not None and rec.proc.poll() is None:
            rec.stop()
        for o, i in links:
            subprocess.run(["pw-link", "-d", o, i], env=va.env, capture_output=True)
        with contextlib.suppress(AudioEnvError):
            va.pactl("unload-module", mod)


def _bridge_latency(va: VirtualAudio, bursts: int, period_s: float, rate: int,
                    into: str = "seat_mic_src", out: str = "seat_speaker") -> dict:
    burst = probe_burst(rate)
    period = int(period_s * rate)
    sig = np.zeros(period * (bursts + 2), np.int16)
    for i in range(1, bursts + 1):
        sig[i * period:i * period + len(burst)] = burst
    with both_ends(va, rate, into, out) as rec:
        player = subprocess.Popen(
            ["pacat", "--playback", f"--device={into}", "--format=s16le", f"--rate={rate}",
             "--channels=1", "--latency-msec=100", "--raw", "--client-name=latency-play"],
            env=va.env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        player.communicate(sig.tobytes(), timeout=len(sig) / rate + 20)
        time.sleep(0.4)
        x = rec.stop()
    x = x[: len(x) // 2 * 2]
    # the first burst only wakes the path up
    return {"lags_ms": loop_lags(x, burst, rate, period, bursts)[1:]}


def tone_glitches(x: np.ndarray, rate: int, freq: float, win_ms: float = 2.0,
                  max_dev_hz: float = 25.0) -> dict:
    """Glitches in a steady tone: dropouts (the envelope below half its median for a
    window or more) and discontinuities (the phase jumps: instantaneous frequency more
    than ``max_dev_hz`` off: a cut of 2 samples at 16 kHz). Slow resampling corrections
    (1.25 % at most: 12.5 Hz on 1 kHz) stay inside. Use a ``freq`` whose double divides ``rate`` over ``win_ms`` (1 kHz at 16
    kHz: the demodulation's 2f term cancels exactly). Returns counts of events (runs)."""
    x = np.asarray(x, np.float64)
    n = max(2, int(rate * win_ms / 1000))
    hop = n // 2
    t = np.arange(len(x)) / rate
    z = x * np.exp(-2j * np.pi * freq * t)
    zf = np.convolve(z, np.ones(n) / n, mode="valid")[::hop]
    if len(zf) < 4:
        return {"dropouts": 0, "jumps": 0, "windows": 0}
    amp = np.abs(zf)
    med = float(np.median(amp))
    low = amp < 0.5 * med
    ph = np.unwrap(np.angle(zf))
    f_dev = np.diff(ph) * rate / (2 * np.pi * hop)
    f_dev -= np.median(f_dev)
    jump = np.abs(f_dev) > max_dev_hz
    jump &= ~low[1:] & ~low[:-1]                 # counted as dropouts already

    def runs(mask: np.ndarray) -> int:
        m = mask.astype(np.int8)
        return int(np.sum(np.diff(np.concatenate([[0], m])) == 1))
    return {"dropouts": runs(low), "jumps": runs(jump), "windows": len(zf)}

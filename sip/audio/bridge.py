"""The softphone's own audio path: pjsua's conference bridge <-> OS sound devices.

pjsua2's wheel has no sound device (only the null device), so call audio reaches the
headset through PortAudio (sounddevice): an InputStream for the microphone and an
OutputStream for the speaker, on separate devices. docs/audio.md has the design, the
figures and the tuning; in short, two ways to clock the conference (``BridgeTuning.clock``):

* ``"device"`` (the default where pjsua's C functions are reachable: the Linux wheel):
  the conference is taken off the null device (``pjsua_set_no_snd_dev``) and the
  speaker's callback ticks its master port: each tick puts one microphone frame in
  (``pjmedia_port_put_frame``) and takes the speaker frame out
  (``pjmedia_port_get_frame``), which is played at once. No speaker ring; one mic ring
  with an adaptive headroom control; a late mic frame is concealed by pjmedia.
  ``close_devices`` gives the conference back to the null device; a speaker lost with
  no fallback leaves a stand-in clock thread ticking it.
* ``"pjmedia"`` (the fallback, e.g. a Windows .pyd that exports nothing): pjsua's null
  device ticks the conference, the bridge is one ``pj.AudioMediaPort`` (mono, 16-bit,
  the conference's rate and frame) whose callbacks meet the two streams in two rings.

Threads (only the GUI thread may call pjsua2):

* GUI thread (the SIP engine): ``create``, ``media``, ``open_devices``, ``close_devices``,
  ``poll_errors``, levels, ``stats``, ``destroy``, on the thread that polls
  ``ep.libHandleEvents``.
* The clock: PortAudio's speaker thread or the stand-in (device clock), registered with
  pjlib before its first tick and calling only the four C functions; or pjmedia's clock
  thread calling ``onFrameRequested`` / ``onFrameReceived`` (pjmedia clock). These never
  raise (a Python exception escaping a SWIG director would abort the process) and never
  block.
* PortAudio's microphone thread (and speaker thread, pjmedia clock): copies to/from the
  rings only.
* A small watchdog thread notices streams that died or stalled (headset unplugged),
  queues a message for ``poll_errors`` and falls back to the system default device or,
  failing that, to silence; the call goes on. It never calls pjsua2.

Buffers: single-producer/single-consumer int16 rings. Mic ring (conference rate):
PortAudio writes, the clock reads one frame per tick, its headroom steered by
``_FillControl`` (or, legacy: more than 80 ms is cut down to one frame, less than a
frame gives silence). Speaker ring (pjmedia clock only, device rate): pjmedia writes,
PortAudio reads; adaptive like the mic ring, or legacy: playback starts after 40 ms of
priming, above 100 ms the reader drops down to 40 ms, an underrun primes again.

pjmedia clock: frames are read and written through ctypes on the
``std::vector<unsigned char>`` behind ``MediaFrame.buf`` (a SWIG ``ByteVector``): its
first two words are begin/end pointers in libstdc++ and MSVC alike. The layout is checked
once at ``create()``; if the check fails the slow, safe path (``bytes(frame.buf)``) is
used.

Lifetime: ``destroy()`` stops and joins the watchdog, closes the streams (device clock:
the null device takes over again), then (pjmedia clock) takes the port out of the
conference and frees it only once pjmedia's clock thread has carried the removal out
(pjmedia 2.15 removes conference ports asynchronously while pjsua2's ``~AudioMediaPort``
frees the object at once: see ``_retire_port``). Never drop the port any other way; a
``media`` proxy kept after ``destroy()`` is dead.

No OS device at all (CI container without PipeWire, remote session without sound):
``open_devices`` raises ``AudioDeviceError``; the engine keeps the call on the null device
(the far end hears silence, nothing is played) and shows the message.
"""

from __future__ import annotations

import ctypes
import logging
import math
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass

import numpy as np
import pjsua2 as pj

from . import devices as _dev
from .conf_clock import _AUDIO, _ConfApi, _Frame, _load_conf_api, device_clock_available
from .devices import AudioDevice, AudioDeviceError
from .port import _ctypes_layout_ok, _Port, _retire_port, _vector_ptrs
from .rings import _FillControl, _Resampler, _Ring, _stretch  # noqa: F401 - tests use them
from .tones import Ringer

__all__ = ["ADAPTIVE_PORT_TUNING", "AudioBridge", "AudioDeviceError", "BridgeStats",
           "BridgeTuning", "LEGACY_TUNING", "Ringer", "SILENCE_DBFS", "device_clock_available"]

log = logging.getLogger(__name__)

SILENCE_DBFS = -100.0          # what the level meters report for digital silence
STALL_S = 1.0                  # no callback for this long: the stream is dead
WATCHDOG_S = 0.1
ABORT_TIMEOUT_S = 2.0          # longest wait for PortAudio to stop a stream
_stuck_streams: list = []      # streams PortAudio could not stop: never touched again


@dataclass(frozen=True)
class BridgeTuning:
    """How the bridge is clocked and buffers.

    ``clock="device"`` (the default): the speaker's PortAudio stream is the conference
    bridge's clock (see the module docstring); the microphone reaches it through one
    ring under the adaptive control below. ``clock="pjmedia"``: pjmedia's null-device
    clock drives an ``AudioMediaPort`` and both directions go through rings; the only
    way where pjsua's C functions cannot be reached (a Windows .pyd exports none), and
    the design measured in ``LEGACY_TUNING`` (40 ms priming, whole-block cuts) with
    ``adaptive=False``.

    Adaptive control (mic ring in both clocks, speaker ring with ``clock="pjmedia"``):
    each ring has a *headroom* (its fill when the consumer reads, minus what it reads).
    Its minimum over ``window_s`` is kept near ``target_ms`` by reading a few samples more
    (trim) or fewer (pad) than needed and resampling them linearly to the block size: at
    most ``max_correction`` (1.25 % = 2 samples per 10 ms frame), i.e. no audible cut, and
    this also absorbs the drift between the two clocks. An underrun raises the target by
    ``target_step_ms`` (up to ``target_max_ms``); ``target_decay_s`` clean seconds lower it
    again by one step."""

    clock: str = "device"                  # "device" | "pjmedia"
    adaptive: bool = True                  # pjmedia clock only; the device clock always is
    block_ms: float = 10.0                 # PortAudio block (0: one conference frame)
    stream_latency: str | float = "low"    # PortAudio's suggested latency
    target_ms: float = 2.0                 # wanted min headroom of the rings
    target_max_ms: float = 30.0
    target_step_ms: float = 2.0
    target_decay_s: float = 20.0
    window_s: float = 1.0
    max_correction: float = 0.0125
    hard_limit_ms: float = 80.0            # headroom above target + this: cut at once
    prime_ms: float = 40.0                 # legacy only: speaker priming
    spk_high_ms: float = 100.0             # legacy only: speaker ring cut to prime_ms
    mic_high_ms: float = 80.0              # legacy only: mic ring cut to one frame
    switch_interval_s: float | None = None     # sys.setswitchinterval at create (GIL)
    conceal: bool = True                   # device clock: a late mic frame is concealed


# The first design: pjmedia's clock, 40 ms speaker priming, whole-block cuts.
LEGACY_TUNING = BridgeTuning(clock="pjmedia", adaptive=False, block_ms=10.0)
# pjmedia's clock with the adaptive rings (the second design).
ADAPTIVE_PORT_TUNING = BridgeTuning(clock="pjmedia", adaptive=True, block_ms=10.0,
                                    switch_interval_s=0.0005)
# What a bridge falls back to when the device clock cannot be had.
PORT_FALLBACK_TUNING = LEGACY_TUNING

# Only one bridge at a time may drive the conference (two clocks would race in it).
_clock_owner: AudioBridge | None = None


# --------------------------------------------------------------------------- stats

@dataclass(frozen=True)
class BridgeStats:
    mic_device: str | None
    speaker_device: str | None
    mic_buffer_ms: float        # average mic ring fill (what pjmedia has not taken yet)
    speaker_buffer_ms: float    # average speaker ring fill (priming + jitter; device clock:
                                #   what a conference tick gave beyond the block)
    mic_stream_ms: float        # PortAudio's input latency
    speaker_stream_ms: float    # PortAudio's output latency
    added_latency_ms: float     # bridge's added one-way latency mic->pjmedia + pjmedia->speaker
    mic_underruns: int          # frames pjmedia got silence because the mic was late
    mic_overruns: int           # times the mic ring was trimmed (mic clock fast / ring full)
    speaker_underruns: int      # playback blocks partly silent (pjmedia late; device clock:
                                #   the device's own output underflows)
    speaker_overruns: int       # times the speaker ring was trimmed (pjmedia fast / ring full)
    device_xruns: int           # PortAudio input overflow / output underflow flags
    callback_errors: int        # exceptions swallowed in callbacks (should be 0)
    frames_to_pjmedia: int
    frames_from_pjmedia: int
    # adaptive mode (0 in legacy mode)
    mic_headroom_ms: float = 0.0        # min mic headroom at pjmedia's reads, last window
    speaker_headroom_ms: float = 0.0    # min speaker headroom at the device's reads
    mic_target_ms: float = 0.0          # current headroom targets (grow after underruns)
    speaker_target_ms: float = 0.0
    mic_trimmed: int = 0                # samples dropped / inserted by the slow resampling
    mic_padded: int = 0
    speaker_trimmed: int = 0
    speaker_padded: int = 0
    clock: str = "pjmedia"              # what clocked the conference (BridgeTuning.clock)
    frame_ms: int = 20                  # the conference's frame
    block_ms: float = 10.0              # PortAudio's block
    mic_device_ms: float = 0.0          # PortAudio's timing, averaged: ADC -> mic callback
    speaker_device_ms: float = 0.0      # and speaker callback -> DAC (device clock only)


def _dbfs(mean_square: float) -> float:
    if mean_square <= 0:
        return SILENCE_DBFS
    return max(SILENCE_DBFS, 10 * math.log10(mean_square / (32768.0 ** 2)))


class _Core:
    """Everything the threads share."""

    def __init__(self, rate: int, spf: int, tuning: BridgeTuning) -> None:
        self.rate, self.spf = rate, spf
        self.tuning = tuning
        self.mic_ctl: _FillControl | None = None        # set when a mic stream opens
        self.spk_ctl: _FillControl | None = None        # set when a speaker stream opens
        self.mic_raw = np.zeros(spf * 2, np.int16)
        self.last_tick = 0.0
        self.dead = False
        self.mic_ring = _Ring(rate * 2, rate)           # 2 s
        self.mic_live = False                            # a mic stream feeds the ring
        self.mic_flush = False
        self.spk: tuple[_Ring, _Resampler | None] | None = None
        self.out_frame = np.zeros(spf, np.int16)
        self.out_addr = self.out_frame.ctypes.data
        self.fast = True
        # device clock: the conference's master port and one tick's frames
        self.api: _ConfApi | None = None
        self.master: int | None = None                  # set while the bridge clocks it
        self.tick_in = np.zeros(spf, np.int16)
        self.tick_out = np.zeros(spf, np.int16)
        self.silence = np.zeros(spf, np.int16)
        self.fin = _Frame(type=_AUDIO, buf=self.tick_in.ctypes.data, size=spf * 2)
        self.fout = _Frame(type=_AUDIO, buf=self.tick_out.ctypes.data, size=spf * 2)
        self.fin_p = ctypes.pointer(self.fin)
        self.fout_p = ctypes.pointer(self.fout)
        self.ts = 0
        self.tick_lock = threading.Lock()   # one tick at a time, whoever clocks
        self.mic_clocks = False             # no speaker: the mic callback ticks
        self.mic_acc = 0                    # samples the mic delivered, not yet ticked
        # levels: (mean square, monotonic time)
        self.in_level = (0.0, 0.0)
        self.out_level = (0.0, 0.0)
        # counters
        self.mic_underruns = self.mic_overruns = 0
        self.mic_primed = False
        self.spk_underruns = self.spk_overruns = 0
        self.xruns = self.cb_errors = 0
        self.frames_to = self.frames_from = 0
        self.mic_fill_avg = 0.0
        self.spk_fill_avg = 0.0
        # PortAudio's own timing, per callback (s): ADC -> mic callback, speaker
        # callback -> DAC (the sound server's and the ALSA plugin's buffers, as reported)
        self.in_dev_avg = 0.0
        self.out_dev_avg = 0.0

    # ---- the microphone ring's consumer (pjmedia's clock thread or the device clock)
    def next_mic_frame(self, out: np.ndarray) -> bool:
        """Fill ``out`` (one conference frame) with the next microphone frame, or
        silence when there is none. False when the microphone was late (``out`` is
        silence then, and the frame counts as an underrun)."""
        spf = self.spf
        ring = self.mic_ring
        if self.mic_flush:
            ring.skip(ring.fill())
            self.mic_flush = False
        avail = ring.fill()
        ctl = self.mic_ctl
        now = time.monotonic()
        gap, self.last_tick = now - self.last_tick, now
        if self.dead or not self.mic_live:
            out.fill(0)
        elif ctl is not None:                           # adaptive
            headroom = avail - spf
            if headroom >= 0:
                cut = ctl.excess(headroom)
                if cut:
                    ring.skip(cut)
                    self.mic_overruns += 1
                    avail -= cut
                    headroom -= cut
                k = ctl.plan(headroom, spf)
                if k:
                    raw = self.mic_raw[:spf + k]
                    ring.read_into(raw, spf + k)
                    _stretch(raw, out)
                else:
                    ring.read_into(out, spf)
                self.mic_fill_avg += 0.05 * ((avail - spf / 2) - self.mic_fill_avg)
            else:
                # late: silence, keep what is there (the fill rises by a frame; the
                # control trims it back slowly) and ask for more headroom
                out.fill(0)
                if ring.w:
                    self.mic_underruns += 1
                    # a catch-up tick (a clock fires late ticks back to back after a
                    # stall) drains the ring whatever its headroom: only an on-time
                    # tick asks for more headroom
                    if gap >= 0.75 * self.spf / self.rate:
                        ctl.underrun()
                    return False
        elif avail >= spf and (self.mic_primed or avail >= 2 * spf):   # legacy
            # Keep one frame of cushion: PortAudio's 10 ms blocks and pjmedia's
            # 20 ms ticks drift in phase, and reading the ring dry at every
            # tick gave a silent frame in two (measured: 46 of 102).
            self.mic_primed = True
            if avail > self.tuning.mic_high_ms * self.rate // 1000:
                ring.skip(avail - 2 * spf)
                self.mic_overruns += 1
                avail = 2 * spf
            ring.read_into(out, spf)
            self.mic_fill_avg += 0.05 * ((avail - spf / 2) - self.mic_fill_avg)
        else:
            out.fill(0)
            if ring.w and self.mic_primed:  # the mic has delivered before: it is late
                self.mic_underruns += 1
                self.mic_primed = False
                return False
            self.mic_primed = False
        return True

    # ---- device clock: one conference tick (speaker callback or the stand-in clock)
    def clock_tick(self) -> np.ndarray:
        """Put the next microphone frame into the conference, take the speaker frame
        out. Returns the speaker frame (``tick_out``, or silence). The caller's thread
        must be registered with pjlib (``api.ensure_thread``)."""
        with self.tick_lock:
            return self._tick()

    def _tick(self) -> np.ndarray:
        api, master = self.api, self.master
        if api is None or master is None or self.dead:
            return self.silence
        nbytes = self.spf * 2
        if self.next_mic_frame(self.tick_in) or not self.tuning.conceal:
            fin = self.fin
            fin.type, fin.size, fin.timestamp = _AUDIO, nbytes, self.ts
            api.put_frame(master, self.fin_p)
        # else: no frame put: the conference's delay buffer for slot 0 runs dry and
        # pjmedia conceals the missing frame (WSOLA) instead of a silent one
        fout = self.fout
        fout.type, fout.size, fout.timestamp = _AUDIO, nbytes, self.ts
        api.get_frame(master, self.fout_p)
        self.ts += self.spf
        self.frames_to += 1
        self.frames_from += 1
        return self.tick_out if fout.type == _AUDIO else self.silence

    # ---- pjmedia clock thread (clock="pjmedia") ---------------------------------------
    def fill_frame(self, frame) -> None:
        self.next_mic_frame(self.out_frame)
        nbytes = self.spf * 2
        if self.fast:
            vec = frame.buf
            vec.resize(nbytes)
            begin, _ = _vector_ptrs(vec)
            ctypes.memmove(begin, self.out_addr, nbytes)
        else:
            frame.buf = pj.ByteVector(self.out_frame.tobytes())
        frame.size = nbytes
        frame.type = _AUDIO
        self.frames_to += 1

    def take_frame(self, frame) -> None:
        if self.dead:
            return
        spk = self.spk
        if spk is None:
            return
        ring, rs = spk
        if frame.type == _AUDIO:
            if self.fast:
                begin, end = _vector_ptrs(frame.buf)
                n = min(end - begin, frame.size) & ~1
                x = np.frombuffer(ctypes.string_at(begin, n), np.int16) if n else None
            else:
                x = np.frombuffer(bytes(frame.buf), np.int16)
        else:
            x = None
        if x is None or len(x) == 0:
            x = np.zeros(self.spf, np.int16)
        if rs is not None:
            x = rs.process(x)
        if ring.write(x):
            self.spk_overruns += 1
        self.frames_from += 1


class _Stream:
    """One PortAudio stream plus what the watchdog needs to judge it."""

    def __init__(self, kind: str, device: AudioDevice, requested: str | None) -> None:
        self.kind = kind                  # "mic" | "speaker"
        self.device = device
        self.requested = requested        # the name the engine asked for (None = default)
        self.stream = None
        self.last_cb = 0.0
        self.started = 0.0
        self.finished = False
        self.closing = False
        self.latency_s = 0.0


# --------------------------------------------------------------------------- the bridge

class AudioBridge:
    """See the module docstring. All public methods: GUI thread only."""

    def __init__(self, sample_rate: int = 16000, frame_ms: int = 20,
                 tuning: BridgeTuning | None = None) -> None:
        """``sample_rate``/``frame_ms``: the conference bridge's, used only when they
        cannot be read from the running conference at ``create()``."""
        if sample_rate not in (8000, 16000, 32000, 48000):
            raise ValueError("sample_rate must be a conference-bridge rate (8/16/32/48 kHz)")
        self.sample_rate = int(sample_rate)
        self.frame_ms = int(frame_ms)
        self.spf = self.sample_rate * self.frame_ms // 1000
        self._tuning = tuning or BridgeTuning()
        self._core = _Core(self.sample_rate, self.spf, self._tuning)
        self._port: _Port | None = None
        self._media = None                # slot 0's AudioMedia (device clock)
        self._device_clock = False        # decided at create()
        self._mic: _Stream | None = None
        self._spk: _Stream | None = None
        self._lock = threading.RLock()
        self._errors: deque[str] = deque(maxlen=50)
        self._watchdog: threading.Thread | None = None
        self._stop = threading.Event()
        self._standin: threading.Thread | None = None      # clock while no speaker
        self._standin_stop = threading.Event()

    @property
    def tuning(self) -> BridgeTuning:
        return self._tuning

    @tuning.setter
    def tuning(self, value: BridgeTuning) -> None:
        """Takes effect at the next ``open_devices``; the clock (device or pjmedia) only
        at the next ``create()``."""
        self._tuning = value
        self._core.tuning = value

    @property
    def clock(self) -> str:
        """"device" or "pjmedia": what clocks the conference while devices are open."""
        return "device" if self._device_clock else "pjmedia"

    # ---- pjsua2 side (GUI thread) ------------------------------------------------------
    def create(self) -> None:
        """Make the bridge's conference port (pjmedia clock) or find slot 0 (device
        clock). Call after ``ep.libStart()`` (and after the engine's ``setNullDev()``),
        on the thread that polls ``libHandleEvents``."""
        if self._port is not None or self._media is not None:
            return
        # the conference's own rate and frame (else the constructor's arguments)
        probed = _load_conf_api() is not None and self._probe_conference()
        si = self._tuning.switch_interval_s
        if si is not None and sys.getswitchinterval() > si:
            # A CPU-bound Python thread otherwise holds the GIL for 5 ms at a time and
            # delays the audio callbacks (stack-notes).
            sys.setswitchinterval(si)
        want_device = self._tuning.clock == "device"
        if want_device and not probed:
            log.warning("audio bridge: no device clock here (pjsua's C functions not "
                        "reachable or the conference not as expected); using pjmedia's clock")
            self.tuning = PORT_FALLBACK_TUNING
            want_device = False
        self._device_clock = want_device
        self._core.dead = False
        if want_device:
            self._core.api = _load_conf_api()
            self._media = pj.Endpoint.instance().audDevManager().getPlaybackDevMedia()
        else:
            self._core.fast = _ctypes_layout_ok()
            if not self._core.fast:
                log.warning("ByteVector layout check failed: using the slow frame copy")
            fmt = pj.MediaFormatAudio()
            fmt.type = pj.PJMEDIA_TYPE_AUDIO
            fmt.clockRate = self.sample_rate
            fmt.channelCount = 1
            fmt.bitsPerSample = 16
            fmt.frameTimeUsec = self.frame_ms * 1000
            fmt.avgBps = fmt.maxBps = self.sample_rate * 16
            port = _Port(self._core)
            port.createPort("hotline-audio-bridge", fmt)
            self._port = port
        self._start_watchdog()

    def _probe_conference(self) -> bool:
        """Read the conference bridge's clock rate and frame (what the engine's
        ``EpConfig.medConfig`` set: clockRate, audioFramePtime) from its master port.
        pjsua2 does not expose them (slot 0's port info has no format), so the master
        port is fetched with ``pjsua_set_no_snd_dev`` and the null device is put back at
        once. False if the port does not look as expected. (The pjmedia clock wants it
        too: a port whose frame is not the conference's is buffered by the conference,
        up to a frame more latency.)"""
        api = _load_conf_api()
        if api is None or (_clock_owner is not None and _clock_owner is not self):
            return False
        try:
            master = api.set_no_snd_dev()
            fmt = _ConfApi.master_format(master) if master else None
        finally:
            pj.Endpoint.instance().audDevManager().setNullDev()
        if fmt is None:
            return False
        rate, spf = fmt
        self.sample_rate, self.spf = rate, spf
        self.frame_ms = spf * 1000 // rate
        if (rate, spf) != (self._core.rate, self._core.spf):
            self._core = _Core(rate, spf, self._tuning)
        return True

    @property
    def media(self) -> pj.AudioMedia:
        """The bridge's conference port: ``call_media.startTransmit(bridge.media)`` plays
        the caller, ``bridge.media.startTransmit(call_media)`` sends the microphone.
        With the device clock this is slot 0, the conference's own sound-device port."""
        if self._media is not None:
            return self._media
        if self._port is None:
            raise RuntimeError("AudioBridge.create() has not been called")
        return self._port

    def destroy(self) -> None:
        """Stop the watchdog, close the streams (the conference goes back to pjsua's null
        device) and free the port. Call before ``ep.libDestroy()``, on the pjsua2 thread,
        preferably after the calls' media stopped transmitting to/from ``media`` (the
        port's removal drops whatever is left). Afterwards ``media`` raises; a proxy of it
        kept elsewhere is dead."""
        # 1. the watchdog first: it may (re)open streams while we close them
        self._stop.set()
        wd, self._watchdog = self._watchdog, None
        if wd is not None and wd is not threading.current_thread():
            wd.join(timeout=5)
            if wd.is_alive():  # pragma: no cover - stuck inside PortAudio
                log.warning("audio watchdog did not stop in time")
        # 2. the streams (and the device clock: back to the null device)
        self.close_devices()
        # 3. pjmedia's callbacks: silent, then the port leaves the conference and is
        #    freed only once the clock thread is done with it
        self._core.dead = True
        self._media = None
        port, self._port = self._port, None
        if port is not None:
            _retire_port(port)
        del port

    # ---- devices (GUI thread) ----------------------------------------------------------
    def open_devices(self, mic: str | None, speaker: str | None) -> None:
        """Open (or switch) the microphone and speaker. None or "" = system default.
        Raises AudioDeviceError (seat-readable) if either cannot be opened; in that case
        nothing stays open and the call remains on the null device (silence)."""
        with self._lock:
            self._close_locked()
            try:
                mic_dev = _dev.find_device(mic, output=False)
                spk_dev = _dev.find_device(speaker, output=True)
                if self._device_clock:
                    self._attach_clock()
                self._spk = self._open_stream("speaker", spk_dev, speaker)
                self._mic = self._open_stream("mic", mic_dev, mic)
            except AudioDeviceError:
                self._close_locked()
                self._detach_clock()
                raise
            except Exception as exc:  # noqa: BLE001 - PortAudio errors become seat messages
                self._close_locked()
                self._detach_clock()
                raise AudioDeviceError(f"无法打开声卡。Cannot open the audio device: {exc}") from exc

    def close_devices(self) -> None:
        with self._lock:
            self._close_locked()
            self._detach_clock()

    def devices_open(self) -> tuple[str | None, str | None]:
        """(mic name, speaker name) actually in use, None where silent."""
        with self._lock:
            return (self._mic.device.name if self._mic else None,
                    self._spk.device.name if self._spk else None)

    # ---- the device clock (GUI thread) ---------------------------------------------------
    def _attach_clock(self) -> None:
        """Take the conference off pjsua's null device: from now on our speaker callback
        (or the stand-in clock) ticks it."""
        global _clock_owner
        c = self._core
        if c.master is not None:
            return
        if _clock_owner is not None and _clock_owner is not self:
            raise RuntimeError("another AudioBridge already clocks the conference")
        master = c.api.set_no_snd_dev()
        if not master or _ConfApi.master_format(master) != (c.rate, c.spf):
            pj.Endpoint.instance().audDevManager().setNullDev()
            raise AudioDeviceError("无法接管会议桥。Cannot attach the audio bridge to the "
                                   "conference.")
        c.ts = 0
        c.master = master
        _clock_owner = self

    def _detach_clock(self) -> None:
        """Streams and stand-in clock stopped: hand the conference back to pjsua's null
        device (calls keep their clock: RTP goes on, without sound on this PC)."""
        global _clock_owner
        self._stop_standin()
        c = self._core
        c.mic_clocks = False
        if c.master is None:
            return
        c.master = None
        if _clock_owner is self:
            _clock_owner = None
        try:
            pj.Endpoint.instance().audDevManager().setNullDev()
        except Exception as exc:  # noqa: BLE001
            log.warning("audio bridge: cannot give the conference back to the null "
                        "device: %s", exc)

    def _keep_clock(self) -> None:
        """Device clock with no speaker (headset gone, no fallback): the microphone's
        callback ticks the conference, at the microphone's own pace; with no microphone
        either, the stand-in thread does (silence both ways). The call's RTP goes on."""
        c = self._core
        if not self._device_clock or c.master is None or self._spk is not None:
            return
        if self._mic is not None:
            self._stop_standin()
            c.mic_acc = 0
            c.mic_clocks = True
        else:
            c.mic_clocks = False
            self._start_standin()

    def _start_standin(self) -> None:
        """A clock for the conference while the device clock has neither speaker nor
        microphone: silence both ways."""
        if self._standin is not None or self._core.master is None:
            return
        self._standin_stop.clear()
        t = threading.Thread(target=self._standin_run, name="audio-bridge-clock", daemon=True)
        self._standin = t
        t.start()

    def _stop_standin(self) -> None:
        t, self._standin = self._standin, None
        if t is not None:
            self._standin_stop.set()
            if t is not threading.current_thread():
                t.join(timeout=2)

    def _standin_run(self) -> None:
        core = self._core
        period = self.spf / self.sample_rate
        try:
            core.api.ensure_thread()
        except Exception as exc:  # noqa: BLE001
            log.warning("audio bridge: stand-in clock cannot start: %s", exc)
            return
        nxt = time.monotonic()
        while not self._standin_stop.is_set():
            nxt += period
            wait = nxt - time.monotonic()
            if wait > 0:
                self._standin_stop.wait(wait)
            elif wait < -0.2:                   # far behind (a stall): do not catch up
                nxt = time.monotonic()
            try:
                core.clock_tick()
            except Exception:  # noqa: BLE001
                core.cb_errors += 1

    # ---- meters, errors, stats (GUI thread) --------------------------------------------
    def input_level_dbfs(self) -> float:
        ms, t = self._core.in_level
        return _dbfs(ms) if time.monotonic() - t < 0.5 else SILENCE_DBFS

    def output_level_dbfs(self) -> float:
        ms, t = self._core.out_level
        return _dbfs(ms) if time.monotonic() - t < 0.5 else SILENCE_DBFS

    def poll_errors(self) -> list[str]:
        out = []
        while self._errors:
            out.append(self._errors.popleft())
        return out

    @property
    def stats(self) -> BridgeStats:
        c = self._core
        mic, spk = self._mic, self._spk
        mic_buf = max(0.0, c.mic_fill_avg) * 1000 / c.rate if mic else 0.0
        spk_pair = c.spk
        spk_ring_rate = spk_pair[0].rate if spk_pair is not None else None
        spk_buf = c.spk_fill_avg * 1000 / spk_ring_rate if (spk and spk_ring_rate) else 0.0
        mic_lat = mic.latency_s * 1000 if mic else 0.0
        spk_lat = spk.latency_s * 1000 if spk else 0.0
        return BridgeStats(
            mic_device=mic.device.name if mic else None,
            speaker_device=spk.device.name if spk else None,
            mic_buffer_ms=round(mic_buf, 1), speaker_buffer_ms=round(spk_buf, 1),
            mic_stream_ms=round(mic_lat, 1), speaker_stream_ms=round(spk_lat, 1),
            added_latency_ms=round(mic_buf + spk_buf + mic_lat + spk_lat, 1),
            mic_underruns=c.mic_underruns, mic_overruns=c.mic_overruns,
            speaker_underruns=c.spk_underruns, speaker_overruns=c.spk_overruns,
            device_xruns=c.xruns, callback_errors=c.cb_errors,
            frames_to_pjmedia=c.frames_to, frames_from_pjmedia=c.frames_from,
            clock=self.clock, frame_ms=self.frame_ms,
            block_ms=self._tuning.block_ms or self.frame_ms,
            mic_device_ms=round(c.in_dev_avg * 1000, 1) if mic else 0.0,
            speaker_device_ms=round(c.out_dev_avg * 1000, 1) if spk else 0.0,
            **self._ctl_stats(),
        )

    def _ctl_stats(self) -> dict:
        out = {}
        for key, ctl in (("mic", self._core.mic_ctl if self._mic else None),
                         ("speaker", self._core.spk_ctl if self._spk else None)):
            if ctl is None:
                continue
            ms = 1000 / ctl.rate
            out[f"{key}_headroom_ms"] = round(ctl.last_lo * ms, 1)
            out[f"{key}_target_ms"] = round(ctl.target * ms, 1)
            out[f"{key}_trimmed"] = ctl.trimmed
            out[f"{key}_padded"] = ctl.padded
        return out

    # ---- streams -------------------------------------------------------------------------
    def _block(self, rate: int) -> int:
        ms = self._tuning.block_ms or self.frame_ms
        return max(1, int(round(rate * ms / 1000)))

    def _open_stream(self, kind: str, dev: AudioDevice, requested: str | None) -> _Stream:
        sd = _dev.sd
        if sd is None:
            raise AudioDeviceError("未安装 PortAudio。No audio system (PortAudio missing).")
        st = _Stream(kind, dev, requested)
        is_out = kind == "speaker"
        max_ch = dev.max_out if is_out else dev.max_in
        extra = None
        if sys.platform == "win32":
            try:
                extra = sd.WasapiSettings(auto_convert=True)
            except Exception:  # noqa: BLE001 - not WASAPI / old sounddevice
                extra = None
        attempts = []
        for rate in dict.fromkeys([self.sample_rate, int(dev.default_rate or 48000)]):
            for ch in (1, 2):
                if ch <= max(1, max_ch):
                    attempts.append((rate, ch))
        last_exc: Exception | None = None
        tn = self._tuning
        device_clock = self._device_clock
        for rate, ch in attempts:
            block = self._block(rate)
            if is_out:
                cb = (self._make_clock_out_cb(st, rate) if device_clock
                      else self._make_out_cb(st, rate))
            else:
                cb = self._make_in_cb(st, rate)
            cls = sd.OutputStream if is_out else sd.InputStream
            kwargs = dict(device=dev.index, samplerate=rate, channels=ch, dtype="int16",
                          blocksize=block, latency=tn.stream_latency, callback=cb,
                          finished_callback=lambda st=st: setattr(st, "finished", True))
            stream = None
            for ex in ([extra, None] if extra is not None else [None]):
                try:
                    stream = cls(extra_settings=ex, **kwargs) if ex is not None else cls(**kwargs)
                    break
                except Exception as exc:  # noqa: BLE001
                    last_exc = exc
            if stream is None:
                continue
            if is_out and not device_clock:
                ring = _Ring(rate * 2, rate)
                rs = _Resampler(self.sample_rate, rate) if rate != self.sample_rate else None
                self._core.spk_fill_avg = (tn.target_ms if tn.adaptive else tn.prime_ms) \
                    * rate / 1000
                self._core.spk_ctl = _FillControl(tn, rate, rate / block) if tn.adaptive else None
                self._core.spk = (ring, rs)
            elif is_out:
                self._core.spk_fill_avg = 0.0
                self._core.spk_ctl = None
                self._core.spk = (_Ring(rate, rate), None)     # only for the stats' rate
            else:
                self._core.mic_ctl = (_FillControl(tn, self.sample_rate, 1000 / self.frame_ms)
                                      if (tn.adaptive or device_clock) else None)
                self._core.mic_flush = True
                self._core.mic_fill_avg = 0.0
            st.stream = stream
            st.latency_s = float(stream.latency)
            if is_out:
                self._core.out_dev_avg = st.latency_s
            else:
                self._core.in_dev_avg = st.latency_s
            st.started = st.last_cb = time.monotonic()
            if is_out and device_clock:
                self._stop_standin()         # the speaker is the clock again
                self._core.mic_clocks = False
            try:
                stream.start()
            except Exception as exc:  # noqa: BLE001
                last_exc = exc
                self._discard(st)
                continue
            _dev._stream_opened()
            if not is_out:
                self._core.mic_live = True
            log.info("audio %s open: %s at %d Hz, %d ch, block %d, latency %.1f ms (%s clock)",
                     kind, dev.name, rate, ch, block, st.latency_s * 1000, self.clock)
            return st
        zh, en = ("扬声器/耳机", "speaker") if is_out else ("麦克风", "microphone")
        raise AudioDeviceError(f"无法打开{zh}“{dev.name}”。Cannot open the {en} "
                               f"'{dev.name}': {last_exc}")

    def _make_in_cb(self, st: _Stream, rate: int):
        core = self._core
        rs = _Resampler(rate, self.sample_rate) if rate != self.sample_rate else None
        state = {"tid": None}

        def callback(indata, frames, _time, status):
            try:
                if st.closing:
                    return
                st.last_cb = time.monotonic()
                if status:
                    core.xruns += 1
                adc = _time.inputBufferAdcTime
                if adc > 0:
                    core.in_dev_avg += 0.05 * (_time.currentTime - adc - core.in_dev_avg)
                x = indata[:, 0]
                if rs is not None:
                    x = rs.process(x)
                xf = x.astype(np.float32)
                core.in_level = (float(np.dot(xf, xf)) / max(1, len(xf)), st.last_cb)
                if core.mic_ring.write(x):
                    core.mic_overruns += 1
                if core.mic_clocks:          # device clock without a speaker: we tick
                    if state["tid"] != threading.get_ident():
                        core.api.ensure_thread()
                        state["tid"] = threading.get_ident()
                    core.mic_acc += len(x)
                    while core.mic_acc >= core.spf and core.mic_clocks:
                        core.mic_acc -= core.spf
                        core.clock_tick()
            except Exception:  # noqa: BLE001 - never raise in PortAudio's thread
                core.cb_errors += 1
        return callback

    def _make_clock_out_cb(self, st: _Stream, rate: int):
        """Device clock: each callback runs as many conference ticks as it needs for the
        block (one, when the block is one conference frame at the conference rate) and
        plays them; what a tick gave beyond the block waits in a small carry-over ring."""
        core = self._core
        api = core.api
        rs = _Resampler(self.sample_rate, rate) if rate != self.sample_rate else None
        carry = _Ring(rate, rate)
        mono = np.zeros(rate, np.int16)
        state = {"tid": None}

        def callback(outdata, frames, _time, status):
            try:
                if st.closing:
                    outdata.fill(0)
                    return
                st.last_cb = time.monotonic()
                if status:
                    core.xruns += 1
                    if status.output_underflow:
                        core.spk_underruns += 1
                if state["tid"] != threading.get_ident():   # a new PortAudio thread
                    api.ensure_thread()
                    state["tid"] = threading.get_ident()
                dac = _time.outputBufferDacTime
                if dac > 0:
                    core.out_dev_avg += 0.05 * (dac - _time.currentTime - core.out_dev_avg)
                buf = mono[:frames] if frames <= len(mono) else np.zeros(frames, np.int16)
                while carry.fill() < frames:
                    x = core.clock_tick()
                    if rs is not None:
                        x = rs.process(x)
                    if carry.write(x):
                        core.spk_overruns += 1
                carry.read_into(buf, frames)
                core.spk_fill_avg += 0.05 * (carry.fill() - core.spk_fill_avg)
                outdata[:, 0] = buf
                if outdata.shape[1] > 1:
                    outdata[:, 1:] = outdata[:, :1]
                bf = buf.astype(np.float32)
                core.out_level = (float(np.dot(bf, bf)) / max(1, frames), st.last_cb)
            except Exception:  # noqa: BLE001 - never raise in PortAudio's thread
                core.cb_errors += 1
                try:
                    outdata.fill(0)
                except Exception:  # noqa: BLE001
                    pass
        return callback

    def _make_out_cb(self, st: _Stream, rate: int):
        core = self._core
        tn = self._tuning
        prime = int(tn.prime_ms * rate / 1000)
        high = int(tn.spk_high_ms * rate / 1000)
        state = {"priming": True}
        mono = np.zeros(rate, np.int16)
        raw = np.zeros(rate, np.int16)

        def callback(outdata, frames, _time, status):
            try:
                if st.closing:
                    outdata.fill(0)
                    return
                st.last_cb = time.monotonic()
                if status:
                    core.xruns += 1
                spk = core.spk
                if spk is None:
                    outdata.fill(0)
                    return
                ring = spk[0]
                ctl = core.spk_ctl
                avail = ring.fill()
                buf = mono[:frames] if frames <= len(mono) else np.zeros(frames, np.int16)
                if ctl is not None:                                 # adaptive
                    headroom = avail - frames
                    if state["priming"]:
                        if headroom < ctl.target:
                            outdata.fill(0)
                            return
                        state["priming"] = False
                    cut = ctl.excess(headroom) if headroom > 0 else 0
                    if cut:
                        ring.skip(cut)
                        core.spk_overruns += 1
                        avail -= cut
                        headroom -= cut
                    core.spk_fill_avg += 0.05 * (avail - frames / 2 - core.spk_fill_avg)
                    if headroom >= 0:
                        k = ctl.plan(headroom, frames)
                        if k and frames + k <= len(raw):
                            src = raw[:frames + k]
                            ring.read_into(src, frames + k)
                            _stretch(src, buf)
                        else:
                            ring.read_into(buf, frames)
                    else:
                        n = ring.read_into(buf, frames)
                        buf[n:] = 0
                        core.spk_underruns += 1
                        ctl.underrun()
                        state["priming"] = True
                else:                                               # legacy
                    if state["priming"]:
                        if avail < prime:
                            outdata.fill(0)
                            return
                        state["priming"] = False
                    if avail > high:
                        ring.skip(avail - prime)
                        core.spk_overruns += 1
                        avail = prime
                    core.spk_fill_avg += 0.05 * (avail - frames / 2 - core.spk_fill_avg)
                    n = ring.read_into(buf, frames)
                    if n < frames:
                        buf[n:] = 0
                        core.spk_underruns += 1
                        state["priming"] = True
                outdata[:, 0] = buf
                if outdata.shape[1] > 1:
                    outdata[:, 1:] = outdata[:, :1]
                bf = buf.astype(np.float32)
                core.out_level = (float(np.dot(bf, bf)) / max(1, frames), st.last_cb)
            except Exception:  # noqa: BLE001
                core.cb_errors += 1
                try:
                    outdata.fill(0)
                except Exception:  # noqa: BLE001
                    pass
        return callback

    def _discard(self, st: _Stream | None) -> None:
        """Stop and close a stream, giving up after ``ABORT_TIMEOUT_S``: PortAudio 19.6's
        ALSA thread can spin for ever once a device has vanished under it (seen with
        PipeWire's ALSA plugin: "self->capture.ready || self->playback.ready" failed,
        printed in a loop), and ``Pa_AbortStream`` then never returns. A stream that does
        not stop is left behind (referenced, never closed again) so that the watchdog and
        the GUI thread, which wait for this lock, go on."""
        if st is None or st.stream is None:
            return
        st.closing = True                    # its callbacks do nothing from now on
        stream, st.stream = st.stream, None

        def stop():
            for op in (stream.abort, stream.close):
                try:
                    op()
                except Exception:  # noqa: BLE001
                    pass
        t = threading.Thread(target=stop, name="audio-stream-close", daemon=True)
        t.start()
        t.join(ABORT_TIMEOUT_S)
        if t.is_alive():
            _stuck_streams.append(stream)
            log.warning("audio %s '%s': PortAudio did not stop the stream; left behind",
                        st.kind, st.device.name)

    def _close_one(self, kind: str) -> None:
        st = self._mic if kind == "mic" else self._spk
        if st is None:
            return
        if kind == "mic":
            self._core.mic_live = False
            self._mic = None
        else:
            self._spk = None
        had = st.stream is not None
        self._discard(st)
        if had:
            _dev._stream_closed()
        if kind == "speaker":
            self._core.spk = None

    def _close_locked(self) -> None:
        self._close_one("mic")
        self._close_one("speaker")

    # ---- watchdog ----------------------------------------------------------------------
    def _start_watchdog(self) -> None:
        if self._watchdog is not None:
            return
        self._stop.clear()
        t = threading.Thread(target=self._watch, name="audio-bridge-watchdog", daemon=True)
        self._watchdog = t
        t.start()

    def _watch(self) -> None:
        while not self._stop.wait(WATCHDOG_S):
            try:
                with self._lock:
                    if self._stop.is_set():
                        return
                    for kind in ("mic", "speaker"):
                        self._check(kind)
            except Exception as exc:  # noqa: BLE001 - the watchdog must survive
                log.exception("audio watchdog: %s", exc)

    def _check(self, kind: str) -> None:
        st = self._mic if kind == "mic" else self._spk
        if st is None or st.stream is None:
            return
        now = time.monotonic()
        stream = st.stream
        try:
            active = bool(stream.active)
        except Exception:  # noqa: BLE001
            active = False
        stalled = now - st.last_cb > STALL_S and now - st.started > STALL_S
        if not (st.finished or not active or stalled):
            return
        zh, en = ("扬声器/耳机", "speaker") if kind == "speaker" else ("麦克风", "microphone")
        name = st.device.name
        self._close_one(kind)
        # Fallback 1: the system default device (unless that is what just failed).
        fallback = None
        try:
            cand = _dev.find_device(None, output=(kind == "speaker"))
            if cand.name != name or st.requested is not None:
                fallback = self._open_stream(kind, cand, None)
        except Exception as exc:  # noqa: BLE001
            log.warning("audio %s fallback failed: %s", kind, exc)
        if fallback is not None:
            if kind == "mic":
                self._mic = fallback
            else:
                self._spk = fallback
        self._keep_clock()                   # the conference must keep a clock
        if fallback is not None:
            self._errors.append(f"{zh}“{name}”已断开，已改用系统默认设备“{fallback.device.name}”。"
                                f"The {en} '{name}' was disconnected; now using the system "
                                f"default '{fallback.device.name}'.")
        else:
            what_zh = "对方听不到您的声音（已静音）" if kind == "mic" else "您听不到对方的声音"
            what_en = "the caller cannot hear you (muted)" if kind == "mic" else \
                "you cannot hear the caller"
            self._errors.append(f"{zh}“{name}”已断开，{what_zh}；通话仍在继续，请检查耳机。"
                                f"The {en} '{name}' was disconnected: {what_en}. The call goes "
                                "on; check the headset.")
        log.warning("audio %s '%s' failed (%s)", kind, name,
                    "finished" if st.finished else ("stalled" if stalled else "inactive"))

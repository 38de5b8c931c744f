"""Buffers of the audio bridge: int16 rings, the adaptive headroom control that keeps a
ring's fill small without audible cuts, and a streaming resampler for devices that refuse
the conference's rate. Plain numpy: no pjsua2, no PortAudio (see bridge.py for who
writes and reads them, on which thread)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .bridge import BridgeTuning


class _Ring:
    """Single-producer single-consumer ring of int16. The writer owns ``w``, the reader
    owns ``r``; both only grow. Under the GIL each assignment is atomic and the data is
    copied before the index that publishes it."""

    def __init__(self, capacity: int, rate: int) -> None:
        self.buf = np.zeros(capacity, np.int16)
        self.cap = capacity
        self.rate = rate
        self.w = 0
        self.r = 0

    def fill(self) -> int:
        return self.w - self.r

    def write(self, x: np.ndarray) -> int:
        """Writer side. Returns samples dropped because the ring was full."""
        n = len(x)
        free = self.cap - (self.w - self.r)
        dropped = 0
        if n > free:
            dropped, n = n - free, free
        if n:
            i = self.w % self.cap
            first = min(n, self.cap - i)
            self.buf[i:i + first] = x[:first]
            if n > first:
                self.buf[:n - first] = x[first:n]
            self.w += n
        return dropped

    def read_into(self, out: np.ndarray, n: int) -> int:
        """Reader side. Copies up to n samples into out[:n]; returns how many."""
        n = min(n, self.w - self.r)
        if n > 0:
            i = self.r % self.cap
            first = min(n, self.cap - i)
            out[:first] = self.buf[i:i + first]
            if n > first:
                out[first:n] = self.buf[:n - first]
            self.r += n
        return max(n, 0)

    def skip(self, n: int) -> None:
        """Reader side: drop the n oldest samples."""
        self.r += max(0, min(n, self.w - self.r))


class _FillControl:
    """Adaptive headroom control of one ring (see BridgeTuning). Runs in the consumer's
    thread only. ``plan(headroom, need)`` is called before each read and returns k:
    read ``need + k`` samples and resample them to ``need`` (k > 0 trims the ring,
    k < 0 pads it).

    A stream that has just started often delivers a burst (what the sound server held
    for it): trimming that at 1.25 % would take seconds, so at the end of the first
    half second whatever headroom is above the target is cut at once, before anyone
    speaks."""

    _BIG = 1 << 40

    def __init__(self, tuning: BridgeTuning, rate: int, calls_per_s: float) -> None:
        self.t = tuning
        self.rate = rate
        self.floor = int(tuning.target_ms * rate / 1000)
        self.target = self.floor
        self.step = max(1, int(tuning.target_step_ms * rate / 1000))
        self.cap = int(tuning.target_max_ms * rate / 1000)
        self.hard = int(tuning.hard_limit_ms * rate / 1000)
        self.deadband = max(1, rate // 1000)          # 1 ms
        self.win = max(2, int(tuning.window_s * calls_per_s))
        self.decay_calls = max(1, int(tuning.target_decay_s * calls_per_s))
        self.n = 0
        self.first_win = max(2, int(0.5 * calls_per_s))
        self.started = False
        self.cut_next = 0
        self.lo = self._BIG
        self.last_lo = 0
        self.pending = 0.0
        self.clean = 0
        self.trimmed = 0            # samples dropped by resampling
        self.padded = 0             # samples inserted by resampling
        self.hard_cuts = 0

    def underrun(self) -> None:
        self.target = min(self.cap, self.target + self.step)
        self.clean = 0
        self.pending = 0.0

    def plan(self, headroom: int, need: int) -> int:
        if headroom < self.lo:
            self.lo = headroom
        self.n += 1
        self.clean += 1
        if self.clean >= self.decay_calls and self.target > self.floor:
            self.target = max(self.floor, self.target - self.step)
            self.clean = 0
        if self.n >= (self.win if self.started else self.first_win):
            self.last_lo = self.lo
            err = self.lo - self.target
            if not self.started:
                self.started = True
                if err > self.deadband:           # the start-up burst: cut, next call
                    self.cut_next = err
                    err = 0
            # correct the error over the next window; a steady drift leaves a lag of
            # one window's drift (0.3 % -> 3 ms), which the target covers
            self.pending = 1.0 * err if abs(err) > self.deadband else 0.0
            self.n = 0
            self.lo = self._BIG
        limit = max(1, int(need * self.t.max_correction))
        k = int(round(max(-limit, min(limit, self.pending))))
        k = min(k, max(0, headroom))                  # cannot read what is not there
        if k:
            self.pending -= k
            if k > 0:
                self.trimmed += k
            else:
                self.padded -= k
        return k

    def excess(self, headroom: int) -> int:
        """Samples to cut at once (a stall or a burst left far too much buffered)."""
        if self.cut_next:
            cut = min(self.cut_next, max(0, headroom - self.target))
            self.cut_next = 0
            if cut > 0:
                self.hard_cuts += 1
                return cut
        over = headroom - self.target - self.hard
        if over > 0:
            self.hard_cuts += 1
            self.pending = 0.0
            self.n = 0
            self.lo = self._BIG
            return headroom - self.target
        return 0


def _stretch(src: np.ndarray, out: np.ndarray) -> None:
    """Resample ``src`` linearly onto ``out`` (len differ by a few samples)."""
    n, m = len(out), len(src)
    if n == m:
        out[:] = src
        return
    pos = np.arange(n) * ((m - 1) / (n - 1)) if n > 1 else np.zeros(1)
    out[:] = np.rint(np.interp(pos, np.arange(m), src.astype(np.float64))).astype(np.int16)


# --------------------------------------------------------------------------- resampling

class _Resampler:
    """Streaming linear-interpolation resampler with an anti-alias FIR when it
    decimates. Only used when a device refuses the bridge rate (e.g. WASAPI shared mode
    without auto-convert); pulse/PipeWire/ALSA-plug/MME resample by themselves."""

    def __init__(self, in_rate: int, out_rate: int) -> None:
        self.i, self.o = int(in_rate), int(out_rate)
        self.t = 0                      # next output position, in units of 1/o input samples
        self.prev = 0.0
        self.fir = None
        if self.i > self.o:
            taps = 31
            fc = 0.45 * self.o / self.i
            k = np.arange(taps) - (taps - 1) / 2
            h = 2 * fc * np.sinc(2 * fc * k) * np.hamming(taps)
            self.fir = h / h.sum()
            self.hist = np.zeros(taps - 1)

    def process(self, x: np.ndarray) -> np.ndarray:
        x = x.astype(np.float64)
        if self.fir is not None:
            ext = np.concatenate([self.hist, x])
            self.hist = ext[-(len(self.fir) - 1):]
            x = np.convolve(ext, self.fir, mode="valid")
        n = len(x)
        if n == 0:
            return np.zeros(0, np.int16)
        limit = n * self.o
        if self.t >= limit:
            self.t -= limit
            self.prev = x[-1]
            return np.zeros(0, np.int16)
        k = -(-(limit - self.t) // self.i)          # ceil
        pos = (self.t + np.arange(k, dtype=np.int64) * self.i)
        idx = pos // self.o
        frac = (pos % self.o) / self.o
        ext = np.concatenate([[self.prev], x])
        y = ext[idx] * (1 - frac) + ext[idx + 1] * frac
        self.t = int(self.t + k * self.i - limit)
        self.prev = x[-1]
        return np.clip(np.rint(y), -32768, 32767).astype(np.int16)

"""Ringtone and beep on an OS output device, independent of pjsua2.

``Ringer`` plays through its own PortAudio stream (sounddevice), so it rings on the
device chosen for ringing (often the PC speaker, not the headset) even when no call
audio exists yet. It never touches pjsua2 and may be used before the endpoint exists.
"""

from __future__ import annotations

import logging
import threading
import wave
from collections import deque
from pathlib import Path

import numpy as np

from . import devices as _dev
from .devices import AudioDeviceError

log = logging.getLogger(__name__)

RING_RATE = 48000
_SOUNDS = Path(__file__).resolve().parents[2] / "resources" / "sounds"


def ring_pattern(rate: int = RING_RATE, level_dbfs: float = -12.0) -> np.ndarray:
    """One ring cycle: 440 + 480 Hz for 1 s, then 4 s silence (int16, mono).

    (China's ringback tone is 450 Hz 1 s on / 4 s off; an incoming-call ring only has to
    be recognisable, and the 440+480 pair is the one people know from phones.)"""
    on = int(rate * 1.0)
    t = np.arange(on) / rate
    amp = 10 ** (level_dbfs / 20) * 32767 / 2
    tone = amp * (np.sin(2 * np.pi * 440 * t) + np.sin(2 * np.pi * 480 * t))
    ramp = int(rate * 0.01)  # 10 ms fades: no clicks
    env = np.ones(on)
    env[:ramp] = np.linspace(0, 1, ramp)
    env[-ramp:] = np.linspace(1, 0, ramp)
    return np.concatenate([(tone * env).astype(np.int16), np.zeros(rate * 4, np.int16)])


def beep(rate: int = RING_RATE, freq: float = 880.0, ms: int = 150,
         level_dbfs: float = -12.0) -> np.ndarray:
    """A short beep (auto-answer notice), int16 mono."""
    n = int(rate * ms / 1000)
    t = np.arange(n) / rate
    ramp = max(1, int(rate * 0.005))
    env = np.ones(n)
    env[:ramp] = np.linspace(0, 1, ramp)
    env[-ramp:] = np.linspace(1, 0, ramp)
    return (10 ** (level_dbfs / 20) * 32767 * np.sin(2 * np.pi * freq * t) * env).astype(np.int16)


def load_wav(path: Path) -> tuple[np.ndarray, int]:
    """A 16-bit PCM WAV as mono int16 and its rate."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV is supported")
        rate, ch = w.getframerate(), w.getnchannels()
        data = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    if ch > 1:
        data = data.reshape(-1, ch).mean(axis=1).astype(np.int16)
    return data.astype(np.int16), rate


def default_ringtone() -> tuple[np.ndarray, int]:
    wav = _SOUNDS / "ring.wav"
    if wav.is_file():
        try:
            return load_wav(wav)
        except Exception as exc:  # noqa: BLE001 - a bad file must not stop the ringing
            log.warning("ringtone %s unusable (%s); using the generated one", wav, exc)
    return ring_pattern(RING_RATE), RING_RATE


class Ringer:
    """Rings on an output device until stop(). Thread: call from the GUI thread.

    ``start(device)`` raises AudioDeviceError when the device cannot be opened; errors
    while ringing end the ringing quietly and are reported by ``poll_errors()``."""

    def __init__(self, samples: np.ndarray | None = None, rate: int | None = None) -> None:
        if samples is None:
            samples, rate = default_ringtone()
        self._samples = np.ascontiguousarray(samples, np.int16)
        self._rate = int(rate or RING_RATE)
        self._stream = None
        self._pos = 0
        self._loop = True
        self._lock = threading.Lock()
        self._errors: deque[str] = deque(maxlen=20)

    @property
    def ringing(self) -> bool:
        return self._stream is not None

    def start(self, device: str | None = None) -> None:
        self._play(self._samples, self._rate, device, loop=True)

    def beep(self, device: str | None = None) -> None:
        """A short beep (e.g. before auto-answer). Stops a ringing first."""
        self._play(beep(self._rate), self._rate, device, loop=False)

    def stop(self) -> None:
        with self._lock:
            stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
                stream.close()
            except Exception as exc:  # noqa: BLE001
                log.debug("ringer close: %s", exc)
            _dev._stream_closed()

    def poll_errors(self) -> list[str]:
        out = list(self._errors)
        self._errors.clear()
        return out

    def _play(self, samples: np.ndarray, rate: int, device: str | None, loop: bool) -> None:
        self.stop()
        dev = _dev.find_device(device, output=True)
        data = samples
        self._pos, self._loop = 0, loop

        def callback(outdata, frames, _time, _status):
            try:
                n = len(data)
                out = outdata[:, 0]
                filled = 0
                while filled < frames:
                    if self._pos >= n:
                        if not self._loop:
                            out[filled:] = 0
                            raise _sd().CallbackStop
                        self._pos = 0
                    k = min(frames - filled, n - self._pos)
                    out[filled:filled + k] = data[self._pos:self._pos + k]
                    self._pos += k
                    filled += k
                if outdata.shape[1] > 1:
                    outdata[:, 1:] = outdata[:, :1]
            except _sd().CallbackStop:
                raise
            except Exception:  # noqa: BLE001 - never raise from a PortAudio callback
                outdata.fill(0)

        def finished():
            if self._stream is not None and self._loop:
                self._errors.append("铃声设备出错，已停止振铃。The ringing device failed; ringing stopped.")

        sd = _sd()
        last_exc: Exception | None = None
        for channels in (1, 2):
            if channels > dev.max_out:
                break
            try:
                stream = sd.OutputStream(device=dev.index, samplerate=rate, channels=channels,
                                         dtype="int16", latency="high", callback=callback,
                                         finished_callback=finished)
                stream.start()
            except Exception as exc:  # noqa: BLE001
                last_exc = exc
                continue
            _dev._stream_opened()
            with self._lock:
                self._stream = stream
            return
        raise AudioDeviceError(f"无法在“{dev.name}”上播放铃声。Cannot ring on '{dev.name}': {last_exc}")


def _sd():
    if _dev.sd is None:
        raise AudioDeviceError("未安装 PortAudio。No audio system (PortAudio missing).")
    return _dev.sd

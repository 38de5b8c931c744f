"""OS audio devices as seen by PortAudio (through ``sounddevice``).

pjsua2's wheel has no sound devices of its own (stack-notes: only ``setNullDev``),
so the softphone reaches the sound card through PortAudio. This module lists the
devices with a *stable name* that the settings can remember; indices change
between runs and after a hot-plug, names do not.

Naming rule: devices are taken from one host API only (the platform's preferred
one: WASAPI on Windows when present, else PortAudio's default host API, i.e.
ALSA on Linux). The stable name is PortAudio's device name; should two devices
of that host API share a name, the second becomes ``"NAME #2"`` and so on.

Nothing here raises when there is no audio at all (a CI container without
PipeWire, a remote desktop without sound): lists are simply empty.

Nothing here imports pjsua2; ``sip.audio.bridge`` does.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)

# PortAudio's initialisation opens every ALSA PCM, among them the "jack" one of
# libasound2-plugins, whose libjack tries to start a JACK server when none runs. A desk
# never wants one started on its behalf, and once (tests, a loaded machine, right after
# the sound server went away) that start hung the initialisation for good.
os.environ.setdefault("JACK_NO_START_SERVER", "1")

try:  # PortAudio missing (no libportaudio2) must not break importing the app.
    import sounddevice as sd
except OSError as exc:  # pragma: no cover - depends on the machine
    sd = None
    _IMPORT_ERROR = str(exc)
else:
    _IMPORT_ERROR = ""


class AudioDeviceError(RuntimeError):
    """A device cannot be used. ``str(err)`` is a message a seat can read."""


@dataclass(frozen=True)
class AudioDevice:
    name: str            # stable name: remember this in settings
    index: int           # PortAudio index: valid only until the next rescan()
    max_in: int          # input channels (0: not a microphone)
    max_out: int         # output channels (0: not a speaker)
    default_rate: float  # the device's preferred sample rate
    is_default_in: bool
    is_default_out: bool


# PortAudio streams opened through this package; rescan() refuses while any is open,
# because re-initialising PortAudio closes every stream under the owner's feet.
_open_streams = 0
_lock = threading.RLock()


def _stream_opened() -> None:
    global _open_streams
    with _lock:
        _open_streams += 1


def _stream_closed() -> None:
    global _open_streams
    with _lock:
        _open_streams = max(0, _open_streams - 1)


def portaudio_available() -> bool:
    return sd is not None


def rescan() -> bool:
    """Re-initialise PortAudio so that new / removed devices (or a changed ALSA config)
    are seen. PortAudio scans devices once, at initialisation (sounddevice does that at
    import). Returns False (and does nothing) while streams of this package are open."""
    if sd is None:
        return False
    with _lock:
        if _open_streams:
            return False
        try:
            sd._terminate()
        finally:
            sd._initialize()
    return True


def _hostapi_index() -> int | None:
    """The host API whose devices we list."""
    apis = sd.query_hostapis()
    if sys.platform == "win32":
        for i, api in enumerate(apis):
            if "WASAPI" in api["name"] and api["devices"]:
                return i
    try:
        default = sd.default.hostapi
    except Exception:  # noqa: BLE001 - PortAudio without any host API
        default = -1
    if isinstance(default, int) and 0 <= default < len(apis):
        return default
    for i, api in enumerate(apis):
        if api["devices"]:
            return i
    return None


def list_devices() -> list[AudioDevice]:
    """All devices of the preferred host API; [] when there is none (never raises)."""
    if sd is None:
        return []
    try:
        api_idx = _hostapi_index()
        if api_idx is None:
            return []
        api = sd.query_hostapis(api_idx)
        out: list[AudioDevice] = []
        seen: dict[str, int] = {}
        for idx in api["devices"]:
            info = sd.query_devices(idx)
            base = str(info["name"]).strip()
            seen[base] = seen.get(base, 0) + 1
            name = base if seen[base] == 1 else f"{base} #{seen[base]}"
            out.append(AudioDevice(
                name=name,
                index=int(idx),
                max_in=int(info["max_input_channels"]),
                max_out=int(info["max_output_channels"]),
                default_rate=float(info["default_samplerate"]),
                is_default_in=int(idx) == api["default_input_device"],
                is_default_out=int(idx) == api["default_output_device"],
            ))
        return out
    except Exception as exc:  # noqa: BLE001 - PortAudio errors must not reach the UI
        log.warning("listing audio devices failed: %s", exc)
        return []


def input_devices() -> list[AudioDevice]:
    return [d for d in list_devices() if d.max_in > 0]


def output_devices() -> list[AudioDevice]:
    return [d for d in list_devices() if d.max_out > 0]


def default_input() -> AudioDevice | None:
    devs = input_devices()
    for d in devs:
        if d.is_default_in:
            return d
    return devs[0] if devs else None


def default_output() -> AudioDevice | None:
    devs = output_devices()
    for d in devs:
        if d.is_default_out:
            return d
    return devs[0] if devs else None


def find_device(name: str | None, *, output: bool) -> AudioDevice:
    """The device remembered as ``name`` (None or "" = the system default).

    Matching: exact name, then case-insensitive exact, then a unique case-insensitive
    prefix (Windows MME truncates names to 31 characters). Raises AudioDeviceError
    with a seat-readable message."""
    zh, en = ("扬声器/耳机", "speaker") if output else ("麦克风", "microphone")
    if sd is None:
        raise AudioDeviceError(f"无法使用声卡：系统缺少 PortAudio。"
                               f"No audio system for the {en} ({_IMPORT_ERROR}).")
    devs = output_devices() if output else input_devices()
    if not devs:
        raise AudioDeviceError(f"未找到可用的{zh}，请检查耳机是否已插好。"
                               f"No {en} found on this computer: check that the headset is plugged in.")
    if not name:
        d = default_output() if output else default_input()
        assert d is not None
        return d
    for d in devs:
        if d.name == name:
            return d
    low = name.casefold()
    for d in devs:
        if d.name.casefold() == low:
            return d
    pref = [d for d in devs if d.name.casefold().startswith(low) or low.startswith(d.name.casefold())]
    if len(pref) == 1:
        return pref[0]
    raise AudioDeviceError(f"{zh}“{name}”未连接。The {en} '{name}' is not connected.")

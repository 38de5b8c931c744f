"""pjsua's C functions behind the audio bridge's device clock (see bridge.py).

The device clock needs four C functions that pjsua2 does not wrap: ``pjsua_set_no_snd_dev``
(detach the conference from any sound device and get its master port),
``pjmedia_port_put_frame`` / ``pjmedia_port_get_frame`` on that port (one conference
tick: the microphone frame in, the speaker frame out) and ``pj_thread_register`` (every
thread that calls pjlib must be known to it). They are exported by the Linux wheel's
shared object; a Windows .pyd exports nothing, so there ``device_clock_available()`` is
False and the bridge uses pjmedia's clock.

No Python object of ours is called from pjmedia here: the clock calls pjmedia, never
the other way round."""

from __future__ import annotations

import ctypes
import logging
import sys

import pjsua2 as pj

log = logging.getLogger(__name__)

_PTR_SIZE = ctypes.sizeof(ctypes.c_void_p)
_AUDIO = pj.PJMEDIA_FRAME_TYPE_AUDIO


class _Frame(ctypes.Structure):
    """``pjmedia_frame`` (pjmedia/frame.h)."""
    _fields_ = [("type", ctypes.c_int), ("buf", ctypes.c_void_p), ("size", ctypes.c_size_t),
                ("timestamp", ctypes.c_uint64), ("bit_info", ctypes.c_uint32)]


class _ConfApi:
    def __init__(self, lib) -> None:
        self.set_no_snd_dev = lib.pjsua_set_no_snd_dev
        self.set_no_snd_dev.argtypes = []
        self.set_no_snd_dev.restype = ctypes.c_void_p
        fp = ctypes.POINTER(_Frame)
        self.get_frame = lib.pjmedia_port_get_frame
        self.get_frame.argtypes = [ctypes.c_void_p, fp]
        self.get_frame.restype = ctypes.c_int
        self.put_frame = lib.pjmedia_port_put_frame
        self.put_frame.argtypes = [ctypes.c_void_p, fp]
        self.put_frame.restype = ctypes.c_int
        self.is_registered = lib.pj_thread_is_registered
        self.is_registered.argtypes = []
        self.is_registered.restype = ctypes.c_int
        self.register = lib.pj_thread_register
        self.register.argtypes = [ctypes.c_char_p, ctypes.c_void_p,
                                  ctypes.POINTER(ctypes.c_void_p)]
        self.register.restype = ctypes.c_int
        self._descs: list = []          # pj_thread_desc of registered threads: never freed

    @staticmethod
    def master_format(master: int) -> tuple[int, int] | None:
        """(clock rate, samples per frame) of the conference from its master port's
        ``pjmedia_port_info`` (name "Conf", signature, dir, then the L16 audio format), or None
        when the memory does not look like the conference's master port (then the
        layout is not what this code expects and the device clock must not be used)."""
        try:
            ptr = ctypes.c_void_p
            name = ptr.from_address(master).value
            slen = ctypes.c_ssize_t.from_address(master + _PTR_SIZE).value
            if not name or slen != 4 or ctypes.string_at(name, 4) != b"Conf":
                return None
            base = master + 2 * _PTR_SIZE + 8          # pjmedia_format after signature, dir
            fid, mtype, detail = (ctypes.c_uint32 * 3).from_address(base)
            rate, chans, frame_us, bits = (ctypes.c_uint32 * 4).from_address(base + 12)
        except Exception:  # noqa: BLE001
            return None
        # PJMEDIA_FORMAT_L16 (0), PJMEDIA_TYPE_AUDIO (1), PJMEDIA_FORMAT_DETAIL_AUDIO (1)
        if (fid != 0 or mtype != 1 or detail != 1 or chans != 1 or bits != 16
                or rate not in (8000, 16000, 32000, 48000)
                or frame_us % 1000 or not 5000 <= frame_us <= 60000):
            return None
        return int(rate), int(rate * frame_us // 1_000_000)

    def ensure_thread(self) -> None:
        """Register the calling (PortAudio) thread with pjlib, once."""
        if not self.is_registered():
            desc = (ctypes.c_long * 64)()            # pj_thread_desc
            handle = ctypes.c_void_p()
            self._descs.append((desc, handle))
            self.register(b"audio-bridge", ctypes.addressof(desc), ctypes.byref(handle))


_conf_api: _ConfApi | None = None
_conf_api_looked_up = False


def _pjsua_lib():
    """The binding's own shared object (CDLL: the GIL is released during calls)."""
    mod = sys.modules.get("pjsua2._pjsua2") or getattr(pj, "_pjsua2", None)
    path = getattr(mod, "__file__", None)
    return ctypes.CDLL(path) if path else None


def _load_conf_api() -> _ConfApi | None:
    global _conf_api, _conf_api_looked_up
    if not _conf_api_looked_up:
        _conf_api_looked_up = True
        try:
            lib = _pjsua_lib()
            _conf_api = _ConfApi(lib) if lib is not None else None
        except Exception as exc:  # noqa: BLE001 - symbols not exported (Windows .pyd)
            log.info("audio bridge: no device clock (%s); pjmedia's clock is used", exc)
            _conf_api = None
    return _conf_api


def device_clock_available() -> bool:
    """Whether the bridge can clock the conference from the speaker (see BridgeTuning)."""
    return _load_conf_api() is not None

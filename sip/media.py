"""Wiring of call audio to the seat's headset and to each other.

`LocalAudio` decides where a call's audio goes: to the audio bridge (the OS
microphone and speaker through sip/audio/) when its devices are open, else to
pjsua2's null device so that calls still work without a headset (the wheel has
no sound devices: stack-notes.md). Mute stops the microphone into the call;
a three-way conference also crosses the two calls' audio.

Thread: GUI thread only. Owns the bridge; dropped before libDestroy.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pjsua2 as pj

if TYPE_CHECKING:  # pragma: no cover
    from sip.calls import SeatCall

log = logging.getLogger(__name__)


def default_tuning():
    """The bridge's tuning for calls: the device clock (the speaker's stream ticks the
    conference; docs/audio.md). Against the old fixed-priming design on pjmedia's clock
    (bench/bench_audio_bridge.py, interleaved runs on the loaded test VM): round trip
    mic -> speaker device ~75 against ~115 ms with a 10 ms conference frame, and no more
    glitches (fewer in most paired runs). Where the device clock cannot be had (Windows)
    the bridge falls back to the old design by itself."""
    from sip.audio.bridge import BridgeTuning
    return BridgeTuning()


class LocalAudio:
    def __init__(self, ep: pj.Endpoint):
        self._ep = ep
        self.bridge = None          # sip.audio.bridge.AudioBridge when devices are open
        self.tuning = None          # BridgeTuning of the next bridge (None: default_tuning())
        self._calls: dict[int, "SeatCall"] = {}
        self._problems: list[str] = []

    # -- devices -------------------------------------------------------------
    def open_devices(self, mic: str | None, speaker: str | None) -> None:
        """Route calls through the OS devices; raises AudioDeviceError with a clear message."""
        from sip.audio.bridge import AudioBridge
        if self.bridge is None:
            b = AudioBridge(tuning=self.tuning or default_tuning())
            b.create()
            self.bridge = b
        try:
            self.bridge.open_devices(mic, speaker)
        except Exception:
            self._drop_bridge()
            raise
        self._rewire_all()

    def close_devices(self) -> None:
        self._drop_bridge()
        self._rewire_all()

    def _drop_bridge(self):
        b, self.bridge = self.bridge, None
        if b is not None:
            try:
                b.media.stopTransmit(b.media)
            except pj.Error:
                pass
            for c in list(self._calls.values()):
                self._unwire(c, b.media, b.media)
            b.destroy()

    def set_loopback(self, on: bool) -> None:
        """Play the microphone back into the speaker (a local headset check, and
        the bridge latency benchmark). Needs open devices."""
        if self.bridge is None:
            return
        m = self.bridge.media
        (m.startTransmit if on else m.stopTransmit)(m)

    def levels(self) -> tuple[float, float]:
        if self.bridge is None:
            return (-100.0, -100.0)
        return (self.bridge.input_level_dbfs(), self.bridge.output_level_dbfs())

    def poll_problems(self) -> list[str]:
        out, self._problems = self._problems, []
        if self.bridge is not None:
            out.extend(self.bridge.poll_errors())
        return out

    # -- calls ---------------------------------------------------------------
    def _sinks(self) -> tuple[pj.AudioMedia, pj.AudioMedia]:
        """(microphone source, speaker sink) for calls right now."""
        if self.bridge is not None:
            return self.bridge.media, self.bridge.media
        mgr = self._ep.audDevManager()
        return mgr.getCaptureDevMedia(), mgr.getPlaybackDevMedia()

    @staticmethod
    def _call_media(c: "SeatCall") -> pj.AudioMedia | None:
        try:
            if not c.hasMedia():
                return None
            ci = c.getInfo()
            for mi in ci.media:
                if mi.type == pj.PJMEDIA_TYPE_AUDIO and mi.status in (
                        pj.PJSUA_CALL_MEDIA_ACTIVE, pj.PJSUA_CALL_MEDIA_REMOTE_HOLD):
                    return c.getAudioMedia(mi.index)
        except pj.Error:
            return None
        return None

    def connect_call(self, c: "SeatCall", index: int | None = None) -> None:
        """(Re)wire one call: speaker always, microphone unless muted, conference peers."""
        self._calls[c.local_id] = c
        am = self._call_media(c)
        if am is None:
            return
        mic, spk = self._sinks()
        try:
            am.startTransmit(spk)
            if c.muted:
                mic.stopTransmit(am)
            else:
                mic.startTransmit(am)
            for other_id in c.conference_with:
                o = self._calls.get(other_id)
                om = self._call_media(o) if o is not None else None
                if om is not None:
                    am.startTransmit(om)
                    om.startTransmit(am)
            c.audio_connected = True
        except pj.Error as e:
            self._problems.append(f"audio path for the call failed: {e.info()}")

    def _unwire(self, c: "SeatCall", mic, spk):
        am = self._call_media(c)
        if am is None:
            return
        try:
            am.stopTransmit(spk)
            mic.stopTransmit(am)
        except pj.Error:
            pass

    def _rewire_all(self):
        null_mic = self._ep.audDevManager().getCaptureDevMedia()
        null_spk = self._ep.audDevManager().getPlaybackDevMedia()
        for c in list(self._calls.values()):
            if c.phase.value == "ended":
                self._calls.pop(c.local_id, None)
                continue
            if self.bridge is not None:
                self._unwire(c, null_mic, null_spk)
            self.connect_call(c)

    def forget(self, call_id: int) -> None:
        self._calls.pop(call_id, None)

    def destroy(self) -> None:
        self._drop_bridge()
        self._calls.clear()

"""Audio for the softphone: OS devices (PortAudio via sounddevice) bridged to pjsua2.

``devices`` and ``tones`` do not import pjsua2; ``bridge`` (AudioBridge) does, which is
why it is imported lazily here: ``from sip.audio import AudioBridge`` pulls pjsua2 in,
``from sip.audio import devices`` does not.
"""

from .devices import AudioDevice, AudioDeviceError  # noqa: F401
from .tones import Ringer  # noqa: F401


def __getattr__(name):
    if name in ("AudioBridge", "BridgeStats", "BridgeTuning", "LEGACY_TUNING", "SILENCE_DBFS"):
        from . import bridge
        return getattr(bridge, name)
    raise AttributeError(name)

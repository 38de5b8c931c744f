"""Local ports for a sipp process (the demo's caller generator, the tests and the
benches that start sipp use these).

Besides its SIP port (``-p``, UDP on ``-i``'s address) and its control port
(``-cp``, UDP on every address), sipp 3.6 binds its media port (``-mp``,
"audio RTP") and ``-mp + 2`` ("video RTP"; +1 is left for RTCP and not
bound) even when the scenario has no media (SIPp src/sipp.cpp). A port picked
by binding port 0 and closing again was chosen among the kernel's ephemeral
ports, which every other socket here also draws from (pjsua, PresenceUA,
Kamailio's own picks), and ``-mp + 2`` was never checked: sipp then stops with
"Unable to bind video RTP socket ... errno 98" and exit code 254.

So the ports come from 10000-19999: below the ephemeral range (32768+), below
the random RTP ranges the launcher gives rtpengine (20000+), away from
pjsua's default RTP ports (4000+) and sipp's own defaults (6000, 8888). The
four sockets are bound together to check them (media on the even port, as
sipp expects), and ports handed out in this process are not handed out again
for a while (callers started a fraction of a second apart, before the first
sipp has bound its own).
"""
from __future__ import annotations

import collections
import random
import socket
import threading
from dataclasses import dataclass

LOW, HIGH = 10000, 19998
_recent: collections.deque = collections.deque(maxlen=400)
_lock = threading.Lock()


@dataclass(frozen=True)
class SippPorts:
    sip: int        # -p
    media: int      # -mp (sipp also binds media + 2)
    control: int    # -cp

    def args(self) -> list[str]:
        return ["-p", str(self.sip), "-mp", str(self.media), "-cp", str(self.control)]

    def all(self) -> tuple[int, ...]:
        return (self.sip, self.media, self.media + 2, self.control)


def _bind(addr: str, port: int) -> socket.socket | None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((addr, port))
        return s
    except OSError:
        s.close()
        return None


def sipp_ports(host: str = "127.0.0.1") -> SippPorts:
    """Free, distinct ports for one sipp: SIP and media on ``host``, the
    control port on every address (sipp binds it on INADDR_ANY)."""
    with _lock:
        for _ in range(500):
            media = random.randrange(LOW, HIGH - 2, 2)
            sip = random.randrange(LOW, HIGH)
            control = random.randrange(LOW, HIGH)
            p = SippPorts(sip, media, control)
            ports = p.all()
            if len(set(ports)) != 4 or any(x in _recent for x in ports):
                continue
            held = [_bind(host, sip), _bind(host, media), _bind(host, media + 2),
                    _bind("0.0.0.0", control)]
            ok = all(s is not None for s in held)
            for s in held:
                if s is not None:
                    s.close()
            if ok:
                _recent.extend(ports)
                return p
    raise RuntimeError(f"no free ports for sipp in {LOW}-{HIGH}")


def sipp_port_args(host: str = "127.0.0.1") -> list[str]:
    """``["-p", P, "-mp", M, "-cp", C]`` for a sipp command line."""
    return sipp_ports(host).args()


def bind_failure(returncode: int | None, output: str | None) -> bool:
    """True when sipp stopped because one of its ports was taken."""
    return returncode == 254 and "Unable to bind" in (output or "")

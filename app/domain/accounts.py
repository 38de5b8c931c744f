"""A seat's SIP account settings, as plain data.

Built by the settings dialog (ui/) or the demo launcher, handed to the SIP
engine (sip/). The password lives here only in memory: on disk it belongs to
the OS credential store, never to a settings file.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, replace


class Transport(str, enum.Enum):
    UDP = "udp"
    TCP = "tcp"
    TLS = "tls"


@dataclass(frozen=True)
class AccountSettings:
    server: str                  # registrar host[:port], e.g. "127.0.0.1:5060"
    user: str                    # SIP user = the seat's number, e.g. "8001"
    password: str = ""
    display_name: str = ""
    transport: Transport = Transport.TCP
    outbound_proxy: str = ""     # host[:port]; empty = none
    domain: str = ""             # SIP domain; empty = the server
    reg_expires: int = 60        # seconds; short so that a lost server is noticed
    auto_answer: bool = False

    @property
    def sip_domain(self) -> str:
        return self.domain or self.server

    @property
    def aor(self) -> str:
        return f"sip:{self.user}@{self.sip_domain}"

    def problems(self) -> list[str]:
        """What keeps these settings from working, in plain words (empty when fine)."""
        out = []
        if not self.server.strip():
            out.append("server")
        if not self.user.strip():
            out.append("user")
        if any(c in self.user for c in " @:;<>\""):
            out.append("user")
        return out

    def without_secret(self) -> "AccountSettings":
        return replace(self, password="")

    def target_uri(self, number_or_uri: str) -> str:
        """A dialled string as a SIP URI in this account's domain."""
        t = number_or_uri.strip()
        if t.startswith(("sip:", "sips:")):
            return t
        if "@" in t:
            return "sip:" + t
        if all(c.isdigit() or c in " -()+*#" for c in t):
            t = "".join(c for c in t if c not in " -()")  # a phone number as typed
        return f"sip:{t}@{self.sip_domain}"

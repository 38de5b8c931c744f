"""Plain snapshots of calls and registrations.

These frozen dataclasses are what crosses the boundary between the SIP engine
(sip/, which owns pjsua2) and everything else (ui/, app/services). They carry
copied values only, never a pjsua2 object.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field


class CallDirection(str, enum.Enum):
    INCOMING = "in"
    OUTGOING = "out"


class CallPhase(str, enum.Enum):
    """Where a call is, in the seat's words rather than SIP's."""
    DIALING = "dialing"        # INVITE sent, nothing back yet
    RINGING_OUT = "ringing_out"  # 180/183 received
    RINGING_IN = "ringing_in"  # incoming call offered to the seat
    CONNECTING = "connecting"  # answered, waiting for ACK
    ACTIVE = "active"
    ENDED = "ended"


class CallResult(str, enum.Enum):
    """How a finished call ended, as recorded in the history."""
    ANSWERED = "answered"
    MISSED = "missed"          # incoming, never answered, caller gave up
    REJECTED = "rejected"      # incoming, the seat declined
    FAILED = "failed"          # outgoing that never connected (reason kept)
    CANCELLED = "cancelled"    # outgoing hung up by the seat before answer


@dataclass(frozen=True)
class CallSnapshot:
    call_id: int                 # engine-local id, stable for the call's life
    sip_call_id: str
    direction: CallDirection
    phase: CallPhase
    peer_uri: str
    peer_number: str
    peer_display: str = ""
    local_hold: bool = False     # we put the peer on hold
    remote_hold: bool = False    # the peer put us on hold
    muted: bool = False
    conference: bool = False     # bridged with another of our calls
    last_status: int = 0
    last_reason: str = ""
    started_at: float = 0.0      # time.time() when offered/dialled
    answered_at: float | None = None
    ended_at: float | None = None
    queue: str = ""              # hotline queue an offered call came from ("" = direct)
    consult: str = ""            # consult question uid (X-Hotline-Consult), "" otherwise


class RegState(str, enum.Enum):
    UNREGISTERED = "unregistered"
    REGISTERING = "registering"
    REGISTERED = "registered"
    FAILED = "failed"            # the server refused (reason kept)
    RETRYING = "retrying"        # lost contact, trying again by itself


@dataclass(frozen=True)
class RegistrationSnapshot:
    account_uri: str
    state: RegState
    status_code: int = 0
    reason: str = ""
    expires: int = 0
    retry_in: int | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def number_of(uri: str) -> str:
    """The user part of a SIP URI (what a seat calls the number)."""
    u = uri.strip()
    if "<" in u and ">" in u:
        u = u[u.index("<") + 1:u.index(">")]
    for scheme in ("sips:", "sip:", "tel:"):
        if u.startswith(scheme):
            u = u[len(scheme):]
    u = u.split(";", 1)[0]
    return u.split("@", 1)[0]

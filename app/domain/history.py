"""Call history as plain domain values and rules.

Domain side: no Qt, no pjsua2, no peewee. ``CallHistoryEntry`` is one row of a
seat's call history as the rest of the application sees it (the storage layer
turns database rows into it). The functions decide how a finished call is
recorded: its ``CallResult``, the reason kept for the seat, and its duration.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from app.domain.calls import CallDirection, CallPhase, CallResult, CallSnapshot

# SIP status codes that matter for the result of an unanswered call.
STATUS_BUSY_HERE = 486
STATUS_REQUEST_TERMINATED = 487
STATUS_DECLINE = 603

# Peer numbers that cannot be called back.
_UNDIALLABLE = {"", "anonymous", "unknown", "restricted", "unavailable"}


@dataclass(frozen=True)
class CallHistoryEntry:
    """One recorded call. ``result`` is None while the call is still going."""
    id: int
    sip_call_id: str
    direction: CallDirection
    peer_uri: str
    peer_number: str
    peer_display: str
    started_at: float
    answered_at: float | None
    ended_at: float | None
    duration_s: float
    result: CallResult | None
    reason: str
    account: str

    @property
    def in_progress(self) -> bool:
        return self.result is None

    @property
    def peer_label(self) -> str:
        """What a seat reads in a list: the display name, else the number."""
        return self.peer_display or self.peer_number or self.peer_uri

    @property
    def redial_number(self) -> str | None:
        """The number to call back, or None when the peer was anonymous."""
        number = self.peer_number.strip()
        if number.lower() in _UNDIALLABLE:
            return None
        return number


def result_of(snapshot: CallSnapshot, rejected_by_us: bool = False) -> CallResult:
    """The CallResult of a finished call.

    - answered (``answered_at`` set): ANSWERED, whatever the direction;
    - incoming, never answered: REJECTED when the seat declined it
      (``rejected_by_us``: we sent 486/603), else MISSED (the caller gave up,
      or another seat took it);
    - outgoing, never answered: CANCELLED when we hung up before the answer
      (the INVITE ended with 487 Request Terminated), else FAILED.

    ``rejected_by_us`` is passed in because only the side that sent the final
    response knows it was the seat's choice: the snapshot's 486/603 looks the
    same when the caller's own phone sees it.
    """
    if snapshot.answered_at is not None:
        return CallResult.ANSWERED
    if snapshot.direction == CallDirection.INCOMING:
        return CallResult.REJECTED if rejected_by_us else CallResult.MISSED
    if snapshot.last_status == STATUS_REQUEST_TERMINATED:
        return CallResult.CANCELLED
    return CallResult.FAILED


def status_text(status: int, reason: str) -> str:
    """'486 Busy Here', or whichever part is known."""
    reason = (reason or "").strip()
    if status and reason:
        return f"{status} {reason}"
    if status:
        return str(status)
    return reason


def reason_of(snapshot: CallSnapshot, result: CallResult) -> str:
    """The reason kept with the record: the final SIP status, except for
    answered calls (where it is only the normal hang-up) and a seat's own
    decline (where the seat knows why)."""
    if result == CallResult.ANSWERED:
        return ""
    if result == CallResult.FAILED and not snapshot.last_status \
            and not snapshot.last_reason:
        return "No response"
    return status_text(snapshot.last_status, snapshot.last_reason)


def duration(snapshot: CallSnapshot, now: float | None = None) -> float:
    """Talk time in seconds: from answer to end (or to ``now`` while active).

    Zero for a call that was never answered; never negative (clocks can step).
    """
    return talk_seconds(snapshot.answered_at, snapshot.ended_at, now)


def talk_seconds(answered_at: float | None, ended_at: float | None,
                 now: float | None = None) -> float:
    if answered_at is None:
        return 0.0
    end = ended_at
    if end is None:
        end = time.time() if now is None else now
    return max(0.0, round(end - answered_at, 3))


def ring_seconds(snapshot: CallSnapshot, now: float | None = None) -> float:
    """Seconds from offer/dial to answer (or to end, if never answered)."""
    end = snapshot.answered_at if snapshot.answered_at is not None else snapshot.ended_at
    if end is None:
        end = time.time() if now is None else now
    return max(0.0, round(end - snapshot.started_at, 3))


def is_final(snapshot: CallSnapshot) -> bool:
    return snapshot.phase == CallPhase.ENDED


def format_duration(seconds: float) -> str:
    """'0:07', '12:34', '1:02:03' — the clock format seats expect."""
    total = int(round(max(0.0, seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"

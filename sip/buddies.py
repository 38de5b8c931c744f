"""Per-seat presence subscriptions through pjsua2 Buddies (up to ~250 seats).

pjsua2 parses only the first tuple of a PIDF, so each NOTIFY's raw body is
taken from the transaction event and handed on as text: the app parses the
project's extension itself (app.domain.presence_doc). The wheel aborts the
process past 256 buddies (stack-notes.md), so `MAX_BUDDIES` is enforced here;
larger wallboards use one resource-list subscription (sip/simple/).

Thread: GUI thread (callbacks run inside libHandleEvents). Lifetime: the
engine owns the dict of buddies and drops them before libDestroy.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pjsua2 as pj

if TYPE_CHECKING:  # pragma: no cover
    from sip.engine import SipEngine

MAX_BUDDIES = 250

_SUB_STATES = {
    pj.PJSIP_EVSUB_STATE_NULL: "null",
    pj.PJSIP_EVSUB_STATE_SENT: "sent",
    pj.PJSIP_EVSUB_STATE_ACCEPTED: "accepted",
    pj.PJSIP_EVSUB_STATE_PENDING: "pending",
    pj.PJSIP_EVSUB_STATE_ACTIVE: "active",
    pj.PJSIP_EVSUB_STATE_TERMINATED: "terminated",
    pj.PJSIP_EVSUB_STATE_UNKNOWN: "unknown",
}


def _body_of(whole: str) -> str:
    for sep in ("\r\n\r\n", "\n\n"):
        i = whole.find(sep)
        if i >= 0:
            return whole[i + len(sep):]
    return ""


class SeatBuddy(pj.Buddy):
    def __init__(self, engine: "SipEngine", uri: str):
        super().__init__()
        self.engine = engine
        self.uri = uri
        self.sub_state = "null"

    def onBuddyEvSubState(self, prm):
        try:
            info = self.getInfo()
            state = _SUB_STATES.get(info.subState, "unknown")
            reason = info.subTermReason or ""
        except pj.Error:
            return
        body = ""
        is_notify = False
        try:
            rdata = prm.e.body.tsxState.src.rdata
            whole = rdata.wholeMsg if rdata is not None else ""
            if whole.startswith("NOTIFY "):
                is_notify = True
                body = _body_of(whole)
        except Exception:  # not an incoming message (timer, our own request)
            body = ""
        if state != self.sub_state:
            self.sub_state = state
            self.engine._presence_subscription(self.uri, state, reason)
        if body.strip():
            self.engine._presence_received(self.uri, body)
        elif is_notify and state == "active":
            # A NOTIFY without a document: the publication expired or was
            # withdrawn (the seat's desk died or signed off uncleanly).
            self.engine._presence_subscription(self.uri, "no-document", "")

    def onBuddyState(self):
        pass  # the raw NOTIFY (above) carries everything we show

"""Instant messages of the SIP engine: out-of-dialog SIP MESSAGE, both ways.

A mixin of `SipEngine` (sip/engine.py), beside the call verbs and presence
watching. Desks use it to carry questions to the consulting judge and answers
back (app.domain.consult holds the body format); the messages go through the
SIP server like any request, authenticated with the seat's account.

Sending: pjsua2 sends a MESSAGE only through a `Buddy` (which answers the
server's digest challenge, unlike `Account.sendRequest`). A buddy that already
watches the target's presence is reused; otherwise a small cache of
non-subscribing buddies holds the last few targets, so the wheel's limit of
256 buddies is never passed (presence watching stops at MAX_BUDDIES = 250).

Outcome: pjsua2 reports the final answer on the account
(`onInstantMessageStatus`) with the target and the body, but its user-data
token cannot be set from Python; sends are matched to outcomes by (target,
body), oldest first. The engine emits `messageFinished(id, code, reason)`.

Receiving: `SeatAccount.onInstantMessage` copies sender, content type and body
(pjsua has already answered 200 OK) and the engine emits
`messageReceived(from_uri, content_type, body)` after libHandleEvents.

Thread: GUI thread only. Lifetime: the buddies are pjsua2 objects owned here
and dropped by the engine before libDestroy (`_drop_message_buddies`).
"""
from __future__ import annotations

import logging
from collections import OrderedDict

import pjsua2 as pj

from sip.errors import SipError, err_text as _err

log = logging.getLogger(__name__)

MAX_MESSAGE_BUDDIES = 4   # with presence's 250, stays under the wheel's 256


def clean_text(text: str) -> str:
    """Text from pjsua2 as valid Unicode: SWIG decodes bytes that are not UTF-8
    with surrogate escapes, which Qt cannot carry; show them as U+FFFD."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except (UnicodeError, AttributeError):
        return str(text).encode("utf-8", "replace").decode("utf-8", "replace")


class MessageBuddy(pj.Buddy):
    """A MESSAGE target without a presence subscription (no callbacks used)."""


class Messaging:
    """Out-of-dialog SIP MESSAGE for `SipEngine`."""

    def _init_messaging(self) -> None:
        self._msg_buddies: OrderedDict[str, MessageBuddy] = OrderedDict()
        self._msg_inflight: list[tuple[int, str, str]] = []  # (id, target uri, body)
        self._next_msg_id = 1

    def send_message(self, target: str, body: str,
                     content_type: str = "text/plain") -> int:
        """Send ``body`` to a number or SIP URI; returns a message id.

        The outcome arrives later as ``messageFinished(id, code, reason)``
        (2xx: the other desk has it; 404: no such user; 480: not signed in;
        408: no answer). Raises SipError when it cannot even be sent.
        """
        self._require_account()
        uri = self.account.settings.target_uri(target)
        buddy = self._buddies.get(uri) or self._message_buddy(uri)
        prm = pj.SendInstantMessageParam()
        prm.content = body
        prm.contentType = content_type
        try:
            buddy.sendInstantMessage(prm)
        except pj.Error as e:
            raise SipError(_err(e)) from e
        finally:
            del buddy
            self._flush_soon()
        mid = self._next_msg_id
        self._next_msg_id += 1
        self._msg_inflight.append((mid, uri, body))
        return mid

    def messages_in_flight(self) -> int:
        return len(self._msg_inflight)

    def _message_buddy(self, uri: str) -> MessageBuddy:
        b = self._msg_buddies.get(uri)
        if b is not None:
            self._msg_buddies.move_to_end(uri)
            return b
        while len(self._msg_buddies) >= MAX_MESSAGE_BUDDIES:
            # A MESSAGE in flight does not need its buddy (pjsua keeps its own
            # copy of the request), so the oldest can go at any time.
            self._msg_buddies.popitem(last=False)
        b = MessageBuddy()
        cfg = pj.BuddyConfig()
        cfg.uri = uri
        cfg.subscribe = False
        try:
            b.create(self.account, cfg)
        except pj.Error as e:
            raise SipError(_err(e)) from e
        self._msg_buddies[uri] = b
        return b

    def _drop_message_buddies(self) -> None:
        self._msg_buddies.clear()
        self._msg_inflight.clear()

    # -- called by SeatAccount from inside pjsua2 callbacks -----------------
    def _message_received(self, from_uri: str, content_type: str, body: str) -> None:
        self._pending.append((self.messageReceived,
                              (clean_text(from_uri), clean_text(content_type),
                               clean_text(body))))

    def _message_status(self, to_uri: str, body: str, code: int, reason: str) -> None:
        match = None
        for i, (mid, uri, sent) in enumerate(self._msg_inflight):
            if sent == body and uri == to_uri:
                match = i
                break
        if match is None:  # the target was rewritten: fall back to the body alone
            match = next((i for i, item in enumerate(self._msg_inflight)
                          if item[2] == body), None)
        if match is None:
            log.info("outcome of an unknown MESSAGE to %s: %s %s", to_uri, code, reason)
            return
        mid = self._msg_inflight.pop(match)[0]
        self._pending.append((self.messageFinished, (mid, int(code), clean_text(reason))))

"""sip.simple: a small SIP SIMPLE presence UA of our own (stdlib only).

pjsua2 cannot consume RFC 4662 resource-list NOTIFYs and does not answer
digest challenges for ``Account.sendRequest``; the wallboard uses this
package for its list subscription, the load tests for publishing, and the
demo for its simulated seats that answer calls (:mod:`sip.simple.callee`).
Callbacks run on the UA's internal threads: see :mod:`sip.simple.ua`.
"""

from .callee import CalleePool, CallInfo
from .digest import DigestAuth, parse_challenge
from .message import ResourceState, SipMessage, StreamFramer, parse_message, parse_rls_body
from .rls import ListFeed
from .ua import (
    Notify,
    PendingPublish,
    PresenceUA,
    PublisherPool,
    PublishError,
    PublishResult,
    SipError,
    SubscribeError,
    Subscription,
    TransportError,
)

__all__ = [
    "PresenceUA", "PublisherPool", "PendingPublish", "Subscription", "Notify",
    "PublishResult", "PublishError", "SubscribeError", "SipError", "TransportError",
    "ResourceState", "SipMessage", "StreamFramer", "parse_message", "parse_rls_body",
    "DigestAuth", "parse_challenge", "ListFeed", "CalleePool", "CallInfo",
]

"""Presence watching of the SIP engine: per-seat pjsua2 buddies.

A mixin of `SipEngine` (sip/engine.py). Up to `MAX_BUDDIES` presentities
(the wheel aborts past 256); the raw NOTIFY bodies come out as
`presenceReceived` signals. Runs on the GUI thread only.
"""
from __future__ import annotations

import logging

import pjsua2 as pj

from sip.buddies import MAX_BUDDIES, SeatBuddy
from sip.errors import err_text as _err

log = logging.getLogger(__name__)


class PresenceWatch:
    """Subscriptions to seats' and queues' presence."""

    def watch(self, uris) -> list[str]:
        """Subscribe to the presence of each URI (seats, queues); returns those
        refused because the per-process buddy limit would be passed."""
        self._require_account()
        refused = []
        for uri in uris:
            if uri in self._buddies:
                continue
            if len(self._buddies) >= MAX_BUDDIES:
                refused.append(uri)
                continue
            b = SeatBuddy(self, uri)
            cfg = pj.BuddyConfig()
            cfg.uri = uri
            cfg.subscribe = True
            try:
                b.create(self.account, cfg)
            except pj.Error as e:
                refused.append(uri)
                log.warning("cannot watch %s: %s", uri, _err(e))
                continue
            self._buddies[uri] = b
        self._flush_soon()
        return refused

    def unwatch(self, uri: str) -> None:
        self._buddies.pop(uri, None)

    def watched(self) -> list[str]:
        return list(self._buddies)

    def resubscribe_all(self) -> None:
        """Subscribe afresh (after the server came back: it may have lost our
        subscriptions, and pjsua would keep refreshing dead dialogs)."""
        uris = list(self._buddies)
        self._buddies.clear()  # deletes the pjsua buddies and their dialogs
        if uris and self.account is not None:
            self.watch(uris)

    def _presence_received(self, uri: str, body: str):
        self._pending.append((self.presenceReceived, (uri, body)))

    def _presence_subscription(self, uri: str, state: str, reason: str):
        self._pending.append((self.presenceSubscriptionChanged, (uri, state, reason)))

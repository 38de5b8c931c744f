"""Small helpers shared by the queue-routing end-to-end tests.

- ``after_restart``: an authenticated request right after Kamailio was started
  again. Once in a full CI run (2 busy cores) a seat's PUBLISH was challenged
  three times in a row right after a restart (tests/test_wallboard_watcher.py);
  a desk simply tries again then, so these tests do too, for 407s during the
  first 10 s, and print what Kamailio logged about it.
- ``midnight_between``: the queues' answered/abandoned counters start from 0
  when the local date changes (routing.cfg route[QNEWDAY]); a test comparing
  them with a document taken earlier cannot compare across a midnight.
"""
from __future__ import annotations

import time

AUTH_RETRY_S = 10.0


def _challenged(srv, what: str) -> None:
    print(f"after restart: {what} challenged again:",
          [ln for ln in srv.log_tail(400).splitlines() if "auth:" in ln][-10:])


def after_restart(srv, request, what: str, window: float = AUTH_RETRY_S):
    """``request()`` (a PresenceUA publish or send_message), tried again while it
    is answered 407 within ``window`` s. send_message's (status, reason) is
    returned as is once it is not 407 (or the window is over); a publish's
    SipError other than 407 is raised at once."""
    from sip.simple.ua import SipError
    deadline = time.monotonic() + window
    while True:
        try:
            res = request()
        except SipError as exc:
            if exc.code != 407 or time.monotonic() > deadline:
                raise
        else:
            if not (isinstance(res, tuple) and res and res[0] == 407) \
                    or time.monotonic() > deadline:
                return res
        _challenged(srv, what)
        time.sleep(0.5)


class Day:
    """Remembers the local date when created; ``changed()`` is True when a
    local midnight may have passed since (with ``margin`` s either side: the
    server's day check runs on its 100 ms tick, and a document taken just
    before may be older than the moment it was read)."""

    def __init__(self, margin: float = 5.0):
        self.margin = margin
        self.start = time.time()

    def changed(self) -> bool:
        return midnight_between(self.start, time.time(), self.margin)


def midnight_between(t0: float, t1: float, margin: float = 5.0) -> bool:
    def day(t: float) -> str:
        return time.strftime("%Y%m%d", time.localtime(t))
    return day(t0 - margin) != day(t1 + margin)

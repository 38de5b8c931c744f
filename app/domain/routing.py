"""Hotline queues: which number reaches which queue, who answers it, what overflows where.

Domain side: plain dataclasses, no Qt, no SIP. The queues are derived from the
directory (``resources/directory.json``): one queue per court, named by the
court code (the queue presentity is ``sip:q-<code>@<domain>``, the id in the
queue PIDF document is the code). The main platform's queue answers 12368;
each sub-platform's queue answers ``12368`` + the court's two-digit index in
file order (``1236811`` for the 11th court), the same index as its switchboard
``6CC00``.

``deploy/kamailio/launcher.py`` turns a list of ``QueueConfig`` into the
htable rows the Kamailio routing (``deploy/kamailio/routing.cfg``) reads at
start-up. See docs/routing.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from app.domain.directory import Directory

MAIN_NUMBER = "12368"
DEFAULT_MAX_WAIT_S = 180
DEFAULT_RING_TIMEOUT_S = 15
DEFAULT_FALLBACK = "480"

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_USER = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")
_FALLBACK = re.compile(r"^([3-6][0-9][0-9]|[A-Za-z0-9_.+-]{1,64})$")


class RoutingConfigError(ValueError):
    """A queue definition that the SIP server could not use."""


@dataclass
class QueueConfig:
    name: str                       # queue id = court code, e.g. "bjgy"
    number: str                     # the number callers dial, e.g. "12368"
    court: str                      # the court's name as the wallboard shows it
    members: list[str] = field(default_factory=list)   # seat SIP users
    max_wait_s: int = DEFAULT_MAX_WAIT_S
    # After max_wait_s: a SIP status (e.g. "480") answered to the caller, or
    # a user/number the call is forwarded to (e.g. a voicemail seat).
    fallback: str = DEFAULT_FALLBACK
    ring_timeout_s: int = DEFAULT_RING_TIMEOUT_S
    # Overflow: while more than overflow_waiting_n calls wait (0 = never) or
    # the oldest has waited overflow_wait_s seconds (0 = never), a call may
    # also go to the members of the queues in overflow_to, in that order.
    overflow_waiting_n: int = 0
    overflow_wait_s: int = 0
    overflow_to: list[str] = field(default_factory=list)

    def validate(self) -> None:
        if not _NAME.match(self.name):
            raise RoutingConfigError(f"queue name {self.name!r}: letters, digits, - and _ only")
        if not self.number.isdigit():
            raise RoutingConfigError(f"queue {self.name}: number {self.number!r} must be digits")
        for m in self.members:
            if not _USER.match(m):
                raise RoutingConfigError(f"queue {self.name}: bad member {m!r}")
        if not _FALLBACK.match(self.fallback):
            raise RoutingConfigError(f"queue {self.name}: bad fallback {self.fallback!r}")
        for name, low in (("max_wait_s", 1), ("ring_timeout_s", 1),
                          ("overflow_waiting_n", 0), ("overflow_wait_s", 0)):
            value = getattr(self, name)
            if not isinstance(value, int) or value < low or value > 86400:
                raise RoutingConfigError(f"queue {self.name}: {name} out of range: {value!r}")
        if self.name in self.overflow_to:
            raise RoutingConfigError(f"queue {self.name} overflows to itself")


def validate_queues(queues: list[QueueConfig]) -> None:
    names = [q.name for q in queues]
    if len(set(names)) != len(names):
        raise RoutingConfigError("queue names must be unique")
    numbers = [q.number for q in queues]
    if len(set(numbers)) != len(numbers):
        raise RoutingConfigError("queue numbers must be unique")
    for q in queues:
        q.validate()
        for o in q.overflow_to:
            if o not in names:
                raise RoutingConfigError(f"queue {q.name}: overflow_to names unknown queue {o!r}")


def sub_platform_number(index: int) -> str:
    """The hotline number of the court at 1-based ``index`` in directory order."""
    return f"{MAIN_NUMBER}{index:02d}"


def queues_from_directory(directory: Directory | Path | str, *,
                          max_wait_s: int = DEFAULT_MAX_WAIT_S,
                          ring_timeout_s: int = DEFAULT_RING_TIMEOUT_S,
                          fallback: str = DEFAULT_FALLBACK,
                          main_overflow_waiting_n: int = 5,
                          main_overflow_wait_s: int = 60) -> list[QueueConfig]:
    """One queue per court: the main platform's (number 12368) first, then each
    sub-platform's (``12368CC``). The main queue overflows to the sub-platforms
    in directory order; sub-platform queues do not overflow."""
    if not isinstance(directory, Directory):
        directory = Directory.load(directory)
    out: list[QueueConfig] = []
    subs: list[QueueConfig] = []
    main: QueueConfig | None = None
    for index, court in enumerate(directory.courts(), 1):
        members = [s.number for s in directory.seats_of(court.code)]
        q = QueueConfig(name=court.code, number=MAIN_NUMBER if court.is_main
                        else sub_platform_number(index), court=court.name, members=members,
                        max_wait_s=max_wait_s, fallback=fallback, ring_timeout_s=ring_timeout_s)
        if court.is_main:
            main = q
        else:
            subs.append(q)
    assert main is not None  # Directory guarantees exactly one main court
    main.overflow_waiting_n = main_overflow_waiting_n
    main.overflow_wait_s = main_overflow_wait_s
    main.overflow_to = [s.name for s in subs]
    out = [main, *subs]
    validate_queues(out)
    return out


def supervisors_from_directory(directory: Directory | Path | str) -> list[str]:
    """The SIP users allowed to lend seats: the consulting judges."""
    if not isinstance(directory, Directory):
        directory = Directory.load(directory)
    return [e.number for e in directory.entries("consulting_judge")]


# --- thresholds changed at run time ------------------------------------------
# A supervisor sets a queue's thresholds live with an authenticated MESSAGE
# to the queue server (routing.cfg route[QSET_THRESHOLDS]); these are the
# command, its limits (the server checks the same ones) and the server's
# answer, so the wallboard can check input before sending and read the values.

THRESHOLD_LIMITS = {           # field -> (lowest, highest), whole numbers
    "overflow_waiting_n": (0, 999),
    "overflow_wait_s": (0, 86400),
    "max_wait_s": (1, 86400),
    "ring_timeout_s": (1, 300),
}
# the names the server uses in its answer, in the order of the command
_WIRE_NAMES = {"overflow-waiting": "overflow_waiting_n", "overflow-wait": "overflow_wait_s",
               "max-wait": "max_wait_s", "ring-timeout": "ring_timeout_s"}


@dataclass(frozen=True)
class QueueThresholds:
    """What decides when a queue overflows, how long callers wait, how long a
    seat rings. 0 for an overflow threshold means "never on this rule"."""
    queue: str
    overflow_waiting_n: int     # overflow while more than N callers wait
    overflow_wait_s: int        # ... or the oldest has waited T seconds
    max_wait_s: int             # then the queue's fallback
    ring_timeout_s: int         # then the next seat, this one set not ready

    def problems(self) -> list[tuple[str, int, int]]:
        """(field, lowest, highest) of each value out of range; [] when valid."""
        out = []
        for name, (low, high) in THRESHOLD_LIMITS.items():
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or not low <= v <= high:
                out.append((name, low, high))
        return out

    def validate(self) -> None:
        if not _NAME.match(self.queue):
            raise RoutingConfigError(f"queue name {self.queue!r}: letters, digits, - and _ only")
        bad = self.problems()
        if bad:
            raise RoutingConfigError("; ".join(f"{n} must be {lo}-{hi}" for n, lo, hi in bad))

    def command(self) -> str:
        """The body of the supervisor's MESSAGE to ``sip:q-admin@<domain>``."""
        self.validate()
        return (f"set-thresholds {self.queue} {self.overflow_waiting_n} {self.overflow_wait_s} "
                f"{self.max_wait_s} {self.ring_timeout_s}")

    @classmethod
    def of(cls, q: QueueConfig) -> "QueueThresholds":
        return cls(q.name, q.overflow_waiting_n, q.overflow_wait_s, q.max_wait_s, q.ring_timeout_s)


def thresholds_query(queue: str) -> str:
    """The body of a MESSAGE that asks the server for a queue's thresholds."""
    if not _NAME.match(queue):
        raise RoutingConfigError(f"queue name {queue!r}: letters, digits, - and _ only")
    return f"thresholds {queue}"


def parse_thresholds_reply(reason: str) -> QueueThresholds:
    """The server's answer to ``thresholds`` / ``set-thresholds`` (the reason
    phrase of its 200): ``OK <queue> overflow-waiting=N overflow-wait=T
    max-wait=M ring-timeout=R``."""
    words = reason.split()
    if len(words) < 2 or words[0] != "OK":
        raise RoutingConfigError(f"not a thresholds answer: {reason!r}")
    values: dict[str, int] = {}
    for w in words[2:]:
        k, eq, v = w.partition("=")
        if eq and k in _WIRE_NAMES:
            try:
                values[_WIRE_NAMES[k]] = int(v)
            except ValueError:
                raise RoutingConfigError(f"bad value in thresholds answer: {w!r}") from None
    missing = set(_WIRE_NAMES.values()) - set(values)
    if missing:
        raise RoutingConfigError(f"thresholds answer lacks {sorted(missing)}: {reason!r}")
    return QueueThresholds(words[1], **values)

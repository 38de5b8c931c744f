"""Work orders (派单): tasks a seat sends to a judge or a division about a case.

Domain side of the boundary: plain dataclasses and pure functions, no Qt, no
database, no network. The repository (app.storage.workorder_repo) turns rows
into ``WorkOrder``; the service (app.services.work_orders) applies the rules
written here: when an order falls due, when it is overdue, when the judge is
reminded, and what the SMS says.

Life of an order::

    sent ──► acknowledged ──► done
      │            │
      └──► overdue ◄┘ (not done by the due time; still open, can be done)
    any open status ──► cancelled

"Open" means sent, acknowledged or overdue. An order acknowledged after it
fell overdue stays overdue (acknowledged_at records the reply), so the list
never hides an order that missed its time.

Times are epoch seconds; working days and the due hour are read in local time
(the desk runs in the court's time zone).
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any, Iterable, Mapping


class OrderStatus(str, enum.Enum):
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    DONE = "done"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"


OPEN_STATUSES = (OrderStatus.SENT, OrderStatus.ACKNOWLEDGED, OrderStatus.OVERDUE)


class Urgency(str, enum.Enum):
    NORMAL = "normal"
    URGENT = "urgent"


class RecipientKind(str, enum.Enum):
    JUDGE = "judge"          # the case judge (承办法官); SMS to the judge's mobile
    DIVISION = "division"    # a division (庭室); SMS to the division chief's mobile


class SmsStatus(str, enum.Enum):
    """The state of the latest SMS about an order (``work_order.sms_status``)."""
    NONE = ""                # no SMS asked for
    PENDING = "pending"      # handed to the gateway, no answer yet
    SENT = "sent"            # the gateway accepted it (an SMSC message id, or the log)
    FAILED = "failed"        # the gateway refused or could not be reached; retry possible


class EventKind(str, enum.Enum):
    CREATED = "created"
    SMS_SENT = "sms_sent"
    SMS_FAILED = "sms_failed"
    REMINDED = "reminded"            # a reminder SMS was asked for (its result follows)
    ACKNOWLEDGED = "acknowledged"
    DONE = "done"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"


class SmsKind(str, enum.Enum):
    """Why an SMS is sent: the first notice, a reminder before the due time,
    or a reminder once the order is overdue."""
    NEW = "new"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


class WorkOrderError(ValueError):
    """A work order could not be created or changed.

    ``code`` is stable (``empty_content``, ``content_too_long``,
    ``no_recipient``, ``bad_phone``, ``bad_due``, ``not_found``, ``not_open``,
    ``cannot_change``); the UI translates by code.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CaseRef:
    """The parts of a case a work order needs: where it is heard and by whom.

    Built from a ``Case`` (app.domain.cases) or anything with the same
    attributes (see ``case_ref_of``).
    """
    case_number: str
    court_code: str
    division: str = ""
    judge: str = ""               # the judge's name, as the case record has it


def case_ref_of(case: Any) -> CaseRef | None:
    """A ``CaseRef`` from a Case-like object (``case_number``, ``court_code``,
    ``division``, ``judge``); None for None."""
    if case is None:
        return None
    return CaseRef(case_number=getattr(case, "case_number", ""),
                   court_code=getattr(case, "court_code", ""),
                   division=getattr(case, "division", ""),
                   judge=getattr(case, "judge", ""))


@dataclass(frozen=True)
class Recipient:
    """Who an order goes to, and the mobile its SMS goes to."""
    kind: RecipientKind
    name: str                     # the judge, or the division office (立案庭办公室)
    phone: str                    # mobile for the SMS ("" when the directory has none)
    division: str = ""
    court_code: str = ""
    number: str = ""              # the desk phone (directory number)


@dataclass(frozen=True)
class WorkOrderDraft:
    """What the seat fills in. ``due_at`` None: taken from the DuePolicy."""
    case_number: str
    court_code: str
    recipient: Recipient
    content: str
    urgency: Urgency = Urgency.NORMAL
    due_at: float | None = None
    caller_number: str = ""
    caller_name: str = ""


@dataclass(frozen=True)
class WorkOrder:
    id: int
    case_number: str
    court_code: str
    recipient_kind: RecipientKind
    recipient_name: str
    recipient_phone: str
    division: str
    caller_number: str
    caller_name: str
    content: str
    urgency: Urgency
    due_at: float
    status: OrderStatus
    sms_status: SmsStatus
    created_by: str
    created_at: float
    acknowledged_at: float | None = None
    done_at: float | None = None
    last_reminded_at: float | None = None
    reminders: int = 0
    updated_at: float = 0.0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class WorkOrderEvent:
    order_id: int
    at: float
    kind: EventKind
    actor: str = ""
    detail: str = ""
    id: int | None = None


# --- due times ------------------------------------------------------------------

@dataclass(frozen=True)
class DuePolicy:
    """When an order falls due.

    - normal: at ``workday_end`` on the ``normal_working_days``-th working day
      after the day it was sent (sent Monday, 2 days: due Wednesday 17:30);
    - urgent: ``urgent_hours`` clock hours after it was sent.

    Working days are ``workdays`` (Mon=0 .. Sun=6) minus ``holidays``, plus
    ``extra_workdays`` (China's make-up working weekends, 调休).
    """
    normal_working_days: int = 2
    urgent_hours: float = 4.0
    workday_end: dtime = dtime(17, 30)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() in self.workdays and day not in self.holidays

    def due_at(self, urgency: Urgency, sent_at: float) -> float:
        if urgency is Urgency.URGENT:
            return sent_at + self.urgent_hours * 3600.0
        day = datetime.fromtimestamp(sent_at).date()
        left = max(1, int(self.normal_working_days))
        for _ in range(366 * 2):          # a bounded walk: a bad holiday list can't hang us
            day += timedelta(days=1)
            if self.is_workday(day):
                left -= 1
                if left == 0:
                    break
        return datetime.combine(day, self.workday_end).timestamp()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "DuePolicy":
        """From desk settings: ``work_order_normal_days`` (int),
        ``work_order_urgent_hours`` (number), ``work_order_due_time`` ("HH:MM"),
        ``work_order_holidays`` / ``work_order_extra_workdays`` (lists of
        "YYYY-MM-DD"). Missing or malformed values keep the defaults."""
        base = cls()
        kw: dict[str, Any] = {}
        days = settings.get("work_order_normal_days")
        if isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= 30:
            kw["normal_working_days"] = days
        hours = settings.get("work_order_urgent_hours")
        if isinstance(hours, (int, float)) and not isinstance(hours, bool) and 0 < hours <= 72:
            kw["urgent_hours"] = float(hours)
        end = settings.get("work_order_due_time")
        if isinstance(end, str) and re.fullmatch(r"\d{1,2}:\d{2}", end.strip()):
            h, m = (int(x) for x in end.strip().split(":"))
            if 0 <= h < 24 and 0 <= m < 60:
                kw["workday_end"] = dtime(h, m)
        for key, attr in (("work_order_holidays", "holidays"),
                          ("work_order_extra_workdays", "extra_workdays")):
            days_list = settings.get(key)
            if isinstance(days_list, list):
                parsed = set()
                for d in days_list:
                    try:
                        parsed.add(date.fromisoformat(str(d)))
                    except ValueError:
                        continue
                kw[attr] = frozenset(parsed)
        return replace(base, **kw)


def normalize_mobile(phone: str) -> str:
    """Digits only, without a +86/0086 prefix; "" when nothing is left."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    for prefix in ("0086", "86"):
        if len(digits) == len(prefix) + 11 and digits.startswith(prefix):
            return digits[len(prefix):]
    return digits


def valid_mobile(phone: str) -> bool:
    """A number an SMS centre can take: 11-digit mainland mobile, or 5 to 20
    digits (short codes, landline SMS services)."""
    return 5 <= len(normalize_mobile(phone)) <= 20


# --- overdue and reminders --------------------------------------------------------

@dataclass(frozen=True)
class ReminderPolicy:
    """Who gets a reminder SMS, and how often.

    - before the due time: one reminder when an order nobody acknowledged is
      due within ``before_due_s`` (per urgency);
    - once overdue: a reminder at once, then every ``repeat_overdue_s``;
    - never more than ``max_reminders`` in all for one order;
    - normal orders are not reminded at night (``quiet_from``..``quiet_until``,
      local hours); urgent ones are.
    """
    before_due_s: Mapping[Urgency, float] = field(default_factory=lambda: {
        Urgency.NORMAL: 4 * 3600.0, Urgency.URGENT: 30 * 60.0})
    repeat_overdue_s: Mapping[Urgency, float] = field(default_factory=lambda: {
        Urgency.NORMAL: 4 * 3600.0, Urgency.URGENT: 3600.0})
    max_reminders: int = 3
    quiet_from: int = 20
    quiet_until: int = 8

    def quiet(self, now: float) -> bool:
        hour = datetime.fromtimestamp(now).hour
        if self.quiet_from > self.quiet_until:
            return hour >= self.quiet_from or hour < self.quiet_until
        return self.quiet_from <= hour < self.quiet_until


def is_overdue(order: WorkOrder, now: float) -> bool:
    """True when ``order`` should be (or already is) marked overdue at ``now``."""
    return order.is_open and now >= order.due_at


def becoming_overdue(orders: Iterable[WorkOrder], now: float) -> list[WorkOrder]:
    """Open orders past their due time that are not yet marked overdue."""
    return [o for o in orders
            if o.status in (OrderStatus.SENT, OrderStatus.ACKNOWLEDGED) and now >= o.due_at]


def reminder_due(order: WorkOrder, now: float,
                 policy: ReminderPolicy = ReminderPolicy()) -> SmsKind | None:
    """Which reminder ``order`` needs at ``now``, or None."""
    if not order.is_open or order.reminders >= policy.max_reminders:
        return None
    if order.urgency is Urgency.NORMAL and policy.quiet(now):
        return None
    last = order.last_reminded_at
    if now >= order.due_at:
        if last is None or last < order.due_at:
            return SmsKind.OVERDUE
        if now - last >= policy.repeat_overdue_s[order.urgency]:
            return SmsKind.OVERDUE
        return None
    if order.acknowledged_at is None and last is None and \
            order.due_at - now <= policy.before_due_s[order.urgency]:
        return SmsKind.DUE_SOON
    return None


def reminders_due(orders: Iterable[WorkOrder], now: float,
                  policy: ReminderPolicy = ReminderPolicy()) -> list[tuple[WorkOrder, SmsKind]]:
    out = []
    for o in orders:
        kind = reminder_due(o, now, policy)
        if kind is not None:
            out.append((o, kind))
    return out


# --- the SMS ------------------------------------------------------------------------

# One UCS-2 SMS holds 70 characters; each part of a long one 67 (6 bytes of UDH).
SMS_SINGLE_CHARS = 70
SMS_PART_CHARS = 67
MAX_SMS_PARTS = 3

# Resident ID numbers (18 characters, the last may be X; old ones 15 digits).
# They never go into an SMS, whatever the seat typed into the content.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
ID_MASK = "[证件号已隐去]"

_TAGS = {SmsKind.NEW: "派单", SmsKind.DUE_SOON: "催办", SmsKind.OVERDUE: "超期催办"}


def redact(text: str) -> str:
    """``text`` with every ID-number-like run of digits masked."""
    return _ID_NUMBER.sub(ID_MASK, text)


def _units(text: str) -> int:
    """UCS-2 code units (a character outside the BMP takes two)."""
    return len(text.encode("utf-16-be")) // 2


def sms_parts(text: str) -> int:
    """How many UCS-2 SMS parts ``text`` takes."""
    n = _units(text)
    if n <= SMS_SINGLE_CHARS:
        return 1
    return -(-n // SMS_PART_CHARS)


def _due_text(due_at: float) -> str:
    d = datetime.fromtimestamp(due_at)
    return f"{d.month}月{d.day}日{d.hour:02d}:{d.minute:02d}"


def compose_sms(order: WorkOrder, kind: SmsKind = SmsKind.NEW, *,
                platform: str = "12368") -> str:
    """The SMS for ``order``: short Chinese text, one segment where possible.

    ``[12368派单#12]【急】（2026）京0105民初123号，张三13800138000：<content>。限5月20日17:30前``

    Order number, urgency, case number, the caller's name and callback number,
    what is asked, the due time. Never an ID number (masked even if typed in
    the content). Long content is cut with "…" so that the whole SMS stays
    within ``MAX_SMS_PARTS`` parts.
    """
    head = f"[{platform}{_TAGS[kind]}#{order.id}]"
    if order.urgency is Urgency.URGENT:
        head += "【急】"
    head += order.case_number
    caller = f"{order.caller_name}{order.caller_number}".strip()
    head += f"，{caller}：" if caller else "："
    if kind is SmsKind.OVERDUE:
        tail = f"。已过期限{_due_text(order.due_at)}，请尽快处理"
    else:
        tail = f"。限{_due_text(order.due_at)}前"
    content = " ".join(redact(order.content).split()).rstrip("。.")
    text = head + content + tail
    if sms_parts(text) <= 1:
        return text
    budget = MAX_SMS_PARTS * SMS_PART_CHARS - _units(head) - _units(tail) - 1
    while content and _units(content) > budget:
        content = content[:-1]
    if content != " ".join(redact(order.content).split()).rstrip("。."):
        content += "…"
    return head + content + tail


# --- recipients from the directory ------------------------------------------------------

def recipients_for_case(directory: Any, ref: CaseRef) -> list[Recipient]:
    """Whom an order about ``ref`` can go to: the case judge (SMS to the
    judge's mobile) and the division (SMS to the chief's mobile: the office
    line has no mobile, and the chief shares the work out)."""
    from app.domain.escalation import division_entries, find_judge
    out: list[Recipient] = []
    judge = find_judge(directory, ref.court_code, ref.judge, ref.division)
    if judge is not None:
        out.append(Recipient(RecipientKind.JUDGE, judge.name, judge.mobile, judge.division,
                             judge.court, judge.number))
    division = judge.division if judge is not None else ref.division
    if division:
        office, chief = division_entries(directory, ref.court_code, division)
        if office is not None or chief is not None:
            name = office.name if office is not None else f"{division}"
            out.append(Recipient(RecipientKind.DIVISION, name,
                                 chief.mobile if chief is not None else "", division,
                                 ref.court_code, office.number if office is not None else ""))
    return out

"""Questions to the consulting judge and their answers, and how they travel.

Domain side of the boundary: plain dataclasses and a JSON codec, no Qt, no
SIP, no database. A seat's desk sends a question (with the call's context:
caller, case, notes) to the consulting judge's desk as the body of a SIP
MESSAGE; the judge's desk answers with another MESSAGE naming the same
``uid``. Both desks keep the question in the store (app.storage.consult_repo).

Wire format: content type ``CONTENT_TYPE``, a UTF-8 JSON object::

    {"type": "consult.question", "v": 1, "uid": "…", "asked_at": 1767225600.0,
     "seat": "8001", "seat_name": "…", "court": "bjgy", "caller": "138…",
     "case": "(2026)京0105民初123号", "notes": "…", "question": "…",
     "channel": "call" | "written", "transfer": false}

    {"type": "consult.answer", "v": 1, "uid": "…", "answer": "…",
     "by": "廖鹏", "answered_at": 1767225900.0, "question": "…",
     "category": "…", "legal_basis": "…"}

``decode`` never raises anything but ``ConsultMessageError`` (with a stable
``code`` the UI translates), whatever arrives: a desk shows an unreadable
message and goes on.
"""
from __future__ import annotations

import enum
import json
import math
import re
from dataclasses import dataclass, replace

CONTENT_TYPE = "application/vnd.hotline.consult+json"
VERSION = 1
TYPE_QUESTION = "consult.question"
TYPE_ANSWER = "consult.answer"

# pjsip refuses to send a request longer than PJSIP_MAX_PKT_LEN (4,000 bytes in
# the wheel; "Message too long"): headers with digest credentials take about
# 700-900, so a body we send is at most SEND_LIMIT bytes of UTF-8, about 900
# Chinese characters for question and notes together. Received bodies may be
# longer (another desk over TCP), up to MAX_BODY characters.
SEND_LIMIT = 2_800
MAX_BODY = 16_000
MAX_QUESTION = 3_000
MAX_NOTES = 3_000
MAX_ANSWER = 3_000
MAX_SHORT = 200            # names, numbers, case numbers, categories
MAX_LEGAL_BASIS = 1_000
ECHO_QUESTION = 120        # characters of the question echoed in an answer
_UID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class Channel(str, enum.Enum):
    CALL = "call"          # a consult call (or transfer) with the context sent ahead
    WRITTEN = "written"    # a written question; the answer comes back in writing


class ConsultStatus(str, enum.Enum):
    OPEN = "open"
    ANSWERED = "answered"


class Delivery(str, enum.Enum):
    """How a desk's own MESSAGE fared (not on the wire): the seat's question
    (``ConsultQuestion.delivery``) or the judge's answer (``answer_delivery``).

    NONE: not tracked (a message received from another desk, or stored
    before the desk recorded delivery). SENDING: handed to the SIP engine, no
    final response yet; found after a restart it means *unknown*: the desk
    stopped before it learnt whether the other desk got it. DELIVERED: a 2xx.
    FAILED: a final error response, or the engine refused to send.
    """
    NONE = ""
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"

    @property
    def undelivered(self) -> bool:
        """The other desk may not have it: FAILED, or SENDING with no outcome."""
        return self in UNDELIVERED


UNDELIVERED = (Delivery.SENDING, Delivery.FAILED)


@dataclass(frozen=True)
class ConsultQuestion:
    """One question put to the consulting judge, as both desks store it."""
    uid: str
    question: str
    channel: Channel
    asked_at: float
    seat: str = ""                 # the asking seat's number
    seat_name: str = ""
    court: str = ""                # the seat's court code
    caller_number: str = ""
    case_number: str = ""
    notes: str = ""                # the seat's notes on the call so far
    status: ConsultStatus = ConsultStatus.OPEN
    answer: str = ""
    answered_by: str = ""          # the judge's name
    answered_at: float | None = None
    kb_article_id: int | None = None
    updated_at: float = 0.0
    delivery: Delivery = Delivery.NONE
    delivery_note: str = ""        # the SIP final status ("404 Not Found") or the local error
    delivery_to: str = ""          # the number the MESSAGE went to
    # The judge's side: how the answer's MESSAGE to the seat fared, and what
    # else the answer carried, so that the same answer can be sent again.
    answer_delivery: Delivery = Delivery.NONE
    answer_delivery_note: str = ""     # as delivery_note
    answer_category: str = ""
    answer_legal_basis: str = ""
    id: int | None = None

    def answered(self, answer: str, by: str, at: float) -> "ConsultQuestion":
        return replace(self, status=ConsultStatus.ANSWERED, answer=answer, answered_by=by,
                       answered_at=at, updated_at=at)


@dataclass(frozen=True)
class QuestionMessage:
    """What a seat's desk sends: the question and the call's context."""
    question: ConsultQuestion
    transfer: bool = False         # the caller is being transferred to the judge


@dataclass(frozen=True)
class AnswerMessage:
    """What the judge's desk sends back."""
    uid: str
    answer: str
    by: str
    answered_at: float
    question: str = ""             # echoed, so a desk that lost the question can show it
    category: str = ""             # the judge's suggestion for a knowledge-base article
    legal_basis: str = ""


class ConsultMessageError(ValueError):
    """A body that is not a readable consult message. ``code`` is stable:
    not_json, not_object, wrong_type, bad_version, missing, bad_field, too_long.
    For too_long when encoding, ``excess`` is how many bytes must go."""

    def __init__(self, code: str, message: str, excess: int = 0):
        super().__init__(message)
        self.code = code
        self.message = message
        self.excess = excess


# --- encoding --------------------------------------------------------------------------

def encode_question(q: ConsultQuestion, transfer: bool = False) -> str:
    body = {"type": TYPE_QUESTION, "v": VERSION, "uid": q.uid, "asked_at": q.asked_at,
            "seat": q.seat, "seat_name": q.seat_name, "court": q.court,
            "caller": q.caller_number, "case": q.case_number, "notes": q.notes,
            "question": q.question, "channel": q.channel.value, "transfer": bool(transfer)}
    return _dump(body)


def encode_answer(a: AnswerMessage) -> str:
    body = {"type": TYPE_ANSWER, "v": VERSION, "uid": a.uid, "answer": a.answer,
            "by": a.by, "answered_at": a.answered_at, "question": a.question,
            "category": a.category, "legal_basis": a.legal_basis}
    return _dump(body)


def _dump(body: dict) -> str:
    """JSON that fits one SIP request and reads back as it was (else ConsultMessageError)."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    size = len(text.encode("utf-8"))
    if size > SEND_LIMIT:
        raise ConsultMessageError("too_long", f"the message is {size - SEND_LIMIT} bytes "
                                  "too long to send", excess=size - SEND_LIMIT)
    try:
        decode(text)    # never send what the other desk would refuse
    except ConsultMessageError as e:
        raise ConsultMessageError("bad_field", e.message) from e
    return text


# --- decoding --------------------------------------------------------------------------

def decode(body: str) -> QuestionMessage | AnswerMessage:
    """The message in ``body``; ConsultMessageError if it is not a readable one."""
    try:
        return _decode(body)
    except ConsultMessageError:
        raise
    except Exception as exc:  # whatever a hostile or broken body does: one clear error
        raise ConsultMessageError("bad_field", f"unreadable consult message: {exc}") from exc


def _decode(body: str) -> QuestionMessage | AnswerMessage:
    if not isinstance(body, str) or len(body) > MAX_BODY:
        raise ConsultMessageError("too_long", "the message is empty or too long")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ConsultMessageError("not_json", f"the message is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ConsultMessageError("not_object", "the message is not a JSON object")
    kind = data.get("type")
    if kind not in (TYPE_QUESTION, TYPE_ANSWER):
        raise ConsultMessageError("wrong_type", f"unknown message type {kind!r}")
    if data.get("v") != VERSION:
        raise ConsultMessageError("bad_version", f"unsupported version {data.get('v')!r}")
    uid = _text(data, "uid", MAX_SHORT, required=True)
    if not _UID_RE.match(uid):
        raise ConsultMessageError("bad_field", "the message id is malformed")
    if kind == TYPE_QUESTION:
        channel = data.get("channel")
        if channel not in (Channel.CALL.value, Channel.WRITTEN.value):
            raise ConsultMessageError("bad_field", f"unknown channel {channel!r}")
        transfer = data.get("transfer", False)
        if not isinstance(transfer, bool):
            raise ConsultMessageError("bad_field", "'transfer' must be true or false")
        q = ConsultQuestion(
            uid=uid, question=_text(data, "question", MAX_QUESTION, required=True),
            channel=Channel(channel), asked_at=_time(data, "asked_at", required=True),
            seat=_text(data, "seat", MAX_SHORT), seat_name=_text(data, "seat_name", MAX_SHORT),
            court=_text(data, "court", MAX_SHORT), caller_number=_text(data, "caller", MAX_SHORT),
            case_number=_text(data, "case", MAX_SHORT), notes=_text(data, "notes", MAX_NOTES))
        return QuestionMessage(q, transfer=transfer)
    return AnswerMessage(
        uid=uid, answer=_text(data, "answer", MAX_ANSWER, required=True),
        by=_text(data, "by", MAX_SHORT), answered_at=_time(data, "answered_at", required=True),
        question=_text(data, "question", MAX_QUESTION),
        category=_text(data, "category", MAX_SHORT),
        legal_basis=_text(data, "legal_basis", MAX_LEGAL_BASIS))


def _text(data: dict, key: str, limit: int, required: bool = False) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ConsultMessageError("bad_field", f"'{key}' must be text")
    value = value.strip()
    if required and not value:
        raise ConsultMessageError("missing", f"'{key}' is missing")
    if len(value) > limit:
        raise ConsultMessageError("too_long", f"'{key}' is too long")
    return value


def _time(data: dict, key: str, required: bool = False) -> float:
    value = data.get(key)
    if value is None and not required:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value < 0:
        raise ConsultMessageError("bad_field" if value is not None else "missing",
                                  f"'{key}' must be a time in seconds")
    return float(value)

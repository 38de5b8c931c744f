"""Tests for PIDF presence documents (app.domain.presence_doc) and the
wallboard figures (app.domain.queue_stats): round trips for every state and
reason, Chinese and special characters, documents from other SIP clients,
malformed input, and a parse-time measurement (printed, not asserted).
"""
from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import pytest

from app.domain.presence_doc import (HL_NS, PIDF_NS, RPID_NS, PresenceFormatError,
                                     QueuePresence, SeatPresence, fallback_state,
                                     parse_pidf, queue_pidf, seat_pidf)
from app.domain.queue_stats import IntervalSeries, service_level, summarize
from app.domain.seat_state import DEFAULT_NOT_READY_REASONS, SeatState

S = SeatState
ENTITY = "sip:8001@12368.bjcourt.gov.cn"
COURT = "北京市高级人民法院"


def _seat(**kw) -> SeatPresence:
    base = dict(seat="8001", state=S.TALKING, since=1_700_000_000.125, court=COURT,
                queues=("main", "haidian"), calls_today=17, name="张三")
    base.update(kw)
    return SeatPresence(**base)


def _queue(**kw) -> QueuePresence:
    base = dict(queue="main", court=COURT, waiting=3, oldest_wait_s=42.5, answered=120,
                abandoned=7, service_level=0.873, sl_threshold_s=20, overflow_active=True,
                lent_in=4, lent_out=0, lending_until=1_700_003_600.0,
                updated=1_700_000_001.5)
    base.update(kw)
    return QueuePresence(**base)


@pytest.mark.parametrize("state", [s for s in S if s is not S.NOT_READY])
def test_round_trip_every_state(state):
    p = _seat(state=state)
    parsed = parse_pidf(seat_pidf(ENTITY, p))
    assert parsed.seat == p
    assert parsed.entity == ENTITY
    assert parsed.basic == ("closed" if state is S.SIGNED_OUT else "open")
    assert fallback_state(parsed) is state


@pytest.mark.parametrize("reason", DEFAULT_NOT_READY_REASONS + ("no_answer", "custom"))
def test_round_trip_every_not_ready_reason(reason):
    p = _seat(state=S.NOT_READY, reason=reason)
    parsed = parse_pidf(seat_pidf(ENTITY, p).encode("utf-8"))
    assert parsed.seat == p
    assert parsed.note == f"Not ready ({reason.replace('_', ' ')})"
    assert len(parsed.activities) == 1


@pytest.mark.parametrize("state,activities,note", [
    (S.SIGNED_OUT, (), "Signed out"), (S.READY, (), "Ready"),
    (S.OFFERED, ("on-the-phone",), "Ringing"), (S.TALKING, ("on-the-phone",), "Talking"),
    (S.HELD, ("on-the-phone",), "On hold"), (S.WRAP_UP, ("busy",), "Wrap-up"),
])
def test_what_a_plain_client_sees(state, activities, note):
    parsed = parse_pidf(seat_pidf(ENTITY, _seat(state=state)))
    assert (parsed.activities, parsed.note) == (activities, note)


@pytest.mark.parametrize("reason,activity", [
    ("break", "away"), ("meal", "meal"), ("training", "meeting"),
    ("meeting", "meeting"), ("other", "away"), ("no_answer", "away")])
def test_reason_activities(reason, activity):
    parsed = parse_pidf(seat_pidf(ENTITY, _seat(state=S.NOT_READY, reason=reason)))
    assert parsed.activities == (activity,)
    no_hl = parsed.__class__(parsed.entity, parsed.basic, parsed.activities,
                             parsed.note, None, None)
    assert fallback_state(no_hl) is S.NOT_READY


def test_special_characters_survive():
    p = _seat(name='李四 & <王五> "quoted" \'x\'\r\n\ttab', court="朝阳区人民法院 <&>",
              queues=("a&b", "<q>", "队列"), reason="", seat="8001&x")
    doc = seat_pidf('sip:"x"&<y>@h', p)
    ET.fromstring(doc.encode("utf-8"))           # well-formed
    parsed = parse_pidf(doc)
    assert parsed.seat == p and parsed.entity == 'sip:"x"&<y>@h'


def test_control_characters_are_dropped_not_fatal():
    parsed = parse_pidf(seat_pidf(ENTITY, _seat(name="张\x00三\x07")))
    assert parsed.seat.name == "张三"


def test_document_shape_and_namespaces():
    root = ET.fromstring(seat_pidf(ENTITY, _seat(state=S.HELD)))
    assert root.tag == f"{{{PIDF_NS}}}presence"
    assert [c.tag.split("}")[1] for c in root] == ["tuple", "person", "seat"]
    assert root.find(f"{{{PIDF_NS}}}tuple/{{{PIDF_NS}}}contact").text == ENTITY
    assert root.find(f".//{{{RPID_NS}}}on-the-phone") is not None
    since = root.find(f"{{{HL_NS}}}seat/{{{HL_NS}}}since")
    assert since.text == "2023-11-14T22:13:20.125Z"
    assert float(since.get("epoch")) == 1_700_000_000.125


def test_queue_round_trip():
    q = _queue()
    doc = queue_pidf("sip:queue-main@12368.bjcourt.gov.cn", q)
    parsed = parse_pidf(doc)
    assert parsed.queue == q and parsed.seat is None
    assert (parsed.basic, parsed.note) == ("open", "3 waiting")
    q2 = _queue(lending_until=None, overflow_active=False, service_level=1.0, waiting=0)
    assert parse_pidf(queue_pidf("sip:q@h", q2)).queue == q2


def test_writer_refuses_bad_values():
    with pytest.raises(ValueError):
        seat_pidf(ENTITY, _seat(since=float("nan")))
    with pytest.raises(ValueError):
        seat_pidf(ENTITY, _seat(calls_today=-1))
    with pytest.raises(ValueError):
        queue_pidf("sip:q@h", _queue(service_level=1.5))
    with pytest.raises(ValueError):
        queue_pidf("sip:q@h", _queue(waiting=-1))


FOREIGN = """<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf"
          xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"
          xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"
          entity="sip:x@y">
 <tuple id="t1">
  <status><basic>open</basic></status>
  <timestamp>2024-03-01T08:00:00Z</timestamp>
  <note>Online</note>
 </tuple>
 <dm:person id="p1">
  <rpid:activities><rpid:on-the-phone/></rpid:activities>
  <dm:note>On the phone</dm:note>
 </dm:person>
</presence>"""


def test_foreign_client_document():
    parsed = parse_pidf(FOREIGN)
    assert (parsed.entity, parsed.basic, parsed.activities, parsed.note) == (
        "sip:x@y", "open", ("on-the-phone",), "On the phone")
    assert parsed.seat is None and parsed.queue is None
    assert fallback_state(parsed) is S.TALKING


@pytest.mark.parametrize("body,state", [
    (FOREIGN.replace("on-the-phone", "away"), S.NOT_READY),
    (FOREIGN.replace("on-the-phone", "meal"), S.NOT_READY),
    (FOREIGN.replace("on-the-phone", "busy"), S.NOT_READY),
    (FOREIGN.replace("on-the-phone", "unknown"), S.READY),
    (FOREIGN.replace("<basic>open", "<basic>closed"), S.SIGNED_OUT),
    ('<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><tuple id="x">'
     '<status><basic>open</basic></status></tuple></presence>', S.READY),
    ('<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"/>', None),
])
def test_fallback_states(body, state):
    assert fallback_state(parse_pidf(body)) is state


def test_linphone_style_document_with_extras():
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"
 xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"
 xmlns:pidfonline="http://www.linphone.org/xsds/pidfonline.xsd" entity="sip:8002@example.org">
<tuple id="qmsvvs"><status><basic>open</basic><pidfonline:online/></status>
<contact priority="0.8">sip:8002@192.0.2.4</contact><timestamp>2024-03-01T08:00:00Z</timestamp></tuple>
<dm:person id="sip:8002@example.org"><rpid:activities><rpid:away/></rpid:activities>
<dm:note xml:lang="en">Back soon</dm:note></dm:person></presence>"""
    parsed = parse_pidf(body)
    assert (parsed.basic, parsed.activities, parsed.note) == ("open", ("away",), "Back soon")
    assert fallback_state(parsed) is S.NOT_READY


@pytest.mark.parametrize("body,message", [
    ("", "well-formed"),
    ("not xml at all", "well-formed"),
    ("<presence", "well-formed"),
    (b"\xff\xfe\x00garbage", "well-formed"),
    ("<foo/>", "not a PIDF"),
    ('<presence xmlns="urn:other"/>', "not a PIDF"),
    ('<!DOCTYPE x [<!ENTITY a "aaaa">]><presence xmlns="urn:ietf:params:xml:ns:pidf"/>',
     "DOCTYPE"),
    (FOREIGN.replace("<basic>open", "<basic>maybe"), "open or closed"),
    ("<a>" * 10 + "x" * 70_000, "too large"),
    (None, "text or bytes"),
])
def test_malformed_input(body, message):
    with pytest.raises(PresenceFormatError, match=message):
        parse_pidf(body)


@pytest.mark.parametrize("old,new,message", [
    ("<hl:state>talking<", "<hl:state>dancing<", "unknown seat state"),
    ("<hl:calls-today>17<", "<hl:calls-today>lots<", "calls-today"),
    ("<hl:calls-today>17<", "<hl:calls-today>-3<", "out of range"),
    ('epoch="1700000000.125"', 'epoch="soon"', "since"),
    ('epoch="1700000000.125"', 'epoch="inf"', "since"),
    ('<hl:seat id="8001">', '<hl:seat>', "id attribute"),
])
def test_bad_seat_values(old, new, message):
    doc = seat_pidf(ENTITY, _seat())
    assert old in doc
    with pytest.raises(PresenceFormatError, match=message):
        parse_pidf(doc.replace(old, new))


@pytest.mark.parametrize("old,new,message", [
    (">0.873<", ">1.7<", "service-level"),
    (">0.873<", ">high<", "service-level"),
    ("<hl:waiting>3</hl:waiting>", "", "waiting"),
    ("<hl:overflow>true<", "<hl:overflow>perhaps<", "overflow"),
    ('threshold="20"', 'threshold="x"', "threshold"),
])
def test_bad_queue_values(old, new, message):
    doc = queue_pidf("sip:q@h", _queue())
    with pytest.raises(PresenceFormatError, match=message):
        parse_pidf(doc.replace(old, new))


def test_presence_format_error_is_a_value_error():
    assert issubclass(PresenceFormatError, ValueError)


def test_parse_time_per_document():
    docs = [seat_pidf(f"sip:{8000 + i}@h", _seat(seat=str(8000 + i), calls_today=i)).encode()
            for i in range(3000)]
    start = time.perf_counter()
    for doc in docs:
        parse_pidf(doc)
    per_doc = (time.perf_counter() - start) / len(docs)
    print(f"\nparse_pidf: {per_doc * 1e6:.1f} us per seat document "
          f"(~{1 / per_doc:,.0f} documents/s on one core)")


# --- queue_stats -------------------------------------------------------------

def test_service_level():
    assert service_level(80, 90, 10) == 0.8
    assert service_level(0, 0, 0) == 1.0
    with pytest.raises(ValueError):
        service_level(5, 4, 0)
    with pytest.raises(ValueError):
        service_level(-1, 4, 0)


def test_summarize_by_court_with_lending():
    now = 1000.0
    seats = [
        SeatPresence("1", S.READY, since=900, court="高院", queues=("main",)),
        SeatPresence("2", S.TALKING, since=990, court="高院", queues=("main",)),
        SeatPresence("3", S.NOT_READY, "meal", since=400, court="高院"),
        SeatPresence("4", S.TALKING, since=950, court="海淀", queues=("haidian", "main")),
        SeatPresence("5", S.SIGNED_OUT, since=0, court="海淀", queues=("main",)),
        SeatPresence("6", S.WRAP_UP, since=995, court="海淀", queues=("haidian",)),
    ]
    result = summarize(seats, now, {"main": "高院", "haidian": "海淀"})
    high, hd = result["高院"], result["海淀"]
    assert (high.ready, high.busy, high.not_ready, high.signed_in, high.total) == (1, 1, 1, 3, 3)
    assert high.longest_in_state[S.NOT_READY] == 600
    assert (high.lent, high.borrowed) == (0, 1)
    assert (hd.lent, hd.borrowed, hd.busy, hd.signed_in) == (1, 0, 2, 2)
    assert summarize(seats, now)["海淀"].lent == 0


def test_interval_series():
    day = 1_700_000_000.0 - (1_700_000_000.0 % 86400)
    series = IntervalSeries(day)
    q = _queue(answered=10, abandoned=1, waiting=2)
    assert series.add_sample(day + 60, q)
    assert series.add_sample(day + 1000, _queue(answered=15, abandoned=1, waiting=0))
    assert series.add_sample(day + 1010, _queue(queue="b", answered=2, abandoned=0, waiting=5))
    assert series.add_sample(day + 1020, _queue(answered=3, abandoned=0, waiting=1))  # restart
    assert not series.add_sample(day - 1, q) and not series.add_sample(day + 86400, q)
    first, second = series.intervals(until=day + 1020)
    assert (first.start, first.answered, first.abandoned) == (day, 10, 1)
    assert (second.start, second.answered, second.abandoned) == (day + 900, 10, 0)
    assert series.answered_today == 20 and series.abandoned_today == 1
    assert series.waiting_series() == [(day + 60, 2), (day + 1000, 0), (day + 1010, 5),
                                       (day + 1020, 6)]
    assert len(series.intervals()) == 96
    with pytest.raises(ValueError):
        IntervalSeries(day, interval_s=7)

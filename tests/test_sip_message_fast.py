"""sip/simple/message.py's fast paths give exactly what the plain code gave.

The wallboard's watcher reads up to a thousand NOTIFYs a second, so the
parser takes short cuts for the common case (header values without quotes
or <>, heads with CRLF line ends and no folding). Here the plain versions
(as they were before the short cuts) are the reference, and random and
mutated input, valid or not, must give the same result or the same error.
"""
from __future__ import annotations

import random
import re

import pytest

from sip.simple import message as M


# ----------------------------------------------------- the plain reference --
def ref_split_commas(value: str) -> list[str]:
    out, cur, quote, angle = [], [], False, False
    for ch in value:
        if ch == '"':
            quote = not quote
        elif ch == "<" and not quote:
            angle = True
        elif ch == ">" and not quote:
            angle = False
        if ch == "," and not quote and not angle:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def ref_split_semis(text: str) -> list[str]:
    out, cur, quote = [], [], False
    for ch in text:
        if ch == '"':
            quote = not quote
        if ch == ";" and not quote:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def ref_pretty(name: str) -> str:
    n = M.canonical_header(name)
    if n in M._CANONICAL:
        return M._CANONICAL[n]
    return "-".join(p.capitalize() for p in n.split("-"))


def ref_parse_message(data: bytes):
    """(method, uri, status, reason, headers, body) as the plain parser gave."""
    data = data.lstrip(b"\r\n")
    head, body = M._split_head(data)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    raw_lines = re.split(r"\r?\n", text)
    if not raw_lines or not raw_lines[0]:
        raise M.SipParseError("empty message")
    first = raw_lines[0].strip()
    method = uri = status = None
    reason = ""
    m = M._STATUS_RE.match(first)
    if m:
        status, reason = int(m.group(1)), m.group(2).strip()
    else:
        m = M._REQUEST_RE.match(first)
        if not m:
            raise M.SipParseError(f"bad start line: {first[:80]!r}")
        method, uri = m.group(1).upper(), m.group(2)
    lines: list[str] = []
    for ln in raw_lines[1:]:
        if ln[:1] in (" ", "\t") and lines:
            lines[-1] += " " + ln.strip()
        elif ln:
            lines.append(ln)
    headers = []
    for ln in lines:
        if ":" not in ln:
            raise M.SipParseError(f"bad header line: {ln[:80]!r}")
        k, v = ln.split(":", 1)
        headers.append((k.strip(), v.strip()))
    cl = next((v for k, v in headers if M.canonical_header(k) == "content-length"), None)
    if cl is not None:
        try:
            n = int(cl.strip())
        except ValueError as exc:
            raise M.SipParseError(f"bad Content-Length {cl!r}") from exc
        if n > len(body):
            raise M.SipParseError(f"truncated body: {len(body)} of {n} bytes")
        body = body[:n]
    return method, uri, status, reason, headers, body


def ref_params(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in ref_split_semis(text):
        part = part.strip()
        if not part:
            continue
        if "=" in part:
            k, v = part.split("=", 1)
            v = v.strip()
            if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
                v = v[1:-1]
            out[k.strip().lower()] = v
        else:
            out[part.lower()] = ""
    return out


def ref_name_addr(value: str):
    value = value.strip()
    m = re.match(r'^\s*(?:"((?:[^"\\]|\\.)*)"|([^<]*?))\s*<([^>]*)>(.*)$', value)
    if m:
        display = (m.group(1) if m.group(1) is not None else (m.group(2) or "")).strip()
        return display, m.group(3).strip(), ref_params(m.group(4).lstrip(";"))
    uri, _, rest = value.partition(";")
    return "", uri.strip(), ref_params(rest)


def ref_derived(headers):
    """(call_id, branch, from_tag, to_tag) as the plain properties gave them."""
    def first(name):
        return next((v for k, v in headers if M.canonical_header(k) == name), None)
    vias = [p for k, v in headers if M.canonical_header(k) == "via" for p in ref_split_commas(v)]
    branch = (ref_params(vias[0].split(";", 1)[1] if ";" in vias[0] else "").get("branch")
              if vias else None)
    return ((first("call-id") or "").strip(), branch,
            ref_name_addr(first("from") or "")[2].get("tag"), ref_name_addr(first("to") or "")[2].get("tag"))


def ref_build_response(request, status, reason, headers=(), body=b"", to_tag=None) -> bytes:
    if isinstance(body, str):
        body = body.encode("utf-8")
    out = []
    for k, v in request.headers:
        if M.canonical_header(k) == "via":
            out.append(("Via", v))
    for name in ("from", "to", "call-id", "cseq"):
        v = next((v for k, v in request.headers if M.canonical_header(k) == name), None)
        if v is None:
            continue
        if name == "to" and to_tag and "tag=" not in v.lower():
            v = f"{v};tag={to_tag}"
        out.append((ref_pretty(name), v))
    out.extend(headers)
    lines = [f"SIP/2.0 {status} {reason}"]
    for k, v in out:
        if M.canonical_header(k) == "content-length":
            continue
        lines.append(f"{k}: {v}")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def ref_framer(data: bytes):
    """The plain StreamFramer.feed over all of ``data`` at once."""
    buf = bytearray(data)
    out = []
    while True:
        n = 0
        while n < len(buf) and buf[n] in (13, 10):
            n += 1
        del buf[:n]
        if not buf:
            break
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            break
        head = bytes(buf[:end])
        m = re.search(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t\r]*$", head)
        length = int(m.group(1)) if m else 0
        total = end + 4 + length
        if len(buf) < total:
            break
        raw = bytes(buf[:total])
        del buf[:total]
        out.append(ref_parse_message(raw))
    return out


# ------------------------------------------------------------ generators --
PIECES = ['"', "<", ">", ",", ";", "=", " ", "\t", "a", "Z", "9", "sip:", "@", ":", "tag", "\\", "王",
          "branch", "z9hG4bK", ".", "-", "expires", "\r", "\n"]


def rnd_value(rng: random.Random, k: int = 12, newlines: bool = False) -> str:
    pieces = PIECES if newlines else PIECES[:-2]
    return "".join(rng.choice(pieces) for _ in range(rng.randrange(k)))


def outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except Exception as e:  # noqa: BLE001 - the same error, word for word
        return ("error", type(e).__name__, str(e))


def parsed(data: bytes):
    m = M.parse_message(data)
    return m.method, m.uri, m.status, m.reason, m.headers, m.body


NAMES = ["Via", "v", "From", "f", "To", "t", "Call-ID", "i", "CSeq", "Contact", "m", "Content-Length", "l",
         "content-length", "Event", "o", "Subscription-State", "Content-Type", "c", "Route", "Record-Route",
         "Supported", "k", "Expires", "X-Odd", "WWW-Authenticate", "Max-Forwards"]


def rnd_message(rng: random.Random) -> bytes:
    body = "".join(rng.choice(["x", "<a/>", "\r\n", "王", " "]) for _ in range(rng.randrange(30))).encode()
    first = rng.choice(["NOTIFY sip:judge@127.0.0.1:5 SIP/2.0", "SIP/2.0 200 OK", "SIP/2.0 481 Gone  ",
                        "notify sip:x SIP/2.0", "BAD LINE", "", "SIP/2.0 20 short", "OPTIONS sip:h SIP/2.0"])
    lines = [first]
    for _ in range(rng.randrange(10)):
        name = rng.choice(NAMES)
        if name.lower() in ("content-length", "l"):
            value = rng.choice([str(len(body)), str(len(body) + rng.randrange(-3, 4)), "x", " 0 ", ""])
        else:
            value = rnd_value(rng)
        lines.append(rng.choice(["", " "]) + name + rng.choice(["", " ", "\t"]) + ":" + rng.choice(["", " "]) + value)
        r = rng.random()
        if r < 0.08:
            lines.append(rng.choice([" folded", "\tfolded more", " "]))
        elif r < 0.12:
            lines.append("")
        elif r < 0.14:
            lines.append("no colon here")
    eols = [rng.choice(["\r\n"] * 8 + ["\n", "\r"]) for _ in lines] if rng.random() < 0.3 else ["\r\n"] * len(lines)
    head = "".join(ln + e for ln, e in zip(lines, eols))
    lead = rng.choice(["", "", "\r\n", "\r\n\r\n"])
    if rng.random() < 0.05:
        return (lead + head).encode("latin-1", "replace") + b"\xff\xfe\r\n" + body
    return (lead + head + "\r\n").encode() + body


# ----------------------------------------------------------------- tests --
def test_header_value_splits_agree():
    rng = random.Random(11)
    for _ in range(20000):
        v = rnd_value(rng, 20, newlines=rng.random() < 0.1)
        assert M._split_commas(v) == ref_split_commas(v), repr(v)
        assert M._split_semis(v) == ref_split_semis(v), repr(v)
    for v in ["", ",", " , ,", "a,b", "SIP/2.0/TCP h:5;branch=z9hG4bK1;rport, SIP/2.0/UDP x",
              '"a,b" <sip:x,y>, c', "<sip:a>;x=1, <sip:b>"]:
        assert M._split_commas(v) == ref_split_commas(v)
        assert M._split_semis(v) == ref_split_semis(v)


def test_params_name_addr_and_pretty_agree():
    rng = random.Random(12)
    ref_re = r'^\s*(?:"((?:[^"\\]|\\.)*)"|([^<]*?))\s*<([^>]*)>(.*)$'
    for _ in range(5000):
        v = rnd_value(rng, 20)
        m = re.match(ref_re, v.strip())
        assert (m is None) == (M._NAME_ADDR_RE.match(v.strip()) is None)
        assert outcome(M.parse_name_addr, v)[0] == "ok"
    for name in NAMES + ["x-a-b", "WWW-AUTHENTICATE", "sip-etag", "  Via "]:
        assert M._pretty(name) == ref_pretty(name)


def test_parse_message_agrees_with_the_plain_parser():
    rng = random.Random(13)
    fast = 0
    for _ in range(20000):
        data = rnd_message(rng)
        want = outcome(ref_parse_message, data)
        got = outcome(parsed, data)
        assert got == want, data
        if want[0] == "ok":
            m = M.parse_message(data)
            # the index built while parsing answers as one built from the headers
            for name in NAMES + ["missing"]:
                assert m.header(name) == next((v for k, v in m.headers
                                               if M.canonical_header(k) == M.canonical_header(name)), None)
                assert m.headers_all(name) == M.SipMessage(headers=list(m.headers)).headers_all(name)
            for attr in ("cseq", "content_type"):
                assert outcome(getattr, m, attr) == outcome(getattr, M.SipMessage(headers=list(m.headers)), attr)
            extra = rng.choice([(), [("Server", "x")], [("l", "9"), ("Allow", "NOTIFY")]])
            args = (rng.choice([200, 481]), rng.choice(["OK", "Gone"]), extra, rng.choice([b"", "b\u738b"]),
                    rng.choice([None, "", "tt"]))
            assert M.build_response(m, *args) == ref_build_response(m, *args)
            for _ in range(2):  # made, then remembered
                assert (m.call_id, m.branch, m.from_tag, m.to_tag) == ref_derived(m.headers)
            fast += b"\n" not in data.replace(b"\r\n", b"")
    assert fast > 5000


def test_remembered_values_follow_header_changes():
    m = M.parse_message(b"NOTIFY sip:a SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=b1\r\nTo: <sip:a>;tag=t1\r\n"
                        b"i: c1\r\n\r\n")
    assert (m.branch, m.to_tag, m.from_tag, m.call_id) == ("b1", "t1", None, "c1")
    m.set_header("Via", "SIP/2.0/TCP h;branch=b2")
    m.headers.append(("From", "<sip:b>;tag=f1"))
    assert (m.branch, m.to_tag, m.from_tag, m.call_id) == ("b2", "t1", "f1", "c1")
    m.headers = [("Call-ID", "c2")]
    assert (m.branch, m.to_tag, m.from_tag, m.call_id) == (None, None, None, "c2")
    for quoted in ['"x, y" <sip:v>;branch=q1', ", , SIP/2.0/UDP h;branch=q2", "", "  "]:
        m = M.SipMessage(headers=[("v", quoted), ("Via", "SIP/2.0/UDP z;branch=q3")])
        assert m.branch == ref_derived(m.headers)[1]


def test_a_kamailio_notify_reads_the_same():
    raw = (b"NOTIFY sip:judge@127.0.0.1:42135;transport=tcp SIP/2.0\r\n"
           b"Via: SIP/2.0/TCP 127.0.0.1:45163;branch=z9hG4bKa7cc.614ce254000000000000000000000000.0\r\n"
           b"To: <sip:judge@127.0.0.1>;tag=14cb2b7040d8\r\n"
           b"From: <sip:s00001@127.0.0.1>;tag=f5a3f04689427641acac0e9aeb9b38a0-ca75c123\r\n"
           b"CSeq: 2 NOTIFY\r\nCall-ID: c975788b65c24ea4a51cfff917e8a337@127.0.0.1\r\n"
           b"Content-Length: 5\r\nUser-Agent: hotline12368-kamailio\r\nMax-Forwards: 70\r\n"
           b"Event: presence\r\nContact: <sip:127.0.0.1:45163;transport=tcp>\r\n"
           b"Subscription-State: active;expires=120\r\nContent-Type: application/pidf+xml\r\n\r\n<x/>\n")
    assert parsed(raw) == ref_parse_message(raw)
    m = M.parse_message(raw)
    assert (m.branch, m.to_tag, m.from_tag, m.call_id) == (
        "z9hG4bKa7cc.614ce254000000000000000000000000.0", "14cb2b7040d8",
        "f5a3f04689427641acac0e9aeb9b38a0-ca75c123", "c975788b65c24ea4a51cfff917e8a337@127.0.0.1")
    assert M.parse_subscription_state(m.header("subscription-state")) == ("active", {"expires": "120"})
    ok = M.build_response(m, 200, "OK", [("Server", "x")])
    assert ok.startswith(b"SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1:45163;branch=z9hG4bKa7cc.")
    assert b"\r\nTo: <sip:judge@127.0.0.1>;tag=14cb2b7040d8\r\n" in ok and ok.endswith(b"Content-Length: 0\r\n\r\n")


@pytest.mark.parametrize("seed", range(4))
def test_stream_framer_agrees_over_any_chunking(seed):
    rng = random.Random(100 + seed)
    msgs = []
    while len(msgs) < 300:
        data = rnd_message(rng)
        # what a stream can carry: a head ending CRLF CRLF, Content-Length right
        if b"\r\n\r\n" in data and outcome(ref_framer, data)[0] == "ok" and ref_framer(data):
            msgs.append(data)
    stream = b"".join(rng.choice([b"", b"\r\n\r\n"]) + m for m in msgs)
    want = outcome(ref_framer, stream)
    f = M.StreamFramer()
    got: list = []
    try:
        i = 0
        while i < len(stream):
            n = rng.choice([1, 7, 100, 1500, 70000])
            got += [(m.method, m.uri, m.status, m.reason, m.headers, m.body) for m in f.feed(stream[i:i + n])]
            i += n
        got = ("ok", got)
    except Exception as e:  # noqa: BLE001 - compared with the plain framer's
        got = ("error", type(e).__name__, str(e))
    if want[0] == "ok":
        assert got == want
    else:  # the same error; the messages before it were handed out already
        assert got[0] == "error" and got[1:] == want[1:]

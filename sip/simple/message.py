"""Minimal SIP message building and parsing (RFC 3261) for the SIMPLE presence UA.

Standard library only.  Covers what a presence client needs: requests and
responses, case-insensitive header access including compact forms,
Content-Length framing on stream transports, and RFC 4662 resource-list
NOTIFY bodies (``multipart/related`` with an ``application/rlmi+xml`` root
part and one ``application/pidf+xml`` part per active resource instance).
"""

from __future__ import annotations

import functools

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Iterable, Iterator

__all__ = [
    "SipMessage",
    "SipParseError",
    "StreamFramer",
    "ResourceState",
    "RlmiList",
    "parse_message",
    "build_request",
    "build_response",
    "parse_params",
    "parse_name_addr",
    "parse_subscription_state",
    "parse_multipart",
    "parse_rls_body",
    "canonical_header",
    "new_branch",
    "new_tag",
    "new_call_id",
]

# RFC 3261 7.3.3 + RFC 3265/6665 (o, u) + RFC 3515 (r) + RFC 4028 (x)
COMPACT_FORMS = {
    "i": "call-id",
    "m": "contact",
    "e": "content-encoding",
    "l": "content-length",
    "c": "content-type",
    "f": "from",
    "s": "subject",
    "k": "supported",
    "t": "to",
    "v": "via",
    "o": "event",
    "u": "allow-events",
    "r": "refer-to",
    "b": "referred-by",
    "x": "session-expires",
    "y": "identity",
    "a": "accept-contact",
    "j": "reject-contact",
    "d": "request-disposition",
}

_CANONICAL = {
    "call-id": "Call-ID",
    "cseq": "CSeq",
    "www-authenticate": "WWW-Authenticate",
    "sip-etag": "SIP-ETag",
    "sip-if-match": "SIP-If-Match",
    "content-id": "Content-ID",
    "mime-version": "MIME-Version",
}


class SipParseError(ValueError):
    """The bytes are not a SIP message we understand."""


@functools.lru_cache(maxsize=1024)
def canonical_header(name: str) -> str:
    """Lower-case long form of a header name ('i' -> 'call-id', 'From' -> 'from').
    Cached: a handful of names, looked up a hundred times per message."""
    n = name.strip().lower()
    return COMPACT_FORMS.get(n, n)


@functools.lru_cache(maxsize=256)
def _pretty(name: str) -> str:
    n = canonical_header(name)
    if n in _CANONICAL:
        return _CANONICAL[n]
    return "-".join(p.capitalize() for p in n.split("-"))


def new_branch() -> str:
    return "z9hG4bK" + uuid.uuid4().hex[:20]


def new_tag() -> str:
    return uuid.uuid4().hex[:12]


def new_call_id(host: str = "") -> str:
    return uuid.uuid4().hex + (f"@{host}" if host else "")


# Keys of derived values in SipMessage's header index (header names are str).
_CALL_ID, _BRANCH, _FROM_TAG, _TO_TAG = (0, "call-id"), (0, "branch"), (0, "from-tag"), (0, "to-tag")


@dataclass
class SipMessage:
    """A parsed (or to-be-built) SIP request or response.

    ``headers`` keeps the order and the names as received; lookups through
    :meth:`header` / :meth:`headers_all` are case-insensitive and understand
    compact forms.
    """

    method: str | None = None          # requests
    uri: str | None = None             # requests
    status: int | None = None          # responses
    reason: str = ""                   # responses
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    # canonical name -> values, built on the first lookup (a NOTIFY is looked
    # up a dozen times on the wallboard's hot path); rebuilt when ``headers``
    # is replaced or grows.
    _idx: dict | None = field(default=None, repr=False, compare=False)
    _idx_key: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def is_request(self) -> bool:
        return self.method is not None

    @property
    def is_response(self) -> bool:
        return self.status is not None

    def _index(self) -> dict:
        key = (id(self.headers), len(self.headers))
        if self._idx is None or self._idx_key != key:
            idx: dict[str, list[str]] = {}
            for k, v in self.headers:
                idx.setdefault(canonical_header(k), []).append(v)
            self._idx, self._idx_key = idx, key
        return self._idx

    def header(self, name: str, default: str | None = None) -> str | None:
        values = self._index().get(canonical_header(name))
        return values[0] if values else default

    def headers_all(self, name: str) -> list[str]:
        """Every value of a header, comma-separated lists split (Via, Route ...)."""
        want = canonical_header(name)
        values = self._index().get(want, ())
        if want in ("via", "route", "record-route", "contact", "supported", "require",
                    "allow-events", "accept"):
            out: list[str] = []
            for v in values:
                out.extend(_split_commas(v))
            return out
        return list(values)

    def set_header(self, name: str, value: str) -> None:
        want = canonical_header(name)
        self.headers = [(k, v) for k, v in self.headers if canonical_header(k) != want]
        self.headers.append((_pretty(name), value))

    # ------------------------------------------------------------- helpers
    def _derived(self, key: tuple, make):
        """A value derived from the headers, kept in the header index (under
        a tuple key no header name can have) so that it is made once per
        message and forgotten whenever the index is rebuilt: a NOTIFY's
        branch, tags and Call-ID are asked for several times each."""
        idx = self._index()
        try:
            return idx[key]
        except KeyError:
            value = idx[key] = make()
            return value

    @property
    def call_id(self) -> str:
        return self._derived(_CALL_ID, lambda: (self.header("call-id") or "").strip())

    @property
    def cseq(self) -> tuple[int, str]:
        raw = (self.header("cseq") or "").split()
        if len(raw) != 2:
            return 0, ""
        try:
            return int(raw[0]), raw[1].upper()
        except ValueError:
            return 0, raw[1].upper()

    @property
    def branch(self) -> str | None:
        return self._derived(_BRANCH, self._branch)

    def _branch(self) -> str | None:
        for value in self._index().get("via", ()):
            vias = _split_commas(value)
            if vias:   # the first of headers_all("via")
                return parse_params(vias[0].split(";", 1)[1] if ";" in vias[0] else "").get("branch")
        return None

    @property
    def from_tag(self) -> str | None:
        return self._derived(_FROM_TAG, lambda: parse_name_addr(self.header("from") or "")[2].get("tag"))

    @property
    def to_tag(self) -> str | None:
        return self._derived(_TO_TAG, lambda: parse_name_addr(self.header("to") or "")[2].get("tag"))

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").strip()

    def text(self, encoding: str = "utf-8") -> str:
        return self.body.decode(encoding, errors="replace")

    def to_bytes(self) -> bytes:
        if self.is_request:
            first = f"{self.method} {self.uri} SIP/2.0"
        else:
            first = f"SIP/2.0 {self.status} {self.reason}"
        lines = [first]
        for k, v in self.headers:
            if canonical_header(k) == "content-length":
                continue
            lines.append(f"{k}: {v}")
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + self.body

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        if self.is_request:
            return f"<SipMessage {self.method} {self.uri} cseq={self.cseq}>"
        return f"<SipMessage {self.status} {self.reason} cseq={self.cseq}>"


def _split_commas(value: str) -> list[str]:
    """Split a header value at commas outside quotes and <>."""
    if '"' not in value and "<" not in value:
        # Nothing to protect (most Via and Supported values): the same
        # pieces as the loop below, without a Python step per character.
        parts = value.split(",")
        last = parts.pop().strip()
        out = [p.strip() for p in parts]
        if last:
            out.append(last)
        return out
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


def parse_params(text: str) -> dict[str, str]:
    """';a=1;b="x y";c' -> {'a': '1', 'b': 'x y', 'c': ''} (names lower-cased)."""
    out: dict[str, str] = {}
    for part in _split_semis(text):
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


def _split_semis(text: str) -> list[str]:
    if '"' not in text:  # no quoted string: every ";" separates
        return text.split(";")
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


_NAME_ADDR_RE = re.compile(r'^\s*(?:"((?:[^"\\]|\\.)*)"|([^<]*?))\s*<([^>]*)>(.*)$')


def parse_name_addr(value: str) -> tuple[str, str, dict[str, str]]:
    """'"Name" <sip:a@b;x>;tag=1' -> ('Name', 'sip:a@b;x', {'tag': '1'})."""
    value = value.strip()
    m = _NAME_ADDR_RE.match(value)
    if m:
        display = (m.group(1) if m.group(1) is not None else (m.group(2) or "")).strip()
        return display, m.group(3).strip(), parse_params(m.group(4).lstrip(";"))
    # addr-spec without <>: parameters after ';' are header parameters
    uri, _, rest = value.partition(";")
    return "", uri.strip(), parse_params(rest)


def parse_subscription_state(value: str | None) -> tuple[str, dict[str, str]]:
    """'active;expires=600' -> ('active', {'expires': '600'})."""
    if not value:
        return "", {}
    state, _, rest = value.partition(";")
    return state.strip().lower(), parse_params(rest)


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

_STATUS_RE = re.compile(r"^SIP/2\.0\s+(\d{3})\s*(.*)$")
_REQUEST_RE = re.compile(r"^([A-Za-z]+)\s+(\S+)\s+SIP/2\.0$")


def _split_head(data: bytes) -> tuple[bytes, bytes]:
    idx = data.find(b"\r\n\r\n")
    if idx >= 0:
        return data[:idx], data[idx + 4:]
    idx = data.find(b"\n\n")
    if idx >= 0:
        return data[:idx], data[idx + 2:]
    return data, b""


_LINES_RE = re.compile(r"\r?\n")


def _start_line(first: str, msg: SipMessage) -> None:
    m = _STATUS_RE.match(first)
    if m:
        msg.status = int(m.group(1))
        msg.reason = m.group(2).strip()
    else:
        m = _REQUEST_RE.match(first)
        if not m:
            raise SipParseError(f"bad start line: {first[:80]!r}")
        msg.method = m.group(1).upper()
        msg.uri = m.group(2)


def _cut_body(msg: SipMessage, body: bytes) -> SipMessage:
    cl = msg.header("content-length")
    if cl is not None:
        try:
            n = int(cl.strip())
        except ValueError as exc:
            raise SipParseError(f"bad Content-Length {cl!r}") from exc
        if n > len(body):
            raise SipParseError(f"truncated body: {len(body)} of {n} bytes")
        body = body[:n]
    msg.body = body
    return msg


def _parse_plain(raw_lines: list[str], body: bytes) -> SipMessage:
    """parse_message for a head without folded lines or bare CR/LF: the
    same message, built in one pass (the header index with it)."""
    if not raw_lines[0]:
        raise SipParseError("empty message")
    msg = SipMessage()
    _start_line(raw_lines[0].strip(), msg)
    headers = msg.headers
    idx: dict[str, list[str]] = {}
    canon = canonical_header
    for ln in raw_lines[1:]:
        if not ln:
            continue
        k, sep, v = ln.partition(":")
        if not sep:
            raise SipParseError(f"bad header line: {ln[:80]!r}")
        k, v = k.strip(), v.strip()
        headers.append((k, v))
        c = canon(k)
        vals = idx.get(c)
        if vals is None:
            idx[c] = [v]
        else:
            vals.append(v)
    msg._idx, msg._idx_key = idx, (id(headers), len(headers))
    return _cut_body(msg, body)


def parse_message(data: bytes) -> SipMessage:
    """Parse one SIP message (a whole datagram, or one framed stream message).

    The body is cut to Content-Length when the header is present.
    """
    data = data.lstrip(b"\r\n")
    head, body = _split_head(data)
    return _parse_head(head, body)


def _parse_head(head: bytes, body: bytes) -> SipMessage:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    n_lf = text.count("\n")
    if n_lf == text.count("\r") == text.count("\r\n") and "\r\n " not in text and "\r\n\t" not in text:
        # Every line ends in CRLF and none is folded (what servers send): one
        # pass over the header lines, which also builds the lookup index.
        return _parse_plain(text.split("\r\n") if n_lf else [text], body)
    raw_lines = _LINES_RE.split(text)
    if not raw_lines or not raw_lines[0]:
        raise SipParseError("empty message")
    msg = SipMessage()
    _start_line(raw_lines[0].strip(), msg)
    # unfold continuation lines
    lines: list[str] = []
    for ln in raw_lines[1:]:
        if ln[:1] in (" ", "\t") and lines:
            lines[-1] += " " + ln.strip()
        elif ln:
            lines.append(ln)
    for ln in lines:
        if ":" not in ln:
            raise SipParseError(f"bad header line: {ln[:80]!r}")
        k, v = ln.split(":", 1)
        msg.headers.append((k.strip(), v.strip()))
    return _cut_body(msg, body)


class StreamFramer:
    """Split a TCP byte stream into SIP messages using Content-Length.

    ``feed(data)`` returns the complete messages found so far; CRLF
    keep-alives (RFC 5626 "\\r\\n\\r\\n" pings) between messages are skipped.
    A message on a stream transport must carry Content-Length (RFC 3261
    18.3); when it is missing the body is taken as empty.
    """

    MAX_HEAD = 64 * 1024
    MAX_BODY = 16 * 1024 * 1024

    def __init__(self) -> None:
        self._buf = bytearray()
        self.pings = 0

    def feed(self, data: bytes) -> list[SipMessage]:
        self._buf += data
        out: list[SipMessage] = []
        while True:
            # skip keep-alive CRLFs
            n = 0
            while n < len(self._buf) and self._buf[n] in (13, 10):
                n += 1
            if n:
                self.pings += 1
                del self._buf[:n]
            if not self._buf:
                break
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buf) > self.MAX_HEAD:
                    raise SipParseError("header section too long")
                break
            head = bytes(self._buf[:end])
            m = re.search(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t\r]*$", head)
            length = int(m.group(1)) if m else 0
            if length > self.MAX_BODY:
                raise SipParseError("body too long")
            total = end + 4 + length
            if len(self._buf) < total:
                break
            body = bytes(self._buf[end + 4:total])
            del self._buf[:total]
            # parse_message(head + CRLF CRLF + body) without finding the head again
            out.append(_parse_head(head, body))
        return out


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------

def build_request(method: str, uri: str, headers: Iterable[tuple[str, str]],
                  body: bytes | str = b"") -> bytes:
    """Request bytes; Content-Length is computed (any given one is replaced)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    msg = SipMessage(method=method.upper(), uri=uri, headers=list(headers), body=body)
    return msg.to_bytes()


def build_response(request: SipMessage, status: int, reason: str,
                   headers: Iterable[tuple[str, str]] = (), body: bytes | str = b"",
                   to_tag: str | None = None) -> bytes:
    """Response to ``request``: Via, From, To (+ tag), Call-ID, CSeq copied."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    # The bytes SipMessage(status, reason, copied + headers, body).to_bytes()
    # gives, written directly (every NOTIFY is answered: this is hot).
    idx = request._index()
    lines = [f"SIP/2.0 {status} {reason}"]
    lines.extend([f"Via: {v}" for v in idx.get("via", ())])
    for name, pretty in _COPIED:
        values = idx.get(name)
        if not values:
            continue
        v = values[0]
        if name == "to" and to_tag and "tag=" not in v.lower():
            v = f"{v};tag={to_tag}"
        lines.append(f"{pretty}: {v}")
    for k, v in headers:
        if canonical_header(k) != "content-length":
            lines.append(f"{k}: {v}")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


_COPIED = (("from", "From"), ("to", "To"), ("call-id", "Call-ID"), ("cseq", "CSeq"))


# --------------------------------------------------------------------------
# RFC 4662 resource lists
# --------------------------------------------------------------------------

@dataclass
class MimePart:
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def content_id(self) -> str:
        return self.headers.get("content-id", "").strip().strip("<>")


def _content_type_params(ctype: str) -> tuple[str, dict[str, str]]:
    main, _, rest = ctype.partition(";")
    return main.strip().lower(), parse_params(rest)


def parse_multipart(body: bytes, content_type: str) -> list[MimePart]:
    """Split a multipart body; boundary from the Content-Type parameter."""
    main, params = _content_type_params(content_type)
    if not main.startswith("multipart/"):
        raise SipParseError(f"not multipart: {content_type!r}")
    boundary = params.get("boundary")
    if not boundary:
        raise SipParseError("multipart without boundary")
    delim = b"--" + boundary.encode()
    parts: list[MimePart] = []
    # normalise: the first delimiter may be at the very start (no CRLF before it)
    data = b"\r\n" + body
    chunks = data.split(b"\r\n" + delim)
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # close delimiter
        # rest of the delimiter line (transport padding) then CRLF
        nl = chunk.find(b"\r\n")
        if nl < 0:
            continue
        chunk = chunk[nl + 2:]
        head, sep, pbody = chunk.partition(b"\r\n\r\n")
        if not sep:
            # part without headers
            head, pbody = b"", chunk
        hdrs: dict[str, str] = {}
        for ln in re.split(rb"\r?\n", head):
            if b":" in ln:
                k, v = ln.split(b":", 1)
                hdrs[canonical_header(k.decode("latin-1"))] = v.decode("utf-8", "replace").strip()
        parts.append(MimePart(hdrs, pbody))
    return parts


@dataclass
class ResourceState:
    """One resource of an RLS NOTIFY.

    ``state`` is the rlmi instance state: "active", "pending" or
    "terminated"; a resource listed without any instance (not yet known to
    the RLS) is reported as "pending".  ``pidf`` is the resource's document
    (text) when the NOTIFY carried one, else None.
    """

    uri: str
    state: str
    pidf: str | None
    reason: str | None = None
    name: str | None = None

    def __iter__(self) -> Iterator:  # allows: for uri, state, pidf in notify.resources
        return iter((self.uri, self.state, self.pidf))


@dataclass
class RlmiList:
    uri: str
    version: int
    full_state: bool
    resources: list[ResourceState]


_RLMI_NS = "urn:ietf:params:xml:ns:rlmi"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_rls_body(body: bytes, content_type: str) -> RlmiList:
    """Parse an RFC 4662 NOTIFY body into per-resource states.

    Handles full state (``fullState="true"``: every resource of the list)
    and partial state (only the changed ones).  A nested list (a resource
    whose instance is itself a multipart body) is flattened.
    """
    main, params = _content_type_params(content_type)
    if main == "application/rlmi+xml":
        parts = [MimePart({"content-type": content_type}, body)]
        root_part = parts[0]
    else:
        parts = parse_multipart(body, content_type)
        if not parts:
            raise SipParseError("empty multipart body")
        start = params.get("start", "").strip("<>")
        root_part = None
        if start:
            root_part = next((p for p in parts if p.content_id == start), None)
        if root_part is None:
            root_part = next((p for p in parts
                              if p.content_type.lower().startswith("application/rlmi+xml")), parts[0])
    by_cid = {p.content_id: p for p in parts if p.content_id}
    try:
        root = ET.fromstring(root_part.body.strip())
    except ET.ParseError as exc:
        raise SipParseError(f"bad rlmi document: {exc}") from exc
    if _local(root.tag) != "list":
        raise SipParseError("rlmi root is not <list>")
    try:
        version = int(root.get("version", "0"))
    except ValueError:
        version = 0
    full = root.get("fullState", "false").strip().lower() in ("true", "1")
    resources: list[ResourceState] = []
    for res in root:
        if _local(res.tag) != "resource":
            continue
        uri = res.get("uri", "")
        name = None
        for ch in res:
            if _local(ch.tag) == "name" and ch.text:
                name = ch.text.strip()
        instances = [ch for ch in res if _local(ch.tag) == "instance"]
        if not instances:
            resources.append(ResourceState(uri, "pending", None, None, name))
            continue
        for inst in instances:
            state = (inst.get("state") or "").strip().lower()
            reason = inst.get("reason")
            if not state:
                # Kamailio 5.6 writes only reason="..." for terminated instances
                state = "terminated" if reason is not None else "pending"
            cid = (inst.get("cid") or "").strip().strip("<>")
            pidf: str | None = None
            part = by_cid.get(cid) if cid else None
            if part is not None:
                ptype = part.content_type.lower()
                if ptype.startswith("multipart/"):
                    nested = parse_rls_body(part.body, part.content_type)
                    resources.extend(nested.resources)
                    continue
                pidf = part.body.decode("utf-8", errors="replace").strip()
            resources.append(ResourceState(uri, state, pidf, reason, name))
    return RlmiList(root.get("uri", ""), version, full, resources)

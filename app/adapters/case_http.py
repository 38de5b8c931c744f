"""A ``CaseSource`` over a court case system's HTTP/JSON API.

Adapter side of the ports in app.domain.cases; standard library only
(urllib + ssl), no Qt. The court system checks the credentials itself, so the
password travels once, inside TLS, and no hash ever leaves the court.

Wire contract (JSON, UTF-8)::

    POST {base}/verify/code      {"query_code": "...", "password": "..."}
    POST {base}/verify/identity  {"name": "...", "id_number": "...",
                                  "case_number": "...", "phone": "..."}
    200  {"verdict": "verified" | "mismatch" | "unknown",
          "cases": [{"case_id", "case_number", "court_code", "court_name", "cause",
                     "status", "stage", "division", "judge", "filed_at",
                     "next_hearing_at", "hearing_room",
                     "steps": [{"at", "text"}]}]}

Times are epoch seconds or ISO 8601 strings. Fields the desk must not show
(notes, parties' ID numbers) are ignored even if a server sends them.

TLS: ``https`` is required except to a loopback host (tests, a local proxy);
certificates are verified with the system store or ``cafile``. Every request
has a timeout; a down, slow or broken server becomes ``CaseSourceError`` with
a message the seat can act on. Calls block: run them off the GUI thread.
"""
from __future__ import annotations

import json
import socket
import ssl
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from app.domain.cases import Case, CaseSourceError, CaseStep, Verdict, Verification

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_RESPONSE_BYTES = 2 * 1024 * 1024


def _time(value: Any) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return datetime.fromisoformat(str(value)).timestamp()


def case_from_json(data: dict[str, Any]) -> Case:
    """Map one case object of the wire contract to a ``Case`` (no notes, no parties)."""
    steps = tuple(CaseStep(at=_time(s["at"]) or 0.0, text=str(s["text"]))
                  for s in data.get("steps") or ())
    return Case(case_id=str(data["case_id"]), case_number=str(data["case_number"]),
                court_code=str(data.get("court_code", "")),
                court_name=str(data.get("court_name", "")), cause=str(data.get("cause", "")),
                status=str(data.get("status", "")), stage=str(data.get("stage", "")),
                division=str(data.get("division", "")), judge=str(data.get("judge", "")),
                filed_at=_time(data.get("filed_at")) or 0.0,
                next_hearing_at=_time(data.get("next_hearing_at")),
                hearing_room=str(data.get("hearing_room", "")), steps=steps)


class HttpCaseSource:
    """A court's case system reached over HTTPS."""

    def __init__(self, base_url: str, *, timeout_s: float = 5.0, token: str = "",
                 cafile: str | None = None, ssl_context: ssl.SSLContext | None = None,
                 name: str = "http"):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
            raise ValueError("the case system must be reached over https "
                             "(plain http only to a loopback address)")
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.base_url = base_url.rstrip("/")
        self.timeout_s = float(timeout_s)
        self.name = name
        self._token = token
        self._context = ssl_context or ssl.create_default_context(cafile=cafile)

    # --- the CaseSource port ----------------------------------------------------------

    def verify_code(self, query_code: str, password: str) -> Verification:
        return self._verify("/verify/code", {"query_code": query_code, "password": password})

    def verify_identity(self, name: str, id_number: str, *, case_number: str = "",
                        phone: str = "") -> Verification:
        return self._verify("/verify/identity", {"name": name, "id_number": id_number,
                                                 "case_number": case_number, "phone": phone})

    # --- HTTP -------------------------------------------------------------------------

    def _verify(self, path: str, body: dict[str, str]) -> Verification:
        reply = self._post(path, body)
        try:
            verdict = Verdict(reply["verdict"])
            cases = tuple(case_from_json(c) for c in reply.get("cases") or ())
        except (KeyError, TypeError, ValueError) as exc:
            raise CaseSourceError(
                "bad_response", "The court case system sent a reply the desk cannot "
                "read. Call IT staff.", repr(exc)) from exc
        return Verification(verdict, cases if verdict is Verdict.VERIFIED else ())

    def _post(self, path: str, body: dict[str, str]) -> dict[str, Any]:
        url = self.base_url + path
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        request = urllib.request.Request(
            url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers=headers, method="POST")
        context = self._context if url.startswith("https:") else None
        try:
            # The timeout covers the connect and each socket read.
            with urllib.request.urlopen(request, timeout=self.timeout_s,
                                        context=context) as response:
                raw = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise CaseSourceError(
                "http_error", f"The court case system answered with an error "
                f"(HTTP {exc.code}). Try again later or call IT staff.",
                f"{url}: {exc.code} {exc.reason}") from exc
        except urllib.error.URLError as exc:
            raise self._network_error(url, exc.reason) from exc
        except (TimeoutError, socket.timeout, OSError) as exc:
            raise self._network_error(url, exc) from exc
        if len(raw) > MAX_RESPONSE_BYTES:
            raise CaseSourceError("bad_response", "The court case system sent too much "
                                  "data. Call IT staff.", f"{url}: > {MAX_RESPONSE_BYTES} B")
        try:
            reply = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise CaseSourceError("bad_response", "The court case system sent a reply the "
                                  "desk cannot read. Call IT staff.", f"{url}: {exc}") from exc
        if not isinstance(reply, dict):
            raise CaseSourceError("bad_response", "The court case system sent a reply the "
                                  "desk cannot read. Call IT staff.", f"{url}: not an object")
        return reply

    def _network_error(self, url: str, reason: object) -> CaseSourceError:
        detail = f"{url}: {reason!r}"
        if isinstance(reason, (TimeoutError, socket.timeout)) or "timed out" in str(reason):
            return CaseSourceError(
                "timeout", f"The court case system did not answer within "
                f"{self.timeout_s:g} s. Try again in a moment; if it keeps happening, "
                f"call IT staff.", detail)
        if isinstance(reason, ssl.SSLError):
            return CaseSourceError(
                "tls", "The secure connection to the court case system failed "
                "(certificate not trusted?). Call IT staff.", detail)
        return CaseSourceError(
            "unreachable", "The court case system cannot be reached (it may be down). "
            "Try again later, or take the caller's number and call back.", detail)

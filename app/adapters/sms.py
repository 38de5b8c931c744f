"""Sending an SMS to a judge's mobile: the port, the log-only default, the factory.

Adapter side, plain Python (no Qt). The work-order service talks to an
``SmsGateway``; which one is a site setting:

- ``log`` (default): nothing leaves the PC; the text is written to the
  desk's log with a made-up message id. For the demo, training, and courts
  without an SMS centre contract.
- ``smpp``: a real SMS centre (SMSC) over SMPP 3.4 (app.adapters.sms_smpp).

A gateway's ``send`` blocks until the SMSC answered (or its timeout), so the
desk calls it off the GUI thread. It raises ``SmsError`` with a stable
``code`` and an English message a clerk can act on; the UI translates by code.

Site keys (see docs/work_orders.md): ``sms_gateway`` ("log" or "smpp"),
``sms_smpp_host``, ``sms_smpp_port``, ``sms_smpp_system_id``,
``sms_smpp_system_type``, ``sms_source_addr``, ``sms_smpp_timeout_s``. The
SMPP password is in the OS credential store (app.secrets), under the server
``smpp://HOST:PORT`` and the user ``SYSTEM_ID``, never in a file.
"""
from __future__ import annotations

import logging
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any, Mapping, Protocol

log = logging.getLogger("hotline.sms")

GATEWAY_KINDS = ("log", "smpp")

MESSAGES = {
    "unreachable": "The SMS centre could not be reached. The work order is saved; "
                   "send the SMS again later, or phone the judge. If it keeps failing, "
                   "call IT staff.",
    "timeout": "The SMS centre did not answer in time. The work order is saved; "
               "send the SMS again later.",
    "bind_refused": "The SMS centre refused this desk's login (account name or password). "
                    "The work order is saved; call IT staff to check the SMS settings.",
    "rejected": "The SMS centre refused the message. The work order is saved; "
                "check the mobile number, or phone the judge.",
    "bad_number": "The mobile number is not valid for SMS. Correct it and send again.",
    "throttled": "The SMS centre is busy (too many messages). Send the SMS again in a minute.",
    "not_configured": "SMS sending is not set up on this desk. Call IT staff.",
    "protocol": "The SMS centre gave an answer this desk does not understand. "
                "Call IT staff.",
}


class SmsError(Exception):
    """An SMS could not be handed to the SMS centre.

    ``code`` is one of ``MESSAGES``; ``detail`` keeps the technical cause
    (SMPP status, socket error) for the log and the work order's events.
    """

    def __init__(self, code: str, detail: str = "", message: str | None = None):
        self.code = code if code in MESSAGES else "protocol"
        self.detail = detail
        self.message = message or MESSAGES[self.code]
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"SmsError(code={self.code!r}, detail={self.detail!r})"


@dataclass(frozen=True)
class SmsReceipt:
    """What the SMS centre answered: one message id per SMS part."""
    message_ids: tuple[str, ...]
    gateway: str                       # "log", "smpp"

    @property
    def parts(self) -> int:
        return len(self.message_ids)


class SmsGateway(Protocol):
    """The port. ``send`` blocks; raises SmsError."""

    name: str

    def send(self, to: str, text: str) -> SmsReceipt: ...


class LogOnlyGateway:
    """Writes each SMS to the log and keeps the last ones in memory.

    Thread-safe (called from the desk's SMS worker thread).
    """

    name = "log"

    def __init__(self, keep: int = 200):
        self._lock = threading.Lock()
        self.sent: deque[tuple[str, str, str]] = deque(maxlen=keep)   # (id, to, text)

    def send(self, to: str, text: str) -> SmsReceipt:
        digits = "".join(ch for ch in to if ch.isdigit())
        if not 5 <= len(digits) <= 20:
            raise SmsError("bad_number", f"destination {to!r}")
        message_id = f"log-{uuid.uuid4().hex[:12]}"
        log.info("SMS (log only, not sent) %s to %s: %s", message_id, digits, text)
        with self._lock:
            self.sent.append((message_id, digits, text))
        return SmsReceipt((message_id,), self.name)


@dataclass(frozen=True)
class SmsSettings:
    """The SMS part of the desk settings (no password)."""
    kind: str = "log"
    host: str = ""
    port: int = 2775
    system_id: str = ""
    system_type: str = ""
    source_addr: str = "12368"
    timeout_s: float = 10.0

    @property
    def secret_server(self) -> str:
        """The credential-store 'server' under which the SMPP password is kept."""
        return f"smpp://{self.host}:{self.port}"

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "SmsSettings":
        kind = str(values.get("sms_gateway", "log") or "log").strip().lower()
        port = values.get("sms_smpp_port", 2775)
        timeout = values.get("sms_smpp_timeout_s", 10.0)
        return cls(
            kind=kind,
            host=str(values.get("sms_smpp_host", "") or "").strip(),
            port=int(port) if isinstance(port, (int, str)) and str(port).isdigit() else 2775,
            system_id=str(values.get("sms_smpp_system_id", "") or "").strip(),
            system_type=str(values.get("sms_smpp_system_type", "") or "").strip(),
            source_addr=str(values.get("sms_source_addr", "12368") or "12368").strip(),
            timeout_s=float(timeout) if isinstance(timeout, (int, float))
            and not isinstance(timeout, bool) and timeout > 0 else 10.0)


class UnconfiguredGateway:
    """Stands in when the site asked for SMPP but left it half set up: every
    send fails with ``not_configured`` and says what is missing."""

    name = "unconfigured"

    def __init__(self, why: str):
        self.why = why

    def send(self, to: str, text: str) -> SmsReceipt:
        raise SmsError("not_configured", self.why)


def gateway_from_settings(values: Mapping[str, Any], secrets: Any = None) -> SmsGateway:
    """The gateway the desk settings ask for.

    ``secrets`` is an app.secrets.SecretStore (or anything with
    ``get_password(server, user)``); needed for SMPP only. An unknown kind or
    an SMPP set-up without host or system id gives a gateway whose sends fail
    with ``not_configured`` (the desk still starts; the seat is told on the
    first SMS, and the log says why).
    """
    cfg = SmsSettings.from_mapping(values)
    if cfg.kind == "log":
        return LogOnlyGateway()
    if cfg.kind != "smpp":
        why = f"unknown sms_gateway {cfg.kind!r} (log or smpp)"
        log.warning("SMS: %s", why)
        return UnconfiguredGateway(why)
    if not cfg.host or not cfg.system_id:
        why = "sms_gateway is smpp but sms_smpp_host or sms_smpp_system_id is missing"
        log.warning("SMS: %s", why)
        return UnconfiguredGateway(why)
    from app.adapters.sms_smpp import SmppGateway
    password = secrets.get_password(cfg.secret_server, cfg.system_id) if secrets else ""
    return SmppGateway(host=cfg.host, port=cfg.port, system_id=cfg.system_id,
                       password=password, system_type=cfg.system_type,
                       source_addr=cfg.source_addr, timeout_s=cfg.timeout_s)

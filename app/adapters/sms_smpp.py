"""SMS through an SMS centre over SMPP 3.4, with the maintained ``smpplib``.

Adapter side, plain Python (no Qt). One short session per SMS: connect, bind
as a transmitter, submit the parts, unbind. A court sends a few dozen work
orders a day, so a session per message costs nothing and leaves no idle
connection to keep alive (enquire_link) or to find dead.

- Chinese text goes as UCS-2 (``data_coding`` 0x08): 70 characters fit in one
  SMS; longer text is split by ``smpplib.gsm.make_parts`` into parts of 67
  characters with a concatenation header (UDH, ``esm_class`` 0x40), and the
  phone shows one message.
- ``send`` returns the SMSC's message id of every part.
- Failures raise ``SmsError`` (app.adapters.sms) with a code the desk
  explains: ``unreachable`` (nothing listens, no route, connect timeout),
  ``timeout`` (connected but no answer), ``bind_refused`` (wrong system id or
  password: SMPP 0x0D/0x0E/0x0F), ``bad_number`` (0x0B), ``throttled``
  (0x14, 0x58), ``rejected`` (any other refusal; the SMPP status is in the
  detail), ``not_configured`` (a password or system id longer than SMPP 3.4
  allows: smpplib would silently cut it and the bind would fail for no
  visible reason).

Runs on the desk's SMS worker thread: every call makes its own client, so
sends never share a socket.
"""
from __future__ import annotations

import logging
import socket

import smpplib.client
import smpplib.consts as c
import smpplib.exceptions
import smpplib.gsm
import smpplib.smpp

from app.adapters.sms import SmsError, SmsReceipt

log = logging.getLogger("hotline.sms.smpp")

BIND_REFUSED = {c.SMPP_ESME_RBINDFAIL, c.SMPP_ESME_RINVPASWD, c.SMPP_ESME_RINVSYSID}
THROTTLED = {c.SMPP_ESME_RTHROTTLED, c.SMPP_ESME_RMSGQFUL}

# SMPP 3.4 field sizes, including the terminating NUL.
MAX_SYSTEM_ID = 16
MAX_PASSWORD = 9
MAX_ADDRESS = 21


def _status_text(status: int) -> str:
    return f"SMPP status 0x{status:08X} ({c.DESCRIPTIONS.get(status, 'unknown')})"


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")
    return str(value or "")


class SmppGateway:
    """An ``SmsGateway`` over SMPP 3.4 (bind_transmitter + submit_sm)."""

    name = "smpp"

    def __init__(self, *, host: str, port: int, system_id: str, password: str,
                 system_type: str = "", source_addr: str = "12368",
                 source_addr_ton: int = c.SMPP_TON_UNK, source_addr_npi: int = c.SMPP_NPI_ISDN,
                 dest_addr_ton: int = c.SMPP_TON_UNK, dest_addr_npi: int = c.SMPP_NPI_ISDN,
                 timeout_s: float = 10.0):
        self.host = host
        self.port = int(port)
        self.system_id = system_id
        self._password = password
        self.system_type = system_type
        self.source_addr = source_addr
        self.source_addr_ton = source_addr_ton
        self.source_addr_npi = source_addr_npi
        self.dest_addr_ton = dest_addr_ton
        self.dest_addr_npi = dest_addr_npi
        self.timeout_s = float(timeout_s)

    def __repr__(self) -> str:          # never the password
        return f"SmppGateway({self.host}:{self.port}, system_id={self.system_id!r})"

    # --- the port ------------------------------------------------------------------

    def send(self, to: str, text: str) -> SmsReceipt:
        dest = "".join(ch for ch in to if ch.isdigit())
        if not 5 <= len(dest) < MAX_ADDRESS:
            raise SmsError("bad_number", f"destination {to!r}")
        self._check_settings()
        parts, encoding, esm_class = smpplib.gsm.make_parts(
            text, encoding=c.SMPP_ENCODING_ISO10646)
        client = smpplib.client.Client(self.host, self.port, timeout=self.timeout_s,
                                       allow_unknown_opt_params=True)
        where = f"{self.host}:{self.port}"
        try:
            try:
                client.connect()
            except smpplib.exceptions.ConnectionError as exc:
                raise SmsError("unreachable", f"{where}: cannot connect ({exc})") from exc
            self._bind(client, where)
            ids = [self._submit(client, where, dest, part, encoding, esm_class, i, len(parts))
                   for i, part in enumerate(parts, 1)]
        finally:
            self._close(client)
        log.info("SMS to %s accepted by %s in %d part(s): %s", dest, where, len(ids),
                 ", ".join(ids))
        return SmsReceipt(tuple(ids), self.name)

    # --- steps -------------------------------------------------------------------

    def _check_settings(self) -> None:
        if not self.system_id or len(self.system_id.encode()) >= MAX_SYSTEM_ID:
            raise SmsError("not_configured",
                           f"system id must be 1 to {MAX_SYSTEM_ID - 1} characters")
        if len(self._password.encode()) >= MAX_PASSWORD:
            raise SmsError("not_configured",
                           f"SMPP 3.4 passwords are at most {MAX_PASSWORD - 1} characters")
        if len(self.source_addr.encode()) >= MAX_ADDRESS:
            raise SmsError("not_configured", "source address too long")

    def _bind(self, client, where: str) -> None:
        try:
            client.bind_transmitter(system_id=self.system_id, password=self._password,
                                    system_type=self.system_type)
        except smpplib.exceptions.PDUError as exc:
            status = exc.args[1] if len(exc.args) > 1 else 0
            if status in BIND_REFUSED:
                raise SmsError("bind_refused", f"{where}: bind as {self.system_id!r} "
                               f"refused: {_status_text(status)}") from exc
            raise SmsError("rejected", f"{where}: bind refused: {_status_text(status)}") from exc
        except smpplib.exceptions.ConnectionError as exc:
            # smpplib turns a read timeout and a closed socket into the same error.
            raise SmsError("timeout", f"{where}: no answer to bind_transmitter "
                           "(timed out or connection closed)") from exc

    def _submit(self, client, where: str, dest: str, part: bytes, encoding: int,
                esm_class: int, index: int, total: int) -> str:
        try:
            pdu = client.send_message(
                source_addr_ton=self.source_addr_ton, source_addr_npi=self.source_addr_npi,
                source_addr=self.source_addr, dest_addr_ton=self.dest_addr_ton,
                dest_addr_npi=self.dest_addr_npi, destination_addr=dest,
                short_message=part, data_coding=encoding, esm_class=esm_class,
                registered_delivery=0)
            while True:
                resp = client.read_pdu()
                if resp.command == "enquire_link":
                    ler = smpplib.smpp.make_pdu("enquire_link_resp", client=client)
                    ler.sequence = resp.sequence
                    client.send_pdu(ler)
                    continue
                if resp.command == "generic_nack":
                    raise SmsError("protocol", f"{where}: generic_nack to part {index}/{total}: "
                                   f"{_status_text(resp.status)}")
                if resp.command == "submit_sm_resp" and resp.sequence == pdu.sequence:
                    break
                log.debug("SMPP: skipping %s while waiting for submit_sm_resp", resp.command)
        except socket.timeout as exc:
            raise SmsError("timeout", f"{where}: no submit_sm_resp for part {index}/{total} "
                           f"within {self.timeout_s:g} s") from exc
        except smpplib.exceptions.ConnectionError as exc:
            raise SmsError("unreachable", f"{where}: connection lost while sending "
                           f"part {index}/{total}") from exc
        if resp.is_error():
            status = int(resp.status)
            code = ("bad_number" if status == c.SMPP_ESME_RINVDSTADR
                    else "throttled" if status in THROTTLED else "rejected")
            raise SmsError(code, f"{where}: part {index}/{total} to {dest} refused: "
                           f"{_status_text(status)}")
        return _text(resp.message_id)

    def _close(self, client) -> None:
        """Unbind when bound, then close; never raises (the outcome is decided)."""
        if client.state in (c.SMPP_CLIENT_STATE_BOUND_TX, c.SMPP_CLIENT_STATE_BOUND_RX,
                            c.SMPP_CLIENT_STATE_BOUND_TRX):
            try:
                client.unbind()
            except (smpplib.exceptions.PDUError, smpplib.exceptions.ConnectionError,
                    OSError) as exc:
                log.debug("SMPP: unbind failed: %s", exc)
            client.state = c.SMPP_CLIENT_STATE_OPEN
        if client._socket is None:
            return
        if client.state == c.SMPP_CLIENT_STATE_CLOSED:
            # connect() failed: close the socket without smpplib's "not bound" warning.
            client._socket.close()
            client._socket = None
        else:
            client.disconnect()

"""ui/messages.py: errors from app/ and sip/ reach the seat through one translated table."""
from __future__ import annotations

from app.storage.db import MESSAGES, StorageError
from ui.messages import explain, storage_message


class SipError(Exception):
    """Stands in by name for sip.errors.SipError (explain() matches on the class name,
    so ui/ needs no import of sip/ to translate it)."""


def test_every_storage_code_has_a_seat_message(qapp):
    for code, english in MESSAGES.items():
        text = storage_message(code)
        assert text, code
        # The untranslated table says the same as the storage layer's own words.
        assert explain(StorageError(code)) == english


def test_sip_errors_are_reworded_and_unknown_errors_keep_their_text(qapp):
    assert explain(SipError("too many calls at once")).startswith("Too many calls at once")
    assert "Settings" in explain(SipError("no SIP account is set up"))
    assert explain(SipError("incomplete account settings: server, user")).endswith("server, user")
    assert explain(RuntimeError("odd failure 42")) == "odd failure 42"

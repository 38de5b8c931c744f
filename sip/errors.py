"""Errors of the SIP engine, in words fit to show a seat."""
from __future__ import annotations

import pjsua2 as pj


class SipError(Exception):
    """A verb could not be carried out; `str()` is fit to show a seat."""


def err_text(e: pj.Error) -> str:
    try:
        return e.info() or e.reason
    except Exception:  # pragma: no cover
        return "SIP error"

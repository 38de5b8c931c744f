"""Errors from app/ and sip/ in the seat's language.

app/ and sip/ raise English messages with a stable ``code`` (StorageError,
CaseSourceError) or a short fixed text (SipError); this is the one table that
turns them into translated words a seat can act on. Unknown errors keep their
own text, so nothing is hidden.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication


# Called by this name with the context spelled out in every call: that is how
# pyside6-lupdate finds the strings (a one-argument wrapper hides them from it).
translate = QCoreApplication.translate


def storage_message(code: str) -> str | None:
    return {
        "disk_full": translate("Messages", "The disk is full, so the call history could not be "
                                           "saved. Free some disk space or call IT staff."),
        "read_only": translate("Messages", "The data file is read-only, so nothing can be saved. "
                                           "Call IT staff to check the file permissions."),
        "locked": translate("Messages", "The data file is in use by another program. Close other "
                                        "copies of the desktop and try again."),
        "corrupt": translate("Messages", "The data file is damaged. Call IT staff to restore it "
                                         "from a backup."),
        "cannot_open": translate("Messages", "The data file could not be opened. Call IT staff."),
        "io_error": translate("Messages", "The disk reported an error while saving. Call IT "
                                          "staff."),
        "schema_too_new": translate("Messages", "The data file was written by a newer version of "
                                                "the desktop. Install the newer version or call "
                                                "IT staff."),
        "not_open": translate("Messages", "The data file is not open."),
        "server_unreachable": translate("Messages", "The shared database server cannot be "
                                                    "reached, so nothing could be saved or looked"
                                                    " up. Try again in a moment; if it keeps "
                                                    "happening, call IT staff."),
        "server_denied": translate("Messages", "The shared database server refused this desk. "
                                               "Call IT staff to check the desk's database "
                                               "account."),
        "server_busy": translate("Messages", "The shared database server is busy. Try again in a "
                                             "moment; if it keeps happening, call IT staff."),
        "server_full": translate("Messages", "The shared database server is out of space, so "
                                             "nothing could be saved. Call IT staff."),
        "server_read_only": translate("Messages", "The shared database is read-only at the moment"
                                                  " (maintenance), so nothing could be saved. Try"
                                                  " again later or call IT staff."),
        "server_schema_too_new": translate("Messages", "The shared database was upgraded by a "
                                                       "newer version of the desktop. Install the"
                                                       " newer version or call IT staff."),
        "server_error": translate("Messages", "The shared database server reported an error. Call"
                                              " IT staff."),
        "bad_address": translate("Messages", "The shared database address in the site settings is"
                                             " not valid. Call IT staff."),
        "server_needs_upgrade": translate("Messages", "The shared database must be upgraded for "
                                                      "this version of the desktop. Call IT "
                                                      "staff."),
        "error": translate("Messages", "Saving or reading local data failed. Call IT staff."),
    }.get(code)


_SIP_TEXTS = {
    "too many calls at once": lambda: translate("Messages", "Too many calls at once: end or "
                                                            "transfer one first."),
    "that call has ended": lambda: translate("Messages", "That call has already ended."),
    "no SIP account is set up": lambda: translate("Messages", "No phone account is set up: open "
                                                              "Settings."),
    "the SIP engine is not started": lambda: translate("Messages", "The phone is not started yet."),
    "only one SIP engine per process": lambda: translate("Messages", "Another phone is already "
                                                                     "running in this program."),
}


def explain(exc: BaseException) -> str:
    """The seat-facing, translated text for ``exc``."""
    code = getattr(exc, "code", None)
    name = type(exc).__name__
    if name == "StorageError" and isinstance(code, str):
        return storage_message(code) or str(exc)
    if name == "SipError":
        fixed = _SIP_TEXTS.get(str(exc))
        if fixed is not None:
            return fixed()
        if str(exc).startswith("incomplete account settings"):
            return translate("Messages", "The phone account settings are incomplete: %1").replace(
                "%1", str(exc).partition(":")[2].strip())
    return str(exc)

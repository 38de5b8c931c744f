"""The caller page: who is calling (screen pop) and the verified case lookup.

Top: the screen pop for the call in hand: the directory name, parties of
known cases who registered this number, earlier calls with their wrap-up
notes. It is a hint for the seat only; the case's progress is shown after the
caller is verified, by query code and password or by identity.

Lookups run on one worker thread (scrypt verification and a court's HTTP
system can take a while) and come back as a queued signal; what the seat typed
stays in the fields when a lookup fails, and the password field is cleared
only after a successful lookup. Every lookup is audited by the service.
"""
from __future__ import annotations

import html
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QTabWidget, QTextBrowser, QVBoxLayout, QWidget)

from app.domain.calls import CallSnapshot
from app.domain.screen_pop import ScreenPop
from ui.messages import explain

log = logging.getLogger(__name__)

RESULT_LABELS = ("answered", "missed", "rejected", "failed", "cancelled")
CATEGORY_VALUES = ("case_enquiry", "contact_judge", "legal_question", "complaint", "other")


def _when(at: float | None) -> str:
    return datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M") if at else ""


class CallerPage(QWidget):
    """Screen pop and verified case lookup for the call in hand."""

    # (LookupResult | Exception, kind): a lookup finished on the worker thread.
    _lookupDone = Signal(object, str)
    # (PartyView): the seat verified the caller and linked a case.
    caseVerified = Signal(object)

    def __init__(self, ctx, lookup_service, screen_pop_service=None, parent=None):
        super().__init__(parent)
        self.setObjectName("callerPage")
        self.ctx = ctx
        self.lookup = lookup_service
        self.screen_pop = screen_pop_service
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="case-lookup")
        self._busy = False
        self._pop: ScreenPop | None = None
        self._pop_call_id: int | None = None
        self.views = ()

        self.caller = QLabel(self.tr("No call in hand."))
        self.caller.setObjectName("callerHeadline")
        self.caller.setStyleSheet("font-size:16px;font-weight:bold")
        self.pop_text = QLabel()
        self.pop_text.setObjectName("screenPop")
        self.pop_text.setWordWrap(True)
        self.pop_text.setTextFormat(self.pop_text.textFormat().RichText)

        # --- verification forms ------------------------------------------------
        self.code = QLineEdit()
        self.code.setObjectName("queryCode")
        self.code.setPlaceholderText(self.tr("e.g. CY7K-3M9Q"))
        self.password = QLineEdit()
        self.password.setObjectName("queryPassword")
        self.password.setEchoMode(QLineEdit.Password)
        self.code_btn = QPushButton(self.tr("Look up"))
        self.code_btn.setObjectName("lookupByCode")
        self.code_btn.clicked.connect(self.lookup_by_code)
        self.password.returnPressed.connect(self.lookup_by_code)
        code_page = QWidget()
        f = QFormLayout(code_page)
        f.addRow(self.tr("Case query code"), self.code)
        f.addRow(self.tr("Password"), self.password)
        f.addRow("", self.code_btn)

        self.name = QLineEdit()
        self.name.setObjectName("idName")
        self.id_number = QLineEdit()
        self.id_number.setObjectName("idNumber")
        self.id_number.setPlaceholderText(self.tr("18-character resident ID number"))
        self.case_number = QLineEdit()
        self.case_number.setObjectName("idCaseNumber")
        self.case_number.setPlaceholderText(self.tr("e.g. (2026)京0105民初1234号"))
        self.phone = QLineEdit()
        self.phone.setObjectName("idPhone")
        self.phone.setPlaceholderText(self.tr("or the phone registered with the court"))
        self.id_btn = QPushButton(self.tr("Verify identity"))
        self.id_btn.setObjectName("lookupByIdentity")
        self.id_btn.clicked.connect(self.lookup_by_identity)
        id_page = QWidget()
        g = QFormLayout(id_page)
        g.addRow(self.tr("Name"), self.name)
        g.addRow(self.tr("ID number"), self.id_number)
        g.addRow(self.tr("Case number"), self.case_number)
        g.addRow(self.tr("Registered phone"), self.phone)
        g.addRow("", self.id_btn)

        self.forms = QTabWidget()
        self.forms.setObjectName("verifyForms")
        self.forms.addTab(code_page, self.tr("By query code"))
        self.forms.addTab(id_page, self.tr("By identity"))

        self.message = QLabel()
        self.message.setObjectName("lookupMessage")
        self.message.setWordWrap(True)
        self.result = QTextBrowser()
        self.result.setObjectName("caseView")
        self.result.setPlaceholderText(self.tr(
            "Case progress appears here after the caller is verified. "
            "Nothing is shown before."))

        left = QVBoxLayout()
        left.addWidget(self.caller)
        left.addWidget(self.pop_text)
        left.addWidget(self.forms)
        left.addWidget(self.message)
        left.addStretch(1)
        lay = QHBoxLayout(self)
        lay.addLayout(left, 2)
        lay.addWidget(self.result, 3)

        self._lookupDone.connect(self._on_lookup_done)
        ctx.currentCallChanged.connect(self._on_current_call)

    # --- the call in hand ----------------------------------------------------
    def _on_current_call(self, s: CallSnapshot | None) -> None:
        if s is None:
            self.clear()
            return
        if s.call_id != self._pop_call_id:
            self._pop_call_id = s.call_id
            self._show_pop(s)

    def _show_pop(self, s: CallSnapshot) -> None:
        name = ""
        if self.ctx.directory is not None:
            e = self.ctx.directory.by_number(s.peer_number)
            name = e.name if e is not None else ""
        headline = f"{name}  {s.peer_number}" if name else (s.peer_display or s.peer_number)
        self.caller.setText(headline)
        pop = self.screen_pop.pop(s.peer_number, call_started_at=s.started_at) \
            if self.screen_pop is not None else ScreenPop(number=s.peer_number)
        self._pop = pop
        self.pop_text.setText(self.pop_html(pop))
        # A party who registered this number is likely who is calling.
        if pop.cases and not self.phone.text():
            self.phone.setText(s.peer_number)
        if pop.party_names and not self.name.text():
            self.name.setText(pop.party_names[0])

    def pop_html(self, pop: ScreenPop) -> str:
        return screen_pop_html(pop, self.category_label, self.result_label)

    def category_label(self, value: str) -> str:
        return {
            "case_enquiry": self.tr("case enquiry"), "contact_judge": self.tr("contact a judge"),
            "legal_question": self.tr("legal question"), "complaint": self.tr("complaint"),
            "other": self.tr("other"),
        }.get(value, value)

    def result_label(self, value: str) -> str:
        return {
            "answered": self.tr("answered"), "missed": self.tr("missed"),
            "rejected": self.tr("rejected"), "failed": self.tr("failed"),
            "cancelled": self.tr("cancelled"),
        }.get(value, value)

    def clear(self) -> None:
        """The call is recorded: forget this caller (fields, result, pop)."""
        self._pop = None
        self._pop_call_id = None
        self.views = ()
        self.caller.setText(self.tr("No call in hand."))
        self.pop_text.clear()
        for w in (self.code, self.password, self.name, self.id_number, self.case_number,
                  self.phone):
            w.clear()
        self.result.clear()
        self.message.clear()

    # --- lookups -------------------------------------------------------------
    def lookup_by_code(self) -> None:
        code, pw = self.code.text(), self.password.text()
        self._run("code", lambda: self.lookup.lookup_by_code(
            code, pw, seat=self.ctx.seat, caller_number=self.ctx.caller_number))

    def lookup_by_identity(self) -> None:
        name, idn = self.name.text(), self.id_number.text()
        number, phone = self.case_number.text(), self.phone.text()
        self._run("identity", lambda: self.lookup.lookup_by_identity(
            name, idn, case_number=number, phone=phone, seat=self.ctx.seat,
            caller_number=self.ctx.caller_number))

    @property
    def busy(self) -> bool:
        return self._busy

    def _run(self, kind: str, fn) -> None:
        if self._busy:
            return
        self._busy = True
        self.code_btn.setEnabled(False)
        self.id_btn.setEnabled(False)
        self._say(self.tr("Checking..."), ok=True)

        def work():
            try:
                result = fn()
            except Exception as e:  # StorageError: the audit could not be written
                result = e
            self._lookupDone.emit(result, kind)
        self._pool.submit(work)

    def _on_lookup_done(self, result, kind: str) -> None:
        self._busy = False
        self.code_btn.setEnabled(True)
        self.id_btn.setEnabled(True)
        if isinstance(result, Exception):
            log.warning("case lookup failed: %r", result)
            self._say(self.tr("The lookup could not be recorded, so nothing is shown: %1")
                      .replace("%1", explain(result)), ok=False)
            return
        if result.ok:
            self.views = result.views
            self.result.setHtml(self.views_html(result.views))
            self._say(self.tr("Verified. Tell the caller only what is shown here."), ok=True)
            if kind == "code":
                self.password.clear()
            self.ctx.link_case(result.views[0].case_number)
            self.caseVerified.emit(result.views[0])
            return
        self.result.clear()
        self.views = ()
        self._say(self.message_for(result), ok=False)

    def message_for(self, result) -> str:
        """The seat's words for a failed lookup, by the service's stable code."""
        until = _when(result.locked_until)
        code = result.code
        if code == "missing_input":
            if result.outcome.value == "invalid" and self.forms.currentIndex() == 0:
                return self.tr("Enter both the case query code and the password.")
            return self.tr("Enter the name, the ID number, and the case number or the registered phone.")
        if code == "locked":
            return self.tr("Locked after too many failed attempts until %1. Verify the caller "
                           "another way, or ask them to call again after that time.").replace("%1", until)
        if code == "locked_now":
            return self.tr("The details do not match. Too many failed attempts: locked until %1.") \
                .replace("%1", until)
        if code == "denied":
            return self.tr("The details do not match a case. %1 attempt(s) left before it is locked.") \
                .replace("%1", str(result.failures_left if result.failures_left is not None else ""))
        if code == "source_timeout":
            return self.tr("The court case system did not answer in time. Try again in a moment; "
                           "what you typed is kept.")
        if code in ("source_unreachable", "source_tls"):
            return self.tr("The court case system cannot be reached (it may be down). Tell the "
                           "caller you will call back, or try again later; what you typed is kept.")
        if code.startswith("source_"):
            return self.tr("The court case system could not answer: %1").replace("%1", result.message)
        return result.message

    def _say(self, text: str, ok: bool) -> None:
        self.message.setStyleSheet("color:#2e7d32" if ok else "color:#c62828;font-weight:bold")
        self.message.setText(text)

    def views_html(self, views) -> str:
        parts = []
        for v in views:
            rows = [
                (self.tr("Case number"), v.case_number), (self.tr("Court"), v.court_name),
                (self.tr("Cause"), v.cause), (self.tr("Status"), v.status),
                (self.tr("Stage"), v.stage), (self.tr("Division"), v.division),
                (self.tr("Judge"), v.judge), (self.tr("Filed"), _when(v.filed_at)),
                (self.tr("Next hearing"), " ".join(x for x in (_when(v.next_hearing_at),
                                                                v.hearing_room) if x)
                 or self.tr("none scheduled")),
            ]
            table = "".join(f"<tr><td style='color:#555;padding-right:12px'>{html.escape(k)}</td>"
                            f"<td><b>{html.escape(str(val))}</b></td></tr>" for k, val in rows)
            steps = "".join(f"<li>{html.escape(_when(s.at))} {html.escape(s.text)}</li>"
                            for s in v.recent_steps)
            recent = self.tr("Recent steps")   # outside the f-string, where lupdate reads it
            parts.append(f"<table>{table}</table><p>{html.escape(recent)}</p>"
                         f"<ul>{steps}</ul>")
        return "<hr>".join(parts)

    def close(self) -> bool:
        self._pool.shutdown(wait=False, cancel_futures=True)
        return super().close()


def screen_pop_html(pop: ScreenPop, category_label, result_label) -> str:
    """The pop as rich text (also used in the incoming-call popup)."""
    lines = []
    if pop.error:
        lines.append(html.escape(QCoreApplication.translate("CallerPage", "Earlier calls and cases could not be read.")))
    for c in pop.cases[:3]:
        lines.append(html.escape(QCoreApplication.translate("CallerPage", "%1 (%2) in case %3, %4")
                                 .replace("%1", c.party_name).replace("%2", c.party_role)
                                 .replace("%3", c.case_number).replace("%4", c.court_name)))
    if len(pop.cases) > 3:
        lines.append(html.escape(QCoreApplication.translate("CallerPage", "and %1 more cases").replace("%1", str(len(pop.cases) - 3))))
    if pop.earlier_total:
        lines.append("<b>" + html.escape(QCoreApplication.translate("CallerPage", "%1 earlier call(s) from this number")
                                         .replace("%1", str(pop.earlier_total))) + "</b>")
        for e in pop.earlier[:3]:
            bits = [_when(e.at), result_label(e.result)]
            if e.category:
                bits.append(category_label(e.category))
            if e.case_number:
                bits.append(e.case_number)
            text = " · ".join(b for b in bits if b)
            if e.notes:
                text += ": " + (e.notes if len(e.notes) <= 60 else e.notes[:59] + "…")
            lines.append(html.escape(text))
    elif not pop.cases and not pop.error:
        lines.append(html.escape(QCoreApplication.translate("CallerPage", "First call from this number.")))
    return "<br>".join(lines)

"""The consulting judge's consult inbox: questions from the seats, with context.

Each question a seat escalates arrives as a SIP MESSAGE (app.domain.consult)
and is listed here, open ones first: who asks (seat, name, court), the
caller's number, the linked case, the seat's notes, the question, and whether
the seat is calling or transferring the caller. The judge types the answer
(with, optionally, the category and legal basis a knowledge-base article of it
should carry) and sends it back to the seat as a MESSAGE.

A consult call or a transfer rings the judge's softphone with
``X-Hotline-Consult: <uid>``: the inbox selects that question and shows a
banner with the context while the call rings. The context usually arrives
first; if the call is quicker, the banner fills in when the MESSAGE comes. A
transferred caller whose gateway dropped the header is matched by the
caller's number to a transfer announced in the last minutes.

Messages go through a *messenger*, the SIP engine (``send_message``,
``messageReceived``, ``messageFinished``, ``callChanged``). Bodies that are
not readable consult messages are listed as unreadable; nothing else happens.

The answer's delivery (its MESSAGE's final response) is written through to
the store with the question, as the seat's page does for questions: "sending"
in the same write as the answer, then delivered or failed with the SIP status.
After a restart the inbox still lists an answer the seat never got (the seat
signed out: 480, 404, a dead server) as "answer not delivered", and one whose
outcome the desk never learnt as "answer delivery unknown", each with "Send
again": the same answer body (same uid, text, time, category, legal basis);
the seat's desk, which keeps questions by uid, shows it once.
"""
from __future__ import annotations

import html
import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QPlainTextEdit, QPushButton, QSplitter, QTextBrowser,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from app.domain.calls import CallDirection, CallPhase, number_of
from app.domain.consult import (CONTENT_TYPE, Channel, ConsultMessageError, ConsultStatus,
                                Delivery)
from ui.desk.consult import (delivery_problem, is_consult, save_delivery, undelivered_row,
                             unreadable_text, when)
from ui.messages import explain

TRANSFER_MATCH_S = 600      # a transfer without the header: match the caller this long


class ConsultInbox(QWidget):
    # ConsultQuestion: a new question arrived (e.g. to raise the window).
    questionArrived = Signal(object)

    def __init__(self, service, *, judge_name: str, messenger=None, directory=None,
                 parent=None):
        super().__init__(parent)
        self.setObjectName("consultInbox")
        self.service = service
        self.judge_name = judge_name
        self.messenger = messenger
        self.directory = directory
        self._sending: dict[int, str] = {}           # msg id -> uid (the answer in flight)
        self._transfers: dict[str, float] = {}       # uid -> when a transfer was announced
        self._unreadable: list[tuple[float, str]] = []
        self._call_uid: dict[int, str] = {}          # ringing call id -> uid (maybe not here yet)
        self._form_uid: str | None = None
        self._drafts: dict[str, tuple[str, str, str]] = {}   # uid -> typed, not yet sent

        self.banner = QLabel()
        self.banner.setObjectName("inboxCallBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background:#fff3cd;padding:6px;font-weight:bold")
        self.banner.setVisible(False)
        self.list = QTreeWidget()
        self.list.setObjectName("inboxList")
        self.list.setRootIsDecorated(False)
        self.list.setHeaderLabels([self.tr("Asked"), self.tr("Seat"), self.tr("Question"),
                                   self.tr("Status")])
        self.list.header().setStretchLastSection(False)
        self.list.header().setSectionResizeMode(2, QHeaderView.Stretch)
        self.context = QTextBrowser()
        self.context.setObjectName("inboxContext")
        self.answer = QPlainTextEdit()
        self.answer.setObjectName("inboxAnswer")
        self.answer.setPlaceholderText(self.tr("Your answer to the seat"))
        self.category = QComboBox()
        self.category.setObjectName("inboxCategory")
        self.category.setEditable(True)
        self.legal_basis = QLineEdit()
        self.legal_basis.setObjectName("inboxLegalBasis")
        self.send_btn = QPushButton(self.tr("Send answer"))
        self.send_btn.setObjectName("inboxSend")
        self.resend_btn = QPushButton(self.tr("Send again"))
        self.resend_btn.setObjectName("inboxResend")
        self.resend_btn.setToolTip(self.tr("Send the same answer to the seat again"))
        self.resend_btn.setVisible(False)
        self.status = QLabel()
        self.status.setObjectName("inboxStatus")
        self.status.setWordWrap(True)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.context, 1)
        form = QFormLayout()
        form.addRow(self.tr("Answer"), self.answer)
        form.addRow(self.tr("Category"), self.category)
        form.addRow(self.tr("Legal basis"), self.legal_basis)
        rv.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.send_btn)
        row.addWidget(self.resend_btn)
        row.addStretch(1)
        rv.addLayout(row)
        rv.addWidget(self.status)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(self.list)
        split.addWidget(right)
        lay = QVBoxLayout(self)
        lay.addWidget(self.banner)
        lay.addWidget(split, 1)

        self.send_btn.clicked.connect(self.send_answer)
        self.resend_btn.clicked.connect(self.resend)
        self.list.currentItemChanged.connect(lambda *_: self._show_selected())
        if messenger is not None:
            messenger.messageReceived.connect(self.on_message)
            messenger.messageFinished.connect(self.on_message_finished)
            if hasattr(messenger, "callChanged"):
                messenger.callChanged.connect(self.on_call)
        self.category.addItems(service.kb_categories())
        self.category.setEditText("")
        self.refresh()

    # --- messages in ------------------------------------------------------------------

    def on_message(self, from_uri: str, content_type: str, body: str) -> None:
        """A MESSAGE for this desk (wired to the engine's messageReceived)."""
        if not is_consult(content_type):
            return
        sender = number_of(from_uri)
        try:
            got = self.service.receive(body, from_uri, accept="question")
        except ConsultMessageError as e:
            if e.code == "not_for_this_desk":   # an answer: a seat's page takes it
                return
            text = unreadable_text(e, sender)
            self._unreadable.append((time.time(), text))
            self.status.setText(text)
            self.refresh()
            return
        except Exception as e:
            self.status.setText(explain(e))
            return
        q = got.question
        if got.transfer:
            self._transfers[q.uid] = time.time()
        self.status.setText(self.tr("New question from %1.").replace("%1", self._seat_text(q)))
        ringing = [cid for cid, uid in self._call_uid.items() if uid == q.uid]
        self.refresh(select=q.uid if ringing or self._selected_uid() is None else None)
        if ringing:
            self._show_banner(q, transfer=got.transfer)
        self.questionArrived.emit(q)

    # --- calls ------------------------------------------------------------------------

    def on_call(self, s) -> None:
        """Every call snapshot (wired to the engine's callChanged)."""
        if s.direction is not CallDirection.INCOMING:
            return
        if s.phase is CallPhase.ENDED:
            if self._call_uid.pop(s.call_id, None) is not None and not self._call_uid:
                self.banner.setVisible(False)
            return
        if s.call_id in self._call_uid:
            return
        uid = s.consult or self._transfer_for(s.peer_number)
        if not uid:
            return
        self._call_uid[s.call_id] = uid
        q = self.service.get(uid)
        if q is None:   # the call came before its context: the MESSAGE will fill it in
            self.banner.setText(self.tr("Consult call from %1; the context is on its way...")
                                .replace("%1", s.peer_number))
            self.banner.setVisible(True)
            return
        self.refresh(select=uid)
        self._show_banner(q, transfer=uid in self._transfers)

    def _transfer_for(self, number: str) -> str:
        now = time.time()
        for uid, at in sorted(self._transfers.items(), key=lambda kv: -kv[1]):
            q = self.service.get(uid)
            if q is not None and now - at < TRANSFER_MATCH_S and q.caller_number == number:
                return uid
        return ""

    def _show_banner(self, q, transfer: bool) -> None:
        head = (self.tr("Transferred caller %1 from %2") if transfer
                else self.tr("Consult call from %2 about caller %1"))
        text = head.replace("%1", q.caller_number or "?").replace("%2", self._seat_text(q))
        if q.case_number:
            text += " · " + self.tr("case %1").replace("%1", q.case_number)
        text += "\n" + q.question
        self.banner.setText(text)
        self.banner.setVisible(True)

    # --- answering --------------------------------------------------------------------

    def send_answer(self) -> str | None:
        uid = self._selected_uid()
        if uid is None:
            self.status.setText(self.tr("Choose a question first."))
            return None
        if self.messenger is None:
            self.status.setText(self.tr("This desk has no phone to send the answer with."))
            return None
        try:
            # Stored as "sending" with the answer: a desk that stops now finds
            # it as "answer delivery unknown" after the restart.
            q, body = self.service.answer(uid, self.answer.toPlainText(), by=self.judge_name,
                                          category=self.category.currentText(),
                                          legal_basis=self.legal_basis.text())
        except Exception as e:  # keep what the judge typed
            self.status.setText(self._error_text(e))
            return None
        if not q.seat:
            self.status.setText(self.tr("The answer is saved, but the question names no seat "
                                        "to send it to."))
            return None
        return uid if self._send(q, body) else None

    def resend(self) -> str | None:
        """Send the selected undelivered answer again: the same body as the
        first time, to the seat that asked."""
        uid = self._selected_uid()
        try:
            q = self.service.get(uid) if uid else None
            if not self.needs_resend(q):
                return None
            body = self.service.answer_body(uid)
        except Exception as e:
            self.status.setText(self._error_text(e))
            return None
        if self.messenger is None:
            self.status.setText(self.tr("This desk has no phone to send the answer with."))
            return None
        save_delivery(self.service.set_answer_delivery, uid, Delivery.SENDING,
                      status=self.status)
        return uid if self._send(q, body) else None

    def _send(self, q, body: str) -> bool:
        try:
            mid = self.messenger.send_message(q.seat, body, CONTENT_TYPE)
        except Exception as e:
            save_delivery(self.service.set_answer_delivery, q.uid, Delivery.FAILED, explain(e),
                          status=self.status)
            self.status.setText(self.tr("The answer is saved but not sent: %1")
                                .replace("%1", explain(e)))
            self.refresh(select=q.uid)
            return False
        self._sending[mid] = q.uid
        self.status.setText(self.tr("Sending the answer to %1...")
                            .replace("%1", self._seat_text(q)))
        self.refresh(select=q.uid)
        return True

    def on_message_finished(self, mid: int, code: int, reason: str) -> None:
        uid = self._sending.pop(mid, None)
        if uid is None:
            return
        q = self.service.get(uid)
        who = self._seat_text(q) if q else "?"
        if 200 <= code < 300:
            save_delivery(self.service.set_answer_delivery, uid, Delivery.DELIVERED,
                          status=self.status)
            self.status.setText(self.tr("%1 has the answer.").replace("%1", who))
            self._drafts.pop(uid, None)
        else:
            save_delivery(self.service.set_answer_delivery, uid, Delivery.FAILED,
                          f"{code} {reason}".strip(), status=self.status)
            self.status.setText(self.tr("The answer is saved but did not reach the seat: %1")
                                .replace("%1", delivery_problem(code, reason, who)))
        self.refresh(select=uid)

    def _in_flight(self, uid: str) -> bool:
        return uid in self._sending.values()

    def needs_resend(self, q) -> bool:
        """An answer the seat may not have, and not on its way now."""
        if q is None or q.status is not ConsultStatus.ANSWERED or self._in_flight(q.uid):
            return False
        return q.answer_delivery.undelivered

    # --- the list ---------------------------------------------------------------------

    def refresh(self, select: str | None = None) -> None:
        keep = select or self._selected_uid()
        try:
            questions = self.service.questions(limit=200)
            # Answers the seats may not have are listed however old they are.
            listed = {q.uid for q in questions}
            questions += [q for q in self.service.undelivered_answers()
                          if q.uid not in listed]
        except Exception as e:
            self.status.setText(explain(e))
            return
        questions.sort(key=lambda q: (q.status is not ConsultStatus.OPEN, -q.asked_at))
        self.list.blockSignals(True)
        try:
            self.list.clear()
            chosen = None
            for at, text in reversed(self._unreadable[-20:]):
                item = QTreeWidgetItem([when(at), "", text, self.tr("unreadable")])
                item.setForeground(2, QColor("#c62828"))
                item.setData(0, Qt.UserRole, None)
                self.list.addTopLevelItem(item)
            for q in questions:
                item = QTreeWidgetItem([when(q.asked_at), self._seat_text(q), q.question,
                                        self._status_text(q)])
                item.setData(0, Qt.UserRole, q.uid)
                if q.status is ConsultStatus.OPEN:
                    font = QFont(item.font(2))
                    font.setBold(True)
                    item.setFont(2, font)
                if self.needs_resend(q):
                    item.setForeground(3, QColor("#c62828"))
                self.list.addTopLevelItem(item)
                if q.uid == keep:
                    chosen = item
            if chosen is not None:
                self.list.setCurrentItem(chosen)
        finally:
            self.list.blockSignals(False)
        self._show_selected()

    def _status_text(self, q) -> str:
        if self._in_flight(q.uid):
            return self.tr("sending the answer...")
        if q.status is ConsultStatus.ANSWERED and q.answer_delivery is Delivery.FAILED:
            return self.tr("answer not delivered")
        if q.status is ConsultStatus.ANSWERED and q.answer_delivery is Delivery.SENDING:
            return self.tr("answer delivery unknown")   # the desk stopped before the outcome
        if q.status is ConsultStatus.ANSWERED:
            return self.tr("answered")
        return self.tr("by telephone") if q.channel is Channel.CALL else self.tr("open")

    def _selected_uid(self) -> str | None:
        item = self.list.currentItem()
        return item.data(0, Qt.UserRole) if item is not None else None

    def _show_selected(self) -> None:
        uid = self._selected_uid()
        try:
            q = self.service.get(uid) if uid else None
        except Exception as e:
            self.status.setText(explain(e))
            q = None
        self.send_btn.setEnabled(q is not None)
        resend = self.needs_resend(q)
        self.resend_btn.setVisible(resend)
        if q is None:
            item = self.list.currentItem()
            self.context.setPlainText(item.text(2) if item is not None else
                                      self.tr("No question selected."))
            return
        channel = (self.tr("transfer of the caller") if q.uid in self._transfers
                   else self.tr("consult call") if q.channel is Channel.CALL
                   else self.tr("written question"))
        rows = [(self.tr("Seat"), self._seat_text(q)), (self.tr("Caller"), q.caller_number),
                (self.tr("Case number"), q.case_number), (self.tr("Notes"), q.notes),
                (self.tr("Question"), q.question), (self.tr("How"), channel),
                (self.tr("Asked"), when(q.asked_at))]
        if q.status is ConsultStatus.ANSWERED:
            rows.append((self.tr("Answer"), q.answer))
            rows.append((self.tr("Answered"), f"{q.answered_by} {when(q.answered_at)}"))
        if resend:
            who = self._seat_text(q)
            rows.append(undelivered_row(q.answer_delivery, q.answer_delivery_note, who, self.tr(
                "The desk stopped before it learnt whether %1 got the answer. Send it again "
                "to be sure: the seat's desk does not list it twice.").replace(
                    "%1", who or self.tr("the seat"))))
        self.context.setHtml("<table cellspacing='4'>" + "".join(
            f"<tr><td style='color:#666;white-space:nowrap'>{html.escape(k)}</td>"
            f"<td>{html.escape(v).replace(chr(10), '<br>')}</td></tr>"
            for k, v in rows if v) + "</table>")
        if self._form_uid != uid:
            # Keep what was typed for the question left (another may have rung in).
            if self._form_uid is not None and self.answer.toPlainText().strip():
                self._drafts[self._form_uid] = (self.answer.toPlainText(),
                                                self.category.currentText(),
                                                self.legal_basis.text())
            self._form_uid = uid
            # An answered question shows its answer, to correct and send again.
            answer = q.answer if q.status is ConsultStatus.ANSWERED else ""
            answer, category, basis = self._drafts.pop(uid, (answer, "", ""))
            self.answer.setPlainText(answer)
            self.category.setEditText(category)
            self.legal_basis.setText(basis)
        self.send_btn.setText(self.tr("Send answer again") if q.status is ConsultStatus.ANSWERED
                              else self.tr("Send answer"))

    # --- words --------------------------------------------------------------------------

    def _seat_text(self, q) -> str:
        court = ""
        if self.directory is not None and q.court:
            c = self.directory.court(q.court)
            court = c.short_name if c is not None else q.court
        elif q.court:
            court = q.court
        name = " ".join(x for x in (q.seat_name, q.seat) if x)
        return f"{name} ({court})" if court else name

    def _error_text(self, e: Exception) -> str:
        code = getattr(e, "code", None)
        texts = {
            "empty_answer": self.tr("Type the answer first."),
            "too_long": self.tr("The answer is too long to send in one message: shorten it "
                                "by about %1 characters.").replace(
                                    "%1", str(getattr(e, "excess", 0) or 1)),
            "unknown_question": self.tr("That question is no longer in the store."),
            "not_answered": self.tr("That question has no answer to send yet."),
        }
        if type(e).__name__ == "ConsultError" and code in texts:
            return texts[code]
        return explain(e)

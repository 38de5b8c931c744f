"""The seat's "Ask the consulting judge" page.

A question the seat cannot answer from the knowledge base goes to a
consulting judge of the main platform, with the call's context (caller,
linked case, the seat's notes), in one of three ways:

- **written**: a SIP MESSAGE to the judge's desk; the answer comes back later
  as a MESSAGE and appears in the list below;
- **call**: the context goes ahead by MESSAGE, then the softphone calls the
  judge with ``X-Hotline-Consult: <uid>`` so the judge's desk shows this
  context with the ringing call;
- **transfer**: the same, but the caller is transferred to the judge (the
  header rides in the Refer-To, so the caller's INVITE carries it).

Answers are listed with who answered; one click saves an answer as a
knowledge-base article (question, answer and category pre-filled, the judge as
its updater, legal basis editable).

Messages go through a *messenger*: the SIP engine (``send_message``,
``messageReceived``, ``messageFinished``), by default ``ctx.engine``. The page
takes only bodies of content type ``CONTENT_TYPE``; an unreadable one is
listed as such and nothing else happens. What the seat typed stays in the form
until the judge's desk has the question.

Delivery (the MESSAGE's final response) is written through to the store with
the question (sending / delivered / failed, the SIP status, the judge's
number), so after a restart the list still shows a question the judge never
got as "not delivered", and one whose outcome the desk never learnt (still
"sending" when it stopped) as "delivery unknown", each with "Send again": the
same uid goes again, and the judge's desk, which keeps questions by uid, does
not list it twice.
"""
from __future__ import annotations

import html
import logging
import re
import time
from datetime import datetime

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSplitter,
                               QTextBrowser, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from app.domain.calls import CallDirection, CallPhase, number_of
from app.domain.consult import (CONTENT_TYPE, Channel, ConsultMessageError, ConsultStatus,
                                Delivery)
from ui.messages import explain

log = logging.getLogger(__name__)

CONSULT_HEADER = "X-Hotline-Consult"


def is_consult(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == CONTENT_TYPE


def when(at: float | None) -> str:
    return datetime.fromtimestamp(at).strftime("%m-%d %H:%M") if at else ""


def consulting_judges(directory):
    """The consulting judges of the main platform, from the directory."""
    if directory is None:
        return []
    main = directory.main_court().code
    return [e for e in directory.entries("consulting_judge") if e.court == main]


def delivery_problem(code: int, reason: str, who: str) -> str:
    """Why a MESSAGE did not reach the other desk, in a clerk's words."""
    status = f"{code} {reason}".strip()
    if code == 480:
        return QCoreApplication.translate(
            "Consult", "%1 is not signed in at the moment. Try another consulting judge, "
                       "or send again later.").replace("%1", who)
    if code == 404:
        return QCoreApplication.translate(
            "Consult", "%1 is not known to the phone system. Check the number, "
                       "or call IT staff.").replace("%1", who)
    if code in (0, 408, 503):
        return QCoreApplication.translate(
            "Consult", "The phone server did not answer. Check the network, then send again.")
    if code in (401, 403, 407):
        return QCoreApplication.translate(
            "Consult", "The phone server refused the message (%1). Call IT staff."
        ).replace("%1", status)
    return QCoreApplication.translate(
        "Consult", "Not delivered (%1). Send again, or call IT staff if it goes on."
    ).replace("%1", status)


_SIP_STATUS = re.compile(r"^(\d{1,3})(?: (.*))?$")


def stored_problem(note: str, who: str) -> str:
    """The clerk's words for a stored delivery note: a SIP final status
    ("404 Not Found") or the error the desk met when sending."""
    m = _SIP_STATUS.match(note.strip())
    if m:
        return delivery_problem(int(m.group(1)), m.group(2) or "", who)
    return QCoreApplication.translate("Consult", "Not sent: %1").replace(
        "%1", note or "?")


def undelivered_row(delivery: Delivery, note: str, who: str,
                    unknown: str) -> tuple[str, str] | None:
    """The detail row of a desk's own message the other desk may not have:
    FAILED with the stored problem in the clerk's words, SENDING with no
    outcome (the desk stopped while sending) with ``unknown``."""
    if delivery is Delivery.FAILED:
        return (QCoreApplication.translate("Consult", "Not delivered"),
                stored_problem(note, who))
    if delivery is Delivery.SENDING:
        return (QCoreApplication.translate("Consult", "Delivery unknown"), unknown)
    return None


def save_delivery(write, uid: str, delivery: Delivery, note: str = "", *, status: QLabel,
                  **kw) -> None:
    """Write a delivery state through to the store (``write``: the service's
    set_delivery or set_answer_delivery); a store that fails is said in
    ``status``, and the message goes on."""
    try:
        write(uid, delivery, note, **kw)
    except Exception as e:
        log.warning("consult %s: delivery %s not stored: %s", uid, delivery.value, e)
        status.setText(QCoreApplication.translate(
            "Consult", "The delivery state was not saved: %1").replace("%1", explain(e)))


def unreadable_text(e: ConsultMessageError, sender: str) -> str:
    """An unreadable consult message, as listed on the page."""
    if e.code == "not_judge":
        why = QCoreApplication.translate("Consult", "it does not come from a consulting judge")
    elif e.code == "too_long":
        why = QCoreApplication.translate("Consult", "it is too long")
    elif e.code == "bad_version":
        why = QCoreApplication.translate("Consult", "it was sent by another version of the desktop")
    else:
        why = QCoreApplication.translate("Consult", "its content is damaged")
    return QCoreApplication.translate("Consult", "Unreadable message from %1: %2.").replace(
        "%1", sender or "?").replace("%2", why)


class ConsultPage(QWidget):
    # ConsultQuestion: an answer arrived for one of this seat's questions.
    answerArrived = Signal(object)
    # Article: an answer was saved in the knowledge base.
    articleSaved = Signal(object)

    def __init__(self, ctx, service, messenger=None, judges=None, parent=None):
        super().__init__(parent)
        self.setObjectName("consultPage")
        self.ctx = ctx
        self.service = service
        self.messenger = messenger if messenger is not None else ctx.engine
        self.judges = list(judges) if judges is not None else consulting_judges(ctx.directory)
        self._sending: dict[int, tuple[str, str, str]] = {}   # msg id -> (uid, action, judge)
        self._actions: dict[str, str] = {}                    # uid -> "", call, transfer
        self._form_text: tuple[str, str] | None = None        # (uid, question) sent from the form
        self._resend_shown: str | None = None                 # uid whose judge the combo shows
        self._unreadable: list[tuple[float, str]] = []        # (at, text)
        self._form_uid: str | None = None

        # --- the question and its context
        self.caller = QLabel()
        self.caller.setObjectName("consultCaller")
        self.case = QLineEdit()
        self.case.setObjectName("consultCase")
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("consultNotes")
        self.notes.setMaximumHeight(70)
        self.judge = QComboBox()
        self.judge.setObjectName("consultJudge")
        for j in self.judges:
            self.judge.addItem(f"{j.name} {j.number}", j.number)
        self.question = QPlainTextEdit()
        self.question.setObjectName("consultQuestion")
        self.question.setPlaceholderText(self.tr("What the caller asks, in the caller's words"))
        self.question.setMaximumHeight(90)
        self.send_btn = QPushButton(self.tr("Send written question"))
        self.send_btn.setObjectName("consultSend")
        self.call_btn = QPushButton(self.tr("Call the judge with this context"))
        self.call_btn.setObjectName("consultCall")
        self.transfer_btn = QPushButton(self.tr("Transfer the caller to the judge"))
        self.transfer_btn.setObjectName("consultTransfer")
        self.status = QLabel()
        self.status.setObjectName("consultStatus")
        self.status.setWordWrap(True)
        ask = QGroupBox(self.tr("Ask the consulting judge"))
        form = QFormLayout(ask)
        form.addRow(self.tr("Caller"), self.caller)
        form.addRow(self.tr("Case number"), self.case)
        form.addRow(self.tr("Notes"), self.notes)
        form.addRow(self.tr("Consulting judge"), self.judge)
        form.addRow(self.tr("Question"), self.question)
        buttons = QHBoxLayout()
        for b in (self.send_btn, self.call_btn, self.transfer_btn):
            buttons.addWidget(b)
        buttons.addStretch(1)
        form.addRow(buttons)
        form.addRow(self.status)

        # --- questions and answers
        self.list = QTreeWidget()
        self.list.setObjectName("consultList")
        self.list.setRootIsDecorated(False)
        self.list.setHeaderLabels([self.tr("Asked"), self.tr("Question"), self.tr("Status")])
        self.list.header().setStretchLastSection(False)
        self.list.header().setSectionResizeMode(1, QHeaderView.Stretch)
        self.list.header().setSectionResizeMode(2, QHeaderView.ResizeToContents)
        self.detail = QTextBrowser()
        self.detail.setObjectName("consultDetail")
        self.resend_btn = QPushButton(self.tr("Send again"))
        self.resend_btn.setObjectName("consultResend")
        self.kb_box = QGroupBox(self.tr("Save as knowledge-base article"))
        self.kb_question = QLineEdit()
        self.kb_question.setObjectName("kbQuestion")
        self.kb_answer = QPlainTextEdit()
        self.kb_answer.setObjectName("kbAnswer")
        self.kb_answer.setMaximumHeight(90)
        self.kb_category = QComboBox()
        self.kb_category.setObjectName("kbCategory")
        self.kb_category.setEditable(True)
        self.kb_tags = QLineEdit()
        self.kb_tags.setObjectName("kbTags")
        self.kb_legal_basis = QLineEdit()
        self.kb_legal_basis.setObjectName("kbLegalBasis")
        self.kb_save_btn = QPushButton(self.tr("Save as knowledge-base article"))
        self.kb_save_btn.setObjectName("saveToKb")
        kb_form = QFormLayout(self.kb_box)
        kb_form.addRow(self.tr("Question"), self.kb_question)
        kb_form.addRow(self.tr("Answer"), self.kb_answer)
        kb_form.addRow(self.tr("Category"), self.kb_category)
        kb_form.addRow(self.tr("Tags"), self.kb_tags)
        kb_form.addRow(self.tr("Legal basis"), self.kb_legal_basis)
        kb_form.addRow(self.kb_save_btn)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.detail, 1)
        rv.addWidget(self.resend_btn)
        rv.addWidget(self.kb_box)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(self.list)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        # The seat drags the line between asking and the answers to suit the screen.
        outer = QSplitter(Qt.Vertical)
        outer.addWidget(ask)
        outer.addWidget(split)
        outer.setStretchFactor(1, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(outer, 1)

        self.send_btn.clicked.connect(lambda: self.ask(Channel.WRITTEN))
        self.call_btn.clicked.connect(lambda: self.ask(Channel.CALL))
        self.transfer_btn.clicked.connect(lambda: self.ask(Channel.CALL, transfer=True))
        self.resend_btn.clicked.connect(self.resend)
        self.kb_save_btn.clicked.connect(self.save_to_kb)
        self.list.currentItemChanged.connect(lambda *_: self._show_selected())
        ctx.currentCallChanged.connect(self._on_current_call)
        ctx.caseLinked.connect(self.case.setText)
        if self.messenger is not None:
            self.messenger.messageReceived.connect(self.on_message)
            self.messenger.messageFinished.connect(self.on_message_finished)
        self._on_current_call(ctx.current_call)
        self.refresh()
        self._show_selected()

    # --- the call in hand -----------------------------------------------------------

    def _on_current_call(self, s) -> None:
        if s is None:
            self.caller.setText(self.tr("No call in hand."))
        else:
            self.caller.setText(s.peer_number or s.peer_uri)
            if not self.case.text():
                self.case.setText(self.ctx.case_number)
            if not self.notes.toPlainText() and self.ctx.notes:
                self.notes.setPlainText(self.ctx.notes)
        can = (s is not None and s.direction is CallDirection.INCOMING
               and s.phase is CallPhase.ACTIVE and self.ctx.engine is not None)
        self.transfer_btn.setEnabled(can)

    def start_question(self, text: str) -> None:
        """Pre-fill the question (e.g. what the seat searched the knowledge base for)."""
        if text and not self.question.toPlainText().strip():
            self.question.setPlainText(text)
        self.question.setFocus()

    # --- asking ---------------------------------------------------------------------

    def ask(self, channel: Channel = Channel.WRITTEN, transfer: bool = False) -> str | None:
        """Store the question and send it to the chosen judge; returns its uid."""
        judge = self.judge.currentData()
        if not judge:
            self.status.setText(self.tr("No consulting judge is listed in the directory."))
            return None
        if self.messenger is None:
            self.status.setText(self.tr("This desk has no phone to send the question with."))
            return None
        call = self.ctx.current_call
        if transfer and (call is None or call.phase is not CallPhase.ACTIVE):
            self.status.setText(self.tr("There is no caller on the line to transfer."))
            return None
        try:
            # Stored as "sending" to this judge before it goes: a desk that
            # stops now finds it as "delivery unknown" after the restart.
            q, body = self.service.ask(
                self.question.toPlainText(), channel=channel, seat=self.ctx.seat,
                seat_name=self.ctx.seat_name, court=self.ctx.court,
                caller_number=self.ctx.caller_number, case_number=self.case.text().strip(),
                notes=self.notes.toPlainText(), transfer=transfer, to=judge)
        except Exception as e:  # keep the form as typed
            self.status.setText(self._error_text(e))
            return None
        action = "transfer" if transfer else ("call" if channel is Channel.CALL else "")
        self._form_text = (q.uid, q.question)
        self._send(q.uid, body, judge, action, stored=True)
        self.refresh(select=q.uid)
        return q.uid

    def _send(self, uid: str, body: str, judge: str, action: str, stored: bool = False) -> None:
        self._actions[uid] = action
        if not stored:
            self._record(uid, Delivery.SENDING, to=judge)
        try:
            mid = self.messenger.send_message(judge, body, CONTENT_TYPE)
        except Exception as e:
            self._record(uid, Delivery.FAILED, explain(e))
            self.status.setText(self.tr("Not sent: %1").replace("%1", explain(e)))
            return
        self._sending[mid] = (uid, action, judge)
        self.status.setText(self.tr("Sending the question to %1...").replace(
            "%1", self._judge_name(judge)))

    def _record(self, uid: str, delivery: Delivery, note: str = "",
                to: str | None = None) -> None:
        save_delivery(self.service.set_delivery, uid, delivery, note, status=self.status,
                      to=to)

    def _in_flight(self, uid: str) -> bool:
        return any(item[0] == uid for item in self._sending.values())

    def needs_resend(self, q) -> bool:
        """An open question the judge's desk may not have, and not on its way now."""
        if q is None or q.status is not ConsultStatus.OPEN or self._in_flight(q.uid):
            return False
        return q.delivery.undelivered

    def resend(self) -> None:
        """Send the selected undelivered question again (the same uid) to the
        judge chosen above (preset to the one it went to)."""
        uid = self._selected_uid()
        q = self.service.get(uid) if uid else None
        if not self.needs_resend(q):
            return
        judge = self.judge.currentData() or q.delivery_to
        if not judge:
            self.status.setText(self.tr("No consulting judge is listed in the directory."))
            return
        if self.messenger is None:
            self.status.setText(self.tr("This desk has no phone to send the question with."))
            return
        action = self._actions.get(uid, "")   # after a restart: in writing
        try:
            body = self.service.question_body(uid, transfer=(action == "transfer"))
        except Exception as e:
            self.status.setText(self._error_text(e))
            return
        self._send(uid, body, judge, action)
        self.refresh(select=uid)

    def on_message_finished(self, mid: int, code: int, reason: str) -> None:
        item = self._sending.pop(mid, None)
        if item is None:
            return
        uid, action, judge = item
        who = self._judge_name(judge)
        if not 200 <= code < 300:
            problem = delivery_problem(code, reason, who)
            self._record(uid, Delivery.FAILED, f"{code} {reason}".strip())
            self.status.setText(problem)
            self.refresh(select=uid)
            return
        self._record(uid, Delivery.DELIVERED)
        self._actions.pop(uid, None)
        if self._form_text is not None and self._form_text[0] == uid:
            # Free the form for the next question, unless the seat has typed another.
            if self.question.toPlainText().strip() == self._form_text[1]:
                self.question.clear()
            self._form_text = None
        if action == "call":
            self.status.setText(self.tr("Calling %1; the context is on the judge's screen.")
                                .replace("%1", who))
            self.ctx.dial(judge, {CONSULT_HEADER: uid})
        elif action == "transfer":
            self._transfer(uid, judge, who)
        else:
            self.status.setText(self.tr("%1 has the question. The answer will appear below.")
                                .replace("%1", who))
        self.refresh(select=uid)

    def _transfer(self, uid: str, judge: str, who: str) -> None:
        call = self.ctx.current_call
        if call is None or call.phase is not CallPhase.ACTIVE:
            self.status.setText(self.tr("The caller has hung up; %1 has the question in writing.")
                                .replace("%1", who))
            return
        try:
            self.ctx.engine.blind_transfer(call.call_id, judge, {CONSULT_HEADER: uid})
        except Exception as e:
            self.status.setText(self.tr("The transfer failed: %1. %2 has the question in writing.")
                                .replace("%1", explain(e)).replace("%2", who))
            return
        self.status.setText(self.tr("Transferring the caller to %1 with the context.")
                            .replace("%1", who))

    # --- answers coming back --------------------------------------------------------

    def on_message(self, from_uri: str, content_type: str, body: str) -> None:
        """A MESSAGE for this desk (wired to the engine's messageReceived)."""
        if not is_consult(content_type):
            return
        sender = number_of(from_uri)
        try:
            got = self.service.receive(body, from_uri, accept="answer")
        except ConsultMessageError as e:
            if e.code == "not_for_this_desk":   # a question: the judge's inbox takes it
                log.info("consult question from %s ignored on a seat's desk", sender)
                return
            text = unreadable_text(e, sender)
            self._unreadable.append((time.time(), text))
            self.status.setText(text)
            self.refresh()
            return
        except Exception as e:  # the store failed: say so
            self.status.setText(explain(e))
            return
        q = got.question
        self.status.setText(self.tr("%1 answered: %2").replace("%1", q.answered_by or sender)
                            .replace("%2", q.question[:40]))
        self._form_uid = None  # pre-fill the article afresh from the answer
        self.refresh(select=q.uid)
        self.answerArrived.emit(q)
        self.ctx.bring_forward(self)

    # --- the knowledge base ---------------------------------------------------------

    def save_to_kb(self):
        uid = self._selected_uid()
        if uid is None:
            return None
        try:
            article = self.service.promote_to_kb(
                uid, question=self.kb_question.text(), answer=self.kb_answer.toPlainText(),
                category=self.kb_category.currentText(), tags=self.kb_tags.text(),
                legal_basis=self.kb_legal_basis.text())
        except Exception as e:  # keep the form as typed
            self.status.setText(self.tr("Not saved in the knowledge base: %1")
                                .replace("%1", self._error_text(e)))
            return None
        self.status.setText(self.tr("Saved in the knowledge base: \u201c%1\u201d.")
                            .replace("%1", article.question))
        self.refresh(select=uid)
        self.articleSaved.emit(article)
        return article

    # --- the list ---------------------------------------------------------------------

    def refresh(self, select: str | None = None) -> None:
        keep = select or self._selected_uid()
        try:
            questions = self.service.questions(seat=self.ctx.seat, limit=100)
            # Undelivered ones are listed however old they are.
            listed = {q.uid for q in questions}
            questions += [q for q in self.service.undelivered(seat=self.ctx.seat)
                          if q.uid not in listed]
            questions.sort(key=lambda q: q.asked_at, reverse=True)
        except Exception as e:
            self.status.setText(explain(e))
            return
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for at, text in reversed(self._unreadable[-20:]):
                item = QTreeWidgetItem([when(at), text, self.tr("unreadable")])
                item.setForeground(1, QColor("#c62828"))
                item.setData(0, Qt.UserRole, None)
                self.list.addTopLevelItem(item)
            chosen = None
            for q in questions:
                item = QTreeWidgetItem([when(q.asked_at), q.question, self._status_text(q)])
                item.setData(0, Qt.UserRole, q.uid)
                if q.status is ConsultStatus.ANSWERED:
                    item.setForeground(2, QColor("#2e7d32"))
                elif self.needs_resend(q):
                    item.setForeground(2, QColor("#c62828"))
                self.list.addTopLevelItem(item)
                if q.uid == keep:
                    chosen = item
            if chosen is not None:
                self.list.setCurrentItem(chosen)
        finally:
            self.list.blockSignals(False)
        self._show_selected()

    def _status_text(self, q) -> str:
        if q.status is ConsultStatus.ANSWERED:
            text = self.tr("answered by %1").replace("%1", q.answered_by or "?")
            if q.kb_article_id is not None:
                text += self.tr(" · in the knowledge base")
            return text
        if self._in_flight(q.uid):
            return self.tr("sending...")
        if q.delivery is Delivery.FAILED:
            return self.tr("not delivered")
        if q.delivery is Delivery.SENDING:   # the desk stopped before the outcome
            return self.tr("delivery unknown")
        return self.tr("waiting for the answer")

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
        resend = self.needs_resend(q)
        self.resend_btn.setVisible(resend)
        if resend and self._resend_shown != uid:
            # "Send again" goes to the judge chosen above: preset the one it went to.
            self._resend_shown = uid
            i = self.judge.findData(q.delivery_to) if q.delivery_to else -1
            if i >= 0:
                self.judge.setCurrentIndex(i)
        if q is None:
            self.kb_box.setVisible(False)
            item = self.list.currentItem()
            self.detail.setPlainText(item.text(1) if item is not None else "")
            return
        rows = [(self.tr("Question"), q.question), (self.tr("Caller"), q.caller_number),
                (self.tr("Case number"), q.case_number), (self.tr("Notes"), q.notes)]
        if resend:
            who = self._judge_name(q.delivery_to)
            rows.append(undelivered_row(q.delivery, q.delivery_note, who, self.tr(
                "The desk stopped before it learnt whether %1 got the question. Send it "
                "again to be sure: the judge's desk does not list it twice.").replace(
                    "%1", who or self.tr("the judge"))))
        if q.status is ConsultStatus.ANSWERED:
            rows.append((self.tr("Answer"), q.answer))
            rows.append((self.tr("Answered"), f"{q.answered_by} {when(q.answered_at)}"))
        self.detail.setHtml("<table cellspacing='4'>" + "".join(
            f"<tr><td style='color:#666;white-space:nowrap'>{html.escape(k)}</td>"
            f"<td>{html.escape(v).replace(chr(10), '<br>')}</td></tr>"
            for k, v in rows if v) + "</table>")
        answered = q.status is ConsultStatus.ANSWERED
        self.kb_box.setVisible(answered)
        if answered and self._form_uid != uid:
            self._prefill_kb(q)

    def _prefill_kb(self, q) -> None:
        self._form_uid = q.uid
        hint = self.service.suggestions(q.uid)
        self.kb_question.setText(q.question)
        self.kb_answer.setPlainText(q.answer)
        category = (hint.category if hint and hint.category
                    else self.service.suggested_category(q.question))
        self.kb_category.clear()
        self.kb_category.addItems(self.service.kb_categories())
        self.kb_category.setEditText(category)
        self.kb_tags.setText("")
        self.kb_legal_basis.setText(hint.legal_basis if hint else "")
        self.kb_save_btn.setText(self.tr("Update the knowledge-base article")
                                 if q.kb_article_id is not None
                                 else self.tr("Save as knowledge-base article"))

    # --- words --------------------------------------------------------------------------

    def _judge_name(self, number: str) -> str:
        for j in self.judges:
            if j.number == number:
                return f"{j.name} ({number})"
        return number

    def _error_text(self, e: Exception) -> str:
        code = getattr(e, "code", None)
        texts = {
            "empty_question": self.tr("Type the question first."),
            "too_long": self.tr("The question and the notes are too long to send in one "
                                "message: shorten them by about %1 characters.").replace(
                                    "%1", str(getattr(e, "excess", 0) or 1)),
            "unknown_question": self.tr("That question is no longer in the store."),
            "no_knowledge_base": self.tr("This desk has no knowledge base."),
        }
        if type(e).__name__ == "ConsultError" and code in texts:
            return texts[code]
        if isinstance(e, ValueError) and "question and an answer" in str(e):
            return self.tr("An article needs a question and an answer.")
        return explain(e)

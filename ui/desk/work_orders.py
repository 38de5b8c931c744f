"""The work-orders page: dispatch an order to a judge, follow it up, or phone
down the urgent escalation ladder.

UI side. Three parts, all about the case linked to the call in hand
(``DeskContext.case_number``; the seat may also type a case number, or find a
judge by name when the case is not in the case directory):

- **Dispatch** (派单): the recipient (the case judge, or the division: its SMS
  goes to the chief's mobile) picked from the directory, the mobile, the
  caller, the request, the urgency and a due time pre-filled by urgency
  (DuePolicy), with a live preview of the SMS. "Send work order" stores the
  order and sends the SMS on a worker thread; the SMS result lands on the
  order (the list shows "SMS failed" and "Resend SMS" sends it again). A
  refused form keeps everything typed and says what to fix.
- **Orders**: the orders, with status colours (overdue red), and the
  buttons the seat uses when the judge replies (usually by phone):
  Acknowledged, Done, Cancel, with an optional note, and the order's events.
  A timer runs the due-time check every minute (overdue marking, reminders).
- **Urgent ladder**: judge, division office, division chief, one "Call"
  button each, dialled through the softphone (``ctx.dial``). Each attempt is
  recorded with its outcome by following ``ctx.callChanged`` for that call;
  a rung that rings longer than the ring timeout is hung up (when the desk
  has an engine) and counts as no answer; the next rung is highlighted. The
  caller's call is put on hold before a rung is dialled. "Send work order
  instead" turns the ladder into an urgent order, linked to the attempts.

Constructor: ``WorkOrdersPage(ctx, orders, ladder, *, find_case=None,
ring_timeout_s=30.0, check_interval_ms=60_000)``: a DeskContext, a
WorkOrderService, an EscalationService, and ``find_case(case_number)``
returning a Case-like object (``court_code``, ``division``, ``judge``) or None.
"""
from __future__ import annotations

import html
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QDateTime, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateTimeEdit, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPlainTextEdit, QPushButton, QTableView, QTextBrowser,
                               QVBoxLayout, QWidget)

from app.domain.calls import CallPhase, CallSnapshot
from app.domain.escalation import LadderStep, Outcome, Rung, next_step
from app.domain.work_orders import (CaseRef, OrderStatus, Recipient, RecipientKind, SmsStatus,
                                    Urgency, WorkOrderDraft, case_ref_of, sms_parts)
from ui.messages import explain

log = logging.getLogger(__name__)

RED, GREEN, BLUE, GREY = "#c62828", "#2e7d32", "#1565c0", "#757575"


def _when(at: float | None) -> str:
    return datetime.fromtimestamp(at).strftime("%m-%d %H:%M") if at else ""


class WorkOrderModel(QAbstractTableModel):
    """The orders as a table; ``rows`` are WorkOrder values."""
    COLUMNS = ("id", "case", "recipient", "urgency", "due", "status", "sms")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows = []

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role != Qt.DisplayRole or orientation != Qt.Horizontal:
            return None
        return (self.tr("No."), self.tr("Case"), self.tr("To"), self.tr("Urgency"),
                self.tr("Due"), self.tr("Status"), self.tr("SMS"))[section]

    def status_text(self, status: OrderStatus) -> str:
        return {OrderStatus.SENT: self.tr("sent"), OrderStatus.ACKNOWLEDGED: self.tr("acknowledged"),
                OrderStatus.DONE: self.tr("done"), OrderStatus.OVERDUE: self.tr("overdue"),
                OrderStatus.CANCELLED: self.tr("cancelled")}[status]

    def sms_text(self, sms: SmsStatus) -> str:
        return {SmsStatus.NONE: "", SmsStatus.PENDING: self.tr("sending..."),
                SmsStatus.SENT: self.tr("sent"), SmsStatus.FAILED: self.tr("SMS failed")}[sms]

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        o = self.rows[index.row()]
        col = self.COLUMNS[index.column()]
        if role == Qt.DisplayRole:
            return {
                "id": str(o.id), "case": o.case_number, "recipient": o.recipient_name,
                "urgency": self.tr("urgent") if o.urgency is Urgency.URGENT else self.tr("normal"),
                "due": _when(o.due_at), "status": self.status_text(o.status),
                "sms": self.sms_text(o.sms_status),
            }[col]
        if role == Qt.ForegroundRole:
            if col == "sms" and o.sms_status is SmsStatus.FAILED:
                return QColor(RED)
            if col == "urgency" and o.urgency is Urgency.URGENT:
                return QColor(RED)
            return QColor({OrderStatus.OVERDUE: RED, OrderStatus.DONE: GREEN,
                           OrderStatus.ACKNOWLEDGED: BLUE, OrderStatus.CANCELLED: GREY}
                          .get(o.status, "#000000"))
        if role == Qt.UserRole:
            return o
        return None


class WorkOrdersPage(QWidget):
    # (WorkOrder): an order was stored (its SMS may still be on its way).
    orderCreated = Signal(object)
    # (SmsJob, outcome, finish): an SMS send finished on the worker thread.
    _smsDone = Signal(object, object, object)

    def __init__(self, ctx, orders, ladder, *, find_case=None, ring_timeout_s: float = 30.0,
                 check_interval_ms: int = 60_000, parent=None):
        super().__init__(parent)
        self.setObjectName("workOrdersPage")
        self.ctx = ctx
        self.orders = orders
        self.ladder = ladder
        self.find_case = find_case
        self.ring_timeout_s = float(ring_timeout_s)
        self.ref: CaseRef | None = None
        self.recipients: list[Recipient] = []
        self.steps: list[LadderStep] = []
        self.attempts = []                     # this case's ladder attempts, oldest first
        self._live: dict[int, int] = {}        # engine call id -> attempt id
        self._gave_up: set[int] = set()        # call ids hung up by the ring timeout
        self._link_attempts: list[int] = []    # attempts to tie to the next order
        self._caller_call_id: int | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sms")
        orders.set_dispatcher(self._dispatch_sms)
        self._smsDone.connect(self._on_sms_done)

        # --- case -------------------------------------------------------------
        self.case_edit = QLineEdit()
        self.case_edit.setObjectName("woCase")
        self.case_edit.setPlaceholderText(self.tr("Case number (linked after a lookup)"))
        self.case_edit.editingFinished.connect(lambda: self.set_case(self.case_edit.text()))
        self.judge_find = QLineEdit()
        self.judge_find.setObjectName("woJudgeFind")
        self.judge_find.setPlaceholderText(self.tr("...or find a judge by name or number"))
        self.judge_find.returnPressed.connect(self.find_judge)
        self.case_info = QLabel()
        self.case_info.setObjectName("woCaseInfo")
        self.case_info.setWordWrap(True)

        # --- dispatch form ----------------------------------------------------
        self.recipient = QComboBox()
        self.recipient.setObjectName("woRecipient")
        self.recipient.currentIndexChanged.connect(self._on_recipient)
        self.mobile = QLineEdit()
        self.mobile.setObjectName("woMobile")
        self.caller_name = QLineEdit()
        self.caller_name.setObjectName("woCallerName")
        self.caller_number = QLineEdit()
        self.caller_number.setObjectName("woCallerNumber")
        self.content = QPlainTextEdit()
        self.content.setObjectName("woContent")
        self.content.setPlaceholderText(self.tr("What is the judge asked to do? "
                                                "(Never write an ID number here.)"))
        self.content.setFixedHeight(70)
        self.urgency = QComboBox()
        self.urgency.setObjectName("woUrgency")
        # Plain strings as item data: Qt turns a str-based enum into a bare str.
        self.urgency.addItem(self.tr("Normal"), Urgency.NORMAL.value)
        self.urgency.addItem(self.tr("Urgent"), Urgency.URGENT.value)
        self.urgency.currentIndexChanged.connect(self._refill_due)
        self.due = QDateTimeEdit()
        self.due.setObjectName("woDue")
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.preview = QLabel()
        self.preview.setObjectName("woPreview")
        self.preview.setWordWrap(True)
        self.preview.setStyleSheet("color:#555")
        self.send_btn = QPushButton(self.tr("Send work order"))
        self.send_btn.setObjectName("woSend")
        self.send_btn.clicked.connect(self.send_order)
        self.form_message = QLabel()
        self.form_message.setObjectName("woFormMessage")
        self.form_message.setWordWrap(True)
        for w in (self.mobile, self.caller_name, self.caller_number):
            w.textChanged.connect(self._update_preview)
        self.content.textChanged.connect(self._update_preview)
        self.due.dateTimeChanged.connect(self._update_preview)

        form_box = QGroupBox(self.tr("Dispatch a work order"))
        form = QFormLayout(form_box)
        form.addRow(self.tr("To"), self.recipient)
        form.addRow(self.tr("Mobile for the SMS"), self.mobile)
        form.addRow(self.tr("Caller's name"), self.caller_name)
        form.addRow(self.tr("Caller's number"), self.caller_number)
        form.addRow(self.tr("Request"), self.content)
        form.addRow(self.tr("Urgency"), self.urgency)
        form.addRow(self.tr("Due by"), self.due)
        form.addRow(self.tr("SMS"), self.preview)
        form.addRow(self.send_btn)
        form.addRow(self.form_message)

        # --- urgent ladder ----------------------------------------------------
        ladder_box = QGroupBox(self.tr("Urgent: phone down the ladder"))
        self.ladder_grid = QGridLayout()
        self.ladder_rows: list[tuple[QLabel, QLabel, QLabel, QPushButton]] = []
        self.ladder_message = QLabel()
        self.ladder_message.setObjectName("woLadderMessage")
        self.ladder_message.setWordWrap(True)
        self.instead_btn = QPushButton(self.tr("Send work order instead"))
        self.instead_btn.setObjectName("woInstead")
        self.instead_btn.clicked.connect(self.order_instead)
        lv = QVBoxLayout(ladder_box)
        lv.addLayout(self.ladder_grid)
        lv.addWidget(self.ladder_message)
        lv.addWidget(self.instead_btn)

        # --- the orders -------------------------------------------------------
        self.model = WorkOrderModel(self)
        self.table = QTableView()
        self.table.setObjectName("woTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectRows)
        self.table.setSelectionMode(QTableView.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._show_events)
        self.open_only = QCheckBox(self.tr("Open orders only"))
        self.open_only.setObjectName("woOpenOnly")
        self.open_only.setChecked(True)
        self.open_only.toggled.connect(self.refresh)
        self.note = QLineEdit()
        self.note.setObjectName("woNote")
        self.note.setPlaceholderText(self.tr("Note (who replied, how)"))
        self.ack_btn = QPushButton(self.tr("Acknowledged"))
        self.ack_btn.setObjectName("woAck")
        self.done_btn = QPushButton(self.tr("Done"))
        self.done_btn.setObjectName("woDone")
        self.cancel_btn = QPushButton(self.tr("Cancel order"))
        self.cancel_btn.setObjectName("woCancel")
        self.resend_btn = QPushButton(self.tr("Resend SMS"))
        self.resend_btn.setObjectName("woResend")
        self.ack_btn.clicked.connect(lambda: self._act("ack"))
        self.done_btn.clicked.connect(lambda: self._act("done"))
        self.cancel_btn.clicked.connect(lambda: self._act("cancel"))
        self.resend_btn.clicked.connect(lambda: self._act("resend"))
        self.list_message = QLabel()
        self.list_message.setObjectName("woListMessage")
        self.list_message.setWordWrap(True)
        self.events = QTextBrowser()
        self.events.setObjectName("woEvents")
        self.events.setMaximumHeight(110)
        actions = QHBoxLayout()
        actions.addWidget(self.note, 2)
        for b in (self.ack_btn, self.done_btn, self.cancel_btn, self.resend_btn):
            actions.addWidget(b)
        list_box = QGroupBox(self.tr("Work orders"))
        lb = QVBoxLayout(list_box)
        lb.addWidget(self.open_only)
        lb.addWidget(self.table, 1)
        lb.addLayout(actions)
        lb.addWidget(self.list_message)
        lb.addWidget(self.events)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Case")))
        top.addWidget(self.case_edit, 2)
        top.addWidget(self.judge_find, 1)
        left = QVBoxLayout()
        left.addWidget(form_box)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(ladder_box)
        right.addWidget(list_box, 1)
        cols = QHBoxLayout()
        cols.addLayout(left, 1)
        cols.addLayout(right, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.case_info)
        lay.addLayout(cols, 1)

        ctx.caseLinked.connect(self.set_case)
        ctx.callChanged.connect(self._on_call)
        ctx.currentCallChanged.connect(self._on_current_call)
        self.timer = QTimer(self)
        self.timer.setInterval(int(check_interval_ms))
        self.timer.timeout.connect(self.check_due)
        self.timer.start()
        self._refill_due()
        self.set_case(ctx.case_number or "")
        self.refresh()

    # --- the case and who to reach -------------------------------------------------
    def set_case(self, case_number: str) -> None:
        """Show recipients and ladder for ``case_number`` (from a lookup, or typed)."""
        case_number = (case_number or "").strip()
        if self.case_edit.text() != case_number:
            self.case_edit.setText(case_number)
        if self.ref is not None and self.ref.case_number == case_number and case_number:
            return
        ref = None
        if case_number and self.find_case is not None:
            try:
                found = self.find_case(case_number)
                ref = case_ref_of(found)
            except Exception as e:      # the case source is down: the seat can still find a judge
                log.warning("work orders: case %s not resolved: %r", case_number, e)
            if ref is not None and not ref.court_code:
                ref = self._with_court_code(ref, getattr(found, "court_name", ""))
        if ref is None and case_number:
            ref = CaseRef(case_number, self.ctx.court or "")
        self._use(ref)

    def _with_court_code(self, ref: CaseRef, court_name: str) -> CaseRef:
        """A caller-safe view (PartyView) names the court, not its code."""
        d = self.ctx.directory
        court = next((c for c in d.courts() if court_name in (c.name, c.short_name)), None) \
            if d is not None and court_name else None
        code = court.code if court is not None else (self.ctx.court or "")
        return CaseRef(ref.case_number, code, ref.division, ref.judge)

    def find_judge(self) -> None:
        """Use a judge found in the directory by name or number (no case record needed)."""
        text = self.judge_find.text().strip()
        d = self.ctx.directory
        hits = [e for e in d.search(text, limit=50) if e.kind == "judge"] if d and text else []
        if self.ctx.court:
            hits.sort(key=lambda e: e.court != self.ctx.court)
        if not hits:
            self.case_info.setText(self.tr("No judge found for %1.").replace("%1", text))
            return
        e = hits[0]
        self._use(CaseRef(self.case_edit.text().strip(), e.court, e.division, e.name))

    def _use(self, ref: CaseRef | None) -> None:
        self.ref = ref
        self.recipients = self.orders.recipients(ref) if ref is not None else []
        self.steps = self.ladder.ladder(ref) if ref is not None else []
        self.attempts = []
        self._link_attempts = []
        self.recipient.blockSignals(True)
        self.recipient.clear()
        for r in self.recipients:
            label = self.tr("Judge %1").replace("%1", r.name) if r.kind is RecipientKind.JUDGE \
                else self.tr("%1 (SMS to the division chief)").replace("%1", r.name)
            self.recipient.addItem(label, r)
        self.recipient.blockSignals(False)
        self._on_recipient()
        if ref is None:
            self.case_info.setText(self.tr("No case linked. Look the case up first, or find "
                                           "the judge by name."))
        elif not self.recipients:
            self.case_info.setText(self.tr("The directory has no judge %1 for this case: "
                                           "find the judge by name.").replace("%1", ref.judge))
        else:
            court = self.ctx.directory.court(ref.court_code) if self.ctx.directory else None
            self.case_info.setText(" · ".join(x for x in (
                ref.case_number, court.name if court else ref.court_code, ref.division,
                ref.judge) if x))
        self._build_ladder()
        self._update_preview()

    def _on_recipient(self, *_):
        r = self.recipient.currentData()
        self.mobile.setText(r.phone if r is not None else "")

    def _on_current_call(self, s) -> None:
        """A new caller: their number in the form, the last caller's name gone."""
        call_id = s.call_id if s is not None else None
        if call_id == self._caller_call_id:
            return
        self._caller_call_id = call_id
        self.caller_name.clear()
        self.caller_number.setText(s.peer_number if s is not None else "")

    # --- dispatch ----------------------------------------------------------------
    def chosen_urgency(self) -> Urgency:
        return Urgency(self.urgency.currentData() or Urgency.NORMAL.value)

    def set_urgency(self, urgency: Urgency) -> None:
        self.urgency.setCurrentIndex(self.urgency.findData(urgency.value))

    def _refill_due(self, *_):
        due = self.orders.default_due(self.chosen_urgency())
        self.due.setDateTime(QDateTime.fromSecsSinceEpoch(int(due)))

    def _draft(self) -> WorkOrderDraft:
        r = self.recipient.currentData()
        if r is not None:
            r = Recipient(r.kind, r.name, self.mobile.text().strip(), r.division,
                          r.court_code, r.number)
        return WorkOrderDraft(
            case_number=self.case_edit.text().strip(),
            court_code=self.ref.court_code if self.ref else (self.ctx.court or ""),
            recipient=r, content=self.content.toPlainText(),
            urgency=self.chosen_urgency(),
            due_at=float(self.due.dateTime().toSecsSinceEpoch()),
            caller_number=self.caller_number.text().strip() or self.ctx.caller_number,
            caller_name=self.caller_name.text().strip())

    def _update_preview(self, *_):
        text = self.orders.preview_sms(self._draft())
        self.preview.setText(self.tr("%1 (%2 SMS)").replace("%1", text)
                             .replace("%2", str(sms_parts(text))))

    def send_order(self) -> None:
        try:
            order = self.orders.create(self._draft(), actor=self.ctx.seat)
        except Exception as e:          # WorkOrderError or StorageError: keep the form
            self._say(self.form_message, self._error_text(e), ok=False)
            return
        if self._link_attempts:
            try:
                self.ladder.link_to_order(self._link_attempts, order.id)
            except Exception as e:
                log.warning("ladder attempts not linked to order %s: %r", order.id, e)
            self._link_attempts = []
        self.content.clear()
        self._say(self.form_message, self.tr("Work order %1 sent to %2.")
                  .replace("%1", str(order.id)).replace("%2", order.recipient_name), ok=True)
        self.refresh()
        self.orderCreated.emit(order)

    def order_instead(self) -> None:
        """From the ladder: an urgent order to the judge, tied to the attempts."""
        self.set_urgency(Urgency.URGENT)
        if self.recipients:
            self.recipient.setCurrentIndex(0)
        self._link_attempts = [a.id for a in self.attempts]
        self.content.setFocus()
        self._say(self.form_message, self.tr("Write the request and send the urgent order."),
                  ok=True)

    # --- SMS on the worker thread --------------------------------------------------
    def _dispatch_sms(self, job, send, finish) -> None:
        """The service's dispatcher: network on the worker, store on the GUI thread."""
        def work():
            self._smsDone.emit(job, send(), finish)
        self._pool.submit(work)

    def _on_sms_done(self, job, outcome, finish) -> None:
        try:
            finish(outcome)
        except Exception as e:
            log.warning("SMS result for order %s not recorded: %r", job.order_id, e)
        if type(outcome).__name__ == "SmsError":
            self._say(self.list_message, self.tr("Work order %1: the SMS was not sent. %2")
                      .replace("%1", str(job.order_id))
                      .replace("%2", self.sms_error_text(getattr(outcome, "code", ""))),
                      ok=False)
        self.refresh()
        self._show_events()

    def sms_error_text(self, code: str) -> str:
        """The seat's words for an SmsError code (app.adapters.sms)."""
        return {
            "unreachable": self.tr("The SMS centre could not be reached. The order is saved: "
                                   "use Resend SMS later, or phone the judge. If it keeps "
                                   "failing, call IT staff."),
            "timeout": self.tr("The SMS centre did not answer in time. The order is saved: "
                               "use Resend SMS later."),
            "bind_refused": self.tr("The SMS centre refused this desk's login. The order is "
                                    "saved; call IT staff to check the SMS settings."),
            "rejected": self.tr("The SMS centre refused the message. Check the mobile number, "
                                "or phone the judge."),
            "bad_number": self.tr("The mobile number is not valid for SMS."),
            "throttled": self.tr("The SMS centre is busy. Use Resend SMS in a minute."),
            "not_configured": self.tr("SMS sending is not set up on this desk. Call IT staff."),
        }.get(code, self.tr("The SMS centre gave an unexpected answer. "
                                               "Call IT staff."))

    # --- the list ----------------------------------------------------------------
    def refresh(self) -> None:
        selected = self.selected()
        try:
            rows = self.orders.orders(open_only=self.open_only.isChecked(), limit=300)
        except Exception as e:
            self._say(self.list_message, explain(e), ok=False)
            return
        self.model.set_rows(rows)
        if selected is not None:
            for i, o in enumerate(rows):
                if o.id == selected.id:
                    self.table.selectRow(i)
                    break

    def selected(self):
        idx = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.rows[idx[0].row()] if idx else None

    def select_order(self, order_id: int) -> bool:
        for i, o in enumerate(self.model.rows):
            if o.id == order_id:
                self.table.selectRow(i)
                return True
        return False

    def _act(self, what: str) -> None:
        o = self.selected()
        if o is None:
            self._say(self.list_message, self.tr("Select a work order first."), ok=False)
            return
        note, seat = self.note.text().strip(), self.ctx.seat
        try:
            if what == "ack":
                self.orders.acknowledge(o.id, actor=seat, note=note)
            elif what == "done":
                self.orders.done(o.id, actor=seat, note=note)
            elif what == "cancel":
                self.orders.cancel(o.id, actor=seat, reason=note)
            else:
                self.orders.retry_sms(o.id, actor=seat)
        except Exception as e:
            self._say(self.list_message, self._error_text(e), ok=False)
            return
        self.note.clear()
        self.list_message.clear()
        self.refresh()
        self._show_events()

    def _show_events(self, *_):
        o = self.selected()
        if o is None:
            self.events.clear()
            return
        try:
            events = self.orders.events(o.id)
        except Exception as e:
            self.events.setPlainText(explain(e))
            return
        lines = [f"<b>{html.escape(o.recipient_name)}</b> {html.escape(o.recipient_phone)}: "
                 f"{html.escape(o.content)}"]
        lines += [html.escape(self.event_line(e)) for e in events]
        self.events.setHtml("<br>".join(lines))

    def event_line(self, e) -> str:
        """One event in the seat's words (technical details stay in the store)."""
        kind, detail = e.kind.value, e.detail or ""
        text = f"{_when(e.at)} {self.event_text(kind)}"
        if kind == "sms_sent":
            to = re.search(r"to (\d+)", detail)
            parts = re.search(r"(\d+) part", detail)
            text += " " + self.tr("to %1, %2 part(s)").replace(
                "%1", to.group(1) if to else "").replace("%2", parts.group(1) if parts else "1")
        elif kind == "sms_failed":
            code = detail.split(": ")[1] if detail.count(": ") >= 1 else ""
            text += ": " + self.sms_error_text(code)
        elif kind == "reminded":
            text += " " + (self.tr("(overdue)") if detail == "overdue" else self.tr("(due soon)"))
        elif kind in ("acknowledged", "done", "cancelled") and detail:
            text += f": {detail}"
        if e.actor:
            text += f" · {e.actor}"
        return text

    def event_text(self, kind: str) -> str:
        return {"created": self.tr("created"), "sms_sent": self.tr("SMS sent"),
                "sms_failed": self.tr("SMS failed"), "reminded": self.tr("reminder"),
                "acknowledged": self.tr("acknowledged"), "done": self.tr("done"),
                "overdue": self.tr("overdue"), "cancelled": self.tr("cancelled")}.get(kind, kind)

    def check_due(self) -> None:
        """The minute timer: overdue marking and reminders (safe from every desk)."""
        try:
            report = self.orders.check_due(actor=self.ctx.seat)
        except Exception as e:
            log.warning("work orders: due check failed: %r", e)
            return
        if report.overdue or report.reminded:
            self.refresh()

    # --- the ladder --------------------------------------------------------------
    def rung_text(self, rung: Rung) -> str:
        return {Rung.JUDGE: self.tr("Case judge"), Rung.DIVISION_OFFICE: self.tr("Division office"),
                Rung.DIVISION_CHIEF: self.tr("Division chief")}[rung]

    def outcome_text(self, outcome: Outcome) -> str:
        return {Outcome.PENDING: self.tr("calling..."), Outcome.ANSWERED: self.tr("answered"),
                Outcome.NO_ANSWER: self.tr("no answer"), Outcome.BUSY: self.tr("busy"),
                Outcome.FAILED: self.tr("failed")}[outcome]

    def _build_ladder(self) -> None:
        while self.ladder_grid.count():
            w = self.ladder_grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.ladder_rows = []
        for i, step in enumerate(self.steps):
            rung, who = QLabel(self.rung_text(step.rung)), QLabel(f"{step.name}  {step.number}")
            result = QLabel()
            result.setObjectName(f"woLadderResult{i}")
            btn = QPushButton(self.tr("Call"))
            btn.setObjectName(f"woLadderCall{i}")
            btn.clicked.connect(lambda _=False, i=i: self.call_rung(i))
            for col, w in enumerate((rung, who, result, btn)):
                self.ladder_grid.addWidget(w, i, col)
            self.ladder_rows.append((rung, who, result, btn))
        self.ladder_message.setText("" if self.steps else
                                    self.tr("No one to phone: link a case or find a judge."))
        self._show_ladder()

    def _show_ladder(self) -> None:
        nxt = next_step(self.steps, self.attempts)
        busy = bool(self._live)
        last = {a.number: a for a in self.attempts}
        for i, (rung, who, result, btn) in enumerate(self.ladder_rows):
            a = last.get(self.steps[i].number)
            if a is not None:
                code = re.search(r"\b[3-6]\d\d\b", a.reason or "")
                text = self.outcome_text(a.outcome)
                result.setText(f"{text} ({code.group(0)})" if code else text)
                result.setToolTip(a.reason)
                result.setStyleSheet(f"color:{GREEN if a.outcome is Outcome.ANSWERED else RED}"
                                     if a.finished else "color:#555")
            else:
                result.clear()
            btn.setEnabled(not busy)
            hot = i == nxt and not busy
            style = f"font-weight:bold;color:{BLUE}" if hot else ""
            rung.setStyleSheet(style)
            who.setStyleSheet(style)
            btn.setDefault(hot)
            btn.setProperty("next", hot)

    def next_rung(self) -> int | None:
        """The highlighted rung (None once someone answered or a call is live)."""
        return None if self._live else next_step(self.steps, self.attempts)

    def call_rung(self, i: int) -> None:
        """Dial rung ``i`` through the softphone and record the attempt."""
        if self._live or not 0 <= i < len(self.steps):
            return
        step = self.steps[i]
        self._hold_caller()
        case, caller = self.case_edit.text().strip(), self.ctx.caller_number
        call_id = self.ctx.dial(step.number, None)
        try:
            if call_id is None:
                a = self.ladder.not_dialled(step, "the softphone could not dial",
                                            seat=self.ctx.seat, caller_number=caller,
                                            case_number=case)
            else:
                a = self.ladder.start(step, seat=self.ctx.seat, caller_number=caller,
                                      case_number=case)
                self._live[call_id] = a.id
                QTimer.singleShot(int(self.ring_timeout_s * 1000),
                                  lambda cid=call_id: self._ring_timeout(cid))
        except Exception as e:          # the store failed: the call still goes on
            self._say(self.ladder_message, explain(e), ok=False)
            return
        self.attempts.append(a)
        self._say(self.ladder_message, self.tr("Calling %1 (%2)...").replace("%1", step.name)
                  .replace("%2", step.number), ok=True)
        self._show_ladder()

    def _hold_caller(self) -> None:
        cur, engine = self.ctx.current_call, self.ctx.engine
        if engine is None or cur is None or cur.phase is not CallPhase.ACTIVE or cur.local_hold:
            return
        try:
            engine.hold(cur.call_id)
        except Exception as e:
            log.info("caller not put on hold: %r", e)

    def _ring_timeout(self, call_id: int) -> None:
        if call_id not in self._live or self.ctx.engine is None:
            return
        s = self.ctx.engine.call_snapshot(call_id)
        if s is None or s.answered_at is not None or s.phase is CallPhase.ENDED:
            return
        self._gave_up.add(call_id)
        try:
            self.ctx.engine.hangup(call_id)
        except Exception as e:
            log.info("ring timeout hang-up failed: %r", e)

    def _on_call(self, s: CallSnapshot) -> None:
        attempt_id = self._live.get(s.call_id)
        if attempt_id is None:
            return
        note = ""
        if s.call_id in self._gave_up:
            note = f"no answer within {self.ring_timeout_s:g} s"
        try:
            a = self.ladder.follow(attempt_id, s, note)
        except Exception as e:
            self._say(self.ladder_message, explain(e), ok=False)
            a = None
        if a is not None:
            self.attempts = [a if x.id == a.id else x for x in self.attempts]
        if s.phase is CallPhase.ENDED:
            self._live.pop(s.call_id, None)
            self._gave_up.discard(s.call_id)
        if a is not None and a.finished and (s.phase is CallPhase.ENDED
                                             or a.outcome is Outcome.ANSWERED):
            self._announce(a)
        self._show_ladder()

    def _announce(self, a) -> None:
        if a.outcome is Outcome.ANSWERED:
            self._say(self.ladder_message, self.tr("%1 answered.").replace("%1", a.name), ok=True)
            return
        nxt = next_step(self.steps, self.attempts)
        if nxt is None:
            self._say(self.ladder_message, self.tr("No one reached. Send an urgent work order "
                                                   "instead."), ok=False)
        else:
            self._say(self.ladder_message, self.tr("%1: %2. Next: %3.")
                      .replace("%1", a.name).replace("%2", self.outcome_text(a.outcome))
                      .replace("%3", self.steps[nxt].name), ok=False)

    # --- words -------------------------------------------------------------------
    def _error_text(self, e: Exception) -> str:
        code = getattr(e, "code", "")
        if type(e).__name__ == "WorkOrderError":
            return {
                "empty_content": self.tr("Write what the judge is asked to do."),
                "content_too_long": self.tr("The request is too long: keep it short, "
                                            "the judge reads it as an SMS."),
                "no_recipient": self.tr("Choose the judge or the division to send to."),
                "bad_phone": self.tr("Enter the recipient's mobile number for the SMS "
                                     "(the directory has none)."),
                "bad_due": self.tr("The due time must be in the future."),
                "not_found": self.tr("That work order no longer exists."),
                "not_open": self.tr("That work order is already closed."),
                "cannot_change": self.tr("That work order cannot be changed that way now "
                                         "(it has already moved on)."),
            }.get(code, str(e))
        return explain(e)

    def _say(self, label: QLabel, text: str, ok: bool) -> None:
        label.setStyleSheet(f"color:{GREEN}" if ok else f"color:{RED};font-weight:bold")
        label.setText(text)

    def close(self) -> bool:
        self.timer.stop()
        self.orders.set_dispatcher(None)
        self._pool.shutdown(wait=False, cancel_futures=True)
        return super().close()

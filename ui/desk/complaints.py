"""The complaints page: file a complaint from the call, follow it to closure.

UI side, over ``ComplaintService`` (app.services.complaints), which was made
for this desk's viewer: the list shows only what the store returns for that
viewer (the court's own complaints, the ones this seat filed; everything for
the consulting judge), so the page has no filtering of its own to get wrong.

- File: court concerned, caller, case, what the complaint is, priority;
  "File and dispatch" stores it and sends it to that court's sub-platform.
- Follow: start handling, mark resolved (with what was done), call the caller
  back through the softphone (the call's outcome is recorded by itself when it
  ends; it can also be recorded by hand), close (needs a call back that reached
  the caller, or a reason).
- Notice: complaints dispatched to this seat's court show in a banner and
  bring the page forward; the page polls the store and also reacts at once to
  the dispatch MESSAGE when the desk has a SIP engine.
"""
from __future__ import annotations

import html
import logging
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QSplitter, QTableWidget, QTableWidgetItem, QTextBrowser,
                               QVBoxLayout, QWidget)

from app.domain.calls import CallPhase, CallSnapshot
from app.domain.complaints import (CallbackOutcome, Complaint, ComplaintError,
                                   ComplaintPriority, ComplaintStatus, EventKind, Viewer,
                                   callback_outcome_of)
from app.services.complaints import decode_notice
from ui.messages import explain

log = logging.getLogger(__name__)


def viewer_for(ctx) -> Viewer:
    """The complaints viewer of a desk: its seat and court; the consulting
    judge when the directory lists the seat's number as one."""
    entry = ctx.directory.by_number(ctx.seat) if ctx.directory is not None else None
    judge = entry is not None and entry.kind == "consulting_judge"
    return Viewer(seat=ctx.seat, court=ctx.court or (entry.court if entry else ""),
                  consulting_judge=judge)


def _when(at: float | None) -> str:
    return datetime.fromtimestamp(at).strftime("%m-%d %H:%M") if at else ""


class ComplaintsPage(QWidget):
    """Constructor: ``ComplaintsPage(ctx, service)`` with a DeskContext and a
    ComplaintService made for ``viewer_for(ctx)``."""

    # (Complaint): a complaint was filed from this desk.
    complaintFiled = Signal(object)
    # (list[Complaint]): complaints newly dispatched to this seat's court.
    complaintsArrived = Signal(object)

    COLUMNS = ("id", "filed", "court", "priority", "status", "caller", "callback")

    def __init__(self, ctx, service, parent=None, *, poll_ms: int = 15000):
        super().__init__(parent)
        self.setObjectName("complaintsPage")
        self.ctx = ctx
        self.service = service
        self._rows: list[Complaint] = []
        self._selected: int | None = None
        self._last_seen_id = 0
        self._callbacks: dict[int, int] = {}       # engine call id -> complaint id
        self._auto_caller = ""

        # --- filing ---
        self.court = QComboBox()
        self.court.setObjectName("complaintCourt")
        self.court.addItem(self.tr("Choose the court…"), "")
        if ctx.directory is not None:
            for c in ctx.directory.courts():
                self.court.addItem(c.name, c.code)
        self.caller_number = QLineEdit()
        self.caller_name = QLineEdit()
        self.case_number = QLineEdit()
        self.content = QPlainTextEdit()
        self.content.setPlaceholderText(self.tr("What the caller complains about, in their words"))
        self.content.setMaximumHeight(90)
        self.priority = QComboBox()
        self.priority.addItem(self.tr("High"), ComplaintPriority.HIGH)
        self.priority.addItem(self.tr("Urgent"), ComplaintPriority.URGENT)
        self.file_btn = QPushButton(self.tr("File and dispatch"))
        self.file_btn.clicked.connect(self.file_complaint)
        form = QFormLayout()
        form.addRow(self.tr("Court concerned"), self.court)
        form.addRow(self.tr("Caller's number"), self.caller_number)
        form.addRow(self.tr("Caller's name"), self.caller_name)
        form.addRow(self.tr("Case"), self.case_number)
        form.addRow(self.tr("Complaint"), self.content)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Priority")))
        row.addWidget(self.priority)
        row.addStretch(1)
        row.addWidget(self.file_btn)
        form.addRow(row)
        self.file_box = QGroupBox(self.tr("File a complaint"))
        self.file_box.setLayout(form)

        # --- list and detail ---
        self.banner = QLabel()
        self.banner.setObjectName("complaintBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background:#fff3cd;color:#5c3c00;padding:6px;font-weight:bold")
        self.banner.hide()
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([
            self.tr("No."), self.tr("Filed"), self.tr("Court"), self.tr("Priority"),
            self.tr("Status"), self.tr("Caller"), self.tr("Call back")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_select)
        self.refresh_btn = QPushButton(self.tr("Refresh"))
        self.refresh_btn.clicked.connect(self.refresh)

        self.detail = QTextBrowser()
        self.start_btn = QPushButton(self.tr("Start handling"))
        self.start_btn.clicked.connect(lambda: self._act(self.service.start))
        self.resolution = QLineEdit()
        self.resolution.setPlaceholderText(self.tr("What was done"))
        self.resolve_btn = QPushButton(self.tr("Mark resolved"))
        self.resolve_btn.clicked.connect(
            lambda: self._act(lambda cid: self.service.resolve(cid, self.resolution.text())))
        self.callback_btn = QPushButton(self.tr("Call back"))
        self.callback_btn.clicked.connect(self.call_back)
        self.outcome = QComboBox()
        for value, text in self._outcome_texts().items():
            self.outcome.addItem(text, value)
        self.record_cb_btn = QPushButton(self.tr("Record call back"))
        self.record_cb_btn.clicked.connect(self._record_callback_by_hand)
        self.close_reason = QLineEdit()
        self.close_reason.setPlaceholderText(self.tr("Reason, if the caller was not reached"))
        self.close_btn = QPushButton(self.tr("Close"))
        self.close_btn.clicked.connect(
            lambda: self._act(lambda cid: self.service.close(cid, self.close_reason.text())))
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("complaintMessage")

        acts = QVBoxLayout()
        line1 = QHBoxLayout()
        line1.addWidget(self.start_btn)
        line1.addWidget(self.resolution, 1)
        line1.addWidget(self.resolve_btn)
        line2 = QHBoxLayout()
        line2.addWidget(self.callback_btn)
        line2.addWidget(self.outcome)
        line2.addWidget(self.record_cb_btn)
        line2.addStretch(1)
        line3 = QHBoxLayout()
        line3.addWidget(self.close_reason, 1)
        line3.addWidget(self.close_btn)
        for line in (line1, line2, line3):
            acts.addLayout(line)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.detail, 1)
        rl.addLayout(acts)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(QLabel(self.tr("Complaints you can see")), 1)
        head.addWidget(self.refresh_btn)
        ll.addLayout(head)
        ll.addWidget(self.table, 1)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        lay = QVBoxLayout(self)
        lay.addWidget(self.banner)
        lay.addWidget(self.file_box)
        lay.addWidget(split, 1)
        lay.addWidget(self.message)

        ctx.callChanged.connect(self._on_call)
        ctx.currentCallChanged.connect(self._on_current_call)
        ctx.caseLinked.connect(self._on_case_linked)
        engine = getattr(ctx, "engine", None)
        if engine is not None and hasattr(engine, "messageReceived"):
            engine.messageReceived.connect(self._on_message)
        self._poll = QTimer(self)
        self._poll.setInterval(poll_ms)
        self._poll.timeout.connect(self.check_new)
        self._poll.start()
        self.refresh()
        self.check_new()

    # --- texts ----------------------------------------------------------------------

    def _status_texts(self) -> dict:
        return {ComplaintStatus.OPEN: self.tr("Open"),
                ComplaintStatus.DISPATCHED: self.tr("Dispatched"),
                ComplaintStatus.IN_PROGRESS: self.tr("Being handled"),
                ComplaintStatus.RESOLVED: self.tr("Resolved"),
                ComplaintStatus.CLOSED: self.tr("Closed")}

    def _priority_texts(self) -> dict:
        return {ComplaintPriority.HIGH: self.tr("High"), ComplaintPriority.URGENT: self.tr("Urgent")}

    def _outcome_texts(self) -> dict:
        return {CallbackOutcome.REACHED: self.tr("Caller reached"),
                CallbackOutcome.NO_ANSWER: self.tr("No answer"),
                CallbackOutcome.BUSY: self.tr("Busy"),
                CallbackOutcome.FAILED: self.tr("Call failed")}

    def _event_texts(self) -> dict:
        return {EventKind.CREATED: self.tr("filed"), EventKind.DISPATCHED: self.tr("dispatched to"),
                EventKind.NOTIFY_FAILED: self.tr("notice not delivered"),
                EventKind.STARTED: self.tr("handling started"),
                EventKind.RESOLVED: self.tr("resolved"), EventKind.REOPENED: self.tr("reopened"),
                EventKind.CALLBACK: self.tr("call back"), EventKind.CLOSED: self.tr("closed"),
                EventKind.NOTE: self.tr("note")}

    def _error_text(self, e: ComplaintError) -> str:
        return {
            "no_content": self.tr("Write down what the caller complains about."),
            "content_too_long": self.tr("The complaint is too long (at most 4000 characters)."),
            "no_court": self.tr("Choose the court the complaint is about."),
            "unknown_court": self.tr("That court is not in the directory; choose one from the list."),
            "not_found": self.tr("This complaint is not visible to this seat."),
            "not_allowed": self.tr("Only the court concerned or the consulting judge can do this."),
            "bad_transition": self.tr("The complaint is not in a state where this can be done."),
            "needs_callback": self.tr("Call the caller back first and reach them, or write the "
                                      "reason for closing without a call back."),
            "no_resolution": self.tr("Write down what was done before marking it resolved."),
            "changed_elsewhere": self.tr("Someone else changed this complaint just now; the list "
                                         "is refreshed: check it and try again."),
            "no_callback_number": self.tr("The caller left no number to call back."),
        }.get(e.code, str(e))

    def _court_name(self, code: str) -> str:
        court = self.ctx.directory.court(code) if self.ctx.directory is not None and code else None
        return court.short_name if court else code

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color:#b00020" if error else "color:#1b5e20")
        self.message.setText(text)

    def _fail(self, e: Exception) -> None:
        if isinstance(e, ComplaintError):
            self._say(self._error_text(e), True)
        else:
            log.warning("complaint action failed: %s", e)
            self._say(explain(e), True)

    # --- the call in hand -----------------------------------------------------------------

    def _on_current_call(self, s) -> None:
        if s is None:
            return
        typed = self.caller_number.text().strip()
        if not typed or typed == self._auto_caller:
            self.caller_number.setText(s.peer_number)
            self._auto_caller = s.peer_number
        if s.queue and not self.court.currentData():
            index = self.court.findData(s.queue)
            if index >= 0:
                self.court.setCurrentIndex(index)

    def _on_case_linked(self, number: str) -> None:
        if not self.case_number.text().strip():
            self.case_number.setText(number)

    # --- filing ------------------------------------------------------------------------------

    def file_complaint(self) -> Complaint | None:
        call = self.ctx.current_call
        try:
            c = self.service.file(
                court_code=self.court.currentData() or "", content=self.content.toPlainText(),
                caller_number=self.caller_number.text(), caller_name=self.caller_name.text(),
                case_number=self.case_number.text(),
                priority=self.priority.currentData(),
                sip_call_id=call.sip_call_id if call is not None else "")
        except Exception as e:          # the form stays as typed
            self._fail(e)
            return None
        self._say(self.tr("Complaint No. %1 filed and sent to %2.")
                  .replace("%1", str(c.id)).replace("%2", self._court_name(c.dispatched_to)))
        self.content.clear()
        self.caller_name.clear()
        self.refresh(select=c.id)
        self.complaintFiled.emit(c)
        return c

    # --- list and detail ---------------------------------------------------------------------

    def refresh(self, select: int | None = None) -> None:
        keep = select if select is not None else self._selected
        try:
            self._rows = self.service.visible()
        except Exception as e:
            self._fail(e)
            return
        st, pr, oc = self._status_texts(), self._priority_texts(), self._outcome_texts()
        self.table.blockSignals(True)
        self.table.setRowCount(len(self._rows))
        for r, c in enumerate(self._rows):
            cells = (str(c.id), _when(c.created_at), self._court_name(c.court_code),
                     pr[c.priority], st[c.status], c.caller_number,
                     oc[c.callback_outcome] if c.callback_outcome else "")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.UserRole, c.id)
                if c.priority is ComplaintPriority.URGENT and c.is_open:
                    item.setForeground(Qt.red)
                self.table.setItem(r, col, item)
        self.table.blockSignals(False)
        row = next((i for i, c in enumerate(self._rows) if c.id == keep), None)
        if row is not None:
            self.table.selectRow(row)
        else:
            self.table.clearSelection()
        self._selected = keep if row is not None else None
        if self.banner.isVisible() and not any(
                c.status is ComplaintStatus.DISPATCHED and c.court_code == self.service.viewer.court
                for c in self._rows):
            self.banner.hide()          # every new one has been taken up
        self._show_detail()

    @property
    def shown_ids(self) -> list[int]:
        return [c.id for c in self._rows]

    def select(self, complaint_id: int) -> None:
        self.refresh(select=complaint_id)

    def _on_select(self) -> None:
        items = self.table.selectedItems()
        self._selected = items[0].data(Qt.UserRole) if items else None
        self._show_detail()

    def _current(self) -> Complaint | None:
        return next((c for c in self._rows if c.id == self._selected), None)

    def _show_detail(self) -> None:
        c = self._current()
        acting = c is not None and self.service.can_act(c)
        status = c.status if c is not None else None
        self.start_btn.setEnabled(acting and status in (ComplaintStatus.DISPATCHED,
                                                        ComplaintStatus.RESOLVED))
        self.start_btn.setText(self.tr("Reopen") if status is ComplaintStatus.RESOLVED
                               else self.tr("Start handling"))
        self.resolve_btn.setEnabled(acting and status in (ComplaintStatus.DISPATCHED,
                                                          ComplaintStatus.IN_PROGRESS))
        can_call = acting and status in (ComplaintStatus.DISPATCHED, ComplaintStatus.IN_PROGRESS,
                                         ComplaintStatus.RESOLVED)
        self.callback_btn.setEnabled(can_call and bool(c.caller_number))
        self.record_cb_btn.setEnabled(can_call)
        self.close_btn.setEnabled(acting and c.is_open)
        if c is None:
            self.detail.setHtml("<p>" + html.escape(self.tr("Choose a complaint in the list.")) + "</p>")
            return
        st, pr, oc, ev = (self._status_texts(), self._priority_texts(), self._outcome_texts(),
                          self._event_texts())
        e = html.escape
        # tr() outside the f-strings: lupdate does not read inside them.
        title = self.tr("Complaint No. %1").replace("%1", str(c.id))
        caller_word, case_word = self.tr("Caller"), self.tr("Case")
        resolution_word, call_back_word = self.tr("Resolution"), self.tr("Call back")
        lines = [f"<h3>{e(title)} · "
                 f"{e(self._court_name(c.court_code))}</h3>",
                 f"<p><b>{e(pr[c.priority])}</b> · {e(st[c.status])}</p>",
                 f"<p>{e(c.content)}</p>",
                 f"<p>{e(caller_word)}: {e(c.caller_name)} {e(c.caller_number)}<br>"
                 f"{e(case_word)}: {e(c.case_number)}</p>"]
        if c.resolution:
            lines.append(f"<p>{e(resolution_word)}: {e(c.resolution)}</p>")
        if c.callback_outcome:
            lines.append(f"<p>{e(call_back_word)}: {e(oc[c.callback_outcome])} "
                         f"({e(_when(c.callback_at))})</p>")
        if not self.service.can_act(c):
            lines.append("<p><i>" + e(self.tr("You filed this complaint; the court concerned "
                                                "handles it.")) + "</i></p>")
        try:
            events = self.service.events(c.id)
        except Exception as exc:
            self._fail(exc)
            events = []
        lines.append("<ul>")
        for x in events:
            lines.append(f"<li>{e(_when(x.at))} {e(x.actor)} {e(ev.get(x.kind, x.kind.value))}"
                         f" {e(self._event_detail(x))}</li>")
        lines.append("</ul>")
        self.detail.setHtml("\n".join(lines))

    def _event_detail(self, x) -> str:
        """An event's detail in the seat's words where it is a code."""
        if x.kind is EventKind.DISPATCHED:
            return self._court_name(x.detail)
        if x.kind is EventKind.CALLBACK:
            code, _, rest = x.detail.partition(":")
            try:
                text = self._outcome_texts()[CallbackOutcome(code.strip())]
            except ValueError:
                return x.detail
            return f"{text} {rest.strip()}".strip()
        return x.detail

    def _act(self, action) -> Complaint | None:
        c = self._current()
        if c is None:
            return None
        try:
            done = action(c.id)
        except Exception as e:
            self._fail(e)
            if isinstance(e, ComplaintError) and e.code == "changed_elsewhere":
                self.refresh()
            return None
        self._say(self.tr("Complaint No. %1: %2.").replace("%1", str(done.id))
                  .replace("%2", self._status_texts()[done.status]))
        if done.status is ComplaintStatus.CLOSED:
            self.close_reason.clear()
        if done.status is ComplaintStatus.RESOLVED:
            self.resolution.clear()
        self.refresh()
        return done

    # --- call back --------------------------------------------------------------------------

    def call_back(self) -> int | None:
        """Dial the caller of the selected complaint through the softphone."""
        c = self._current()
        if c is None:
            return None
        if not c.caller_number:
            self._fail(ComplaintError("no_callback_number"))
            return None
        call_id = self.ctx.dial(c.caller_number, None)
        if call_id is not None:
            self._callbacks[call_id] = c.id
            self._say(self.tr("Calling %1 back…").replace("%1", c.caller_number))
        return call_id

    def _on_call(self, s: CallSnapshot) -> None:
        cid = self._callbacks.get(s.call_id)
        if cid is None or s.phase is not CallPhase.ENDED:
            return
        del self._callbacks[s.call_id]
        outcome = callback_outcome_of(s.answered_at is not None, s.last_status)
        detail = f"{s.peer_number} {s.sip_call_id}".strip()
        try:
            self.service.record_callback(cid, outcome, detail)
        except Exception as e:
            self._fail(e)
            return
        self._say(self.tr("Call back recorded: %1.").replace("%1", self._outcome_texts()[outcome]))
        self.refresh(select=cid)

    def _record_callback_by_hand(self) -> None:
        outcome = self.outcome.currentData()
        self._act(lambda cid: self.service.record_callback(cid, outcome))

    # --- notices --------------------------------------------------------------------------------

    def check_new(self) -> list[Complaint]:
        """Look for complaints newly dispatched to this seat's court."""
        try:
            new = self.service.new_for_my_court(self._last_seen_id)
        except Exception as e:
            log.warning("complaint poll failed: %s", e)
            return []
        if not new:
            return []
        self._last_seen_id = max(c.id for c in new)
        urgent = sum(1 for c in new if c.priority is ComplaintPriority.URGENT)
        text = self.tr("%1 new complaint(s) for your court, %2 urgent: handle them first.") \
            .replace("%1", str(len(new))).replace("%2", str(urgent))
        self.banner.setText(text)
        self.banner.show()
        self.refresh()
        self.complaintsArrived.emit(new)
        self.ctx.bring_forward(self)
        return new

    def _on_message(self, from_uri: str, content_type: str, body: str) -> None:
        if decode_notice(content_type, body) is not None:
            self.check_new()

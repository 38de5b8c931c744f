"""The wrap-up page: the seat's short record of each call, before the next one.

UI side. Opens (asks to be brought forward) when an answered call of the
caller in hand ends, with what is known filled in: the caller, the court (the
queue the call came in on, else the seat's), the linked case and the notes
from the desk context. The seat picks a category, completes the notes, and
saves; saving ends the seat's wrap-up state early (WrapUpService.save ->
SeatStateMachine.end_wrap_up) and finishes the call in hand
(DeskContext.finish_call), so the next caller starts clean.

Never lose what was typed: each call waiting for its record keeps its own
draft in this page. When the wrap-up time runs out the seat takes calls again,
but the form stays as it was and saving later still works; a second call that
ends meanwhile queues behind it ("Calls waiting for a record"). A failed save
(missing category, store down) keeps the form filled and says what to do.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFormLayout, QGridLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPlainTextEdit, QPushButton, QRadioButton,
                               QVBoxLayout, QWidget)

from app.domain.calls import CallDirection, CallPhase, CallSnapshot
from app.domain.history import format_duration
from app.domain.wrap_up import WrapUpCategory, WrapUpError, WrapUpRecord, parse_work_order_id
from ui.messages import explain

log = logging.getLogger(__name__)


def _key(record: WrapUpRecord, call_id: int) -> str:
    return record.sip_call_id or f"call:{call_id}"


class WrapUpPage(QWidget):
    """Constructor: ``WrapUpPage(ctx, service)`` with a DeskContext and a
    WrapUpService (app.services.wrap_up)."""

    # (WrapUpRecord): a record was saved (with its id).
    recordSaved = Signal(object)

    def __init__(self, ctx, service, parent=None, *, refresh_ms: int = 1000):
        super().__init__(parent)
        self.setObjectName("wrapUpPage")
        self.ctx = ctx
        self.service = service
        # key -> (draft record, engine call id); insertion order = call order.
        self._pending: dict[str, tuple[WrapUpRecord, int]] = {}
        self._shown: str | None = None
        # key -> the work order field as typed (kept even when not a number yet).
        self._typed_work_order: dict[str, str] = {}

        self.headline = QLabel(self.tr("No call to record."))
        self.headline.setStyleSheet("font-size:15px;font-weight:bold")
        self.timer_label = QLabel()
        self.more_time_btn = QPushButton(self.tr("More time"))
        self.more_time_btn.clicked.connect(self._more_time)
        self.waiting = QComboBox()
        self.waiting.currentIndexChanged.connect(self._on_pick)
        self.waiting_label = QLabel(self.tr("Calls waiting for a record:"))

        self.category_group = QButtonGroup(self)
        self.category_buttons: dict[WrapUpCategory, QRadioButton] = {}
        cats = QGridLayout()
        for i, (cat, text) in enumerate(self._category_texts().items()):
            b = QRadioButton(text)
            b.setObjectName(f"category_{cat.value}")
            self.category_group.addButton(b)
            self.category_buttons[cat] = b
            cats.addWidget(b, i // 3, i % 3)

        self.court = QComboBox()
        self.court.setObjectName("wrapUpCourt")
        self.court.addItem(self.tr("(not known)"), "")
        if ctx.directory is not None:
            for c in ctx.directory.courts():
                self.court.addItem(c.name, c.code)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText(self.tr("What the caller asked and what you did"))
        self.case_number = QLineEdit()
        self.case_number.setPlaceholderText(self.tr("e.g. (2026)京0105民初1234号"))
        self.work_order = QLineEdit()
        self.work_order.setPlaceholderText(self.tr("Work order number, if one was sent"))
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("wrapUpMessage")
        self.save_btn = QPushButton(self.tr("Save record"))
        self.save_btn.setDefault(True)
        self.save_btn.clicked.connect(self.save)

        top = QHBoxLayout()
        top.addWidget(self.timer_label, 1)
        top.addWidget(self.more_time_btn)
        pick = QHBoxLayout()
        pick.addWidget(self.waiting_label)
        pick.addWidget(self.waiting, 1)
        form = QFormLayout()
        form.addRow(self.tr("The call was about"), cats)
        form.addRow(self.tr("Court concerned"), self.court)
        form.addRow(self.tr("Notes"), self.notes)
        form.addRow(self.tr("Linked case"), self.case_number)
        form.addRow(self.tr("Work order"), self.work_order)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_btn)
        lay = QVBoxLayout(self)
        lay.addWidget(self.headline)
        lay.addLayout(top)
        lay.addLayout(pick)
        lay.addLayout(form, 1)
        lay.addWidget(self.message)
        lay.addLayout(buttons)

        ctx.callChanged.connect(self._on_call)
        ctx.caseLinked.connect(self._on_case_linked)
        self._timer = QTimer(self)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self.refresh_timer)
        self._timer.start()
        self._show(None)

    # --- texts ------------------------------------------------------------------

    def _category_texts(self) -> dict:
        return {WrapUpCategory.CASE_ENQUIRY: self.tr("Case enquiry"),
                WrapUpCategory.CONTACT_JUDGE: self.tr("Contact a judge"),
                WrapUpCategory.LEGAL_QUESTION: self.tr("Legal question"),
                WrapUpCategory.COMPLAINT: self.tr("Complaint"),
                WrapUpCategory.OTHER: self.tr("Other")}

    def _error_text(self, e: WrapUpError) -> str:
        return {
            "no_category": self.tr("Choose what the call was about, then save again."),
            "notes_too_long": self.tr("The notes are too long (at most 4000 characters); "
                                      "shorten them and save again."),
            "case_number_too_long": self.tr("The case number is too long; check it."),
            "bad_work_order": self.tr("The work order number must be a number, like 42; "
                                      "correct it or leave it empty."),
            "unknown_work_order": self.tr("There is no work order %1; check the number or "
                                          "leave it empty.").replace("%1", e.detail),
        }.get(e.code, str(e))

    # --- calls --------------------------------------------------------------------

    def _on_call(self, s: CallSnapshot) -> None:
        self.service.on_call(s)
        if not self.service.needs_wrap_up(s):
            return
        cur = self.ctx.current_call
        # The caller in hand, or a call of its own (a call back) when no caller
        # is in hand; not an escalation call made while serving a caller.
        mine = cur is None or cur.call_id == s.call_id or cur.phase is CallPhase.ENDED
        if not mine:
            return
        in_hand = cur is not None and cur.call_id == s.call_id
        draft = self.service.draft_for(
            s, case_number=self.ctx.case_number if in_hand else "",
            notes=self.ctx.notes if in_hand else "")
        order_id = getattr(self.ctx, "work_order_id", None) if in_hand else None
        if order_id and not draft.work_order_id:
            draft = replace(draft, work_order_id=order_id)
        key = _key(draft, s.call_id)
        if key in self._pending:
            return
        self._keep_form()
        self._pending[key] = (draft, s.call_id)
        self._fill_waiting()
        if self._shown is None:
            self._show(key)
        self.ctx.bring_forward(self)

    def _on_case_linked(self, number: str) -> None:
        # A case linked after the call ended belongs to the call in hand.
        cur = self.ctx.current_call
        if self._shown is None or cur is None:
            return
        _, call_id = self._pending[self._shown]
        if call_id == cur.call_id and not self.case_number.text().strip():
            self.case_number.setText(number)

    # --- the form ---------------------------------------------------------------------

    def _form_record(self, base: WrapUpRecord) -> WrapUpRecord:
        """The shown draft with what is in the fields (work order kept as typed)."""
        checked = self.category_group.checkedButton()
        category = next((c for c, b in self.category_buttons.items() if b is checked), None)
        return replace(base, category=category, notes=self.notes.toPlainText(),
                       case_number=self.case_number.text(),
                       court_code=self.court.currentData() or "")

    def _keep_form(self) -> None:
        """Store the fields into the shown draft (before showing another)."""
        if self._shown is None or self._shown not in self._pending:
            return
        record, call_id = self._pending[self._shown]
        self._pending[self._shown] = (self._form_record(record), call_id)
        self._typed_work_order[self._shown] = self.work_order.text()

    def _show(self, key: str | None) -> None:
        self._shown = key
        enabled = key is not None
        for w in (*self.category_buttons.values(), self.court, self.notes, self.case_number,
                  self.work_order, self.save_btn):
            w.setEnabled(enabled)
        self.category_group.setExclusive(False)
        for b in self.category_buttons.values():
            b.setChecked(False)
        self.category_group.setExclusive(True)
        if key is None:
            self.headline.setText(self.tr("No call to record."))
            self.notes.clear()
            self.case_number.clear()
            self.work_order.clear()
            self.court.setCurrentIndex(0)
            self.refresh_timer()
            return
        record, _ = self._pending[key]
        if record.category is not None:
            self.category_buttons[WrapUpCategory(record.category)].setChecked(True)
        self.notes.setPlainText(record.notes)
        self.case_number.setText(record.case_number)
        typed = self._typed_work_order.get(key)
        self.work_order.setText(typed if typed is not None else
                                (str(record.work_order_id) if record.work_order_id else ""))
        index = self.court.findData(record.court_code)
        if index < 0 and record.court_code:
            self.court.addItem(record.court_code, record.court_code)
            index = self.court.count() - 1
        self.court.setCurrentIndex(max(0, index))
        self.headline.setText(self._headline(record))
        self.refresh_timer()

    def _headline(self, r: WrapUpRecord) -> str:
        when = datetime.fromtimestamp(r.call_started_at).strftime("%H:%M") \
            if r.call_started_at else ""
        talk = format_duration(max(0.0, (r.call_ended_at or 0) - (r.call_answered_at or 0))) \
            if r.call_answered_at and r.call_ended_at else ""
        text = (self.tr("Record of the call from %1") if r.direction is CallDirection.INCOMING
                else self.tr("Record of the call to %1")).replace(
                    "%1", r.caller_number or self.tr("an unknown number"))
        if when:
            text += "  " + self.tr("at %1").replace("%1", when)
        if talk:
            text += "  (" + talk + ")"
        if r.saved:
            text += "  " + self.tr("(saved; you may correct it)")
        return text

    def _fill_waiting(self) -> None:
        self.waiting.blockSignals(True)
        self.waiting.clear()
        for key, (record, _) in self._pending.items():
            when = datetime.fromtimestamp(record.call_started_at).strftime("%H:%M") \
                if record.call_started_at else ""
            self.waiting.addItem(f"{when} {record.caller_number}".strip(), key)
        if self._shown is not None:
            self.waiting.setCurrentIndex(max(0, self.waiting.findData(self._shown)))
        self.waiting.blockSignals(False)
        many = len(self._pending) > 1
        self.waiting.setVisible(many)
        self.waiting_label.setVisible(many)

    def _on_pick(self, index: int) -> None:
        key = self.waiting.itemData(index)
        if key is None or key == self._shown:
            return
        self._keep_form()
        self._show(key)

    # --- wrap-up time ------------------------------------------------------------------

    def refresh_timer(self) -> None:
        left = self.service.wrap_up_left()
        self.more_time_btn.setVisible(left is not None)
        if left is not None:
            self.timer_label.setText(self.tr("Wrap-up: %1 left before the next call.")
                                     .replace("%1", format_duration(left)))
        elif self._shown is not None:
            self.timer_label.setText(self.tr(
                "Wrap-up time is over and calls reach you again. What you typed is kept: "
                "save the record when you can."))
        else:
            self.timer_label.setText("")

    def _more_time(self) -> None:
        self.service.extend()
        self.refresh_timer()

    # --- saving ---------------------------------------------------------------------------

    @property
    def pending_keys(self) -> list[str]:
        return list(self._pending)

    def save(self) -> WrapUpRecord | None:
        """Save the shown record; on failure the form stays as typed."""
        if self._shown is None:
            return None
        key = self._shown
        base, call_id = self._pending[key]
        try:
            record = replace(self._form_record(base),
                             work_order_id=parse_work_order_id(self.work_order.text()))
            saved = self.service.save(record)
        except WrapUpError as e:
            self.message.setText(self._error_text(e))
            self.message.setStyleSheet("color:#b00020")
            return None
        except Exception as e:   # StorageError and the like: say it, keep the form
            log.warning("wrap-up not saved: %s", e)
            self.message.setText(self.tr("The record was not saved: %1 What you typed is kept; "
                                         "try again.").replace("%1", explain(e)))
            self.message.setStyleSheet("color:#b00020")
            return None
        del self._pending[key]
        self._typed_work_order.pop(key, None)
        self.message.setStyleSheet("color:#1b5e20")
        self.message.setText(self.tr("Record saved."))
        cur = self.ctx.current_call
        if cur is not None and cur.call_id == call_id and cur.phase is CallPhase.ENDED:
            self.ctx.finish_call()
        self._shown = None
        self._fill_waiting()
        self._show(next(iter(self._pending), None))
        self.recordSaved.emit(saved)
        return saved

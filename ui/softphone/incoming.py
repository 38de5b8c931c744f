"""The incoming-call notification: a small always-on-top window.

Shown when a call rings, also when the main window is not in front: the
caller's number, the name where the directory knows it, Answer and Reject.
The ringtone itself is played by the window's controller on the ringer device.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.domain.calls import CallSnapshot
from ui.style import GREEN, RED, action_button


class IncomingCallPopup(QWidget):
    # int: call id the seat answered / rejected from the popup.
    answerClicked = Signal(int)
    rejectClicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent, Qt.Window | Qt.WindowStaysOnTopHint | Qt.Tool)
        self.setObjectName("incomingPopup")
        self.setWindowTitle(self.tr("Incoming call"))
        self.call_id: int | None = None
        self.caller = QLabel()
        self.caller.setObjectName("incomingCaller")
        self.caller.setStyleSheet("font-size:20px;font-weight:bold")
        self.detail = QLabel()
        self.detail.setObjectName("incomingDetail")
        self.detail.setWordWrap(True)
        # The screen pop (earlier calls, cases of this number), when the desk has one.
        self.pop = QLabel()
        self.pop.setObjectName("incomingScreenPop")
        self.pop.setWordWrap(True)
        self.pop.setTextFormat(Qt.RichText)
        self.pop.setStyleSheet("color:#37474f")
        self.pop.hide()
        self.answer_btn = QPushButton(self.tr("Answer (F5)"))
        self.answer_btn.setObjectName("popupAnswer")
        self.answer_btn.setStyleSheet(action_button(GREEN, padding="8px"))
        self.reject_btn = QPushButton(self.tr("Reject"))
        self.reject_btn.setObjectName("popupReject")
        self.reject_btn.setStyleSheet(action_button(RED, bold=False, padding="8px"))
        self.answer_btn.clicked.connect(lambda: self.call_id is not None and self.answerClicked.emit(self.call_id))
        self.reject_btn.clicked.connect(lambda: self.call_id is not None and self.rejectClicked.emit(self.call_id))
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("Incoming call")))
        lay.addWidget(self.caller)
        lay.addWidget(self.detail)
        lay.addWidget(self.pop)
        row = QHBoxLayout()
        row.addWidget(self.answer_btn)
        row.addWidget(self.reject_btn)
        lay.addLayout(row)
        self.resize(320, 160)

    def present(self, snap: CallSnapshot, name: str, detail: str, pop_html: str = ""):
        self.call_id = snap.call_id
        self.caller.setText(f"{name}  {snap.peer_number}" if name else snap.peer_number)
        self.detail.setText(detail)
        self.pop.setText(pop_html)
        self.pop.setVisible(bool(pop_html))
        self.adjustSize()
        self.show()
        self.raise_()
        self.activateWindow()

    def dismiss(self, call_id: int | None = None):
        if call_id is None or call_id == self.call_id:
            self.call_id = None
            self.hide()

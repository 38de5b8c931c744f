"""The consulting judge's desk: a window beside the wallboard.

Tabs: the consult inbox (questions from seats with their call's context,
answered back over SIP MESSAGE), the knowledge-base editor, complaints (the
consulting judge sees every court's), and the daily report for the 16:00
training hour. Opened with the wallboard in the judge role; the wallboard's
"Judge's desk" button (Ctrl+J) brings it back. A new question raises it.

The inbox takes the questions addressed to this desktop's SIP account, so the
judge's PC signs in with the consulting judge's own number (directory kind
``consulting_judge``).
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMainWindow, QPushButton, QTabWidget

from ui.desk.context import DeskContext

log = logging.getLogger(__name__)


class JudgeDeskWindow(QMainWindow):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("judgeDeskWindow")
        self.setWindowTitle(self.tr("12368 Hotline - Consulting judge's desk"))
        self.tabs = QTabWidget()
        self.tabs.setObjectName("judgeTabs")
        self.setCentralWidget(self.tabs)
        self.resize(1100, 760)


class JudgeDesk:
    """Builds the judge's pages over the store and the SIP engine."""

    def __init__(self, desk, settings, wallboard=None):
        from app.services.complaints import ComplaintService, MessageNotifier, seats_of_court
        from app.services.consult import ConsultService
        from app.services.daily_report import DailyReportService
        from app.services.knowledge_base import KnowledgeBase
        from app.storage.complaint_repo import ComplaintRepository
        from app.storage.consult_repo import ConsultRepository
        from app.storage.kb_repo import KnowledgeRepository
        from app.storage.report_repo import ReportRepository
        from ui.desk.complaints import ComplaintsPage, viewer_for
        from ui.desk.consult_inbox import ConsultInbox
        from ui.desk.kb_editor import KnowledgeEditor
        from ui.desk.report import ReportPage

        d = desk.directory
        self.engine = desk.engine
        entry = d.by_number(settings.user)
        name = entry.name if entry is not None else (settings.display_name or settings.user)
        self.window = JudgeDeskWindow()
        self.ctx = DeskContext(seat=settings.user, seat_name=name,
                               court=entry.court if entry else "", directory=d,
                               dial=self._dial, engine=desk.engine,
                               add_page=lambda w, t: self.window.tabs.addTab(w, t))
        self.ctx.pageRequested.connect(lambda w: self.window.tabs.setCurrentWidget(w))
        kb = KnowledgeBase(KnowledgeRepository())
        self.inbox = ConsultInbox(ConsultService(ConsultRepository(), kb), judge_name=name,
                                  messenger=desk.engine, directory=d)
        self.editor = KnowledgeEditor(kb, editor_name=name)
        main = d.main_court()
        notifier = MessageNotifier(
            lambda number, body, ctype: desk.engine.send_message(number, body, ctype),
            seats_of_court(d), exclude=[settings.user])
        complaints = ComplaintService(ComplaintRepository(), viewer_for(self.ctx), notifier=notifier,
                                      known_courts=[c.code for c in d.courts()],
                                      main_court=main.code if main else "")
        self.complaints = ComplaintsPage(self.ctx, complaints)
        self.report = ReportPage(self.ctx, DailyReportService(ReportRepository(), directory=d))
        translate = QCoreApplication.translate  # by this name lupdate finds the strings
        for page, title in ((self.inbox, translate("JudgeDesk", "Consult inbox")),
                            (self.editor, translate("JudgeDesk", "Knowledge base")),
                            (self.complaints, translate("JudgeDesk", "Complaints")),
                            (self.report, translate("JudgeDesk", "Daily report"))):
            self.ctx.add_page(page, title)
        self.inbox.questionArrived.connect(self._raise_inbox)
        if wallboard is not None:
            btn = QPushButton(translate("JudgeDesk", "Judge's desk (Ctrl+J)"))
            btn.setObjectName("openJudgeDesk")
            btn.clicked.connect(self.show)
            wallboard.add_panel(btn)
            self._shortcut = QShortcut(QKeySequence("Ctrl+J"), wallboard)
            self._shortcut.activated.connect(self.show)
        self.pages = [self.inbox, self.editor, self.complaints, self.report]

    def _dial(self, number: str, headers: dict | None = None) -> int | None:
        """Calls from the judge's desk (a complaint's call back) go through the engine."""
        from ui.messages import explain
        try:
            return self.engine.make_call(number, headers) if headers else self.engine.make_call(number)
        except Exception as e:
            log.warning("judge desk could not dial %s: %s", number, e)
            self.window.statusBar().showMessage(
                QCoreApplication.translate("JudgeDesk", "Could not call %1: %2").replace("%1", number).replace("%2", explain(e)),
                15000)
            return None

    def show(self) -> None:
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def _raise_inbox(self, _question) -> None:
        self.window.tabs.setCurrentWidget(self.inbox)
        self.show()
        QApplication.alert(self.window)

    def close(self) -> None:
        for p in self.pages:
            try:
                p.close()
            except Exception:
                log.exception("judge desk page not closed")
        self.window.close()
        self.window.deleteLater()

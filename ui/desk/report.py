"""The daily report page, for the consulting judge's 16:00 training hour.

UI side, over ``DailyReportService`` (app.services.daily_report): pick a day,
see the report (the same HTML that is exported, in the seat's language), and
export it as HTML or PDF. The PDF is the HTML laid out by Qt's QTextDocument
on A4 pages through QPdfWriter (QtGui; no QtPrintSupport needed), with a CJK
font as the document's default so Chinese text is embedded, not boxes, and a
Latin font first for digits and letters (see PDF_FONT_STACK).

Known limit of Qt's PDF writer (seen here with Noto Sans CJK): where the font
gives one glyph to an ideograph and to a look-alike radical (高 and ⾼, 人 and
⼈, 民 and ⺠), the PDF's text map names the radical, so the page looks and
prints right but copying or searching those characters in the PDF fails. The
HTML export is the one to search and copy from.
"""
from __future__ import annotations

import datetime as _dt
import logging
import os
from pathlib import Path

from PySide6.QtCore import QDate, QLocale, QMarginsF, QSizeF
from PySide6.QtGui import QFont, QFontDatabase, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import (QDateEdit, QFileDialog, QHBoxLayout, QLabel, QPushButton,
                               QTextBrowser, QVBoxLayout, QWidget)

from app.domain.calls import CallResult
from app.domain.daily_report import DailyReport
from app.domain.wrap_up import WrapUpCategory
from app.services.daily_report import PDF_FONT_STACK, ReportLabels
from ui.messages import explain

log = logging.getLogger(__name__)

CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
                "WenQuanYi Micro Hei", "SimSun")


def cjk_font(point_size: float = 9.5) -> QFont:
    """The first installed CJK font of CJK_FAMILIES (else Qt's default)."""
    installed = set(QFontDatabase.families())
    family = next((f for f in CJK_FAMILIES if f in installed), None)
    font = QFont(family) if family else QFont()
    font.setPointSizeF(point_size)
    return font


def write_pdf(html: str, path: Path | str, title: str = "") -> Path:
    """Lay ``html`` out on A4 pages and write the PDF; OSError on failure."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    writer = QPdfWriter(str(tmp))
    writer.setTitle(title)
    writer.setCreator("12368 desk")
    writer.setResolution(300)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.A4), QPageLayout.Portrait,
                                     QMarginsF(12, 12, 12, 12), QPageLayout.Millimeter))
    doc = QTextDocument()
    doc.setDefaultFont(cjk_font())
    doc.setHtml(html)
    # Lay out on the page's printable area (in points, as QTextDocument.print_ does).
    rect = writer.pageLayout().paintRect(QPageLayout.Point)
    doc.setPageSize(QSizeF(rect.width(), rect.height()))
    doc.print_(writer)
    del writer          # finishes and closes the file
    if not tmp.exists() or tmp.stat().st_size == 0:
        raise OSError(f"the PDF could not be written to {path}")
    os.replace(tmp, path)
    return path


class ReportPage(QWidget):
    """Constructor: ``ReportPage(ctx, service)`` with a DeskContext and a
    DailyReportService."""

    def __init__(self, ctx, service, parent=None):
        super().__init__(parent)
        self.setObjectName("reportPage")
        self.ctx = ctx
        self.service = service
        self.report: DailyReport | None = None
        self.html = ""

        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.show_btn = QPushButton(self.tr("Show"))
        self.show_btn.clicked.connect(lambda: self.build())
        self.export_html_btn = QPushButton(self.tr("Export HTML…"))
        self.export_html_btn.clicked.connect(lambda: self._export_dialog("html"))
        self.export_pdf_btn = QPushButton(self.tr("Export PDF…"))
        self.export_pdf_btn.clicked.connect(lambda: self._export_dialog("pdf"))
        self.view = QTextBrowser()
        self.view.setObjectName("reportView")
        self.view.setFont(cjk_font(10))
        self.message = QLabel()
        self.message.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Day")))
        top.addWidget(self.date)
        top.addWidget(self.show_btn)
        top.addStretch(1)
        top.addWidget(self.export_html_btn)
        top.addWidget(self.export_pdf_btn)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.message)
        self._enable_exports()

    # --- words ------------------------------------------------------------------------

    def labels(self) -> ReportLabels:
        """ReportLabels in the seat's language."""
        return ReportLabels(
            language=QLocale().bcp47Name() or "en", title=self.tr("12368 hotline: daily report"),
            subtitle=self.tr("For the 16:00 training hour"), day=self.tr("Day"),
            generated=self.tr("Generated at"), summary=self.tr("Summary"),
            incoming=self.tr("Incoming calls"), answered=self.tr("Answered"),
            missed=self.tr("Missed"), rejected=self.tr("Declined by the seat"),
            outgoing=self.tr("Outgoing calls"),
            outgoing_answered=self.tr("Outgoing calls connected"),
            abandoned=self.tr("Abandoned in a queue"),
            not_recorded=self.tr("Answered without a wrap-up"),
            answered_elsewhere=self.tr("Offers not answered by one seat, answered by another"),
            by_court=self.tr("Calls by court"), court=self.tr("Court"),
            unknown_court=self.tr("(not known)"), total=self.tr("Total"),
            by_category=self.tr("Calls by category"), category=self.tr("Category"),
            calls=self.tr("Calls"), by_outcome=self.tr("Calls by outcome"),
            direction=self.tr("Direction"), direction_in=self.tr("Incoming"),
            direction_out=self.tr("Outgoing"), outcome=self.tr("Outcome"),
            escalations=self.tr("Escalations: the urgent ladder"),
            work_orders=self.tr("Work orders sent"),
            questions=self.tr("Difficult questions and the consulting judge's answers"),
            missed_calls=self.tr("Missed calls"),
            abandoned_calls=self.tr("Abandoned while waiting in a queue"), time=self.tr("Time"),
            seat=self.tr("Seat"), case=self.tr("Case"), rung=self.tr("Whom"), name=self.tr("Name"),
            number=self.tr("Number"), caller=self.tr("Caller"), reason=self.tr("Reason"),
            seats=self.tr("Seats rung"), queue=self.tr("Queue"), question=self.tr("Question"),
            answer=self.tr("Answer"), answered_by=self.tr("Answered by"),
            not_answered_yet=self.tr("(not answered yet)"), recipient=self.tr("To"),
            urgency=self.tr("Urgency"), status=self.tr("Status"), none=self.tr("None."),
            categories={WrapUpCategory.CASE_ENQUIRY: self.tr("Case enquiry"),
                        WrapUpCategory.CONTACT_JUDGE: self.tr("Contact a judge"),
                        WrapUpCategory.LEGAL_QUESTION: self.tr("Legal question"),
                        WrapUpCategory.COMPLAINT: self.tr("Complaint"),
                        WrapUpCategory.OTHER: self.tr("Other"), None: self.tr("No wrap-up saved")},
            outcomes={CallResult.ANSWERED: self.tr("Answered"),
                      CallResult.MISSED: self.tr("Missed"),
                      CallResult.REJECTED: self.tr("Declined"),
                      CallResult.FAILED: self.tr("Failed"),
                      CallResult.CANCELLED: self.tr("Cancelled")},
            words={"judge": self.tr("Case judge"), "division_office": self.tr("Division office"),
                   "division_chief": self.tr("Division chief"), "answered": self.tr("answered"),
                   "no_answer": self.tr("no answer"), "busy": self.tr("busy"),
                   "failed": self.tr("failed"), "normal": self.tr("normal"),
                   "urgent": self.tr("urgent"), "sent": self.tr("sent"),
                   "acknowledged": self.tr("acknowledged"), "done": self.tr("done"),
                   "overdue": self.tr("overdue"), "cancelled": self.tr("cancelled")})

    # --- building ------------------------------------------------------------------------

    def day(self) -> _dt.date:
        d = self.date.date()
        return _dt.date(d.year(), d.month(), d.day())

    def build(self, day: _dt.date | None = None) -> DailyReport | None:
        """Build and show the report of ``day`` (default: the picked day)."""
        if day is not None:
            self.date.setDate(QDate(day.year, day.month, day.day))
        try:
            report = self.service.build(self.day())
        except Exception as e:      # StorageError: say it; the old report stays
            log.warning("daily report failed: %s", e)
            self._say(self.tr("The report could not be built: %1").replace("%1", explain(e)), True)
            return None
        self.report = report
        self.html = self.service.render_html(report, self.labels())
        self.view.setHtml(self.html)
        self._say("")
        self._enable_exports()
        return report

    def _enable_exports(self) -> None:
        self.export_html_btn.setEnabled(self.report is not None)
        self.export_pdf_btn.setEnabled(self.report is not None)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color:#b00020" if error else "color:#1b5e20")
        self.message.setText(text)

    # --- exporting ---------------------------------------------------------------------------

    def export_html(self, path: Path | str) -> Path | None:
        if self.report is None:
            return None
        try:
            done = self.service.export_html(self.report, path, self.labels())
        except OSError as e:
            self._say(self.tr("The file could not be written: %1. Choose another folder.")
                      .replace("%1", e.strerror or str(e)), True)
            return None
        self._say(self.tr("Saved to %1").replace("%1", str(done)))
        return done

    def export_pdf(self, path: Path | str) -> Path | None:
        if self.report is None:
            return None
        labels = self.labels()
        try:
            done = write_pdf(self.service.render_html(self.report, labels, font_pt=9,
                                                      font_stack=PDF_FONT_STACK),
                             path, labels.title + " " + self.report.day.isoformat())
        except OSError as e:
            self._say(self.tr("The file could not be written: %1. Choose another folder.")
                      .replace("%1", e.strerror or str(e)), True)
            return None
        self._say(self.tr("Saved to %1").replace("%1", str(done)))
        return done

    def _export_dialog(self, kind: str) -> None:
        if self.report is None:
            return
        name = f"12368-daily-report-{self.report.day.isoformat()}.{kind}"
        start = str(Path.home() / name)
        filt = self.tr("PDF files (*.pdf)") if kind == "pdf" else self.tr("Web pages (*.html)")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the daily report"), start, filt)
        if path:
            (self.export_pdf if kind == "pdf" else self.export_html)(path)

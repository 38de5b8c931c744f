"""The daily report: built from the store for one day, rendered as HTML.

Service layer: reads the day's rows through a ``ReportStore`` port
(ReportRepository provides it), counts them with the pure
``app.domain.daily_report.build_report``, and renders a self-contained HTML
page (inline CSS, no images or scripts, UTF-8, CJK fonts named first) that a
browser opens as is and that Qt's QTextDocument turns into the PDF (ui/desk/
report.py; PDF needs Qt, so it is made on the UI side).

Words on the page come from ``ReportLabels``: English defaults here, and the
UI passes a copy filled with its tr() texts, so the report is in the seat's
language without app/ importing Qt. Court names come from the directory.
"""
from __future__ import annotations

import datetime as _dt
import html
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from app.domain.calls import CallDirection, CallResult
from app.domain.daily_report import (CATEGORY_ORDER, INCOMING_OUTCOMES, OUTGOING_OUTCOMES,
                                     DailyReport, EscalationLine, QueueCounterSample,
                                     QuestionLine, WorkOrderLine, build_report, day_bounds)
from app.domain.directory import Directory
from app.domain.history import CallHistoryEntry
from app.domain.wrap_up import WrapUpCategory, WrapUpRecord

FONT_STACK = ('"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", '
              '"PingFang SC", "WenQuanYi Micro Hei", "SimSun", sans-serif')
# For the PDF: a Latin font first, the CJK fonts for the Chinese. Qt's PDF
# writer gave Noto CJK's digits and Latin letters no text mapping (copying or
# searching "2026" in the PDF found nothing); a Latin font carries them.
PDF_FONT_STACK = '"DejaVu Sans", "Arial", "Liberation Sans", ' + FONT_STACK


class ReportStore(Protocol):
    def calls(self, start: float, end: float) -> list[CallHistoryEntry]: ...
    def wrap_ups(self, start: float, end: float) -> list[WrapUpRecord]: ...
    def escalations(self, start: float, end: float) -> list[EscalationLine]: ...
    def questions(self, start: float, end: float) -> list[QuestionLine]: ...
    def work_orders(self, start: float, end: float) -> list[WorkOrderLine]: ...
    def queue_counters(self, start: float, end: float) -> list[QueueCounterSample]: ...


def _default_categories() -> dict:
    return {WrapUpCategory.CASE_ENQUIRY: "Case enquiry",
            WrapUpCategory.CONTACT_JUDGE: "Contact a judge",
            WrapUpCategory.LEGAL_QUESTION: "Legal question",
            WrapUpCategory.COMPLAINT: "Complaint",
            WrapUpCategory.OTHER: "Other",
            None: "No wrap-up saved"}


def _default_outcomes() -> dict:
    return {CallResult.ANSWERED: "Answered", CallResult.MISSED: "Missed",
            CallResult.REJECTED: "Declined", CallResult.FAILED: "Failed",
            CallResult.CANCELLED: "Cancelled"}


@dataclass
class ReportLabels:
    """Every word the HTML page shows (the UI fills it with tr() texts)."""
    language: str = "en"
    title: str = "12368 hotline: daily report"
    subtitle: str = "For the 16:00 training hour"
    day: str = "Day"
    generated: str = "Generated at"
    summary: str = "Summary"
    incoming: str = "Incoming calls"
    answered: str = "Answered"
    missed: str = "Missed"
    rejected: str = "Declined by the seat"
    outgoing: str = "Outgoing calls"
    outgoing_answered: str = "Outgoing calls connected"
    abandoned: str = "Abandoned in a queue"
    not_recorded: str = "Answered without a wrap-up"
    answered_elsewhere: str = "Offers not answered by one seat, answered by another"
    by_court: str = "Calls by court"
    court: str = "Court"
    unknown_court: str = "(not known)"
    total: str = "Total"
    by_category: str = "Calls by category"
    category: str = "Category"
    calls: str = "Calls"
    by_outcome: str = "Calls by outcome"
    direction: str = "Direction"
    direction_in: str = "Incoming"
    direction_out: str = "Outgoing"
    outcome: str = "Outcome"
    escalations: str = "Escalations: the urgent ladder"
    work_orders: str = "Work orders sent"
    questions: str = "Difficult questions and the consulting judge's answers"
    missed_calls: str = "Missed calls"
    abandoned_calls: str = "Abandoned while waiting in a queue"
    time: str = "Time"
    seat: str = "Seat"
    case: str = "Case"
    rung: str = "Whom"
    name: str = "Name"
    number: str = "Number"
    caller: str = "Caller"
    reason: str = "Reason"
    seats: str = "Seats rung"
    queue: str = "Queue"
    question: str = "Question"
    answer: str = "Answer"
    answered_by: str = "Answered by"
    not_answered_yet: str = "(not answered yet)"
    recipient: str = "To"
    urgency: str = "Urgency"
    status: str = "Status"
    none: str = "None."
    categories: dict = field(default_factory=_default_categories)
    outcomes: dict = field(default_factory=_default_outcomes)
    # Raw values (rungs, attempt outcomes, urgencies, statuses) -> words.
    words: dict = field(default_factory=dict)

    def word(self, value: str) -> str:
        return self.words.get(value, value)


class DailyReportService:
    def __init__(self, repo: ReportStore, *, directory: Directory | None = None,
                 court_of_seat: Callable[[str], str] | None = None,
                 court_name: Callable[[str], str] | None = None,
                 clock: Callable[[], float] = time.time):
        self.repo = repo
        self.directory = directory
        self.clock = clock
        self._court_of_seat = court_of_seat or self._directory_court_of_seat
        self._court_name = court_name or self._directory_court_name

    def _directory_court_of_seat(self, seat: str) -> str:
        entry = self.directory.by_number(seat) if self.directory else None
        return entry.court if entry else ""

    def _directory_court_name(self, code: str) -> str:
        court = self.directory.court(code) if self.directory and code else None
        return court.name if court else code

    def court_name(self, code: str) -> str:
        return self._court_name(code)

    def build(self, day: _dt.date) -> DailyReport:
        """The report of ``day`` (local time) from what the store holds now."""
        start, end = day_bounds(day)
        r = self.repo
        return build_report(
            day, records=r.calls(start, end), wrap_ups=r.wrap_ups(start, end),
            escalations=r.escalations(start, end), questions=r.questions(start, end),
            work_orders=r.work_orders(start, end), queue_samples=r.queue_counters(start, end),
            court_of_seat=self._court_of_seat, generated_at=self.clock())

    # --- HTML -----------------------------------------------------------------------

    def render_html(self, report: DailyReport, labels: ReportLabels | None = None, *,
                    font_stack: str = FONT_STACK, font_pt: float = 10.5) -> str:
        return render_html(report, labels or ReportLabels(), self._court_name,
                           font_stack=font_stack, font_pt=font_pt)

    def export_html(self, report: DailyReport, path: Path | str,
                    labels: ReportLabels | None = None) -> Path:
        """Write the page (UTF-8) through a temporary file; OSError on failure."""
        path = Path(path)
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(self.render_html(report, labels), encoding="utf-8")
        os.replace(tmp, path)
        return path


def _hm(ts: float | None) -> str:
    return _dt.datetime.fromtimestamp(ts).strftime("%H:%M") if ts else ""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _table(table_id: str, headers: list[str], rows: list[list], numeric_from: int = 99,
           nowrap: tuple[int, ...] = (), widths: list[int] | None = None) -> str:
    """One table; numbers right-aligned; the ``nowrap`` columns kept on one
    line (court names, times: so a narrow PDF page does not stack them).
    ``widths``: column widths in percent of the page, for tables of text."""
    width = ' width="100%"' if widths else ""
    out = [f'<table id="{table_id}" border="1" cellspacing="0" cellpadding="4"{width}>', "<tr>"]
    out += [f'<th width="{widths[i]}%">{_e(h)}</th>' if widths else f"<th>{_e(h)}</th>"
            for i, h in enumerate(headers)]
    out.append("</tr>")
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if i >= numeric_from:
                attrs = ' class="n" align="right"'
            elif i in nowrap:
                attrs = ' nowrap style="white-space:nowrap"'
            else:
                attrs = ""
            cells.append(f"<td{attrs}>{_e(cell)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def render_html(report: DailyReport, labels: ReportLabels,
                court_name: Callable[[str], str] = lambda c: c, *,
                font_stack: str = FONT_STACK, font_pt: float = 10.5) -> str:
    """A self-contained HTML page of ``report`` in ``labels``' words."""
    L = labels

    def court(code: str) -> str:
        return court_name(code) if code else L.unknown_court

    parts: list[str] = []
    add = parts.append
    add(f'<!DOCTYPE html>\n<html lang="{_e(L.language)}"><head><meta charset="utf-8">')
    add(f"<title>{_e(L.title)} {report.day.isoformat()}</title>")
    add("<style>"
        f"body{{font-family:{font_stack};font-size:{font_pt:g}pt;color:#111;margin:1.5em;}}"
        "h1{font-size:16pt;margin:0 0 .2em 0;} h2{font-size:12.5pt;margin:1.2em 0 .4em 0;"
        "border-bottom:1px solid #999;} table{border-collapse:collapse;margin:.3em 0;}"
        "th,td{border:1px solid #888;padding:3px 6px;vertical-align:top;}"
        "th{background:#eee;text-align:left;} td.n{text-align:right;}"
        "p.meta{color:#444;margin:0;}"
        "</style></head><body>")
    add(f"<h1>{_e(L.title)}</h1>")
    add(f'<p class="meta">{_e(L.subtitle)}</p>')
    add(f'<p class="meta">{_e(L.day)}: {report.day.isoformat()} &nbsp; '
        f'{_e(L.generated)}: {_e(_dt.datetime.fromtimestamp(report.generated_at).strftime("%Y-%m-%d %H:%M") if report.generated_at else "")}</p>')

    # Summary
    add(f"<h2>{_e(L.summary)}</h2>")
    add(_table("summary", ["", L.calls], [
        [L.incoming, report.incoming], [L.answered, report.answered],
        [L.missed, report.missed], [L.rejected, report.rejected],
        [L.abandoned, report.abandoned_total], [L.not_recorded, report.not_recorded],
        [L.answered_elsewhere, report.answered_elsewhere],
        [L.outgoing, report.outgoing], [L.outgoing_answered, report.outgoing_answered],
    ], numeric_from=1))

    # By court: the outcomes, then the categories (two narrow tables print
    # better than one wide one).
    add(f"<h2>{_e(L.by_court)}</h2>")
    rows = [[court(r.court), r.incoming, r.answered, r.missed, r.rejected, r.outgoing]
            for r in report.by_court]
    rows.append([L.total, report.incoming, report.answered, report.missed, report.rejected,
                 report.outgoing])
    add(_table("by-court", [L.court, L.incoming, L.answered, L.missed, L.rejected, L.outgoing],
               rows, numeric_from=1, nowrap=(0,)))

    add(f"<h2>{_e(L.by_category)}</h2>")
    cats = list(CATEGORY_ORDER)
    add(_table("by-category", [L.category, L.calls],
               [[L.categories.get(c, str(c)), report.by_category.get(c, 0)] for c in cats],
               numeric_from=1))
    rows = [[court(r.court)] + [r.categories.get(c, 0) for c in cats] for r in report.by_court
            if any(r.categories.get(c, 0) for c in cats)]
    rows.append([L.total] + [report.by_category.get(c, 0) for c in cats])
    add(_table("court-categories", [L.court] + [L.categories.get(c, str(c)) for c in cats],
               rows, numeric_from=1, nowrap=(0,), widths=[28] + [12] * len(cats)))

    # By outcome
    add(f"<h2>{_e(L.by_outcome)}</h2>")
    rows = [[L.direction_in, L.outcomes.get(o, o.value),
             report.by_outcome.get((CallDirection.INCOMING, o), 0)] for o in INCOMING_OUTCOMES]
    rows += [[L.direction_out, L.outcomes.get(o, o.value),
              report.by_outcome.get((CallDirection.OUTGOING, o), 0)] for o in OUTGOING_OUTCOMES]
    add(_table("by-outcome", [L.direction, L.outcome, L.calls], rows, numeric_from=2))

    # Escalations and work orders
    add(f"<h2>{_e(L.escalations)}</h2>")
    if report.escalations:
        add(_table("escalations", [L.time, L.seat, L.case, L.rung, L.name, L.number, L.outcome],
                   [[_hm(e.at), e.seat, e.case_number, L.word(e.rung), e.name, e.number,
                     L.word(e.outcome) + (f" ({e.reason})" if e.reason else "")]
                    for e in report.escalations], nowrap=(0, 1),
                   widths=[9, 8, 22, 15, 14, 12, 20]))
    else:
        add(f"<p>{_e(L.none)}</p>")
    add(f"<h2>{_e(L.work_orders)}</h2>")
    if report.work_orders:
        add(_table("work-orders", [L.time, L.case, L.court, L.recipient, L.urgency, L.status],
                   [[_hm(w.created_at), w.case_number, court(w.court), w.recipient_name,
                     L.word(w.urgency), L.word(w.status)] for w in report.work_orders],
                   nowrap=(0,), widths=[9, 22, 22, 19, 14, 14]))
    else:
        add(f"<p>{_e(L.none)}</p>")

    # Difficult questions
    add(f"<h2>{_e(L.questions)}</h2>")
    if report.questions:
        add(_table("questions", [L.time, L.seat, L.court, L.case, L.question, L.answer,
                                 L.answered_by],
                   [[_hm(q.asked_at), q.seat_name or q.seat, court(q.court), q.case_number,
                     q.question, q.answer or L.not_answered_yet, q.answered_by]
                    for q in report.questions], nowrap=(0,),
                   widths=[8, 8, 13, 12, 24, 24, 11]))
    else:
        add(f"<p>{_e(L.none)}</p>")

    # Missed and abandoned
    add(f"<h2>{_e(L.missed_calls)}</h2>")
    if report.missed_calls:
        add(_table("missed", [L.time, L.caller, L.court, L.seats, L.outcome, L.reason],
                   [[_hm(c.started_at), c.peer_number, court(c.court), ", ".join(c.seats),
                     L.outcomes.get(c.outcome, c.outcome.value), c.reason]
                    for c in report.missed_calls], nowrap=(0, 1),
                   widths=[9, 16, 24, 13, 13, 25]))
    else:
        add(f"<p>{_e(L.none)}</p>")
    add(f"<h2>{_e(L.abandoned_calls)}</h2>")
    if report.abandoned:
        rows = [[court(q.queue) if q.queue else q.court, q.abandoned] for q in report.abandoned]
        rows.append([L.total, report.abandoned_total])
        add(_table("abandoned", [L.queue, L.abandoned], rows, numeric_from=1))
    else:
        add(f"<p>{_e(L.none)}</p>")
    add("</body></html>")
    return "\n".join(parts)

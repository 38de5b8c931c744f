"""Assembles the seat's service desk in the softphone window.

One ``SeatDesk`` per signed-in seat (made by ui/roles.py SeatRole): the
``DeskContext`` over the engine and the window, the services over the store,
and the desk's pages as tabs under the calls. Nothing here decides anything;
it wires. Where a page or service is missing in a build, the desk still starts.

The case source is the local case directory in the store unless the site sets
``case_source_url`` (a court's case system over HTTPS, app/adapters/case_http.py).
In the demo, an empty store is seeded with generated cases on a worker thread;
their query codes and passwords are written to ``demo-cases.txt`` in the demo
folder so a new user can try a lookup.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from app.domain.calls import CallSnapshot
from app.services.demo_cases import DEMO_CASES, DEMO_SEED
from ui.desk.context import DeskContext

log = logging.getLogger(__name__)


def make_case_source(site):
    """The configured case source: the court's HTTP system or the local store."""
    url = site.get("case_source_url") if site is not None else None
    if url:
        from app.adapters.case_http import HttpCaseSource
        return HttpCaseSource(str(url), timeout_s=float(site.get("case_source_timeout_s") or 5.0),
                              cafile=site.get("case_source_cafile") or None)
    from app.storage.case_repo import CaseRepository
    return CaseRepository()


def seed_demo_cases(directory, dest: Path, count: int = DEMO_CASES) -> threading.Thread | None:
    """Fill an empty local case directory with generated cases (worker thread)."""
    from app.storage.case_repo import CaseRepository
    repo = CaseRepository()
    if repo.count() > 0:
        return None

    def work():
        from app.services.demo_cases import generate_demo_cases
        try:
            cases = generate_demo_cases(directory, count, seed=DEMO_SEED)
            repo.add_many([c.case for c in cases])
            lines = ["# 12368 demo cases: query code, password, case number, parties (phone)"]
            for c in cases:
                parties = ", ".join(f"{p.name} {p.phone}" for p in c.case.parties if p.phone)
                lines.append(f"{c.case.query_code}\t{c.password}\t{c.case.case_number}\t{parties}")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text("\n".join(lines) + "\n", encoding="utf-8")
        except Exception:
            log.exception("demo cases not seeded")
    t = threading.Thread(target=work, name="demo-cases", daemon=True)
    t.start()
    return t


class SeatDesk:
    """The desk pages of one seat, in the softphone window's tabs."""

    def __init__(self, desk, window, settings, *, court: str = "", seat_name: str = "",
                 machine=None):
        from app.services.case_lookup import CaseLookupService
        from app.services.screen_pop import ScreenPopService
        from app.storage.audit_repo import AuditRepository
        from app.storage.caller_repo import CallerRepository
        from ui.desk.caller import CallerPage

        self.window = window
        self.ctx = DeskContext(
            seat=settings.user, seat_name=seat_name, court=court, directory=desk.directory,
            dial=window.dial, show_problem=window.show_problem,
            add_page=lambda w, title: window.tabs.addTab(w, title), engine=desk.engine)
        self.ctx.pageRequested.connect(lambda w: window.tabs.setCurrentWidget(w))
        self.seeding = None
        if getattr(desk.args, "demo", False) and not (desk.site and desk.site.get("case_source_url")):
            self.seeding = seed_demo_cases(desk.directory, desk.data_dir / "demo" / "demo-cases.txt")
        self.lookup = CaseLookupService(make_case_source(desk.site), AuditRepository())
        self.screen_pop = ScreenPopService(CallerRepository())
        self.caller = CallerPage(self.ctx, self.lookup, self.screen_pop)
        self.pages = [self.caller]
        self.ctx.add_page(self.caller, QCoreApplication.translate("SeatDesk", "Caller && case"))
        self.wrap_up = self._wrap_up_page(settings, court, machine)
        self.work_orders = self._work_orders_page(desk)
        self.work_orders.orderCreated.connect(lambda order: self.ctx.link_work_order(order.id))
        self.knowledge, self.consult = self._knowledge_pages(desk)
        self.complaints = self._complaints_page(desk)
        self.report = self._report_page(desk)
        window.screen_pop = self.pop_html
        # The caller page comes to the front when a call is offered.
        self.ctx.currentCallChanged.connect(self._front_on_new_call)
        self._front_call: int | None = None

    def _add(self, page, title: str):
        self.pages.append(page)
        self.ctx.add_page(page, title)
        return page

    def _wrap_up_page(self, settings, court: str, machine):
        """The record of each call, tied to the seat's wrap-up state."""
        from app.services.wrap_up import WrapUpService
        from app.storage.wrapup_repo import WrapUpRepository
        from ui.desk.wrap_up import WrapUpPage
        service = WrapUpService(WrapUpRepository(), seat=settings.user, court=court, machine=machine)
        return self._add(WrapUpPage(self.ctx, service),
                         QCoreApplication.translate("SeatDesk", "Wrap-up"))

    def _knowledge_pages(self, desk):
        """Knowledge-base search, and questions to the consulting judge (SIP MESSAGE)."""
        from app.services.consult import ConsultService
        from app.services.knowledge_base import KnowledgeBase
        from app.storage.consult_repo import ConsultRepository
        from app.storage.kb_repo import KnowledgeRepository
        from ui.desk.consult import ConsultPage, consulting_judges
        from ui.desk.knowledge import KnowledgePage
        repo = KnowledgeRepository()
        kb = KnowledgeBase(repo)
        try:   # a new store starts with the starter set on litigation procedure
            if repo.count() == 0:
                from app.paths import resource
                kb.import_file(resource("kb_starter.md"))
        except Exception:
            log.exception("starter knowledge base not imported")
        judges = consulting_judges(desk.directory)
        service = ConsultService(ConsultRepository(), kb, judges={j.number for j in judges})
        kb_page = self._add(KnowledgePage(self.ctx, kb),
                            QCoreApplication.translate("SeatDesk", "Knowledge base"))
        ask = self._add(ConsultPage(self.ctx, service, judges=judges),
                        QCoreApplication.translate("SeatDesk", "Ask the consulting judge"))
        kb_page.askJudgeRequested.connect(
            lambda text: (ask.start_question(text), self.ctx.bring_forward(ask)))
        return kb_page, ask

    def _complaints_page(self, desk):
        """Complaints: filed from a call, dispatched to the court concerned by SIP MESSAGE."""
        from app.services.complaints import ComplaintService, MessageNotifier, seats_of_court
        from app.storage.complaint_repo import ComplaintRepository
        from ui.desk.complaints import ComplaintsPage, viewer_for
        d = desk.directory
        engine = desk.engine
        notifier = MessageNotifier(lambda number, body, ctype: engine.send_message(number, body, ctype),
                                   seats_of_court(d), exclude=[self.ctx.seat])
        main = d.main_court()
        service = ComplaintService(ComplaintRepository(), viewer_for(self.ctx), notifier=notifier,
                                   known_courts=[c.code for c in d.courts()],
                                   main_court=main.code if main else "")
        return self._add(ComplaintsPage(self.ctx, service),
                         QCoreApplication.translate("SeatDesk", "Complaints"))

    def _report_page(self, desk):
        from app.services.daily_report import DailyReportService
        from app.storage.report_repo import ReportRepository
        from ui.desk.report import ReportPage
        service = DailyReportService(ReportRepository(), directory=desk.directory)
        return self._add(ReportPage(self.ctx, service),
                         QCoreApplication.translate("SeatDesk", "Daily report"))

    def _work_orders_page(self, desk):
        """Work orders to judges (SMS through the site's gateway) and the urgent ladder."""
        from app.adapters.sms import gateway_from_settings
        from app.domain.work_orders import DuePolicy
        from app.services.escalation import EscalationService
        from app.services.work_orders import WorkOrderService
        from app.storage.case_repo import CaseRepository
        from app.storage.workorder_repo import WorkOrderRepository
        from ui.desk.work_orders import WorkOrdersPage
        values = dict(desk.site.values) if desk.site is not None else {}
        orders = WorkOrderService(WorkOrderRepository(),
                                  gateway_from_settings(values, getattr(desk, "secrets", None)),
                                  directory=desk.directory, due_policy=DuePolicy.from_settings(values))
        ladder = EscalationService(WorkOrderRepository(), desk.directory)
        cases = CaseRepository()

        def find_case(number: str):
            seen = next((v for v in self.caller.views if v.case_number == number), None)
            return seen or cases.by_number(number)
        ring_s = float(values.get("work_order_ring_timeout_s") or 30)
        page = WorkOrdersPage(self.ctx, orders, ladder, find_case=find_case, ring_timeout_s=ring_s)
        return self._add(page, QCoreApplication.translate("SeatDesk", "Work orders && escalation"))

    def pop_html(self, s: CallSnapshot) -> str:
        pop = self.screen_pop.pop(s.peer_number, call_started_at=s.started_at)
        return self.caller.pop_html(pop)

    def _front_on_new_call(self, s) -> None:
        if s is not None and s.call_id != self._front_call:
            self._front_call = s.call_id
            self.window.tabs.setCurrentWidget(self.caller)

    def close(self) -> None:
        if self.seeding is not None:   # the store closes after this: let the seeding finish
            self.seeding.join(timeout=15)
        self.window.screen_pop = None
        for p in self.pages:
            idx = self.window.tabs.indexOf(p)
            if idx >= 0:
                self.window.tabs.removeTab(idx)
            p.close()
            p.deleteLater()

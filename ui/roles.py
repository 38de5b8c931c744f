"""What each role adds at start-up: the seat's own state, the wallboard.

- Seat: a state machine fed by the softphone's calls and the seat's buttons,
  published as presence (sip/presence_publisher.py) at each change and again
  when registration comes back; a compact team view of its own court.
- Consulting judge: the wallboard over every seat and queue of the
  directory, through per-seat subscriptions (up to the buddy limit) or one
  resource-list subscription beyond it; last known states restored from the
  store at once, marked stale until fresh.
"""
from __future__ import annotations

import logging
import time

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from app.domain.accounts import AccountSettings
from app.domain.seat_state import SeatStateMachine
from app.services.seat_presence import SeatPresenceService
from ui.softphone.seat_panel import SeatStatePanel
from ui.wallboard.charts import day_start
from ui.wallboard.feed import PresenceFeed
from ui.wallboard.model import SeatTableModel
from ui.wallboard.window import WallboardWindow, state_labels

log = logging.getLogger(__name__)

QUEUE_PREFIX = "q-"  # queue presentities: sip:q-<court code>@domain


class SeatRole:
    """The seat's own state and team view, for one account."""

    def __init__(self, desk, window, settings: AccountSettings):
        from app.domain.seat_state import DEFAULT_NOT_READY_REASONS
        from sip.presence_publisher import PresencePublisher
        engine = desk.engine
        entry = desk.directory.by_number(settings.user)
        # The directory knows each seat's court; the site's ``court`` key is the
        # court of every desk IT installed there, for a seat the directory lacks.
        court = entry.court if entry else str(desk.site.get("court") or "")
        # Site-configurable: wrap-up length and the not-ready reasons offered.
        self.machine = SeatStateMachine(
            wrap_up_s=float(desk.settings.get("seat.wrap_up_s", 30)),
            reasons=tuple(desk.settings.get("seat.not_ready_reasons", list(DEFAULT_NOT_READY_REASONS))))
        self.publisher = PresencePublisher(settings)
        self.service = SeatPresenceService(
            self.machine, self.publisher.publish, entity=f"sip:{settings.user}@{settings.sip_domain.split(':')[0]}",
            seat=settings.user, court=court, name=entry.name if entry else settings.display_name,
            queues=(court,) if court else ())
        engine.callChanged.connect(self.service.on_call)
        engine.registeredAgain.connect(self.service.republish)
        self.panel = SeatStatePanel(self.service)
        window.set_seat_panel(self.panel)
        self._problems = QTimer(window)
        self._problems.setInterval(1000)
        self._problems.timeout.connect(lambda: [window.show_problem(p) for p in self.publisher.poll_problems()])
        self._problems.start()
        # Team view: the seats of the seat's own court and its queue.
        self.team_model = None
        if court:
            seats = desk.directory.seats_of(court)
            names = {c.code: c.short_name for c in desk.directory.courts()}
            self.team_model = SeatTableModel(seats, names)
            labels = state_labels(window.tr)
            self.team_model.state_label = lambda st: labels.get(st, getattr(st, "value", str(st)))
            self.team_feed = PresenceFeed(self.team_model)
            self.team_feed.attach_engine(engine)
            view = QTableView()
            view.setObjectName("teamView")
            view.setModel(self.team_model)
            view.verticalHeader().hide()
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
            self.team_queue = QLabel(QCoreApplication.translate("SeatRole", "Queue: no data yet"))
            self.team_queue.setObjectName("teamQueue")
            self.team_model.queueChanged.connect(lambda _q: self._show_queue(court))
            page = QWidget()
            lay = QVBoxLayout(page)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.addWidget(self.team_queue)
            lay.addWidget(view)
            window.tabs.addTab(page, QCoreApplication.translate("SoftphoneWindow", "My team"))
            self.team_uris = [settings.target_uri(s.number) for s in seats if s.number != settings.user]
            self.team_uris.append(settings.target_uri(QUEUE_PREFIX + court))
        # The service desk: caller and case, knowledge base, wrap-up, work orders...
        from ui.desk.seat_desk import SeatDesk
        self.desk = SeatDesk(desk, window, settings, court=court,
                             seat_name=entry.name if entry else settings.display_name,
                             machine=self.machine)

    def _show_queue(self, court: str) -> None:
        from ui.wallboard.model import fmt_age
        row = self.team_model.queue_of(court)
        if row is None:
            return
        q = row.presence
        self.team_queue.setText(
            QCoreApplication.translate("SeatRole", "Queue: %1 waiting, longest %2, answered %3, abandoned %4")
            .replace("%1", str(q.waiting)).replace("%2", fmt_age(q.oldest_wait_s))
            .replace("%3", str(q.answered)).replace("%4", str(q.abandoned)))

    def close(self):
        try:
            self.desk.close()
        except Exception:
            log.exception("desk not closed cleanly")
        try:
            self.machine.sign_out(force=True)
        except Exception:
            pass
        self.publisher.close()


class JudgeRole:
    """The wallboard for the consulting judge."""

    def __init__(self, desk, settings: AccountSettings, list_uri: str | None = None):
        from app.storage.wallboard_repo import WallboardRepository
        d = desk.directory
        seats = d.entries("seat")
        names = {c.code: c.short_name for c in d.courts()}
        self.model = SeatTableModel(seats, names)
        self.repo = WallboardRepository()
        try:  # retention, site-configurable
            self.repo.delete_older_than(float(desk.settings.get("wallboard.retention_days", 90)))
        except Exception as e:
            log.warning("wallboard retention not applied: %s", e)
        self.feed = PresenceFeed(self.model, self.repo)
        self.window = WallboardWindow(self.model, d.courts())
        history = self.feed.restore(day_start(time.time()))
        self.window.charts.add_history(history)
        uris = [settings.target_uri(s.number) for s in seats]
        uris += [settings.target_uri(QUEUE_PREFIX + c.code) for c in d.courts()]
        self.feed.attach_engine(desk.engine)
        self.uris = uris
        self.list_uri = list_uri or desk.settings.get("wallboard.list_uri")
        self.ua = None
        self.settings = settings
        self._cmd_ua = None
        from ui.wallboard.overflow import OverflowPanel
        self.overflow = OverflowPanel(d.courts(), self.send_command)
        self.window.add_panel(self.overflow)
        # The judge's desk: consult inbox, knowledge-base editor, complaints, daily report.
        from ui.desk.judge_desk import JudgeDesk
        self.desk = JudgeDesk(desk, settings, wallboard=self.window)

    def send_command(self, body: str) -> tuple[int, str]:
        """A supervisor's command to the queue server (authenticated MESSAGE);
        runs on the overflow panel's worker thread."""
        from sip.simple.ua import PresenceUA
        s = self.settings
        if self._cmd_ua is None:
            host, _, port = s.server.partition(":")
            self._cmd_ua = PresenceUA(host, int(port or 5060), s.user, s.password, transport="tcp",
                                      domain=s.sip_domain.split(":")[0], keepalive_interval=None,
                                      auto_recover=False)
        domain = s.sip_domain.split(":")[0]
        return self._cmd_ua.send_message(f"sip:q-admin@{domain}", body)

    def start_watching(self, engine, watcher: str | None = None) -> None:
        """Per-seat pjsua2 subscriptions up to the buddy limit; beyond it our
        own UA: one resource-list subscription when a list URI is configured,
        else one subscription per seat over one connection (faster: Kamailio's
        RLS batches on a whole-second timer, see bench/bench_wallboard.py).
        The UA runs in a watcher process ("process", sip/simple/watcher.py:
        no SIP thread competes with the grid's paints) or on threads in this
        one ("thread"): setting ``wallboard.watcher``, docs/wallboard.md."""
        from sip.buddies import MAX_BUDDIES
        from ui.wallboard.feed import WATCHER_DEFAULT
        if len(self.uris) <= MAX_BUDDIES and not self.list_uri:
            engine.watch(self.uris)
            return
        if watcher is None:
            try:
                from app.storage.settings_repo import SettingsRepository
                watcher = SettingsRepository().get("wallboard.watcher", WATCHER_DEFAULT)
            except Exception as e:  # no store open: the default
                log.info("wallboard.watcher not read: %s", e)
                watcher = WATCHER_DEFAULT
        s = self.settings
        host, _, port = s.server.partition(":")
        domain = s.sip_domain.split(":")[0]
        if watcher == "process":
            from sip.simple.watcher import WatcherConfig
            self.feed.watcherChanged.connect(self.window.show_feed_problem)
            self.feed.attach_watcher(WatcherConfig(
                host, int(port or 5060), s.user, s.password, domain, "tcp",
                uris=[] if self.list_uri else list(self.uris), list_uri=self.list_uri))
            return
        from sip.simple.ua import PresenceUA
        self.ua = PresenceUA(host, int(port or 5060), s.user, s.password, transport="tcp",
                             domain=domain)
        if self.list_uri:
            self.feed.attach_list(self.ua, self.list_uri)
        else:
            self.feed.attach_direct(self.ua, self.uris)

    def close(self):
        try:
            self.desk.close()
        except Exception:
            log.exception("judge desk not closed cleanly")
        self.feed.flush_store()
        self.feed.close_watcher(wait=0.5)  # it unsubscribes and leaves by itself
        self.overflow.close_pool()
        for ua in (self.ua, self._cmd_ua):
            if ua is not None:
                ua.close()

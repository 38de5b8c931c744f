"""The wallboard model and window, offscreen, with the real directory.

Model checked with pytest-qt's qtmodeltester; updates, staleness, filters,
tiles and alerts checked through the real widgets.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app import paths
from app.domain.directory import Directory
from app.domain.presence_doc import QueuePresence, SeatPresence, queue_pidf, seat_pidf
from app.domain.seat_state import SeatState


class Clock:
    def __init__(self, t=1_800_000_000.0):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture
def board(qtbot):
    from ui.wallboard.feed import PresenceFeed
    from ui.wallboard.model import SeatTableModel
    from ui.wallboard.window import WallboardWindow
    d = Directory.load(paths.resource("directory.json"))
    clock = Clock()
    model = SeatTableModel(d.entries("seat"), {c.code: c.short_name for c in d.courts()}, clock=clock)
    win = WallboardWindow(model, d.courts())
    qtbot.addWidget(win)
    feed = PresenceFeed(model, clock=clock)
    return d, clock, model, win, feed


def test_model_passes_qtmodeltester(board, qtmodeltester):
    d, clock, model, win, feed = board
    feed.on_document("sip:8001@x", seat_pidf("sip:8001@x", SeatPresence("8001", SeatState.TALKING, since=clock() - 30, court="bjgy")))
    qtmodeltester.check(model)
    qtmodeltester.check(win.proxy)


def test_document_updates_row_tile_and_staleness(board, qtbot):
    d, clock, model, win, feed = board
    seat = d.entries("seat")[0]
    feed.on_document(f"sip:{seat.number}@x", seat_pidf(f"sip:{seat.number}@x", SeatPresence(
        seat.number, SeatState.NOT_READY, reason="meal", since=clock() - 65, court=seat.court, calls_today=7)))
    row = model.row_of(seat.number)
    assert "meal" in model.data(model.index(row, 3)) or "用餐" in model.data(model.index(row, 3))
    assert model.data(model.index(row, 4)) == "01:05"
    assert model.data(model.index(row, 6)) == 7
    assert model.court_summary(seat.court).count(SeatState.NOT_READY) == 1
    win.tiles.flush()
    assert "1" in win.tiles.tiles[seat.court].counts.text()
    # Silence past the stale limit: greyed, with its age; never shown as live.
    clock.t += 200
    model.expire()
    text = model.data(model.index(row, 3))
    assert "stale" in text or "过时" in text
    assert model.court_summary(seat.court).count(SeatState.NOT_READY) == 0
    assert model.court_summary(seat.court).stale >= 1


def test_malformed_body_is_counted_not_applied(board):
    d, clock, model, win, feed = board
    before = model.updates
    feed.on_document("sip:8001@x", "<presence><oops")
    assert feed.malformed == 1 and model.updates == before


def test_foreign_client_document_gives_a_sensible_state(board):
    d, clock, model, win, feed = board
    body = ('<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" '
            'xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:8002@x"><tuple id="t"><status><basic>open'
            '</basic></status></tuple><dm:person id="p"><rpid:activities><rpid:on-the-phone/></rpid:activities>'
            '</dm:person></presence>')
    feed.on_document("sip:8002@x", body)
    r = model.rows[model.row_of("8002")]
    assert r.presence.state is SeatState.TALKING and not r.stale


def test_filters_and_queue_alert(board, qtbot):
    d, clock, model, win, feed = board
    main = d.main_court()
    seats = d.seats_of(main.code)
    for i, s in enumerate(seats[:3]):
        feed.on_document("u", seat_pidf("u", SeatPresence(s.number, SeatState.READY if i else SeatState.TALKING,
                                                          since=clock(), court=main.code)))
    win.court_filter.setCurrentIndex(win.court_filter.findData(main.code))
    assert win.proxy.rowCount() == len(seats)
    win.state_filter.setCurrentIndex(win.state_filter.findData("talking"))
    assert win.proxy.rowCount() == 1
    # A filtered view follows live changes: the talking seat becomes ready.
    feed.on_document("u", seat_pidf("u", SeatPresence(seats[0].number, SeatState.READY, since=clock(),
                                                      court=main.code)))
    model.flush()
    assert win.proxy.rowCount() == 0
    feed.on_document("u", seat_pidf("u", SeatPresence(seats[0].number, SeatState.TALKING, since=clock(),
                                                      court=main.code)))
    model.flush()
    assert win.proxy.rowCount() == 1
    win.threshold.setValue(4)
    feed.on_document("q", queue_pidf("q", QueuePresence("main", main.code, waiting=6, oldest_wait_s=95,
                                                        answered=40, abandoned=3, service_level=0.82)))
    assert "6" in win.alert_label.text()
    win.tiles.flush()
    tile = win.tiles.tiles[main.code]
    assert tile.alert and "01:35" in tile.queue.text()
    feed.on_document("q", queue_pidf("q", QueuePresence("main", main.code, waiting=1, oldest_wait_s=5,
                                                        answered=41, abandoned=3, service_level=0.83)))
    assert win.alert_label.text() == "" and not tile.alert
    # One caller waiting too long also alerts.
    win.wait_threshold.setValue(60)
    feed.on_document("q", queue_pidf("q", QueuePresence("main", main.code, waiting=1, oldest_wait_s=75,
                                                        answered=41, abandoned=3, service_level=0.83)))
    assert tile.alert and win.alert_label.text()


def test_wall_mode_hides_controls(board):
    d, clock, model, win, feed = board
    win.show()
    win.toggle_wall_mode()
    assert win.wall_mode and not win.controls.isVisible()
    win.toggle_wall_mode()
    assert not win.wall_mode and win.controls.isVisible()


def test_charts_draw_waiting_steps_and_intervals(board):
    d, clock, model, win, feed = board
    main = d.main_court()
    for k, waiting in enumerate((2, 5, 1)):
        clock.t += 60
        feed.on_document("q", queue_pidf("q", QueuePresence("main", main.code, waiting=waiting, oldest_wait_s=10,
                                                            answered=10 + k, abandoned=k, service_level=0.9)))
    win.charts.redraw()
    xs, ys = win.charts.waiting_curve.getData()
    assert len(xs) == len(ys) and list(ys[-2:]) == [1, 1] and max(ys) == 5


def test_grid_copy_matches_the_model_and_passes_qtmodeltester(board, qtmodeltester):
    """The grid paints from a copy in Qt's own model (no Python per painted
    cell): after the batched signal it shows exactly what the model says."""
    d, clock, model, win, feed = board
    seats = d.entries("seat")
    for k, s in enumerate(seats[:6]):
        st = (SeatState.TALKING, SeatState.NOT_READY, SeatState.WRAP_UP)[k % 3]
        feed.on_document("u", seat_pidf("u", SeatPresence(s.number, st, reason="meal" if k % 3 == 1 else "",
                                                          since=clock() - 10 * k, court=s.court, calls_today=k)))
    model.mark_stale(seats[5].number)
    model.flush()
    g = win.grid_model
    g.catch_up()  # rows off screen get their texts as they show
    for i in range(len(model.rows)):
        for c in range(len(model.COLUMNS)):
            for role in (Qt.DisplayRole, Qt.ForegroundRole, Qt.UserRole):
                assert g.data(g.index(i, c), role) == model.data(model.index(i, c), role), (i, c, role)
    qtmodeltester.check(g)


def test_grid_times_tick_on_screen_and_catch_up_when_scrolled_into_view(board, qtbot):
    d, clock, model, win, feed = board
    win.resize(1200, 700)
    with qtbot.waitExposed(win, timeout=10000):   # a context manager: a bare call waits for nothing
        win.show()
    g = win.grid_model
    qtbot.waitUntil(lambda: len(g.visible) > 5, timeout=10000)  # the rows on screen are known
    shown = [win.proxy.mapToSource(win.proxy.index(r, 0)).row() for r in (0, win.proxy.rowCount() - 1)]
    first, last = (model.rows[i] for i in shown)
    for s in (first, last):
        feed.on_document("u", seat_pidf("u", SeatPresence(s.number, SeatState.TALKING, since=clock() - 5,
                                                          court=s.court)))
    model.flush()
    top, bottom = model.row_of(first.number), model.row_of(last.number)
    assert top in win._visible_source_rows() and bottom not in win._visible_source_rows()
    assert g.data(g.index(top, 4)) == "00:05"
    assert g.data(g.index(bottom, 4)) is None  # off screen: only its keys are copied
    assert g.data(g.index(bottom, 4), Qt.UserRole) == -(clock() - 5)
    clock.t += 60
    model.expire()  # the clock tick
    assert g.data(g.index(top, 4)) == "01:05"
    assert g.data(g.index(bottom, 4)) is None
    win.table.scrollTo(win.proxy.mapFromSource(g.index(bottom, 0)))
    qtbot.waitUntil(lambda: g.data(g.index(bottom, 4)) == "01:05", timeout=10000)


def test_grid_sorts_by_time_in_state_and_filters_in_qt(board):
    d, clock, model, win, feed = board
    seats = d.entries("seat")[:3]
    for k, s in enumerate(seats):
        feed.on_document("u", seat_pidf("u", SeatPresence(s.number, SeatState.READY, since=clock() - 100 * (k + 1),
                                                          court=s.court)))
    model.flush()
    win.table.sortByColumn(4, Qt.AscendingOrder)
    order = [win.proxy.data(win.proxy.index(r, 1), Qt.UserRole) for r in range(win.proxy.rowCount())]
    # Ascending by the time shown (shortest in state first), seats never heard of last;
    # the keys do not move with the clock, so a tick does not re-sort.
    assert order[:3] == [seats[0].number, seats[1].number, seats[2].number]
    win.table.sortByColumn(4, Qt.DescendingOrder)
    order = [win.proxy.data(win.proxy.index(r, 1), Qt.UserRole) for r in range(win.proxy.rowCount())]
    assert order[-3:] == [seats[2].number, seats[1].number, seats[0].number]
    win.state_filter.setCurrentIndex(win.state_filter.findData("ready"))
    assert win.proxy.rowCount() == 3
    win.state_filter.setCurrentIndex(win.state_filter.findData("stale"))
    assert win.proxy.rowCount() == len(model.rows) - 3


def test_feed_problem_line(board):
    d, clock, model, win, feed = board
    win.show()
    win.show_feed_problem("watcher restarting")
    assert win.feed_label.isVisible() and "restarting" in win.feed_label.text()
    win.show_feed_problem("")
    assert not win.feed_label.isVisible()


def test_tiles_out_of_view_redraw_when_scrolled_into_view(board, qtbot):
    d, clock, model, win, feed = board
    win.resize(1200, 700)
    with qtbot.waitExposed(win, timeout=10000):   # a context manager: a bare call waits for nothing
        win.show()
    hidden = [t for t in win.tiles.tiles.values() if t.visibleRegion().isEmpty()]
    assert hidden, "every tile fits on screen: nothing to check"
    tile = hidden[-1]
    seat = next(s for s in d.entries("seat") if s.court == tile.code)
    before = tile.counts.text()
    feed.on_document("u", seat_pidf("u", SeatPresence(seat.number, SeatState.TALKING, since=clock(),
                                                      court=seat.court)))
    win.tiles.flush()
    assert tile.counts.text() == before  # out of view: not redrawn yet
    win.tiles.ensureWidgetVisible(tile)
    qtbot.waitUntil(lambda: tile.counts.text() != before, timeout=10000)
    assert model.court_summary(tile.code).count(SeatState.TALKING) == 1

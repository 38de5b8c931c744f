"""One tile per sub-platform (the main platform first): seats by state, queue figures.

Tiles read `SeatTableModel`'s incremental per-court counts and its queues;
changed courts are redrawn together four times a second, so a burst of
presence updates costs one repaint per tile, not one per update; and only
the tiles in view are redrawn, the others when they scroll into view (at a
province's 200 courts and 1,000 changes a second, redrawing every changed
tile cost 8-10 % of a core, for tiles nobody could see).
"""
from __future__ import annotations


from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.domain.seat_state import SeatState
from ui.wallboard.model import STATE_COLOURS, STATE_ORDER, CourtCounts, fmt_age


class StateBar(QWidget):
    """A horizontal bar, one coloured segment per state (stale seats grey, hatched)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.counts: CourtCounts | None = None
        self.setMinimumHeight(12)

    def paintEvent(self, _):
        c = self.counts
        if c is None:
            return
        total = sum(c.by_state.values()) + c.stale
        if not total:
            return
        p = QPainter(self)
        x, w, h = 0.0, float(self.width()), float(self.height())
        for st in STATE_ORDER:
            n = c.count(st)
            if n:
                seg = w * n / total
                p.fillRect(QRectF(x, 0, seg, h), QColor(STATE_COLOURS[st]))
                x += seg
        if c.stale:
            p.fillRect(QRectF(x, 0, w - x, h), QColor("#e0e0e0"))
            p.fillRect(QRectF(x, 0, w - x, h), Qt.BDiagPattern)
        p.end()


class CourtTile(QFrame):
    def __init__(self, code: str, name: str, is_main: bool, model, state_label, parent=None):
        super().__init__(parent)
        self.code = code
        self.model = model
        self.state_label = state_label
        self.setObjectName(f"tile_{code}")
        self.setFrameShape(QFrame.StyledPanel)
        self.setStyleSheet("QFrame{background:#fafafa;border:1px solid #cfd8dc;border-radius:4px}"
                           "QLabel{border:none;background:transparent}")
        self.title = QLabel(("★ " if is_main else "") + name)
        self.title.setStyleSheet("font-weight:bold")
        self.counts = QLabel()
        self.counts.setObjectName("tileCounts")
        self.bar = StateBar()
        self.queue = QLabel()
        self.queue.setObjectName("tileQueue")
        self.queue.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.addWidget(self.title)
        lay.addWidget(self.bar)
        lay.addWidget(self.counts)
        lay.addWidget(self.queue)
        self.alert = False
        self.refresh()

    def refresh(self):
        c = self.model.court_summary(self.code)
        self.bar.counts = c
        self.bar.update()
        parts = [f"{self.state_label(st)} {c.count(st)}" for st in
                 (SeatState.READY, SeatState.TALKING, SeatState.WRAP_UP, SeatState.NOT_READY) ]
        if c.stale:
            parts.append(self.tr("stale %1").replace("%1", str(c.stale)))
        self.counts.setText("  ".join(parts))
        q = self.model.queue_of(self.code)
        if q is None:
            self.queue.setText(self.tr("Queue: no data yet"))
            return
        qp = q.presence
        text = (self.tr("Waiting %1, longest %2 | answered %3, abandoned %4 | service level %5%")
                .replace("%1", str(qp.waiting)).replace("%2", fmt_age(qp.oldest_wait_s))
                .replace("%3", str(qp.answered)).replace("%4", str(qp.abandoned))
                .replace("%5", f"{qp.service_level * 100:.0f}"))
        if qp.lent_in or qp.lent_out:
            text += " | " + self.tr("borrowed %1, lent %2").replace("%1", str(qp.lent_in)).replace("%2", str(qp.lent_out))
        if q.stale:
            text = self.tr("(stale) %1").replace("%1", text)
        self.queue.setText(text)

    def set_alert(self, on: bool):
        if on != self.alert:
            self.alert = on
            colour = "#ffebee" if on else "#fafafa"
            border = "#c62828" if on else "#cfd8dc"
            self.setStyleSheet(f"QFrame{{background:{colour};border:2px solid {border};border-radius:4px}}"
                               "QLabel{border:none;background:transparent}")


class TileGrid(QScrollArea):
    def __init__(self, courts, model, state_label, columns: int = 4, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.model = model
        inner = QWidget()
        self.grid = QGridLayout(inner)
        self.grid.setSpacing(6)
        self.tiles: dict[str, CourtTile] = {}
        ordered = sorted(courts, key=lambda c: (not c.is_main,))
        for i, c in enumerate(ordered):
            t = CourtTile(c.code, c.short_name or c.name, c.is_main, model, state_label)
            self.tiles[c.code] = t
            self.grid.addWidget(t, i // columns, i % columns)
        self.setWidget(inner)
        self._dirty: set[str] = set()
        model.courtChanged.connect(self._mark)
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.flush)
        self._timer.start()
        self.verticalScrollBar().valueChanged.connect(lambda _: self.flush())
        self.horizontalScrollBar().valueChanged.connect(lambda _: self.flush())

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.flush()

    def _mark(self, code: str):
        self._dirty.add(code)

    def flush(self):
        self.model.flush()
        if not self._dirty:
            return
        shown = self.isVisible()
        dirty, self._dirty = self._dirty, set()
        for code in dirty:
            t = self.tiles.get(code)
            if t is None:
                continue
            if shown and t.visibleRegion().isEmpty():
                self._dirty.add(code)  # out of view: redrawn when it comes into view
            else:
                t.refresh()

"""Today's charts: calls waiting over time, answered/abandoned per interval (pyqtgraph).

Each plot item is created once and fed with `setData` from a timer (the
pyqtgraph examples' habit), from an `IntervalSeries` that queue samples fill,
live and, at start, from today's stored samples.
"""
from __future__ import annotations

import datetime as _dt

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QWidget

from app.domain.queue_stats import IntervalSeries


def day_start(ts: float) -> float:
    d = _dt.datetime.fromtimestamp(ts).replace(hour=0, minute=0, second=0, microsecond=0)
    return d.timestamp()


class HourAxis(pg.AxisItem):
    def tickStrings(self, values, scale, spacing):
        return [_dt.datetime.fromtimestamp(v).strftime("%H:%M") for v in values]


class TodayCharts(QWidget):
    def __init__(self, model, clock=None, parent=None):
        super().__init__(parent)
        self.model = model
        self.clock = clock or model.clock
        self.series = IntervalSeries(day_start(self.clock()))
        pg.setConfigOptions(antialias=False, background="w", foreground="k")
        self.waiting_plot = pg.PlotWidget(axisItems={"bottom": HourAxis("bottom")})
        self.waiting_plot.setObjectName("waitingChart")
        self.waiting_plot.setTitle(self.tr("Calls waiting"))
        self.waiting_plot.setClipToView(True)
        self.waiting_plot.setDownsampling(mode="peak")
        self.waiting_curve = self.waiting_plot.plot(pen=pg.mkPen("#c62828", width=2))
        self.volume_plot = pg.PlotWidget(axisItems={"bottom": HourAxis("bottom")})
        self.volume_plot.setObjectName("volumeChart")
        self.volume_plot.setTitle(self.tr("Answered / abandoned per 15 minutes"))
        self.answered_bars = pg.BarGraphItem(x=[], height=[], width=600, brush="#2e7d32")
        self.abandoned_bars = pg.BarGraphItem(x=[], height=[], width=300, brush="#ef6c00")
        self.volume_plot.addItem(self.answered_bars)
        self.volume_plot.addItem(self.abandoned_bars)
        self.volume_plot.addLegend()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.waiting_plot)
        lay.addWidget(self.volume_plot)
        self._dirty = False
        model.queueChanged.connect(self._on_queue)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.redraw)
        self._timer.start()

    def add_history(self, samples):
        for ts, q in samples:
            self.series.add_sample(ts, q)
        self._dirty = True
        self.redraw()

    def _on_queue(self, name: str):
        row = self.model.queues.get(name)
        if row is not None:
            self.series.add_sample(row.received_at, row.presence)
            self._dirty = True

    def redraw(self):
        if not self._dirty:
            return
        self._dirty = False
        pts = self.series.waiting_series()
        if pts:
            # A count holds until it changes: draw steps, and hold the last one until now.
            t = np.array([p[0] for p in pts] + [max(self.clock(), pts[-1][0])], dtype=float)
            v = np.array([p[1] for p in pts], dtype=float)
            xs = np.repeat(t, 2)[1:-1]
            ys = np.repeat(v, 2)
            self.waiting_curve.setData(xs, ys)
        iv = [i for i in self.series.intervals(self.clock()) if i.answered or i.abandoned]
        if iv:
            x = np.array([i.start + self.series.interval_s / 2 for i in iv], dtype=float)
            self.answered_bars.setOpts(x=x - 150, height=[i.answered for i in iv], width=300)
            self.abandoned_bars.setOpts(x=x + 150, height=[i.abandoned for i in iv], width=300)

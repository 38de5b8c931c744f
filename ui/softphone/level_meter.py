"""Microphone and speaker level meters (dBFS), polled from the SIP engine."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

FLOOR_DBFS = -60.0


def _bar(name: str) -> QProgressBar:
    b = QProgressBar()
    b.setObjectName(name)
    b.setRange(0, 100)
    b.setTextVisible(False)
    b.setFixedWidth(80)
    b.setFixedHeight(10)
    return b


class LevelMeter(QWidget):
    def __init__(self, engine, parent=None):
        super().__init__(parent)
        self.engine = engine
        self.mic = _bar("micLevel")
        self.spk = _bar("speakerLevel")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel(self.tr("Mic")))
        lay.addWidget(self.mic)
        lay.addWidget(QLabel(self.tr("Speaker")))
        lay.addWidget(self.spk)
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    @staticmethod
    def percent(dbfs: float) -> int:
        return int(max(0.0, min(1.0, (dbfs - FLOOR_DBFS) / -FLOOR_DBFS)) * 100)

    def refresh(self):
        mic, spk = self.engine.audio_levels()
        self.mic.setValue(self.percent(mic))
        self.spk.setValue(self.percent(spk))

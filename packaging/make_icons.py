"""Render packaging/hotline12368.svg to the PNG (Linux) and ICO (Windows) icons.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py
"""
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent


def render(size: int) -> QImage:
    img = QImage(size, size, QImage.Format_ARGB32)
    img.fill(Qt.transparent)
    p = QPainter(img)
    QSvgRenderer(str(HERE / "hotline12368.svg")).render(p)
    p.end()
    return img


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    ok = render(256).save(str(HERE / "hotline12368.png"))
    ok &= render(256).save(str(HERE / "hotline12368.ico"))
    print("icons written" if ok else "icon writing failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

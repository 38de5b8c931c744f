"""The consulting judge's live wallboard (PySide6, pyqtgraph)."""

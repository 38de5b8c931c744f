"""Shared look: colours of the answer/hang-up buttons and state badges."""
from __future__ import annotations

GREEN = "#2e7d32"
RED = "#c62828"


def action_button(colour: str, bold: bool = True, padding: str = "4px") -> str:
    """Stylesheet for a coloured action button that greys out when disabled."""
    weight = "font-weight:bold;" if bold else ""
    return (f"QPushButton{{background:{colour};color:white;{weight}padding:{padding};border-radius:3px}}"
            f"QPushButton:disabled{{background:#bdbdbd;color:#f5f5f5}}")

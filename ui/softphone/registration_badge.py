"""Always-visible registration state: registered, failed with the server's reason, retrying."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel

from app.domain.calls import RegistrationSnapshot, RegState

_COLOURS = {
    RegState.REGISTERED: "#2e7d32",
    RegState.REGISTERING: "#f9a825",
    RegState.RETRYING: "#ef6c00",
    RegState.FAILED: "#c62828",
    RegState.UNREGISTERED: "#757575",
}


class RegistrationBadge(QLabel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("registrationBadge")
        self.state: RegState = RegState.UNREGISTERED
        self.show_snapshot(None)

    def show_snapshot(self, snap: RegistrationSnapshot | None):
        if snap is None:
            self.state = RegState.UNREGISTERED
            text = self.tr("No account set up")
        else:
            self.state = snap.state
            text = {
                RegState.REGISTERED: self.tr("Registered as %1"),
                RegState.REGISTERING: self.tr("Registering %1 ..."),
                RegState.RETRYING: self.tr("Connection to the server lost (%2) - retrying by itself"),
                RegState.FAILED: self.tr("Registration refused: %2"),
                RegState.UNREGISTERED: self.tr("Not registered"),
            }[snap.state]
            reason = snap.reason
            if snap.state is RegState.FAILED and snap.status_code in (401, 403, 407):
                reason = self.tr("wrong user name or password (%1 %2)").replace(
                    "%1", str(snap.status_code)).replace("%2", snap.reason)
            elif snap.status_code:
                reason = f"{snap.status_code} {snap.reason}"
            text = text.replace("%1", snap.account_uri).replace("%2", reason)
        self.setText(text)
        self.setStyleSheet(f"color:white;background:{_COLOURS[self.state]};padding:4px 8px;border-radius:4px")

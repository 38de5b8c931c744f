"""Account and audio settings for the seat.

Server, user, password, display name, transport (UDP/TCP/TLS), outbound proxy;
microphone, speaker and ringer chosen separately; opt-in auto-answer. A field
that is wrong is named and keeps what was typed (the dialog stays open).

Fields IT locks in the site configuration (``locked``) are shown disabled with a
tooltip; the caller also keeps the site's value when saving. "Export
diagnostics" (``on_export_diagnostics``) makes the zip IT asks for.
"""
from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox,
                               QFormLayout, QGroupBox, QLabel, QLineEdit,
                               QVBoxLayout)

from app.domain.accounts import AccountSettings, Transport


class SettingsDialog(QDialog):
    def __init__(self, settings: AccountSettings | None, audio_choice: dict | None = None,
                 devices: tuple[list[str], list[str]] = ([], []), locked: set[str] = frozenset(),
                 parent=None, on_export_diagnostics=None, note: str = ""):
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Phone settings"))
        s = settings or AccountSettings(server="", user="")
        audio_choice = audio_choice or {}
        self.server = QLineEdit(s.server)
        self.user = QLineEdit(s.user)
        self.password = QLineEdit(s.password)
        self.password.setEchoMode(QLineEdit.Password)
        self.display = QLineEdit(s.display_name)
        self.transport = QComboBox()
        for t in Transport:
            self.transport.addItem(t.value.upper(), t)
        self.transport.setCurrentIndex(list(Transport).index(s.transport))
        self.proxy = QLineEdit(s.outbound_proxy)
        self.auto_answer = QCheckBox(self.tr("Answer calls automatically after a short beep"))
        self.auto_answer.setChecked(s.auto_answer)
        self.tls_note = QLabel(self.tr("Note: TLS here uses the OpenSSL 1.0.2 bundled with the SIP library."))
        self.tls_note.setWordWrap(True)
        self.tls_note.setVisible(s.transport is Transport.TLS)
        self.transport.currentIndexChanged.connect(
            lambda _: self.tls_note.setVisible(Transport(self.transport.currentData()) is Transport.TLS))
        for name, w in (("server", self.server), ("user", self.user), ("display_name", self.display),
                        ("transport", self.transport), ("outbound_proxy", self.proxy)):
            w.setObjectName(f"setting_{name}")
            if name in locked:
                w.setEnabled(False)
                w.setToolTip(self.tr("Set by your IT department"))
        self.password.setObjectName("setting_password")

        acc = QGroupBox(self.tr("SIP account"))
        form = QFormLayout(acc)
        form.addRow(self.tr("Server"), self.server)
        form.addRow(self.tr("User (seat number)"), self.user)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Display name"), self.display)
        form.addRow(self.tr("Transport"), self.transport)
        form.addRow("", self.tls_note)
        form.addRow(self.tr("Outbound proxy"), self.proxy)
        form.addRow("", self.auto_answer)

        inputs, outputs = devices
        self.mic = self._device_combo(inputs, audio_choice.get("mic"), "setting_mic")
        self.speaker = self._device_combo(outputs, audio_choice.get("speaker"), "setting_speaker")
        self.ringer = self._device_combo(outputs, audio_choice.get("ringer"), "setting_ringer")
        aud = QGroupBox(self.tr("Headset and ringer"))
        af = QFormLayout(aud)
        af.addRow(self.tr("Microphone"), self.mic)
        af.addRow(self.tr("Speaker"), self.speaker)
        af.addRow(self.tr("Ringer"), self.ringer)
        if not inputs and not outputs:
            af.addRow(QLabel(self.tr("No sound device found: calls work, but without sound on this PC.")))

        self.error = QLabel()
        self.error.setObjectName("settingsError")
        self.error.setStyleSheet("color:#c62828")
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        self.export_btn = None
        if on_export_diagnostics is not None:
            self.export_btn = buttons.addButton(self.tr("Export diagnostics..."), QDialogButtonBox.ActionRole)
            self.export_btn.setObjectName("exportDiagnostics")
            self.export_btn.clicked.connect(lambda: on_export_diagnostics(self))
        lay = QVBoxLayout(self)
        if note:
            self.note = QLabel(note)
            self.note.setObjectName("settingsNote")
            self.note.setWordWrap(True)
            lay.addWidget(self.note)
        lay.addWidget(acc)
        lay.addWidget(aud)
        lay.addWidget(self.error)
        lay.addWidget(buttons)

    def _device_combo(self, names, current, obj):
        c = QComboBox()
        c.setObjectName(obj)
        c.addItem(self.tr("System default"), None)
        for n in names:
            c.addItem(n, n)
        if current in names:
            c.setCurrentIndex(names.index(current) + 1)
        return c

    def account_settings(self) -> AccountSettings:
        return AccountSettings(
            server=self.server.text().strip(), user=self.user.text().strip(),
            password=self.password.text(), display_name=self.display.text().strip(),
            transport=Transport(self.transport.currentData()), outbound_proxy=self.proxy.text().strip(),
            auto_answer=self.auto_answer.isChecked())

    def audio_choice(self) -> dict:
        return {"mic": self.mic.currentData(), "speaker": self.speaker.currentData(),
                "ringer": self.ringer.currentData()}

    def _try_accept(self):
        bad = self.account_settings().problems()
        if bad:
            names = {"server": self.tr("Server"), "user": self.tr("User (seat number)")}
            self.error.setText(self.tr("Please check: %1").replace("%1", ", ".join(names[b] for b in dict.fromkeys(bad))))
            return
        self.accept()

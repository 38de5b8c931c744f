"""The zh_CN translation: complete, loadable, and faithful to placeholders.

A tr() string added to ui/ without a finished translation in
resources/i18n/hotline_zh_CN.ts fails `test_every_ui_string_is_translated`;
the fix is `python scripts/i18n.py update`, translate, `python scripts/i18n.py release`.
"""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "i18n.py"
TS = ROOT / "resources" / "i18n" / "hotline_zh_CN.ts"
QM = ROOT / "resources" / "i18n" / "hotline_zh_CN.qm"

PLACEHOLDER = re.compile(r"%L?\d+")
KEY_HINT = re.compile(r"\((?:F\d+|(?:Ctrl|Alt|Shift)\+\w+)\)")


def _i18n_module():
    spec = importlib.util.spec_from_file_location("hotline_i18n_script", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _messages():
    """(context, source, translation element) for every live message of the .ts."""
    out = []
    for ctx in ET.parse(TS).getroot().iter("context"):
        name = ctx.findtext("name")
        for msg in ctx.iter("message"):
            tr = msg.find("translation")
            if tr.get("type") in ("obsolete", "vanished"):
                continue
            out.append((name, msg.findtext("source"), tr))
    return out


def test_every_ui_string_is_translated():
    proc = subprocess.run([sys.executable, str(SCRIPT), "check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_check_fails_on_an_untranslated_string(tmp_path, monkeypatch, capsys):
    """The check really catches a string without a finished translation."""
    i18n = _i18n_module()
    broken = tmp_path / "hotline_zh_CN.ts"
    text = TS.read_text(encoding="utf-8")
    text = text.replace("<translation>接听 (F5)</translation>",
                        '<translation type="unfinished"></translation>', 1)
    assert "unfinished" in text
    broken.write_text(text, encoding="utf-8")
    monkeypatch.setattr(i18n, "TS_FILE", broken)
    assert i18n.main(["check", "--skip-qm"]) == 1
    assert "Answer (F5)" in capsys.readouterr().err


def test_every_message_is_finished():
    msgs = _messages()
    assert msgs
    unfinished = [(c, s) for c, s, tr in msgs
                  if tr.get("type") == "unfinished" or not "".join(tr.itertext()).strip()]
    assert not unfinished


@pytest.mark.parametrize("context, source, expected", [
    ("CallsPanel", "Answer (F5)", "接听 (F5)"),
    ("CallsPanel", "Hang up (F6)", "挂断 (F6)"),
    ("CallsPanel", "Hold (F7)", "保持 (F7)"),
    ("CallsPanel", "Resume (F7)", "恢复通话 (F7)"),
    ("CallsPanel", "Conference (F10)", "三方通话 (F10)"),
    ("IncomingCallPopup", "Reject", "拒接"),
    ("SoftphoneWindow", "Call history", "通话记录"),
    ("HistoryModel", "missed", "未接"),
    ("RegistrationBadge", "Registered as %1", "已注册：%1"),
    ("Desk", "No sound on this PC: %1 Calls still work; the other side hears silence.",
     "本机无法使用声音：%1 通话仍可进行，但对方听不到声音。"),
])
def test_qm_translates_known_strings(qapp, context, source, expected):
    translator = QTranslator()
    assert translator.load(str(QM)), f"cannot load {QM}"
    assert translator.language() == "zh_CN"
    qapp.installTranslator(translator)
    try:
        assert QCoreApplication.translate(context, source) == expected
        # Unknown strings fall back to the English source.
        assert QCoreApplication.translate(context, "no such string") == "no such string"
    finally:
        qapp.removeTranslator(translator)


def test_translations_keep_placeholders_and_key_hints():
    bad = []
    for ctx, src, tr in _messages():
        text = "".join(tr.itertext())
        if not text:  # an untranslated entry: test_every_message_is_finished reports it
            continue
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(src)):
            bad.append(f"{ctx}: {src!r} -> {text!r} (placeholders)")
        if KEY_HINT.findall(text) != KEY_HINT.findall(src):
            bad.append(f"{ctx}: {src!r} -> {text!r} (keyboard hint)")
    assert not bad, "\n".join(bad)


def test_no_translation_call_hides_from_lupdate():
    """lupdate only sees literal tr()/translate() calls: an alias (``t = self.tr``,
    ``_t(text)`` wrappers) or a call inside an f-string hides the string from the
    check above, and the seat sees English. Catch those shapes in ui/."""
    import re
    ui = Path(__file__).resolve().parent.parent / "ui"
    # An alias named ``translate`` is fine: lupdate reads translate("Context", "text").
    alias = re.compile(r"\b(?!translate\b)\w+\s*=\s*(self\.tr|QCoreApplication\.translate|"
                       r"QApplication\.translate)\s*(#.*)?$")
    wrapper = re.compile(r"def \w+\(\w+[^)]*\)[^:]*:\s*$")
    bad = []
    for path in sorted(ui.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines, 1):
            if alias.search(line):
                bad.append(f"{path.name}:{n}: alias of a translation function")
            if re.search(r"""f["'][^"']*\{[^}]*\b(tr|translate)\(""", line):
                bad.append(f"{path.name}:{n}: translation call inside an f-string")
            if wrapper.search(line) and n < len(lines) and re.search(
                    r"return\s+(QCoreApplication|QApplication)\.translate\(\s*\"\w+\",\s*\w+\s*\)",
                    lines[n]):
                bad.append(f"{path.name}:{n}: wrapper passing a variable to translate()")
    assert not bad, "\n".join(bad)

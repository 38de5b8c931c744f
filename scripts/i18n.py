#!/usr/bin/env python
"""Translations of the desktop (Qt Linguist tool chain, zh_CN).

    python scripts/i18n.py update [--no-obsolete]
        Extract every tr()/translate() string from the .py files under ui/
        (and under app/ where a file has translate calls) with pyside6-lupdate
        and merge them into resources/i18n/hotline_zh_CN.ts. Existing
        translations are kept; strings that left the code are marked
        obsolete (dropped with --no-obsolete); new ones arrive unfinished.
    python scripts/i18n.py release
        Compile the .ts into resources/i18n/hotline_zh_CN.qm (pyside6-lrelease),
        the file ui.main.install_translator loads.
    python scripts/i18n.py check
        Exit 1, listing them, if a string in the code (from a fresh lupdate into
        a temporary file) has no finished translation in the committed .ts, if a
        translation drops or adds a %N placeholder, or if the committed .qm is
        not what `release` makes from the committed .ts.

Workflow after changing UI text: update -> translate the new entries in Qt
Linguist (pyside6-linguist resources/i18n/hotline_zh_CN.ts) or by hand, and
remove type="unfinished" -> release -> commit both the .ts and the .qm.

The tools are looked up next to sys.executable (the venv's bin/ or Scripts/),
then in the PySide6 package folder, then on PATH. sip/ is never scanned: it is
plain Python with no Qt translation calls.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N_DIR = ROOT / "resources" / "i18n"
TS_FILE = I18N_DIR / "hotline_zh_CN.ts"
QM_FILE = I18N_DIR / "hotline_zh_CN.qm"
SOURCE_LANGUAGE = "en"
TARGET_LANGUAGE = "zh_CN"

# Always scanned: every .py below these folders.
UI_DIRS = ("ui",)
# Scanned only where a file actually calls a Qt translation function.
OPTIONAL_DIRS = ("app",)
_TRANSLATE_CALL = re.compile(
    r"(?:\.tr|\btranslate|\bQT_TR_NOOP|\bQT_TRANSLATE_NOOP3?|\bQT_TR_N_NOOP|\bQT_TRANSLATE_N_NOOP)\s*\(")
_PLACEHOLDER = re.compile(r"%L?(\d+)")


# -- tools -------------------------------------------------------------------
def find_tool(name: str) -> str:
    """Path of pyside6-<name> (or PySide6's own <name> binary)."""
    exe = ".exe" if os.name == "nt" else ""
    candidates = []
    bin_dir = Path(sys.executable).parent
    candidates.append(bin_dir / f"pyside6-{name}{exe}")
    try:
        import PySide6
        pkg = Path(PySide6.__file__).resolve().parent
        candidates += [pkg / f"{name}{exe}", pkg / "Qt" / "bin" / f"{name}{exe}",
                       pkg / "Qt" / "libexec" / f"{name}{exe}"]
    except ImportError:
        pass
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    found = shutil.which(f"pyside6-{name}")
    if found:
        return found
    sys.exit(f"i18n: cannot find pyside6-{name}: install PySide6 in this interpreter ({sys.executable})")


def rel(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def run(cmd: list[str], quiet: bool = False) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0 or not quiet:
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        sys.exit(f"i18n: {Path(cmd[0]).name} failed with exit code {proc.returncode}")
    return proc


# -- sources -----------------------------------------------------------------
def _py_files(folder: Path):
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def source_files() -> list[Path]:
    files = []
    for d in UI_DIRS:
        files += _py_files(ROOT / d)
    for d in OPTIONAL_DIRS:
        for p in _py_files(ROOT / d):
            if _TRANSLATE_CALL.search(p.read_text(encoding="utf-8", errors="replace")):
                files.append(p)
    return files


def lupdate(ts: Path, *, no_obsolete: bool = False, locations: str | None = None,
            quiet: bool = False) -> None:
    files = source_files()
    if not files:
        sys.exit("i18n: no source files found under " + ", ".join(UI_DIRS))
    ts.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        lst = Path(tmp) / "sources.lst"
        lst.write_text("\n".join(str(p) for p in files) + "\n", encoding="utf-8")
        cmd = [find_tool("lupdate"), f"@{lst}", "-extensions", "py",
               "-source-language", SOURCE_LANGUAGE, "-target-language", TARGET_LANGUAGE]
        if no_obsolete:
            cmd.append("-no-obsolete")
        if locations:
            cmd += ["-locations", locations]
        if quiet:
            cmd.append("-silent")
        cmd += ["-ts", str(ts)]
        run(cmd, quiet=quiet)


def lrelease(ts: Path, qm: Path, quiet: bool = False) -> None:
    qm.parent.mkdir(parents=True, exist_ok=True)
    cmd = [find_tool("lrelease"), str(ts), "-qm", str(qm)]
    if quiet:
        cmd.append("-silent")
    run(cmd, quiet=quiet)


# -- reading .ts files -------------------------------------------------------
def _text(el) -> str:
    return "".join(el.itertext()) if el is not None else ""


def read_ts(path: Path) -> dict[tuple[str, str, str], dict]:
    """(context, source, comment) -> {"translations": [...], "type": ...}.

    ``type`` is the translation's type attribute: "" (finished), "unfinished",
    "obsolete" or "vanished". Numerus messages list every form.
    """
    out = {}
    for ctx in ET.parse(path).getroot().iter("context"):
        name = _text(ctx.find("name"))
        for msg in ctx.iter("message"):
            tr = msg.find("translation")
            forms = tr.findall("numerusform") if tr is not None else []
            texts = [_text(f) for f in forms] if forms else [_text(tr)]
            key = (name, _text(msg.find("source")), _text(msg.find("comment")))
            out[key] = {"translations": texts,
                        "type": (tr.get("type") or "") if tr is not None else "unfinished",
                        "numerus": msg.get("numerus") == "yes"}
    return out


def placeholders(text: str) -> set[str]:
    return {f"%{n}" for n in _PLACEHOLDER.findall(text)}


def is_finished(entry: dict | None) -> bool:
    return (entry is not None and entry["type"] == ""
            and all(t.strip() for t in entry["translations"]))


def placeholder_problems(catalogue: dict) -> list[str]:
    bad = []
    for (ctx, src, _c), e in catalogue.items():
        if e["type"] in ("obsolete", "vanished"):
            continue
        want = placeholders(src)
        if e["numerus"]:
            want.discard("%n")
        for t in e["translations"]:
            if t and placeholders(t) != want:
                bad.append(f"{ctx}: {src!r} -> {t!r}")
    return bad


def qm_problems(catalogue: dict) -> list[str]:
    """The committed .qm must give every finished translation of the .ts."""
    if not QM_FILE.exists():
        return [f"{rel(QM_FILE)} is missing"]
    from PySide6.QtCore import QTranslator
    translator = QTranslator()
    if not translator.load(str(QM_FILE)):
        return [f"{rel(QM_FILE)} cannot be loaded"]
    stale = []
    for (ctx, src, comment), e in catalogue.items():
        if not is_finished(e) or e["numerus"]:
            continue
        got = translator.translate(ctx, src, comment or None)
        if got != e["translations"][0]:
            stale.append(f"  {ctx}: {src!r}: .qm gives {got!r}")
    if stale:
        return [f"{rel(QM_FILE)} is not built from the current .ts:"] + stale
    return []


# -- commands ----------------------------------------------------------------
def cmd_update(args) -> int:
    lupdate(TS_FILE, no_obsolete=args.no_obsolete)
    cat = read_ts(TS_FILE)
    todo = [k for k, e in cat.items() if e["type"] not in ("obsolete", "vanished") and not is_finished(e)]
    print(f"i18n: {rel(TS_FILE)}: {len(cat)} messages, {len(todo)} to translate")
    for ctx, src, _c in todo:
        print(f"  {ctx}: {src}")
    return 0


def cmd_release(args) -> int:
    if not TS_FILE.exists():
        sys.exit(f"i18n: {rel(TS_FILE)} does not exist; run `update` first")
    lrelease(TS_FILE, QM_FILE)
    return 0


def cmd_check(args) -> int:
    if not TS_FILE.exists():
        print(f"i18n: {rel(TS_FILE)} does not exist; run `update`", file=sys.stderr)
        return 1
    problems = []
    committed = read_ts(TS_FILE)
    with tempfile.TemporaryDirectory() as tmp:
        fresh_ts = Path(tmp) / f"fresh_{TARGET_LANGUAGE}.ts"
        lupdate(fresh_ts, no_obsolete=True, locations="none", quiet=True)
        fresh = read_ts(fresh_ts)
        missing = [k for k in fresh if not is_finished(committed.get(k))]
        if missing:
            problems.append(f"{len(missing)} string(s) in the code have no finished zh_CN translation "
                            f"in {rel(TS_FILE)}:")
            problems += [f"  {ctx}: {src!r}" + (f" (comment {c!r})" if c else "")
                         for ctx, src, c in missing]
        nameless = sorted({src for ctx, src, _c in fresh if not ctx})
        if nameless:
            # A bare tr() outside a class: lupdate files it under no context, but
            # at run time it is looked up under the calling class, so it never
            # translates. Warn (not fail) so the call site gets fixed.
            print("i18n: warning: these strings have no context (tr() outside a class); they will "
                  "not translate at run time - use QCoreApplication.translate(\"Context\", ...):\n  "
                  + "\n  ".join(repr(s) for s in nameless), file=sys.stderr)
        bad = placeholder_problems(committed)
        if bad:
            problems.append("translations whose %N placeholders differ from the source:")
            problems += ["  " + b for b in bad]
        if not args.skip_qm:
            problems += qm_problems(committed)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print("fix: python scripts/i18n.py update, translate, python scripts/i18n.py release",
              file=sys.stderr)
        return 1
    print(f"i18n: all {len(fresh)} strings have a finished zh_CN translation")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="i18n.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    u = sub.add_parser("update", help="extract strings and merge them into the .ts")
    u.add_argument("--no-obsolete", action="store_true", help="drop strings that left the code")
    u.set_defaults(func=cmd_update)
    r = sub.add_parser("release", help="compile the .ts into the .qm")
    r.set_defaults(func=cmd_release)
    c = sub.add_parser("check", help="fail if any string lacks a finished translation")
    c.add_argument("--skip-qm", action="store_true", help="do not check that the .qm is up to date")
    c.set_defaults(func=cmd_check)
    args = p.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

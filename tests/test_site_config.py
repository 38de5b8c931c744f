"""Site configuration (IT presets and locks), passwords never on disk, diagnostics zip."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from app import site_config
from app.domain.accounts import Transport
from app.secrets import SecretStore

PASSWORD = "Sekr3t-pw-12368-\u5bc6\u7801"  # ASCII and Chinese: both encodings are searched


# ---------------------------------------------------------------- plain loading
def write(path: Path, obj) -> Path:
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj), encoding="utf-8")
    return path


def test_missing_file_presets_nothing(tmp_path):
    cfg = site_config.load(tmp_path / "none.json")
    assert cfg.ok and not cfg.values and not cfg.locked
    assert cfg.merge({"server": "a"}) == {"server": "a"}


def test_env_overrides_the_system_path(tmp_path, monkeypatch):
    p = write(tmp_path / "site.json", {"server": "sip.court:5060"})
    monkeypatch.setenv("HOTLINE_SITE_CONFIG", str(p))
    assert site_config.default_path() == p
    assert site_config.load().get("server") == "sip.court:5060"


def test_system_path_per_platform(monkeypatch):
    monkeypatch.delenv("HOTLINE_SITE_CONFIG", raising=False)
    assert site_config.default_path() == Path("/etc/hotline12368/site.json")
    monkeypatch.setattr(site_config.sys, "platform", "win32")
    monkeypatch.setenv("PROGRAMDATA", r"C:\ProgramData")
    assert str(site_config.default_path()).replace("/", "\\").endswith(r"ProgramData\hotline12368\site.json")


def test_malformed_json_is_a_clear_message_not_a_crash(tmp_path):
    p = write(tmp_path / "site.json", '{"server": "x", "locked": ["server"],,}')
    cfg = site_config.load(p)
    assert not cfg.ok and not cfg.values and not cfg.locked
    assert "malformed JSON at line 1" in cfg.problems[0] and str(p) in cfg.problems[0]


def test_validation_drops_bad_keys_and_names_them(tmp_path):
    cfg = site_config.load(write(tmp_path / "s.json", {
        "server": " sip.court:5060 ", "transport": "TLS", "role": "boss", "password": "x",
        "colour": "red", "auto_answer": "yes", "locked": ["server", "role", "nope", "court"]}))
    assert cfg.values == {"server": "sip.court:5060", "transport": "tls"}
    assert cfg.locked == {"server"}
    text = "\n".join(cfg.problems)
    for word in ("'role' must be one of", "'password' ignored", "unknown key 'colour'",
                 "'auto_answer' must be a bool", "cannot lock unknown key 'nope'", "'court' is locked but"):
        assert word in text, word


def test_merge_site_then_user_then_locks():
    cfg = site_config.parse({"server": "site:5060", "transport": "tcp", "court": "1100",
                             "locked": ["server"]})
    merged = cfg.merge({"server": "user:5060", "transport": "udp", "user": "8001"})
    assert merged["server"] == "site:5060"       # locked: the site wins
    assert merged["transport"] == "udp"          # preset only: the user wins
    assert merged["court"] == "1100" and merged["user"] == "8001"
    assert cfg.is_locked("server") and not cfg.is_locked("transport")
    assert "server" not in cfg.user_part(merged)


# ---------------------------------------------------------------- the secret store
class _FakeOsStore:
    priority = 5

    def __init__(self):
        self.d = {}

    def get_password(self, s, u):
        return self.d.get((s, u))

    def set_password(self, s, u, p):
        self.d[(s, u)] = p

    def delete_password(self, s, u):
        self.d.pop((s, u))


def test_secret_store_uses_the_os_store_when_there_is_one(monkeypatch):
    monkeypatch.delenv("HOTLINE_SIP_PASSWORD", raising=False)
    monkeypatch.delenv("HOTLINE_SECRET_STORE", raising=False)
    kr = _FakeOsStore()
    st = SecretStore(backend=kr)
    assert st.persistent and not st.warning
    assert st.set_password("srv", "8001", "pw") is True
    assert kr.d == {("hotline12368", "8001@srv"): "pw"}
    assert st.get_password("srv", "8001") == "pw"
    monkeypatch.setenv("HOTLINE_SIP_PASSWORD", "from-env")
    assert st.get_password("srv", "8001") == "from-env"  # automation override
    st.delete_password("srv", "8001")
    assert kr.d == {}
    # The SIP override never stands in for another service's secret (the SMS gateway).
    st.set_password("smpp://127.0.0.1:2775", "court", "smpp-pw")
    assert st.get_password("smpp://127.0.0.1:2775", "court") == "smpp-pw"


def test_secret_store_falls_back_to_memory_without_a_backend(monkeypatch):
    monkeypatch.delenv("HOTLINE_SIP_PASSWORD", raising=False)
    monkeypatch.delenv("HOTLINE_SECRET_STORE", raising=False)
    from keyring.backends import fail
    st = SecretStore(backend=fail.Keyring())
    assert not st.persistent and "memory for this session only" in st.warning
    assert st.set_password("srv", "8001", "pw") is False
    assert st.get_password("srv", "8001") == "pw"


def test_secret_store_refuses_plaintext_file_backends(monkeypatch):
    monkeypatch.delenv("HOTLINE_SECRET_STORE", raising=False)
    PlaintextKeyring = type("PlaintextKeyring", (_FakeOsStore,), {"__module__": "keyrings.alt.file"})
    st = SecretStore(backend=PlaintextKeyring())
    assert not st.persistent and "write passwords to a file" in st.warning


def test_secret_store_falls_back_when_the_os_store_errors(monkeypatch):
    monkeypatch.delenv("HOTLINE_SIP_PASSWORD", raising=False)
    monkeypatch.delenv("HOTLINE_SECRET_STORE", raising=False)

    class Locked(_FakeOsStore):
        def set_password(self, s, u, p):
            raise RuntimeError("collection is locked")
    st = SecretStore(backend=Locked())
    assert st.set_password("srv", "8001", "pw") is False
    assert st.get_password("srv", "8001") == "pw" and "saving failed" in st.warning


# ---------------------------------------------------------------- UI: locks and secrets
@pytest.fixture
def desk_dirs(tmp_path, monkeypatch):
    """Every place the desk could write: data, config, state (logs), home, site."""
    dirs = {n: tmp_path / n for n in ("data", "config", "state", "home", "site")}
    for d in dirs.values():
        d.mkdir()
    monkeypatch.setenv("HOME", str(dirs["home"]))
    monkeypatch.setenv("XDG_DATA_HOME", str(dirs["data"]))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(dirs["config"]))
    monkeypatch.setenv("XDG_STATE_HOME", str(dirs["state"]))
    monkeypatch.delenv("HOTLINE_LOG_DIR", raising=False)
    monkeypatch.delenv("HOTLINE_DATA_DIR", raising=False)
    monkeypatch.delenv("HOTLINE_SIP_PASSWORD", raising=False)
    monkeypatch.setenv("HOTLINE_SITE_CONFIG", str(dirs["site"] / "site.json"))
    return dirs


@pytest.fixture
def store(desk_dirs):
    from app import paths
    from app.storage.db import close_database, open_database
    from app.storage.settings_repo import SettingsRepository
    data = paths.user_data_dir()
    data.mkdir(parents=True)
    open_database(data / "desk.sqlite3")
    yield SettingsRepository()
    close_database()


def _dialog(setup, qtbot):
    from ui.softphone.settings_dialog import SettingsDialog
    dlg = SettingsDialog(setup.initial(), {}, ([], []), locked=setup.locked())
    qtbot.addWidget(dlg)
    return dlg


def test_locked_setting_cannot_be_changed_in_the_ui(desk_dirs, store, qtbot):
    from ui.main import AccountSetup
    write(desk_dirs["site"] / "site.json", {"server": "sip.court.example:5060", "transport": "tls",
                                            "domain": "court.example", "locked": ["server", "transport"]})
    # The user's own settings say otherwise (an old install, a hand-edited store).
    store.set("account", {"server": "evil.example:5060", "transport": "udp", "user": "8001"})
    setup = AccountSetup(store, site_config.load(), SecretStore(force_memory=True))

    dlg = _dialog(setup, qtbot)
    assert dlg.server.text() == "sip.court.example:5060"
    assert not dlg.server.isEnabled() and not dlg.transport.isEnabled()
    assert dlg.server.toolTip() and dlg.transport.toolTip()
    assert dlg.user.isEnabled() and dlg.user.text() == "8001"   # not preset: asked
    assert dlg.display.isEnabled()

    dlg.server.setText("evil.example:5060")  # even if forced into the disabled field
    dlg.transport.setCurrentIndex(list(Transport).index(Transport.UDP))
    dlg.display.setText("Seat eight thousand one")
    saved = setup.save(dlg.account_settings())

    assert saved.server == "sip.court.example:5060" and saved.transport is Transport.TLS
    assert saved.domain == "court.example" and saved.display_name == "Seat eight thousand one"
    own = store.get("account")
    assert "server" not in own and "transport" not in own and own["user"] == "8001"
    again = AccountSetup(store, site_config.load(), SecretStore(force_memory=True)).initial()
    assert again.server == "sip.court.example:5060" and again.transport is Transport.TLS


def test_first_run_asks_only_what_is_not_preset(desk_dirs, store, qtbot):
    from ui.main import AccountSetup
    write(desk_dirs["site"] / "site.json", {"server": "sip.court.example", "locked": ["server"]})
    setup = AccountSetup(store, site_config.load(), SecretStore(force_memory=True))
    assert setup.effective() is None  # no user yet: the first-run dialog opens
    dlg = _dialog(setup, qtbot)
    assert not dlg.server.isEnabled() and dlg.server.text() == "sip.court.example"
    assert dlg.user.isEnabled() and dlg.user.text() == ""


def _files_containing(roots, needles: list[bytes]):
    hits = []
    for root in roots:
        for f in Path(root).rglob("*"):
            if f.is_file():
                data = f.read_bytes()
                if any(n in data for n in needles):
                    hits.append(str(f))
                if f.suffix == ".zip":
                    with zipfile.ZipFile(f) as z:
                        for m in z.namelist():
                            if any(n in z.read(m) for n in needles):
                                hits.append(f"{f}!{m}")
    return hits


def _needles(pw: str) -> list[bytes]:
    return [pw.encode("utf-8"), pw.encode("utf-16-le"), json.dumps(pw)[1:-1].encode()]


def test_password_saved_through_the_dialog_is_never_on_disk(desk_dirs, store, qtbot, monkeypatch):
    from app import paths
    from ui import diagnostics
    from ui.main import AccountSetup
    write(desk_dirs["site"] / "site.json", {"server": "sip.court.example", "locked": ["server"]})
    log_file = diagnostics.setup_logging(paths.log_dir())
    secrets = SecretStore()  # whatever this machine has: on CI, keyring's fail backend -> memory
    setup = AccountSetup(store, site_config.load(), secrets)
    dlg = _dialog(setup, qtbot)
    dlg.user.setText("8001")
    dlg.password.setText(PASSWORD)
    dlg._try_accept()
    from PySide6.QtWidgets import QDialog
    assert dlg.result() == QDialog.Accepted
    saved = setup.save(dlg.account_settings())
    assert saved.password == PASSWORD
    assert setup.initial().password == PASSWORD   # the session gets it back
    import logging
    logging.getLogger("hotline").info("saved account %s", saved.without_secret())

    # The diagnostics zip, made with the password known, goes in a scanned folder too.
    zip_path = diagnostics.export_diagnostics(
        desk_dirs["home"] / "diag.zip", paths.log_dir(), store.all(),
        site_config.load().redacted(), secrets=[PASSWORD], extra={"account": saved.server})
    for h in list(logging.getLogger().handlers):
        if getattr(h, "_hotline", False):
            h.flush()
    assert log_file is not None and log_file.exists()
    data = paths.user_data_dir()
    assert any(p.name.endswith("-wal") for p in data.iterdir()) or (data / "desk.sqlite3").exists()
    assert _files_containing(desk_dirs.values(), _needles(PASSWORD)) == []
    with zipfile.ZipFile(zip_path) as z:
        names = z.namelist()
        assert {"versions.json", "settings.json", "site.json"} <= set(names)
        assert any(n.startswith("logs/hotline.log") for n in names)
        versions = json.loads(z.read("versions.json"))
        assert versions["python"] and versions["qt"] and versions["pjsua2_python"] and versions["os"]
        assert json.loads(z.read("settings.json"))["account"]["user"] == "8001"
    for h in list(logging.getLogger().handlers):
        if getattr(h, "_hotline", False) and hasattr(h, "baseFilename"):
            logging.getLogger().removeHandler(h)
            h.close()


def test_diagnostics_zip_scrubs_a_password_that_reached_a_log(tmp_path):
    from ui import diagnostics
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "pjsip.log").write_text(f"oops, someone logged {PASSWORD} here\n", encoding="utf-8")
    z = diagnostics.export_diagnostics(tmp_path / "d.zip", logs,
                                       {"account": {"user": "8001", "password": PASSWORD},
                                        "sip.secret": PASSWORD},
                                       secrets=[PASSWORD])
    with zipfile.ZipFile(z) as zf:
        for m in zf.namelist():
            assert PASSWORD.encode() not in zf.read(m), m
        assert b"********" in zf.read("logs/pjsip.log")


def test_site_language_chooses_the_translation(tmp_path, monkeypatch, qapp):
    """IT can set the language for every desk; English stays the fallback."""
    import json

    from PySide6.QtCore import QCoreApplication

    from ui.main import _site_language, install_translator
    site = tmp_path / "site.json"
    site.write_text(json.dumps({"language": "zh_CN"}), encoding="utf-8")
    monkeypatch.setenv("HOTLINE_SITE_CONFIG", str(site))
    assert _site_language() == "zh_CN"
    tr = install_translator(qapp, _site_language())
    try:
        assert QCoreApplication.translate("CallsPanel", "Answer (F5)") == "接听 (F5)"
    finally:
        qapp.removeTranslator(tr)
    assert QCoreApplication.translate("CallsPanel", "Answer (F5)") == "Answer (F5)"
    site.write_text(json.dumps({"language": "en"}), encoding="utf-8")
    assert install_translator(qapp, _site_language()) is None


def test_desk_service_keys_are_accepted_and_typed():
    cfg = site_config.parse({"sms_gateway": "SMPP", "sms_smpp_host": "127.0.0.1", "sms_smpp_port": 2775,
                             "sms_smpp_system_id": "court", "work_order_normal_days": 3,
                             "work_order_holidays": ["2026-10-01"], "case_source_url": "https://cases",
                             "case_source_timeout_s": 4})
    assert cfg.ok, cfg.problems
    assert cfg.get("sms_gateway") == "smpp" and cfg.get("work_order_holidays") == ["2026-10-01"]
    bad = site_config.parse({"sms_gateway": "carrier-pigeon", "sms_smpp_port": "2775"})
    assert bad.get("sms_gateway") is None and bad.get("sms_smpp_port") is None
    assert len(bad.problems) == 2

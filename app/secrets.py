"""SIP passwords in the operating system's credential store (the port).

Backed by `keyring` (Windows Credential Manager, macOS Keychain, Secret
Service / KWallet on Linux desktops). Where no usable store exists (a headless
Linux PC or CI without a Secret Service: keyring picks its ``fail`` backend,
or a backend errors on use), the password is kept **in memory for this session
only** and ``SecretStore.warning`` says so in plain words. Backends that write
passwords to a plain or weakly obfuscated file (keyrings.alt's Plaintext and
friends) are refused the same way: a password is never written to a file by
this desk.

``HOTLINE_SIP_PASSWORD`` in the environment overrides the stored password of
SIP accounts (automation, kiosks); it is read, never stored. Other entries
(the SMS gateway's, ``smpp://HOST:PORT``) are never overridden by it.

Entries: service ``hotline12368``, user name ``USER@SERVER`` (one entry per
account on a server).

Plain Python: no Qt, no pjsua2, no store.
"""
from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

SERVICE = "hotline12368"
ENV_PASSWORD = "HOTLINE_SIP_PASSWORD"
# Set to "memory" to force the in-memory store (tests, diagnostics of a broken keyring).
ENV_BACKEND = "HOTLINE_SECRET_STORE"

_UNSAFE_BACKENDS = ("plaintext", "encryptedkeyring", "uncryptedfile", "keyrings.alt")


def _entry(server: str, user: str) -> str:
    return f"{user}@{server}"


class SecretStore:
    """get/set/delete the password of (server, user)."""

    def __init__(self, backend=None, force_memory: bool | None = None):
        self._memory: dict[str, str] = {}
        self.warning: str = ""
        self._kr = None
        if force_memory is None:
            force_memory = os.environ.get(ENV_BACKEND, "").lower() == "memory"
        if force_memory:
            self._fallback("the in-memory store was chosen (HOTLINE_SECRET_STORE=memory)")
            return
        try:
            if backend is None:
                import keyring
                backend = keyring.get_keyring()
        except Exception as e:  # keyring missing or broken
            self._fallback(f"no credential store library ({e})")
            return
        chained = getattr(backend, "backends", None)
        if chained:  # keyring's chainer: use its best backend that is safe, alone
            safe = [b for b in chained if not _unusable(b)]
            backend = safe[0] if safe else backend
        reason = _unusable(backend)
        if reason:
            self._fallback(reason)
        else:
            self._kr = backend

    # -- state
    @property
    def persistent(self) -> bool:
        """True when passwords survive a restart (an OS credential store is in use)."""
        return self._kr is not None

    @property
    def backend_name(self) -> str:
        if self._kr is None:
            return "memory (this session only)"
        k = type(self._kr)
        return f"{k.__module__}.{k.__name__}"

    def _fallback(self, why: str) -> None:
        self._kr = None
        self.warning = ("No OS credential store is available (" + why + "): the SIP password "
                        "is kept in memory for this session only and must be entered again "
                        "after a restart. It is never written to a file.")
        log.warning("secrets: %s", self.warning)

    # -- the port
    def get_password(self, server: str, user: str) -> str:
        env = os.environ.get(ENV_PASSWORD)
        if env and "://" not in server:   # SIP accounts only, never e.g. smpp://host:port
            return env
        key = _entry(server, user)
        if self._kr is not None:
            try:
                return self._kr.get_password(SERVICE, key) or ""
            except Exception as e:
                self._fallback(f"reading failed: {e}")
        return self._memory.get(key, "")

    def set_password(self, server: str, user: str, password: str) -> bool:
        """Store it; True if it went to the OS store, False if kept in memory only."""
        key = _entry(server, user)
        if not password:
            self.delete_password(server, user)
            return self.persistent
        if self._kr is not None:
            try:
                self._kr.set_password(SERVICE, key, password)
                return True
            except Exception as e:
                self._fallback(f"saving failed: {e}")
        self._memory[key] = password
        return False

    def delete_password(self, server: str, user: str) -> None:
        key = _entry(server, user)
        self._memory.pop(key, None)
        if self._kr is not None:
            try:
                self._kr.delete_password(SERVICE, key)
            except Exception:  # PasswordDeleteError when absent; nothing to do
                pass


def _unusable(backend) -> str:
    """Why this keyring backend must not be used ('' when fine)."""
    k = type(backend)
    name = f"{k.__module__}.{k.__name__}".lower()
    if name.startswith("keyring.backends.fail") or "fail" == k.__name__.lower():
        return "keyring found no backend (no Secret Service on this desktop?)"
    if any(u in name for u in _UNSAFE_BACKENDS):
        return f"{k.__name__} would write passwords to a file"
    try:
        prio = float(getattr(k, "priority", 1))
    except Exception:  # priority raises when the backend is not viable
        return f"{k.__name__} is not usable here"
    if prio <= 0:
        return f"{k.__name__} is not usable here"
    # The chainer: refuse it if it only chains file-based or failing backends.
    chained = getattr(backend, "backends", None)
    if chained is not None:
        usable = [b for b in chained if not _unusable(b)]
        if not usable:
            return "no usable backend among " + ", ".join(type(b).__name__ for b in chained)
    return ""

"""HTTP digest for SIP (RFC 2617 / RFC 7616 with MD5, as SIP uses it: RFC 3261 22).

Supports ``qop=auth`` (with ``nc`` and ``cnonce``) and the old no-qop form.
:class:`DigestAuth` caches the nonce per realm and reuses it with an
incrementing nonce count, so after the first challenge every request carries
credentials up front and is not challenged again (Kamailio's ``auth`` module
accepts nonce reuse until ``nonce_expire``; then it answers with
``stale=true`` and we recompute once).

What a challenge to a request that already carried credentials means
(:meth:`DigestAuth.learn`), as Kamailio 5.6 answers (measured here):

* ``stale`` -- ``stale=true``: the nonce is too old, or older than the
  server's start (every nonce from before a restart: ``auth_check`` rc -4,
  whatever the ``secret``), the credentials themselves were fine.  RFC 7616
  3.3: resend with the new nonce, without counting it as a rejection.
* ``new`` -- a different nonce without ``stale``: e.g. a nonce of the
  previous server process minted in the very second the new one started
  (rc -1, "invalid nonce").  Resend with the new nonce.
* ``same`` -- the nonce we used, again, without ``stale``.  Kamailio's nonce
  is the same for every challenge within one second, and it answers a wrong
  password with 403 (our config), so this is a request it could not check:
  rc -1 from ``auth_db`` when its SQLite query fails (db_sqlite has no busy
  timeout).  Worth one or two resends after a pause; a server that really
  rejects the credentials this way keeps answering so and the sender stops.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass

from .message import SipMessage, _split_commas

__all__ = ["Challenge", "DigestAuth", "parse_challenge", "compute_response"]


@dataclass
class Challenge:
    scheme: str
    realm: str
    nonce: str
    opaque: str | None = None
    algorithm: str = "MD5"
    qop: list[str] | None = None
    stale: bool = False
    proxy: bool = False  # from Proxy-Authenticate (407)

    @property
    def header_name(self) -> str:
        return "Proxy-Authorization" if self.proxy else "Authorization"


def _parse_auth_params(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in _split_commas(text):
        if "=" not in item:
            continue
        k, v = item.split("=", 1)
        v = v.strip()
        if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
            v = v[1:-1].replace('\\"', '"')
        out[k.strip().lower()] = v
    return out


def parse_challenge(value: str, proxy: bool = False) -> Challenge:
    """Parse one WWW-Authenticate / Proxy-Authenticate value."""
    value = value.strip()
    scheme, _, rest = value.partition(" ")
    p = _parse_auth_params(rest)
    qop = [q.strip().lower() for q in p["qop"].split(",")] if "qop" in p else None
    return Challenge(
        scheme=scheme,
        realm=p.get("realm", ""),
        nonce=p.get("nonce", ""),
        opaque=p.get("opaque"),
        algorithm=p.get("algorithm", "MD5"),
        qop=qop,
        stale=p.get("stale", "").lower() == "true",
        proxy=proxy,
    )


def _md5(s: str) -> str:
    return hashlib.md5(s.encode("utf-8")).hexdigest()


def compute_response(user: str, password: str, realm: str, nonce: str, method: str,
                     uri: str, qop: str | None = None, nc: str | None = None,
                     cnonce: str | None = None, algorithm: str = "MD5") -> str:
    """The ``response`` value of RFC 2617 (MD5 and MD5-sess, qop auth or none)."""
    ha1 = _md5(f"{user}:{realm}:{password}")
    if algorithm.upper() == "MD5-SESS":
        ha1 = _md5(f"{ha1}:{nonce}:{cnonce}")
    ha2 = _md5(f"{method}:{uri}")
    if qop:
        return _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return _md5(f"{ha1}:{nonce}:{ha2}")


class _RealmState:
    __slots__ = ("challenge", "nc")

    def __init__(self, challenge: Challenge):
        self.challenge = challenge
        self.nc = 0


class DigestAuth:
    """Digest credentials of one account, with a nonce cache per realm.

    Thread-safe.  Typical use by a UA::

        hdr = auth.authorization(method, uri)        # None until challenged once
        ... send; on 401/407:
        if auth.on_challenge(response, used_nonce=...):   # True: retry makes sense
            resend with auth.authorization(method, uri)
        else: credentials rejected
    """

    def __init__(self, user: str, password: str | None, auth_user: str | None = None):
        self.user = auth_user or user
        self.password = password
        self._realms: dict[str, _RealmState] = {}
        self._last_realm: str | None = None
        self._lock = threading.Lock()

    @property
    def has_nonce(self) -> bool:
        return self._last_realm is not None

    def seed(self, challenge: Challenge) -> None:
        """Start from a nonce learnt elsewhere (e.g. another account of a pool)."""
        with self._lock:
            if challenge.realm not in self._realms:
                self._realms[challenge.realm] = _RealmState(challenge)
                self._last_realm = challenge.realm

    def current_nonce(self, realm: str | None = None) -> str | None:
        st = self._realms.get(realm or self._last_realm or "")
        return st.challenge.nonce if st else None

    def clear(self) -> None:
        with self._lock:
            self._realms.clear()
            self._last_realm = None

    def on_challenge(self, response: SipMessage, used_nonce: str | None) -> bool:
        """Learn the challenge(s) of a 401/407.  True when a retry can succeed
        at once: the nonce is new or marked stale.  False when the challenged
        request already carried that very nonce (see :meth:`learn`: ``same``),
        or there is no password."""
        return self.learn(response, used_nonce) in ("new", "stale")

    def learn(self, response: SipMessage, used_nonce: str | None) -> str:
        """Learn the challenge(s) of a 401/407 and say what it means for the
        challenged request (module docstring): ``"stale"``, ``"new"``,
        ``"same"``, or ``"none"`` (no password, or no usable digest
        challenge: a resend cannot help)."""
        if self.password is None:
            return "none"
        proxy = response.status == 407
        values = response.headers_all("proxy-authenticate" if proxy else "www-authenticate")
        if not values:
            # some servers send the other header
            values = response.headers_all("www-authenticate") or response.headers_all(
                "proxy-authenticate")
        verdict = "none"
        rank = {"none": 0, "same": 1, "new": 2, "stale": 3}
        with self._lock:
            for v in values:
                ch = parse_challenge(v, proxy=proxy)
                if ch.scheme.lower() != "digest":
                    continue
                if ch.algorithm.upper() not in ("MD5", "MD5-SESS"):
                    continue
                if ch.qop is not None and "auth" not in ch.qop:
                    continue
                self._realms[ch.realm] = _RealmState(ch)
                self._last_realm = ch.realm
                this = "stale" if ch.stale else ("new" if ch.nonce != used_nonce else "same")
                if rank[this] > rank[verdict]:
                    verdict = this
        return verdict

    def authorization(self, method: str, uri: str, realm: str | None = None
                      ) -> tuple[str, str, str] | None:
        """(header name, header value, nonce) for a request, or None when no
        challenge has been seen yet for that realm."""
        if self.password is None:
            return None
        with self._lock:
            st = self._realms.get(realm or self._last_realm or "")
            if st is None:
                return None
            ch = st.challenge
            st.nc += 1
            nc_val = st.nc
        params = [
            f'username="{self.user}"',
            f'realm="{ch.realm}"',
            f'nonce="{ch.nonce}"',
            f'uri="{uri}"',
        ]
        if ch.qop:
            nc = f"{nc_val:08x}"
            cnonce = os.urandom(8).hex()
            resp = compute_response(self.user, self.password, ch.realm, ch.nonce, method, uri,
                                    "auth", nc, cnonce, ch.algorithm)
            params += [f'response="{resp}"', f"algorithm={ch.algorithm}",
                       "qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
        else:
            resp = compute_response(self.user, self.password, ch.realm, ch.nonce, method, uri,
                                    algorithm=ch.algorithm)
            params += [f'response="{resp}"', f"algorithm={ch.algorithm}"]
        if ch.opaque is not None:
            params.append(f'opaque="{ch.opaque}"')
        return ch.header_name, "Digest " + ", ".join(params), ch.nonce

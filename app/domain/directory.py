"""The phone directory: courts, seats, judges, divisions and service lines.

Domain side: plain dataclasses and a search index, no Qt, no database. The
directory is loaded from a JSON file (``resources/directory.json`` is the
Beijing default) that IT staff edit; it holds no passwords.

File shape (see the ``numbering`` object in the file for the number plan)::

    {"courts": [{"code", "name", "short_name", "level", "is_main",
                 "seats": [{"number", "name"}],
                 "consulting_judges": [{"number", "name"}],
                 "divisions": [{"name", "office",
                                "chief": {"number", "name", "mobile"},
                                "judges": [{"number", "name", "mobile"}]}]}],
     "services": [{"number", "name", "court"?}]}

Each seat, judge, division office and service line becomes one
``DirectoryEntry``; ``DirectoryEntry.court`` is the court *code*.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

KINDS = ("seat", "consulting_judge", "judge", "division", "court", "service")
LEVELS = ("high", "intermediate", "special", "district")
ACCOUNT_KINDS = ("seat", "consulting_judge", "service")

# Search ranks, best first.
RANK_EXACT_NUMBER = 0
RANK_NUMBER_PREFIX = 1
RANK_NAME_PREFIX = 2
RANK_NAME_SUBSTRING = 3
RANK_COURT_OR_DIVISION = 4
RANK_OTHER = 5               # mobile number or tag

_KIND_ORDER = {kind: i for i, kind in enumerate(
    ("seat", "consulting_judge", "judge", "division", "service", "court"))}


class DirectoryError(ValueError):
    """The directory file is malformed; the message names the problem."""


@dataclass(frozen=True)
class Court:
    code: str
    name: str
    short_name: str
    level: str               # one of LEVELS
    is_main: bool = False    # the main platform (总平台)


@dataclass(frozen=True)
class DirectoryEntry:
    number: str
    name: str
    kind: str                # one of KINDS
    court: str               # Court.code ("" for platform-wide lines)
    division: str = ""
    mobile: str = ""
    tags: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class _Indexed:
    entry: DirectoryEntry
    name: str                # lower-cased search fields
    places: tuple[str, ...]  # court name, short name, division
    others: tuple[str, ...]  # mobile, tags


class Directory:
    """Read-only lookups over the entries and courts."""

    def __init__(self, courts: Iterable[Court], entries: Iterable[DirectoryEntry],
                 numbering: dict[str, Any] | None = None):
        self._courts = list(courts)
        self._court_by_code = {c.code: c for c in self._courts}
        self._entries = list(entries)
        self.numbering = dict(numbering or {})
        self._by_number: dict[str, DirectoryEntry] = {}
        for entry in self._entries:
            if entry.kind not in KINDS:
                raise DirectoryError(f"{entry.number}: unknown kind {entry.kind!r}")
            if entry.court and entry.court not in self._court_by_code:
                raise DirectoryError(f"{entry.number}: unknown court {entry.court!r}")
            if entry.number in self._by_number:
                raise DirectoryError(f"number {entry.number} is listed twice")
            self._by_number[entry.number] = entry
        if sum(1 for c in self._courts if c.is_main) != 1:
            raise DirectoryError("exactly one court must be the main platform")
        self._index = [self._indexed(e) for e in self._entries]

    # --- loading ------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | str) -> "Directory":
        """Read a directory JSON file; DirectoryError if malformed."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except ValueError as exc:
            raise DirectoryError(f"{path}: not valid JSON: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Directory":
        courts: list[Court] = []
        entries: list[DirectoryEntry] = []
        try:
            for c in data["courts"]:
                level = c["level"]
                if level not in LEVELS:
                    raise DirectoryError(f"{c['code']}: unknown level {level!r}")
                court = Court(code=c["code"], name=c["name"],
                              short_name=c.get("short_name", c["name"]),
                              level=level, is_main=bool(c.get("is_main", False)))
                courts.append(court)
                entries.extend(_court_entries(court, c))
            for s in data.get("services", []):
                entries.append(DirectoryEntry(
                    number=str(s["number"]), name=s["name"], kind="service",
                    court=s.get("court", ""), tags=tuple(s.get("tags", ()))))
        except (KeyError, TypeError) as exc:
            raise DirectoryError(f"missing or wrong field: {exc}") from exc
        return cls(courts, entries, data.get("numbering"))

    # --- lookups ------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries)

    def by_number(self, number: str) -> DirectoryEntry | None:
        return self._by_number.get(str(number).strip())

    def courts(self) -> list[Court]:
        return list(self._courts)

    def court(self, code: str) -> Court | None:
        return self._court_by_code.get(code)

    def main_court(self) -> Court:
        return next(c for c in self._courts if c.is_main)

    def entries(self, kind: str | None = None) -> list[DirectoryEntry]:
        """All entries, or those of one kind, in file order."""
        if kind is None:
            return list(self._entries)
        return [e for e in self._entries if e.kind == kind]

    def seats_of(self, court_code: str) -> list[DirectoryEntry]:
        return [e for e in self._entries if e.kind == "seat" and e.court == court_code]

    def accounts(self) -> list[tuple[str, str]]:
        """(number, display name) of every SIP account to provision.

        Seats, consulting judges and service lines; no passwords here.
        """
        return [(e.number, e.name) for e in self._entries if e.kind in ACCOUNT_KINDS]

    def escalation_ladder(self, number: str) -> list[DirectoryEntry]:
        """Who to phone, in order, to reach a judge urgently.

        The judge, then the division office, then the division chief.
        Empty when ``number`` is not a judge.
        """
        judge = self.by_number(number)
        if judge is None or judge.kind != "judge":
            return []
        same = [e for e in self._entries
                if e.court == judge.court and e.division == judge.division]
        office = [e for e in same if e.kind == "division"]
        chief = [e for e in same if "庭长" in e.tags and e is not judge]
        return [judge, *office, *chief]

    # --- search -------------------------------------------------------------

    def search(self, text: str, limit: int = 20) -> list[DirectoryEntry]:
        """Entries matching ``text``, best first.

        Ranks: exact number, number prefix, name prefix, name substring, then
        court or division name. Several words (``"朝阳 立案"``) must all match;
        an entry ranks by its best word. A linear scan over pre-lowered
        fields: well under a few milliseconds for 3,000 entries.
        """
        words = (text or "").strip().lower().split()
        if not words or limit <= 0:
            return []
        hits: list[tuple[int, int, str, DirectoryEntry]] = []
        for item in self._index:
            best = RANK_OTHER + 1
            for word in words:
                rank = _rank(item, word)
                if rank is None:
                    break
                best = min(best, rank)
            else:
                e = item.entry
                hits.append((best, _KIND_ORDER.get(e.kind, 9), e.number, e))
        hits.sort(key=lambda h: h[:3])
        return [h[3] for h in hits[:limit]]

    def _indexed(self, e: DirectoryEntry) -> _Indexed:
        court = self._court_by_code.get(e.court)
        places = tuple(p.lower() for p in (
            court.name if court else "", court.short_name if court else "",
            e.division) if p)
        others = tuple(o.lower() for o in (e.mobile, *e.tags) if o)
        return _Indexed(e, e.name.lower(), places, others)


def _rank(item: _Indexed, word: str) -> int | None:
    number = item.entry.number
    if number == word:
        return RANK_EXACT_NUMBER
    if number.startswith(word):
        return RANK_NUMBER_PREFIX
    if item.name.startswith(word):
        return RANK_NAME_PREFIX
    if word in item.name:
        return RANK_NAME_SUBSTRING
    if any(word in p for p in item.places):
        return RANK_COURT_OR_DIVISION
    if any(o.startswith(word) if o[:1].isdigit() else word in o for o in item.others):
        return RANK_OTHER
    return None


def _court_entries(court: Court, c: dict[str, Any]) -> list[DirectoryEntry]:
    platform = "总平台" if court.is_main else "分平台"
    out = [DirectoryEntry(str(s["number"]), s["name"], "seat", court.code,
                          tags=("坐席", platform, *s.get("tags", ())))
           for s in c.get("seats", [])]
    out += [DirectoryEntry(str(j["number"]), j["name"], "consulting_judge", court.code,
                           mobile=j.get("mobile", ""), tags=("咨询法官", *j.get("tags", ())))
            for j in c.get("consulting_judges", [])]
    for d in c.get("divisions", []):
        name = d["name"]
        if d.get("office"):
            out.append(DirectoryEntry(str(d["office"]), f"{name}办公室", "division",
                                      court.code, division=name, tags=("庭室",)))
        chief = d.get("chief")
        if chief:
            out.append(DirectoryEntry(str(chief["number"]), chief["name"], "judge",
                                      court.code, division=name,
                                      mobile=chief.get("mobile", ""), tags=("庭长",)))
        for j in d.get("judges", []):
            out.append(DirectoryEntry(str(j["number"]), j["name"], "judge", court.code,
                                      division=name, mobile=j.get("mobile", ""),
                                      tags=("承办法官", *j.get("tags", ()))))
    if c.get("switchboard"):
        out.append(DirectoryEntry(str(c["switchboard"]), court.name, "court",
                                  court.code, tags=("总机",)))
    return out

"""Tests for the phone directory (app.domain.directory) and the default
Beijing directory file, resources/directory.json. Plain pytest, no Qt."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from app.domain.directory import (ACCOUNT_KINDS, Court, Directory, DirectoryEntry,
                                  DirectoryError)

DEFAULT = Path(__file__).resolve().parents[1] / "resources" / "directory.json"

COURT_NAMES = [
    "北京市高级人民法院", "北京市第一中级人民法院", "北京市第二中级人民法院",
    "北京市第三中级人民法院", "北京市第四中级人民法院", "北京知识产权法院",
    "北京铁路运输法院",
] + [f"北京市{d}区人民法院" for d in (
    "东城", "西城", "朝阳", "海淀", "丰台", "石景山", "门头沟", "房山",
    "通州", "顺义", "昌平", "大兴", "怀柔", "平谷", "密云", "延庆")]


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.load(DEFAULT)


# --- the default Beijing file -----------------------------------------------

def test_twenty_three_courts_one_main_platform(directory):
    courts = directory.courts()
    assert [c.name for c in courts] == COURT_NAMES
    mains = [c for c in courts if c.is_main]
    assert len(mains) == 1 and mains[0].code == "bjgy"
    assert directory.main_court().name == "北京市高级人民法院"
    assert len({c.code for c in courts}) == 23
    levels = [c.level for c in courts]
    assert levels.count("high") == 1
    assert levels.count("intermediate") == 4
    assert levels.count("special") == 2
    assert levels.count("district") == 16


def test_about_seventy_seats_spread_over_platforms(directory):
    seats = directory.entries("seat")
    assert 65 <= len(seats) <= 80
    assert 8 <= len(directory.seats_of("bjgy")) <= 12
    for court in directory.courts():
        if not court.is_main:
            assert 2 <= len(directory.seats_of(court.code)) <= 4, court.name
    assert all(s.number.startswith("80") and len(s.number) == 4 for s in seats)


def test_consulting_judges_services_and_accounts(directory):
    judges = directory.entries("consulting_judge")
    assert [j.number for j in judges] == ["8901", "8902"]
    assert all(j.court == "bjgy" for j in judges)
    assert directory.by_number("9196").name == "回声测试"
    assert directory.by_number("12368").kind == "service"
    accounts = directory.accounts()
    assert ("9196", "回声测试") in accounts
    numbers = [n for n, _ in accounts]
    assert len(numbers) == len(set(numbers))
    kinds = {directory.by_number(n).kind for n in numbers}
    assert kinds == set(ACCOUNT_KINDS)


def test_file_has_no_passwords_and_documents_numbering(directory):
    data = json.loads(DEFAULT.read_text(encoding="utf-8"))

    def keys(node):
        if isinstance(node, dict):
            for k, v in node.items():
                yield k.lower()
                yield from keys(v)
        elif isinstance(node, list):
            for v in node:
                yield from keys(v)

    assert not [k for k in keys(data) if "pass" in k or "secret" in k or "密码" in k]
    assert "numbering" in data and directory.numbering


def test_every_court_has_divisions_with_office_chief_and_judges(directory):
    for court in directory.courts():
        offices = [e for e in directory.entries("division") if e.court == court.code]
        assert len(offices) >= 3, court.name
        assert any(e.division == "立案庭" for e in offices)
        for office in offices:
            people = [e for e in directory.entries("judge")
                      if e.court == court.code and e.division == office.division]
            assert sum("庭长" in p.tags for p in people) == 1
            assert len(people) >= 3
            assert all(p.mobile.startswith("138") and len(p.mobile) == 11 for p in people)


def test_escalation_ladder_judge_office_chief(directory):
    judge = next(e for e in directory.entries("judge") if "承办法官" in e.tags)
    ladder = directory.escalation_ladder(judge.number)
    assert [e.kind for e in ladder] == ["judge", "division", "judge"]
    assert ladder[0] == judge and "庭长" in ladder[2].tags
    assert {e.division for e in ladder} == {judge.division}
    assert directory.escalation_ladder("8001") == []


# --- search -------------------------------------------------------------------

def test_search_by_number_prefix(directory):
    hits = directory.search("800", limit=100)
    assert hits and all(h.number.startswith("800") for h in hits)
    assert directory.search("8001")[0].number == "8001"


def test_search_by_chinese_name_substring(directory):
    seat = directory.seats_of("cyfy")[0]
    hits = directory.search(seat.name[1:])
    assert seat in hits


def test_search_by_court_name(directory):
    hits = directory.search("朝阳", limit=200)
    chaoyang = [h for h in hits if h.court == "cyfy"]
    assert {s.number for s in directory.seats_of("cyfy")} <= {h.number for h in chaoyang}
    assert directory.search("海淀法院", limit=5)  # short name


def test_search_multiple_words_narrow(directory):
    hits = directory.search("朝阳 立案庭", limit=50)
    assert hits and all(h.court == "cyfy" and h.division == "立案庭" for h in hits)


def test_search_ranking():
    courts = [Court("a", "甲市人民法院", "甲院", "high", True)]
    entries = [
        DirectoryEntry("9123", "其他", "judge", "a", division="张庭"),  # division match
        DirectoryEntry("5123", "王小张", "seat", "a"),                   # name substring
        DirectoryEntry("5124", "张三", "seat", "a"),                     # name prefix
        DirectoryEntry("12", "李四", "seat", "a"),                       # exact number
        DirectoryEntry("1234", "赵五", "seat", "a"),                     # number prefix
    ]
    d = Directory(courts, entries)
    assert [e.number for e in d.search("张")] == ["5124", "5123", "9123"]
    assert [e.number for e in d.search("12")] == ["12", "1234"]
    assert [e.number for e in d.search("甲")] == ["12", "1234", "5123", "5124", "9123"]
    assert d.search("") == [] and d.search("不存在") == []
    assert len(d.search("甲", limit=2)) == 2


def test_search_is_fast_for_three_thousand_entries():
    courts = [Court("a", "甲市人民法院", "甲院", "high", True)]
    entries = [DirectoryEntry(str(100000 + i), f"法官{i}号", "judge", "a",
                              division=f"第{i % 40}庭") for i in range(3000)]
    d = Directory(courts, entries)
    start = time.perf_counter()
    for text in ("1002", "法官2", "第3庭", "甲院", "没有"):
        d.search(text)
    assert (time.perf_counter() - start) / 5 < 0.05


# --- validation -----------------------------------------------------------------

def test_duplicate_numbers_and_bad_files_are_rejected(tmp_path):
    court = Court("a", "甲", "甲", "high", True)
    with pytest.raises(DirectoryError):
        Directory([court], [DirectoryEntry("1", "x", "seat", "a"),
                            DirectoryEntry("1", "y", "seat", "a")])
    with pytest.raises(DirectoryError):
        Directory([court], [DirectoryEntry("1", "x", "robot", "a")])
    with pytest.raises(DirectoryError):
        Directory([court, Court("b", "乙", "乙", "district", True)], [])
    bad = tmp_path / "d.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(DirectoryError):
        Directory.load(bad)
    bad.write_text(json.dumps({"courts": [{"code": "a"}]}), encoding="utf-8")
    with pytest.raises(DirectoryError):
        Directory.load(bad)

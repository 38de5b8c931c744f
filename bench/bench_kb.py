"""Bench: knowledge-base search as a seat types, and verified case lookup.

    .venv/bin/python bench/bench_kb.py [--articles 10000 --rounds 200 --cases 2000]

Builds a temporary SQLite store (WAL, as the desktop opens it) with
``--articles`` knowledge-base articles made by recombining the sentences of
resources/kb_starter.md, then times ``KnowledgeBase.search`` (FTS5 bigram
index, BM25, re-ranking, highlighting: everything a keystroke costs) for 1-,
2- and 4-character Chinese queries: p50 and p99 (target p99 < 30 ms).

Then it stores ``--cases`` generated demo cases (bulk ones hashed with cheap
scrypt parameters to save build time; the ones looked up use the production
parameters) and times ``CaseLookupService`` by code (scrypt + lockout read +
audit write), by identity, and a wrong password.
Figures only, no assertions.
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.domain.directory import Directory  # noqa: E402
from app.domain.knowledge import Article  # noqa: E402
from app.paths import resource  # noqa: E402
from app.services.case_lookup import CaseLookupService  # noqa: E402
from app.services.demo_cases import generate_demo_cases  # noqa: E402
from app.services.knowledge_base import KnowledgeBase, parse_markdown  # noqa: E402
from app.storage.audit_repo import AuditRepository  # noqa: E402
from app.storage.case_repo import CaseRepository  # noqa: E402
from app.storage.db import close_database, open_database  # noqa: E402
from app.storage.kb_repo import KnowledgeRepository  # noqa: E402

QUERIES = {
    1: ["费", "诉", "期", "审", "送", "证", "执", "调"],
    2: ["上诉", "立案", "送达", "开庭", "证据", "执行", "调解", "保全", "管辖", "鉴定"],
    4: ["诉讼费用", "财产保全", "申请执行", "举证期限", "上诉期限", "电子送达",
        "缺席判决", "司法确认"],
}


def recombined(starter: list[Article], count: int, rng: random.Random) -> list[Article]:
    sentences = [s for a in starter for s in re.split(r"(?<=[。；])", a.answer) if len(s) > 4]
    out = []
    for i in range(count):
        source = rng.choice(starter)
        body = "".join(rng.sample(sentences, rng.randint(3, 7)))
        out.append(Article(question=f"{source.question}（{i}）", answer=body,
                           category=source.category, tags=source.tags,
                           legal_basis=rng.choice(starter).legal_basis,
                           updated_by="bench", updated_at=time.time()))
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def line(label: str, ms: list[float]) -> str:
    return (f"{label:<34} n={len(ms):<5} p50 {pct(ms, 50):7.2f} ms   "
            f"p99 {pct(ms, 99):7.2f} ms   max {max(ms):7.2f} ms")


def bench_kb(articles: int, rounds: int) -> None:
    rng = random.Random(5)
    starter = parse_markdown(resource("kb_starter.md").read_text(encoding="utf-8"))
    repo = KnowledgeRepository()
    t = time.perf_counter()
    repo.add_many(recombined(starter, articles, rng))
    print(f"knowledge base: {repo.count()} articles indexed in "
          f"{time.perf_counter() - t:.1f} s")
    kb = KnowledgeBase(repo)
    for q in (w for ws in QUERIES.values() for w in ws):   # warm the page cache
        kb.search(q)
    for length, words in QUERIES.items():
        times, found = [], []
        for i in range(rounds):
            q = words[i % len(words)]
            t = time.perf_counter()
            hits = kb.search(q)
            times.append((time.perf_counter() - t) * 1000)
            found.append(len(hits))
        print(line(f"search, {length}-character queries", times)
              + f"   hits/query {statistics.mean(found):.0f}")
    # As-you-type: every prefix of a phrase, one search per keystroke.
    times = []
    for phrase in ("诉讼费用怎么交", "申请强制执行", "上诉期限是多长"):
        for _ in range(max(1, rounds // 20)):
            for k in range(1, len(phrase) + 1):
                t = time.perf_counter()
                kb.search(phrase[:k])
                times.append((time.perf_counter() - t) * 1000)
    print(line("search, typing (every prefix)", times))


def bench_cases(count: int, rounds: int) -> None:
    directory = Directory.load(resource("directory.json"))
    repo = CaseRepository()
    t = time.perf_counter()
    bulk = generate_demo_cases(directory, count, seed=1, hash_n=2 ** 10)
    repo.add_many(d.case for d in bulk)
    timed = generate_demo_cases(directory, 20, seed=2)       # production scrypt
    # Distinct numbers and codes from the bulk set.
    from dataclasses import replace
    timed = [type(d)(replace(d.case, case_number=d.case.case_number.replace("号", "-B号"),
                             query_code="T" + d.case.query_code[1:]), d.password)
             for d in timed]
    repo.add_many(d.case for d in timed)
    print(f"case directory: {repo.count()} cases stored in {time.perf_counter() - t:.1f} s")
    service = CaseLookupService(repo, AuditRepository())
    by_code, by_identity, wrong = [], [], []
    for i in range(rounds):
        d = timed[i % len(timed)]
        t = time.perf_counter()
        r = service.lookup_by_code(d.case.query_code, d.password, seat="8001",
                                   caller_number="13900000000")
        by_code.append((time.perf_counter() - t) * 1000)
        assert r.ok, r.message
        p = bulk[i % len(bulk)].case.parties[0]
        t = time.perf_counter()
        r = service.lookup_by_identity(p.name, p.id_number, phone=p.phone, seat="8001")
        by_identity.append((time.perf_counter() - t) * 1000)
        if i % 4 == 0:   # a few wrong passwords, spread so no code locks
            d = timed[(i // 4) % len(timed)]
            t = time.perf_counter()
            service.lookup_by_code(d.case.query_code, "999999x", seat="8001")
            wrong.append((time.perf_counter() - t) * 1000)
    print(line("case lookup by code (scrypt N=2^14)", by_code))
    print(line("case lookup by identity", by_identity))
    print(line("case lookup, wrong password", wrong))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=400)
    ap.add_argument("--cases", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        open_database(Path(tmp) / "bench.db")
        try:
            bench_kb(args.articles, args.rounds)
            bench_cases(args.cases, max(40, args.rounds // 4))
        finally:
            close_database()


if __name__ == "__main__":
    main()

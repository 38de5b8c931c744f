"""The knowledge base a seat searches as they type, and the consulting judge edits.

Service layer, plain Python (no Qt, no peewee): functions over a
``KnowledgeStore`` port (app.storage.kb_repo.KnowledgeRepository implements it).

- ``search``: the store returns up to 60 candidates by BM25 over the bigram
  index (app.domain.knowledge explains the tokens); here they are re-ranked
  with an exact-phrase boost (the whole query, words joined, inside the
  question) and highlighted (spans into the question and into an answer
  snippet). Each keystroke is one query; the bench keeps p99 under 30 ms.
- ``save`` stamps who edited and when.
- Import/export as Markdown (what the judge edits by hand and what ships as
  resources/kb_starter.md) or CSV (UTF-8 with BOM, for spreadsheets). An
  imported article whose question already exists replaces it.

Markdown shape::

    ## 分类名
    ### 问题？
    答案段落……
    > 标签：立案、起诉状
    > 法律依据：《中华人民共和国民事诉讼法》第一百二十二条
    > 更新：王颖 2026-01-05 10:00
"""
from __future__ import annotations

import csv
import io
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Protocol

from app.domain.knowledge import (Article, SearchHit, find_spans, normalize, parse_tags,
                                  query_words, snippet)

CANDIDATES = 60           # BM25 candidates re-ranked per keystroke
PHRASE_BOOST = 1.0          # the whole query inside the question
ALL_WORDS_BOOST = 0.5       # every word inside the question, not as one phrase
TAG_BOOST = 0.3             # a word is a tag or the category
CSV_FIELDS = ("question", "answer", "category", "tags", "legal_basis", "updated_by",
              "updated_at")
_TIME_FORMAT = "%Y-%m-%d %H:%M"


class KnowledgeStore(Protocol):
    def add(self, article: Article) -> Article: ...
    def update(self, article: Article) -> Article: ...
    def delete(self, article_id: int) -> bool: ...
    def get(self, article_id: int) -> Article | None: ...
    def by_question(self, question: str) -> Article | None: ...
    def all(self) -> list[Article]: ...
    def search(self, query: str, limit: int = 100) -> list[tuple[Article, float]]: ...


class KnowledgeBase:
    def __init__(self, store: KnowledgeStore, clock: Callable[[], float] = time.time):
        self._store = store
        self._clock = clock

    # --- search -------------------------------------------------------------------

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Ranked hits for what the seat typed; [] for an empty query."""
        words = query_words(query)
        if not words:
            return []
        phrase = "".join(words)
        ranked = []
        for article, score in self._store.search(query, CANDIDATES):
            question = normalize(article.question)
            boost = 1.0
            if phrase in question:
                boost += PHRASE_BOOST
            elif all(w in question for w in words):
                boost += ALL_WORDS_BOOST
            labels = {normalize(t) for t in article.tags} | {normalize(article.category)}
            if labels.intersection(words):
                boost += TAG_BOOST
            ranked.append((score * boost, article))
        ranked.sort(key=lambda r: (-r[0], r[1].id or 0))
        # Highlight only what is returned: spans and snippets cost more than ranking.
        hits = []
        for score, article in ranked[:limit]:
            q_spans = find_spans(article.question, words)
            a_spans = find_spans(article.answer, words)
            text, text_spans = snippet(article.answer, a_spans)
            hits.append(SearchHit(article=article, score=score, question_spans=q_spans,
                                  answer_spans=a_spans, snippet=text,
                                  snippet_spans=text_spans))
        return hits

    # --- editing ------------------------------------------------------------------

    def save(self, article: Article, editor: str) -> Article:
        """Add (no id) or replace (with id) an article, stamped with ``editor``."""
        if not article.question.strip() or not article.answer.strip():
            raise ValueError("an article needs a question and an answer")
        stamped = replace(article, updated_by=editor, updated_at=self._clock())
        return self._store.add(stamped) if article.id is None else self._store.update(stamped)

    def delete(self, article_id: int) -> bool:
        return self._store.delete(article_id)

    def get(self, article_id: int) -> Article | None:
        return self._store.get(article_id)

    def articles(self) -> list[Article]:
        return self._store.all()

    # --- import / export ------------------------------------------------------------

    def import_articles(self, articles: Iterable[Article]) -> tuple[int, int]:
        """Add new questions, replace known ones; return (added, replaced)."""
        added = replaced = 0
        for article in articles:
            known = self._store.by_question(article.question)
            if known is None:
                self._store.add(replace(article, id=None))
                added += 1
            else:
                self._store.update(replace(article, id=known.id))
                replaced += 1
        return added, replaced

    def import_markdown(self, text: str) -> tuple[int, int]:
        return self.import_articles(parse_markdown(text))

    def import_csv(self, text: str) -> tuple[int, int]:
        return self.import_articles(parse_csv(text))

    def import_file(self, path: Path | str) -> tuple[int, int]:
        path = Path(path)
        text = path.read_text(encoding="utf-8-sig")
        return self.import_csv(text) if path.suffix.lower() == ".csv" else \
            self.import_markdown(text)

    def export_markdown(self) -> str:
        return format_markdown(self._store.all())

    def export_csv(self) -> str:
        return format_csv(self._store.all())


# --- formats ------------------------------------------------------------------------

def _time_text(at: float) -> str:
    return datetime.fromtimestamp(at).strftime(_TIME_FORMAT) if at else ""


def _parse_time(text: str) -> float:
    text = text.strip()
    if not text:
        return 0.0
    try:
        return datetime.strptime(text, _TIME_FORMAT).timestamp()
    except ValueError:
        return datetime.fromisoformat(text).timestamp()


def _ordered(articles: Iterable[Article]) -> list[Article]:
    """Grouped by category, categories in the order they first appear (by id,
    else as given: a file's own order survives a round trip)."""
    items = sorted(articles, key=lambda a: a.id or 0)      # stable for id-less input
    first: dict[str, int] = {}
    for i, a in enumerate(items):
        first.setdefault(a.category, i)
    return sorted(items, key=lambda a: first[a.category])


def format_markdown(articles: Iterable[Article], title: str = "12368 诉讼服务知识库") -> str:
    out = [f"# {title}", ""]
    category = None
    for a in _ordered(articles):
        if a.category != category:
            category = a.category
            out += [f"## {category or '未分类'}", ""]
        out += [f"### {a.question.strip()}", "", a.answer.strip(), ""]
        if a.tags:
            out.append(f"> 标签：{'、'.join(a.tags)}")
        if a.legal_basis:
            out.append(f"> 法律依据：{a.legal_basis}")
        if a.updated_by or a.updated_at:
            out.append(f"> 更新：{a.updated_by} {_time_text(a.updated_at)}".rstrip())
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def parse_markdown(text: str) -> list[Article]:
    """Articles from the Markdown shape in the module docstring."""
    articles: list[Article] = []
    category = ""
    current: dict | None = None

    def flush() -> None:
        if current is not None:
            answer = "\n".join(current["answer"]).strip()
            articles.append(Article(question=current["question"], answer=answer,
                                    category=current["category"], tags=current["tags"],
                                    legal_basis=current["legal_basis"],
                                    updated_by=current["updated_by"],
                                    updated_at=current["updated_at"]))

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("### "):
            flush()
            current = {"question": stripped[4:].strip(), "answer": [], "category": category,
                       "tags": (), "legal_basis": "", "updated_by": "", "updated_at": 0.0}
        elif stripped.startswith("## "):
            flush()
            current = None
            category = stripped[3:].strip()
            category = "" if category == "未分类" else category
        elif stripped.startswith("# "):
            continue
        elif current is not None and stripped.startswith(">") and "：" in stripped:
            key, _, value = stripped.lstrip("> ").partition("：")
            key, value = key.strip(), value.strip()
            if key == "标签":
                current["tags"] = parse_tags(value)
            elif key == "法律依据":
                current["legal_basis"] = value
            elif key == "更新":
                parts = value.split(" ", 1)
                current["updated_by"] = parts[0]
                current["updated_at"] = _parse_time(parts[1]) if len(parts) > 1 else 0.0
            else:
                current["answer"].append(line)
        elif current is not None:
            current["answer"].append(line)
    flush()
    return articles


def format_csv(articles: Iterable[Article]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for a in _ordered(articles):
        writer.writerow((a.question, a.answer, a.category, "、".join(a.tags), a.legal_basis,
                         a.updated_by, _time_text(a.updated_at)))
    return "\ufeff" + buffer.getvalue()      # BOM: spreadsheets then read UTF-8


def parse_csv(text: str) -> list[Article]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"question", "answer"} - set(reader.fieldnames or ())
    if missing:
        raise ValueError(f"CSV lacks the column(s): {', '.join(sorted(missing))}")
    return [Article(question=r["question"].strip(), answer=r["answer"].strip(),
                    category=(r.get("category") or "").strip(),
                    tags=parse_tags(r.get("tags") or ""),
                    legal_basis=(r.get("legal_basis") or "").strip(),
                    updated_by=(r.get("updated_by") or "").strip(),
                    updated_at=_parse_time(r.get("updated_at") or ""))
            for r in reader if (r.get("question") or "").strip()]

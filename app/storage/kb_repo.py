"""Knowledge-base articles and their full-text index in SQLite.

Storage side of the boundary; callers give and get ``Article``
(app.domain.knowledge). Articles live in ``kb_article``; their search index is
the FTS5 table ``kb_fts`` (rowid = article id) holding the bigram/unigram
token strings made by app.domain.knowledge. Both are written in the same
transaction, so the index never disagrees with the articles.

peewee has no model for the virtual table; it is read and written with SQL
here, the one place that knows its shape.
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable, Iterable

from app.domain.knowledge import (Article, fts_query, index_bigrams, index_unigrams,
                                  query_words)
from app.storage.db import current_database, storage_errors, transaction
from app.storage.models import KbArticle

BI_COLUMNS = "q_bi meta_bi a_bi"
UNI_COLUMNS = "q_uni meta_uni a_uni"
# bm25 weights in kb_fts column order: q_bi, q_uni, meta_bi, meta_uni, a_bi, a_uni.
# A hit in the question counts 4x one in the answer; tags, category and the
# legal basis 2x.
WEIGHTS = (4.0, 4.0, 2.0, 2.0, 1.0, 1.0)

_INSERT_FTS = ("INSERT INTO kb_fts (rowid, q_bi, q_uni, meta_bi, meta_uni, a_bi, a_uni) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)")
_SEARCH = f"""
    SELECT a.id, a.question, a.answer, a.category, a.tags, a.legal_basis,
           a.updated_by, a.updated_at, s.rank
    FROM (SELECT rowid, bm25(kb_fts, {', '.join(str(w) for w in WEIGHTS)}) AS rank
          FROM kb_fts WHERE kb_fts MATCH ? ORDER BY rank LIMIT ?) AS s
    JOIN kb_article AS a ON a.id = s.rowid
    ORDER BY s.rank
"""


def _meta(article: Article) -> str:
    return " ".join((article.category, " ".join(article.tags), article.legal_basis))


def _fts_row(article_id: int, article: Article) -> tuple:
    meta = _meta(article)
    return (article_id, index_bigrams(article.question), index_unigrams(article.question),
            index_bigrams(meta), index_unigrams(meta), index_bigrams(article.answer),
            index_unigrams(article.answer))


def _to_article(row: KbArticle) -> Article:
    return Article(id=row.id, question=row.question, answer=row.answer,
                   category=row.category,
                   tags=tuple(t for t in row.tags.split(",") if t),
                   legal_basis=row.legal_basis, updated_by=row.updated_by,
                   updated_at=row.updated_at)


class KnowledgeRepository:
    """Reads, writes and searches the knowledge base."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock

    # --- writes -------------------------------------------------------------------

    def add(self, article: Article) -> Article:
        return self.add_many([article])[0]

    def add_many(self, articles: Iterable[Article]) -> list[Article]:
        """Insert articles (ids ignored) and index them, in one transaction."""
        out = []
        current_database()
        with transaction() as db:
            cursor = db.cursor()
            for a in articles:
                a = a if a.updated_at else replace(a, updated_at=self._clock())
                cursor.execute(
                    "INSERT INTO kb_article (question, answer, category, tags, legal_basis, "
                    "updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (a.question, a.answer, a.category, ",".join(a.tags), a.legal_basis,
                     a.updated_by, a.updated_at))
                new = a.with_id(cursor.lastrowid)
                cursor.execute(_INSERT_FTS, _fts_row(new.id, new))
                out.append(new)
        return out

    def update(self, article: Article) -> Article:
        """Replace the article with ``article.id`` and re-index it."""
        if article.id is None:
            raise ValueError("update needs an article id")
        current_database()
        with transaction() as db:
            n = (KbArticle.update(question=article.question, answer=article.answer,
                                  category=article.category, tags=",".join(article.tags),
                                  legal_basis=article.legal_basis,
                                  updated_by=article.updated_by,
                                  updated_at=article.updated_at)
                 .where(KbArticle.id == article.id).execute())
            if n != 1:
                raise KeyError(article.id)
            db.execute_sql("DELETE FROM kb_fts WHERE rowid = ?", (article.id,))
            db.execute_sql(_INSERT_FTS, _fts_row(article.id, article))
        return article

    def delete(self, article_id: int) -> bool:
        current_database()
        with transaction() as db:
            db.execute_sql("DELETE FROM kb_fts WHERE rowid = ?", (article_id,))
            return KbArticle.delete().where(KbArticle.id == article_id).execute() == 1

    # --- reads --------------------------------------------------------------------

    def get(self, article_id: int) -> Article | None:
        current_database()
        with storage_errors():
            row = KbArticle.get_or_none(KbArticle.id == article_id)
            return _to_article(row) if row is not None else None

    def by_question(self, question: str) -> Article | None:
        current_database()
        with storage_errors():
            row = KbArticle.get_or_none(KbArticle.question == question)
            return _to_article(row) if row is not None else None

    def all(self) -> list[Article]:
        current_database()
        with storage_errors():
            return [_to_article(r) for r in
                    KbArticle.select().order_by(KbArticle.category, KbArticle.id)]

    def categories(self) -> list[str]:
        current_database()
        with storage_errors():
            return [r.category for r in KbArticle.select(KbArticle.category).distinct()
                    .order_by(KbArticle.category)]

    def count(self) -> int:
        current_database()
        with storage_errors():
            return KbArticle.select().count()

    def search(self, query: str, limit: int = 100) -> list[tuple[Article, float]]:
        """Articles matching every word of ``query``, best BM25 first, with the
        BM25 score negated (higher is better).

        A single Chinese character (the first keystroke) is looked up in the
        questions first: in 10,000 articles a common character is in nearly
        every answer, and ranking all of them costs 3x more for hits that say
        little. Only when the questions give fewer than ``limit`` hits are the
        tags, legal basis and answers searched too.
        """
        words = query_words(query)
        if len(words) == 1 and len(words[0]) == 1 and not words[0].isascii():
            narrow = fts_query(query, BI_COLUMNS, "q_uni")
            rows = self._run(narrow, limit)
            if len(rows) >= limit:
                return rows
        return self._run(fts_query(query, BI_COLUMNS, UNI_COLUMNS), limit)

    def _run(self, expression: str | None, limit: int) -> list[tuple[Article, float]]:
        if expression is None:
            return []
        db = current_database()
        with storage_errors():
            rows = db.execute_sql(_SEARCH, (expression, int(limit))).fetchall()
        return [(Article(id=r[0], question=r[1], answer=r[2], category=r[3],
                         tags=tuple(t for t in r[4].split(",") if t), legal_basis=r[5],
                         updated_by=r[6], updated_at=r[7]), -r[8]) for r in rows]

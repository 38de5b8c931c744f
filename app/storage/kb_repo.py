"""Knowledge-base articles and their full-text index, in SQLite or PostgreSQL.

Storage side of the boundary; callers give and get ``Article``
(app.domain.knowledge). Articles live in ``kb_article``; their search index
holds the bigram/unigram token strings made by app.domain.knowledge. Both are
written in the same transaction, so the index never disagrees with the
articles. peewee has no model for the index; it is read and written with SQL
here, the one place that knows its shape.

- **SQLite**: the FTS5 table ``kb_fts`` (rowid = article id), ranked by FTS5's
  ``bm25()`` with per-column weights.
- **PostgreSQL**: the table ``kb_index`` (one row per article): the same six
  token strings, their token count, and a ``tsvector`` of the tokens built
  here (positions in order, a gap between fields and in place of the run
  separator; weight A for the question, B for tags/category/legal basis, C
  for the answer) under a GIN index. A query becomes a ``tsquery`` with the
  same meaning as the FTS5 expression: a 1-character word a lexeme (``:A``
  for "questions only"), a longer Chinese word the phrase of its bigrams
  (``<->``: exact substring, never across punctuation), a latin word a prefix
  (``:*``). The rows it finds are ranked by the very formula of FTS5's
  ``bm25()`` (k1 = 1.2, b = 0.75, the same weights, idf and average length
  taken over the index), counting each word's occurrences per field in the
  token strings, so both backends return the same articles in the same
  order with the same scores. Limits of ``tsvector`` (positions up to 16,383,
  256 per lexeme) only touch answers of more than about 8,000 characters,
  where a phrase late in the answer may be missed.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Callable, Iterable

from app.domain.knowledge import (SENTINEL, Article, fts_query, index_bigrams, index_unigrams,
                                  query_words)
from app.storage.db import (current_database, insert_returning_id, is_postgres, storage_errors,
                            transaction)
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


_ARTICLE_COLUMNS = ("question", "answer", "category", "tags", "legal_basis", "updated_by",
                    "updated_at")

# --- PostgreSQL: kb_index ----------------------------------------------------------------

K1, B = 1.2, 0.75                      # FTS5's bm25() constants
MAX_POSITION = 16383                   # tsvector's last position
# kb_index columns in kb_fts order, with their bm25 weight and tsvector weight label.
PG_FIELDS = (("q_bi", 4.0, "A"), ("q_uni", 4.0, "A"), ("meta_bi", 2.0, "B"),
             ("meta_uni", 2.0, "B"), ("a_bi", 1.0, "C"), ("a_uni", 1.0, "C"))
_PG_INSERT_INDEX = ("INSERT INTO kb_index (article_id, q_bi, q_uni, meta_bi, meta_uni, a_bi, "
                    "a_uni, ntok, doc) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::tsvector)")


def _pg_index_row(article_id: int, article: Article) -> tuple:
    """The kb_index row: token strings, token count (as FTS5 counts: every
    space-separated token, separators included) and the tsvector literal."""
    strings = _fts_row(article_id, article)[1:]
    positions: dict[str, list[str]] = {}
    pos = 0
    for text, (_col, _w, label) in zip(strings, PG_FIELDS):
        pos += 1                                   # no phrase across two fields
        for token in text.split():
            pos += 1
            if token != SENTINEL:                  # its gap keeps runs apart
                positions.setdefault(token, []).append(f"{min(pos, MAX_POSITION)}{label}")
    # Tokens are CJK characters, ASCII letters and digits, or the sentinel:
    # nothing to quote inside the literal.
    doc = " ".join(f"'{tok}':{','.join(ps)}" for tok, ps in positions.items())
    ntok = sum(len(text.split()) for text in strings)
    return (article_id, *strings, ntok, doc)


@dataclass(frozen=True)
class _PgTerm:
    """One word of the query: its tsquery, the kb_index columns it may match
    (with their weights) and the token-string pattern counting its hits."""
    tsquery: str
    columns: tuple[tuple[str, float], ...]
    pattern: str
    overlapping: bool = False        # the phrase can overlap itself (哈哈哈)


def _pg_terms(query: str, narrow: bool) -> list[_PgTerm]:
    """The query's words as PostgreSQL terms; ``narrow``: a 1-character word
    in the questions only (the first-keystroke search, see ``search``)."""
    bi = tuple((c, w) for c, w, _ in PG_FIELDS if c.endswith("_bi"))
    uni = (("q_uni", 4.0),) if narrow else tuple(
        (c, w) for c, w, _ in PG_FIELDS if c.endswith("_uni"))
    terms = []
    for run in query_words(query):
        if not run.isascii() and len(run) == 1:
            terms.append(_PgTerm(f"'{run}':A" if narrow else f"'{run}'", uni, " " + run))
        elif not run.isascii():
            grams = [run[i:i + 2] for i in range(len(run) - 1)]
            overlapping = any(grams[k:] == grams[:len(grams) - k]
                              for k in range(1, len(grams)))
            terms.append(_PgTerm(" <-> ".join(f"'{g}'" for g in grams), bi,
                                 " " + " ".join(grams), overlapping))
        else:
            terms.append(_PgTerm(f"'{run}':*", bi, " " + run))
    return terms


def _pg_count(column: str, term: _PgTerm) -> tuple[str, list]:
    """SQL counting ``term``'s hits among ``column``'s tokens, and its params.

    Every pattern starts at a token (a leading space), so hits never overlap
    unless the phrase overlaps itself; those are counted by a lookahead."""
    text = f"(' ' || i.{column})"
    if term.overlapping:
        return (f"(SELECT count(*) FROM regexp_matches({text}, %s, 'g'))::float8",
                [f"(?={term.pattern})"])
    return (f"((length({text}) - length(replace({text}, %s, ''))) / length(%s))::float8",
            [term.pattern, term.pattern])


def _meta(article: Article) -> str:
    return " ".join((article.category, " ".join(article.tags), article.legal_basis))


def _fts_row(article_id: int, article: Article) -> tuple:
    meta = _meta(article)
    return (article_id, index_bigrams(article.question), index_unigrams(article.question),
            index_bigrams(meta), index_unigrams(meta), index_bigrams(article.answer),
            index_unigrams(article.answer))


def _row_article(r) -> Article:
    return Article(id=r[0], question=r[1], answer=r[2], category=r[3],
                   tags=tuple(t for t in r[4].split(",") if t), legal_basis=r[5],
                   updated_by=r[6], updated_at=r[7])


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
                new_id = insert_returning_id(
                    db, "kb_article", _ARTICLE_COLUMNS,
                    (a.question, a.answer, a.category, ",".join(a.tags), a.legal_basis,
                     a.updated_by, a.updated_at), cursor)
                new = a.with_id(new_id)
                self._index(db, cursor, new)
                out.append(new)
        return out

    @staticmethod
    def _index(db, cursor, article: Article) -> None:
        if is_postgres(db):
            cursor.execute(_PG_INSERT_INDEX, _pg_index_row(article.id, article))
        else:
            cursor.execute(_INSERT_FTS, _fts_row(article.id, article))

    @staticmethod
    def _unindex(db, article_id: int) -> None:
        if is_postgres(db):
            db.execute_sql("DELETE FROM kb_index WHERE article_id = %s", (article_id,))
        else:
            db.execute_sql("DELETE FROM kb_fts WHERE rowid = ?", (article_id,))

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
            self._unindex(db, article.id)
            self._index(db, db.cursor(), article)
        return article

    def delete(self, article_id: int) -> bool:
        current_database()
        with transaction() as db:
            self._unindex(db, article_id)
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
        postgres = is_postgres(current_database())
        if len(words) == 1 and len(words[0]) == 1 and not words[0].isascii():
            if postgres:
                rows = self._run_pg(_pg_terms(query, narrow=True), limit)
            else:
                rows = self._run(fts_query(query, BI_COLUMNS, "q_uni"), limit)
            if len(rows) >= limit:
                return rows
        if postgres:
            return self._run_pg(_pg_terms(query, narrow=False), limit)
        return self._run(fts_query(query, BI_COLUMNS, UNI_COLUMNS), limit)

    def _run(self, expression: str | None, limit: int) -> list[tuple[Article, float]]:
        if expression is None:
            return []
        db = current_database()
        with storage_errors():
            rows = db.execute_sql(_SEARCH, (expression, int(limit))).fetchall()
        return [(_row_article(r), -r[8]) for r in rows]

    def _run_pg(self, terms: list[_PgTerm], limit: int) -> list[tuple[Article, float]]:
        """FTS5's bm25() over kb_index: see the module docstring."""
        if not terms:
            return []
        db = current_database()
        with storage_errors():
            # Corpus figures first (the GIN index counts each word's rows).
            hits = ", ".join("(SELECT count(*) FROM kb_index WHERE doc @@ %s::tsquery)"
                             for _ in terms)
            row = db.execute_sql(
                f"SELECT count(*), coalesce(sum(ntok), 0), {hits} FROM kb_index",
                [t.tsquery for t in terms]).fetchone()
            n_rows, n_tokens = int(row[0]), int(row[1])
            if n_rows == 0:
                return []
            avgdl = float(n_tokens) / float(n_rows)
            parts, params = [], []
            for term, n_hit in zip(terms, row[2:]):
                idf = math.log((n_rows - int(n_hit) + 0.5) / (int(n_hit) + 0.5))
                idf = idf if idf > 0.0 else 1e-6
                f_sql, f_params = [], []
                for column, weight in term.columns:
                    count_sql, count_params = _pg_count(column, term)
                    f_sql.append(f"%s::float8 * {count_sql}")
                    f_params += [weight, *count_params]
                f = "(" + " + ".join(f_sql) + ")"
                # FTS5: idf * ((f * (k1 + 1)) / (f + k1 * (1 - b + b * D / avgdl)))
                parts.append(f"%s::float8 * (({f} * (%s::float8 + 1.0::float8)) / "
                             f"({f} + %s::float8 * (1.0::float8 - %s::float8 + "
                             f"%s::float8 * i.ntok / %s::float8)))")
                params += [idf, *f_params, K1, *f_params, K1, B, B, avgdl]
            sql = (
                "SELECT a.id, a.question, a.answer, a.category, a.tags, a.legal_basis, "
                "a.updated_by, a.updated_at, s.score FROM "
                f"(SELECT i.article_id, {' + '.join(parts)} AS score FROM kb_index i "
                "WHERE i.doc @@ %s::tsquery) AS s "
                "JOIN kb_article AS a ON a.id = s.article_id "
                "ORDER BY s.score DESC, a.id LIMIT %s")
            params += [" & ".join(f"({t.tsquery})" for t in terms), int(limit)]
            rows = db.execute_sql(sql, params).fetchall()
        return [(_row_article(r), float(r[8])) for r in rows]

"""Knowledge-base articles and their full-text index, in SQLite or PostgreSQL.

Storage side of the boundary; callers give and get ``Article``
(app.domain.knowledge). Articles live in ``kb_article``; their search index
holds the bigram/unigram token strings made by app.domain.knowledge. Both are
written in the same transaction, so the index never disagrees with the
articles. peewee has no model for the index; it is read and written with SQL
here, the one place that knows its shape.

- **SQLite**: the FTS5 table ``kb_fts`` (rowid = article id), ranked by FTS5's
  ``bm25()`` with per-column weights.
- **PostgreSQL**: the table ``kb_index`` (one row per article): each field's
  normalized text, the article's FTS5 token count, and a ``tsvector`` of its
  bigrams, characters and latin words, each tagged with its field (``q``
  question, ``m`` tags/category/legal basis, ``a`` answer), under a GIN
  index. A query word becomes a ``tsquery`` the index answers exactly: a
  character or a 2-character word one lexeme per field (``q`` only for the
  first-keystroke search), a longer word all its bigrams in one field, a
  latin word a prefix. The candidates are then ranked by the very formula of
  FTS5's ``bm25()`` (k1 = 1.2, b = 0.75, the same weights; the row count,
  token total and the articles holding each word taken over the whole index),
  each word's occurrences counted in the field texts (which also drops a
  longer word whose bigrams are there but not in a row, as FTS5's phrase
  does). Both backends return the same articles in the same order with the
  same scores; a test compares them. No positions are stored, so long
  answers have no limit.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Callable, Iterable

from app.domain.knowledge import (SENTINEL, Article, runs, fts_query, index_bigrams,
                                  index_unigrams, query_words)
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
MAX_LATIN = 200                        # characters of a latin word kept as a lexeme
# The three fields: tag of their lexemes, bm25 weight (as WEIGHTS), text column.
PG_FIELDS = (("q", 4.0, "q_text"), ("m", 2.0, "m_text"), ("a", 1.0, "a_text"))
_PG_INSERT_INDEX = ("INSERT INTO kb_index (article_id, q_text, m_text, a_text, ntok, doc) "
                    "VALUES (%s, %s, %s, %s, %s, %s::tsvector)")


def _pg_index_row(article_id: int, article: Article) -> tuple:
    """The kb_index row: each field's runs (space-separated, with a leading
    space so that every run starts after one), FTS5's token count of the
    article, and the tsvector literal of its lexemes: bigrams, characters
    and latin words tagged with their field (``q诉讼``, ``a费``, ``m122``), so
    that GIN answers every lookup exactly, without positions or a recheck."""
    fts = _fts_row(article_id, article)[1:]
    ntok = sum(len(text.split()) for text in fts)
    texts, lexemes = [], {}
    for (tag, _w, _col), bi, uni in zip(PG_FIELDS, fts[0::2], fts[1::2]):
        texts.append(" " + " ".join(runs(_FIELD_TEXT[tag](article))))
        for token in bi.split() + uni.split():
            if token != SENTINEL:
                # A lexeme must stay under 2 KB: a very long latin run (a
                # pasted code) is cut; its prefix still finds it.
                lexemes[tag + token[:MAX_LATIN]] = None
    # Tokens are CJK characters, ASCII letters and digits: nothing to quote.
    doc = " ".join(f"'{lex}'" for lex in lexemes)
    return (article_id, *texts, ntok, doc)


_FIELD_TEXT = {"q": lambda a: a.question, "m": lambda a: _meta(a), "a": lambda a: a.answer}


@dataclass(frozen=True)
class _PgTerm:
    """One word of the query: the tsquery finding the articles that may hold
    it, the fields it is counted in, and how: the substring to count (a
    leading space for a latin prefix); ``overlapping`` when the word can
    overlap itself (哈哈哈), counted by a lookahead; ``exact`` when the
    tsquery alone proves a hit (else the count must be > 0: a phrase)."""
    tsquery: str
    fields: tuple[tuple[str, float], ...]
    pattern: str
    overlapping: bool
    exact: bool


def _pg_terms(query: str, narrow: bool) -> list[_PgTerm]:
    """The query's words as PostgreSQL terms; ``narrow``: a 1-character word
    in the questions only (the first-keystroke search, see ``search``)."""
    terms = []
    for run in query_words(query):
        fields = PG_FIELDS[:1] if narrow and len(run) == 1 and not run.isascii() \
            else PG_FIELDS
        if run.isascii():
            per_field = [f"'{tag}{run}':*" for tag, *_ in fields]
            pattern, overlapping = " " + run, False
        elif len(run) <= 2:
            per_field = [f"'{tag}{run}'" for tag, *_ in fields]
            pattern, overlapping = run, len(run) == 2 and run[0] == run[1]
        else:
            grams = [run[i:i + 2] for i in range(len(run) - 1)]
            per_field = ["(" + " & ".join(f"'{tag}{g}'" for g in dict.fromkeys(grams)) + ")"
                         for tag, *_ in fields]
            pattern = run
            overlapping = any(run[k:] == run[:-k] for k in range(1, len(run)))
        terms.append(_PgTerm(" | ".join(per_field), tuple((col, w) for _t, w, col in fields),
                             pattern, overlapping, exact=len(run) <= 2 or run.isascii()))
    return terms


def _pg_count(column: str, term: _PgTerm) -> tuple[str, list]:
    """SQL counting ``term``'s occurrences in ``column`` (of kb_index ``i``),
    as FTS5 counts its phrase instances, and the SQL's parameters."""
    if term.overlapping:
        return (f"(SELECT count(*) FROM regexp_matches(i.{column}, %s, 'g'))::float8",
                [f"(?={term.pattern})"])
    return (f"((length(i.{column}) - length(replace(i.{column}, %s, ''))) "
            f"/ length(%s))::float8", [term.pattern, term.pattern])


def _pg_frequency(term: _PgTerm) -> tuple[str, list]:
    """FTS5's weighted frequency of ``term`` in an article: the sum over the
    fields of weight x occurrences."""
    parts, params = [], []
    for column, weight in term.fields:
        sql, p = _pg_count(column, term)
        parts.append(f"%s::float8 * {sql}")
        params += [weight, *p]
    return "(" + " + ".join(parts) + ")", params


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
        with storage_errors(), db.atomic():
            # A common word is in a large share of the articles; the planner
            # then prefers reading every row's tsvector to the GIN index,
            # which answers every lookup here exactly, without touching the
            # rows: keep it on the index. (That makes the plan look costly
            # enough for JIT compilation: 50-100 ms to save nothing.)
            db.execute_sql("SET LOCAL enable_seqscan = off")
            db.execute_sql("SET LOCAL jit = off")
            # Corpus figures first: rows and tokens kept by trigger, and the
            # articles holding each word (a phrase's counted where it occurs).
            hits, params = [], []
            for term in terms:
                if term.exact:
                    hits.append("(SELECT count(*) FROM kb_index WHERE doc @@ %s::tsquery)")
                    params.append(term.tsquery)
                else:
                    f, f_params = _pg_frequency(term)
                    hits.append(f"(SELECT count(*) FROM kb_index i "
                                f"WHERE i.doc @@ %s::tsquery AND {f} > 0)")
                    params += [term.tsquery, *f_params]
            row = db.execute_sql(f"SELECT n_rows, n_tokens, {', '.join(hits)} FROM kb_stats",
                                 params).fetchone()
            n_rows, n_tokens = int(row[0]), int(row[1])
            if n_rows == 0:
                return []
            avgdl = float(n_tokens) / float(n_rows)
            freqs, scores, f_params, s_params, phrase = [], [], [], [], []
            for n, (term, n_hit) in enumerate(zip(terms, row[2:])):
                idf = math.log((n_rows - int(n_hit) + 0.5) / (int(n_hit) + 0.5))
                idf = idf if idf > 0.0 else 1e-6
                f, p = _pg_frequency(term)
                freqs.append(f"{f} AS f{n}")
                f_params += p
                if not term.exact:
                    phrase.append(f"c.f{n} > 0")
                # FTS5: idf * ((f * (k1 + 1)) / (f + k1 * (1 - b + b * D / avgdl)))
                scores.append(f"%s::float8 * ((c.f{n} * (%s::float8 + 1.0::float8)) / "
                              f"(c.f{n} + %s::float8 * (1.0::float8 - %s::float8 + "
                              f"%s::float8 * c.ntok / %s::float8)))")
                s_params += [idf, K1, K1, B, B, avgdl]
            # OFFSET 0 keeps each candidate's word counts computed once.
            sql = (
                "SELECT a.id, a.question, a.answer, a.category, a.tags, a.legal_basis, "
                f"a.updated_by, a.updated_at, s.score FROM (SELECT c.article_id, "
                f"{' + '.join(scores)} AS score FROM (SELECT i.article_id, i.ntok, "
                f"{', '.join(freqs)} FROM kb_index i WHERE i.doc @@ %s::tsquery OFFSET 0) AS c"
                f"{' WHERE ' + ' AND '.join(phrase) if phrase else ''}) AS s "
                "JOIN kb_article AS a ON a.id = s.article_id "
                "ORDER BY s.score DESC, a.id LIMIT %s")
            params = [*s_params, *f_params, " & ".join(f"({t.tsquery})" for t in terms),
                      int(limit)]
            rows = db.execute_sql(sql, params).fetchall()
        return [(_row_article(r), float(r[8])) for r in rows]

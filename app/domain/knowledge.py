"""Knowledge-base articles and the Chinese text handling behind their search.

Domain side of the boundary: plain dataclasses and functions, no database.
app.storage.kb_repo stores articles and their index; app.services.knowledge_base
ranks and highlights.

Why bigrams (the search approach, in short; docs/service_desk.md has the rest):
Chinese has no spaces, and seats type 1- and 2-character words (费, 上诉) as
often as phrases (诉讼费用). SQLite's ``trigram`` tokenizer matches 3+
characters only, and ``unicode61`` would take a whole run of Chinese as one
token. So the text is split here, in Python, into tokens that ``unicode61``
then only has to split on spaces:

- ``*_bi`` columns: every overlapping character pair of each run of Chinese,
  in order, e.g. 诉讼费用 -> ``诉讼 讼费 费用``. A query of n >= 2 characters
  becomes the FTS5 *phrase* of its n-1 bigrams, which matches exactly where
  the query is a substring of the text. Runs are separated by a private-use
  sentinel token, so a phrase never spans punctuation. Latin words and
  numbers go here whole (prefix-matched: 122 finds 第122条's "122").
- ``*_uni`` columns: every Chinese character, for 1-character queries.

One FTS5 table, one index, exact substring semantics for every query length,
BM25 ranking across columns (question weighted above tags and legal basis,
above the answer).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

SENTINEL = "\ue000"       # a token char to unicode61 (category Co), never typed

_CJK = r"\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[0-9a-z]+")


@dataclass(frozen=True)
class Article:
    question: str
    answer: str
    category: str = ""
    tags: tuple[str, ...] = ()
    legal_basis: str = ""          # citations, "；"-separated
    updated_by: str = ""
    updated_at: float = 0.0        # epoch seconds
    id: int | None = None

    def with_id(self, article_id: int) -> "Article":
        return replace(self, id=article_id)


@dataclass(frozen=True)
class SearchHit:
    """One ranked result; spans are (start, end) character offsets into the text."""
    article: Article
    score: float                                   # higher is better
    question_spans: tuple[tuple[int, int], ...] = ()
    answer_spans: tuple[tuple[int, int], ...] = ()
    snippet: str = ""                              # a window of the answer
    snippet_spans: tuple[tuple[int, int], ...] = field(default=())

    def marked_question(self, open_: str = "【", close: str = "】") -> str:
        return mark(self.article.question, self.question_spans, open_, close)

    def marked_snippet(self, open_: str = "【", close: str = "】") -> str:
        return mark(self.snippet, self.snippet_spans, open_, close)


# --- tokens -------------------------------------------------------------------------

def normalize(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def runs(text: str) -> list[str]:
    return _RUN.findall(normalize(text))


def _is_cjk(run: str) -> bool:
    return not run[0].isascii()


def index_bigrams(text: str) -> str:
    """Space-separated bigrams and latin words, runs split by the sentinel."""
    out: list[str] = []
    for run in runs(text):
        if _is_cjk(run):
            if len(run) < 2:
                continue
            tokens = [run[i:i + 2] for i in range(len(run) - 1)]
        else:
            tokens = [run]
        if out:
            out.append(SENTINEL)
        out.extend(tokens)
    return " ".join(out)


def index_unigrams(text: str) -> str:
    return " ".join(ch for run in runs(text) if _is_cjk(run) for ch in run)


def query_words(query: str) -> list[str]:
    """The runs of a query: what must all match, and what gets highlighted."""
    seen: list[str] = []
    for run in runs(query):
        if run not in seen:
            seen.append(run)
    return seen


def fts_query(query: str, bi_columns: str, uni_columns: str) -> str | None:
    """The FTS5 MATCH expression for ``query``, or None if nothing searchable.

    Every run must match (AND): 1 Chinese character against the unigram
    columns, 2+ as a bigram phrase, a latin word or number as a prefix.
    Tokens hold only CJK, ASCII letters and digits, so quoting is safe.
    """
    terms = []
    for run in query_words(query):
        if _is_cjk(run) and len(run) == 1:
            terms.append(f'{{{uni_columns}}} : "{run}"')
        elif _is_cjk(run):
            phrase = " ".join(run[i:i + 2] for i in range(len(run) - 1))
            terms.append(f'{{{bi_columns}}} : "{phrase}"')
        else:
            terms.append(f'{{{bi_columns}}} : "{run}"*')
    return " AND ".join(terms) if terms else None


# --- highlighting -------------------------------------------------------------------

def find_spans(text: str, words: list[str]) -> tuple[tuple[int, int], ...]:
    """Merged spans where any of ``words`` occurs in ``text`` (case-insensitive)."""
    if not words or not text:
        return ()
    # NFKC can change lengths for a few characters; lower() on the original
    # keeps offsets aligned for CJK and ASCII, which is what queries hold.
    haystack = text.lower()
    spans = []
    for word in words:
        start = haystack.find(word)
        while start >= 0:
            spans.append((start, start + len(word)))
            start = haystack.find(word, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return tuple(merged)


def snippet(text: str, spans: tuple[tuple[int, int], ...], width: int = 80,
            before: int = 16) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A window of ``text`` around the first span, and the spans inside it."""
    if len(text) <= width:
        return text, spans
    start = max(0, spans[0][0] - before) if spans else 0
    start = min(start, len(text) - width)
    end = start + width
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    inside = tuple((max(s, start) + shift, min(e, end) + shift)
                   for s, e in spans if e > start and s < end)
    return prefix + text[start:end] + suffix, inside


def mark(text: str, spans: tuple[tuple[int, int], ...], open_: str = "【",
         close: str = "】") -> str:
    """``text`` with each span wrapped in markers (escape first for HTML)."""
    out, pos = [], 0
    for s, e in spans:
        out += [text[pos:s], open_, text[s:e], close]
        pos = e
    out.append(text[pos:])
    return "".join(out)


def parse_tags(text: str) -> tuple[str, ...]:
    """Tags as typed: separated by 、 , ， ; ； or spaces."""
    return tuple(t for t in (p.strip() for p in re.split(r"[、,，;；\s]+", text)) if t)

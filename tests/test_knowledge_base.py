"""The knowledge base: bigram tokens, Chinese search for 1-, 2- and 4-character
queries with ranking and highlights, editing, Markdown/CSV import and export,
and the starter set.

Plain pytest, no Qt; the tests that touch the store run on both backends (a
real SQLite file and a real PostgreSQL, the ``store`` fixture), with the same
ranking asserted on each. The import/export round trips read from that store
and write into a fresh SQLite file.
"""
from __future__ import annotations

from datetime import datetime

import pytest

from app.domain.knowledge import (SENTINEL, Article, fts_query, index_bigrams, index_unigrams,
                                  mark, snippet)
from app.paths import resource
from app.services.knowledge_base import (KnowledgeBase, format_csv, format_markdown,
                                         parse_csv, parse_markdown)
from app.storage.db import close_database, open_database
from app.storage.kb_repo import KnowledgeRepository

T0 = datetime(2026, 3, 2, 10, 0).timestamp()


@pytest.fixture
def db(store):
    return store


@pytest.fixture
def kb(db):
    base = KnowledgeBase(KnowledgeRepository(), clock=lambda: T0)
    added, replaced = base.import_file(resource("kb_starter.md"))
    assert added >= 40 and replaced == 0
    return base


def _haystack(a: Article) -> str:
    return " ".join((a.question, a.answer, a.category, " ".join(a.tags), a.legal_basis))


def _check_spans(hit, word):
    assert hit.question_spans or hit.answer_spans
    for s, e in hit.question_spans:
        assert hit.article.question[s:e] == word
    for s, e in hit.answer_spans:
        assert hit.article.answer[s:e] == word
    for s, e in hit.snippet_spans:
        assert hit.snippet[s:e] == word


# --- tokens ---------------------------------------------------------------------------

def test_bigram_and_unigram_tokens():
    assert index_bigrams("诉讼费用，上诉") == f"诉讼 讼费 费用 {SENTINEL} 上诉"
    assert index_unigrams("诉讼费，上诉") == "诉 讼 费 上 诉"
    # Lone characters only go to the unigram columns; full-width latin is folded.
    assert index_bigrams("第122条 ＥＭＳ") == f"122 {SENTINEL} ems"
    assert fts_query("费", "b", "u") == '{u} : "费"'
    assert fts_query("诉讼费用", "b", "u") == '{b} : "诉讼 讼费 费用"'
    assert fts_query('上诉 "OR* (', "b", "u") == '{b} : "上诉" AND {b} : "or"*'
    assert fts_query(" ，。", "b", "u") is None


def test_mark_and_snippet():
    assert mark("申请执行费", ((2, 4),), "<b>", "</b>") == "申请<b>执行</b>费"
    text = "甲" * 100 + "上诉" + "乙" * 100
    snip, spans = snippet(text, ((100, 102),), width=40, before=10)
    assert snip.startswith("…") and snip.endswith("…")
    assert [snip[s:e] for s, e in spans] == ["上诉"]


# --- search -----------------------------------------------------------------------------

def test_one_character_query(kb):
    hits = kb.search("费")
    assert len(hits) >= 8
    assert all("费" in _haystack(h.article) for h in hits)
    assert all("费" in h.article.question for h in hits[:5])       # questions first
    assert {h.article.category for h in hits[:5]} <= {"诉讼费", "诉讼保全", "上诉", "证据"}
    for h in hits:
        _check_spans(h, "费")
    assert "【费】" in hits[0].marked_question()


def test_two_character_query(kb):
    hits = kb.search("上诉")
    questions = [h.article.question for h in hits]
    assert all("上诉" in q for q in questions[:4])
    assert "对一审判决不服，上诉期限是多长？" in questions[:4]
    assert all("上诉" in _haystack(h.article) for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for h in hits:
        _check_spans(h, "上诉")


def test_four_character_query(kb):
    hits = kb.search("诉讼费用")
    assert hits[0].article.question == "诉讼费用最后由谁承担？能退费吗？"
    assert hits[0].marked_question().startswith("【诉讼费用】")
    assert all("诉讼费用" in _haystack(h.article) for h in hits)
    # Substring semantics: articles saying only 诉讼费 (without 用) are not hits
    # unless 诉讼费用 is somewhere else in them (e.g. the legal basis).
    assert all("诉讼费用" in _haystack(h.article) for h in kb.search("讼费用"))


def test_phrase_does_not_cross_punctuation(db):
    kb = KnowledgeBase(KnowledgeRepository(), clock=lambda: T0)
    kb.save(Article(question="测试一", answer="诉讼，费用另计。"), editor="t")
    kb.save(Article(question="测试二", answer="诉讼费用另计。"), editor="t")
    assert [h.article.question for h in kb.search("讼费")] == ["测试二"]
    assert [h.article.question for h in kb.search("诉讼费用")] == ["测试二"]
    assert {h.article.question for h in kb.search("费用")} == {"测试一", "测试二"}


def test_several_words_all_must_match(kb):
    hits = kb.search("保全 费")
    assert hits and hits[0].article.question == "申请保全要交多少费用？"
    assert all("保全" in _haystack(h.article) and "费" in _haystack(h.article) for h in hits)
    assert kb.search("上诉 旁听") == []


def test_digits_latin_empty_and_odd_input(kb):
    assert any("法律援助" in h.article.question for h in kb.search("12348"))
    assert kb.search("") == [] and kb.search("  ，。 ") == []
    for odd in ('"', "*", "OR", "NEAR(", "费\"用", "{q_bi}:费", "'; DROP TABLE kb_article"):
        kb.search(odd)                        # never an FTS syntax error
    assert kb.search("费用")                   # still there


def test_editing_keeps_the_index_in_step(kb):
    hit = kb.search("旁听")[0]
    edited = kb.save(Article(**{**hit.article.__dict__, "answer": "请预约后到法院参加庭审观摩。"}),
                     editor="王颖")
    assert edited.updated_by == "王颖" and edited.updated_at == T0
    assert kb.search("观摩")[0].article.id == edited.id
    assert all("安全检查" not in h.article.answer for h in kb.search("安全检查")
               if h.article.id == edited.id)
    assert kb.delete(edited.id)
    assert all(h.article.id != edited.id for h in kb.search("旁听"))
    with pytest.raises(ValueError):
        kb.save(Article(question=" ", answer="x"), editor="王颖")


# --- import / export and the starter set --------------------------------------------------------

def test_markdown_round_trip(kb, tmp_path):
    exported = kb.export_markdown()
    articles = parse_markdown(exported)
    assert len(articles) == len(kb.articles())
    close_database()
    open_database(tmp_path / "other.db")
    other = KnowledgeBase(KnowledgeRepository())
    assert other.import_markdown(exported) == (len(articles), 0)
    assert other.export_markdown() == exported
    original = {a.question: a for a in articles}
    for a in other.articles():
        o = original[a.question]
        assert (a.answer, a.category, a.tags, a.legal_basis, a.updated_by, a.updated_at) == (
            o.answer, o.category, o.tags, o.legal_basis, o.updated_by, o.updated_at)
    # Importing again replaces by question instead of duplicating.
    assert other.import_markdown(exported) == (0, len(articles))


def test_csv_round_trip(kb, tmp_path):
    exported = kb.export_csv()
    assert exported.startswith("\ufeffquestion,answer,category,tags")
    articles = parse_csv(exported)
    assert format_csv(articles) == exported
    assert format_markdown(articles) == kb.export_markdown()
    path = tmp_path / "kb.csv"
    path.write_text(exported, encoding="utf-8")
    close_database()
    open_database(tmp_path / "other.db")
    other = KnowledgeBase(KnowledgeRepository())
    assert other.import_file(path) == (len(articles), 0)
    assert other.export_csv() == exported
    with pytest.raises(ValueError, match="question"):
        parse_csv("title,body\nx,y\n")


def test_starter_set_covers_litigation_procedure():
    articles = parse_markdown(resource("kb_starter.md").read_text(encoding="utf-8"))
    assert len(articles) >= 40
    categories = {a.category for a in articles}
    assert {"立案", "诉讼费", "送达", "开庭", "证据", "调解", "诉讼保全", "上诉", "执行"} <= categories
    with_basis = [a for a in articles if a.legal_basis]
    assert len(with_basis) >= 0.85 * len(articles)
    assert all("《" in a.legal_basis for a in with_basis)
    assert all(a.answer and a.tags and a.updated_by for a in articles)
    assert len({a.question for a in articles}) == len(articles)

"""The knowledge-base pages with real widgets (offscreen) over a real SQLite store.

- The seat's page: typing (1-, 2- and 4-character Chinese) lists ranked hits
  with highlights after the debounce; the article shows its legal basis and
  who updated it when; Enter searches at once; nothing found offers the judge.
- The judge's editor: add, edit, delete; import and export round trip in
  Markdown and CSV through the (injected) file dialogs; bad files explained.
"""
from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from app.domain.knowledge import Article
from app.paths import resource
from app.services.knowledge_base import KnowledgeBase, parse_csv, parse_markdown
from app.storage.db import close_database, open_database
from app.storage.kb_repo import KnowledgeRepository
from ui.desk.context import DeskContext
from ui.desk.kb_editor import KnowledgeEditor
from ui.desk.knowledge import HitsModel, KnowledgePage

T0 = datetime(2026, 3, 2, 10, 0).timestamp()


@pytest.fixture
def kb(tmp_path):
    open_database(tmp_path / "desk.sqlite3")
    base = KnowledgeBase(KnowledgeRepository(), clock=lambda: T0)
    base.import_file(resource("kb_starter.md"))
    yield base
    close_database()


@pytest.fixture
def page(kb, qtbot):
    ctx = DeskContext(seat="8001", seat_name="王颖")
    p = KnowledgePage(ctx, kb, debounce_ms=150)
    qtbot.addWidget(p)
    p.show()
    return p


def type_text(widget, text):
    """Type like a keyboard with an input method: one key event per character
    (QTest.keyClicks aborts on non-ASCII characters)."""
    for ch in text:
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key_unknown, Qt.NoModifier, ch))


def _html_rows(page):
    m = page.model
    return [m.data(m.index(i), HitsModel.HtmlRole) for i in range(m.rowCount())]


def test_typing_shows_ranked_highlighted_hits(page, qtbot):
    type_text(page.search, "上诉")
    assert page.model.rowCount() == 0                 # debounced: nothing yet
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=10000)
    hits = page.model.hits
    assert all("上诉" in h.article.question for h in hits[:4])
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    rows = _html_rows(page)
    assert 'background-color:#ffe082;color:#000">上诉</span>' in rows[0]
    # The first hit is shown at once, with the match highlighted.
    shown = page.detail.toHtml()
    assert page.article == hits[0].article
    assert page.article.question.replace("上诉", "") in page.detail.toPlainText().replace("上诉", "")
    assert "#ffe082" in shown
    assert str(len(hits)) in page.status.text()


def test_a_burst_of_keystrokes_costs_one_query(page, kb, qtbot):
    calls = []

    class Counting:
        def search(self, text, limit=20):
            calls.append(text)
            return kb.search(text, limit)

    page.kb = Counting()
    type_text(page.search, "诉讼费用")
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=10000)
    qtbot.wait(200)
    assert calls == ["诉讼费用"]


def test_one_character_and_phrase(page, qtbot):
    type_text(page.search, "费")
    qtbot.waitUntil(lambda: page.model.rowCount() >= 8, timeout=10000)
    assert all("费" in h.article.question for h in page.model.hits[:5])
    page.search.clear()
    type_text(page.search, "诉讼费用")
    qtbot.keyClick(page.search, Qt.Key_Return)      # Enter: no need to wait
    assert page.model.hits[0].article.question == "诉讼费用最后由谁承担？能退费吗？"
    assert _html_rows(page)[0].startswith('<b><span style="background-color:#ffe082;color:#000">'
                                          '诉讼费用</span>')


def test_article_shows_legal_basis_and_who_updated_it_when(page, kb, qtbot):
    a = kb.save(Article(question="网上立案需要哪些材料？", answer="起诉状、身份证明和证据材料。",
                        category="立案", tags=("网上立案",),
                        legal_basis="《中华人民共和国民事诉讼法》第一百二十四条"), editor="廖鹏")
    page.set_query("网上立案")
    assert page.article.id == a.id
    text = page.detail.toPlainText()
    assert "《中华人民共和国民事诉讼法》第一百二十四条" in text
    assert "廖鹏" in text and "2026-03-02 10:00" in text
    assert "立案" in text and "网上立案" in text


def test_down_key_moves_into_results_and_selection_shows_article(page, qtbot):
    page.set_query("执行")
    assert page.model.rowCount() >= 2
    qtbot.keyClick(page.search, Qt.Key_Down)
    assert page.results.hasFocus() or page.results.currentIndex().row() == 0
    page.results.setCurrentIndex(page.model.index(1))
    assert page.article == page.model.hits[1].article


def test_nothing_found_and_ask_the_judge(page, qtbot):
    page.set_query("旁听 上诉 外星人")
    assert page.model.rowCount() == 0 and "外星人" in page.status.text()
    with qtbot.waitSignal(page.askJudgeRequested, timeout=10000) as sig:
        qtbot.mouseClick(page.ask_btn, Qt.LeftButton)
    assert sig.args == ["旁听 上诉 外星人"]
    page.set_query("  ")
    assert page.model.rowCount() == 0 and page.article is None


def test_odd_input_never_breaks_the_page(page, qtbot):
    for odd in ('"', "*", "NEAR(", "{q_bi}:费", "'; DROP TABLE kb_article"):
        page.set_query(odd)
    page.set_query("保全")
    assert page.model.rowCount() > 0


# --- the judge's editor ---------------------------------------------------------------------

class Dialogs:
    def __init__(self):
        self.open = None
        self.save = None
        self.answers = []
        self.asked = []

    def confirm(self, text):
        self.asked.append(text)
        return self.answers.pop(0) if self.answers else True


@pytest.fixture
def dialogs():
    return Dialogs()


@pytest.fixture
def editor(kb, qtbot, dialogs):
    e = KnowledgeEditor(kb, "廖鹏", open_path=lambda: dialogs.open,
                        save_path=lambda: dialogs.save, confirm=dialogs.confirm)
    qtbot.addWidget(e)
    e.show()
    return e


def _select(editor, question):
    for i in range(editor.list.count()):
        item = editor.list.item(i)
        if item.text().endswith(question):
            editor.list.setCurrentItem(item)
            return item
    raise AssertionError(f"{question} not listed")


def test_editor_add_edit_delete(editor, kb, qtbot, dialogs):
    n = len(kb.articles())
    assert editor.list.count() == n
    qtbot.mouseClick(editor.new_btn, Qt.LeftButton)
    type_text(editor.question, "法院调解书和判决书有同样效力吗？")
    qtbot.mouseClick(editor.save_btn, Qt.LeftButton)         # no answer yet: kept, explained
    assert "answer" in editor.status.text() and len(kb.articles()) == n
    assert editor.question.text() == "法院调解书和判决书有同样效力吗？"
    editor.answer.setPlainText("经双方签收的调解书与生效判决书具有同等法律效力。")
    editor.category.setEditText("调解")
    type_text(editor.tags, "调解书、效力")
    editor.legal_basis.setPlainText("《中华人民共和国民事诉讼法》第一百条")
    qtbot.mouseClick(editor.save_btn, Qt.LeftButton)
    added = editor.current
    assert added.id is not None and added.updated_by == "廖鹏" and added.updated_at == T0
    assert added.tags == ("调解书", "效力") and added.category == "调解"
    assert editor.list.count() == n + 1
    assert kb.search("调解书")[0].article.id == added.id
    assert "廖鹏" in editor.updated.text()

    # Edit: change the answer, save; the search finds the new words.
    editor.answer.setPlainText("双方签收后即发生法律效力，可申请强制执行。")
    qtbot.mouseClick(editor.save_btn, Qt.LeftButton)
    assert kb.get(added.id).answer == "双方签收后即发生法律效力，可申请强制执行。"
    assert len(kb.articles()) == n + 1

    # Unsaved changes: moving away asks; "no" keeps the form as typed.
    editor.answer.setPlainText("还没保存的修改")
    dialogs.answers = [False]
    _select(editor, "对一审判决不服，上诉期限是多长？")
    assert dialogs.asked and editor.answer.toPlainText() == "还没保存的修改"
    assert editor.current.id == added.id
    editor.answer.setPlainText("双方签收后即发生法律效力，可申请强制执行。")
    qtbot.mouseClick(editor.save_btn, Qt.LeftButton)

    # Delete, after a confirmation; refused first, then accepted.
    dialogs.answers = [False]
    qtbot.mouseClick(editor.delete_btn, Qt.LeftButton)
    assert kb.get(added.id) is not None
    dialogs.answers = [True]
    qtbot.mouseClick(editor.delete_btn, Qt.LeftButton)
    assert kb.get(added.id) is None and editor.list.count() == n
    assert all(h.article.id != added.id for h in kb.search("调解书"))


def test_editor_filter_uses_the_search(editor, qtbot):
    type_text(editor.filter, "保全")
    qtbot.waitUntil(lambda: 0 < editor.list.count() < 20, timeout=10000)
    _select(editor, "申请保全要交多少费用？")
    assert editor.question.text() == "申请保全要交多少费用？"
    assert editor.legal_basis.toPlainText().startswith("《")


@pytest.mark.parametrize("suffix, parse", [(".md", parse_markdown), (".csv", parse_csv)])
def test_editor_export_import_round_trip(editor, kb, tmp_path, dialogs, qtbot, suffix, parse):
    before = {a.question: a for a in kb.articles()}
    dialogs.save = str(tmp_path / f"kb{suffix}")
    path = editor.export_file()
    assert path.exists() and "kb" in editor.status.text()
    assert len(parse(path.read_text(encoding="utf-8-sig"))) == len(before)

    # Delete two articles, change one, then import the export: back as it was.
    ids = [a.id for a in kb.articles()[:2]]
    for i in ids:
        kb.delete(i)
    victim = kb.articles()[0]
    kb.save(Article(**{**victim.__dict__, "answer": "临时改动"}), editor="别人")
    dialogs.open = dialogs.save
    assert editor.import_file() == (2, len(before) - 2)
    assert "2" in editor.status.text()
    after = {a.question: a for a in kb.articles()}
    assert set(after) == set(before)
    for q, a in before.items():
        b = after[q]
        assert (b.answer, b.category, b.tags, b.legal_basis, b.updated_by) == (
            a.answer, a.category, a.tags, a.legal_basis, a.updated_by)
    assert editor.list.count() == len(before)


def test_editor_import_bad_files_are_explained(editor, kb, tmp_path, dialogs):
    n = len(kb.articles())
    bad = tmp_path / "bad.csv"
    bad.write_text("title,body\nx,y\n", encoding="utf-8")
    dialogs.open = str(bad)
    assert editor.import_file() is None and "question" in editor.status.text()
    latin = tmp_path / "latin1.md"
    latin.write_bytes("### 问题\n答案".encode("gb18030"))
    dialogs.open = str(latin)
    assert editor.import_file() is None and "UTF-8" in editor.status.text()
    dialogs.open = str(tmp_path / "missing.md")
    assert editor.import_file() is None and editor.status.text()
    dialogs.open = None                      # dialog cancelled: nothing happens
    assert editor.import_file() is None
    dialogs.save = str(tmp_path / "no-such-dir" / "kb.md")
    assert editor.export_file() is None and editor.status.text()
    assert len(kb.articles()) == n

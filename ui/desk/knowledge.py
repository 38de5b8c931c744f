"""The seat's knowledge-base page: search as you type, read the article.

The seat types a word or phrase (Chinese 1- and 2-character words work, see
app.domain.knowledge); after a short pause (DEBOUNCE_MS, so a burst of
keystrokes or an input method's commits cost one query) the ranked hits are
listed with the matches highlighted, and the first is shown: question,
answer, category, tags, legal basis, who updated it and when. Enter searches
at once; Down moves into the list. One query takes a few milliseconds
(bench/bench_kb.py: p99 under 30 ms over 10,000 articles), so it runs on the
GUI thread.

When nothing fits, "Ask the consulting judge" emits ``askJudgeRequested``
with what the seat typed; the desk wires it to the consult page.
"""
from __future__ import annotations

import html
from datetime import datetime

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAbstractTextDocumentLayout, QPalette, QTextDocument
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QLabel, QLineEdit, QListView,
                               QPushButton, QSplitter, QStyle, QStyledItemDelegate,
                               QStyleOptionViewItem, QTextBrowser, QVBoxLayout, QWidget)

from app.domain.knowledge import Article, SearchHit, find_spans, mark, query_words
from ui.messages import explain

DEBOUNCE_MS = 150
MAX_HITS = 20
_OPEN, _CLOSE = "\ue001", "\ue002"        # span markers, never typed, put in before escaping
MARK_STYLE = "background-color:#ffe082;color:#000"


def marked_html(text: str, spans) -> str:
    """``text`` escaped for HTML with each span highlighted."""
    out = html.escape(mark(text, spans, _OPEN, _CLOSE))
    return out.replace(_OPEN, f'<span style="{MARK_STYLE}">').replace(_CLOSE, "</span>")


def _when(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M") if at else ""


class HitsModel(QAbstractListModel):
    """The hits of the last search, best first."""
    HitRole = Qt.UserRole
    HtmlRole = Qt.UserRole + 1

    def __init__(self, parent=None):
        super().__init__(parent)
        self.hits: list[SearchHit] = []

    def set_hits(self, hits) -> None:
        self.beginResetModel()
        self.hits = list(hits)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.hits)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or index.row() >= len(self.hits):
            return None
        h = self.hits[index.row()]
        if role == Qt.DisplayRole:
            return h.article.question
        if role == Qt.ToolTipRole:
            return h.snippet
        if role == self.HitRole:
            return h
        if role == self.HtmlRole:
            category = html.escape(h.article.category)
            return (f"<b>{marked_html(h.article.question, h.question_spans)}</b>"
                    f"<br><span style='color:#666'>{category}</span>"
                    f"{' · ' if category else ''}{marked_html(h.snippet, h.snippet_spans)}")
        return None


class HtmlDelegate(QStyledItemDelegate):
    """Paints an item's HtmlRole text (highlights) in the list.

    Laying out rich text is the costly part of a keystroke (the view asks for
    every row's size hint several times), so each row's document is laid out
    once per width and kept until the model is reset."""

    def __init__(self, view):
        super().__init__(view)
        self._view = view
        self._docs: dict[tuple[int, int], QTextDocument] = {}
        self._sizes: dict[tuple[int, int], QSize] = {}

    def forget(self) -> None:
        self._docs.clear()
        self._sizes.clear()

    def _width(self, option) -> int:
        # The viewport's width, not the option's rect: size-hint requests come
        # with rects of other widths, and each width would lay out again.
        return max(self._view.viewport().width() - 8, 100)

    def _doc(self, option, index) -> QTextDocument:
        key = (index.row(), self._width(option))
        doc = self._docs.get(key)
        if doc is None:
            doc = QTextDocument()
            doc.setDefaultFont(option.font)
            doc.setHtml(index.data(HitsModel.HtmlRole) or "")
            doc.setTextWidth(key[1])
            self._docs[key] = doc
        return doc

    def paint(self, painter, option, index):
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.CE_ItemViewItem, opt, painter, opt.widget)
        doc = self._doc(option, index)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        if option.state & QStyle.State_Selected:
            ctx.palette.setColor(QPalette.Text, option.palette.color(QPalette.HighlightedText))
        painter.save()
        painter.translate(option.rect.left() + 4, option.rect.top() + 2)
        doc.documentLayout().draw(painter, ctx)
        painter.restore()

    def sizeHint(self, option, index):
        key = (index.row(), self._width(option))
        size = self._sizes.get(key)
        if size is None:
            doc = self._doc(option, index)
            size = self._sizes[key] = QSize(int(doc.textWidth()) + 8,
                                            int(doc.size().height()) + 4)
        return size


class KnowledgePage(QWidget):
    # str: what the seat searched for, to put to the consulting judge.
    askJudgeRequested = Signal(str)
    # Article: the article now shown (e.g. for the wrap-up notes).
    articleShown = Signal(object)

    def __init__(self, ctx, kb, parent=None, debounce_ms: int = DEBOUNCE_MS):
        super().__init__(parent)
        self.setObjectName("knowledgePage")
        self.ctx = ctx
        self.kb = kb
        self.article: Article | None = None
        self._words: list[str] = []

        self.search = QLineEdit()
        self.search.setObjectName("kbSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("Search the knowledge base: type a word or a phrase"))
        self.status = QLabel()
        self.status.setObjectName("kbStatus")
        self.model = HitsModel(self)
        self.results = QListView()
        self.results.setObjectName("kbResults")
        self.results.setModel(self.model)
        self.delegate = HtmlDelegate(self.results)
        self.results.setItemDelegate(self.delegate)
        self.model.modelAboutToBeReset.connect(self.delegate.forget)
        self.results.setWordWrap(True)
        self.results.setUniformItemSizes(False)
        # A scroll bar coming and going would change the width and lay every row out again.
        self.results.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOn)
        self.detail = QTextBrowser()
        self.detail.setObjectName("kbArticle")
        self.detail.setOpenExternalLinks(False)
        self.ask_btn = QPushButton(self.tr("Not answered here? Ask the consulting judge"))
        self.ask_btn.setObjectName("kbAskJudge")

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.results, 1)
        lv.addWidget(self.ask_btn)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.status)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self.search_now)
        self.search.textChanged.connect(lambda _: self._timer.start())
        self.search.returnPressed.connect(self.search_now)
        self.results.selectionModel().currentChanged.connect(self._on_current)
        self.ask_btn.clicked.connect(lambda: self.askJudgeRequested.emit(self.search.text().strip()))
        self.search.installEventFilter(self)
        self._show_empty()

    # --- searching ----------------------------------------------------------------

    def search_now(self) -> None:
        """Search for what is typed now (the debounce timer, or Enter)."""
        self._timer.stop()
        text = self.search.text()
        self._words = query_words(text)
        try:
            hits = self.kb.search(text, limit=MAX_HITS) if self._words else []
        except Exception as e:  # the store failed: say so, keep what was typed
            self.model.set_hits([])
            self.status.setText(explain(e))
            return
        self.model.set_hits(hits)
        if not self._words:
            self._show_empty()
        elif not hits:
            self.status.setText(self.tr("No article matches \u201c%1\u201d.").replace("%1", text.strip()))
            self.detail.clear()
            self.article = None
        else:
            self.status.setText(self.tr("%1 articles").replace("%1", str(len(hits))))
            self.results.setCurrentIndex(self.model.index(0))

    def _show_empty(self) -> None:
        self.status.setText("")
        self.detail.setHtml("<p style='color:#666'>%s</p>" % html.escape(
            self.tr("Type what the caller asks about, e.g. 上诉, 费, 诉讼费用. "
                    "Results appear as you type.")))
        self.article = None

    def eventFilter(self, obj, event):
        # Down from the search box moves into the results, keeping the typing flow.
        if obj is self.search and event.type() == event.Type.KeyPress \
                and event.key() == Qt.Key_Down and self.model.rowCount():
            self.results.setFocus()
            if not self.results.currentIndex().isValid():
                self.results.setCurrentIndex(self.model.index(0))
            return True
        return super().eventFilter(obj, event)

    # --- the article --------------------------------------------------------------

    def _on_current(self, current, _previous) -> None:
        hit = current.data(HitsModel.HitRole) if current.isValid() else None
        if hit is not None:
            self.show_article(hit.article)

    def show_article(self, a: Article) -> None:
        self.article = a
        words = self._words
        parts = [f"<h3>{marked_html(a.question, find_spans(a.question, words))}</h3>"]
        answer = marked_html(a.answer, find_spans(a.answer, words)).replace("\n", "<br>")
        parts.append(f"<p>{answer}</p>")
        rows = []
        if a.category:
            rows.append((self.tr("Category"), html.escape(a.category)))
        if a.tags:
            rows.append((self.tr("Tags"), html.escape("、".join(a.tags))))
        if a.legal_basis:
            rows.append((self.tr("Legal basis"),
                         marked_html(a.legal_basis, find_spans(a.legal_basis, words))))
        if a.updated_by or a.updated_at:
            rows.append((self.tr("Updated"), html.escape(
                self.tr("%1 on %2").replace("%1", a.updated_by or "?")
                .replace("%2", _when(a.updated_at) or "?"))))
        if rows:
            parts.append("<table cellspacing='4'>" + "".join(
                f"<tr><td style='color:#666;white-space:nowrap'>{k}</td><td>{v}</td></tr>"
                for k, v in rows) + "</table>")
        self.detail.setHtml("".join(parts))
        self.articleShown.emit(a)

    def set_query(self, text: str) -> None:
        """Put ``text`` in the search box and search at once (e.g. from another page)."""
        self.search.setText(text)
        self.search_now()

"""The consulting judge's knowledge-base editor.

Left: every article (or those matching the filter, by the same search the
seats use), grouped by category. Right: the article's question, answer,
category, tags and legal basis, with who updated it last and when. The judge
adds, edits and deletes articles, and imports or exports the whole base as
Markdown (the hand-editable shape of resources/kb_starter.md) or CSV (for
spreadsheets) through file dialogs. Every save is stamped with the judge's
name by app.services.knowledge_base.

What the judge typed is never lost: a failed save keeps the form, and moving
to another article with unsaved changes asks first.

The file dialogs and the confirmation are injectable (``open_path``,
``save_path``, ``confirm``) so tests drive the real editor without native
dialogs.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QMessageBox,
                               QPlainTextEdit, QPushButton, QSplitter, QVBoxLayout, QWidget)

from app.domain.knowledge import Article, parse_tags
from ui.messages import explain

FILTER_DEBOUNCE_MS = 150


def _when(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M") if at else ""


class KnowledgeEditor(QWidget):
    # Article: saved (added or changed); int: the id of a deleted article.
    articleSaved = Signal(object)
    articleDeleted = Signal(int)

    def __init__(self, kb, editor_name: str, parent=None, *,
                 open_path: Callable[[], str | None] | None = None,
                 save_path: Callable[[], str | None] | None = None,
                 confirm: Callable[[str], bool] | None = None):
        super().__init__(parent)
        self.setObjectName("kbEditor")
        self.kb = kb
        self.editor_name = editor_name
        self._open_path = open_path or self._ask_open_path
        self._save_path = save_path or self._ask_save_path
        self._confirm = confirm or self._ask_confirm
        self.current: Article | None = None
        self._dirty = False
        self._loading = False

        self.filter = QLineEdit()
        self.filter.setObjectName("kbEditorFilter")
        self.filter.setClearButtonEnabled(True)
        self.filter.setPlaceholderText(self.tr("Filter: type a word"))
        self.list = QListWidget()
        self.list.setObjectName("kbEditorList")
        self.new_btn = QPushButton(self.tr("New article"))
        self.new_btn.setObjectName("kbNew")
        self.import_btn = QPushButton(self.tr("Import..."))
        self.import_btn.setObjectName("kbImport")
        self.export_btn = QPushButton(self.tr("Export..."))
        self.export_btn.setObjectName("kbExport")

        self.question = QLineEdit()
        self.question.setObjectName("kbEditQuestion")
        self.category = QComboBox()
        self.category.setObjectName("kbEditCategory")
        self.category.setEditable(True)
        self.tags = QLineEdit()
        self.tags.setObjectName("kbEditTags")
        self.tags.setPlaceholderText(self.tr("separated by 、 or spaces"))
        self.legal_basis = QPlainTextEdit()
        self.legal_basis.setObjectName("kbEditLegalBasis")
        self.legal_basis.setMaximumHeight(60)
        self.answer = QPlainTextEdit()
        self.answer.setObjectName("kbEditAnswer")
        self.updated = QLabel()
        self.updated.setObjectName("kbEditUpdated")
        self.save_btn = QPushButton(self.tr("Save"))
        self.save_btn.setObjectName("kbSave")
        self.delete_btn = QPushButton(self.tr("Delete"))
        self.delete_btn.setObjectName("kbDelete")
        self.status = QLabel()
        self.status.setObjectName("kbEditStatus")
        self.status.setWordWrap(True)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.filter)
        lv.addWidget(self.list, 1)
        row = QHBoxLayout()
        for b in (self.new_btn, self.import_btn, self.export_btn):
            row.addWidget(b)
        lv.addLayout(row)
        right = QWidget()
        form = QFormLayout()
        form.addRow(self.tr("Question"), self.question)
        form.addRow(self.tr("Category"), self.category)
        form.addRow(self.tr("Tags"), self.tags)
        form.addRow(self.tr("Legal basis"), self.legal_basis)
        form.addRow(self.tr("Answer"), self.answer)
        form.addRow("", self.updated)
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addLayout(form, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_btn)
        buttons.addWidget(self.delete_btn)
        buttons.addStretch(1)
        rv.addLayout(buttons)
        rv.addWidget(self.status)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        QVBoxLayout(self).addWidget(split)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DEBOUNCE_MS)
        self._filter_timer.timeout.connect(self.refresh)
        self.filter.textChanged.connect(lambda _: self._filter_timer.start())
        self.list.currentItemChanged.connect(self._on_current)
        self.new_btn.clicked.connect(self.new_article)
        self.save_btn.clicked.connect(self.save)
        self.delete_btn.clicked.connect(self.delete)
        self.import_btn.clicked.connect(self.import_file)
        self.export_btn.clicked.connect(self.export_file)
        for w in (self.question, self.tags):
            w.textEdited.connect(self._mark_dirty)
        for w in (self.answer, self.legal_basis):
            w.textChanged.connect(self._mark_dirty)
        self.category.editTextChanged.connect(self._mark_dirty)

        self.refresh()
        self.new_article()

    # --- the list -----------------------------------------------------------------

    def refresh(self, select_id: int | None = None) -> None:
        """Reload the list (all articles, or those matching the filter)."""
        self._filter_timer.stop()
        keep = select_id if select_id is not None else (self.current.id if self.current else None)
        text = self.filter.text().strip()
        try:
            if text:
                articles = [h.article for h in self.kb.search(text, limit=500)]
            else:
                articles = self.kb.articles()
            categories = sorted({a.category for a in self.kb.articles() if a.category})
        except Exception as e:
            self.status.setText(explain(e))
            return
        self._loading = True
        try:
            self.list.clear()
            for a in articles:
                label = f"[{a.category}] {a.question}" if a.category else a.question
                item = QListWidgetItem(label)
                item.setData(Qt.UserRole, a.id)
                self.list.addItem(item)
                if a.id == keep:
                    self.list.setCurrentItem(item)
            typed = self.category.currentText()
            self.category.clear()
            self.category.addItems(categories)
            self.category.setEditText(typed)
        finally:
            self._loading = False

    def _item_of(self, article_id: int) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.UserRole) == article_id:
                return self.list.item(i)
        return None

    def _on_current(self, item, previous) -> None:
        if self._loading or item is None:
            return
        article_id = item.data(Qt.UserRole)
        if self.current is not None and self.current.id == article_id:
            return
        if self._dirty and not self._confirm(self.tr("Discard the changes to this article?")):
            self._loading = True
            self.list.setCurrentItem(previous)
            self._loading = False
            return
        a = self.kb.get(article_id)
        if a is not None:
            self.load(a)

    # --- the form -----------------------------------------------------------------

    def load(self, a: Article) -> None:
        self._loading = True
        try:
            self.current = a
            self.question.setText(a.question)
            self.category.setEditText(a.category)
            self.tags.setText("、".join(a.tags))
            self.legal_basis.setPlainText(a.legal_basis)
            self.answer.setPlainText(a.answer)
            self.updated.setText(self.tr("Last updated by %1 on %2")
                                 .replace("%1", a.updated_by or "?")
                                 .replace("%2", _when(a.updated_at) or "?"))
            self.delete_btn.setEnabled(a.id is not None)
        finally:
            self._loading = False
        self._dirty = False

    def new_article(self) -> None:
        if self._dirty and not self._confirm(self.tr("Discard the changes to this article?")):
            return
        self.list.clearSelection()
        self._loading = True
        self.list.setCurrentItem(None)
        self._loading = False
        self.load(Article(question="", answer=""))
        self.current = None
        self.updated.setText(self.tr("New article"))
        self.delete_btn.setEnabled(False)
        self.question.setFocus()

    def _mark_dirty(self, *_):
        if not self._loading:
            self._dirty = True

    def form_article(self) -> Article:
        return Article(question=self.question.text().strip(),
                       answer=self.answer.toPlainText().strip(),
                       category=self.category.currentText().strip(),
                       tags=parse_tags(self.tags.text()),
                       legal_basis=self.legal_basis.toPlainText().strip(),
                       id=self.current.id if self.current else None)

    def save(self) -> Article | None:
        a = self.form_article()
        if not a.question or not a.answer:
            self.status.setText(self.tr("An article needs a question and an answer."))
            return None
        try:
            saved = self.kb.save(a, editor=self.editor_name)
        except Exception as e:  # keep the form as typed
            self.status.setText(self.tr("Not saved: %1").replace("%1", explain(e)))
            return None
        self._dirty = False
        self.load(saved)
        self.refresh(select_id=saved.id)
        self.status.setText(self.tr("Saved."))
        self.articleSaved.emit(saved)
        return saved

    def delete(self) -> bool:
        a = self.current
        if a is None or a.id is None:
            return False
        if not self._confirm(self.tr("Delete the article \u201c%1\u201d?").replace("%1", a.question)):
            return False
        try:
            self.kb.delete(a.id)
        except Exception as e:
            self.status.setText(self.tr("Not deleted: %1").replace("%1", explain(e)))
            return False
        self._dirty = False
        self.current = None
        self.refresh()
        self.new_article()
        self.status.setText(self.tr("Deleted."))
        self.articleDeleted.emit(a.id)
        return True

    # --- import / export ----------------------------------------------------------

    def import_file(self) -> tuple[int, int] | None:
        path = self._open_path()
        if not path:
            return None
        try:
            added, replaced = self.kb.import_file(path)
        except UnicodeDecodeError:
            self.status.setText(self.tr("Not imported: the file is not UTF-8 text."))
            return None
        except ValueError as e:
            self.status.setText(self.tr("Not imported: the file does not have the expected "
                                        "shape (%1).").replace("%1", str(e)))
            return None
        except OSError as e:
            self.status.setText(self.tr("Not imported: the file could not be read (%1).")
                                .replace("%1", e.strerror or str(e)))
            return None
        except Exception as e:
            self.status.setText(self.tr("Not imported: %1").replace("%1", explain(e)))
            return None
        self.refresh()
        self.status.setText(self.tr("Imported: %1 new, %2 replaced.")
                            .replace("%1", str(added)).replace("%2", str(replaced)))
        return added, replaced

    def export_file(self) -> Path | None:
        path = self._save_path()
        if not path:
            return None
        path = Path(path)
        try:
            text = self.kb.export_csv() if path.suffix.lower() == ".csv" else self.kb.export_markdown()
            path.write_text(text, encoding="utf-8")
        except OSError as e:
            self.status.setText(self.tr("Not exported: the file could not be written (%1).")
                                .replace("%1", e.strerror or str(e)))
            return None
        except Exception as e:
            self.status.setText(self.tr("Not exported: %1").replace("%1", explain(e)))
            return None
        self.status.setText(self.tr("Exported to %1.").replace("%1", str(path)))
        return path

    # --- default dialogs ----------------------------------------------------------

    def _filters(self) -> str:
        return self.tr("Knowledge base (*.md *.csv);;Markdown (*.md);;CSV (*.csv)")

    def _ask_open_path(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import articles"), "", self._filters())
        return path or None

    def _ask_save_path(self) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the knowledge base"),
                                              "knowledge-base.md", self._filters())
        return path or None

    def _ask_confirm(self, text: str) -> bool:
        return QMessageBox.question(self, self.tr("Knowledge base"), text) == QMessageBox.Yes

"""The history of chats: resume, rename, delete, export."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tutor.app.chat.common import clean_input
from tutor.chat.history import History
from tutor.i18n import t


class HistoryScreen(ModalScreen[tuple[str, int | None] | None]):
    BINDINGS = [
        Binding("escape", "close", show=False),
        Binding("r", "rename", show=False),
        Binding("d", "delete", show=False),
        Binding("x", "export", show=False),
        Binding("n", "new", show=False),
    ]

    DEFAULT_CSS = """
    HistoryScreen { align: center middle; }
    HistoryScreen #history { width: 96%; max-width: 100; height: 90%; border: round $accent; padding: 0 1; background: $surface; }
    HistoryScreen #history-title { height: 1; text-style: bold; }
    HistoryScreen #history-list { height: 1fr; border: none; padding: 0; }
    HistoryScreen #history-rename { display: none; }
    HistoryScreen #history-rename.shown { display: block; }
    HistoryScreen #history-note { height: auto; color: $text-muted; }
    HistoryScreen #history-keys { height: auto; color: $text-muted; }
    """

    def __init__(self, history: History, current: int | None = None):
        super().__init__()
        self.history = history
        self.current = current
        self.confirm_delete: int | None = None

    @property
    def lang(self) -> str:
        return self.app.lang

    def compose(self) -> ComposeResult:
        with Vertical(id="history"):
            yield Static("", id="history-title")
            yield OptionList(id="history-list")
            yield Input(id="history-rename")
            yield Static("", id="history-note")
            yield Static("", id="history-keys")

    def on_mount(self) -> None:
        lang = self.lang
        self.query_one("#history-title", Static).update(Text(t("chat.history.title", lang)))
        self.query_one("#history-keys", Static).update(Text(t("chat.history.keys", lang)))
        self.rebuild()
        self.query_one(OptionList).focus()

    def rebuild(self) -> None:
        lang = self.lang
        chats = self.history.list()
        options = []
        for chat in chats:
            mark = "●" if chat.id == self.current else " "
            title = chat.title or t("chat.untitled", lang)
            when = chat.updated_at.replace("T", " ")[:16]
            options.append(
                Option(
                    Text.assemble(f"{mark} ", (title, "bold"), "  ", (f"{chat.model or '—'} · {t('chat.history.count', lang, n=chat.message_count)} · {when}", "dim")),
                    id=str(chat.id),
                )
            )
        option_list = self.query_one(OptionList)
        highlighted = option_list.highlighted
        option_list.set_options(options)
        if options:
            current_index = next((i for i, o in enumerate(options) if o.id == str(self.current)), 0)
            option_list.highlighted = min(highlighted, len(options) - 1) if highlighted is not None else current_index
        self.query_one("#history-note", Static).update(Text("" if options else t("chat.history.empty", lang)))

    def highlighted_id(self) -> int | None:
        option_list = self.query_one(OptionList)
        if option_list.highlighted is None or option_list.option_count == 0:
            return None
        return int(option_list.get_option_at_index(option_list.highlighted).id)

    @on(OptionList.OptionSelected, "#history-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(("resume", int(event.option.id)))

    @on(OptionList.OptionHighlighted, "#history-list")
    def _moved(self, event: OptionList.OptionHighlighted) -> None:
        self.confirm_delete = None

    def action_close(self) -> None:
        rename = self.query_one("#history-rename", Input)
        if rename.has_class("shown"):
            rename.set_class(False, "shown")
            self.query_one(OptionList).focus()
            return
        self.dismiss(None)

    def action_new(self) -> None:
        self.dismiss(("new", None))

    def action_rename(self) -> None:
        chat_id = self.highlighted_id()
        if chat_id is None:
            return
        chat = self.history.get(chat_id)
        rename = self.query_one("#history-rename", Input)
        rename.value = chat.title if chat else ""
        rename.placeholder = t("chat.history.rename_placeholder", self.lang)
        rename.set_class(True, "shown")
        rename.focus()

    @on(Input.Submitted, "#history-rename")
    def _renamed(self, event: Input.Submitted) -> None:
        event.stop()
        chat_id = self.highlighted_id()
        title = clean_input(event.value).strip()
        if chat_id is not None and title:
            self.history.rename(chat_id, title[:200])
            self.notify(t("chat.history.renamed", self.lang), timeout=2)
        event.input.set_class(False, "shown")
        self.rebuild()
        self.query_one(OptionList).focus()

    def action_delete(self) -> None:
        chat_id = self.highlighted_id()
        if chat_id is None:
            return
        if self.confirm_delete != chat_id:
            self.confirm_delete = chat_id
            self.query_one("#history-note", Static).update(Text(t("chat.history.confirm_delete", self.lang), style="yellow"))
            return
        self.history.delete(chat_id)
        self.confirm_delete = None
        self.notify(t("chat.history.deleted", self.lang), timeout=2)
        self.rebuild()

    def action_export(self) -> None:
        chat_id = self.highlighted_id()
        if chat_id is None:
            return
        from tutor.paths import data_dir

        try:
            path = self.history.export_file(chat_id, data_dir() / "exports", self.lang)
        except OSError as exc:
            self.notify(t("chat.history.export_failed", self.lang, error=str(exc)), severity="error")
            return
        self.query_one("#history-note", Static).update(Text(t("chat.history.exported", self.lang, path=str(path))))
        self.notify(t("chat.history.exported", self.lang, path=str(path)), timeout=8)

"""The conversation as plain text, to select by hand and copy."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from tutor.app.chat.common import copy_to_terminal
from tutor.chat.sanitize import clean_text
from tutor.i18n import t


class PlainView(ModalScreen[None]):
    """The conversation as plain text, to select by hand (keys or mouse) and copy."""

    BINDINGS = [Binding("escape", "close", show=False), Binding("f8", "copy_all", show=False)]

    DEFAULT_CSS = """
    PlainView { background: $background; }
    PlainView #plain-help { height: auto; padding: 0 1; color: $text-muted; }
    PlainView #plain-text { height: 1fr; border: none; }
    """

    def __init__(self, text: str):
        super().__init__()
        self.text = clean_text(text)

    def compose(self) -> ComposeResult:
        yield Static(Text(t("chat.plain.help", self.app.lang)), id="plain-help")
        yield TextArea(self.text, id="plain-text", read_only=True, soft_wrap=True, show_cursor=True)

    def on_mount(self) -> None:
        self.query_one("#plain-text", TextArea).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_copy_all(self) -> None:
        area = self.query_one("#plain-text", TextArea)
        text = area.selected_text or self.text
        if copy_to_terminal(self.app, text):
            self.notify(t("chat.copied_answer", self.app.lang, n=f"{len(text):,}"), timeout=3)
        else:
            self.notify(t("chat.copy_too_long", self.app.lang), severity="error")

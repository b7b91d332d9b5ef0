"""The conversation's widgets: a learner's message and an answer (role, foldable thinking, body, meta)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Collapsible, Markdown, Static

from tutor.app.chat.common import format_stats
from tutor.chat.history import MessageRecord
from tutor.i18n import t


class UserMessage(Static):
    def __init__(self, text: str, lang: str):
        self.text = text
        super().__init__(self.render_text(lang), classes="msg msg-user")

    def render_text(self, lang: str) -> Text:
        return Text.assemble((t("chat.you", lang), "bold"), "\n", self.text)

    def relabel(self, lang: str) -> None:
        self.update(self.render_text(lang))


class AssistantMessage(Vertical):
    """One answer: its role line, the foldable thinking, the markdown body and a meta line."""

    def __init__(self, model: str, lang: str, record: MessageRecord | None = None, show_thinking: bool = True):
        super().__init__(classes="msg msg-assistant")
        self.model = model
        self.content = record.content if record else ""
        self.thinking = record.thinking if record else ""
        self.stats: dict = dict(record.stats) if record else {}
        self.state = "done" if record is None or record.complete else "incomplete"
        if record is not None and record.stopped:
            self.state = "stopped"
        if record is not None and not record.complete and record.error:
            self.state = "error"
        self.error_text = record.error if record else ""
        self.lang = lang
        self.show_thinking = show_thinking
        self.markdown_stream = None

    def compose(self) -> ComposeResult:
        yield Static(self.role_text(), classes="msg-role")
        thinking = Collapsible(
            Static(Text(self.thinking), classes="thinking-text"),
            title=t("chat.thinking", self.lang),
            collapsed=True,
            classes="thinking",
        )
        thinking.display = bool(self.thinking) and self.show_thinking
        yield thinking
        yield Markdown(self.content, classes="msg-body", open_links=False)
        yield Static(self.meta_text(), classes="msg-meta")

    def role_text(self) -> Text:
        return Text.assemble((t("chat.assistant", self.lang), "bold"), (f"  {self.model}" if self.model else "", "dim"))

    def meta_text(self) -> Text:
        lang = self.lang
        if self.state == "waiting":
            return Text(t("chat.waiting_short", lang), style="dim italic")
        if self.state == "streaming":
            return Text("")
        if self.state == "stopped":
            stats = format_stats(self.stats, lang)
            return Text(t("chat.stopped_mark", lang) + (f" · {stats}" if stats else ""), style="yellow")
        if self.state == "error":
            return Text(t("chat.incomplete_mark", lang) + (f": {self.error_text}" if self.error_text else ""), style="red")
        if self.state == "incomplete":
            return Text(t("chat.incomplete_mark", lang), style="yellow")
        return Text(format_stats(self.stats, lang), style="dim")

    def refresh_meta(self) -> None:
        self.query_one(".msg-meta", Static).update(self.meta_text())

    def relabel(self, lang: str) -> None:
        self.lang = lang
        self.query_one(".msg-role", Static).update(self.role_text())
        self.query_one(".thinking", Collapsible).title = t("chat.thinking", lang)
        self.refresh_meta()

    def set_thinking_visible(self, visible: bool) -> None:
        self.show_thinking = visible
        self.query_one(".thinking", Collapsible).display = bool(self.thinking) and visible

    async def add(self, content: str, thinking: str) -> None:
        if thinking:
            self.thinking += thinking
            box = self.query_one(".thinking", Collapsible)
            box.display = self.show_thinking
            if not self.content:
                box.collapsed = False  # thoughts unfold while they arrive...
            self.query_one(".thinking-text", Static).update(Text(self.thinking))
        if content:
            if not self.content and self.thinking:
                self.query_one(".thinking", Collapsible).collapsed = True  # ...and fold when the answer starts
            self.content += content
            if self.markdown_stream is None:
                self.markdown_stream = Markdown.get_stream(self.query_one(".msg-body", Markdown))
            await self.markdown_stream.write(content)

    async def close_stream(self) -> None:
        if self.markdown_stream is not None:
            stream, self.markdown_stream = self.markdown_stream, None
            await stream.stop()

"""The conversation: the log widget and the messages in it.

Long answers are why this file exists. A 200 KB answer streamed at 2,000 tokens/s must not freeze the
app, so the log owns its rendering:

- An answer's text is cut into pieces of about `PIECE_CHARS` at blank lines outside code fences
  (`cut_pieces`). Each piece is one Static drawing Rich's Markdown. While the answer streams only the
  last piece is drawn again per update; the ones before it are settled and keep their cached render.
  So an update costs the size of one piece, not the size of the answer, and an answer is at most
  `MAX_PIECE_WIDGETS` widgets (settled neighbours merge) instead of one widget per markdown block.
- A resumed chat mounts lazily: the last messages (about `LAZY_CHARS` of text) first, older ones when
  the log is scrolled to its top (or the "earlier" line is clicked); inside a long answer only its last
  pieces are drawn until scrolled to.
- The text a message holds is always whole (plain view, copy and export use it), whatever is mounted.
"""

from __future__ import annotations

from rich.markdown import Markdown as RichMarkdown
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from tutor.app.chat.common import format_stats
from tutor.chat.history import MessageRecord
from tutor.i18n import t

PIECE_CHARS = 2000  # a settled piece of an answer; the last one is redrawn per update
MAX_PIECE_WIDGETS = 32  # per answer: past this, settled pieces merge (the log's widget count stays bounded)
LAZY_CHARS = 12_000  # about this much text of a resumed chat is drawn at first
LAZY_PIECES = 3  # pieces of a long resumed answer drawn at first (its end)
REVEAL_PIECES = 8  # pieces drawn per scroll back up a long answer
OLDER_BATCH = 6  # messages mounted per scroll to the top


def cut_pieces(text: str, size: int = PIECE_CHARS) -> list[str]:
    """`text` in pieces of about `size` characters, cut only at a blank line outside a code fence, so
    each piece renders as markdown on its own exactly as it would inside the whole text."""
    pieces: list[str] = []
    start = 0
    while len(text) - start > size:
        cut = safe_cut(text, start, size)
        if cut is None:
            break
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def safe_cut(text: str, start: int, size: int) -> int | None:
    """The last blank-line position after `start + size // 2` where no code fence is open, or None."""
    fenced = False  # a piece always starts outside a fence (it is only ever cut there)
    best = None
    position = start
    limit = start + 2 * size  # a piece never grows past twice its size while a cut exists
    window = text[start:] if len(text) - start <= 4 * size else text[start : start + 4 * size]
    for line in window.splitlines(keepends=True):
        stripped = line.lstrip()
        if stripped.startswith("```") or stripped.startswith("~~~"):
            fenced = not fenced
        position += len(line)
        if not fenced and not line.strip() and position - start >= size // 2 and position < len(text):
            best = position
            if position - start >= size:
                return best
        if position >= limit and best is not None:
            return best
    if best is None and len(window) < len(text) - start:
        return safe_cut_beyond(text, start, size)
    return best if best is not None and len(text) - start > size else None


def safe_cut_beyond(text: str, start: int, size: int) -> int | None:
    """A long code block (or a text without blank lines): the first possible cut after the window."""
    fenced = False
    position = start
    for line in text[start:].splitlines(keepends=True):
        stripped = line.lstrip()
        if stripped.startswith("```") or stripped.startswith("~~~"):
            fenced = not fenced
        position += len(line)
        if not fenced and not line.strip() and position - start >= size // 2 and position < len(text):
            return position
    return None


class TextPieces(Vertical):
    """A growing text drawn as a column of pieces; only the last piece is redrawn when text arrives."""

    DEFAULT_CSS = """
    TextPieces { height: auto; }
    TextPieces > .piece { height: auto; }
    TextPieces > .earlier { height: 1; color: $text-muted; text-style: italic; }
    """

    def __init__(self, text: str = "", markdown: bool = True, lazy: bool = False, classes: str = ""):
        super().__init__(classes=classes)
        self.markdown = markdown
        self.pieces = cut_pieces(text) if text else [""]
        self.hidden = max(0, len(self.pieces) - LAZY_PIECES) if lazy else 0  # leading pieces not drawn yet
        self.dirty = False  # the last piece changed since it was drawn

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    def renderable(self, piece: str):
        if self.markdown:
            return RichMarkdown(piece, code_theme="ansi_dark", hyperlinks=False)
        return Text(piece)

    def compose(self) -> ComposeResult:
        if self.hidden:
            yield Static(self.earlier_text(), classes="earlier")
        for piece in self.pieces[self.hidden :]:
            yield Static(self.renderable(piece), classes="piece")

    def earlier_text(self) -> Text:
        chars = sum(len(p) for p in self.pieces[: self.hidden])
        return Text(t("chat.log.earlier_text", self.app.lang, n=f"{chars // 1000 or 1:,}"))

    async def reveal(self) -> bool:
        """Draw the hidden pieces just before the ones shown, a batch at a time (merged by four, so
        reading back up a long answer adds few widgets). False if nothing was hidden."""
        if not self.hidden:
            return False
        begin = max(0, self.hidden - REVEAL_PIECES)
        batch = self.pieces[begin : self.hidden]
        merged = ["".join(batch[i : i + 4]) for i in range(0, len(batch), 4)]
        self.pieces[begin : self.hidden] = merged
        self.hidden = begin
        shown = self.query(".piece")
        first = shown.first() if shown else None
        widgets = [Static(self.renderable(piece), classes="piece") for piece in merged]
        if first is not None:
            await self.mount_all(widgets, before=first)
        else:
            await self.mount_all(widgets)
        if self.hidden:
            self.query_one(".earlier", Static).update(self.earlier_text())
        else:
            await self.query(".earlier").remove()
        return True

    async def append(self, more: str) -> None:
        """Add text; the last piece is redrawn, and settles into its own widget once it is long enough."""
        if not more:
            return
        self.pieces[-1] += more
        self.dirty = True
        last = self.pieces[-1]
        if len(last) > PIECE_CHARS:
            cut = safe_cut(last, 0, PIECE_CHARS)
            if cut is not None:
                self.pieces[-1:] = [last[:cut], last[cut:]]
                widgets = list(self.query(".piece"))
                if widgets:
                    widgets[-1].update(self.renderable(self.pieces[-2]))
                await self.mount(Static(self.renderable(self.pieces[-1]), classes="piece"))
                self.dirty = False
                await self._compact()
                return

    async def _compact(self) -> None:
        """Keep at most MAX_PIECE_WIDGETS widgets: merge the two neighbouring settled pieces that are
        smallest together (sizes stay balanced, so each merge redraws little, once)."""
        widgets = list(self.query(".piece"))
        if len(widgets) <= MAX_PIECE_WIDGETS:
            return
        first = self.hidden
        settled = range(first, len(self.pieces) - 2)  # pairs (i, i+1), never the growing last piece
        if not settled:
            return
        i = min(settled, key=lambda k: len(self.pieces[k]) + len(self.pieces[k + 1]))
        self.pieces[i : i + 2] = [self.pieces[i] + self.pieces[i + 1]]
        widgets[i - first].update(self.renderable(self.pieces[i]))
        await widgets[i - first + 1].remove()

    def draw(self) -> None:
        """Redraw the last piece if text arrived since the last draw."""
        if not self.dirty or not self.is_mounted:
            return
        self.dirty = False
        widgets = list(self.query(".piece"))
        if widgets:
            widgets[-1].update(self.renderable(self.pieces[-1]))

    def on_click(self, event: events.Click) -> None:
        if self.hidden and event.widget is not None and event.widget.has_class("earlier"):
            self.run_worker(self.reveal(), exclusive=False)


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
        self.lazy = record is not None

    def compose(self) -> ComposeResult:
        yield Static(self.role_text(), classes="msg-role")
        thinking = Collapsible(
            TextPieces(self.thinking, markdown=False, lazy=self.lazy, classes="thinking-text"),
            title=t("chat.thinking", self.lang),
            collapsed=True,
            classes="thinking",
        )
        thinking.display = bool(self.thinking) and self.show_thinking
        yield thinking
        yield TextPieces(self.content, markdown=True, lazy=self.lazy, classes="msg-body")
        yield Static(self.meta_text(), classes="msg-meta")

    @property
    def body(self) -> TextPieces:
        return self.query_one(".msg-body", TextPieces)

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
        if not self.content.strip():
            return Text(t("chat.empty_answer", lang), style="yellow")
        return Text(format_stats(self.stats, lang), style="dim")

    def refresh_meta(self) -> None:
        if self.is_mounted:
            self.query_one(".msg-meta", Static).update(self.meta_text())

    def relabel(self, lang: str) -> None:
        self.lang = lang
        if not self.is_mounted:
            return
        self.query_one(".msg-role", Static).update(self.role_text())
        self.query_one(".thinking", Collapsible).title = t("chat.thinking", lang)
        self.refresh_meta()

    def set_thinking_visible(self, visible: bool) -> None:
        self.show_thinking = visible
        if self.is_mounted:
            self.query_one(".thinking", Collapsible).display = bool(self.thinking) and visible

    async def add(self, content: str, thinking: str) -> None:
        """Text arrived: kept at once, drawn by `draw` (the log calls it at most ~10 times a second)."""
        if thinking:
            self.thinking += thinking
            box = self.query_one(".thinking", Collapsible)
            box.display = self.show_thinking
            if not self.content:
                box.collapsed = False  # thoughts unfold while they arrive...
            await self.query_one(".thinking-text", TextPieces).append(thinking)
        if content:
            if not self.content and self.thinking:
                self.query_one(".thinking", Collapsible).collapsed = True  # ...and fold when the answer starts
            self.content += content
            await self.body.append(content)

    def draw(self) -> None:
        self.query_one(".thinking-text", TextPieces).draw()
        self.body.draw()

    async def close_stream(self) -> None:
        """The answer ended: draw what arrived last, whatever the focus or the timer."""
        if self.is_mounted:
            self.draw()


class ChatLog(VerticalScroll):
    """The scrolling conversation. Owns lazy mounting (older messages wait until scrolled to)."""

    DEFAULT_CSS = """
    ChatLog > #chat-older { height: 1; color: $text-muted; text-style: italic; display: none; }
    ChatLog > #chat-older.shown { display: block; }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.older: list[Widget] = []  # messages of a resumed chat not mounted yet, oldest first
        self.loading_older = False

    def compose(self) -> ComposeResult:
        yield Static("", id="chat-older")
        yield Static("", id="chat-empty")

    def messages(self) -> list[Widget]:
        """Every message in order, mounted or not."""
        return self.older + list(self.query(".msg"))

    async def clear_messages(self) -> None:
        self.older = []
        await self.query(".msg").remove()
        self._show_older_line()

    async def load(self, views: list[Widget]) -> None:
        """A resumed chat: mount its end (about LAZY_CHARS of text), keep the rest for later."""
        size = 0
        split = len(views)
        while split > 0:
            view = views[split - 1]
            size += len(getattr(view, "text", "") or getattr(view, "content", "") or "")
            split -= 1
            if size >= LAZY_CHARS:
                break
        self.older, recent = views[:split], views[split:]
        if recent:
            await self.mount_all(recent)
        self._show_older_line()
        self.scroll_end(animate=False)

    async def add(self, views: list[Widget]) -> None:
        await self.mount_all(views)

    def _show_older_line(self) -> None:
        line = self.query_one("#chat-older", Static)
        line.set_class(bool(self.older), "shown")
        if self.older:
            line.update(Text(t("chat.log.earlier_messages", self.app.lang, n=len(self.older))))

    async def load_older(self) -> bool:
        """Mount the next batch of older messages (or the hidden start of the first answer)."""
        if self.loading_older:
            return False
        self.loading_older = True
        try:
            if self.older:
                batch, self.older = self.older[-OLDER_BATCH:], self.older[:-OLDER_BATCH]
                shown = self.query(".msg")
                before_height = self.virtual_size.height
                if shown:
                    await self.mount_all(batch, before=shown.first())
                else:
                    await self.mount_all(batch)
                for view in batch:
                    if hasattr(view, "relabel"):
                        view.relabel(self.app.lang)
                self._show_older_line()
                self.call_after_refresh(self._keep_place, before_height)
                return True
            for pieces in self.query(TextPieces):
                if pieces.hidden:
                    before_height = self.virtual_size.height
                    await pieces.reveal()
                    self.call_after_refresh(self._keep_place, before_height)
                    return True
            return False
        finally:
            self.loading_older = False

    def _keep_place(self, before_height: int) -> None:
        grown = self.virtual_size.height - before_height
        if grown > 0:
            self.scroll_to(y=self.scroll_y + grown, animate=False)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new <= 0 and old > 0 and (self.older or any(p.hidden for p in self.query(TextPieces))):
            self.run_worker(self.load_older(), exclusive=False)

    def on_click(self, event: events.Click) -> None:
        if event.widget is not None and event.widget.id == "chat-older":
            self.run_worker(self.load_older(), exclusive=False)

    @property
    def at_end(self) -> bool:
        return self.scroll_y >= self.max_scroll_y - 1

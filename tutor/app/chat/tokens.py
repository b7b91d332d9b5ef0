"""The token view: an answer as the tokens the model chose, each shaded by its probability.

F6 in the chat opens it on the last answer (F6 or Esc closes it). ←/→ move the cursor token by
token (Home/End to the ends), PageUp/PageDown go to the previous or next answer; the panel below
lists the cursor token's alternatives with their probabilities. The numbers come from the store
(tutor.chat.history: saved with each answer), so the view works the same after a restart.

Every tier reads without colour: likely tokens are plain, doubtful ones underlined, unlikely ones
in reverse video; colour only shades within that (16-colour names, nothing finer).
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tutor.chat.history import MessageRecord
from tutor.chat.logprobs import Alternative, TokenLogprob, ollama_has_logprobs, printable
from tutor.i18n import t

BAR_WIDTH = 24
# (lowest probability of the tier, style): the attribute carries the tier, the colour shades it.
TIERS = (
    (0.9, ""),
    (0.5, "green"),
    (0.25, "underline yellow"),
    (0.1, "underline magenta"),
    (0.0, "reverse red"),
)
CURSOR_STYLE = "bold"


def tier_style(prob: float) -> str:
    for floor, style in TIERS:
        if prob >= floor:
            return style
    return TIERS[-1][1]


def shaded_tokens(tokens: list[TokenLogprob], cursor: int | None = None) -> Text:
    """The answer rebuilt from its tokens, each styled by its tier; the cursor token in ⟦ ⟧."""
    text = Text()
    for index, token in enumerate(tokens):
        # keep the answer's lines: ↵ marks each line break, which still breaks the line
        shown = "↵\n".join(printable(part) for part in token.token.split("\n"))
        style = tier_style(token.prob)
        if index == cursor:
            text.append("⟦", style=CURSOR_STYLE)
            text.append(shown or "∅", style=f"{style} {CURSOR_STYLE}".strip())
            text.append("⟧", style=CURSOR_STYLE)
        else:
            text.append(shown, style=style)
    return text


def alternatives_table(token: TokenLogprob, lang: str) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, max_width=18)
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(no_wrap=True)
    rows = list(token.top)
    if not any(a.token == token.token for a in rows):  # a sampled token outside the top few
        rows.append(Alternative(token.token, token.logprob))
    top = max((a.prob for a in rows), default=1.0) or 1.0
    for alt in rows:
        chosen = alt.token == token.token
        length = max(1, round(BAR_WIDTH * alt.prob / top))
        table.add_row(
            Text(f"«{printable(alt.token)}»", style="bold" if chosen else ""),
            Text("█" * length, style="cyan"),
            f"{alt.prob:6.1%}",
            Text(t("chat.tokens.chosen", lang) if chosen else "", style="bold"),
        )
    return table


def missing_note(backend_kind: str, version: str, lang: str = "en") -> str:
    """Why an answer has no probabilities, in the learner's words (a note, never an error)."""
    if backend_kind == "openai":
        return t("chat.logprobs.none_openai", lang)
    if ollama_has_logprobs(version) is False:
        return t("chat.logprobs.old_ollama", lang, needed="0.12.11", version=version)
    return t("chat.logprobs.not_saved", lang)


class TokenView(ModalScreen[None]):
    """The chat's answers token by token, with each token's probability and alternatives."""

    # priority: the scrolling text would take the arrows, Home/End and PgUp/PgDn for itself
    BINDINGS = [
        Binding("escape,f6", "close", show=False, priority=True),
        Binding("left", "move(-1)", show=False, priority=True),
        Binding("right", "move(1)", show=False, priority=True),
        Binding("up", "move(-10)", show=False, priority=True),
        Binding("down", "move(10)", show=False, priority=True),
        Binding("home", "jump(0)", show=False, priority=True),
        Binding("end", "jump(-1)", show=False, priority=True),
        Binding("pageup", "answer(-1)", show=False, priority=True),
        Binding("pagedown", "answer(1)", show=False, priority=True),
    ]

    DEFAULT_CSS = """
    TokenView { background: $background; }
    TokenView #tokens-head { height: auto; padding: 0 1; }
    TokenView #tokens-scroll { height: 1fr; padding: 0 1; }
    TokenView #tokens-alts { height: auto; max-height: 9; padding: 0 1; border-top: solid $accent; }
    TokenView #tokens-help { height: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, answers: list[MessageRecord], backend_kind: str = "ollama", version: str = ""):
        super().__init__()
        self.answers = answers
        self.index = len(answers) - 1
        self.cursor = 0
        self.backend_kind = backend_kind
        self.version = version

    @property
    def lang(self) -> str:
        return self.app.lang

    @property
    def tokens(self) -> list[TokenLogprob]:
        return self.answers[self.index].logprobs if 0 <= self.index < len(self.answers) else []

    def compose(self) -> ComposeResult:
        yield Static("", id="tokens-head")
        with VerticalScroll(id="tokens-scroll"):
            yield Static("", id="tokens-text")
        yield Static("", id="tokens-alts")
        yield Static("", id="tokens-help")

    def on_mount(self) -> None:
        self.cursor = 0
        self.redraw()

    def redraw(self) -> None:
        lang = self.lang
        tokens = self.tokens
        head = self.query_one("#tokens-head", Static)
        body = self.query_one("#tokens-text", Static)
        alts = self.query_one("#tokens-alts", Static)
        self.query_one("#tokens-help", Static).update(Text(t("chat.tokens.help", lang)))
        if not self.answers:
            head.update(Text(t("chat.tokens.title", lang), style="bold"))
            body.update(Text(t("chat.tokens.no_answers", lang)))
            alts.update("")
            return
        title = t("chat.tokens.answer", lang, n=self.index + 1, total=len(self.answers))
        if not tokens:
            head.update(Text(title, style="bold"))
            body.update(Text(self.answers[self.index].content))
            alts.update(Text(missing_note(self.backend_kind, self.version, lang), style="yellow"))
            return
        self.cursor = max(0, min(self.cursor, len(tokens) - 1))
        token = tokens[self.cursor]
        head.update(
            Text.assemble(
                (title, "bold"),
                " · ",
                t("chat.tokens.legend", lang),
            )
        )
        body.update(shaded_tokens(tokens, self.cursor))
        self.call_after_refresh(self.keep_cursor_visible)
        summary = Text(
            t("chat.tokens.cursor", lang, i=self.cursor + 1, n=len(tokens), token=printable(token.token), p=f"{token.prob:.1%}")
        )
        alts.update(Group(summary, alternatives_table(token, lang)))

    def keep_cursor_visible(self) -> None:
        """Scroll a long answer so the cursor token's line stays in view."""
        scroll = self.query_one("#tokens-scroll", VerticalScroll)
        width = max(10, self.query_one("#tokens-text", Static).content_region.width)
        before = shaded_tokens(self.tokens[: self.cursor + 1])
        line = len(before.wrap(self.app.console, width)) - 1
        if line < scroll.scroll_y or line >= scroll.scroll_y + scroll.scrollable_content_region.height:
            scroll.scroll_to(y=max(0, line - 1), animate=False)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_move(self, step: int) -> None:
        if self.tokens:
            self.cursor = max(0, min(len(self.tokens) - 1, self.cursor + step))
            self.redraw()

    def action_jump(self, where: int) -> None:
        if self.tokens:
            self.cursor = 0 if where == 0 else len(self.tokens) - 1
            self.redraw()

    def action_answer(self, step: int) -> None:
        if self.answers:
            self.index = max(0, min(len(self.answers) - 1, self.index + step))
            self.cursor = 0
            self.redraw()

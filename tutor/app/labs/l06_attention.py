"""Lesson 6 lab: where the mini GPT looks. Its attention weights for a sentence, per layer and head.

The heatmap is `GPT.inspect()` of the shipped mini GPT (`tutor.engine.pretrained`): one row per
query token, one column per key token, the causal mask (keys after the query) drawn as dots.
Picking a token lists its row: the weight it gives each earlier token. The engine's Inspection
carries the weights after softmax; when it also carries the scores before softmax (an
Inspection `scores` field, same shape, masked entries -inf or None) they are listed too. The
worked example (`tutor.engine.attention_demo`, key x) shows every step for a 4-token sentence:
q·k, divided by sqrt(d_k), masked, softmax. The lab draws; it computes no attention number itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Static

from tutor.app.labs.base import FittedStatic, Lab
from tutor.app.labs.models import MODEL_KEYS, ModelSwitch
from tutor.engine import attention_demo

LABEL_WIDTH = 9  # row label: position (2) + space + token text (6)
CELL = 2  # each heatmap cell is two characters wide
LOW, HIGH = (28, 30, 48), (255, 196, 0)  # cell colour for weight 0 and weight 1
MASKED = "··"
# Shading glyphs carry the weight as well as the colour does (16 colours, NO_COLOR): ≈0 … 1.
SHADES = (" ", "░", "▒", "▓", "█")
MAX_CHARS = 300


def token_label(text: str) -> str:
    """How a token shows on one line: a leading space as ·, a newline as ↵."""
    return text.replace("\n", "↵").replace("\t", "→").replace(" ", "·")


def shade_level(weight: float) -> float:
    # Square-root scale: attention spreads thin over long rows, and small weights stay visible.
    return math.sqrt(min(1.0, max(0.0, weight)))


def cell_style(weight: float) -> Style:
    t = shade_level(weight)
    r, g, b = (round(lo + (hi - lo) * t) for lo, hi in zip(LOW, HIGH))
    return Style(color=f"rgb({r},{g},{b})")


def cell_glyph(weight: float) -> str:
    """A heatmap cell: a shading character repeated, darker to lighter by weight (never colour alone)."""
    t = shade_level(weight)
    return SHADES[min(len(SHADES) - 1, round(t * (len(SHADES) - 1)))] * CELL


def is_masked(value) -> bool:
    return value is None or (isinstance(value, float) and math.isinf(value) and value < 0)


@dataclass
class AttentionView:
    """What the engine returned for one sentence (or the worked example), ready to draw."""

    kind: str  # "model" | "example"
    text: str
    labels: list[str]  # each token as text
    weights: list  # [layer][head][query][key], after softmax
    columns: list[tuple[str, list]]  # (string key of the header, [layer][head][query][key]) listed per key
    n_layer: int
    n_head: int
    d_k: int | None = None
    has_scores: bool = False


def inspect_sentence(text: str, model_name: str = "course") -> AttentionView:
    """A model's attention for `text`: the shipped mini GPT by default, or any registry model
    (GPT-2: 12 layers x 12 heads). Runs in a worker: loads torch the first time."""
    from tutor.engine.registry import load_model

    model, tokenizer = load_model(model_name)
    ids = tokenizer.encode(text)
    if not ids:
        return AttentionView("model", text, [], [], [], model.config.n_layer, model.config.n_head)
    inspection = model.inspect(ids)
    labels = [tokenizer.token_text(i) for i in inspection.tokens]
    scores = getattr(inspection, "scores", None)
    columns = [("col.score", scores)] if scores is not None else []
    columns.append(("col.weight", inspection.attention))
    return AttentionView(
        "model", text, labels, inspection.attention, columns, model.config.n_layer, model.config.n_head,
        d_k=model.config.n_embd // model.config.n_head, has_scores=scores is not None,
    )


def worked_example() -> AttentionView:
    """attention_demo's hand-made 4-token example: one layer, one head, every step kept."""
    result = attention_demo.example()

    def wrap(matrix):  # one layer of one head
        return [[matrix]]

    columns = [
        ("col.qk", wrap(result.raw_scores)),
        ("col.scaled", wrap(result.masked_scores)),
        ("col.weight", wrap(result.weights)),
    ]
    return AttentionView(
        "example", " ".join(result.tokens), list(result.tokens), wrap(result.weights), columns, 1, 1,
        d_k=result.d_k, has_scores=True,
    )


class Heatmap(FittedStatic, can_focus=True):
    """The attention matrix (focusable, so the lab's keys work while the sentence is not edited)."""


class AttentionLab(ModelSwitch, Lab):
    LESSON_ID = "m1-l06-gpt2-attention"
    KEYS = [  # `y` first: after another label, "y Capa" would read "… and Layer" in Spanish
        ("y", "layer", "key.layer"),
        ("h", "head", "key.head"),
        ("up", "token(-1)", "key.token"),
        ("down", "token(1)", ""),
        ("x", "example", "key.example"),
        ("t", "type", "key.type"),
        *MODEL_KEYS,
    ]

    DEFAULT_CSS = """
    AttentionLab #att-status { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    AttentionLab #att-body { height: 1fr; }
    AttentionLab #att-map { width: 43; height: 100%; }
    AttentionLab #att-detail { width: 1fr; height: 100%; padding-left: 1; text-wrap: nowrap; }
    AttentionLab #att-input-row { height: 1; }
    AttentionLab #att-prompt { width: auto; padding-right: 1; }
    AttentionLab.narrow #att-status { height: auto; text-wrap: wrap; }
    AttentionLab.narrow #att-body { layout: vertical; height: auto; }
    AttentionLab.narrow #att-map { width: 100%; height: 9; }
    AttentionLab.narrow #att-detail { width: 100%; height: 9; padding-left: 0; }
    AttentionLab #att-input { width: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.view: AttentionView | None = None  # the mini GPT's, for the sentence typed
        self.example_view: AttentionView | None = None
        self.showing_example = False
        self.layer_i = 0
        self.head_i = 0
        self.picked = 0
        self.error: str | None = None
        self.requested: str | None = None
        self._last_count: int | None = None  # tokens of the last non-empty sentence drawn
        self._saved = (0, 0, 0)  # layer, head and token of the mini GPT while the example shows

    def compose(self) -> ComposeResult:
        yield self.title_widget()
        yield Static(id="att-status")
        with Horizontal(id="att-body"):
            yield Heatmap(id="att-map")
            yield FittedStatic(id="att-detail")
        with Horizontal(id="att-input-row"):
            yield Static(self.s("prompt"), id="att-prompt")
            yield Input(self.s("sentence"), placeholder=self.s("placeholder"), id="att-input", compact=True, max_length=MAX_CHARS)

    def on_mount(self) -> None:
        super().on_mount()
        self.compute(self.query_one("#att-input", Input).value)

    # -- the engine -----------------------------------------------------------------------------

    def compute(self, text: str) -> None:
        if text == self.requested:
            return
        self.requested = text
        model = self.model_name
        self.run_engine(lambda: inspect_sentence(text, model), self.got_view, group="inspect", failed=self.failed)

    def model_changed(self) -> None:
        self.requested = None  # same sentence, another model: ask again
        self.compute(self.query_one("#att-input", Input).value)

    def got_view(self, view: AttentionView) -> None:
        if view.text != self.requested:
            return
        first = self._last_count is None
        previous = self._last_count or 0
        self.view, self.error = view, None
        self.layer_i = min(self.layer_i, view.n_layer - 1)
        self.head_i = min(self.head_i, view.n_head - 1)
        if view.labels:  # an emptied field keeps the chosen token for the next sentence
            if first or self.picked >= len(view.labels) or self.picked == previous - 1:
                self.picked = len(view.labels) - 1  # the last token sees the whole sentence
            self._last_count = len(view.labels)
        self.refresh_lab()
        if first:  # the chosen (last) row is the map's bottom row: at 60x18 it opens below the fold
            self.reveal(self.query_one("#att-map", Static))

    def failed(self, exc: BaseException) -> None:
        self.error = f"{type(exc).__name__}: {exc}"
        self.refresh_lab()

    @on(Input.Changed, "#att-input")
    def sentence_changed(self, event: Input.Changed) -> None:
        self.showing_example = False
        self.compute(event.value)

    @on(Input.Submitted, "#att-input")
    def sentence_submitted(self) -> None:
        self.query_one(Heatmap).focus()

    # -- keys -----------------------------------------------------------------------------------

    @property
    def current(self) -> AttentionView | None:
        return self.example_view if self.showing_example else self.view

    def action_token(self, delta: int) -> None:
        view = self.current
        if view and view.labels:
            self.picked = (self.picked + delta) % len(view.labels)
            self.refresh_lab()
            self.reveal(self.query_one("#att-map", Static))

    def action_layer(self) -> None:
        view = self.current
        if view is None:
            return
        if view.n_layer == 1:
            self.notify(self.s("one_head"))
            return
        self.layer_i = (self.layer_i + 1) % view.n_layer
        self.refresh_lab()

    def action_head(self) -> None:
        view = self.current
        if view is None:
            return
        if view.n_head == 1:
            self.notify(self.s("one_head"))
            return
        self.head_i = (self.head_i + 1) % view.n_head
        self.refresh_lab()

    def action_example(self) -> None:
        self.showing_example = not self.showing_example
        if self.showing_example:
            if self.example_view is None:
                self.example_view = worked_example()  # a handful of numbers, plain Python
            self._saved = (self.layer_i, self.head_i, self.picked)
            self.layer_i = self.head_i = 0
            self.picked = len(self.example_view.labels) - 1
        else:
            self.layer_i, self.head_i, self.picked = self._saved
        self.refresh_lab()

    def action_type(self) -> None:
        if self.showing_example:
            self.action_example()
        self.query_one("#att-input", Input).focus()

    # -- drawing --------------------------------------------------------------------------------

    def apply_language(self) -> None:
        # A sentence the learner has not touched follows the language.
        field = self.query_one("#att-input", Input)
        was_default = field.value in {table.get("sentence") for table in self._catalogue().values()}
        super().apply_language()
        self.query_one("#att-prompt", Static).update(self.s("prompt"))
        field.placeholder = self.s("placeholder")
        if was_default and field.value != self.s("sentence"):
            field.value = self.s("sentence")  # Input.Changed recomputes

    def _catalogue(self) -> dict:
        from tutor.app.labs.base import lab_strings

        return lab_strings(self.LESSON_ID)

    def refresh_lab(self) -> None:
        self.query_one(".lab-title", Static).update(self.model_title())
        self.query_one("#att-status", Static).update(self.status_text())
        self.query_one("#att-map", Static).update(self.heatmap())
        self.query_one("#att-detail", Static).update(self.detail())

    def status_text(self) -> Text:
        view = self.current
        if view is None or not view.labels:
            return Text("")
        text = Text()
        if view.kind == "example":
            text.append(self.s("example_status", tokens=len(view.labels), d_k=view.d_k), style="bold")
        else:
            text.append(
                self.s("status", layer=self.layer_i + 1, layers=view.n_layer, head=self.head_i + 1, heads=view.n_head),
                style="bold",
            )
            text.append("  " + self.s("tokens", tokens=len(view.labels)))
        text.append("   ")
        text.append("0 ", style="dim")
        for level in range(1, len(SHADES)):
            weight = (level / (len(SHADES) - 1)) ** 2
            text.append(SHADES[level], style=cell_style(weight))
        text.append(" 1 ", style="dim")
        text.append(MASKED, style="grey50")
        text.append(" " + self.s("masked"), style="dim")
        return text

    def heatmap(self) -> Text:
        view = self.current
        if self.error and not self.showing_example:
            return Text(self.s("unavailable", error=self.error), style="red")
        if view is None:
            return Text(self.s("loading"), style="italic")
        if not view.labels:
            return Text(self.s("empty"), style="dim")
        size = self.query_one("#att-map", Static).content_size
        rows = (size.height if size.height > 1 else 9) - 1
        cols = max(1, ((size.width if size.width > 12 else 43) - LABEL_WIDTH - 1) // CELL)
        n = len(view.labels)
        matrix = view.weights[self.layer_i][self.head_i]
        # A window of query rows around the chosen token, and the keys up to the last row shown.
        top = min(max(0, self.picked - rows // 2), max(0, n - rows))
        bottom = min(n, top + rows)
        right = bottom
        left = max(0, right - cols)
        lines = Text(" " * (LABEL_WIDTH + 1))
        for k in range(left, right):
            lines.append(f"{k % 10:>{CELL}}", style="bold" if k == self.picked else "dim")
        for q in range(top, bottom):
            lines.append("\n")
            label = f"{q:>2} {token_label(view.labels[q])[:LABEL_WIDTH - 3]:<{LABEL_WIDTH - 3}}"
            lines.append(label, style="reverse bold" if q == self.picked else "")
            lines.append("▶" if q == self.picked else " ", style="bold")
            for k in range(left, right):
                if k > q:
                    lines.append(MASKED, style="grey50")
                else:
                    lines.append(cell_glyph(matrix[q][k]), style=cell_style(matrix[q][k]))
        if view.kind == "example":
            lines.append("\n\n" + self.s("example_note"), style="dim italic")
        return lines

    def detail(self) -> Text:
        view = self.current
        if view is None or not view.labels:
            return Text(self.s("about") if view is None else "", style="dim")
        size = self.query_one("#att-detail", Static).content_size
        height = size.height if size.height > 2 else 9
        width = size.width if size.width > 20 else 33
        q = self.picked
        text = Text()
        text.append(self.s("looks_at", token=token_label(view.labels[q]), pos=q), style="bold")
        headers = [self.s(key) for key, _ in view.columns]
        col_w = 7
        text.append("\n" + f"{self.s('col.key'):<8}" + "".join(f"{h:>{col_w}}" for h in headers), style="dim")
        bar_room = max(0, width - 8 - col_w * len(headers) - 1)
        # Which keys to list: all of them when they fit (masked ones too in the worked example),
        # else the ones with the largest weights.
        keys = list(range(len(view.labels))) if view.kind == "example" else list(range(q + 1))
        weights = view.weights[self.layer_i][self.head_i][q]
        note_lines = 0 if view.has_scores else 1
        room = height - 2 - note_lines
        truncated = len(keys) > room
        if truncated:
            room -= 1
            keys = sorted(keys, key=lambda k: weights[k], reverse=True)[:room]
        for k in keys:
            masked = k > q
            text.append("\n" + f"{token_label(view.labels[k])[:7]:<8}", style="dim" if masked else "")
            for _key, matrix in view.columns:
                value = matrix[self.layer_i][self.head_i][q][k]
                cell = "−∞" if is_masked(value) else f"{value:.3f}"
                text.append(f"{cell:>{col_w}}", style="dim" if masked else "")
            if bar_room and not masked:
                text.append(" " + "█" * round(weights[k] * bar_room), style="yellow")
        if truncated:
            text.append("\n" + self.s("top", shown=len(keys), total=q + 1), style="dim")
        if not view.has_scores:
            text.append("\n" + self.s("no_scores"), style="dim italic")
        return text

    def on_resize(self) -> None:
        if self.is_mounted:
            self.refresh_lab()

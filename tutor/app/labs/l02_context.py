"""Lesson 2 lab: how many tokens a text really costs, how much of a window it fills, and the
path text -> tokens -> embeddings -> logits -> text with the mini GPT's actual shapes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Static

from tutor.app.labs.base import Lab

ENCODINGS = ("gpt2", "cl100k_base", "course")
WINDOWS = (512, 2048, 8192)


@dataclass(frozen=True)
class ContextView:
    words: int
    estimate: int  # words x 1.3
    counts: dict[str, int]  # encoding -> real token count
    shapes: list[tuple[str, tuple[int, ...]]]  # the mini GPT's forward pass for this text
    next_token: str


def measure(text: str) -> ContextView:
    """(runs in a worker) Count with every tokenizer and trace the text through the mini GPT."""
    from tutor.engine.model import forward_shapes
    from tutor.engine.pretrained import load_pretrained
    from tutor.engine.sampling import next_token_distribution
    from tutor.engine.tokenizers import estimate_tokens_from_words, get_tokenizer

    counts = {name: get_tokenizer(name).count(text) for name in ENCODINGS}
    model, tokenizer = load_pretrained()
    n = max(1, min(counts["course"], model.config.block_size))
    shapes = forward_shapes(model.config, 1, n)
    top = next_token_distribution(model, tokenizer, text, top_n=1)
    return ContextView(
        words=len(text.split()),
        estimate=estimate_tokens_from_words(text),
        counts=counts,
        shapes=shapes,
        next_token=top[0].token_text if top else "",
    )


class ContextLab(Lab):
    LESSON_ID = "m1-l02-context-to-deployment"

    DEFAULT_CSS = """
    ContextLab #ctx-text { margin-bottom: 1; }
    ContextLab #ctx-counts { width: 1fr; }
    ContextLab #ctx-path { width: 30; padding-left: 1; }
    ContextLab.narrow #ctx-row { layout: vertical; }
    ContextLab.narrow #ctx-counts { width: 100%; }
    ContextLab.narrow #ctx-path { width: 100%; padding-left: 0; margin-top: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.view: ContextView | None = None

    def compose(self) -> ComposeResult:
        yield self.title_widget()
        yield Input(id="ctx-text", compact=True)
        with Horizontal(id="ctx-row"):
            yield Static("", id="ctx-counts")
            yield Static("", id="ctx-path")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#ctx-text", Input).value = self.s("example")
        self.query_one("#ctx-counts", Static).update(Text(self.s("loading"), style="dim"))

    @on(Input.Changed, "#ctx-text")
    def _changed(self, event: Input.Changed) -> None:
        text = event.value
        self.run_engine(lambda: measure(text), self._measured, group="measure")

    def _measured(self, view: ContextView) -> None:
        self.view = view
        self.refresh_lab()

    def refresh_lab(self) -> None:
        self.query_one(".lab-title", Static).update(self.s("title"))
        view = self.view
        if view is None:
            return
        counts = Table(box=None, padding=(0, 0, 0, 1), show_edge=False)
        counts.add_column(self.s("col_encoding"), no_wrap=True)
        counts.add_column(self.s("col_tokens"), justify="right")
        for window in WINDOWS:
            counts.add_column(f"/{window:,}", justify="right")
        rows = [(self.s("estimate"), view.estimate)] + [(self.encoding_name(name), view.counts[name]) for name in ENCODINGS]
        for label, count in rows:
            cells = [f"{count / window:.1%}" for window in WINDOWS]
            counts.add_row(label, f"{count:,}", *cells)
        windows = " / ".join(f"{window:,}" for window in WINDOWS)
        caption = Text(self.s("words", words=view.words, windows=windows), style="dim")

        self.query_one("#ctx-counts", Static).update(Group(counts, caption))
        # The engine lists every stage; the lab shows the four the lesson names.
        ids, embedded, logits = view.shapes[0][1], view.shapes[1][1], view.shapes[-1][1]
        path = Text()
        path.append(self.s("path_heading") + "\n", style="bold")
        path.append(f"{self.s('stage_text')}\n")
        path.append(f" ↓ {self.s('stage_tokens')} {shape_text(ids)}\n")
        path.append(f" ↓ {self.s('stage_embeddings')} {shape_text(embedded)}\n")
        path.append(f" ↓ {self.s('stage_logits')} {shape_text(logits)}\n")
        path.append(f" ↓ {self.s('stage_next')} «{repr(view.next_token)[1:-1]}»\n")  # a newline token shows as \n
        self.query_one("#ctx-path", Static).update(path)

    def encoding_name(self, name: str) -> str:
        """gpt2 and cl100k_base are names; the course's own tokenizer is named in the learner's language."""
        return self.s("enc." + name) if name == "course" else name


def shape_text(shape: tuple[int, ...]) -> str:
    """A tensor shape as Python prints it: (1, 27, 3072). A thousands separator would read as one
    more dimension: (1, 27, 3,072)."""
    return "(" + ", ".join(str(n) for n in shape) + ")"


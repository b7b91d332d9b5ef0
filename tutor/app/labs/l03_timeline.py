"""Lesson 3 lab: the history of AI as a timeline to scroll, and the GPT sizes on a log scale."""

from __future__ import annotations

import math

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from tutor.app.labs.base import Lab
from tutor.engine import timeline

TAG_STYLE = {"idea": "cyan", "neural": "green", "winter": "blue", "ml": "yellow", "llm": "magenta"}
BAR_WIDTH = 16
# The bars span 10^5 (below the mini GPT) to 10^12 parameters: one decade every few cells.
LOG_LO, LOG_HI = 5.0, 12.0


def bar_length(params: float, width: int = BAR_WIDTH) -> int:
    fraction = (math.log10(params) - LOG_LO) / (LOG_HI - LOG_LO)
    return max(1, round(min(1.0, max(0.0, fraction)) * width))


class TimelineLab(Lab):
    LESSON_ID = "m1-l03-history"
    KEYS = [("t", "next_tag", "key.filter")]

    DEFAULT_CSS = """
    TimelineLab #timeline-scroll { width: 1fr; }
    /* the timeline scrolls by itself beside its bars: its row keeps the page's height */
    TimelineLab.narrow > Horizontal { height: 1fr !important; }
    TimelineLab #timeline-bars { width: 36; padding-left: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str | None] = [None, *timeline.TAGS]
        self.tag_index = 0
        self.mini_params: int | None = None

    def compose(self) -> ComposeResult:
        yield self.title_widget()
        with Horizontal():
            with VerticalScroll(id="timeline-scroll"):
                yield Static(id="timeline-events")
            yield Static(id="timeline-bars")

    def on_mount(self) -> None:
        super().on_mount()
        # The mini GPT's size comes from the engine, which needs torch: count it off the UI thread.
        self.run_engine(mini_gpt_parameters, self._got_mini_params, group="mini-params")

    def _got_mini_params(self, params: int) -> None:
        self.mini_params = params
        self.refresh_lab()

    def refresh_lab(self) -> None:
        lang = self.lang
        tag = self.tags[self.tag_index]
        shown = self.s("all") if tag is None else timeline.TAGS[tag][0 if lang == "es" else 1]
        # The filter in use sits on the title line (the scroll area has no border to carry it).
        title = Text(self.s("title"))
        title.append("  " + self.s("filter", tag=shown), style=f"not bold {TAG_STYLE.get(tag, 'dim')}")
        self.query_one(".lab-title", Static).update(title)
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", no_wrap=True)
        table.add_column(overflow="fold")  # a word longer than the narrow column folds, never ends in "…"
        for event in timeline.events(tag=tag):
            table.add_row(Text(event.label, style=TAG_STYLE.get(event.tag, "")), event.text(lang))
        self.query_one("#timeline-events", Static).update(table)
        self.query_one("#timeline-bars", Static).update(self.size_bars())

    def size_bars(self) -> Text:
        lang = self.lang
        bars = Text()
        bars.append(self.s("bars_heading") + "\n", style="bold")
        for bar in timeline.gpt_log_bars(lang=lang):
            bars.append(f"{bar.name:<7} ")
            if bar.params is None:
                bars.append(self.s("unknown") + "\n", style="dim")
            else:
                bars.append("█" * bar_length(bar.params), style="magenta")
                bars.append(f" {bar.label}\n")
        bars.append(f"{'mini':<7} ")
        if self.mini_params is None:
            bars.append(self.s("counting") + "\n", style="dim")
        else:
            bars.append("█" * bar_length(self.mini_params), style="green")
            bars.append(f" {self.mini_params:,}\n")
        step = (LOG_HI - LOG_LO) / BAR_WIDTH
        bars.append(self.s("scale_note", step=step, lo=LOG_LO, hi=LOG_HI), style="dim")
        return bars

    def action_next_tag(self) -> None:
        self.tag_index = (self.tag_index + 1) % len(self.tags)
        self.refresh_lab()


def mini_gpt_parameters() -> int:
    from tutor.engine.pretrained import load_pretrained

    model, _tokenizer = load_pretrained()
    return model.num_params()

"""Lesson 1 lab: the mini GPT's next-token distribution, and text that grows token by token.

Type a prompt; the bars are the model's probabilities for the next token at this moment: the
shipped mini GPT by default, GPT-2 after `m` (the model switch, tutor/app/labs/models.py). Enter takes the most likely token (greedy); with the bars focused (Tab), `s` samples
one at the chosen temperature, `u` undoes the last token, `+`/`-` change the temperature.
"""

from __future__ import annotations

import random

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from tutor.app.labs.base import Lab
from tutor.app.labs.models import MODEL_KEYS, ModelSwitch

TOP_N = 8
BAR_WIDTH = 30


def next_token_view(text: str, temperature: float, model_name: str = "course") -> list:
    """(runs in a worker) The model's top candidates for the token after `text`."""
    from tutor.engine.registry import load_model
    from tutor.engine.sampling import next_token_distribution

    model, tokenizer = load_model(model_name)
    return next_token_distribution(model, tokenizer, text, top_n=TOP_N, temperature=temperature)


def sample_token(text: str, temperature: float, seed: int, model_name: str = "course"):
    """(runs in a worker) Draw one token from the full filtered distribution -> TokenProb."""
    from tutor.engine.registry import load_model
    from tutor.engine.sampling import generate

    model, tokenizer = load_model(model_name)
    steps = generate(model, tokenizer, text, 1, temperature=temperature, seed=seed, stream=True, top_n=1)
    step = next(iter(steps))
    return step.token_id, step.text, step.prob


class NextTokenLab(ModelSwitch, Lab):
    LESSON_ID = "m1-l01-inside-llms"
    KEYS = [
        ("t", "take_top", "key.take"),
        ("s", "sample", "key.sample"),
        ("u", "undo", "key.undo"),
        ("plus,equals_sign", "temperature(0.1)", "key.hotter"),
        ("minus", "temperature(-0.1)", "key.colder"),
        # The screen's key map replaces Textual's default Tab focus keys: the lab moves focus itself.
        ("tab,shift+tab", "switch_focus", ""),
        *MODEL_KEYS,
    ]

    DEFAULT_CSS = """
    NextTokenLab #nt-prompt { margin: 0 0 1 0; }
    NextTokenLab #nt-bars { height: auto; }
    NextTokenLab #nt-bars:focus { background: $boost; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.temperature = 1.0
        self.candidates: list = []
        self.history: list[str] = []  # the prompt before each added token, for undo
        self.rng = random.Random()
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield self.title_widget()
        yield Input(id="nt-prompt", compact=True)
        yield Static("", id="nt-status", classes="lab-status")
        bars = Static("", id="nt-bars")
        bars.can_focus = True
        yield bars

    def on_mount(self) -> None:
        super().on_mount()
        prompt = self.query_one("#nt-prompt", Input)
        prompt.value = self.s("example")
        self.query_one("#nt-bars", Static).update(Text(self.s("loading"), style="dim"))
        self.recompute()

    @property
    def prompt_text(self) -> str:
        return self.query_one("#nt-prompt", Input).value

    def refresh_lab(self) -> None:
        self.query_one(".lab-title", Static).update(self.model_title())
        self.query_one("#nt-status", Static).update(self.s("hint", temperature=self.temperature))
        if self.candidates:
            self.draw_bars()

    # -- engine calls ----------------------------------------------------------------------------

    @on(Input.Changed, "#nt-prompt")
    def _prompt_changed(self, event: Input.Changed) -> None:
        self.recompute()

    def recompute(self) -> None:
        text, temperature, model = self.prompt_text, self.temperature, self.model_name
        self.run_engine(lambda: next_token_view(text, temperature, model), self._got_candidates, group="next-token")

    def model_changed(self) -> None:
        self.recompute()

    def _got_candidates(self, candidates: list) -> None:
        self.loaded = True
        self.candidates = candidates
        self.draw_bars()

    def draw_bars(self) -> None:
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True, max_width=16)
        table.add_column(no_wrap=True)
        table.add_column(justify="right", no_wrap=True)
        top = self.candidates[0].prob if self.candidates else 1.0
        for candidate in self.candidates:
            label = repr(candidate.token_text)[1:-1]  # shows spaces and newlines as they are
            length = max(1, round(BAR_WIDTH * candidate.prob / top)) if top > 0 else 0
            table.add_row(Text(f"«{label}»"), Text("█" * length, style="cyan"), f"{candidate.prob:6.1%}")
        self.query_one("#nt-bars", Static).update(table)

    # -- actions ---------------------------------------------------------------------------------

    @on(Input.Submitted, "#nt-prompt")
    def _submitted(self, event: Input.Submitted) -> None:
        self.action_take_top()

    def append(self, piece: str) -> None:
        self.history.append(self.prompt_text)
        prompt = self.query_one("#nt-prompt", Input)
        prompt.value = self.prompt_text + piece
        prompt.cursor_position = len(prompt.value)

    def action_take_top(self) -> None:
        if self.candidates:
            self.append(self.candidates[0].token_text)

    def action_sample(self) -> None:
        text, temperature, seed = self.prompt_text, self.temperature, self.rng.randrange(2**31)
        model = self.model_name
        self.run_engine(lambda: sample_token(text, temperature, seed, model), self._sampled, group="sample")

    def _sampled(self, result) -> None:
        _token_id, piece, prob = result
        self.append(piece)
        self.notify(self.s("sampled", token=repr(piece)[1:-1], prob=prob), timeout=3)

    def action_switch_focus(self) -> None:
        """Tab: between the prompt (typing) and the bars (where t, s, u, + and - act)."""
        prompt = self.query_one("#nt-prompt", Input)
        (self.query_one("#nt-bars", Static) if prompt.has_focus else prompt).focus()

    def action_undo(self) -> None:
        if self.history:
            self.query_one("#nt-prompt", Input).value = self.history.pop()

    def action_temperature(self, delta: float) -> None:
        self.temperature = round(min(2.0, max(0.1, self.temperature + delta)), 1)
        self.refresh_lab()
        self.recompute()

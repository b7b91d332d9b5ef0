"""Lesson 1 lab: the mini GPT's next-token distribution, and text that grows token by token.

Type a prompt; the bars are the model's probabilities for the next token at this moment: the
shipped mini GPT by default, GPT-2 after `m` (the model switch, tutor/app/labs/models.py). Enter takes the most likely token (greedy); with the bars focused (Tab), `s` samples
one at the chosen temperature, `u` undoes the last token, `+`/`-` change the temperature.

The third source is the chat's current model (Ollama or an OpenAI-compatible server,
tutor/chat/server_model.py): the bars are then the server's top 20 next tokens, as the model's
own probabilities (before temperature, which acts only when `s` draws one of them here).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from tutor.app.labs.base import Lab
from tutor.app.labs.models import COURSE_AND_GPT2, MODEL_KEYS, ModelSource, ModelSwitch

TOP_N = 8
BAR_WIDTH = 30
SERVER_TOP = 20  # the server's candidates: Ollama sends at most 20
SERVER_BAR_WIDTH = 10  # two columns of bars fit 60 columns; three (narrower bars) fit 80
SERVER_COLUMN_WIDTH = 26
CHAT_MODEL = ModelSource("chat", kind="server")
SERVER_PAUSE_S = 0.2  # typing pause before the server is asked (one request per pause, not per key)


@dataclass(frozen=True)
class ServerCandidate:
    """A server's candidate in the shape the bars draw (like the engine's TokenProb)."""

    token_text: str
    prob: float


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
    MODEL_SOURCES = (*COURSE_AND_GPT2, CHAT_MODEL)
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
        self.server = None  # tutor.chat.server_model.ServerModel, once the chat's model is the source
        self._server_ready = None
        self.server_note = ""  # why the server's numbers are not shown, or what they mean
        self.server_result = None  # the last NextToken from the server
        self._server_timer = None

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

    @property
    def from_server(self) -> bool:
        return self.model_source.kind == "server" and self.server is not None

    def source_label(self, source: ModelSource) -> str:
        if source.kind == "server":
            server = self.server if source is self.model_source else None
            return self.s("label_chat", model=server.model) if server else self.s("label_chat_any")
        return super().source_label(source)

    def refresh_lab(self) -> None:
        self.query_one(".lab-title", Static).update(self.model_title())
        status = self.s("hint", temperature=self.temperature)
        if self.server_note:  # its first line here (the whole note was in the notification)
            status = f"{self.server_note.splitlines()[0]}\n{status}"
        elif self.from_server:  # the footer names the keys: the lines go to the bars
            status = self.server_explanation()
        self.query_one("#nt-status", Static).update(Text(status))
        if self.candidates:
            self.draw_bars()

    def server_explanation(self) -> str:
        result = self.server_result
        if result is None:
            return self.s("server_asking", model=self.server.model)
        if result.ended:
            return self.s("server_ended", model=self.server.model)
        text = self.s("server_meaning", model=self.server.model, covered=result.covered, temperature=self.temperature)
        if result.via_chat:
            text += " " + self.s("server_via_chat")
        return text

    # -- engine calls ----------------------------------------------------------------------------

    @on(Input.Changed, "#nt-prompt")
    def _prompt_changed(self, event: Input.Changed) -> None:
        self.recompute()

    def recompute(self) -> None:
        text, temperature, model = self.prompt_text, self.temperature, self.model_name
        if self.from_server:
            self.recompute_server(text)
            return
        self.run_engine(lambda: next_token_view(text, temperature, model), self._got_candidates, group="next-token")

    def model_changed(self) -> None:
        if self.model_source.kind == "server":
            self.server = self._server_ready
            self.model_title_changed()
        else:
            self.server = None
        self.server_note = ""
        self.server_result = None
        self.candidates = []
        self.refresh_lab()
        self.recompute()

    # -- the chat's model as the source -------------------------------------------------------------

    def load_model_source(self, source: ModelSource):
        if source.kind != "server":
            return super().load_model_source(source)
        from tutor.chat.server_model import connect_chat_model

        self._server_ready = connect_chat_model(self.app.store)  # (a worker) raises ChatError with the note
        return self._server_ready

    def _model_failed(self, source: ModelSource, exc: BaseException) -> None:
        from tutor.chat.backends import ChatError

        if source.kind != "server" or not isinstance(exc, ChatError):
            return super()._model_failed(source, exc)
        # A clear note where the lab's hint is, and the switch stays where it was: never an error.
        self.model_pending = None
        self.skip_past(source)
        self.server_note = exc.text(self.lang)
        self.refresh_lab()
        self.notify(self.server_note, severity="warning", timeout=8)

    def recompute_server(self, text: str) -> None:
        if not text:
            self.server_result = None
            self.candidates = []
            self.query_one("#nt-bars", Static).update(Text(self.s("server_empty"), style="dim"))
            self.refresh_lab()
            return
        # A real server answers one request at a time: wait for a pause in the typing, then ask once.
        if self._server_timer is not None:
            self._server_timer.stop()
        self._server_timer = self.set_timer(SERVER_PAUSE_S, lambda: self._ask_server(text))

    def _ask_server(self, text: str) -> None:
        self._server_timer = None
        server = self.server
        if server is None or text != self.prompt_text:
            return
        self.run_engine(lambda: server.next_token(text, SERVER_TOP), self._got_server, group="next-token",
                        failed=self._server_failed)

    def _got_server(self, result) -> None:
        self.loaded = True
        self.server_note = ""
        self.server_result = result
        self.candidates = [ServerCandidate(c.token, c.prob) for c in result.candidates]
        if not self.candidates:
            self.query_one("#nt-bars", Static).update(Text(self.s("server_ended", model=self.server.model), style="dim"))
        self.refresh_lab()

    def _server_failed(self, exc: BaseException) -> None:
        from tutor.chat.backends import ChatError

        if not isinstance(exc, ChatError):
            return self.show_error(exc)
        self.server_note = exc.text(self.lang)
        self.server_result = None
        self.candidates = []  # never stale bars under a note
        self.query_one("#nt-bars", Static).update(Text(self.server_note, style="yellow"))
        self.refresh_lab()

    def _got_candidates(self, candidates: list) -> None:
        self.loaded = True
        self.candidates = candidates
        self.draw_bars()

    def draw_bars(self) -> None:
        if self.from_server:
            self.draw_server_bars()
            return
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

    def draw_server_bars(self) -> None:
        """The server's 20 candidates in as many columns as fit, ranked across then down, so a short
        screen cuts the least likely ones first."""
        columns = 3 if self.size.width >= 3 * SERVER_COLUMN_WIDTH else 2
        width = SERVER_BAR_WIDTH if columns == 2 else SERVER_BAR_WIDTH - 4
        table = Table.grid(padding=(0, 1))
        for _ in range(columns):
            table.add_column(no_wrap=True, max_width=12)
            table.add_column(no_wrap=True)
            table.add_column(justify="right", no_wrap=True)
        top = self.candidates[0].prob if self.candidates else 1.0
        cells = []
        for candidate in self.candidates:
            label = repr(candidate.token_text)[1:-1]
            length = max(1, round(width * candidate.prob / top)) if top > 0 else 0
            cells += [Text(f"«{label}»"), Text("█" * length, style="cyan"), f"{candidate.prob:6.1%}"]
        per_row = 3 * columns
        for start in range(0, len(cells), per_row):
            row = cells[start : start + per_row]
            table.add_row(*row, *([""] * (per_row - len(row))))
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
        if self.from_server:
            self.sample_server()
            return
        text, temperature, seed = self.prompt_text, self.temperature, self.rng.randrange(2**31)
        model = self.model_name
        self.run_engine(lambda: sample_token(text, temperature, seed, model), self._sampled, group="sample")

    def sample_server(self) -> None:
        """Draw among the server's candidates at the lab's temperature (here, not on the server)."""
        from tutor.chat.server_model import sample

        if self.server_result is None or not self.server_result.candidates:
            return
        chosen = sample(self.server_result.candidates, self.temperature, self.rng)
        self.append(chosen.token)
        self.notify(self.s("sampled", token=repr(chosen.token)[1:-1], prob=chosen.prob), timeout=3)

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
        if not self.from_server:  # the server's numbers do not depend on it: nothing to ask again
            self.recompute()

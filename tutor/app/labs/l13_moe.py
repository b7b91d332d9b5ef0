"""Lesson 13 lab: a sentence's tokens routed through a mini Mixture-of-Experts GPT.

The model is the engine's GPT with `ffn="moe"` (a router + n experts per block), with the course
tokenizer. It starts untrained (the router picks almost at random); `t` trains it briefly on the
course text in a thread worker, and the routing of the sentence is re-measured as it learns. Every
figure on screen comes from the engine: the experts and weights from `GPT.inspect`, the parameter
counts from `parameter_breakdown`, the loss from the Trainer's events.

torch is imported only inside the worker functions below, never when this module is imported.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Static

from tutor.app.labs.base import Lab, error_text, lab_strings

# The mini MoE: 8 experts and top-2 per token, like Mixtral, at toy width so it trains live on a
# laptop CPU. The tokenizer (and so the vocabulary) is the course's own.
MOE_MODEL = dict(block_size=64, n_layer=2, n_head=4, n_embd=64, dropout=0.0, bias=True,
                 ffn="moe", n_experts=8, top_k=2)
# A brief training run on the course text; `t` pauses and resumes it.
TRAIN = dict(max_steps=200, batch_size=8, learning_rate=3e-3, min_lr=3e-4, warmup_steps=20,
             eval_interval=50, eval_iters=4, seed=1337)
ROUTE_EVERY_S = 0.5  # while training, re-route the sentence at most this often
REDRAW_EVERY_S = 0.1  # and redraw the progress at most ~10 times a second

EXPERT_STYLES = ("red", "green", "yellow", "blue", "magenta", "cyan", "bright_red", "bright_green",
                 "bright_yellow", "bright_blue", "bright_magenta", "bright_cyan")
LOAD_BAR = 8  # cells of the fullest expert's bar


@dataclass
class Routing:
    """One forward pass of the sentence: its tokens and, per layer and token, (expert, weight)s."""

    sentence: str
    tokens: list[str]
    experts: list[list[list[tuple[int, float]]]]  # [layer][token] -> top_k (expert, weight)

    def load(self, layer: int, n_experts: int) -> list[int]:
        """How many of the sentence's tokens chose each expert in `layer`."""
        counts = [0] * n_experts
        for pairs in self.experts[layer]:
            for expert, _ in pairs:
                counts[expert] += 1
        return counts


@dataclass
class ParamCounts:
    total: int
    active: int  # per token: everything but the experts a token does not use
    per_expert: int  # one expert of one layer
    router: int  # one layer's router
    n_layer: int
    n_experts: int
    top_k: int

    @property
    def layer_total(self) -> int:
        """One MoE layer: all its experts and its router."""
        return self.n_experts * self.per_expert + self.router

    @property
    def layer_active(self) -> int:
        """What one token runs through in that layer: the router and its top_k experts."""
        return self.top_k * self.per_expert + self.router


@dataclass
class TrainingUpdate:
    event: Any  # tutor.engine.training.TrainEvent
    routing: Routing | None  # re-measured this step, else None


# ----------------------------------------------------------------------------- engine work


class MoEWorkbench:
    """The model, its trainer and tokenizer. Built (and torch imported) in a worker thread."""

    def __init__(self) -> None:
        from tutor.engine.model import GPTConfig
        from tutor.engine.pretrained import course_token_data
        from tutor.engine.tokenizers import get_tokenizer
        from tutor.engine.training import TrainConfig, Trainer

        self.tokenizer = get_tokenizer("course")
        train_ids, val_ids, _ = course_token_data(self.tokenizer)
        self.config = GPTConfig(vocab_size=self.tokenizer.n_vocab, **MOE_MODEL)
        self.trainer = Trainer(self.config, train_ids, val_ids, TrainConfig(**TRAIN), tokenizer=self.tokenizer)
        # One thread at a time touches the model: a paused run finishes its step before a resumed
        # one (or a routing) starts.
        self.lock = threading.RLock()

    @property
    def model(self):
        return self.trainer.model

    def route(self, sentence: str) -> Routing:
        ids = self.tokenizer.encode(sentence)[-self.config.block_size :]
        if not ids:
            return Routing(sentence, [], [[] for _ in range(self.config.n_layer)])
        with self.lock, tiny_threads():
            inspection = self.model.inspect(ids)
        tokens = [self.tokenizer.token_text(i) for i in inspection.tokens]
        return Routing(sentence, tokens, inspection.experts or [])

    def params(self) -> ParamCounts:
        from tutor.engine.model import parameter_breakdown

        c = self.config
        rows = parameter_breakdown(self.model)
        experts = sum(n for name, n, _ in rows if ".experts." in name)
        router = sum(n for name, n, _ in rows if name.endswith(".router"))
        total = self.model.num_params()
        unused = experts * (c.n_experts - c.top_k) // c.n_experts
        return ParamCounts(total, total - unused, experts // (c.n_layer * c.n_experts), router // c.n_layer,
                           c.n_layer, c.n_experts, c.top_k)

    def train(self, cancel, sentence_of) -> Any:
        """Train the rest of the run, yielding TrainingUpdates; re-routes `sentence_of()` now and then."""
        last_route = 0.0
        steps = self.trainer.run(cancel=cancel)
        try:
            while True:
                with self.lock, tiny_threads():  # one step at a time, never across a yield
                    event = next(steps, None)
                    if event is None or event.cancelled:
                        return
                    routing = None
                    now = time.monotonic()
                    if event.done or now - last_route >= ROUTE_EVERY_S:
                        routing = self.route(sentence_of())
                        last_route = now
                yield TrainingUpdate(event, routing)
        finally:
            steps.close()


def tiny_threads():
    """The engine's single-thread block for tiny models (threads cost more than they save)."""
    from tutor.engine.mlp import tiny_torch_threads

    return tiny_torch_threads()


def mixtral_figures() -> dict | None:
    """Mixtral 8x7B's total and active parameters, if the engine knows them (else None)."""
    from tutor.engine import memory

    for source in (getattr(memory, "MOE_MODELS", ()), memory.KNOWN_MODELS):
        for spec in source:
            if "mixtral" in getattr(spec, "name", "").lower():
                total = getattr(spec, "n_params", None) or getattr(spec, "total_params", None)
                active = getattr(spec, "active_params", None) or getattr(spec, "n_active_params", None)
                if total and active:
                    return {"name": spec.name, "total": total, "active": active,
                            "experts": getattr(spec, "n_experts", None), "top_k": getattr(spec, "top_k", None)}
    return None


def build_workbench(sentence: str) -> tuple[MoEWorkbench, Routing, ParamCounts, dict | None]:
    bench = MoEWorkbench()
    return bench, bench.route(sentence), bench.params(), mixtral_figures()


# ----------------------------------------------------------------------------- the lab


def expert_style(expert: int) -> str:
    return EXPERT_STYLES[expert % len(EXPERT_STYLES)]


def route_cell(pairs: list[tuple[int, float]]) -> Text:
    """'E3 .61 E0 .39': the chosen experts and their mixing weights, each expert in its colour."""
    cell = Text()
    for i, (expert, weight) in enumerate(pairs):
        if i:
            cell.append(" ")
        cell.append(f"E{expert}", style=f"bold {expert_style(expert)}")
        cell.append(f" {weight:.2f}".replace("0.", ".", 1))
    return cell


TOKEN_WIDTH = 12  # the token column of the routes table (longer tokens end in …)


def route_width(top_k: int) -> int:
    """Characters of one route cell: 'E3 .61' per chosen expert, a space between."""
    return 7 * top_k - 1


def show_token(token: str) -> str:
    return token.replace(" ", "·").replace("\n", "↵") or "∅"


class MoELab(Lab):
    LESSON_ID = "m2-l13-moe"
    KEYS = [
        ("t", "train", "key.train"),
        ("v", "next_layer", "key.layer"),
        ("i", "edit", "key.edit"),
        ("x", "example", "key.example"),
        ("r", "reset", "key.reset"),
    ]

    DEFAULT_CSS = """
    MoELab #moe-status { height: auto; max-height: 2; color: $text-muted; }
    MoELab #moe-body { height: 1fr; }
    MoELab #moe-left { width: 1fr; }
    MoELab #moe-head { height: 1; }
    MoELab #moe-routes { height: 1fr; }
    MoELab #moe-load { width: 36; padding-left: 1; }
    MoELab.narrow #moe-body { layout: vertical; height: auto; }
    MoELab.narrow #moe-left { width: 100%; height: auto; }
    MoELab.narrow #moe-routes { height: auto; max-height: 7; }
    MoELab.narrow #moe-load { width: 100%; height: auto; padding-left: 0; margin-top: 1; }
    MoELab #moe-params { height: auto; }
    MoELab #moe-input-row { height: 1; }
    MoELab #moe-prompt { width: auto; padding-right: 1; }
    MoELab #moe-input { width: 1fr; border: none; height: 1; padding: 0; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.bench: MoEWorkbench | None = None
        self.routing: Routing | None = None
        self.params: ParamCounts | None = None
        self.mixtral: dict | None = None
        self.error: str | None = None
        self.view_layer = 0
        self.example = 0
        self.sentence = ""
        self.training = False
        self.last_event: Any = None
        self.last_val_loss: float | None = None
        self._last_draw = 0.0

    def compose(self) -> ComposeResult:
        yield self.title_widget()
        yield Static(id="moe-status")
        with Horizontal(id="moe-body"):
            with Vertical(id="moe-left"):
                yield Static(id="moe-head")  # stays put while the token rows scroll under it
                with VerticalScroll(id="moe-routes"):  # first focusable: arrows scroll the tokens
                    yield Static(id="moe-table")
            yield Static(id="moe-load")
        yield Static(id="moe-params")
        with Horizontal(id="moe-input-row"):
            yield Static(id="moe-prompt")
            yield Input(id="moe-input", compact=True)

    def on_mount(self) -> None:
        self.sentence = self.s("example0")
        self.query_one("#moe-input", Input).value = self.sentence
        super().on_mount()
        self.run_engine(lambda: build_workbench(self.sentence), self._built, group="moe-build", failed=self._failed)

    def _failed(self, exc: BaseException) -> None:
        """The model could not be built (no tokenizer file, no torch ...): say so in the lab."""
        self.error = error_text(exc)
        self.refresh_lab()

    def _built(self, result: tuple[MoEWorkbench, Routing, ParamCounts, dict | None]) -> None:
        self.bench, self.routing, self.params, self.mixtral = result
        self.error = None
        self.refresh_lab()
        if self.routing.sentence != self.sentence:  # edited while the model was being built
            self.set_sentence(self.sentence)

    # -- actions ------------------------------------------------------------------------------

    def action_edit(self) -> None:
        """Focus the sentence with all of it selected: typing replaces it, arrows edit it."""
        field = self.query_one("#moe-input", Input)
        field.focus()
        self.call_after_refresh(field.select_all)

    @on(Input.Submitted, "#moe-input")
    def _submitted(self, event: Input.Submitted) -> None:
        self.query_one("#moe-routes", VerticalScroll).focus()
        self.set_sentence(event.value)

    def action_example(self) -> None:
        examples = sorted(k for k in lab_strings(self.LESSON_ID).get(self.lang, {}) if k.startswith("example"))
        self.example = (self.example + 1) % len(examples)
        sentence = self.s(examples[self.example])
        self.query_one("#moe-input", Input).value = sentence
        self.set_sentence(sentence)

    def set_sentence(self, sentence: str) -> None:
        self.sentence = sentence
        if self.bench is None:
            return  # the build in flight routes the sentence it was given; redone below
        if self.training:
            return  # the training worker re-routes self.sentence within ROUTE_EVERY_S
        bench = self.bench
        self.run_engine(lambda: bench.route(sentence), self._routed, group="moe-route")

    def _routed(self, routing: Routing) -> None:
        self.routing = routing
        self.refresh_lab()

    def action_next_layer(self) -> None:
        n_layer = self.params.n_layer if self.params else 1
        self.view_layer = (self.view_layer + 1) % n_layer
        self.refresh_lab()

    def action_train(self) -> None:
        bench = self.bench
        if bench is None:
            return
        if self.training:  # pause: the trainer keeps its step and resumes from there
            # Only signal the worker: it finishes the step in flight, posts it and ends, so
            # the status shows the step the model really reached.
            self.cancel_event.set()
            self.training = False
            self.refresh_lab()
            return
        if bench.trainer.step >= bench.trainer.config.max_steps:
            self.notify(self.s("already_trained"))
            return
        self.training = True
        self._last_draw = 0.0
        self.refresh_lab()
        self.stream_engine(
            lambda cancel: bench.train(cancel, lambda: self.sentence),
            self._on_update,
            finished=self._finished,
        )

    def _on_update(self, update: TrainingUpdate) -> None:
        self.last_event = update.event
        if update.event.val_loss is not None:
            self.last_val_loss = update.event.val_loss
        if update.routing is not None:
            self.routing = update.routing
        now = time.monotonic()
        if update.event.done or update.routing is not None or now - self._last_draw >= REDRAW_EVERY_S:
            self._last_draw = now
            self.refresh_lab()

    def _finished(self) -> None:
        self.training = False
        self.refresh_lab()
        if self.routing is not None and self.routing.sentence != self.sentence:
            self.set_sentence(self.sentence)

    def action_reset(self) -> None:
        if self.bench is None:
            return
        self.stop_streams()
        self.training = False
        self.last_event = None
        self.last_val_loss = None
        self.bench = None
        self.refresh_lab()
        sentence = self.sentence
        self.run_engine(lambda: build_workbench(sentence), self._built, group="moe-build", failed=self._failed)

    # -- drawing ------------------------------------------------------------------------------

    def refresh_lab(self) -> None:
        self.query_one(".lab-title", Static).update(self.s("title", **self.title_values()))
        self.query_one("#moe-prompt", Static).update(self.s("prompt"))
        self.query_one("#moe-status", Static).update(self.status_text())
        self.query_one("#moe-head", Static).update(self.routes_table(header=True))
        self.query_one("#moe-table", Static).update(self.routes_table())
        self.query_one("#moe-load", Static).update(self.load_text())
        self.query_one("#moe-params", Static).update(self.params_text())

    def title_values(self) -> dict:
        return {"experts": MOE_MODEL["n_experts"], "top_k": MOE_MODEL["top_k"]} if self.params is None else {
            "experts": self.params.n_experts, "top_k": self.params.top_k}

    def status_text(self) -> Text:
        if self.bench is None:
            if self.error:
                return Text(self.s("failed", error=self.error), style="red")
            return Text(self.s("loading"), style="yellow")
        trainer = self.bench.trainer
        event = self.last_event
        if event is None or trainer.step == 0:
            return Text(self.s("untrained", steps=trainer.config.max_steps))
        values = dict(step=trainer.step, steps=trainer.config.max_steps, loss=event.train_loss,
                      tps=event.tokens_per_s)
        if self.training:
            return Text(self.s("training", **values), style="cyan")
        if trainer.step >= trainer.config.max_steps:
            val = self.last_val_loss
            return Text(self.s("trained", val=val if val is not None else float("nan"), **values), style="green")
        return Text(self.s("paused", **values))

    def routes_table(self, header: bool = False) -> Table | Text:
        """The token rows, or (header=True) their column heads, on the same fixed-width grid."""
        routing = self.routing
        if routing is None or self.bench is None:
            return Text("")
        if not routing.tokens:
            return Text("") if header else Text(self.s("no_tokens"), style="dim")
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True, width=TOKEN_WIDTH, overflow="ellipsis")
        n_layer = len(routing.experts)
        for _ in range(n_layer):
            table.add_column(no_wrap=True, width=route_width(self.params.top_k if self.params else 2))
        if header:
            table.add_row(Text(self.s("token"), style="bold"),
                          *[Text(self.s("layer", n=i + 1), style="bold underline" if i == self.view_layer else "bold")
                            for i in range(n_layer)])
            return table
        for t, token in enumerate(routing.tokens):
            table.add_row(show_token(token), *[route_cell(routing.experts[l][t]) for l in range(n_layer)])
        return table

    def load_text(self) -> Text:
        routing, params = self.routing, self.params
        if routing is None or params is None or self.bench is None:
            return Text("")
        counts = routing.load(self.view_layer, params.n_experts) if routing.tokens else [0] * params.n_experts
        text = Text()
        text.append(self.s("load_title", n=self.view_layer + 1, tokens=len(routing.tokens)) + "\n", style="bold")
        top = max(counts) or 1
        half = (len(counts) + 1) // 2
        for row in range(half):
            for expert in (row, row + half):
                if expert >= len(counts):
                    continue
                n = counts[expert]
                cells = round(n / top * LOAD_BAR)
                text.append(f"E{expert} ", style=f"bold {expert_style(expert)}")
                text.append("█" * cells, style=expert_style(expert))
                text.append("·" * (LOAD_BAR - cells), style="dim")
                text.append(f" {n:>2}  ")
            text.append("\n")
        text.append(self.s("load_note", top_k=params.top_k), style="dim")
        return text

    def params_text(self) -> Text:
        p = self.params
        if p is None or self.bench is None:
            return Text("")
        text = Text(self.s("params", total=p.total, active=p.active, share=100 * p.active / p.total,
                           experts=p.n_experts, per_expert=p.per_expert, top_k=p.top_k, router=p.router,
                           layer_total=p.layer_total, layer_active=p.layer_active))
        text.append("\n")
        m = self.mixtral
        if m is None:
            text.append(self.s("mixtral_missing"), style="dim")
        else:
            from tutor.engine.memory import format_params

            text.append(self.s("mixtral", name=m["name"], total=format_params(m["total"]),
                               active=format_params(m["active"]), share=100 * m["active"] / m["total"]))
        return text

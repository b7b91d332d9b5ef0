"""Lesson 8 lab: choose layers, heads and width and see where a GPT's parameters live.

`tutor.engine.model` does the arithmetic (`count_parameters`, `parameter_breakdown`,
`forward_shapes`); the lab only lays it out: the breakdown by component, or the tensor shapes
through one forward pass. `g` loads GPT-2 small's sizes (124,439,808 parameters, from the
engine's `GPTConfig.gpt2_small()`); `m` is the model switch (models.py): the course's own mini
GPT, or the real GPT-2 once downloaded, whose sizes fill the fields and whose real tensors
(names, shapes, counts read from the loaded weights) are the third view (`v`). The model module imports torch, so it
is loaded in a worker the first time, with a visible loading state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from tutor.app.labs.base import Lab
from tutor.app.labs.models import MODEL_KEYS, ModelSwitch
from tutor.app.labs.l07_pytorch import Field

LAYERS = [1, 2, 4, 6, 8, 12, 16, 24, 32, 36, 48]
HEADS = [1, 2, 4, 6, 8, 12, 16, 20, 25, 32]
WIDTHS = [64, 128, 256, 384, 512, 768, 1024, 1280, 1536, 1600, 2048]
CONTEXTS = [64, 128, 256, 512, 1024, 2048, 4096]
VOCABS = [256, 1024, 4096, 16384, 32768, 65536]
POSITIONS = ["learned", "rope"]

# The engine's forward_shapes stages, recognised by how their description starts.
STAGE_KEYS = (
    ("input ids", "ids", False),
    ("token embedding", "wte", False),
    ("position embedding", "wpe", False),
    ("sum:", "sum", False),
    ("block", "ln1", True),
    ("q, k, v", "qkv", True),
    ("split into heads", "heads", True),
    ("RoPE", "rope", True),
    ("scores", "scores", True),
    ("weights @ v", "att_v", True),
    ("heads joined", "join", True),
    ("LayerNorm ln_2", "ln2", True),
    ("MLP hidden", "fc", True),
    ("MLP c_proj", "proj", True),
    ("router", "router", True),
    ("chosen experts", "chosen", True),
    ("experts' hidden", "experts_fc", True),
    ("experts' outputs", "experts_out", True),
    ("final LayerNorm", "lnf", False),
    ("logits", "logits", False),
)


@dataclass
class Presets:
    gpt2: Any  # GPTConfig
    mini: Any | None  # GPTConfig of the course's mini GPT, None if it cannot be built


@dataclass
class Report:
    config: Any
    total: int
    breakdown: list[tuple[str, int, str]]
    shapes: list[tuple[str, tuple[int, ...]]]


def load_presets() -> Presets:
    """Import the model module (torch) and build the two reference configurations."""
    from tutor.engine.model import GPTConfig

    mini = None
    try:
        from tutor.engine.pretrained import COURSE_MODEL
        from tutor.engine.tokenizers import get_tokenizer

        settings = {k: v for k, v in COURSE_MODEL.items() if k != "dropout"}
        mini = GPTConfig(vocab_size=get_tokenizer("course").n_vocab, **settings)
    except Exception:  # the course tokenizer or recipe missing: GPT-2 still works
        mini = None
    return Presets(GPTConfig.gpt2_small(), mini)


def compute(values: dict[str, Any]) -> Report | ValueError:
    from tutor.engine.model import (
        GPTConfig,
        count_parameters,
        forward_shapes,
        parameter_breakdown,
    )

    try:
        config = GPTConfig(
            n_layer=values["layers"], n_head=values["heads"], n_embd=values["width"],
            block_size=values["context"], vocab_size=values["vocab"], positions=values["positions"],
        )
    except ValueError as exc:
        return exc
    return Report(config, count_parameters(config), parameter_breakdown(config), forward_shapes(config))


def stage_key(description: str) -> tuple[str | None, bool]:
    for prefix, key, in_block in STAGE_KEYS:
        if description.startswith(prefix):
            return key, in_block
    return None, False


def symbolic_shape(description: str) -> str:
    """The engine writes each stage's shape in letters at the end: '... (B, T, C)' -> '(B,T,C)'."""
    match = re.search(r"\(([^()]*)\)\s*$", description)
    return "(" + match.group(1).replace(" ", "") + ")" if match else ""


def compact(shape: tuple[int, ...]) -> str:
    return "(" + ",".join(str(s) for s in shape) + ")"


def real_weights(model_name: str):
    """(runs in a worker) A registry model's config and its real tensors: [(name, shape, count)]."""
    from tutor.engine.registry import load_model

    model, _tokenizer = load_model(model_name)
    tensors = [(name.removeprefix("transformer."), tuple(p.shape), p.numel()) for name, p in model.named_parameters()]
    return model.config, tensors


class GPT2Lab(ModelSwitch, Lab):
    LESSON_ID = "m2-l08-gpt2-from-scratch"
    KEYS = [
        ("down", "field(1)", "key.field"),
        ("up", "field(-1)", ""),
        ("plus,equals_sign", "change(1)", "key.change"),
        ("minus", "change(-1)", ""),
        ("v", "view", "key.view"),
        ("g", "preset('gpt2')", "key.gpt2"),
        # m: the model switch (course mini GPT, GPT-2 when downloaded): its sizes and real tensors.
        *MODEL_KEYS,
        ("pagedown", "scroll_panel(1)", ""),
        ("pageup", "scroll_panel(-1)", ""),
    ]

    DEFAULT_CSS = """
    GPT2Lab #gpt-body { height: 1fr; }
    GPT2Lab #gpt-fields { width: 23; }
    GPT2Lab #gpt-panel { width: 1fr; padding-left: 1; border-left: vkey $panel; scrollbar-size-vertical: 1; }
    GPT2Lab #gpt-panel-text { text-wrap: nowrap; text-overflow: ellipsis; }
    GPT2Lab.narrow #gpt-body { layout: vertical; height: auto; }
    GPT2Lab.narrow #gpt-fields { width: 100%; height: auto; }
    GPT2Lab.narrow #gpt-panel { width: 100%; height: 12; padding-left: 0; border-left: none; margin-top: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.presets: Presets | None = None
        self.fields: list[Field] = []
        self.selected = 0
        self.view = "breakdown"
        self.report: Report | None = None
        self.error: ValueError | None = None
        self.weights: tuple[str, list] | None = None  # (model label, real tensors) for the "weights" view

    def compose(self) -> ComposeResult:
        yield self.title_widget()
        with Horizontal(id="gpt-body"):
            yield Static(id="gpt-fields")
            with VerticalScroll(id="gpt-panel", can_focus=False):
                yield Static(id="gpt-panel-text")

    def on_mount(self) -> None:
        super().on_mount()
        self.run_engine(load_presets, self._got_presets, group="gpt-load")

    def _got_presets(self, presets: Presets) -> None:
        self.presets = presets
        self.set_fields(presets.gpt2)

    def set_fields(self, config: Any) -> None:
        self.fields = [
            Field("layers", config.n_layer, choices=list(LAYERS)),
            Field("heads", config.n_head, choices=list(HEADS)),
            Field("width", config.n_embd, choices=list(WIDTHS)),
            Field("context", config.block_size, choices=list(CONTEXTS)),
            Field("vocab", config.vocab_size, choices=list(VOCABS)),
            Field("positions", config.positions, choices=list(POSITIONS)),
        ]
        self.recompute()

    def values(self) -> dict[str, Any]:
        return {f.key: f.value for f in self.fields}

    def recompute(self) -> None:
        values = self.values()
        self.run_engine(lambda: compute(values), self._got_report, group="gpt-compute")

    def _got_report(self, result: Report | ValueError) -> None:
        if isinstance(result, ValueError):
            self.error = result
        else:
            self.report, self.error = result, None
        self.refresh_lab()

    # -- actions --------------------------------------------------------------------------------

    def action_field(self, direction: int) -> None:
        if self.fields:
            self.selected = (self.selected + direction) % len(self.fields)
            self.refresh_lab()

    def action_change(self, direction: int) -> None:
        if self.fields:
            self.fields[self.selected].change(direction)
            self.refresh_lab()
            self.recompute()

    def action_view(self) -> None:
        order = ["breakdown", "shapes"] + (["weights"] if self.weights else [])
        self.view = order[(order.index(self.view) + 1) % len(order)] if self.view in order else "breakdown"
        self.query_one("#gpt-panel", VerticalScroll).scroll_home(animate=False)
        self.refresh_lab()

    def action_preset(self, which: str) -> None:
        if self.presets is None:
            return
        config = self.presets.gpt2 if which == "gpt2" else self.presets.mini
        if config is None:
            self.notify(self.s("no_mini"), severity="warning")
            return
        self.set_fields(config)
        self.refresh_lab()

    def model_changed(self) -> None:
        """The switch landed on a model: show its sizes, and its real tensors in the third view."""
        name, label = self.model_name, self.model_label
        self.run_engine(lambda: real_weights(name), lambda result: self._got_weights(label, result), group="gpt-weights")

    def _model_failed(self, source, exc) -> None:
        super()._model_failed(source, exc)
        self.model_changed()  # GPT-2 missing: the switch stays on the current model; show it

    def _got_weights(self, label: str, result) -> None:
        config, tensors = result
        self.weights = (label, tensors)
        self.set_fields(config)
        self.refresh_lab()

    def weights_text(self) -> Text:
        label, tensors = self.weights
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append(self.s("weights_heading", model=label, n=len(tensors)) + "\n", "bold")
        # Shape first: on a narrow screen the line is cut at the right, and the count goes first.
        for name, shape, count in tensors:
            out.append(f"{compact(shape):<12} ", "bold")
            out.append(f"{name:<24}", "cyan")
            out.append(f"{count:>11,}\n", "dim")
        out.rstrip()
        return out

    def action_scroll_panel(self, direction: int) -> None:
        self.page_with(self.query_one("#gpt-panel", VerticalScroll), direction)

    # -- drawing --------------------------------------------------------------------------------

    def refresh_lab(self) -> None:
        self.query_one(".lab-title", Static).update(self.model_title())
        fields_box = self.query_one("#gpt-fields", Static)
        panel = self.query_one("#gpt-panel-text", Static)
        if not self.fields:
            fields_box.update(Text(self.s("loading"), "dim"))
            panel.update("")
            return
        fields_box.update(self.fields_text())
        panel.styles.text_wrap = "wrap" if self.error is not None else "nowrap"
        if self.error is not None:
            panel.update(Text(self.error_text(), "red"))
        elif self.report is None:
            panel.update(Text(self.s("computing"), "dim"))
        elif self.view == "weights" and self.weights:
            panel.update(self.weights_text())
        elif self.view == "breakdown":
            panel.update(self.breakdown_text(self.report))
        else:
            panel.update(self.shapes_text(self.report))

    def fields_text(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        for i, field in enumerate(self.fields):
            value = self.s("pos." + field.value) if field.key == "positions" else f"{field.value:,}"
            label = self.s("f." + field.key)
            line = f"{label:<13}{value:>9}" if field.key != "positions" else f"{label} {value}"
            out.append(line, "reverse bold" if i == self.selected else "")
            out.append("\n")
        out.append("─" * 22 + "\n", "dim")
        report = self.report
        if report is not None and self.error is None:
            out.append(self.s("total") + "\n", "dim")
            out.append(f"{report.total:,}", "bold green")
            out.append(" " + self.s("params") + "\n")
            d = report.config.head_dim
            out.append(self.s("head_size", C=report.config.n_embd, H=report.config.n_head, d=d) + "\n", "dim")
            out.append(self.s("scroll_hint"), "dim italic")
        return out

    def error_text(self) -> str:
        values = self.values()
        message = str(self.error)
        if "divisible" in message:
            return self.s("err.divisible", C=values["width"], H=values["heads"])
        if "even" in message:
            return self.s("err.even")
        return message

    def breakdown_text(self, report: Report) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append(self.s("breakdown_heading", L=report.config.n_layer) + "\n", "bold")
        total = report.total or 1
        for name, count, _explanation in report.breakdown:
            out.append(f"{name:<16}", "cyan")
            out.append(f"{count:>11,}", "bold" if count else "dim")
            out.append(f"{count / total:>7.1%} ", "dim")
            out.append(self.s("bd." + name) if ("bd." + name) in self._catalogue() else "", "")
            out.append("\n")
        out.rstrip()
        return out

    def shapes_text(self, report: Report) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append(self.s("shapes_heading") + "\n", "bold")
        block_started = False
        for description, shape in report.shapes:
            key, in_block = stage_key(description)
            if in_block and not block_started:
                out.append(self.s("block", L=report.config.n_layer) + "\n", "magenta")
                block_started = True
            label = self.s("st." + key) if key else description
            prefix = "│ " if in_block else ""
            out.append(prefix, "magenta")
            out.append(f"{label:<{22 - len(prefix)}}"[: 22 - len(prefix)])
            out.append(f" {symbolic_shape(description):<11}", "dim")
            out.append(compact(shape) + "\n", "bold")
        out.rstrip()
        return out

    def _catalogue(self) -> dict[str, str]:
        from tutor.app.labs.base import lab_strings

        return lab_strings(self.LESSON_ID).get(self.lang, {})

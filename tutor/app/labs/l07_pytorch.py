"""Lesson 7 lab: the lesson's PyTorch examples, run for real with numbers the learner changes.

Four examples from `tutor.engine.basics`: a tensor and its shape, a gradient with autograd, a
matrix product (and the error when the shapes do not fit), and a tiny training loop. The learner
picks a field, changes its value with + and -, and the example runs again in a thread worker.
The equivalent PyTorch code is shown beside the output for reading: nothing typed is executed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from tutor.app.labs.base import FittedStatic, Lab
from tutor.app.labs.charts import (
    SERIES_COLORS,
    chart_columns,
    chart_with_axes,
    num,
    plot_lines,
    selector,
)
from tutor.engine import basics

EXAMPLES = ("tensor", "autograd", "matmul", "fit")

# Values the learner steps through with + and - (inputs to the engine, not results).
SHAPES: list[tuple[int, ...]] = [(), (4,), (2, 3), (3, 2), (2, 2, 2), (2, 3, 4)]
FILL_STEPS = [0.1, 0.5, 1.0, 2.0, -1.0]
EPOCHS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
LEARNING_RATES = [0.001, 0.01, 0.05, 0.1, 0.3, 0.5, 1.0, 1.5]
NOISES = [0.0, 0.1, 0.3, 0.5]
FUNCTIONS = ["square", "chain"]


def default(fn: Callable[..., Any], name: str) -> Any:
    """The engine function's own default for a parameter: the lab starts where the engine does."""
    return inspect.signature(fn).parameters[name].default


@dataclass
class Field:
    key: str  # string key of its label, and the engine parameter it feeds
    value: Any
    choices: list[Any] | None = None  # cycle through these ...
    step: float = 1.0  # ... or add/subtract step within [low, high]
    low: float = -10.0
    high: float = 10.0

    def change(self, direction: int) -> None:
        if self.choices is not None:
            if self.value not in self.choices:
                self.choices.append(self.value)
                self.choices.sort(key=_sort_key)
            i = self.choices.index(self.value)
            self.value = self.choices[min(len(self.choices) - 1, max(0, i + direction))]
        else:
            new = round(self.value + direction * self.step, 6)
            self.value = type(self.value)(min(self.high, max(self.low, new)))


def _sort_key(v: Any) -> Any:
    return (len(v), v) if isinstance(v, tuple) else v


def make_fields() -> dict[str, list[Field]]:
    a_shape = tuple(default(basics.matmul_shapes, "a_shape"))
    b_shape = tuple(default(basics.matmul_shapes, "b_shape"))
    return {
        "tensor": [
            Field("shape", tuple(default(basics.make_tensor, "shape")), choices=list(SHAPES)),
            Field("start", float(default(basics.make_tensor, "start")), step=1.0),
            Field("fill_step", float(default(basics.make_tensor, "step")), choices=list(FILL_STEPS)),
            Field("dtype", default(basics.make_tensor, "dtype"), choices=list(basics.DTYPES)),
        ],
        "autograd": [
            Field("function", FUNCTIONS[0], choices=list(FUNCTIONS)),
            Field("x", float(default(basics.grad_square, "x")), step=0.5),
            Field("a", float(default(basics.grad_chain, "a")), step=1.0),
            Field("b", float(default(basics.grad_chain, "b")), step=1.0),
        ],
        "matmul": [
            Field("m", a_shape[0], step=1, low=1, high=8),
            Field("k", a_shape[1], step=1, low=1, high=8),
            Field("k2", b_shape[0], step=1, low=1, high=8),
            Field("n", b_shape[1], step=1, low=1, high=8),
        ],
        "fit": [
            Field("epochs", int(default(basics.fit_line, "epochs")), choices=list(EPOCHS)),
            Field("lr", float(default(basics.fit_line, "lr")), choices=list(LEARNING_RATES)),
            Field("true_weight", float(default(basics.fit_line, "true_weight")), step=0.5),
            Field("true_bias", float(default(basics.fit_line, "true_bias")), step=0.5),
            Field("noise", float(default(basics.fit_line, "noise")), choices=list(NOISES)),
        ],
    }


def run_example(example: str, values: dict[str, Any]) -> Any:
    """Call the engine for one example with the learner's values (runs in a worker)."""
    if example == "tensor":
        return basics.make_tensor(values["shape"], values["start"], values["fill_step"], values["dtype"])
    if example == "autograd":
        if values["function"] == "square":
            return basics.grad_square(values["x"])
        return basics.grad_chain(values["x"], values["a"], values["b"])
    if example == "matmul":
        return basics.matmul_shapes((values["m"], values["k"]), (values["k2"], values["n"]))
    return basics.fit_line(
        true_weight=values["true_weight"], true_bias=values["true_bias"], epochs=values["epochs"],
        lr=values["lr"], noise=values["noise"],
    )


def grid_lines(values: Any, fmt: Callable[[Any], str]) -> list[str]:
    """Nested lists as aligned rows (a blank line between the matrices of a 3-D tensor)."""
    if not isinstance(values, list):
        return [fmt(values)]
    if not values or not isinstance(values[0], list):
        return ["[" + "  ".join(fmt(v) for v in values) + "]"]
    if isinstance(values[0][0], list):
        out: list[str] = []
        for i, block in enumerate(values):
            if i:
                out.append("")
            out += grid_lines(block, fmt)
        return out
    cells = [[fmt(v) for v in row] for row in values]
    width = max(len(c) for row in cells for c in row)
    return ["[" + " ".join(c.rjust(width) for c in row) + "]" for row in cells]


def highlight(code: str) -> Text:
    """The example's code coloured like an editor would (no background, so it wraps cleanly)."""
    text = Syntax(code, "python", theme="ansi_dark").highlight(code)
    text.stylize("not underline")
    text.rstrip()
    return text


def value_text(v: Any) -> str:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    return num(float(v), 4)


class PyTorchLab(Lab):
    LESSON_ID = "m1-l07-pytorch"
    KEYS = [
        ("1", "example(0)", "key.tensor"),
        ("2", "example(1)", "key.autograd"),
        ("3", "example(2)", "key.matmul"),
        ("4", "example(3)", "key.fit"),
        ("down", "field(1)", "key.field"),
        ("up", "field(-1)", ""),
        ("plus,equals_sign", "change(1)", "key.change"),
        ("minus", "change(-1)", ""),
        ("r", "run", "key.run"),
        ("pagedown", "code(1)", ""),
        ("pageup", "code(-1)", ""),
    ]

    DEFAULT_CSS = """
    PyTorchLab #py-panels { height: 1fr; }
    PyTorchLab #py-out { width: 1fr; height: 1fr; }
    PyTorchLab #py-code-box { width: 1fr; height: 1fr; padding-left: 1; border-left: vkey $panel; }
    PyTorchLab #py-code-title { color: $text-muted; height: auto; }
    PyTorchLab #py-code { height: 1fr; }
    PyTorchLab #py-tabs, PyTorchLab #py-fields { height: auto; }
    /* Narrow, the output and the code stack, each the lab's whole width: side by side at 60
       columns, "b = 0.5364" split and the loss chart wrapped. The lab scrolls as one page. */
    PyTorchLab.narrow #py-panels { layout: vertical; }
    PyTorchLab.narrow #py-out, PyTorchLab.narrow #py-code-box { width: 100%; height: auto; }
    PyTorchLab.narrow #py-code-box { border-left: none; padding-left: 0; margin-top: 1; }
    PyTorchLab.narrow #py-code { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.example = 0
        self.fields = make_fields()
        self.selected = {name: 0 for name in EXAMPLES}
        self.results: dict[str, Any] = {}
        self.running = False
        self.torch_ready = False

    def compose(self) -> ComposeResult:
        yield self.title_widget()
        yield FittedStatic(id="py-tabs")
        yield FittedStatic(id="py-fields")
        with Horizontal(id="py-panels"):
            with VerticalScroll(id="py-out", can_focus=False):
                yield Static(id="py-out-text")
            with Vertical(id="py-code-box"):
                yield Static(id="py-code-title")
                with VerticalScroll(id="py-code", can_focus=False):
                    yield Static(id="py-code-text")

    def on_mount(self) -> None:
        super().on_mount()
        self.run()

    # -- state ----------------------------------------------------------------------------------

    @property
    def example_name(self) -> str:
        return EXAMPLES[self.example]

    def visible_fields(self) -> list[Field]:
        fields = self.fields[self.example_name]
        if self.example_name == "autograd" and fields[0].value == "square":
            return fields[:2]  # a and b only belong to (a·x + b)²
        return fields

    def values(self) -> dict[str, Any]:
        return {f.key: f.value for f in self.fields[self.example_name]}

    # -- actions --------------------------------------------------------------------------------

    def action_example(self, index: int) -> None:
        self.example = index
        if self.example_name not in self.results:
            self.run()
        self.refresh_lab()

    def action_field(self, direction: int) -> None:
        count = len(self.visible_fields())
        self.selected[self.example_name] = (self.selected[self.example_name] + direction) % count
        self.refresh_lab()

    def action_change(self, direction: int) -> None:
        fields = self.visible_fields()
        fields[min(self.selected[self.example_name], len(fields) - 1)].change(direction)
        self.selected[self.example_name] = min(self.selected[self.example_name], len(self.visible_fields()) - 1)
        self.run()

    def action_run(self) -> None:
        self.run()

    def action_code(self, direction: int) -> None:
        self.page_with(self.query_one("#py-code", VerticalScroll), direction)

    def run(self) -> None:
        example, values = self.example_name, self.values()
        self.running = True
        self.refresh_lab()
        self.run_engine(lambda: (example, run_example(example, values)), self._got, group="py-run")

    def _got(self, answer: tuple[str, Any]) -> None:
        example, result = answer
        self.results[example] = result
        self.running = False
        self.torch_ready = True
        self.refresh_lab()

    # -- drawing --------------------------------------------------------------------------------

    def refresh_lab(self) -> None:
        self.query_one(".lab-title", Static).update(self.s("title"))
        tabs = [f"{i + 1} {self.s('ex.' + name)}" for i, name in enumerate(EXAMPLES)]
        tabs_widget = self.query_one("#py-tabs", Static)
        tabs_widget.update(selector(tabs, self.example, tabs_widget.size.width))
        fields = self.visible_fields()
        labels = [f"{self.s('f.' + f.key)} {self.field_value(f)}" for f in fields]
        fields_widget = self.query_one("#py-fields", Static)
        fields_widget.update(selector(labels, min(self.selected[self.example_name], len(fields) - 1),
                                      fields_widget.size.width))
        result = self.results.get(self.example_name)
        out = self.query_one("#py-out-text", Static)
        code = self.query_one("#py-code-text", Static)
        self.query_one("#py-code-title", Static).update(self.s("code_title"))
        if result is None:
            out.update(Text(self.s("loading" if not self.torch_ready else "running"), "dim"))
            code.update("")
            return
        body = getattr(self, "draw_" + self.example_name)(result)
        if self.running:
            body = Text(self.s("running") + "\n", "dim") + body
        out.update(body)
        code.update(highlight(result.code))

    def field_value(self, field: Field) -> str:
        v = field.value
        if field.key == "function":
            return "x²" if v == "square" else "(a·x + b)²"
        if field.key == "shape":
            return "()" if not v else "(" + ", ".join(str(s) for s in v) + ")"
        if isinstance(v, float):
            return f"{v:g}"
        return str(v)

    def row(self, out: Text, label: str, value: str, note: str = "") -> None:
        out.append(f"{label} ", "dim")
        out.append(value, "bold")
        if note:
            out.append(f"  {note}", "dim")
        out.append("\n")

    def draw_tensor(self, r: basics.TensorResult) -> Text:
        out = Text()
        self.row(out, "t.shape", "(" + ", ".join(str(s) for s in r.shape) + ")", r.name_es if self.lang == "es" else r.name_en)
        self.row(out, "t.ndim", str(r.ndim), self.s("numel", n=r.numel))
        self.row(out, "t.dtype", r.dtype)
        for line in grid_lines(r.values, value_text):
            out.append(line + "\n")
        out.rstrip()
        return out

    def draw_autograd(self, r: basics.AutogradResult) -> Text:
        out = Text()
        self.row(out, r.formula, self.s("at_x", x=num(r.x)))
        for name, value in r.steps:
            self.row(out, f"{name} =", num(value))
        self.row(out, "x.grad =", num(r.grad), self.s("autograd"))
        match = abs(r.grad - r.expected_grad) <= 1e-9 * max(1.0, abs(r.expected_grad))
        out.append(f"{r.derivative} = ", "dim")
        out.append(num(r.expected_grad), "bold")
        out.append("  " + self.s("by_hand") + " " + ("✓" if match else "✗"), "green" if match else "red")
        return out

    def draw_matmul(self, r: basics.MatmulResult) -> Text:
        out = Text()
        a = "(" + ", ".join(map(str, r.a_shape)) + ")"
        b = "(" + ", ".join(map(str, r.b_shape)) + ")"
        out.append(f"A {a} @ B {b}", "bold")
        if not r.ok:
            out.append(" ✗\n", "red bold")
            out.append(self.s("torch_error") + "\n", "dim")
            out.append(f"{r.error}\n", "red")
            out.append(r.rule_es if self.lang == "es" else r.rule_en, "italic")
            return out
        shape = "(" + ", ".join(map(str, r.result_shape or [])) + ")"
        out.append(f" → C {shape}\n", "bold green")
        self.row(out, self.s("mult_adds"), f"{r.multiply_adds:,}")
        out.append("C =\n", "dim")
        for line in grid_lines(r.result, value_text):
            out.append(line + "\n")
        out.rstrip()
        return out

    def draw_fit(self, r: basics.FitResult) -> Text:
        out = Text()
        self.row(out, self.s("data"), f"y = {r.true_weight:g}·x + {r.true_bias:g}", self.s("points", n=len(r.x)))
        self.row(out, self.s("start_wb"), f"w = {num(r.initial_weight)}  b = {num(r.initial_bias)}")
        self.row(out, self.s("learned_wb"), f"w = {num(r.weight)}  b = {num(r.bias)}")
        self.row(out, self.s("loss"), f"{num(r.losses[0])} → {num(r.losses[-1])}")
        points = [(float(i + 1), v) for i, v in enumerate(r.losses)]
        positive = all(v > 0 for v in r.losses)
        top, bottom = num(max(r.losses), 2), num(min(r.losses), 2)
        cols = chart_columns(self.query_one("#py-out-text", Static).content_size.width, max(len(top), len(bottom)) + 1, 30)
        canvas, _, y_range = plot_lines([(points, SERIES_COLORS[1])], cols, 3, log_y=positive)
        # Sized to the column: a line wider than it wrapped into noise at 60 columns.
        out.append_text(chart_with_axes(canvas, num(y_range[1], 2), num(y_range[0], 2), "1", str(r.epochs)))
        return out

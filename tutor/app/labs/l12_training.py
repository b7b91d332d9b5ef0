"""Lesson 12 lab: train the mini GPT on the course text, live, and watch it learn.

The run is the shipped model's own shape and recipe (`tutor.engine.pretrained`: COURSE_MODEL and
course_training_config), only shorter, trained from scratch by `tutor.engine.training.Trainer` in
a stream worker. Every figure on screen is a TrainEvent field or the engine's learning-rate
schedule (`training.lr_at`); the lab only draws them. Pause parks the worker on a
threading.Event between steps, so the run (model, optimiser, step) is kept and resumes where it was.

The braille chart helpers here are shared with lesson 10's lab.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static
from textual.worker import get_current_worker

from tutor.app.labs.base import FittedStatic, Lab
from tutor.app.labs.charts import Canvas, wrap_pieces

# The lab's run: the course recipe, shortened so it finishes in a minute or two on a laptop CPU.
LAB_STEPS = 400
# A quarter of the shipped recipe's batch (4 x 128 tokens a step) so a 2-core laptop takes
# ~0.1 s a step and the curves move several times a second (benchmarks/bench_labs.py).
RUN_OVERRIDES: dict = {"batch_size": 4, "eval_interval": 20, "eval_iters": 4, "sample_interval": 50, "sample_tokens": 40}
MODEL_OVERRIDES: dict = {}  # on top of pretrained.COURSE_MODEL (tests shrink the model here)

TRAIN_STYLE = "cyan"
VAL_STYLE = "bold yellow"
# Each loss curve's glyph, named in the legend: braille dots for training, a marker for validation.
TRAIN_GLYPH = "⠤⠤"
VAL_MARKER = "×"
LR_STYLE = "green"
PLAN_STYLE = "grey42"
# The learning-rate chart: the schedule ahead in braille dots, the steps already taken as a
# marker over it, so how far the run has gone shows without colour too.
PLAN_GLYPH = "⠤⠤"
DONE_MARKER = "•"


# ----------------------------------------------------------------------------- braille charts

@dataclass
class Series:
    points: Sequence[tuple[float, float]]  # (x, y) in data units
    style: str
    connect: bool = False  # a line through the points, or just the points
    # Drawn as this glyph in each cell it crosses (over the braille series) instead of braille
    # dots: two curves then differ by shape, so 16 colours and NO_COLOR keep them apart.
    marker: str = ""


def finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def value_range(series: Sequence[Series]) -> tuple[float, float] | None:
    ys = finite([y for s in series for _, y in s.points])
    return (min(ys), max(ys)) if ys else None


def draw_chart(
    series: Sequence[Series],
    x_max: float,
    cols: int,
    rows: int,
    label: str = "{:.2f}",
    label_width: int = 5,
    overlap: str | None = None,
    both: str = "",
) -> list[Text]:
    """`rows` lines: a label column (the data's highest and lowest value) and a braille plot.

    x runs from 0 to x_max across the width; y from the lowest to the highest value shown. Series
    with a marker are drawn last, as glyphs; `both` marks a cell a marker shares with braille dots
    (in the `overlap` style).
    """
    canvas = Canvas(cols, rows, overlap)  # cells; canvas.dots_x / dots_y are the dots
    bounds = value_range(series)
    if bounds is not None:
        lo, hi = bounds
        span = (hi - lo) or 1.0

        def to_px(x: float, y: float) -> tuple[int, int]:
            px = round(x / x_max * (canvas.dots_x - 1)) if x_max > 0 else 0
            py = round((hi - y) / span * (canvas.dots_y - 1))
            return px, py

        for s in sorted(series, key=lambda s: bool(s.marker)):  # braille first, glyphs over it
            previous = None
            for x, y in s.points:
                if y is None or not math.isfinite(y):
                    previous = None
                    continue
                px, py = to_px(x, y)
                start = previous if s.connect and previous is not None else (px, py)
                if s.marker:
                    canvas.mark_line(*start, px, py, s.marker, s.style, both, overlap or "")
                elif s.connect and previous is not None:
                    canvas.line(*previous, px, py, s.style)
                else:
                    canvas.dot(px, py, s.style)
                previous = (px, py)
    lines = []
    for row, plot in enumerate(canvas.rows()):
        if bounds is not None and row == 0:
            tag = label.format(bounds[1])
        elif bounds is not None and row == canvas.height - 1:
            tag = label.format(bounds[0])
        else:
            tag = ""
        line = Text()
        line.append(f"{tag:>{label_width}}"[-label_width:] + "▕", style="dim")
        line.append_text(plot)
        lines.append(line)
    return lines


def join_lines(lines: Sequence[Text]) -> Text:
    return Text("\n").join(lines)


# ----------------------------------------------------------------------------- the engine side


@functools.lru_cache(maxsize=1)
def course_data():
    """(tokenizer, train ids, validation ids) of the course text, split as the shipped model's."""
    from tutor.engine.pretrained import course_token_data
    from tutor.engine.tokenizers import get_tokenizer

    tokenizer = get_tokenizer("course")
    train_ids, val_ids, _docs = course_token_data(tokenizer)
    return tokenizer, train_ids, val_ids


@dataclass
class RunSetup:
    """What the run is, as the engine built it."""

    max_steps: int
    n_params: int
    n_layer: int
    n_head: int
    n_embd: int
    positions: str
    train_tokens: int
    val_tokens: int
    schedule: list[float]  # the learning rate the engine will use at each step
    eval_interval: int
    sample_interval: int
    device: str


def build_trainer(steps: int, run_overrides: dict, model_overrides: dict, positions: str | None = None):
    """-> (Trainer, RunSetup): a fresh mini GPT on the course text, with the course recipe."""
    from dataclasses import replace

    from tutor.engine.model import GPTConfig
    from tutor.engine.pretrained import COURSE_MODEL, course_training_config
    from tutor.engine.training import Trainer, lr_at

    tokenizer, train_ids, val_ids = course_data()
    shape = {**COURSE_MODEL, **model_overrides}
    if positions is not None:
        shape["positions"] = positions
    model_config = GPTConfig(vocab_size=tokenizer.n_vocab, **shape)
    config = replace(course_training_config(), max_steps=steps, **run_overrides)
    trainer = Trainer(model_config, train_ids, val_ids, config, tokenizer=tokenizer)
    setup = RunSetup(
        max_steps=config.max_steps,
        n_params=trainer.model.num_params(),
        n_layer=model_config.n_layer,
        n_head=model_config.n_head,
        n_embd=model_config.n_embd,
        positions=model_config.positions,
        train_tokens=len(train_ids),
        val_tokens=len(val_ids),
        schedule=[lr_at(step, config) for step in range(config.max_steps)],
        eval_interval=config.eval_interval,
        sample_interval=config.sample_interval,
        device=str(trainer.device),
    )
    return trainer, setup


def sample_line(sample: str) -> str:
    """A generated sample on one line: newlines as ↵, other control characters as �."""
    lines = sample.strip().split("\n")
    return " ↵ ".join("".join(ch if ch.isprintable() else "\ufffd" for ch in line) for line in lines)


def wait_while_paused(resume: threading.Event, cancel: threading.Event) -> None:
    """Block the training thread while paused; a stop (or the worker's end) releases it."""
    worker = get_current_worker()
    while not resume.wait(0.1):
        if cancel.is_set() or worker.is_cancelled:
            return


@dataclass
class RunModel:
    """The run's model, and an event set once its training thread no longer changes it."""

    model: object
    over: threading.Event


def export_lab_model(run_model: RunModel):
    """Save the run (checkpoint) and export it to GGUF in the data folder; -> ExportResult."""
    from tutor.engine.export import LAB_EXPORT, export_gguf, export_path
    from tutor.engine.training import save_checkpoint

    run_model.over.wait(60)  # a stop takes effect between steps: let the last one finish
    tokenizer = course_data()[0]
    path = export_path(LAB_EXPORT)
    save_checkpoint(path.with_suffix(".pt"), run_model.model, meta={"created_by": "lab 12", "tokenizer": "course"})
    return export_gguf(path, run_model.model, tokenizer, name="tutor lab 12 GPT")


# ----------------------------------------------------------------------------- the lab


class TrainingLab(Lab):
    LESSON_ID = "m2-l12-training"
    KEYS = [
        ("s", "start", "key.start"),
        ("space", "pause", "key.pause"),
        ("x", "stop", "key.stop"),
        ("g", "export", "key.export"),
    ]

    DEFAULT_CSS = """
    TrainingLab #tr-status { height: 2; text-wrap: nowrap; text-overflow: ellipsis; }
    TrainingLab #tr-charts { height: 7; }
    TrainingLab #tr-loss { width: 1fr; }
    TrainingLab #tr-lr { width: 27; padding-left: 1; }
    TrainingLab #tr-sample { height: 2; color: $text-muted; }
    TrainingLab.narrow #tr-status { height: auto; text-wrap: wrap; }
    TrainingLab.narrow #tr-charts { layout: vertical; height: auto; }
    TrainingLab.narrow #tr-loss { width: 100%; height: 7; }
    TrainingLab.narrow #tr-lr { width: 100%; height: 7; padding-left: 0; }
    TrainingLab.narrow #tr-sample { height: auto; }
    """

    LR_WIDTH = 27

    def __init__(self) -> None:
        super().__init__()
        self.state = "idle"  # idle | loading | running | paused | stopped | finished
        self.run_id = 0
        self.resume = threading.Event()
        self.reset_run()

    def reset_run(self) -> None:
        self.setup: RunSetup | None = None
        self.events: list = []  # every TrainEvent of this run, in order
        self.train_points: list[tuple[int, float]] = []
        self.val_points: list[tuple[int, float]] = []
        self.last = None
        self.last_val: tuple[int, float] | None = None
        self.sample: tuple[int, str] | None = None
        self.run_model: RunModel | None = None  # the trained model, for export once the run ends
        self.export_note: str | None = None

    def compose(self) -> ComposeResult:
        yield self.title_widget()
        yield FittedStatic(id="tr-status")
        with Horizontal(id="tr-charts"):
            yield FittedStatic(id="tr-loss")
            yield FittedStatic(id="tr-lr")
        yield Static(id="tr-sample")

    # -- keys ---------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """A run in flight (paused included): leaving the lesson keeps it going."""
        return self.state in ("loading", "running", "paused")

    def bind_keys(self) -> None:
        # While paused, space resumes: the footer says so.
        keys = type(self).KEYS
        if self.state == "paused":
            keys = [(k, a, "key.resume" if a == "pause" else label) for k, a, label in keys]
        self.KEYS = keys
        super().bind_keys()

    def action_start(self) -> None:
        if self.state == "paused":
            self.notify(self.s("already_paused"))
            return
        if self.state in ("loading", "running"):
            self.notify(self.s("already"))
            return
        self.run_id += 1
        run = self.run_id
        self.reset_run()
        self.resume = threading.Event()
        self.resume.set()
        self.state = "loading"
        self.refresh_lab()
        resume = self.resume

        def events(cancel: threading.Event) -> Iterator:
            from tutor.engine.device import small_model_threads

            trainer, setup = build_trainer(LAB_STEPS, RUN_OVERRIDES, MODEL_OVERRIDES)
            yield run, setup
            over = threading.Event()
            yield run, RunModel(trainer.model, over)
            # One CPU thread for this worker: at this size, splitting every op over two busy
            # cores costs more than it gains (3-4x slower steps measured on a shared 2-core box).
            try:
                with small_model_threads(trainer.model):
                    for event in trainer.run(cancel=cancel):
                        yield run, event
                        wait_while_paused(resume, cancel)
            finally:
                over.set()  # the weights stop changing: an export may read them

        self.stream_engine(events, self.on_train_event)

    def action_pause(self) -> None:
        if self.state == "running":
            self.resume.clear()
            self.state = "paused"
        elif self.state == "paused":
            self.state = "running"
            self.resume.set()
        else:
            return
        self.bind_keys()
        self.refresh_lab()

    def action_stop(self) -> None:
        if self.state not in ("loading", "running", "paused"):
            return
        self.stop_streams()
        self.resume.set()  # a paused thread wakes, sees the stop and ends
        self.state = "stopped"
        self.bind_keys()
        self.refresh_lab()

    def action_export(self) -> None:
        """Write the model this run trained as GGUF (+ Modelfile) in the data folder, for lab 15."""
        run_model = self.run_model
        if self.state not in ("finished", "stopped") or run_model is None:
            self.notify(self.s("export_when"))
            return
        self.export_note = self.s("exporting")
        self.refresh_lab()
        self.reveal(self.query_one("#tr-sample", Static))
        self.run_engine(lambda: export_lab_model(run_model), self._exported, group="export")

    def _exported(self, result) -> None:
        self.export_note = self.s("exported", path=result.gguf_path, size=result.file_bytes / 1e6)
        self.refresh_lab()
        self.reveal(self.query_one("#tr-sample", Static))  # at 60x18 the note lands below the fold

    # -- events from the training thread ------------------------------------------------------

    def on_train_event(self, item) -> None:
        run, event = item
        if run != self.run_id:
            return  # a stale event of an earlier run
        if isinstance(event, RunModel):
            self.run_model = event
            return
        if isinstance(event, RunSetup):
            self.setup = event
            if self.state == "loading":
                self.state = "running"
            self.refresh_lab()
            return
        if event.cancelled:
            self.state = "stopped"
            self.refresh_lab()
            return
        self.events.append(event)
        self.last = event
        self.train_points.append((event.step, event.train_loss))
        if event.val_loss is not None:
            self.val_points.append((event.step, event.val_loss))
            self.last_val = (event.step, event.val_loss)
        if event.sample is not None:
            self.sample = (event.step, event.sample)
        if event.done:
            self.state = "finished"
            self.refresh_lab()
        else:
            self.request_draw()


    # -- drawing ------------------------------------------------------------------------------

    def refresh_lab(self) -> None:
        self.query_one(".lab-title", Static).update(self.s("title"))
        self.query_one("#tr-status", Static).update(self.status_text())
        self.query_one("#tr-loss", Static).update(self.loss_chart())
        self.query_one("#tr-lr", Static).update(self.lr_chart())
        self.query_one("#tr-sample", Static).update(self.sample_text())

    def status_text(self) -> Text:
        text = Text()
        state = self.s("state." + self.state)
        text.append(state, style="bold")
        setup, last = self.setup, self.last
        width = self.query_one("#tr-status", Static).size.width if self.has_class("narrow") else 0
        if self.state == "idle":
            text.append("  " + self.s("idle_hint", steps=LAB_STEPS))
        elif self.state == "loading":
            text.append("  " + self.s("loading_hint"))
        elif last is not None:
            # Short figures, each kept whole: a narrow lab breaks the line between them, never
            # between a number and its unit ("1,000" / "tokens/s").
            pieces = [Text(self.s("export_hint"))] if self.state in ("finished", "stopped") and self.run_model else []
            pieces += [Text(self.s("step", step=last.step, steps=last.max_steps) + "  ·"),
                       Text(self.s("speed", tps=last.tokens_per_s))]
            text = wrap_pieces(pieces, width, gap="  ", start=Text(state + "  ", style="bold"))
            text.no_wrap, text.overflow = False, None
        elif setup is not None:
            text.append("  " + self.s("step", step=0, steps=setup.max_steps))
        text.append("\n")
        if last is not None:
            if self.last_val is not None:
                step, loss = self.last_val
                val = Text(self.s("val_loss", loss=loss, step=step), style=VAL_STYLE)
            else:
                val = Text(self.s("val_pending"), style="dim")
            figures = [Text(self.s("train_loss", loss=last.train_loss), style=TRAIN_STYLE), val,
                       Text(self.s("lr", lr=last.lr), style=LR_STYLE)]
            text.append_text(wrap_pieces(figures, width, gap="  "))
        elif setup is not None:
            text.append(
                self.s(
                    "model",
                    layers=setup.n_layer,
                    heads=setup.n_head,
                    width=setup.n_embd,
                    params=setup.n_params,
                    device=setup.device,
                ),
                style="dim",
            )
        return text

    def _chart_size(self, widget_id: str, fallback: int) -> tuple[int, int]:
        size = self.query_one(widget_id, Static).content_size
        width = size.width if size.width > 8 else fallback
        return width, 6

    def loss_chart(self) -> Text:
        width, rows = self._chart_size("#tr-loss", 50)
        head = Text()
        head.append(self.s("loss_heading") + "  ", style="bold")
        head.append(f"{TRAIN_GLYPH} " + self.s("train"), style=TRAIN_STYLE)
        head.append("  ")
        head.append(f"{VAL_MARKER * 2} " + self.s("validation"), style=VAL_STYLE)
        x_max = self.setup.max_steps if self.setup else LAB_STEPS
        series = [Series(self.train_points, TRAIN_STYLE, connect=True),
                  Series(self.val_points, VAL_STYLE, connect=True, marker=VAL_MARKER)]
        lines = draw_chart(series, x_max, width - 6, rows)
        return join_lines([head, *lines])

    def lr_chart(self) -> Text:
        width, rows = self._chart_size("#tr-lr", self.LR_WIDTH - 1)
        head = Text(self.s("lr_heading"), style="bold")
        legend = Text()
        legend.append(f"{PLAN_GLYPH} " + self.s("lr_plan"), style=PLAN_STYLE)
        legend.append("  ")
        legend.append(f"{DONE_MARKER * 2} " + self.s("lr_done"), style=LR_STYLE)
        rows -= 1  # the legend's line: the chart keeps its height in all
        if self.setup is None:
            return join_lines([head, legend, *draw_chart([], 1, width - 8, rows, label="{:.1e}", label_width=7)])
        plan = list(enumerate(self.setup.schedule))
        done = [(e.step - 1, e.lr) for e in self.events]
        series = [Series(plan, PLAN_STYLE, connect=True), Series(done, LR_STYLE, connect=True, marker=DONE_MARKER)]
        lines = draw_chart(series, max(1, self.setup.max_steps - 1), width - 8, rows, label="{:.1e}", label_width=7)
        return join_lines([head, legend, *lines])

    def sample_text(self) -> Text:
        if self.export_note is not None:
            return Text(self.export_note)
        if self.sample is not None:
            step, sample = self.sample
            text = Text()
            text.append(self.s("sample", step=step) + " ", style="bold")
            text.append(sample_line(sample), style="italic")
            return text
        if self.setup is not None:
            return Text(
                self.s("sample_wait", every=self.setup.sample_interval)
                + "  "
                + self.s("data", train=self.setup.train_tokens, val=self.setup.val_tokens)
            )
        return Text(self.s("about"))

    def on_resize(self) -> None:
        if self.is_mounted:
            self.refresh_lab()

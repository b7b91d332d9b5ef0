"""Lesson 10 lab: two mini GPTs, learned positions vs RoPE, trained side by side on the course text.

Both are built by `tutor.engine.training.Trainer` with the same size, seed, recipe and batches
(the course model's, `tutor.engine.pretrained`); only GPTConfig.positions differs. One stream
worker steps them in turn, so both curves grow together; every number shown is a TrainEvent
field. The lab draws and compares, it never computes a loss.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from tutor.app.labs.base import FittedStatic, Lab
from tutor.app.labs.l12_training import (
    RunSetup,
    Series,
    build_trainer,
    draw_chart,
    join_lines,
)

LAB_STEPS = 300
# Shorter than the shipped recipe, and a quarter of its batch, so two models train in about a minute.
RUN_OVERRIDES: dict = {"batch_size": 4, "warmup_steps": 30, "eval_interval": 20, "eval_iters": 4, "sample_interval": 0}
MODEL_OVERRIDES: dict = {}  # on top of pretrained.COURSE_MODEL (tests shrink the model here)

KINDS = ("learned", "rope")
STYLE = {"learned": "cyan", "rope": "magenta"}
VAL_STYLE = {"learned": "bold cyan", "rope": "bold magenta"}
OVERLAP_STYLE = "white"  # cells where both curves pass
# Not colour alone: learned positions are a braille line, RoPE a line of markers, and a cell both
# pass gets its own glyph; the legend shows each glyph with its name.
MARKER = {"learned": "", "rope": "×"}
LEGEND_GLYPH = {"learned": "⠤⠤", "rope": "××"}
BOTH = "*"


class RoPEvsLearnedLab(Lab):
    LESSON_ID = "m2-l10-rope-in-gpt2"
    KEYS = [
        ("s", "start", "key.start"),
        ("x", "stop", "key.stop"),
    ]

    DEFAULT_CSS = """
    RoPEvsLearnedLab #rl-status { height: auto; }  /* wraps: the idle hint is whole at 80 columns too */
    RoPEvsLearnedLab #rl-charts { height: 7; }
    RoPEvsLearnedLab #rl-train, RoPEvsLearnedLab #rl-val { width: 1fr; }
    RoPEvsLearnedLab #rl-val { padding-left: 1; }
    RoPEvsLearnedLab #rl-final { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    RoPEvsLearnedLab.narrow #rl-charts { layout: vertical; height: auto; }
    RoPEvsLearnedLab.narrow #rl-train, RoPEvsLearnedLab.narrow #rl-val { width: 100%; height: 7; padding-left: 0; }
    RoPEvsLearnedLab.narrow #rl-final { height: auto; text-wrap: wrap; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.state = "idle"  # idle | loading | running | stopped | finished
        self.run_id = 0
        self.reset_run()

    def reset_run(self) -> None:
        self.setups: dict[str, RunSetup] = {}
        self.events: dict[str, list] = {kind: [] for kind in KINDS}
        self.val_points: dict[str, list[tuple[int, float]]] = {kind: [] for kind in KINDS}

    def compose(self) -> ComposeResult:
        yield self.title_widget()
        yield Static(id="rl-status")
        with Horizontal(id="rl-charts"):
            yield FittedStatic(id="rl-train")
            yield FittedStatic(id="rl-val")
        yield Static(id="rl-final")

    # -- keys ---------------------------------------------------------------------------------

    def action_start(self) -> None:
        if self.state in ("loading", "running"):
            self.notify(self.s("already"))
            return
        self.run_id += 1
        run = self.run_id
        self.reset_run()
        self.state = "loading"
        self.refresh_lab()

        def events(cancel: threading.Event) -> Iterator:
            built = {kind: build_trainer(LAB_STEPS, RUN_OVERRIDES, MODEL_OVERRIDES, positions=kind) for kind in KINDS}
            yield run, "setup", {kind: setup for kind, (_trainer, setup) in built.items()}
            from tutor.engine.device import small_model_threads

            streams = {kind: trainer.run(cancel=cancel) for kind, (trainer, _setup) in built.items()}
            active = list(KINDS)
            # One CPU thread for this worker (see lesson 12's lab: faster at this size).
            with small_model_threads(built[KINDS[0]][0].model):
                while active:  # one step of each model in turn: the curves grow together
                    for kind in list(active):
                        event = next(streams[kind], None)
                        if event is None or event.done:
                            active.remove(kind)
                        if event is not None:
                            yield run, kind, event

        self.stream_engine(events, self.on_train_event)

    def action_stop(self) -> None:
        if self.state not in ("loading", "running"):
            return
        self.stop_streams()
        self.state = "stopped"
        self.refresh_lab()

    # -- events from the training thread ------------------------------------------------------

    def on_train_event(self, item) -> None:
        run, kind, event = item
        if run != self.run_id:
            return
        if kind == "setup":
            self.setups = event
            if self.state == "loading":
                self.state = "running"
            self.refresh_lab()
            return
        if event.cancelled:
            self.state = "stopped"
            self.refresh_lab()
            return
        self.events[kind].append(event)
        if event.val_loss is not None:
            self.val_points[kind].append((event.step, event.val_loss))
        if all(self.events[k] and self.events[k][-1].done for k in KINDS):
            self.state = "finished"
            self.refresh_lab()
            self.reveal(self.query_one("#rl-final", Static))  # the verdict lands below the fold at 60x18
        else:
            self.request_draw()


    # -- drawing ------------------------------------------------------------------------------

    def kind_name(self, kind: str) -> str:
        return self.s("name." + kind)

    def last(self, kind: str):
        return self.events[kind][-1] if self.events[kind] else None

    def refresh_lab(self) -> None:
        self.query_one(".lab-title", Static).update(self.s("title"))
        self.query_one("#rl-status", Static).update(self.status_text())
        self.query_one("#rl-train", Static).update(self.train_chart())
        self.query_one("#rl-val", Static).update(self.val_chart())
        self.query_one("#rl-final", Static).update(self.final_text())

    def status_text(self) -> Text:
        text = Text()
        text.append(self.s("state." + self.state), style="bold")
        setup = self.setups.get("learned")
        if self.state == "idle":
            text.append("  " + self.s("idle_hint", steps=LAB_STEPS))
        elif self.state == "loading":
            text.append("  " + self.s("loading_hint"))
        elif setup is not None:
            steps = [e.step for k in KINDS if (e := self.last(k)) is not None]
            text.append("  " + self.s("step", step=min(steps) if len(steps) == len(KINDS) else 0, steps=setup.max_steps))
            text.append(" · " + self.s("shape", layers=setup.n_layer, heads=setup.n_head, width=setup.n_embd), style="dim")
        for kind in KINDS:
            text.append("\n")
            text.append(f"{LEGEND_GLYPH[kind]} {self.kind_name(kind):<11}", style=STYLE[kind])
            last, model = self.last(kind), self.setups.get(kind)
            if model is not None:
                text.append(self.s("params", params=model.n_params), style="dim")
            if last is not None:
                text.append(" · " + self.s("train_loss", loss=last.train_loss), style=STYLE[kind])
                if self.val_points[kind]:
                    step, loss = self.val_points[kind][-1]
                    text.append(" · " + self.s("val_loss", loss=loss, step=step), style=VAL_STYLE[kind])
        return text

    def x_max(self) -> int:
        setup = self.setups.get("learned")
        return setup.max_steps if setup else LAB_STEPS

    def _chart(self, widget_id: str, heading: str, series: list[Series]) -> Text:
        width = self.query_one(widget_id, Static).content_size.width
        width = width if width > 12 else 37
        head = Text()
        head.append(heading, style="bold")
        head.append("  " + self.s("legend", glyph=BOTH), style=OVERLAP_STYLE)
        return join_lines([head, *draw_chart(series, self.x_max(), width - 6, 6, overlap=OVERLAP_STYLE, both=BOTH)])

    def train_chart(self) -> Text:
        series = [Series([(e.step, e.train_loss) for e in self.events[k]], STYLE[k], connect=True, marker=MARKER[k])
                  for k in KINDS]
        return self._chart("#rl-train", self.s("train_heading"), series)

    def val_chart(self) -> Text:
        series = [Series(self.val_points[k], STYLE[k], connect=True, marker=MARKER[k]) for k in KINDS]
        return self._chart("#rl-val", self.s("val_heading"), series)

    def final_text(self) -> Text:
        if self.state == "finished":
            finals = {kind: self.val_points[kind][-1][1] for kind in KINDS if self.val_points[kind]}
            if len(finals) == len(KINDS):
                learned, rope = finals["learned"], finals["rope"]
                if round(rope, 3) < round(learned, 3):
                    verdict = self.s("verdict.rope")
                elif round(learned, 3) < round(rope, 3):
                    verdict = self.s("verdict.learned")
                else:
                    verdict = self.s("verdict.tie")
                return Text(self.s("final", learned=learned, rope=rope, verdict=verdict), style="bold")
        if self.state == "stopped":
            return Text(self.s("stopped_hint"), style="dim")
        return Text(self.s("about"), style="dim")

    def on_resize(self) -> None:
        if self.is_mounted:
            self.refresh_lab()

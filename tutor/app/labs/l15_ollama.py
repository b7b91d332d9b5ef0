"""Lesson 15 lab: is Ollama here? Its version and models, how to install it and pull a model that
fits this machine, how to reach another server or an exo cluster, and a key that opens the chat.

The checks run in a thread worker with short timeouts: `tutor.fit`'s Ollama API helpers and its
catalogue verdicts when that package is present, else plain httpx GETs of /api/version and
/api/tags. Nothing here can hang the screen or crash it when Ollama is absent.

"Your own model": m exports the GPT lab 12 trained (or the shipped one) to GGUF
(tutor.engine.export) and, when Ollama answers, creates it there over the API
(tutor.chat.create), with progress; o then opens it in the chat. Without Ollama it prints the
`ollama create` command for the exported Modelfile.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tutor.app.labs.base import Lab, error_text, lab_strings
from tutor.engine.export import COURSE_EXPORT, export_path, modelfile_path, ollama_name
from tutor.engine.memory import format_bytes
from tutor.fit.ollama_api import parse_host

SECTIONS = ("ol-status", "ol-models", "ol-own", "ol-install", "ol-pull", "ol-remote", "ol-exo")
TIMEOUT_S = 2.0  # per request; a machine without Ollama answers "connection refused" at once
RECOMMENDED = 3  # how many of the catalogue's best picks to list


@dataclass
class OllamaStatus:
    host: str
    reachable: bool = False
    version: str | None = None
    reason: str | None = None  # why it is not reachable, or why no models are listed
    reason_kind: str = "other"  # OllamaUnavailable.kind: the lab words the known ones itself
    reason_values: dict = field(default_factory=dict)
    models: list[dict] = field(default_factory=list)  # /api/tags entries
    picks: list[dict] | None = None  # tutor.fit's catalogue verdicts, best first (None: unavailable)
    largest: dict | None = None  # the largest catalogue model that still loads here
    fitting: int = 0  # catalogue models that load here
    catalogue_size: int = 0
    picks_error: str | None = None


def probe_ollama() -> OllamaStatus:
    """Ask the Ollama that OLLAMA_HOST names for its version and models, then rank the catalogue."""
    from tutor.fit.ollama_api import OllamaAPI, OllamaUnavailable

    api = OllamaAPI(timeout=TIMEOUT_S)
    status = OllamaStatus(api.base)
    try:
        status.version = api.version()
        status.reachable = True
        status.models = api.tags()
    except OllamaUnavailable as exc:
        status.reason = str(exc)
        status.reason_kind, status.reason_values = exc.kind, dict(exc.values)
    _recommend(status)
    return status


def _recommend(status: OllamaStatus) -> None:
    """Which catalogue models fit this machine, by tutor.fit's own estimate (fail soft)."""
    from tutor.fit import VERDICT_NO, verdict_for_catalogue
    from tutor.fit.hardware import detect_hardware

    try:
        ranked = verdict_for_catalogue(detect_hardware(), status.version)
    except Exception as exc:  # noqa: BLE001 - a broken estimate must not take the lab down
        status.picks_error = error_text(exc)
        return
    loads = [m for m in ranked if m.get("verdict") != VERDICT_NO]
    status.picks = loads[:RECOMMENDED]
    status.fitting = len(loads)
    status.catalogue_size = len(ranked)
    status.largest = max(loads, key=lambda m: m.get("file_bytes") or 0, default=None)


class OllamaLab(Lab):
    LESSON_ID = "m2-l15-ollama-exo"
    KEYS = [
        ("o,enter", "open_chat", "key.chat"),
        ("r", "check", "key.check"),
        ("s", "next_section", "key.section"),
        ("m", "create_model", "key.create"),
    ]

    DEFAULT_CSS = """
    OllamaLab #ol-scroll { height: 1fr; }
    OllamaLab #ol-scroll > Static { margin-bottom: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.status: OllamaStatus | None = None  # None while checking
        self.section = 0
        self.own: OwnModel | None = None  # the course's own model on its way into Ollama

    def compose(self) -> ComposeResult:
        yield self.title_widget()
        with VerticalScroll(id="ol-scroll"):  # focused: the arrow keys scroll it
            for name in SECTIONS:
                yield Static(id=name)

    def on_mount(self) -> None:
        super().on_mount()
        self.action_check()

    # -- actions ------------------------------------------------------------------------------

    def action_check(self) -> None:
        self.status = None
        self.refresh_lab()
        self.run_engine(probe_ollama, self._got_status, group="ollama-check")

    def _got_status(self, status: OllamaStatus) -> None:
        self.status = status
        self.refresh_lab()

    def action_open_chat(self) -> None:
        own = self.own
        self.app.open_chat(model=own.name if own is not None and own.state == "created" else None)

    def action_create_model(self) -> None:
        """Export the GPT the learner trained (lab 12) or the shipped one, then create it in Ollama."""
        if self.own is not None and self.own.state in ("exporting", "uploading", "creating"):
            self.notify(self.s("own_busy"))
            return
        status = self.status
        reachable = status is not None and status.reachable
        own = OwnModel(*pick_own_model())
        own.state = "exporting"
        self.own = own
        self.refresh_lab()
        host = status.host if reachable else None

        def events(cancel):
            yield from own_model_events(own, host, cancel)

        self.stream_engine(events, self._own_event, group="ollama-create")

    def _own_event(self, event) -> None:
        if self.own is None:
            return
        kind, value = event
        own = self.own
        if kind == "exported":
            own.exported = True
            own.state = "uploading" if own.host else "exported"
        elif kind == "progress":
            own.state = "uploading" if value.stage == "upload" else "creating"
            own.progress = value
        elif kind == "created":
            own.state = "created"
        elif kind == "error":
            own.state = "failed"
            own.error = value.text(self.lang) if hasattr(value, "text") else str(value)
        if kind == "progress":
            self.request_draw()  # uploads report often: throttled redraws
        else:
            self.refresh_lab()

    def action_next_section(self) -> None:
        visible = [name for name in SECTIONS if self.query_one(f"#{name}", Static).display]
        self.section = (self.section + 1) % len(visible)
        target = self.query_one(f"#{visible[self.section]}", Static)
        self.query_one("#ol-scroll", VerticalScroll).scroll_to_widget(target, top=True, animate=False)

    # -- drawing ------------------------------------------------------------------------------

    def refresh_lab(self) -> None:
        self.query_one(".lab-title", Static).update(self.s("title"))
        status = self.status
        host = status.host if status else parse_host()
        parts: dict[str, Text | None] = {
            "ol-status": self.status_text(status, host),
            "ol-models": self.models_text(status),
            "ol-own": self.own_text(status),
            "ol-install": self.install_text() if status is not None and not status.reachable else None,
            "ol-pull": self.pull_text(status),
            "ol-remote": self.block("remote_title", "remote_body", host=host),
            "ol-exo": self.block("exo_title", "exo_body"),
        }
        for name, text in parts.items():
            widget = self.query_one(f"#{name}", Static)
            widget.display = text is not None
            if text is not None:
                widget.update(text)

    def block(self, title_key: str, body_key: str, **values: Any) -> Text:
        text = self.heading(title_key)
        text.append(self.s(body_key, **values))
        return text

    def heading(self, key: str, **values: Any) -> Text:
        text = Text()
        text.append(self.s(key, **values) + "\n", style="bold")
        return text

    def status_text(self, status: OllamaStatus | None, host: str) -> Text:
        if status is None:
            return Text(self.s("checking", host=host), style="dim")
        text = Text()
        if status.reachable:
            text.append("✓ ", style="bold green")
            text.append(self.s("reachable", host=status.host, version=status.version))
            return text
        text.append("✗ ", style="bold red")
        text.append(self.s("unreachable", host=status.host), style="bold")
        text.append("\n" + self.reason_text(status), style="dim")
        return text

    def reason_text(self, status: OllamaStatus) -> str:
        """Why Ollama did not answer, in the learner's language (an unknown reason as it came)."""
        key = "reason." + status.reason_kind
        if key in lab_strings(self.LESSON_ID).get(self.lang, {}):
            return self.s(key, **status.reason_values)
        return status.reason or "?"

    def models_text(self, status: OllamaStatus | None) -> Text | None:
        if status is None or not status.reachable:
            return None
        text = self.heading("models_title", count=len(status.models))
        if not status.models:
            text.append(self.s("no_models"), style="yellow")
            return text
        lines = []
        for model in status.models:
            details = model.get("details") or {}
            size = model.get("size")
            values = dict(
                name=model.get("model") or model.get("name") or "?",
                size=format_bytes(size, binary=False) if isinstance(size, (int, float)) else "?",
                params=details.get("parameter_size") or "?",
                quant=details.get("quantization_level") or "?",
            )
            # A narrow lab gives the details their own indented line: a wrapped row would split
            # a size or a parameter count from its words.
            lines.append(self.s("model_line_narrow" if self.has_class("narrow") else "model_line", **values))
        text.append("\n".join(lines))
        text.append("\n" + self.s("chat_hint"), style="dim")
        return text

    def own_text(self, status: OllamaStatus | None) -> Text | None:
        """Your own model: the GGUF the course exports, and it in Ollama (or the command for it)."""
        if status is None:
            return None
        own = self.own
        stem, source = pick_own_model() if own is None else (own.stem, own.source)
        name = ollama_name(stem)
        text = self.heading("own_title")
        text.append(self.s("own_source." + source) + "\n")
        if own is None:
            if status.reachable:
                text.append(self.s("own_create", name=name))
            elif source == "lab12":  # lab 12 exported it already: only Ollama is missing
                text.append(self.s("own_exported_offline") + "\n" + self.s("own_command") + "\n")
                text.append(f"  ollama create {name} -f {modelfile_path(export_path(stem))}", style="bold")
            else:
                text.append(self.s("own_export", name=name))
            return text
        if own.state == "exporting":
            text.append(self.s("own_exporting"), style="dim")
        elif own.state in ("uploading", "creating"):
            text.append(self.progress_line(own))
        elif own.state == "created":
            text.append("✓ ", style="bold green")
            text.append(self.s("own_created", name=name))
        elif own.state == "failed":
            text.append("✗ ", style="bold red")
            text.append(self.s("own_failed") + "\n", style="bold")
            text.append(own.error or "?", style="dim")
        if own.exported and own.state != "created":
            text.append("\n" + self.s("own_command") + "\n")
            text.append(f"  ollama create {name} -f {modelfile_path(export_path(stem))}", style="bold")
        return text

    def progress_line(self, own: "OwnModel") -> Text:
        step = own.progress
        text = Text()
        if step is None or step.stage == "upload":
            fraction = step.fraction if step is not None else 0.0
            done = round((fraction or 0.0) * 20)
            text.append(self.s("own_uploading") + " ")
            text.append("█" * done + "░" * (20 - done))
            text.append(f" {100 * (fraction or 0.0):3.0f}%")
            if step is not None and step.reused:
                text.append("  " + self.s("own_reused"), style="dim")
        else:
            text.append(self.s("own_creating", status=step.status))
        return text

    def install_text(self) -> Text:
        text = self.heading("install_title")
        text.append(self.s("install_body"))
        if os.environ.get("OLLAMA_HOST"):
            text.append("\n" + self.s("host_set", value=os.environ["OLLAMA_HOST"]), style="yellow")
        return text

    def pull_text(self, status: OllamaStatus | None) -> Text | None:
        if status is None:
            return None
        text = self.heading("pull_title")
        if status.picks is None:
            text.append(self.s("no_catalogue", error=status.picks_error or "?"), style="dim")
            return text
        if not status.picks:
            text.append(self.s("nothing_fits", total=status.catalogue_size), style="yellow")
            return text
        context = status.picks[0].get("context") or 0
        text.append(self.s("fits_count", fitting=status.fitting, total=status.catalogue_size, context=context) + "\n")
        lines = [self.pick_line(m) for m in status.picks]
        largest = status.largest
        if largest is not None and all(largest["model"] != m["model"] for m in status.picks):
            lines.append(self.s("largest") + self.pick_line(largest))
        text.append("\n".join(lines))
        return text

    def pick_line(self, model: dict) -> str:
        estimate = model.get("estimate") or {}
        return self.s(
            "pick_line",
            name=model["model"],
            download=format_bytes(model.get("file_bytes") or 0, binary=False, decimals=1),
            memory=format_bytes(estimate.get("total_bytes") or 0, binary=False, decimals=1),
            where=self.s("verdict." + str(model.get("verdict")), processor=model.get("processor") or ""),
        )


# ----------------------------------------------------------------------------- your own model


@dataclass
class OwnModel:
    """The course's GPT on its way into Ollama: which one, and how far it got."""

    stem: str  # export file stem: "lab12" (lab 12 exported it) or "course" (the shipped one)
    source: str  # "lab12" | "course": which strings describe it
    state: str = "exporting"  # exporting | exported | uploading | creating | created | failed
    exported: bool = False
    host: str | None = None
    progress: Any = None  # tutor.chat.create.CreateProgress
    error: str | None = None

    @property
    def name(self) -> str:
        return ollama_name(self.stem)


def pick_own_model() -> tuple[str, str]:
    """Lab 12's export when there is one, else the shipped course model (exported on the way)."""
    from tutor.engine.export import LAB_EXPORT

    if export_path(LAB_EXPORT).is_file():
        return LAB_EXPORT, "lab12"
    return COURSE_EXPORT, "course"


def own_model_events(own: OwnModel, host: str | None, cancel):
    """(kind, value) events: export the GGUF if needed, then create it in Ollama at `host`."""
    from tutor.chat.backends import ChatError
    from tutor.engine.export import export_gguf, read_modelfile

    own.host = host
    path = export_path(own.stem)
    try:
        if own.stem == COURSE_EXPORT or not path.is_file():
            export_gguf(path)  # the shipped model: a fresh export, a second or two
        spec = read_modelfile(modelfile_path(path))
    except (OSError, ValueError) as exc:
        yield "error", error_text(exc)
        return
    yield "exported", path
    if host is None:
        return
    from tutor.chat.create import create_model

    try:
        for step in create_model(own.name, path, spec, host=host, modelfile_path=modelfile_path(path)):
            if cancel.is_set():
                return
            yield "progress", step
    except ChatError as exc:
        yield "error", exc  # worded on the UI thread, in the lab's language
        return
    yield "created", own.name

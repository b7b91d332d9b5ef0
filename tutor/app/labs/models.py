"""The model switch of the labs that run a model: a list of sources, one key, the current one named.

A lab mixes in `ModelSwitch`, lists its sources in MODEL_SOURCES (the shipped course model
first: the default, offline), adds MODEL_KEYS to its KEYS, shows `model_title()` in its
title, asks the engine with `self.model_name` and redraws in `model_changed()`. Loading runs in a
worker (`tutor.engine.registry.load_model`), so a 500 MB checkpoint never freezes the screen.
When GPT-2 is not downloaded the switch stays where it was and says how to get it and its size;
`ctrl+g` then downloads it (huggingface_hub's cache, with progress; `ctrl+g` again cancels).

Another kind of source (issue 14's "chat model" for lesson 1) is a `ModelSource` with a
different `kind`: the switch cycles through it like the others and the lab decides what to ask.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from tutor.app.keys import translated_bindings

STRINGS = "models"  # strings/models.toml


@dataclass(frozen=True)
class ModelSource:
    name: str  # for kind "engine": what tutor.engine.registry.load_model takes
    kind: str = "engine"


COURSE_AND_GPT2 = (ModelSource("course"), ModelSource("gpt2"))

# The download key is ctrl+g ("get"), not a letter: `d` marks a lesson done on the lesson screen.
MODEL_KEYS = [("m", "next_model", "key.model"), ("ctrl+g", "download_model", "")]
# For a lab whose focus always sits in a text field (lesson 4), where letters are typed.
MODEL_KEYS_WHILE_TYPING = [("ctrl+o", "next_model", "key.model"), ("ctrl+g", "download_model", "")]


def _strings() -> dict[str, dict[str, str]]:
    from tutor.app.labs.base import lab_strings

    return lab_strings(STRINGS)


def load_source(source: ModelSource):
    """(runs in a worker) Load the source's model so that later engine calls find it cached."""
    from tutor.engine.registry import load_model

    return load_model(source.name)


def download_source(name: str, progress, cancel: threading.Event):
    """(runs in a worker) Download a hub model with progress (done, total) and cancel."""
    from tutor.engine import hub

    return hub.download(name, progress=progress, cancel=cancel)


class ModelSwitch:
    """Mixin for a Lab. Keeps the current source; `m` moves to the next one that loads."""

    MODEL_SOURCES: tuple[ModelSource, ...] = COURSE_AND_GPT2
    MODEL_KEY_NAMES = ("m", "ctrl+g")  # as the messages name them: the switch, the download (and cancel)

    model_index: int = 0
    model_pending: ModelSource | None = None
    model_missing: str | None = None  # a hub model the learner asked for that is not downloaded
    model_download: threading.Event | None = None  # set while a download runs: its cancel
    model_next: int | None = None  # after a source failed to load, `m` tries the one after it

    # -- naming ---------------------------------------------------------------------------------

    def ms(self, key: str, **values) -> str:
        table = _strings().get(self.lang, {})
        text = table.get(key, key)
        switch_key, download_key = self.MODEL_KEY_NAMES
        return text.format(switch_key=switch_key, download_key=download_key, **values)

    @property
    def model_source(self) -> ModelSource:
        return self.MODEL_SOURCES[self.model_index]

    @property
    def model_name(self) -> str:
        return self.model_source.name

    def source_label(self, source: ModelSource) -> str:
        key = "label." + source.name
        if key in _strings().get(self.lang, {}):
            return self.ms(key)
        from pathlib import Path

        return "".join(ch if ch.isprintable() else "?" for ch in Path(source.name).name or source.name)

    @property
    def model_label(self) -> str:
        return self.source_label(self.model_source)

    def model_title(self) -> str:
        """The lab's title with the current model named (always on screen)."""
        label = self.source_label(self.model_pending) if self.model_pending else self.model_label
        return f"{self.s('title')} · {label}"

    def bind_keys(self) -> None:
        labels = {lang: {**_strings().get(lang, {}), **table} for lang, table in self._lab_strings_all().items()}
        self._bindings = translated_bindings(self.keys_with_paging(), self.lang, labels, base=type(self)._merged_bindings)
        self.screen.refresh_bindings()

    def _lab_strings_all(self) -> dict[str, dict[str, str]]:
        from tutor.app.labs.base import lab_strings

        own = lab_strings(self.LESSON_ID)
        return {lang: own.get(lang, {}) for lang in set(own) | set(_strings())}

    # -- switching ------------------------------------------------------------------------------

    def action_next_model(self) -> None:
        if self.model_pending is not None:
            return  # one load at a time
        start = self.model_next if self.model_next is not None else self.model_index + 1
        target = self.MODEL_SOURCES[start % len(self.MODEL_SOURCES)]
        index = self.MODEL_SOURCES.index(target)
        self.model_pending = target
        self.model_title_changed()
        self.notify(self.ms("loading", label=self.source_label(target)), timeout=3)
        self.run_engine(lambda: self.load_model_source(target), lambda _: self._model_loaded(index), group="model-load",
                        failed=lambda exc: self._model_failed(target, exc))

    def load_model_source(self, source: ModelSource):
        """(runs in a worker) Get `source` ready; a lab with other kinds of source overrides this."""
        return load_source(source)

    def skip_past(self, source: ModelSource) -> None:
        """`source` could not be used: the next `m` moves on to the source after it."""
        self.model_next = (self.MODEL_SOURCES.index(source) + 1) % len(self.MODEL_SOURCES)

    def _model_loaded(self, index: int) -> None:
        self.model_pending = None
        self.model_next = None
        self.model_missing = None
        self.model_index = index
        self.model_title_changed()
        self.notify(self.ms("switched", label=self.model_label), timeout=3)
        self.model_changed()

    def _model_failed(self, source: ModelSource, exc: BaseException) -> None:
        from tutor.engine.registry import ModelUnavailable, human_bytes

        self.model_pending = None
        self.skip_past(source)
        self.model_title_changed()
        label = self.source_label(source)
        if isinstance(exc, ModelUnavailable):
            self.model_missing = source.name
            self.notify(self.ms("missing", label=label, size=human_bytes(exc.model.download_bytes), name=source.name),
                        severity="warning", timeout=12)
        else:
            self.notify(self.ms("failed", label=label, error=str(exc)), severity="error", timeout=10)

    def model_title_changed(self) -> None:
        from textual.widgets import Static

        self.query_one(".lab-title", Static).update(self.model_title())

    def model_changed(self) -> None:
        """The current model changed: recompute what the lab shows (subclasses)."""

    # -- downloading ----------------------------------------------------------------------------

    def action_download_model(self) -> None:
        from tutor.engine.registry import HUB_MODELS, human_bytes

        if self.model_download is not None:  # pressed again: cancel
            self.model_download.set()
            return
        name = self.model_missing
        if name is None or name not in HUB_MODELS:
            return
        hub_model = HUB_MODELS[name]
        label = self.source_label(ModelSource(name))
        cancel = threading.Event()
        self.model_download = cancel
        self.notify(self.ms("download_start", label=label, size=human_bytes(hub_model.download_bytes)), timeout=5)
        state = {"shown": -1}

        def progress(done: int, total: int) -> None:
            tenth = int(10 * done / total) if total else 10
            if tenth != state["shown"]:  # a note per tenth, posted to the UI thread
                state["shown"] = tenth
                self.app.call_from_thread(self._download_progress, label, done, total)

        self.run_engine(lambda: download_source(name, progress, cancel), lambda _: self._downloaded(label),
                        group="model-download", failed=self._download_failed)

    def _download_progress(self, label: str, done: int, total: int) -> None:
        from tutor.engine.registry import human_bytes

        self.download_fraction = done / total if total else 1.0
        self.notify(self.ms("download_progress", label=label, percent=self.download_fraction, size=human_bytes(total)),
                    timeout=3)

    def _downloaded(self, label: str) -> None:
        self.model_download = None
        self.model_missing = None
        self.model_next = None  # `m` goes to the model just downloaded
        self.notify(self.ms("download_done", label=label), timeout=8)

    def _download_failed(self, exc: BaseException) -> None:
        from tutor.engine.hub import DownloadCancelled

        self.model_download = None
        if isinstance(exc, DownloadCancelled):
            self.notify(self.ms("download_cancelled"), timeout=6)
        else:
            self.notify(self.ms("download_failed", error=str(exc)), severity="error", timeout=12)

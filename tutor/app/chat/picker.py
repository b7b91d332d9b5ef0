"""The model picker: installed models with their fit verdicts, and downloads (pull) with a progress bar."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from tutor.app.chat.common import UI_INTERVAL, UnexpectedError, clean_input
from tutor.chat.backends import Backend, CancelToken, ChatError, ModelEntry, PullProgress
from tutor.chat.picker import FitResult, Verdict, fit_check, human_size
from tutor.i18n import t


class ListedModels(Message):
    def __init__(self, models: list[ModelEntry] | None, error: ChatError | None):
        super().__init__()
        self.models = models
        self.error = error


class PickerFit(Message):
    def __init__(self, fit: FitResult, model: str | None = None):
        super().__init__()
        self.fit = fit
        self.model = model


class PullUpdate(Message):
    def __init__(self, progress: PullProgress):
        super().__init__()
        self.progress = progress


class PullEnded(Message):
    def __init__(self, model: str, ok: bool, cancelled: bool, error: ChatError | None):
        super().__init__()
        self.model = model
        self.ok = ok
        self.cancelled = cancelled
        self.error = error


class ModelPicker(ModalScreen[str | None]):
    """Installed models with their fit verdicts; downloads (pull) with an overall progress bar."""

    BINDINGS = [Binding("escape", "close", show=False), Binding("f5", "refresh", show=False)]

    DEFAULT_CSS = """
    ModelPicker { align: center middle; }
    ModelPicker #picker { width: 96%; max-width: 100; height: 90%; border: round $accent; padding: 0 1; background: $surface; }
    ModelPicker #picker-title { height: 1; text-style: bold; }
    ModelPicker #picker-list { height: 1fr; border: none; padding: 0; }
    ModelPicker #picker-note { height: auto; max-height: 4; color: $text-muted; }
    ModelPicker #picker-pull { height: 3; }
    ModelPicker #picker-progress { height: 1; display: none; }
    ModelPicker #picker-progress.shown { display: block; }
    ModelPicker #picker-keys { height: 1; color: $text-muted; }
    """

    def __init__(
        self,
        backend: Backend,
        current: str | None = None,
        pull_name: str | None = None,
        fit_hardware: Any = None,
        num_ctx: int | None = None,
    ):
        super().__init__()
        self.backend = backend
        self.current = current
        self.pull_name = pull_name
        self.fit_hardware = fit_hardware
        self.num_ctx = num_ctx
        self.models: list[ModelEntry] = []
        self.fit: FitResult | None = None
        self.pull_token: CancelToken | None = None
        self.pulling: str | None = None
        self.pull_news_at = 0.0  # when the pull last sent anything (time.monotonic)
        self.pull_status = ""

    @property
    def lang(self) -> str:
        return self.app.lang

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static("", id="picker-title")
            yield OptionList(id="picker-list")
            yield Static("", id="picker-note")
            yield Input(placeholder="", id="picker-pull")
            yield ProgressBar(id="picker-progress", show_eta=False)
            yield Static("", id="picker-keys")

    def on_mount(self) -> None:
        lang = self.lang
        self.query_one("#picker-title", Static).update(
            Text(t("chat.picker.title", lang, backend="Ollama" if self.backend.kind == "ollama" else "OpenAI", url=self.backend.url))
        )
        pull = self.query_one("#picker-pull", Input)
        pull.placeholder = t("chat.picker.pull_placeholder", lang)
        pull.display = self.backend.can_pull
        keys = "chat.picker.keys" if self.backend.can_pull else "chat.picker.keys_no_pull"
        self.query_one("#picker-keys", Static).update(Text(t(keys, lang)))
        self.set_interval(1.0, self._watch_pull)
        self.query_one("#picker-note", Static).update(Text(t("chat.picker.loading", lang)))
        if self.pull_name and self.backend.can_pull:
            pull.value = self.pull_name  # the model the chat could not find: Enter downloads it
            pull.focus()
        else:
            self.query_one(OptionList).focus()
        self._list_worker()

    @work(thread=True, exclusive=True, group="picker-list", exit_on_error=False)
    def _list_worker(self) -> None:
        try:
            models = self.backend.list_models()
        except ChatError as exc:
            self.post_message(ListedModels(None, exc))
            return
        except Exception as exc:  # noqa: BLE001
            self.post_message(ListedModels(None, UnexpectedError(exc)))
            return
        self.post_message(ListedModels(models, None))
        if self.backend.kind == "ollama":
            self.post_message(PickerFit(fit_check(self.backend.url, ctx=self.num_ctx, hardware=self.fit_hardware)))

    @on(ListedModels)
    def _listed(self, message: ListedModels) -> None:
        note = self.query_one("#picker-note", Static)
        if message.error is not None:
            note.update(Text(message.error.text(self.lang), style="red"))
            self.models = []
        else:
            self.models = message.models or []
            if not self.models:
                note.update(Text(t("chat.picker.none_installed", self.lang)))
            else:
                note.update(Text(t("chat.picker.fit_pending", self.lang) if self.backend.kind == "ollama" else ""))
        self.rebuild()

    @on(PickerFit)
    def _fitted(self, message: PickerFit) -> None:
        if message.model is not None:
            self._pull_checked(message.model, message.fit)
            return
        self.fit = message.fit
        note = self.query_one("#picker-note", Static)
        if not message.fit.available:
            note.update(Text(t("chat.picker.fit_unavailable", self.lang)))
        elif self.models:
            note.update(Text(t("chat.picker.fit_ready", self.lang)))
        else:
            note.update(Text(t("chat.picker.none_installed", self.lang)))
        self.rebuild()

    def rebuild(self) -> None:
        lang = self.lang
        options: list[Option] = []
        fit = self.fit or FitResult()
        installed = {m.name for m in self.models}
        recs = [r for r in fit.recommendations if r.model not in installed] if self.backend.can_pull else []
        rows = []  # (id, mark, name, facts, verdict label)
        for model in self.models:
            facts = " · ".join(x for x in (human_size(model.size) if model.size else "", model.parameter_size, model.quantization) if x)
            label = fit.verdict(model.name).label(lang) if self.backend.kind == "ollama" else ""
            rows.append(("use:" + model.name, "●" if model.name == self.current else " ", model.name, facts, label))
        for rec in recs:
            rows.append(("pull:" + rec.model, "↓", rec.model, human_size(rec.file_bytes), rec.verdict.label(lang)))
        name_width = min(max((len(r[2]) for r in rows), default=0), 40)
        facts_width = max((len(r[3]) for r in rows), default=0)
        for index, (option_id, mark, name, facts, label) in enumerate(rows):
            if recs and index == len(self.models):
                options.append(Option(Text(t("chat.picker.recommended", lang), style="bold"), disabled=True))
            options.append(
                Option(
                    Text.assemble(f"{mark} ", (name.ljust(name_width), "bold"), f"  {facts.ljust(facts_width)}  ", (label, "dim")),
                    id=option_id,
                )
            )
        option_list = self.query_one(OptionList)
        highlighted = option_list.highlighted
        option_list.set_options(options)
        if options:
            index = next((i for i, o in enumerate(options) if o.id == "use:" + (self.current or "")), None)
            if index is None:
                index = highlighted if highlighted is not None and highlighted < len(options) else next(
                    (i for i, o in enumerate(options) if not o.disabled), 0
                )
            option_list.highlighted = index

    @on(OptionList.OptionSelected, "#picker-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or ""
        if option_id.startswith("use:"):
            self.dismiss(option_id[4:])
        elif option_id.startswith("pull:"):
            self.request_pull(option_id[5:])

    @on(Input.Submitted, "#picker-pull")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        name = clean_input(event.value).strip()
        if name:
            self.request_pull(name)

    def request_pull(self, name: str) -> None:
        if self.pulling:
            self.notify(t("chat.pull.busy", self.lang), severity="warning")
            return
        if not self.backend.can_pull:
            self.notify(t("chat.err.no_pull", self.lang), severity="warning")
            return
        verdict = None
        if self.fit is not None:
            for rec in self.fit.recommendations:
                if rec.model == name or rec.model == f"{name}:latest":
                    verdict = rec.verdict
        if verdict is None:
            self.query_one("#picker-note", Static).update(Text(t("chat.pull.checking", self.lang, model=name)))
            self._check_worker(name)
            return
        self._pull_checked(name, FitResult(available=True, installed={name: verdict}))

    @work(thread=True, exclusive=True, group="picker-check", exit_on_error=False)
    def _check_worker(self, name: str) -> None:
        self.post_message(PickerFit(fit_check(self.backend.url, ctx=self.num_ctx, model=name, hardware=self.fit_hardware), model=name))

    def _pull_checked(self, name: str, fit: FitResult) -> None:
        verdict = fit.verdict(name)
        if verdict.kind == "will_not_load":
            reason = verdict.text or t("chat.verdict.will_not_load", self.lang)
            self.query_one("#picker-note", Static).update(Text(t("chat.pull.refused", self.lang, model=name, reason=reason), style="red"))
            return
        self.start_pull(name, verdict)

    def start_pull(self, name: str, verdict: Verdict) -> None:
        self.pulling = name
        self.pull_token = CancelToken()
        note = t("chat.pull.started", self.lang, model=name)
        if verdict.kind == "unknown":
            note += " " + t("chat.pull.fit_unknown", self.lang)
        self.query_one("#picker-note", Static).update(Text(note))
        bar = self.query_one("#picker-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.set_class(True, "shown")
        self.pull_news_at = time.monotonic()
        self._pull_worker(name, self.pull_token)

    @work(thread=True, exclusive=True, group="picker-pull", exit_on_error=False)
    def _pull_worker(self, name: str, token: CancelToken) -> None:
        last = 0.0
        progress = None
        try:
            for progress in self.backend.pull(name, cancel=token):
                now = time.monotonic()
                if now - last >= UI_INTERVAL or progress.status == "success":
                    self.post_message(PullUpdate(progress))
                    last = now
        except ChatError as exc:
            self.post_message(PullEnded(name, False, token.cancelled, None if token.cancelled else exc))
            return
        except Exception as exc:  # noqa: BLE001
            self.post_message(PullEnded(name, False, token.cancelled, UnexpectedError(exc)))
            return
        if progress is not None and not token.cancelled:
            self.post_message(PullUpdate(progress))
        self.post_message(PullEnded(name, not token.cancelled, token.cancelled, None))

    @on(PullUpdate)
    def _pull_update(self, message: PullUpdate) -> None:
        progress = message.progress
        self.pull_news_at = time.monotonic()
        bar = self.query_one("#picker-progress", ProgressBar)
        if progress.overall_total:
            bar.update(total=progress.overall_total, progress=progress.overall_completed)
        status = progress.status
        if progress.overall_total:
            status += f" · {human_size(progress.overall_completed)} / {human_size(progress.overall_total)}"
        self.pull_status = status
        self.query_one("#picker-note", Static).update(Text(t("chat.pull.progress", self.lang, model=self.pulling or "", status=status)))

    STALL_SECONDS = 5  # a pull that sends nothing for this long says so (the bar alone looks frozen)

    def _watch_pull(self) -> None:
        self.check_stall(time.monotonic())

    def check_stall(self, now: float) -> None:
        if not self.pulling:
            return
        quiet = int(now - self.pull_news_at)
        if quiet >= self.STALL_SECONDS:
            note = t("chat.pull.stalled", self.lang, model=self.pulling, n=quiet)
            if self.pull_status:
                note = f"{self.pull_status}\n{note}"
            self.query_one("#picker-note", Static).update(Text(note, style="yellow"))

    @on(PullEnded)
    def _pull_ended(self, message: PullEnded) -> None:
        self.pulling = None
        self.pull_token = None
        note = self.query_one("#picker-note", Static)
        if message.ok:
            self.notify(t("chat.pull.done", self.lang, model=message.model), timeout=4)
            self.dismiss(message.model)
            return
        self.query_one("#picker-progress", ProgressBar).set_class(False, "shown")
        if message.cancelled:
            note.update(Text(t("chat.pull.cancelled", self.lang, model=message.model)))
        elif message.error is not None:
            note.update(Text(message.error.text(self.lang), style="red"))

    def action_close(self) -> None:
        if self.pull_token is not None:
            self.pull_token.cancel()
            return
        self.dismiss(None)

    def action_refresh(self) -> None:
        self._list_worker()

    def on_unmount(self) -> None:
        if self.pull_token is not None:
            self.pull_token.cancel()

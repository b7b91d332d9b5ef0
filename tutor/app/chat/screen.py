"""The chat screen: talk to a local model (Ollama, or an OpenAI-compatible server) as the course's tutor.

Layout, top to bottom: a status bar (backend, host, model, fit verdict, context used), a panel
for problems (hidden when all is well), the conversation, a state line (waiting, hints), the
multi-line input and the footer. Modal screens: the model picker (with fit verdicts and pulls),
the history, the settings and a plain-text view for selecting by hand.

All network work runs in thread workers; they post messages back. A streamed answer reaches the
screen at most ~10 times a second (`UI_INTERVAL`) through Textual's MarkdownStream, and is saved
to the store as it grows (tutor.chat.history.AnswerWriter), so Esc, a crash or a cut stream keep
everything that was shown.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Static, TextArea

from tutor.app.chat.common import (
    DEFAULT_TEMPERATURE,
    MAX_INPUT_CHARS,
    UI_INTERVAL,
    UnexpectedError,
    clean_input,
    copy_to_terminal,
    first_line,
    match_model,
    short_url,
)
from tutor.app.chat.history import HistoryScreen
from tutor.app.chat.log import AssistantMessage, ChatLog, UserMessage
from tutor.app.chat.picker import ModelPicker
from tutor.app.chat.plain import PlainView
from tutor.app.chat.settings import SettingsScreen
from tutor.app.chat.tokens import TokenView
from tutor.app.screens import TutorScreen
from tutor.chat.backends import (
    Backend,
    BackendUnreachable,
    CancelToken,
    ChatError,
    ModelDetails,
    ModelEntry,
    ModelNotFound,
    ModelTooLarge,
    Stats,
    make_backend,
    normalize_base_url,
    resolve_ollama_host,
)
from tutor.chat.clipboard import last_code_block
from tutor.chat.history import ChatRecord, History
from tutor.chat.logprobs import CHAT_TOP
from tutor.chat.picker import FitResult, Verdict, best_model, fit_check
from tutor.chat.sanitize import clean_text
from tutor.chat.tutor_mode import lesson_question, system_prompt
from tutor.i18n import t


# A completion model's prompt keeps this many characters of the conversation's end: the course GPT
# reads 128 tokens (about 3.2 characters each in the course text), so ~200 characters leave about
# half its context for the answer.
COMPLETION_PROMPT_CHARS = 200


class Connected(Message):
    def __init__(self, generation: int, version: str, models: list[ModelEntry]):
        super().__init__()
        self.generation = generation
        self.version = version
        self.models = models


class ConnectFailed(Message):
    def __init__(self, generation: int, error: ChatError):
        super().__init__()
        self.generation = generation
        self.error = error


class ModelInfo(Message):
    def __init__(self, generation: int, model: str, details: ModelDetails | None, loaded_context: int | None):
        super().__init__()
        self.generation = generation
        self.model = model
        self.details = details
        self.loaded_context = loaded_context


class FitDone(Message):
    def __init__(self, generation: int, fit: FitResult, choose: bool):
        super().__init__()
        self.generation = generation
        self.fit = fit
        self.choose = choose


class AnswerDelta(Message):
    def __init__(self, answer_id: int, content: str, thinking: str):
        super().__init__()
        self.answer_id = answer_id
        self.content = content
        self.thinking = thinking


class AnswerEnded(Message):
    def __init__(self, answer_id: int, stats: Stats | None, stopped: bool, error: ChatError | None, context: int | None):
        super().__init__()
        self.answer_id = answer_id
        self.stats = stats
        self.stopped = stopped
        self.error = error
        self.context = context


class ChatInput(TextArea):
    """Multi-line input: Enter sends; Ctrl+J, Alt+Enter and Shift+Enter insert a new line."""

    NEWLINE_KEYS = ("ctrl+j", "alt+enter", "shift+enter", "ctrl+enter")
    # TextArea takes F6 for "select line"; here it opens the screen's token view instead.
    BINDINGS = [Binding("f6", "screen.tokens", show=False)]

    class Submitted(Message):
        def __init__(self, text: str):
            super().__init__()
            self.text = text

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self.text))
            return
        if event.key in self.NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            start, end = self.selection
            result = self.replace("\n", start, end)
            self.move_cursor(result.end_location)
            return
        # anything else: TextArea's own handler runs next (Textual dispatches along the MRO)


class ChatPanel(VerticalScroll):
    """The problem panel. On a short terminal it may hold more than it shows: it scrolls (wheel, or
    Tab to it and the arrows) and says so on its bottom border, in words (a scrollbar alone is
    invisible without colour)."""

    def compose(self) -> ComposeResult:
        yield Static("", id="chat-panel-text")

    def on_mount(self) -> None:
        self.watch(self, "scroll_y", lambda _y: self.mark_more(), init=False)

    def on_resize(self) -> None:
        self.call_after_refresh(self.mark_more)

    def update(self, text: Text) -> None:
        self.query_one("#chat-panel-text", Static).update(text)
        self.scroll_home(animate=False)
        self.call_after_refresh(self.mark_more)

    @property
    def text(self) -> str:
        return str(self.query_one("#chat-panel-text", Static).render())

    def mark_more(self) -> None:
        if not self.is_attached:
            return
        more = self.has_class("shown") and self.max_scroll_y > self.scroll_y
        self.border_subtitle = t("chat.panel.more", self.app.lang) if more else ""


# Rows the chat keeps for its fixed parts: header, status bar, state line and footer.
CHAT_FIXED_ROWS = 4


def chat_heights(height: int) -> tuple[int, int]:
    """(input, panel) maximum heights at a terminal `height`. The input always keeps a line of
    text between its borders, and up to three (six on a tall terminal); the panel gets what is left
    after that and a row of the conversation, between 4 and 12 rows."""
    input_max = 5 if height < 30 else 8
    panel_max = max(4, min(12, height - CHAT_FIXED_ROWS - input_max - 1))
    return input_max, panel_max


@dataclass
class ActiveAnswer:
    answer_id: int
    token: CancelToken
    view: AssistantMessage
    started: float
    got_first: bool = False


# -- the chat screen ----------------------------------------------------------------------------


class ChatScreen(TutorScreen):
    KEYS = [
        ("escape", "escape", "chat.key.escape"),
        ("f2", "models", "chat.key.models"),
        ("f3", "history", "chat.key.history"),
        ("f4", "settings", "chat.key.settings"),
        ("f5", "plain", "chat.key.plain"),
        ("f6", "tokens", "chat.key.tokens"),
        ("f8", "copy_answer", "chat.key.copy"),
        ("f9", "copy_code", ""),
        ("ctrl+t", "toggle_thinking", ""),
        ("ctrl+n", "new_chat", ""),
        ("ctrl+r", "retry", ""),
    ]
    # Letters go to the input here, so the language switch moves to a function key.
    COMMON_KEYS = [("f12", "app.switch_lang", "")]

    DEFAULT_CSS = """
    ChatScreen #chat-bar { height: 1; padding: 0 1; background: $boost; }
    ChatScreen #chat-panel { display: none; height: auto; max-height: 12; margin: 0 1; padding: 0 1; border: round $error; overflow-y: auto; }
    ChatScreen #chat-panel.info { border: round $accent; }
    ChatScreen #chat-panel.shown { display: block; }
    ChatScreen #chat-panel-text { height: auto; }
    ChatScreen #chat-panel { scrollbar-size-vertical: 1; }
    ChatScreen #chat-log { height: 1fr; padding: 0 1; }
    ChatScreen #chat-state { height: 1; padding: 0 1; color: $text-muted; }
    ChatScreen #chat-input { height: auto; min-height: 3; max-height: 8; margin: 0 1; }
    ChatScreen .msg { margin-top: 1; height: auto; }
    ChatScreen .msg-user { padding: 0 1; background: $boost; }
    ChatScreen .msg-role { height: 1; }
    ChatScreen .msg-body { margin: 0; padding: 0; height: auto; }
    ChatScreen .msg-meta { height: auto; }
    ChatScreen .thinking { margin: 0; padding: 0; border-top: none; }
    ChatScreen .thinking-text { color: $text-muted; }
    ChatScreen #chat-empty { color: $text-muted; margin-top: 1; }
    ChatScreen ToastRack { dock: top; align: right top; margin-top: 2; margin-bottom: 0; }
    """

    def __init__(
        self,
        model: str | None = None,
        host: str | None = None,
        backend: str | None = None,
        base_url: str | None = None,
        lesson_id: str | None = None,
        from_lesson: bool = False,
        chat_id: int | None = None,
        fit_hardware: Any = None,
    ):
        super().__init__()
        self.requested_model = model or None
        self.requested_host = host or None
        self.requested_backend = backend if backend in ("ollama", "openai") else None
        self.requested_base_url = base_url or None
        self.lesson_id = lesson_id
        self.from_lesson = from_lesson
        self.requested_chat_id = chat_id
        self.fit_hardware = fit_hardware  # a tutor.fit Hardware to judge fit against (default: this machine)
        self.backend: Backend | None = None
        self.history: History | None = None
        self.chat: ChatRecord | None = None
        self.system_prompt = ""
        self.options: dict = {}
        self.model: str | None = None
        self.model_chosen = False  # by the learner, the command line or the chat (not auto-picked)
        self.details: ModelDetails | None = None
        self.loaded_context: int | None = None
        self.models: list[ModelEntry] = []
        self.fit: FitResult | None = None
        self.connected = False
        self.connecting = False
        self.generation = 0
        self.answer_counter = 0
        self.answer: ActiveAnswer | None = None
        self.last_stats: Stats | None = None
        self.panel_error: ChatError | None = None
        self.panel_key: str = ""
        self.show_thinking = True
        self.think = True
        self.labelled_lang = ""
        self.server_version = ""  # what the server said when we connected (for the token view's notes)

    # -- building -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield Static("", id="chat-bar")
        yield ChatPanel(id="chat-panel")
        yield ChatLog(id="chat-log")
        yield Static("", id="chat-state")
        yield ChatInput(id="chat-input", soft_wrap=True, show_line_numbers=False, highlight_cursor_line=False)
        yield Footer()

    async def on_mount(self) -> None:
        super().on_mount()
        self.history = History(self.store)
        store = self.store
        self.show_thinking = store.get_setting("chat.show_thinking", "1") != "0"
        self.think = store.get_setting("chat.think", "1") != "0"
        self.backend = self._make_backend()
        self.query_one(ChatInput).focus()  # first: keys typed while the chat loads land in the input
        self.connect()
        await self._open_initial_chat()
        self.refresh_content()
        self.set_interval(1.0, self._tick)
        # What exists now (the app, its screens, the resumed chat) lives as long as the app. Freezing it
        # keeps Python's full garbage collections from re-scanning it while an answer streams: on a
        # busy 2-core machine those scans stalled the screen for up to half a second at a time.
        gc.freeze()

    def _make_backend(self) -> Backend:
        store = self.store
        kind = self.requested_backend or store.get_setting("chat.backend") or "ollama"
        if kind == "openai":
            return make_backend("openai", base_url=self.requested_base_url or store.get_setting("chat.base_url"))
        host = resolve_ollama_host(self.requested_host, store.get_setting("chat.host"))
        return make_backend("ollama", host=host)

    def _lesson(self):
        lesson_id = self.lesson_id
        if lesson_id is None:
            location = self.store.last_location() or {}
            if location.get("screen") == "lesson":
                lesson_id = location.get("lesson_id")
        if not lesson_id:
            return None
        try:
            return self.course.lesson(str(lesson_id))
        except LookupError:
            return None

    def _default_options(self) -> dict:
        options: dict = {}
        try:
            options["temperature"] = float(self.store.get_setting("chat.temperature") or DEFAULT_TEMPERATURE)
        except ValueError:
            options["temperature"] = DEFAULT_TEMPERATURE
        try:
            num_ctx = int(self.store.get_setting("chat.num_ctx") or 0)
        except ValueError:
            num_ctx = 0
        if num_ctx > 0:
            options["num_ctx"] = num_ctx
        return options

    async def _open_initial_chat(self) -> None:
        history = self.history
        chat = history.get(self.requested_chat_id) if self.requested_chat_id else None
        if chat is None:
            latest = history.latest()
            lesson = self._lesson()
            if self.from_lesson and lesson is not None:
                if latest is not None and latest.lesson_id == lesson.id:
                    chat = latest
            elif latest is not None:
                chat = latest
        if chat is not None:
            await self.load_chat(chat)
        else:
            await self.start_new_chat(prefill=self.from_lesson)

    async def start_new_chat(self, prefill: bool = False) -> None:
        lesson = self._lesson()
        self.chat = None
        self.lesson_id = lesson.id if lesson is not None else None
        self.system_prompt = system_prompt(lesson, self.lang)
        self.options = self._default_options()
        self.last_stats = None
        await self._clear_log()
        if prefill and lesson is not None:
            box = self.query_one(ChatInput)
            box.text = lesson_question(lesson, self.lang)
            box.move_cursor(box.document.end)
        self.refresh_content()

    async def load_chat(self, chat: ChatRecord) -> None:
        self.chat = chat
        self.lesson_id = chat.lesson_id
        self.system_prompt = chat.system_prompt
        self.options = dict(chat.options) or self._default_options()
        same_server = self.backend is None or chat.backend == self.backend.kind
        if chat.model and not self.requested_model and same_server:
            self.model = chat.model
            self.model_chosen = True
        await self._clear_log()
        log = self.query_one("#chat-log", ChatLog)
        views = []
        self.last_stats = None
        for record in self.history.messages(chat.id):
            if record.role == "user":
                views.append(UserMessage(record.content, self.lang))
            elif record.role == "assistant":
                views.append(AssistantMessage(record.stats.get("model", chat.model), self.lang, record, self.show_thinking))
                self.last_stats = Stats.from_dict(record.stats) or self.last_stats
        await log.load(views)
        self.query_one("#chat-empty", Static).display = not views
        self.refresh_content()

    async def _clear_log(self) -> None:
        await self.query_one("#chat-log", ChatLog).clear_messages()
        self.query_one("#chat-empty", Static).display = True

    # -- text that depends on the language ---------------------------------------------------------

    def refresh_content(self) -> None:
        lang = self.lang
        self.query_one("#chat-bar", Static).update(self.bar_text())
        empty = t("chat.empty", lang)
        if self.chat is None and self.lesson_id:
            lesson = self._lesson()
            if lesson is not None:
                empty = t("chat.empty_lesson", lang, title=lesson.title[lang])
        self.query_one("#chat-empty", Static).update(Text(empty))
        box = self.query_one(ChatInput)
        box.placeholder = t("chat.input_placeholder", lang)
        if self.labelled_lang != lang:  # relabel the conversation only when the language changed
            self.labelled_lang = lang
            for view in self.query(UserMessage):
                view.relabel(lang)
            for view in self.query(AssistantMessage):
                view.relabel(lang)
        self._update_state()
        if self.panel_error is not None:
            self._show_error(self.panel_error)
        elif self.panel_key:
            self._show_info(self.panel_key)

    def bar_text(self) -> Text:
        """Backend, host, model, fit verdict and context used, fitted to the screen's width: the host
        goes first, then the verdict's words (its symbol stays), then the model name is clipped; the
        context figure always stays whole."""
        lang = self.lang
        backend = self.backend
        if backend is None:
            return Text()
        width = max(20, self.app.size.width - 2)
        kind = "Ollama" if backend.kind == "ollama" else "OpenAI"
        host = short_url(backend.url)
        model_style, model = "bold", self.model or ""
        if not model:
            model_style = "dim"
            model = t("chat.bar.connecting", lang) if self.connecting else t("chat.bar.no_model", lang)
        verdict = ""
        if self.model and backend.kind == "ollama":
            verdict = (self.fit.verdict(self.model) if self.fit is not None else Verdict()).label(lang)
        ctx = ""
        used = self.last_stats.context_used if self.last_stats else None
        window = self.context_window
        if used is not None or window:
            used_text = f"{used:,}" if used is not None else "0"
            ctx = t("chat.bar.ctx", lang, used=used_text, window=f"{window:,}" if window else "?")
        trained = self.details.context_length if self.details is not None else None
        extra = t("chat.bar.ctx_max", lang, n=f"{trained:,}") if ctx and trained and trained != window else ""

        def build(host: str, verdict: str, model: str, extra: str) -> Text:
            text = Text()
            text.append(kind, style="bold")
            if host:
                text.append(f" {host}")
            text.append(" · ")
            text.append(model, style=model_style)
            if verdict:
                text.append(f" · {verdict}")
            if ctx:
                text.append(" · " + ctx)
                if extra:
                    text.append(" " + extra, style="dim")
            return text

        short_verdict = verdict.split(" ")[0] if verdict else ""
        for attempt in ((host, verdict, extra), (host, verdict, ""), ("", verdict, ""), ("", short_verdict, "")):
            text = build(attempt[0], attempt[1], model, attempt[2])
            if len(text.plain) <= width:
                return text
        room = max(4, len(model) - (len(text.plain) - width))
        return build("", short_verdict, model[: room - 1] + "…", "")

    @property
    def context_window(self) -> int | None:
        if self.options.get("num_ctx"):
            return int(self.options["num_ctx"])
        if self.loaded_context:
            return self.loaded_context
        if self.details is not None and self.details.num_ctx:
            return self.details.num_ctx
        if self.fit is not None and self.model:
            verdict = self.fit.verdict(self.model)
            if verdict.context:
                return verdict.context
        if self.details is not None and self.backend is not None and self.backend.kind == "openai":
            return self.details.context_length
        return None

    def _update_state(self) -> None:
        lang = self.lang
        answer = self.answer
        if answer is not None and not answer.got_first:
            seconds = int(time.monotonic() - answer.started)
            text = Text(t("chat.state.waiting", lang, seconds=seconds), style="italic")
        elif answer is not None:
            text = Text(t("chat.state.streaming", lang), style="italic")
        else:
            text = Text(t("chat.state.idle", lang))
        self.query_one("#chat-state", Static).update(text)

    def _tick(self) -> None:
        if self.answer is not None and not self.answer.got_first:
            self._update_state()

    # -- the panel for problems --------------------------------------------------------------------

    def _show_error(self, error: ChatError) -> None:
        self.panel_error = error
        self.panel_key = ""
        text = error.text(self.lang)
        if isinstance(error, ModelTooLarge) and self.fit is not None:
            verdict = self.fit.verdict(error.model)
            if verdict.text:
                text += "\n" + t("chat.fit_numbers", self.lang, text=verdict.text)
        if isinstance(error, BackendUnreachable):
            text += "\n" + t("chat.panel.retry", self.lang)
        panel = self.query_one("#chat-panel", ChatPanel)
        panel.set_class(True, "shown")
        panel.set_class(False, "info")
        panel.update(Text(text))

    def _show_info(self, key: str, **values: Any) -> None:
        self.panel_error = None
        self.panel_key = key
        panel = self.query_one("#chat-panel", ChatPanel)
        panel.set_class(True, "shown")
        panel.set_class(True, "info")
        panel.update(Text(t(key, self.lang, **values)))

    def _hide_panel(self) -> None:
        self.panel_error = None
        self.panel_key = ""
        self.query_one("#chat-panel", ChatPanel).set_class(False, "shown")

    def update_size_warning(self, width: int | None = None, height: int | None = None) -> None:
        super().update_size_warning(width, height)
        height = self.app.size.height if height is None else height
        input_max, panel_max = chat_heights(height)
        self.query_one("#chat-input").styles.max_height = input_max
        self.query_one("#chat-panel").styles.max_height = panel_max
        self.call_after_refresh(self._mark_panel_more)

    def _mark_panel_more(self) -> None:
        if self.is_attached:
            self.query_one("#chat-panel", ChatPanel).mark_more()

    # -- connecting and choosing the model ---------------------------------------------------------

    def connect(self) -> None:
        self.generation += 1
        self.connecting = True
        self.connected = False
        self.refresh_content()
        self._connect_worker(self.generation, self.backend)

    @work(thread=True, exclusive=True, group="chat-connect", exit_on_error=False)
    def _connect_worker(self, generation: int, backend: Backend) -> None:
        try:
            version = backend.version()
            models = backend.list_models()
        except ChatError as exc:
            self.post_message(ConnectFailed(generation, exc))
            return
        except Exception as exc:  # noqa: BLE001 - never a traceback on screen
            self.post_message(ConnectFailed(generation, UnexpectedError(exc)))
            return
        self.post_message(Connected(generation, version, models))

    @on(ConnectFailed)
    def _connect_failed(self, message: ConnectFailed) -> None:
        if message.generation != self.generation:
            return
        self.connecting = False
        self.connected = False
        self._show_error(message.error)
        self.refresh_content()

    @on(Connected)
    def _connected(self, message: Connected) -> None:
        if message.generation != self.generation:
            return
        self.connecting = False
        self.connected = True
        self.server_version = message.version
        self.models = message.models
        self._hide_panel()
        names = [m.name for m in self.models]
        wanted = self.requested_model or (self.model if self.model_chosen else None) or self.store.get_setting("chat.model")
        match = match_model(wanted, names) if wanted else None
        if match:
            self.set_model(match, chosen=True)
            self._fit_worker(self.generation, self.backend, False)
        elif wanted and (self.requested_model or self.model_chosen):
            self.model = wanted
            self.details = None
            self._show_error(ModelNotFound(wanted, can_pull=self.backend.can_pull))
            self._fit_worker(self.generation, self.backend, False)
        elif names:
            if self.backend.kind == "ollama" and len(names) > 1:
                self.model = None
                self._fit_worker(self.generation, self.backend, True)  # choose the best fitting one
            elif self.backend.kind == "ollama":
                self.set_model(names[0], chosen=False)
                self._fit_worker(self.generation, self.backend, False)
            else:
                self.set_model(names[0], chosen=False)
        else:
            self.model = None
            self._show_info("chat.panel.no_models" if self.backend.can_pull else "chat.panel.no_models_openai")
            self._fit_worker(self.generation, self.backend, False)
        self.refresh_content()

    def set_model(self, name: str, chosen: bool) -> None:
        if name != self.model:
            self.details = None
            self.loaded_context = None
        self.model = name
        self.model_chosen = self.model_chosen or chosen
        if self.panel_key or isinstance(self.panel_error, ModelNotFound):
            self._hide_panel()  # "no models" or "not found" no longer apply
        self._model_worker(self.generation, self.backend, name)
        self.refresh_content()

    @work(thread=True, exclusive=True, group="chat-model", exit_on_error=False)
    def _model_worker(self, generation: int, backend: Backend, model: str) -> None:
        try:
            details = backend.show(model)
        except ChatError:
            details = None
        except Exception:  # noqa: BLE001
            details = None
        loaded = None
        try:
            loaded = backend.loaded_context(model)
        except Exception:  # noqa: BLE001
            loaded = None
        self.post_message(ModelInfo(generation, model, details, loaded))

    @on(ModelInfo)
    def _model_info(self, message: ModelInfo) -> None:
        if message.model != self.model:
            return
        self.details = message.details
        if message.loaded_context:
            self.loaded_context = message.loaded_context
        self.refresh_content()

    @work(thread=True, exclusive=True, group="chat-fit", exit_on_error=False)
    def _fit_worker(self, generation: int, backend: Backend, choose: bool) -> None:
        if backend.kind != "ollama":
            fit = FitResult()
        else:
            fit = fit_check(backend.url, ctx=self.options.get("num_ctx"), hardware=self.fit_hardware, recommend=False)
        self.post_message(FitDone(generation, fit, choose))

    @on(FitDone)
    def _fit_done(self, message: FitDone) -> None:
        if message.generation != self.generation:
            return
        self.fit = message.fit
        if message.choose and not self.model_chosen and self.models:
            sizes = {m.name: m.size for m in self.models}
            best = best_model([m.name for m in self.models], sizes, self.fit)
            if best:
                self.set_model(best, chosen=False)
        self.refresh_content()

    # -- sending and streaming ---------------------------------------------------------------------

    @on(ChatInput.Submitted)
    async def _submitted(self, message: ChatInput.Submitted) -> None:
        message.stop()
        await self.send(message.text)

    async def send(self, raw: str) -> None:
        lang = self.lang
        if self.answer is not None:
            self.notify(t("chat.busy", lang), severity="warning")
            return
        text = clean_input(raw)
        if not text.strip():
            return
        if len(text) > MAX_INPUT_CHARS:
            self.notify(t("chat.too_long", lang, n=f"{len(text):,}", limit=f"{MAX_INPUT_CHARS:,}"), severity="error", timeout=8)
            return
        if not self.connected:
            self.notify(t("chat.not_connected", lang), severity="warning")
            if not self.connecting:
                self.connect()
            return
        if not self.model:
            self.notify(t("chat.no_model", lang), severity="warning")
            self.action_models()
            return
        history = self.history
        if self.chat is None:
            self.chat = history.create(
                backend=self.backend.kind,
                model=self.model,
                system_prompt=self.system_prompt,
                options=self.options,
                lesson_id=self.lesson_id,
            )
        elif self.chat.model != self.model or self.chat.backend != self.backend.kind:
            history.update(self.chat.id, model=self.model, backend=self.backend.kind)
        history.add_message(self.chat.id, "user", text)
        self.chat = history.get(self.chat.id)
        self.query_one(ChatInput).clear()
        self._hide_panel()
        log = self.query_one("#chat-log", ChatLog)
        self.query_one("#chat-empty", Static).display = False
        view = AssistantMessage(self.model, lang, show_thinking=self.show_thinking)
        view.state = "waiting"
        await log.add([UserMessage(text, lang), view])
        log.scroll_end(animate=False)
        payload = self._payload()
        think = True if (self.think and self.details is not None and self.details.thinks) else None
        self.answer_counter += 1
        token = CancelToken()
        self.answer = ActiveAnswer(self.answer_counter, token, view, time.monotonic())
        self._update_state()
        self._answer_worker(self.answer_counter, self.backend, self.chat.id, self.model, payload, dict(self.options), think, token)

    def _payload(self) -> list[dict]:
        if self.details is not None and self.details.completion_only:
            return self._completion_payload()
        messages: list[dict] = []
        if self.system_prompt.strip():
            messages.append({"role": "system", "content": self.system_prompt})
        for record in self.history.messages(self.chat.id):
            if record.role in ("user", "assistant") and record.content.strip():
                messages.append({"role": record.role, "content": record.content})
        return messages

    def _completion_payload(self) -> list[dict]:
        """A base model continues text: the conversation goes as one plain text, no system prompt
        (tutor mode is off for it), trimmed to its tail so it fits a tiny context."""
        turns = [r.content.strip() for r in self.history.messages(self.chat.id) if r.role in ("user", "assistant") and r.content.strip()]
        return [{"role": "user", "content": "\n\n".join(turns)[-COMPLETION_PROMPT_CHARS:]}]

    @work(thread=True, exclusive=True, group="chat-answer", exit_on_error=False)
    def _answer_worker(
        self,
        answer_id: int,
        backend: Backend,
        chat_id: int,
        model: str,
        messages: list[dict],
        options: dict,
        think: bool | None,
        token: CancelToken,
    ) -> None:
        writer = None
        stats: Stats | None = None
        error: ChatError | None = None
        pending_content = pending_thinking = ""
        last_post = 0.0
        try:
            # Saved every half second (or 8 KB): a crash keeps the answer, and a fast model does not
            # rewrite a growing row hundreds of times a second.
            writer = self.history.start_answer(chat_id, model=model, flush_chars=8192)
            # A handful of alternatives per token, for the token view (F6); a server that cannot ignores it.
            for chunk in backend.chat(model, messages, options=options, think=think, cancel=token, top_logprobs=CHAT_TOP):
                if token.cancelled:
                    break
                if chunk.content or chunk.thinking:
                    writer.append(chunk.content, chunk.thinking, chunk.logprobs)
                    pending_content += chunk.content
                    pending_thinking += chunk.thinking
                    now = time.monotonic()
                    if now - last_post >= UI_INTERVAL:
                        self.post_message(AnswerDelta(answer_id, pending_content, pending_thinking))
                        pending_content = pending_thinking = ""
                        last_post = now
                if chunk.done:
                    stats = chunk.stats
        except ChatError as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001 - shown in the panel, never a traceback
            error = UnexpectedError(exc)
        if pending_content or pending_thinking:
            self.post_message(AnswerDelta(answer_id, pending_content, pending_thinking))
        stopped = token.cancelled
        try:
            if writer is not None:
                if stopped:
                    writer.finish(stats.to_dict() if stats else None, stopped=True)
                elif error is not None:
                    writer.fail(error.text("en"))
                else:
                    writer.finish(stats.to_dict() if stats else {})
        except Exception:  # noqa: BLE001 - the store closed under us (the app is quitting)
            pass
        context = None
        if error is None and not stopped:
            try:
                context = backend.loaded_context(model)
            except Exception:  # noqa: BLE001
                context = None
        self.post_message(AnswerEnded(answer_id, stats, stopped, None if stopped else error, context))

    @on(AnswerDelta)
    async def _answer_delta(self, message: AnswerDelta) -> None:
        answer = self.answer
        if answer is None or message.answer_id != answer.answer_id or answer.token.cancelled:
            return  # after Esc nothing more is drawn, even what was already on its way
        log = self.query_one("#chat-log", ChatLog)
        at_end = log.at_end
        if not answer.got_first:
            answer.got_first = True
            answer.view.state = "streaming"
            answer.view.refresh_meta()
            self._update_state()
        await answer.view.add(message.content, message.thinking)
        answer.view.draw()
        if at_end:
            log.scroll_end(animate=False)

    @on(AnswerEnded)
    async def _answer_ended(self, message: AnswerEnded) -> None:
        answer = self.answer
        if answer is None or message.answer_id != answer.answer_id:
            return
        view = answer.view
        await view.close_stream()
        self.answer = None
        if message.stopped and view.state == "stopped":  # Esc already marked it; now the stats came
            if message.stats is not None:
                view.stats = message.stats.to_dict()
                self.last_stats = message.stats
            view.refresh_meta()
            self._update_state()
            self.refresh_content()
            self.query_one("#chat-log", ChatLog).scroll_end(animate=False)
            return
        if message.stats is not None:
            view.stats = message.stats.to_dict()
            self.last_stats = message.stats
        if message.context:
            self.loaded_context = message.context
        if message.stopped:
            view.state = "stopped"
        elif message.error is not None:
            view.state = "error"
            view.error_text = first_line(message.error.text(self.lang))
            self._show_error(message.error)
            if isinstance(message.error, BackendUnreachable):
                self.connected = False
        else:
            view.state = "done"
        view.refresh_meta()
        self._update_state()
        self.refresh_content()
        self.query_one("#chat-log", ChatLog).scroll_end(animate=False)  # the end (and any ⚠ line) in view

    def stop_answer(self) -> bool:
        """Esc while answering: stop, keep what arrived, and say so at once (the worker's own end
        comes later with the stats). Returns True if there was an answer."""
        answer = self.answer
        if answer is None:
            return False
        if answer.token.cancelled:
            return True
        answer.token.cancel()
        view = answer.view
        view.state = "stopped"
        if view.is_mounted:
            view.draw()
            view.refresh_meta()
            self.query_one("#chat-log", ChatLog).scroll_end(animate=False)  # the ⏹ line in view
        self.notify(t("chat.stopped", self.lang), timeout=2)
        return True

    def on_unmount(self) -> None:
        if self.answer is not None:
            self.answer.token.cancel()

    # -- actions -----------------------------------------------------------------------------------

    def action_escape(self) -> None:
        if self.stop_answer():
            return
        self.app.pop_screen()

    def action_retry(self) -> None:
        self.backend = self._make_backend() if not self.connected else self.backend
        self.connect()

    def action_models(self) -> None:
        if self.backend is None:
            return

        def chosen(name: str | None) -> None:
            # Chosen or closed, the next keys are the learner's question, wherever the focus was before F2.
            self.query_one(ChatInput).focus()
            if name:
                self.set_model(name, chosen=True)
                self.store.set_setting("chat.model", name)
                if not self.connected:
                    self.connect()
                else:
                    self.models = self.models if any(m.name == name for m in self.models) else self.models + [ModelEntry(name)]
                    self._fit_worker(self.generation, self.backend, False)

        wanted = self.model if (self.panel_error is not None and isinstance(self.panel_error, ModelNotFound)) else None
        self.app.push_screen(
            ModelPicker(self.backend, current=self.model, pull_name=wanted, fit_hardware=self.fit_hardware, num_ctx=self.options.get("num_ctx")),
            chosen,
        )

    def action_history(self) -> None:
        async def done(result: tuple[str, int | None] | None) -> None:
            current = self.chat.id if self.chat else None
            if current is not None and self.history.get(current) is None:
                await self.start_new_chat()
            if result is None:
                if self.chat is not None:
                    self.chat = self.history.get(self.chat.id)
                self.refresh_content()
                return
            action, chat_id = result
            if action == "new":
                await self.action_new_chat()
            elif action == "resume" and chat_id is not None:
                chat = self.history.get(chat_id)
                if chat is not None:
                    self.stop_answer()
                    await self.load_chat(chat)
                    if self.connected and chat.model:
                        match = match_model(chat.model, [m.name for m in self.models])
                        if match:
                            self.set_model(match, chosen=True)

        self.app.push_screen(HistoryScreen(self.history, current=self.chat.id if self.chat else None), done)

    def action_settings(self) -> None:
        lesson = self._lesson()
        current = {
            "system_prompt": self.system_prompt,
            "tutor_prompt": system_prompt(lesson, self.lang),
            "temperature": self.options.get("temperature", DEFAULT_TEMPERATURE),
            "num_ctx": self.options.get("num_ctx") or "",
            "think": self.think,
            "backend": self.backend.kind if self.backend else "ollama",
            "host": self.backend.url if self.backend and self.backend.kind == "ollama" else resolve_ollama_host(self.requested_host, self.store.get_setting("chat.host")),
            "base_url": self.backend.url if self.backend and self.backend.kind == "openai" else normalize_base_url(self.requested_base_url or self.store.get_setting("chat.base_url")),
        }

        def saved(values: dict | None) -> None:
            if values:
                self.apply_settings(values)

        self.app.push_screen(SettingsScreen(current), saved)

    def apply_settings(self, values: dict) -> None:
        store = self.store
        self.system_prompt = values["system_prompt"]
        options = dict(self.options)
        options["temperature"] = values["temperature"]
        if values.get("num_ctx"):
            options["num_ctx"] = values["num_ctx"]
        else:
            options.pop("num_ctx", None)
        self.options = options
        store.set_setting("chat.temperature", str(values["temperature"]))
        store.set_setting("chat.num_ctx", str(values.get("num_ctx") or 0))
        self.think = bool(values["think"])
        store.set_setting("chat.think", "1" if self.think else "0")
        if self.chat is not None:
            self.history.update(self.chat.id, system_prompt=self.system_prompt, options=self.options)
            self.chat = self.history.get(self.chat.id)
        old = (self.backend.kind, self.backend.url) if self.backend else None
        kind = values["backend"]
        store.set_setting("chat.backend", kind)
        if kind == "openai":
            store.set_setting("chat.base_url", values["base_url"])
            self.requested_base_url = values["base_url"]
        else:
            host = resolve_ollama_host(values["host"])
            if host != resolve_ollama_host(self.requested_host, store.get_setting("chat.host")):
                store.set_setting("chat.host", host)
            self.requested_host = host
        self.requested_backend = kind
        self.backend = self._make_backend()
        if old != (self.backend.kind, self.backend.url):
            self.model = None
            self.model_chosen = False
            self.details = None
            self.fit = None
            self.connect()
        self.notify(t("chat.settings_saved", self.lang), timeout=2)
        self.refresh_content()

    def action_tokens(self) -> None:
        """F6: the answers token by token, with their probabilities (from the store)."""
        answers = []
        if self.chat is not None and self.history is not None:
            answers = [m for m in self.history.messages(self.chat.id) if m.role == "assistant"]
            if self.answer is not None and answers:
                answers = answers[:-1]  # the one still streaming has its numbers saved when it ends
        kind = self.backend.kind if self.backend is not None else "ollama"
        self.app.push_screen(TokenView(answers, kind, self.server_version))

    def action_plain(self) -> None:
        self.app.push_screen(PlainView(self.plain_text()))

    def plain_text(self) -> str:
        lang = self.lang
        parts = []
        for view in self.query_one("#chat-log", ChatLog).messages():
            if isinstance(view, UserMessage):
                parts.append(f"## {t('chat.you', lang)}\n\n{view.text}")
            elif isinstance(view, AssistantMessage):
                block = f"## {t('chat.assistant', lang)}"
                if view.thinking and self.show_thinking:
                    block += f"\n\n[{t('chat.thinking', lang)}]\n{view.thinking}"
                block += f"\n\n{view.content}"
                parts.append(block)
        return clean_text("\n\n".join(parts) + ("\n" if parts else ""))

    def answers(self) -> list[AssistantMessage]:
        return [v for v in self.query_one("#chat-log", ChatLog).messages() if isinstance(v, AssistantMessage)]

    def last_answer(self) -> str:
        views = [v for v in self.answers() if v.content.strip()]
        return views[-1].content if views else ""

    def action_copy_answer(self) -> None:
        self.copy(self.last_answer(), "chat.copied_answer")

    def action_copy_code(self) -> None:
        for view in reversed(self.answers()):
            block = last_code_block(view.content)
            if block is not None:
                self.copy(block, "chat.copied_code")
                return
        self.notify(t("chat.no_code", self.lang), severity="warning")

    def copy(self, text: str, key: str) -> None:
        if not text:
            self.notify(t("chat.nothing_to_copy", self.lang), severity="warning")
            return
        if copy_to_terminal(self.app, text):
            self.notify(t(key, self.lang, n=f"{len(text):,}"), timeout=3)
        else:
            self.notify(t("chat.copy_too_long", self.lang), severity="error")

    def action_toggle_thinking(self) -> None:
        self.show_thinking = not self.show_thinking
        self.store.set_setting("chat.show_thinking", "1" if self.show_thinking else "0")
        for view in self.answers():
            view.set_thinking_visible(self.show_thinking)
        self.notify(t("chat.thinking_shown" if self.show_thinking else "chat.thinking_hidden", self.lang), timeout=2)

    async def action_new_chat(self) -> None:
        if self.answer is not None:
            self.stop_answer()
        await self.start_new_chat()
        self.query_one(ChatInput).focus()

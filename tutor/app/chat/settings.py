"""The chat settings (F4): system prompt, temperature, context, thinking, backend and server."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static, TextArea

from tutor.app.chat.common import DEFAULT_TEMPERATURE, clean_input
from tutor.chat.backends import normalize_base_url, resolve_ollama_host
from tutor.i18n import t


class ChoiceButton(RadioButton):
    """A radio button whose mark says which one is chosen: ● chosen, ○ not. Textual's draws ● in
    both and tells them apart by colour alone, which a 16-colour or NO_COLOR terminal loses."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 - the name ToggleButton reads
        return "●" if self.value else "○"


class TickBox(Checkbox):
    """A checkbox whose mark is there only when ticked (X), not a coloured X in both states."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 - the name ToggleButton reads
        return "X" if self.value else " "


class SettingsScreen(ModalScreen[dict | None]):
    BINDINGS = [Binding("escape", "cancel", show=False), Binding("ctrl+s", "save", show=False, priority=True)]

    DEFAULT_CSS = """
    SettingsScreen { align: center middle; }
    SettingsScreen #settings { width: 96%; max-width: 100; height: 96%; border: round $accent; padding: 0 1; background: $surface; }
    SettingsScreen .field-label { height: 1; margin-top: 1; text-style: bold; }
    SettingsScreen .field-help { color: $text-muted; }
    SettingsScreen #set-prompt { height: 7; }
    SettingsScreen .row { height: auto; }
    SettingsScreen .row Input { width: 1fr; }
    SettingsScreen .row > Vertical { height: auto; }
    SettingsScreen #set-think { margin-top: 1; width: 100%; }
    SettingsScreen #set-backend { height: auto; width: 100%; layout: horizontal; }
    SettingsScreen #set-buttons { height: 3; margin-top: 1; }
    SettingsScreen #set-buttons Button { margin-right: 2; }
    """

    def __init__(self, current: dict):
        super().__init__()
        self.current = current

    @property
    def lang(self) -> str:
        return self.app.lang

    def compose(self) -> ComposeResult:
        lang = self.lang
        c = self.current
        with VerticalScroll(id="settings"):
            yield Label(t("chat.settings.title", lang), classes="field-label")
            yield Static(t("chat.settings.keys", lang), classes="field-help")
            # The server first: it is what F4 is opened for when nothing answers ("F4 changes the server").
            yield Label(t("chat.settings.backend", lang), classes="field-label")
            with RadioSet(id="set-backend"):
                yield ChoiceButton("Ollama", value=c["backend"] == "ollama", id="set-backend-ollama")
                yield ChoiceButton(t("chat.settings.openai", lang), value=c["backend"] == "openai", id="set-backend-openai")
            yield Label(t("chat.settings.host", lang), classes="field-label")
            yield Input(c["host"], id="set-host")
            yield Label(t("chat.settings.base_url", lang), classes="field-label")
            yield Input(c["base_url"], id="set-base-url")
            yield Label(t("chat.settings.system_prompt", lang), classes="field-label")
            yield TextArea(c["system_prompt"], id="set-prompt", soft_wrap=True)
            yield Button(t("chat.settings.tutor_prompt", lang), id="set-tutor-prompt")
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(t("chat.settings.temperature", lang), classes="field-label")
                    yield Input(str(c["temperature"]), id="set-temperature", type="number")
                with Vertical():
                    yield Label(t("chat.settings.num_ctx", lang), classes="field-label")
                    yield Input(str(c["num_ctx"] or ""), id="set-num-ctx", type="integer", placeholder=t("chat.settings.num_ctx_default", lang))
            # A tick box, not a Switch: a Switch's on and off differ only by colour.
            yield TickBox(t("chat.settings.think", lang), value=bool(c["think"]), id="set-think")
            with Horizontal(id="set-buttons"):
                yield Button(t("chat.settings.save", lang), id="set-save", variant="primary")
                yield Button(t("chat.settings.cancel", lang), id="set-cancel")

    def on_mount(self) -> None:
        self.query_one("#set-backend", RadioSet).focus()

    @on(Button.Pressed, "#set-tutor-prompt")
    def _tutor_prompt(self) -> None:
        self.query_one("#set-prompt", TextArea).text = self.current["tutor_prompt"]

    @on(Button.Pressed, "#set-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#set-save")
    def action_save(self) -> None:
        values = self.values()
        if values is not None:
            self.dismiss(values)

    def values(self) -> dict | None:
        lang = self.lang
        raw_temp = self.query_one("#set-temperature", Input).value.strip() or str(DEFAULT_TEMPERATURE)
        try:
            temperature = float(raw_temp)
            if not 0 <= temperature <= 2:
                raise ValueError
        except ValueError:
            self.notify(t("chat.settings.bad_temperature", lang), severity="error")
            return None
        raw_ctx = self.query_one("#set-num-ctx", Input).value.strip()
        try:
            num_ctx = int(raw_ctx) if raw_ctx else 0
            if num_ctx and not 256 <= num_ctx <= 10_000_000:
                raise ValueError
        except ValueError:
            self.notify(t("chat.settings.bad_num_ctx", lang), severity="error")
            return None
        backend = "openai" if self.query_one("#set-backend-openai", RadioButton).value else "ollama"
        host = self.query_one("#set-host", Input).value.strip()
        base_url = self.query_one("#set-base-url", Input).value.strip()
        return {
            "system_prompt": clean_input(self.query_one("#set-prompt", TextArea).text),
            "temperature": temperature,
            "num_ctx": num_ctx or None,
            "think": self.query_one("#set-think", TickBox).value,
            "backend": backend,
            "host": resolve_ollama_host(host) if host else resolve_ollama_host(),
            "base_url": normalize_base_url(base_url),
        }

"""The help screen (F1 or ?): the keys of the screen it was opened from, in the learner's language.

It reads the keys from that screen's active bindings (what the footer shows, plus the keys the
footer has no room for), so it never goes out of date with a screen's KEYS. Keys that act on the
whole app come last. It scrolls, and Esc (or F1, or ?) closes it.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tutor.i18n import CATALOGUE, t

# Keys the footer hides (no room, or typing would clash) but the help still names, by action.
HIDDEN_KEY_NAMES = {
    "copy_code": "help.key.copy_code",
    "tokens": "chat.key.tokens",
    "toggle_thinking": "help.key.toggle_thinking",
    "new_chat": "help.key.new_chat",
    "retry": "help.key.retry",
    "app.quit": "key.quit",
    "app.switch_lang": "help.key.lang",
    "answer": "help.key.answer",
    "choose": "help.key.answer",
    "continue": "key.continue",
}
# Textual's own keys, named here so the help can say them in Spanish too.
WIDGET_KEY_NAMES = {
    "app.focus_next": "help.key.focus_next",
    "app.focus_previous": "help.key.focus_previous",
}


def key_name(app, binding) -> str:
    shown = app.get_key_display(binding)
    return CATALOGUE.get(app.lang, {}).get(f"keyname.{shown}", shown)


def screen_keys(screen: Screen) -> list[tuple[str, str]]:
    """(keys, what they do) for every key that acts on `screen` now, one row per action, keys that
    share an action joined with " / "."""
    app = screen.app
    lang = app.lang
    rows: dict[str, tuple[list[str], str]] = {}
    for node, binding, enabled, _tooltip in screen.active_bindings.values():
        # One name per action wherever it is bound: the app's own "quit" is the screen's "app.quit".
        action = binding.action if node is not app or binding.action.startswith("app.") else f"app.{binding.action}"
        action = action.split("(")[0]  # answer(0) ... answer(3): one row, "1 / 2 / 3 / 4"
        action = action.removeprefix("screen.")  # a widget passing a key on to its screen
        if not enabled or action == "app.help":
            continue
        description = binding.description if binding.show and binding.description else ""
        if not description:
            name = HIDDEN_KEY_NAMES.get(action) or WIDGET_KEY_NAMES.get(action)
            if name is None:
                continue  # a widget's own key with no name in the catalogue (arrows in a list...)
            description = t(name, lang)
        keys, _ = rows.setdefault(action, ([], description))
        name = key_name(app, binding)
        if name not in keys:
            keys.append(name)
    ordered = sorted(rows.items(), key=lambda item: item[0].startswith("app."))  # the app's keys last
    return [(" / ".join(keys), description) for _action, (keys, description) in ordered] + [
        ("f1 / ?", t("key.help", lang))
    ]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,f1,question_mark", "close", show=False),
        Binding("q", "close", show=False),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen #help { width: 100%; max-width: 76; height: auto; max-height: 100%; border: round $accent;
                       padding: 0 1; background: $surface; }
    HelpScreen #help-keys { height: auto; }
    """

    def __init__(self, keys: list[tuple[str, str]]):
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(self.keys_table(), id="help-keys")

    def on_mount(self) -> None:
        lang = self.app.lang
        box = self.query_one("#help", VerticalScroll)
        box.border_title = t("help.title", lang)
        box.border_subtitle = t("help.close", lang)
        box.focus()

    def keys_table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, style="bold")
        table.add_column(ratio=1)
        for keys, description in self.keys:
            table.add_row(Text(keys), Text(description))
        return table

    def action_close(self) -> None:
        self.dismiss(None)

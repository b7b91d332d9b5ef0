"""The key line at the bottom of every course screen: one widget, one line of text.

Textual's Footer builds a widget per key and rebuilds them all whenever the bindings change
(several times while a screen opens): about a third of a lesson's page turn went there. This one
redraws a single line from the screen's active bindings, at most once per refresh.
"""

from __future__ import annotations

from textual.markup import escape
from textual.widgets import Static

from tutor.i18n import CATALOGUE


class KeyFooter(Static):
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $footer-background;
        color: $footer-foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._pending = False

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_resize(self) -> None:
        self._bindings_changed(self.screen)  # the width decides whether F1 fits

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen) -> None:
        if not self._pending:  # many changes in one refresh: one redraw
            self._pending = True
            self.call_after_refresh(self._redraw)

    def _redraw(self) -> None:
        self._pending = False
        if self.is_attached:  # a screen being replaced may still ask once
            self.update(self.keys_line())

    def key_name(self, binding) -> str:
        """How the key reads: Textual's display, with named keys in the learner's language."""
        shown = self.app.get_key_display(binding)
        lang = getattr(self.app, "lang", "en")
        return CATALOGUE.get(lang, {}).get(f"keyname.{shown}", shown)

    def keys_line(self) -> str:
        """Content markup: each key in the theme's footer-key colour, then what it does."""
        parts = []
        plain = []  # the same, as the learner reads it (for the width)
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            key, description = escape(self.key_name(binding)), escape(binding.description)
            if enabled:
                parts.append(f"[bold $footer-key-foreground]{key}[/] {description}")
            else:
                parts.append(f"[dim]{key} {description}[/]")
            plain.append(f"{key} {description}")
        # F1 opens the help on every screen; the footer says so where it has room for it.
        if getattr(self.screen, "show_help_key", False):
            lang = getattr(self.app, "lang", "en")
            label = CATALOGUE.get(lang, {}).get("key.help", "Help")
            used = len(" ".join(plain))
            if used + len(f" f1 {label}") <= self.app.size.width:
                parts.append(f"[bold $footer-key-foreground]f1[/] {escape(label)}")
        return " ".join(parts)

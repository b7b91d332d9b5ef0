"""The key line at the bottom of every course screen: one widget, one line of text (two when needed).

Textual's Footer builds a widget per key and rebuilds them all whenever the bindings change
(several times while a screen opens): about a third of a lesson's page turn went there. This one
redraws a single line from the screen's active bindings, once per burst of changes, before the
screen's next frame (after it, the new page showed its footer one frame late), and only when the
line changed.

When the keys do not fit the width (a lab's keys at 60 columns), the line wraps between keys,
never inside one, and the footer grows to as many rows as that takes: a key cut to "…" is a key
the learner never learns about.
"""

from __future__ import annotations

from rich.cells import cell_len
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
        self._line = ""
        self._width = 0  # the width the keys were last laid out for

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_resize(self) -> None:
        self._bindings_changed(self.screen)  # the width decides whether F1 fits

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen) -> None:
        if not self._pending:  # many changes in a row: one redraw, queued behind them
            self._pending = True
            self.call_later(self._redraw)

    def on_resize(self, event) -> None:
        if event.size.width != self._width:  # a new height alone (its own wrapping) changes nothing
            self._bindings_changed(self.screen)

    def _redraw(self) -> None:
        self._pending = False
        if not self.is_attached:  # a screen being replaced may still ask once
            return
        self._width = self.size.width or self.app.size.width
        lines = wrap_keys(self.key_parts(), self._width)
        text = "\n".join(lines)
        if text == self._line:
            return
        self._line = text
        rows = max(1, len(lines))
        if self.styles.height is None or self.styles.height.value != rows:
            self.styles.height = rows  # a new row count is a new layout for the screen
            self.update(text)
        else:
            # The same rows whatever they say: no layout pass for the screen (a relayout per
            # redraw was a fifth of a page turn).
            self.update(text, layout=False)

    def key_name(self, binding) -> str:
        """How the key reads: Textual's display, with named keys in the learner's language."""
        shown = self.app.get_key_display(binding)
        lang = getattr(self.app, "lang", "en")
        return CATALOGUE.get(lang, {}).get(f"keyname.{shown}", shown)

    def key_parts(self) -> list[tuple[str, int]]:
        """Each shown key as (content markup, width in cells): the key in the theme's footer-key
        colour, then what it does."""
        parts = []
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            name = self.key_name(binding)
            width = cell_len(f"{name} {binding.description}")
            key, description = escape(name), escape(binding.description)
            if enabled:
                parts.append((f"[bold $footer-key-foreground]{key}[/] {description}", width))
            else:
                parts.append((f"[dim]{key} {description}[/]", width))
        # F1 opens the help on every screen; the footer says so where one line has room for it.
        if getattr(self.screen, "show_help_key", False):
            lang = getattr(self.app, "lang", "en")
            label = CATALOGUE.get(lang, {}).get("key.help", "Help")
            used = sum(cells for _, cells in parts) + len(parts) - 1
            if used + cell_len(f" f1 {label}") <= (self.size.width or self.app.size.width):
                parts.append((f"[bold $footer-key-foreground]f1[/] {escape(label)}", cell_len(f"f1 {label}")))
        return parts

    def keys_line(self) -> str:
        """All the keys on one line (content markup)."""
        return " ".join(markup for markup, _ in self.key_parts())


def wrap_keys(parts: list[tuple[str, int]], width: int) -> list[str]:
    """Pack (markup, width) keys into lines of at most `width` cells, one space apart, breaking
    only between keys. A single key wider than the line gets a line of its own (then cut)."""
    if width <= 0:  # not laid out yet
        return [" ".join(markup for markup, _ in parts)]
    lines: list[list[str]] = []
    used = 0
    for markup, cells in parts:
        if lines and used + 1 + cells <= width:
            lines[-1].append(markup)
            used += 1 + cells
        else:
            lines.append([markup])
            used = cells
    return [" ".join(line) for line in lines]

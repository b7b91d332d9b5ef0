"""What every lab shares: its strings, its keys, and running engine work off the UI thread.

A lab is thin. It asks `tutor.engine` for numbers in a thread worker and draws what comes
back; it never computes or writes a figure itself. Its words live in
`strings/<lesson-id>.toml` (one table per language), so that code holds no prose.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from textual.containers import Vertical
from textual.widgets import Static
from textual.worker import Worker, get_current_worker

from tutor.app.keys import KeySpec, translated_bindings
from tutor.tomlcompat import load_toml

STRINGS_DIR = Path(__file__).parent / "strings"


@functools.lru_cache(maxsize=None)
def lab_strings(lesson_id: str) -> dict[str, dict[str, str]]:
    path = STRINGS_DIR / f"{lesson_id}.toml"
    return load_toml(path) if path.exists() else {}


class Lab(Vertical, can_focus=True):
    """Base class: subclasses set LESSON_ID, KEYS, and draw in `refresh_lab()`."""

    LESSON_ID: str = ""
    KEYS: list[KeySpec] = []
    # Ctrl+↑/↓ scroll the whole lab a line when it is taller than the page (hidden). Kept by
    # translated_bindings as inherited bindings.
    BINDINGS = [("ctrl+down", "scroll_down", ""), ("ctrl+up", "scroll_up", "")]
    # PgDn/PgUp turn the lab's page whatever inside it has focus (priority: a text field or a
    # table does not swallow them), shown in the footer while the lab is taller than its page.
    # A lab that gives PgDn/PgUp a meaning of its own (lab 4's BPE view) keeps it.
    PAGE_KEYS: list[KeySpec] = [("pagedown", "page_lab(1)", "key.scroll_lab", True), ("pageup", "page_lab(-1)", "", True)]
    REDRAW_S = 0.1  # request_draw(): at most ~10 redraws a second, however fast events come
    # Narrower than this, a lab carries the class `narrow`: side panels go below (CSS per lab).
    NARROW_WIDTH = 76

    DEFAULT_CSS = """
    Lab {
        height: 1fr;
        border-top: solid $accent;
        padding: 0 1;
        /* What does not fit scrolls as one page (mouse wheel, PgUp/PgDn, focus), never cut. */
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    /* Textual's Horizontal and Vertical default to `height: 1fr`: inside a lab that scrolls as one
       page, a box sized to the page cuts off whatever lies below its fold, where no scrolling
       reaches it. In a narrow lab (panels stacked, so taller than the page) every box takes its
       content's height, whatever the lab asks (lab 9 asked 1fr and lost its check's last lines
       even at 60x30). Widgets that scroll by themselves (VerticalScroll, DataTable) keep theirs. */
    Lab.narrow Horizontal, Lab.narrow Vertical, Lab.narrow ContentSwitcher {
        height: auto !important;
    }
    Lab .lab-title {
        text-style: bold;
        height: auto;  /* a long title wraps at 60 columns instead of losing its end */
    }
    Lab .lab-status {
        color: $text-muted;
        height: auto;
    }
    """

    def __init__(self) -> None:
        super().__init__(classes="lab")
        self.cancel_event = threading.Event()
        self._last_draw = 0.0
        self._draw_timer = None

    # -- language and keys ----------------------------------------------------------------------

    @property
    def lang(self) -> str:
        return self.app.lang

    def s(self, key: str, **values: Any) -> str:
        """A string of this lab's catalogue in the current language."""
        table = lab_strings(self.LESSON_ID).get(self.lang, {})
        text = table.get(key, key)
        return text.format(**values) if values else text

    def on_mount(self) -> None:
        self.bind_keys()
        self.refresh_lab()

    def on_resize(self, event) -> None:
        self.call_after_refresh(self._overflow_changed)
        narrow = event.size.width < self.NARROW_WIDTH
        if narrow != self.has_class("narrow"):
            self.set_class(narrow, "narrow")
            self.call_after_refresh(self.refresh_lab)  # drawings sized to the width redraw

    def keys_with_paging(self) -> list[KeySpec]:
        """The lab's keys plus PgDn/PgUp to turn its page, unless the lab uses them itself."""
        own = {key for keys, *_ in self.KEYS for key in keys.split(",")}
        return self.KEYS + [spec for spec in self.PAGE_KEYS if spec[0] not in own]

    def bind_keys(self) -> None:
        self._bindings = translated_bindings(
            self.keys_with_paging(), self.lang, lab_strings(self.LESSON_ID), base=type(self)._merged_bindings
        )
        self.screen.refresh_bindings()

    def allow_focus(self) -> bool:
        """A lab with a widget of its own to focus (a text field, a map, a table) is no focus stop
        itself: Tab there would leave the text field for the lab's frame, which shows no focus mark,
        and the letters typed next would run the screen's keys instead of reaching the field.
        A lab that binds Tab itself (lab 11: Tab gives its keys the focus, and says so) decides."""
        if any("tab" in keys.split(",") for keys, *_ in self.KEYS):
            return self.can_focus
        return self.can_focus and not self._has_own_focus_stop()

    def _has_own_focus_stop(self) -> bool:
        for widget in self.query("*"):
            if widget.can_focus and not widget.disabled:
                node = widget
                while node is not self and node is not None and node.display:
                    node = node.parent
                if node is self:
                    return True
        return False

    # -- a lab taller than its page -------------------------------------------------------------

    @property
    def overflows(self) -> bool:
        return self.max_scroll_y > 0

    def watch_virtual_size(self) -> None:
        self.call_after_refresh(self._overflow_changed)

    def _overflow_changed(self) -> None:
        """The page key shows or hides as the lab outgrows its page (or fits it again)."""
        if self.is_attached and self.overflows != getattr(self, "_shown_overflow", False):
            self._shown_overflow = self.overflows
            self.screen.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "page_lab" and not self.overflows:
            return False  # nothing to turn: the key stays out of the footer and passes on
        return super().check_action(action, parameters)

    def action_page_lab(self, direction: int) -> None:
        (self.scroll_page_down if direction > 0 else self.scroll_page_up)(animate=False)

    def page_with(self, inner, direction: int) -> None:
        """PgDn/PgUp for a lab whose keys also page a box of its own (lab 7's code, lab 8's panel):
        down turns the lab's page until its end, then the box's; up turns the box back first."""
        lab_moves = self.scroll_y < self.max_scroll_y if direction > 0 else inner.scroll_y <= 0
        target = self if lab_moves else inner
        (target.scroll_page_down if direction > 0 else target.scroll_page_up)(animate=False)

    def reveal(self, widget) -> None:
        """Bring a result that just appeared (an export's confirmation, a final verdict) into view,
        once it is laid out: below the fold, the learner would never know it came."""
        self.call_after_refresh(lambda: widget.is_mounted and self.scroll_to_widget(widget, animate=False))

    def apply_language(self) -> None:
        self.bind_keys()
        self.refresh_lab()

    def refresh_lab(self) -> None:
        """Draw (or redraw, after a language switch) what the lab shows."""

    def redraw_for_width(self) -> None:
        """A FittedStatic changed width: redraw once, after the layout that gave it the width."""
        if not getattr(self, "_fit_pending", False):
            self._fit_pending = True

            def redraw() -> None:
                self._fit_pending = False
                if self.is_mounted:
                    self.refresh_lab()

            self.call_after_refresh(redraw)

    def request_draw(self) -> None:
        """Redraw now, or REDRAW_S after the last redraw: a fast stream never floods the UI."""
        wait = self.REDRAW_S - (time.monotonic() - self._last_draw)
        if wait <= 0:
            self._draw()
        elif self._draw_timer is None:
            self._draw_timer = self.set_timer(wait, self._draw)

    def _draw(self) -> None:
        self._draw_timer = None
        self._last_draw = time.monotonic()
        self.refresh_lab()

    @property
    def busy(self) -> bool:
        """Work in flight that leaving the lesson would lose (a training run); labs override."""
        return False

    def title_widget(self) -> Static:
        return Static(self.s("title"), classes="lab-title")

    # -- engine work off the UI thread ----------------------------------------------------------

    def run_engine(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        *,
        group: str = "engine",
        failed: Callable[[BaseException], None] | None = None,
    ) -> Worker:
        """Run `work()` in a thread worker, then `done(result)` on the UI thread.

        Only the latest request of a group survives (exclusive), so typing fast never queues
        stale computations.
        """

        def job() -> None:
            worker = get_current_worker()
            try:
                result = work()
            except Exception as exc:  # shown in the lab, never a crash of the app
                if not worker.is_cancelled:
                    self.app.call_from_thread(failed or self.show_error, exc)
                return
            if not worker.is_cancelled:
                self.app.call_from_thread(done, result)

        return self.run_worker(job, thread=True, exclusive=True, group=group)

    def stream_engine(
        self,
        events: Callable[[threading.Event], Iterator[Any]],
        on_event: Callable[[Any], None],
        *,
        group: str = "stream",
        finished: Callable[[], None] | None = None,
    ) -> Worker:
        """Iterate a long engine job (training) in a thread, posting each event to the UI.

        Cancelling the worker (or `stop_streams()`) sets the engine's cancel event, which it
        checks between steps.
        """
        cancel = threading.Event()
        self.cancel_event = cancel

        def job() -> None:
            worker = get_current_worker()
            try:
                for event in events(cancel):
                    if worker.is_cancelled:
                        cancel.set()
                        break
                    self.app.call_from_thread(on_event, event)
            except Exception as exc:
                if not worker.is_cancelled:
                    self.app.call_from_thread(self.show_error, exc)
                return
            if finished is not None and not worker.is_cancelled:
                self.app.call_from_thread(finished)

        return self.run_worker(job, thread=True, exclusive=True, group=group)

    def stop_streams(self) -> None:
        self.cancel_event.set()
        self.workers.cancel_group(self, "stream")

    def on_unmount(self) -> None:
        self.cancel_event.set()

    def show_error(self, exc: BaseException) -> None:
        self.notify(error_text(exc), severity="error", timeout=8)


def error_text(exc: BaseException) -> str:
    """What a failure says in a lab: the engine's and fit check's own errors (Said) in the
    learner's words; a file error as its path and the reason in those words; anything else names
    its kind, since its text is Python's, not ours."""
    from tutor.i18n import Said, os_reason

    if isinstance(exc, Said):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno is not None:
        where = exc.filename if exc.filename is not None else ""
        return f"{where}: {os_reason(exc)}" if where else os_reason(exc)
    return f"{type(exc).__name__}: {exc}"


class FittedStatic(Static):
    """A Static whose content the lab lays out to the Static's own width (tabs and number lists
    broken between items, a chart as wide as its column): when its width changes, its lab redraws.

    The width is the Static's, known only after layout; redrawing on the lab's resize alone could
    draw with the width from before a narrow layout took effect.
    """

    def on_resize(self, event) -> None:
        if event.size.width != getattr(self, "_fitted_width", None):
            self._fitted_width = event.size.width
            for ancestor in self.ancestors:
                if isinstance(ancestor, Lab):
                    ancestor.redraw_for_width()
                    break


class LabUnavailable(Lab):
    """Shown for a lesson whose lab does not exist yet: says so instead of pretending."""

    def __init__(self, lesson_id: str) -> None:
        super().__init__()
        self.LESSON_ID = lesson_id

    def compose(self):
        yield Static("", id="lab-unavailable")

    def refresh_lab(self) -> None:
        from tutor.i18n import t

        self.query_one("#lab-unavailable", Static).update(t("lesson.lab_soon", self.lang))

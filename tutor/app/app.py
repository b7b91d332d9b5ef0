"""The Textual application: holds the store and the language, routes between screens."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.events import Resize

from tutor.app.size import MIN_HEIGHT, MIN_WIDTH, is_too_small
from tutor.i18n import LANGS, t
from tutor.lessons import UnknownLesson, load_course
from tutor.store import Store

__all__ = ["MIN_HEIGHT", "MIN_WIDTH", "TutorApp", "is_too_small"]


class TutorApp(App[int]):
    CSS_PATH = "tutor.tcss"
    TITLE = "tutor"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+q", "quit", show=False, priority=True),
        # `e` switches language where letters are free; F12 works everywhere, text boxes included.
        Binding("f12", "switch_lang", show=False),
        # Help on every screen, modal ones and the chat included (its footer has no room to say so).
        Binding("f1", "help", show=False),
        Binding("question_mark", "help", show=False),
    ]

    def __init__(self, store: Store, lang: str = "en", start: dict | None = None, quiz_seed: int | None = None):
        super().__init__()
        self.quiz_seed = quiz_seed  # fixes the quiz draw (tests and snapshots); None: random
        self.store = store
        self.lang = lang if lang in LANGS else "en"
        self.course = load_course()
        self.start = start

    @property
    def lang(self) -> str:
        return self._tutor_lang

    @lang.setter
    def lang(self, lang: str) -> None:
        from tutor.i18n import set_message_lang

        # The engine's errors (tutor.i18n.Said) are shown as str(exc): they follow the learner's language.
        self._tutor_lang = lang
        set_message_lang(lang)

    def on_mount(self) -> None:
        from tutor.app.screens import OverviewScreen

        self.title = t("app.title", self.lang)
        self.push_screen(OverviewScreen())
        if self.store.recovered_from is not None:
            self.notify(
                t("store.recovered", self.lang, path=self.store.recovered_from), severity="warning", timeout=15
            )
        if getattr(self.store, "read_only", None) is not None:
            self.tell_read_only()
        self.store.on_read_only = self._store_went_read_only
        self.call_after_refresh(self._open_start)

    def tell_read_only(self) -> None:
        """Told once, and long enough to read: nothing this session does will be saved."""
        read_only = self.store.read_only
        path = self.store.path
        self.notify(
            t(f"store.read_only.{read_only.kind}", self.lang, path=path, folder=path.parent),
            severity="warning",
            timeout=30,
            markup=False,  # a path is not markup
        )

    def _store_went_read_only(self, _read_only) -> None:
        # Called from whichever thread was writing, with the store's lock held: notify() only posts
        # a message (thread-safe, never waits), so no thread can block on another here.
        self.tell_read_only()

    def _open_start(self) -> None:
        """Open what the command line asked for, else resume where the learner stopped."""
        start = self.start
        resumed = False
        if start is None:
            start = self.store.last_location()
            resumed = start is not None
        if not start:
            return
        screen = start.get("screen")
        if screen == "lesson":
            try:
                lesson = self.course.lesson(str(start.get("lesson_id")))
            except UnknownLesson:
                return  # a lesson from another version of the course: stay on the overview
            self.open_lesson(lesson.id, position=float(start.get("position") or 0) if resumed else None)
            if resumed:
                self.notify(t("overview.resume", self.lang, title=lesson.title[self.lang]), timeout=4)
        elif screen == "chat":
            self.open_chat()

    # -- navigation used by every screen -------------------------------------------------------

    def open_lesson(self, lesson_id: str, position: float | None = None) -> None:
        from tutor.app.screens import LessonScreen

        kept = f"lesson:{lesson_id}"
        # A lesson left with its lab still working comes back as it was.
        screen = kept if self.is_screen_installed(kept) else LessonScreen(lesson_id, position=position)
        if isinstance(self.screen, LessonScreen):
            # n/p: the new page replaces the old one in one step (popping first would wake the
            # overview beneath, redraw it and lay it out, only to cover it again).
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def drop_kept_lesson(self, screen) -> None:
        """Forget a kept lesson screen whose lab has finished, once it is off the stack."""
        if self.is_screen_installed(screen) and all(screen is not s for s in self.screen_stack):
            self.uninstall_screen(screen)
            screen.remove()

    def open_chat(self, model: str | None = None) -> None:
        from tutor.app.chat import ChatScreen
        from tutor.app.screens import LessonScreen

        options: dict = {}
        start = self.start or {}
        if start.get("screen") == "chat":  # `tutor chat --model/--host/--backend/--base-url`
            options = {key: start[key] for key in ("model", "host", "backend", "base_url") if start.get(key)}
        if model:  # a lab asks for one model (lab 15: the one it just created in Ollama)
            options["model"] = model
        if isinstance(self.screen, LessonScreen):  # tutor mode: the chat knows the lesson
            options.update(lesson_id=self.screen.lesson_id, from_lesson=True)
        if isinstance(self.screen, ChatScreen):
            return
        self.push_screen(ChatScreen(**options))

    def action_help(self) -> None:
        """The keys of the screen in front, in a scrolling window (F1, ? or Esc closes it)."""
        from tutor.app.help import HelpScreen, screen_keys

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(screen_keys(self.screen)))

    def action_switch_lang(self) -> None:
        self.lang = "en" if self.lang == "es" else "es"
        self.store.set_setting("lang", self.lang)
        self.title = t("app.title", self.lang)
        for screen in self.screen_stack:
            apply = getattr(screen, "apply_language", None)
            if apply is not None:
                apply()
        self.notify(t("lang.switched", self.lang), timeout=2)

    # -- "terminal too small" ------------------------------------------------------------------

    @property
    def too_small(self) -> bool:
        return is_too_small(self.size.width, self.size.height)

    def on_resize(self, event: Resize) -> None:
        # event.size is the new size; self.size may still be the old one while this runs.
        for screen in self.screen_stack:
            update = getattr(screen, "update_size_warning", None)
            if update is not None:
                update(event.size.width, event.size.height)


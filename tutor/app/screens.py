"""The app's screens: course overview, lesson reader, quiz, progress, glossary and chat.

Every screen declares its keys once in `KEYS` (key, action, catalogue key); the footer shows
them in the current language, and `apply_language()` redraws a screen when the learner
switches language.
"""

from __future__ import annotations

import functools
import io
import random
import re

from rich.console import Console
from rich.segment import Segment
from rich.style import Style as RichStyle
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.screen import Screen
from textual.selection import Selection
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.widget import Widget
from textual.widgets import Header, OptionList, Static  # Markdown, DataTable: in the screens that show them
from textual.widgets.option_list import Option

from tutor.app.footer import KeyFooter
from tutor.app.keys import translated_bindings
from tutor.app.size import MIN_HEIGHT, MIN_WIDTH, SHORT_HEIGHT, is_too_small
from tutor.i18n import t
from tutor.progress import course_progress
from tutor.quiz import PASS_MARK, QuizSession, draw_quiz, load_bank, percent

def collation_key(text: str) -> tuple[str, str]:
    """Dictionary order: "Época" beside "Embedding", not after "VRAM" (accents sort with their
    letter, ñ after n as in Spanish dictionaries)."""
    import unicodedata

    folded = []
    for ch in text.casefold():
        if ch == "ñ":
            folded.append("n~")  # between n and o
            continue
        folded.append("".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)))
    return "".join(folded), text


STATUS_MARK = {"done": "✓", "reading": "◐", "not_started": "○"}


def clip(text: str, width: int) -> str:
    """`text` cut to `width` characters, ending in "…" when cut (never below 8: a title keeps
    enough to be recognised)."""
    width = max(8, width)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


PERCENT_AFTER_SPACE = re.compile(r"(\d) %")
# A figure keeps its unit ("42.9 GB") and a tuple of numbers its parts ("(0, 1)"), in prose only
# (code is left as it is written). Rich and Textual wrap at any whitespace, U+00A0 included, so
# the space inside a figure becomes U+2800 (braille blank): one blank cell that is not whitespace.
# A copy of the text turns it back into a space.
NUMBER_THEN_UNIT = re.compile(r"(\d)[ \n](GB|GiB|MB|MiB|KB|KiB|TB|TiB|min|ms|W)\b")
NUMBER_TUPLE = re.compile(r"\([-−+]?\d[\d.,]*(?:,[ \n][-−+]?\d[\d.,]*)+\)")
CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)
FIGURE_JOINER = "\u2800"


def keep_figures_whole(source: str) -> str:
    """Markdown with FIGURE_JOINER for the spaces inside figures (number and unit, tuples of
    numbers) outside code, so a narrow page never wraps "unos 42.9" / "GB" or "(0," / "1)"."""
    parts = CODE.split(source)
    for i in range(0, len(parts), 2):  # the odd parts are the code the split kept
        prose = PERCENT_AFTER_SPACE.sub(r"\1%", parts[i])
        prose = NUMBER_THEN_UNIT.sub(rf"\1{FIGURE_JOINER}\2", prose)
        parts[i] = NUMBER_TUPLE.sub(lambda m: re.sub(r",[ \n]", "," + FIGURE_JOINER, m.group(0)), prose)
    return "".join(parts)


@functools.lru_cache(maxsize=96)
def drawn_lesson(source: str, width: int) -> tuple[Strip, ...]:
    """A lesson's markdown drawn once at a width, one strip of styled segments per line. Pure
    Rich (a Strip is plain data): safe to call from a thread, which is how the neighbouring
    lessons are drawn ahead of a page turn."""
    from rich.markdown import Markdown as RichMarkdown  # here: start-up need not parse markdown_it

    console = Console(width=width, file=io.StringIO(), color_system="truecolor", force_terminal=True,
                      legacy_windows=False, emoji=False)
    # "67 %" (Spanish spacing) could wrap with the "%" alone on the next line: the figure and its
    # sign are written together; units and tuples are held by FIGURE_JOINER.
    source = keep_figures_whole(source)
    lines = console.render_lines(RichMarkdown(source, hyperlinks=False), console.options.update(width=width), pad=False)
    # A blank line keeps one empty segment, as Textual's own text rendering gives it (the
    # screenshots stay byte for byte what they were with a Static).
    strips = [Strip([segment for segment in line if segment.text and not segment.control] or [Segment("")]) for line in lines]
    while strips and not strips[-1].text.strip():  # no blank lines below the text
        strips.pop()
    return tuple(strips)


def rendered_lesson(source: str, width: int) -> Text:
    """The drawn lesson as one Text (its lines joined), for reading it as a whole."""
    text = Text(no_wrap=True, end="")
    for i, strip in enumerate(drawn_lesson(source, width)):
        if i:
            text.append("\n")
        for segment in strip:
            text.append(segment.text, segment.style)
    text.rstrip()
    return text


class LessonText(Widget):
    """A lesson's text as pre-drawn lines, shown through Textual's line API: a frame draws only
    the lines on screen, and the height is the number of lines. Textual's Markdown widget mounted
    a widget per paragraph, list item and table cell (a page turn took 0.4-0.6 s); a Static holding
    the whole text still wrapped and styled every line of it twice per page turn."""

    DEFAULT_CSS = """
    LessonText { height: auto; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.source = ""
        self.drawn_width = 0
        self.lines: tuple[Strip, ...] = ()

    def text_width(self) -> int:
        width = self.content_size.width
        if width <= 0:  # not laid out yet: the screen's width less padding and scrollbar
            width = self.app.size.width - 2 - self.styles.scrollbar_size_vertical
        return max(20, width)

    def show(self, source: str) -> None:
        self.source = source
        self.drawn_width = self.text_width()
        self.lines = drawn_lesson(source, self.drawn_width)
        self.refresh(layout=True)

    def on_resize(self) -> None:
        if self.source and self.text_width() != self.drawn_width:
            self.show(self.source)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self.drawn_width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines)

    def render_line(self, y: int) -> Strip:
        base = self.visual_style.rich_style
        if y >= len(self.lines):
            return Strip.blank(self.size.width, base)
        line = self.lines[y]
        selection = self.text_selection
        span = selection.get_span(y) if selection is not None else None
        if span is not None:  # the learner is selecting text with the mouse: highlight it
            text = Text.assemble(*((segment.text, segment.style) for segment in line), no_wrap=True, end="")
            start, end = span
            text.stylize(self.selection_style(), start, len(text) if end == -1 else end)
            line = Strip(text.render(self.app.console), line.cell_length)
        # Offsets tell Textual which character is under the mouse (text selection).
        return line.apply_style(base).apply_offsets(0, y)

    def selection_style(self) -> RichStyle:
        """The screen's selection colours over this widget's, as Textual shows a selection in text
        (the default selection foreground is transparent: the text keeps its own colour)."""
        selection = VisualStyle.from_styles(self.screen.get_component_styles("screen--selection"))
        combined = self.visual_style + selection
        foreground = selection.foreground
        return RichStyle(
            color=combined.foreground.rich_color if foreground is not None and foreground.a > 0 else None,
            bgcolor=combined.background.rich_color if combined.background is not None else None,
        )

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        # Copied as written: the blanks that held figures together are plain spaces.
        return selection.extract("\n".join(line.text for line in self.lines)).replace(FIGURE_JOINER, " "), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()


class TutorScreen(Screen):
    """Base: translated footer keys, a 'terminal too small' notice, shortcuts to the app."""

    KEYS: list[tuple[str, str, str]] = []  # (keys, action, catalogue key or "" to hide)
    show_help_key = True  # the footer names F1 (help) when it has room
    COMMON_KEYS: list[tuple[str, str, str]] = [("e", "app.switch_lang", "key.lang")]

    @property
    def lang(self) -> str:
        return self.app.lang

    @property
    def store(self):
        return self.app.store

    @property
    def course(self):
        return self.app.course

    def compose_frame(self) -> ComposeResult:
        # Set before the widgets exist, a class restyles only the screen; set on mount, it
        # restyled every widget on it again (a tenth of a page turn at heights under 30).
        self.set_class(self.app.size.height < SHORT_HEIGHT, "short")
        yield Header(show_clock=False)
        yield Static("", id="too-small")

    def on_mount(self) -> None:
        self.bind_keys()
        self.update_size_warning()

    def bind_keys(self) -> None:
        self._bindings = translated_bindings(self.KEYS + self.COMMON_KEYS, self.lang, base=type(self)._merged_bindings)
        self.refresh_bindings()

    # Keys that still work behind the "too small" notice.
    KEYS_WHEN_TOO_SMALL = frozenset({"app.quit", "app.switch_lang"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.has_class("too-small") and action not in self.KEYS_WHEN_TOO_SMALL:
            return False
        return True

    def apply_language(self) -> None:
        self.bind_keys()
        self.refresh_content()

    def refresh_content(self) -> None:
        """Redraw text that depends on the language (screens override)."""

    def update_size_warning(self, width: int | None = None, height: int | None = None) -> None:
        width = self.app.size.width if width is None else width
        height = self.app.size.height if height is None else height
        small = is_too_small(width, height)
        was_small = self.has_class("too-small")
        self.set_class(small, "too-small")
        self.set_class(height < SHORT_HEIGHT, "short")
        # Behind the notice nothing is visible, so no key may act on it: focus steps aside
        # (widgets' keys and typing stop) and check_action refuses the screen's own keys.
        if small and not was_small:
            self._focus_before_small = self.focused
            self.set_focus(None)
        elif was_small and not small:
            previous = getattr(self, "_focus_before_small", None)
            if previous is not None and previous.is_attached:
                self.set_focus(previous)
        if small != was_small:
            self.refresh_bindings()
        if small:
            self.query_one("#too-small", Static).update(
                t("too_small", self.lang, need_w=MIN_WIDTH, need_h=MIN_HEIGHT, w=width, h=height)
            )


# -- course overview -------------------------------------------------------------------------


class OverviewScreen(TutorScreen):
    KEYS = [
        ("enter", "open", "key.open", True),  # priority: the list's own hidden Enter would hide it
        ("p", "progress", "key.progress"),
        ("g", "glossary", "key.glossary"),
        ("c", "chat", "key.chat"),
        ("q", "app.quit", "key.quit"),
    ]

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        with Vertical(id="overview"):
            yield Static("", id="course-progress")
            yield OptionList(id="course-list")
        yield KeyFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_content()
        self.query_one(OptionList).focus()

    def on_screen_resume(self) -> None:
        self.refresh_content()
        # The cursor follows the learner: back from lessons turned with n/p, it sits on the last one.
        lesson_id = getattr(self.app, "last_lesson_id", None)
        option_list = self.query_one(OptionList)
        if lesson_id is not None:
            try:
                option_list.highlighted = option_list.get_option_index(lesson_id)
            except Exception:  # an id of another course version: the cursor stays
                pass

    def refresh_content(self) -> None:
        lang = self.lang
        progress = course_progress(self.course, self.store)
        self.query_one("#course-progress", Static).update(
            t("overview.progress", lang, done=progress.done, total=progress.total, percent=progress.percent)
        )
        option_list = self.query_one(OptionList)
        highlighted = option_list.highlighted
        options: list[Option] = []
        for module in self.course.modules:
            options.append(Option(Text(f"{module.number}. {module.title[lang]}", style="bold"), disabled=True))
            for lesson in module.lessons:
                status = progress.statuses[lesson.id]
                options.append(
                    Option(
                        t(
                            "overview.lesson",
                            lang,
                            mark=STATUS_MARK[status],
                            number=lesson.number,
                            title=lesson.title[lang],
                            minutes=lesson.minutes,
                        ),
                        id=lesson.id,
                    )
                )
            best = progress.best_quiz[module.quiz.id]
            best_text = t("overview.best", lang, percent=percent(best)) if best is not None else ""
            mark = "✓" if progress.quiz_passed(module.quiz.id) else "○"
            options.append(
                Option(t("overview.quiz", lang, mark=mark, title=module.quiz.title[lang], best=best_text), id=module.quiz.id)
            )
        option_list.set_options(options)
        option_list.highlighted = highlighted if highlighted is not None else 1

    @on(OptionList.OptionSelected, "#course-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.open_item(event.option.id)

    def action_open(self) -> None:
        option_list = self.query_one(OptionList)
        if option_list.highlighted is not None:
            self.open_item(option_list.get_option_at_index(option_list.highlighted).id)

    def open_item(self, item_id: str | None) -> None:
        if item_id is None:
            return
        if item_id.endswith("-quiz"):
            quiz = next(q for q in self.course.quizzes if q.id == item_id)
            self.app.push_screen(QuizScreen.module_quiz(quiz))
        else:
            self.app.open_lesson(item_id)

    def action_progress(self) -> None:
        self.app.push_screen(ProgressScreen())

    def action_glossary(self) -> None:
        self.app.push_screen(GlossaryScreen())

    def action_chat(self) -> None:
        self.app.open_chat()


# -- lesson reader ---------------------------------------------------------------------------


class LessonScreen(TutorScreen):
    KEYS = [
        ("escape", "back", "key.back"),
        ("n,right", "next", "key.next"),
        ("p,left", "previous", "key.prev"),
        ("d", "done", "key.done"),
        ("k", "checks", "key.checks"),
        ("l", "lab", "key.lab"),
        ("c", "chat", "key.chat"),
        ("q", "quit", ""),
    ]

    def __init__(self, lesson_id: str, position: float | None = None):
        super().__init__()
        self.lesson_id = lesson_id
        self.initial_position = position

    @property
    def lesson(self):
        return self.course.lesson(self.lesson_id)

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield Static("", id="lesson-header")
        with VerticalScroll(id="lesson-scroll"):
            yield LessonText(id="lesson-text")
        yield Vertical(id="lab-pane")
        yield KeyFooter()

    async def on_mount(self) -> None:
        super().on_mount()
        self.app.last_lesson_id = self.lesson_id
        self.last_position = self.initial_position or 0.0
        self.left = False  # set when the learner leaves on purpose
        self.store.mark_reading(self.lesson_id, self.initial_position)
        self.save_location()
        await self.load_text()
        scroll = self.query_one("#lesson-scroll", VerticalScroll)
        scroll.focus()
        if self.initial_position:
            self.call_after_refresh(self._restore_position)
        self.watch(scroll, "scroll_y", self._scrolled, init=False)

    def _restore_position(self) -> None:
        scroll = self.query_one("#lesson-scroll", VerticalScroll)
        scroll.scroll_to(y=self.initial_position * scroll.max_scroll_y, animate=False)

    def update_header(self) -> None:
        lesson = self.lesson
        module = self.course.module(lesson.module_id)
        status = self.store.lesson_progress(lesson.id).status
        # The status before the module's title: at 60 columns the line is cut at its end, and the
        # title is the part the learner can do without ("leyendo" was what went).
        position = t("lesson.position", self.lang, number=lesson.number, total=len(self.course.lessons))
        state = f"{STATUS_MARK[status]} {t('status.' + status, self.lang)}"
        self.query_one("#lesson-header", Static).update(f"{position} · {state} · {module.title[self.lang]}")

    async def load_text(self) -> None:
        self.update_header()
        text = self.query_one("#lesson-text", LessonText)
        text.show(self.lesson.markdown(self.lang))
        self.draw_neighbours_ahead(text.drawn_width)

    def draw_neighbours_ahead(self, width: int) -> None:
        """The lessons n and p lead to, drawn in a thread while this one is read: turning the
        page then only shows lines already drawn."""
        sources = [lesson.markdown(self.lang) for lesson in self.course.neighbours(self.lesson_id) if lesson is not None]

        def draw() -> None:
            for source in sources:
                drawn_lesson(source, width)

        self.run_worker(draw, thread=True, group="draw-ahead", exclusive=True)

    def refresh_content(self) -> None:
        self.run_worker(self.load_text(), exclusive=True, group="lesson-text")
        for lab in self.query("Lab"):
            lab.apply_language()

    # -- where the learner is: saved as they scroll, so a crash or a quit keeps it -------------

    def _scrolled(self, scroll_y: float) -> None:
        scroll = self.query_one("#lesson-scroll", VerticalScroll)
        if scroll.max_scroll_y:
            self.last_position = round(scroll_y / scroll.max_scroll_y, 4)
        # Debounced: one write after the learner stops scrolling, not one per line.
        if getattr(self, "_save_timer", None) is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(0.4, self.save_location)

    @property
    def position(self) -> float:
        return self.last_position

    def save_location(self) -> None:
        self.store.mark_reading(self.lesson_id, self.position)
        self.store.set_last_location({"screen": "lesson", "lesson_id": self.lesson_id, "position": self.position})

    def on_screen_suspend(self) -> None:
        self.save_location()

    def on_unmount(self) -> None:
        # Quitting (or a pending debounced save): keep the latest position, unless the learner
        # deliberately left the lesson (Esc, next, previous), which saved its own location.
        if not self.left:
            try:
                self.save_location()
            except Exception:  # the store may already be closing; the debounced saves stand
                pass

    def action_back(self) -> None:
        if self.lab_open:
            self.close_lab()
            return
        self.leave()
        self.store.set_last_location({"screen": "overview"})
        self.app.pop_screen()

    def action_next(self) -> None:
        previous, following = self.course.neighbours(self.lesson_id)
        if following is None:
            self.notify(t("lesson.last", self.lang))
            return
        self.leave()
        self.app.open_lesson(following.id)

    def action_previous(self) -> None:
        previous, _ = self.course.neighbours(self.lesson_id)
        if previous is None:
            self.notify(t("lesson.first", self.lang))
            return
        self.leave()
        self.app.open_lesson(previous.id)

    @property
    def kept_name(self) -> str:
        return f"lesson:{self.lesson_id}"

    def leave(self) -> None:
        """The learner leaves on purpose. A lab with work in flight (lab 12's training run) keeps
        its lesson screen alive, installed in the app, so coming back finds the run still going."""
        self.save_location()
        self.left = True
        busy = any(lab.busy for lab in self.query("Lab"))
        installed = self.app.is_screen_installed(self)
        if busy and not installed:
            self.app.install_screen(self, self.kept_name)
            self.notify(t("lesson.lab_kept", self.lang, number=self.lesson.number), timeout=6)
        elif not busy and installed:
            # Back to a plain screen: dropped once it is off the stack.
            self.app.call_after_refresh(self.app.drop_kept_lesson, self)

    def on_screen_resume(self) -> None:
        self.left = False
        self.app.last_lesson_id = self.lesson_id

    def action_done(self) -> None:
        """`d` marks the lesson done, and on a done lesson takes the mark back."""
        if self.store.lesson_progress(self.lesson_id).status == "done":
            self.store.unmark_done(self.lesson_id)
            self.notify(t("lesson.unmarked_done", self.lang))
            self.update_header()
            return
        self.store.mark_done(self.lesson_id)
        self.notify(t("lesson.marked_done", self.lang))
        self.update_header()

    def action_checks(self) -> None:
        questions = self.lesson.checks()
        if not questions:
            self.notify(t("lesson.no_checks", self.lang))
            return
        self.app.push_screen(QuizScreen.lesson_checks(self.lesson, questions))

    @property
    def lab_open(self) -> bool:
        return self.query_one("#lab-pane").display

    @property
    def show_help_key(self) -> bool:
        # An open lab's keys fill the footer (F1 still opens the help).
        return not (self.is_mounted and self.query("#lab-pane") and self.lab_open)

    # While the lab is open the footer belongs to it: the reading keys step aside (80 columns
    # cannot show both sets) until Esc or `l` closes the lab.
    # `q` too: a letter typed into a lab where no text field has focus must not end the app (and a
    # training run with it); Ctrl+Q still quits.
    READING_ACTIONS = frozenset({"next", "previous", "done", "checks", "chat", "quit"})

    def action_quit(self) -> None:
        self.app.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.READING_ACTIONS and self.is_mounted and self.query("#lab-pane") and self.lab_open:
            return False
        return super().check_action(action, parameters)

    def bind_keys(self) -> None:
        # With the lab open its keys fill the footer: `l` and `e` still work, unlabelled.
        if self.is_mounted and self.query("#lab-pane") and self.lab_open:
            hidden = {"lab", "app.switch_lang"}
            specs = [(keys, action, "" if action in hidden else label, *rest) for keys, action, label, *rest in self.KEYS + self.COMMON_KEYS]
            self._bindings = translated_bindings(specs, self.lang, base=type(self)._merged_bindings)
            self.refresh_bindings()
            return
        super().bind_keys()

    def action_lab(self) -> None:
        """Toggle this lesson's live lab below the text; the lab is built the first time."""
        from tutor.app.labs import make_lab

        pane = self.query_one("#lab-pane", Vertical)
        if self.lab_open:
            self.close_lab()
            return
        if not pane.children:
            pane.mount(make_lab(self.lesson_id))
        pane.display = True
        self.add_class("with-lab")
        self.bind_keys()
        self.call_after_refresh(self._focus_lab)

    def _focus_lab(self) -> None:
        from tutor.app.labs.base import Lab

        lab = self.query_one(Lab)
        focusable = [w for w in lab.query("*") if w.focusable]
        (focusable[0] if focusable else lab).focus()

    def close_lab(self) -> None:
        self.query_one("#lab-pane", Vertical).display = False
        self.remove_class("with-lab")
        self.bind_keys()
        self.query_one("#lesson-scroll", VerticalScroll).focus()

    def action_chat(self) -> None:
        self.app.open_chat()


# -- quizzes and check questions -------------------------------------------------------------


class AnswerList(OptionList):
    """The answer options. Enter answers at once rather than through a message, so keys typed
    right after it ("2", Enter, "1" in quick succession) act in the order typed."""

    def action_select(self) -> None:
        if self.highlighted is not None:
            self.screen.action_answer(self.highlighted)


def option_prompt(label: str, text: str) -> Table:
    """An answer option whose wrapped lines start under its text, not under its number."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(label, text)
    return grid


class QuizScreen(TutorScreen):
    """One quiz run: a question, its feedback, ..., the score and a review of the misses."""

    KEYS = [
        ("escape", "back", "key.back"),
        ("enter", "choose", ""),  # the list's own Enter, also when focus has not reached it yet
        ("1", "answer(0)", ""),
        ("2", "answer(1)", ""),
        ("3", "answer(2)", ""),
        ("4", "answer(3)", ""),
    ]
    # After an answer: Enter (or any answer key) moves on; the arrows and PgUp/PgDn scroll the
    # question and its feedback as one page. Nothing has focus then, so these are the keys (and
    # the footer's order). Not priority bindings: those run ahead of keys typed before them
    # ("2" then Enter, typed fast, must answer first and move on second).
    FEEDBACK_KEYS = [
        ("escape", "back", "key.back"),
        ("enter", "continue", "key.continue"),
        ("down", "scroll_page('down')", "key.more"),
        ("up", "scroll_page('up')", ""),
        ("pagedown", "scroll_page('page_down')", ""),
        ("pageup", "scroll_page('page_up')", ""),
        ("end", "scroll_page('end')", ""),
        ("home", "scroll_page('home')", ""),
        ("1,2,3,4", "continue", ""),
    ]
    END_KEYS = [
        ("escape", "back", "key.back"),
        ("r", "retake", "key.retake"),
        ("a", "again", "key.again"),
    ]

    def __init__(self, quiz_id: str, title: dict[str, str], questions, kind: str, draw: int | None):
        super().__init__()
        self.quiz_id = quiz_id
        self.quiz_title = title
        self.questions = questions
        self.kind = kind
        self.draw_count = draw
        self.rng = random.Random()  # seeded from the app in on_mount when it asks
        self.session: QuizSession | None = None
        self.attempt_id: int | None = None
        self.awaiting_continue = False

    @classmethod
    def module_quiz(cls, quiz) -> QuizScreen:
        return cls(quiz.id, quiz.title, load_bank(quiz.module_id), kind="quiz", draw=10)

    @classmethod
    def lesson_checks(cls, lesson, questions) -> QuizScreen:
        titles = {lang: t("quiz.checks_title", lang, title=lesson.title[lang]) for lang in lesson.title}
        return cls(lesson.id, titles, questions, kind="check", draw=None)

    def compose(self) -> ComposeResult:
        from textual.widgets import Markdown

        yield from self.compose_frame()
        with VerticalScroll(id="quiz"):
            yield Static("", id="quiz-title")
            yield Static("", id="quiz-counter")
            yield Static("", id="quiz-prompt")
            yield AnswerList(id="quiz-options")
            yield Static("", id="quiz-feedback")
            yield Markdown("", id="quiz-review")
        yield KeyFooter()

    def on_mount(self) -> None:
        super().on_mount()
        # Long options wrap: the list grows and the page scrolls, so no option hides inside it.
        self.query_one("#quiz-options", OptionList).styles.max_height = None
        if getattr(self.app, "quiz_seed", None) is not None:
            self.rng = random.Random(self.app.quiz_seed)
        self.start(self.new_session())

    def new_session(self) -> QuizSession:
        n = self.draw_count or len(self.questions)
        return QuizSession(self.quiz_id, draw_quiz(self.questions, n=n, rng=self.rng), self.lang, kind=self.kind)

    def start(self, session: QuizSession) -> None:
        self.session = session
        self.attempt_id = self.store.start_attempt(session.quiz_id, session.kind, self.lang, session.total)
        self.awaiting_continue = False
        self.KEYS = type(self).KEYS
        self.bind_keys()
        self.show_question()

    def refresh_content(self) -> None:
        if self.session is None:
            return
        self.session.lang = self.lang
        if self.session.finished:
            self.show_results()
        elif not self.awaiting_continue:
            self.show_question()

    def show_question(self) -> None:
        from textual.widgets import Markdown

        session = self.session
        dq = session.current
        lang = self.lang
        self.query_one("#quiz-title", Static).update(Text(self.quiz_title[lang], style="bold"))
        self.query_one("#quiz-counter", Static).update(
            t("quiz.question", lang, n=session.index + 1, total=session.total) + " · " + t("quiz.choose", lang)
        )
        self.query_one("#quiz-prompt", Static).update(dq.question.in_lang(lang).prompt)
        options = self.query_one("#quiz-options", OptionList)
        options.display = True
        options.set_options([option_prompt(f"{i + 1}.", text) for i, text in enumerate(dq.options(lang))])
        options.highlighted = 0
        self.set_focus(options)  # now, not after a refresh: the next key typed goes to the list
        self.query_one("#quiz-feedback", Static).update("")
        self.query_one("#quiz-review", Markdown).display = False
        self.query_one("#quiz", VerticalScroll).scroll_home(animate=False)

    @on(OptionList.OptionSelected, "#quiz-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_answer(event.option_index)

    def action_answer(self, position: int) -> None:
        if self.session is None:
            return
        if self.awaiting_continue:  # any answer key, or Enter, only moves on after feedback
            self.next_question()
            return
        if self.session.finished:
            return
        dq = self.session.current
        feedback = self.session.answer(position)
        # Saved at once: a crash mid-quiz keeps every answer given.
        self.store.record_answer(self.attempt_id, dq.question.id, dq.order[position], feedback.correct)
        lang = self.lang
        options = dq.options(lang)
        verdict = (
            Text(t("quiz.correct", lang), style="bold green")
            if feedback.correct
            else Text(t("quiz.wrong", lang, answer=options[feedback.correct_position]), style="bold red")
        )
        body = Text.assemble(verdict, "\n", feedback.explanation, "\n\n", (t("quiz.continue", lang), "dim"))
        self.query_one("#quiz-feedback", Static).update(body)
        option_list = self.query_one("#quiz-options", OptionList)
        marked = []
        for i, text in enumerate(options):
            prefix = "✓" if i == feedback.correct_position else ("✗" if i == position else " ")
            marked.append(option_prompt(f"{prefix} {i + 1}.", text))
        option_list.set_options(marked)
        option_list.highlighted = position
        self.awaiting_continue = True
        self.KEYS = self.FEEDBACK_KEYS
        self.bind_keys()
        # The page, not the list, takes the keys now (the screen's own, in footer order); it
        # scrolls so the verdict is in sight.
        self.set_focus(None)
        self.call_after_refresh(self._show_verdict, verdict)
        if self.session.finished:
            self.store.finish_attempt(self.attempt_id, self.session.score, self.session.total, self.session.passed)

    def _show_verdict(self, verdict: Text) -> None:
        """Scroll the least that brings the whole verdict (the feedback's first lines: right or
        wrong, and the right answer) into view, keeping as much of the question above it as fits."""
        page = self.query_one("#quiz", VerticalScroll)
        feedback = self.query_one("#quiz-feedback", Static)
        rows = len(verdict.wrap(self.app.console, max(1, feedback.content_size.width)))
        bottom = feedback.virtual_region.y + rows  # in the page's coordinates
        view = page.scrollable_content_region.height
        if bottom > page.scroll_y + view:
            page.scroll_to(y=min(bottom - view, feedback.virtual_region.y), animate=False)

    def action_choose(self) -> None:
        highlighted = self.query_one("#quiz-options", OptionList).highlighted
        if highlighted is not None:
            self.action_answer(highlighted)

    def action_continue(self) -> None:
        if self.awaiting_continue:
            self.next_question()

    def action_scroll_page(self, how: str) -> None:
        page = self.query_one("#quiz", VerticalScroll)
        {
            "down": page.scroll_down,
            "up": page.scroll_up,
            "page_down": page.scroll_page_down,
            "page_up": page.scroll_page_up,
            "end": page.scroll_end,
            "home": page.scroll_home,
        }[how](animate=False)

    def next_question(self) -> None:
        self.awaiting_continue = False
        if self.session.finished:
            self.show_results()
        else:
            self.KEYS = type(self).KEYS
            self.bind_keys()
            self.show_question()

    def show_results(self) -> None:
        from textual.widgets import Markdown

        session = self.session
        lang = self.lang
        self.KEYS = self.END_KEYS if session.misses() else [k for k in self.END_KEYS if k[1] != "retake"]
        self.bind_keys()
        self.query_one("#quiz-options", OptionList).display = False
        self.query_one("#quiz-counter", Static).update("")
        score_line = t("quiz.score", lang, score=session.score, total=session.total, percent=percent(session.fraction))
        if session.kind in ("quiz", "retake"):  # a retake of the misses gets its verdict too
            mark = percent(PASS_MARK)
            verdict = t("quiz.passed", lang, mark=mark) if session.passed else t("quiz.failed", lang, mark=mark)
            style = "bold green" if session.passed else "bold yellow"
        else:
            verdict, style = "", "bold"
        self.query_one("#quiz-prompt", Static).update(Text.assemble((score_line, "bold"), "\n", (verdict, style)))
        keys_end = t("quiz.keys_end", lang) if session.misses() else t("quiz.keys_end_perfect", lang)
        self.query_one("#quiz-feedback", Static).update(Text(keys_end, style="dim"))
        review = self.query_one("#quiz-review", Markdown)
        review.display = True
        misses = session.misses()
        if not misses:
            review.update(t("quiz.perfect", lang))
        else:
            lines = [f"## {t('quiz.review_heading', lang)}", ""]
            for dq in misses:
                text = dq.question.in_lang(lang)
                lesson_title = self.course.lesson(dq.question.lesson).title[lang]
                lines += [
                    f"**{text.prompt}**",
                    "",
                    f"- {t('quiz.your_answer', lang, answer=text.options[session.answers[dq.question.id]])}",
                    f"- {t('quiz.right_answer', lang, answer=text.options[dq.question.correct])}",
                    f"- {text.explanation}",
                    f"- *{t('quiz.lesson_ref', lang, title=lesson_title)}*",
                    "",
                ]
            review.update("\n".join(lines))
        self.query_one("#quiz", VerticalScroll).focus()

    def action_retake(self) -> None:
        if self.session and self.session.finished and self.session.misses():
            self.start(self.session.retake_missed(rng=self.rng))

    def action_again(self) -> None:
        if self.session and self.session.finished:
            self.start(self.new_session())

    def action_back(self) -> None:
        self.app.pop_screen()


# -- progress --------------------------------------------------------------------------------


class ProgressScreen(TutorScreen):
    KEYS = [("escape", "back", "key.back")]

    def compose(self) -> ComposeResult:
        from textual.widgets import DataTable

        yield from self.compose_frame()
        with Vertical(id="progress"):  # the lessons table scrolls itself; the quiz rows stay below it
            yield Static("", id="progress-summary")
            yield DataTable(id="progress-lessons", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="progress-quizzes", cursor_type="row")
        yield KeyFooter()

    def on_mount(self) -> None:
        from textual.widgets import DataTable

        super().on_mount()
        self.refresh_content()
        self.query_one("#progress-lessons", DataTable).focus()

    def refresh_content(self) -> None:
        from textual.widgets import DataTable

        lang = self.lang
        progress = course_progress(self.course, self.store)
        self.query_one("#progress-summary", Static).update(
            Text.assemble(
                (t("progress.title", lang), "bold"),
                "\n",
                t("progress.lessons", lang, done=progress.done, total=progress.total, percent=progress.percent),
            )
        )
        # The titles give way to the facts: at 60 columns a long title is clipped with "…" so the
        # status (mark and word) and every score stay on screen; nothing runs off the right edge.
        self.drawn_width = self.app.size.width
        room = self.drawn_width - self.TABLE_MARGIN
        lessons = self.query_one("#progress-lessons", DataTable)
        lessons.clear(columns=True)
        lessons.add_columns("#", t("progress.col.lesson", lang), t("progress.col.status", lang))
        statuses = {status: f"{STATUS_MARK[status]} {t('status.' + status, lang)}" for status in STATUS_MARK}
        number_width = len(str(len(self.course.lessons)))
        status_width = max(len(t("progress.col.status", lang)), *(len(text) for text in statuses.values()))
        title_width = room - 3 * self.CELL_PADDING - number_width - status_width
        for lesson in self.course.lessons:
            status = progress.statuses[lesson.id]
            lessons.add_row(str(lesson.number), clip(lesson.title[lang], title_width), statuses[status])
        quizzes = self.query_one("#progress-quizzes", DataTable)
        quizzes.clear(columns=True)
        headings = [t(f"progress.col.{name}", lang) for name in ("quiz", "attempts", "best", "last")]
        quizzes.add_columns(*headings)
        none = t("progress.none", lang)
        rows = []
        for quiz in self.course.quizzes:
            attempts = [a for a in self.store.attempts(quiz.id) if a.kind == "quiz" and a.finished_at]
            best = progress.best_quiz[quiz.id]
            last = attempts[-1] if attempts else None
            rows.append([
                quiz.title[lang],
                str(len(attempts)),
                f"{percent(best)}%" if best is not None else none,
                f"{last.score}/{last.total}" if last else none,
            ])
        figures = sum(max(len(headings[i]), *(len(row[i]) for row in rows)) for i in (1, 2, 3))
        quiz_width = room - 4 * self.CELL_PADDING - figures
        for row in rows:
            quizzes.add_row(clip(row[0], quiz_width), *row[1:])

    # Columns lost to the screen's padding and the table's scrollbar; each cell's padding.
    TABLE_MARGIN = 4
    CELL_PADDING = 2

    def on_resize(self) -> None:
        if getattr(self, "drawn_width", None) not in (None, self.app.size.width):
            self.refresh_content()

    def action_back(self) -> None:
        self.app.pop_screen()


# -- glossary --------------------------------------------------------------------------------


def search_fold(text: str) -> str:
    """Text as a search compares it: case and accents folded ("epoca" finds "Época"), ñ kept."""
    return collation_key(text)[0].replace("n~", "ñ")


class GlossaryScreen(TutorScreen):
    """Every term of the course, in dictionary order, with a filter: `/` and a few letters narrow
    forty-odd screens of terms (at 60x18) to the ones that name or mention them."""

    KEYS = [("slash", "find", "key.find"), ("escape", "back", "key.back")]
    SCROLL_WHILE_TYPING = {"down": "scroll_down", "up": "scroll_up", "pagedown": "scroll_page_down", "pageup": "scroll_page_up"}

    DEFAULT_CSS = """
    GlossaryScreen #glossary-filter { height: 1; border: none; padding: 0 1; display: none; }
    GlossaryScreen #glossary-filter.shown { display: block; }
    GlossaryScreen #glossary-count { height: 1; padding: 0 1; color: $text-muted; display: none; }
    GlossaryScreen #glossary-count.shown { display: block; }
    """

    def compose(self) -> ComposeResult:
        from textual.widgets import Input, Markdown

        yield from self.compose_frame()
        yield Input(placeholder=t("glossary.filter", self.lang), id="glossary-filter")
        yield Static("", id="glossary-count")
        with VerticalScroll(id="glossary"):
            yield Markdown("", id="glossary-text", open_links=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_content()
        self.query_one("#glossary", VerticalScroll).focus()

    def refresh_content(self) -> None:
        from textual.widgets import Input, Markdown

        from tutor.lessons import load_glossary

        lang = self.lang
        query = search_fold(self.query_one("#glossary-filter", Input).value.strip())
        terms = sorted(load_glossary(), key=lambda term: collation_key(term.term[lang]))
        shown = [term for term in terms
                 if not query or query in search_fold(term.term[lang]) or query in search_fold(term.definition[lang])]
        lines = [f"# {t('glossary.title', lang)}", ""]
        for term in shown:
            lines.append(f"**{term.term[lang]}**: {term.definition[lang]}")
            lines.append("")
        if query and not shown:
            lines.append(t("glossary.none", lang))
        self.query_one("#glossary-text", Markdown).update("\n".join(lines))
        count = self.query_one("#glossary-count", Static)
        count.update(t("glossary.count", lang, shown=len(shown), total=len(terms)))
        count.set_class(bool(query), "shown")
        self.query_one("#glossary", VerticalScroll).scroll_home(animate=False)

    def action_find(self) -> None:
        from textual.widgets import Input

        field = self.query_one("#glossary-filter", Input)
        field.add_class("shown")
        field.focus()

    def on_input_changed(self, event) -> None:
        if event.input.id == "glossary-filter":
            self.refresh_content()

    def on_input_submitted(self, event) -> None:
        if event.input.id == "glossary-filter":  # Enter: read what was found
            self.query_one("#glossary", VerticalScroll).focus()

    def on_key(self, event) -> None:
        from textual.widgets import Input

        field = self.query_one("#glossary-filter", Input)
        if event.key == "escape" and field.has_focus:  # Esc leaves the filter first, then the screen
            event.stop()
            event.prevent_default()
            if field.value:
                field.value = ""  # a new search: the learner stays in the field
            else:
                field.remove_class("shown")
                self.query_one("#glossary", VerticalScroll).focus()
        elif event.key in self.SCROLL_WHILE_TYPING and field.has_focus:
            event.stop()  # the list scrolls while the learner types
            getattr(self.query_one("#glossary", VerticalScroll), self.SCROLL_WHILE_TYPING[event.key])()

    def action_back(self) -> None:
        self.app.pop_screen()

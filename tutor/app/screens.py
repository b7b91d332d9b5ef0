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
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Markdown, OptionList, Static
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


PERCENT_AFTER_SPACE = re.compile(r"(\d) %")


@functools.lru_cache(maxsize=96)
def rendered_lesson(source: str, width: int) -> Text:
    """A lesson's markdown drawn once at a width, as styled lines. Pure Rich, no Textual: safe to
    call from a thread, which is how the neighbouring lessons are drawn ahead of a page turn."""
    from rich.markdown import Markdown as RichMarkdown  # here: start-up need not parse markdown_it

    console = Console(width=width, file=io.StringIO(), color_system="truecolor", force_terminal=True,
                      legacy_windows=False, emoji=False)
    # "67 %" (Spanish spacing) could wrap with the "%" alone on the next line: the figure and its
    # sign are kept together (wrapping breaks at any whitespace, no-break spaces included).
    source = PERCENT_AFTER_SPACE.sub(r"\1%", source)
    lines = console.render_lines(RichMarkdown(source, hyperlinks=False), console.options.update(width=width), pad=False)
    text = Text(no_wrap=True, end="")
    for i, line in enumerate(lines):
        if i:
            text.append("\n")
        for segment in line:
            if not segment.control:
                text.append(segment.text, segment.style)
    text.rstrip()
    return text


class LessonText(Static):
    """A lesson's text as one widget of pre-drawn lines. Textual's Markdown widget mounts a widget
    per paragraph, list item and table cell (hundreds per lesson): a page turn took 0.4-0.6 s.
    Lines drawn once per width (cached, and ahead of time for the neighbours) make it cheap."""

    DEFAULT_CSS = """
    LessonText { height: auto; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.source = ""
        self.drawn_width = 0

    def text_width(self) -> int:
        width = self.content_size.width
        if width <= 0:  # not laid out yet: the screen's width less padding and scrollbar
            width = self.app.size.width - 2 - self.styles.scrollbar_size_vertical
        return max(20, width)

    def show(self, source: str) -> None:
        self.source = source
        self.drawn_width = self.text_width()
        self.update(rendered_lesson(source, self.drawn_width))

    def on_resize(self) -> None:
        if self.source and self.text_width() != self.drawn_width:
            self.show(self.source)


class TutorScreen(Screen):
    """Base: translated footer keys, a 'terminal too small' notice, shortcuts to the app."""

    KEYS: list[tuple[str, str, str]] = []  # (keys, action, catalogue key or "" to hide)
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
        header = t("lesson.header", self.lang, number=lesson.number, total=len(self.course.lessons), module=module.title[self.lang])
        self.query_one("#lesson-header", Static).update(f"{header} · {STATUS_MARK[status]} {t('status.' + status, self.lang)}")

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
                rendered_lesson(source, width)

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


class QuizScreen(TutorScreen):
    """One quiz run: a question, its feedback, ..., the score and a review of the misses."""

    KEYS = [
        ("escape", "back", "key.back"),
        ("1", "answer(0)", ""),
        ("2", "answer(1)", ""),
        ("3", "answer(2)", ""),
        ("4", "answer(3)", ""),
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
        yield from self.compose_frame()
        with VerticalScroll(id="quiz"):
            yield Static("", id="quiz-title")
            yield Static("", id="quiz-counter")
            yield Static("", id="quiz-prompt")
            yield OptionList(id="quiz-options")
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
        options.set_options([f"{i + 1}. {text}" for i, text in enumerate(dq.options(lang))])
        options.highlighted = 0
        options.focus()
        self.query_one("#quiz-feedback", Static).update("")
        self.query_one("#quiz-review", Markdown).display = False

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
            marked.append(f"{prefix} {i + 1}. {text}")
        option_list.set_options(marked)
        option_list.highlighted = position
        self.awaiting_continue = True
        if self.session.finished:
            self.store.finish_attempt(self.attempt_id, self.session.score, self.session.total, self.session.passed)

    def next_question(self) -> None:
        self.awaiting_continue = False
        if self.session.finished:
            self.show_results()
        else:
            self.show_question()

    def show_results(self) -> None:
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
        yield from self.compose_frame()
        with Vertical(id="progress"):  # the lessons table scrolls itself; the quiz rows stay below it
            yield Static("", id="progress-summary")
            yield DataTable(id="progress-lessons", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="progress-quizzes", cursor_type="row")
        yield KeyFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_content()
        self.query_one("#progress-lessons", DataTable).focus()

    def refresh_content(self) -> None:
        lang = self.lang
        progress = course_progress(self.course, self.store)
        self.query_one("#progress-summary", Static).update(
            Text.assemble(
                (t("progress.title", lang), "bold"),
                "\n",
                t("progress.lessons", lang, done=progress.done, total=progress.total, percent=progress.percent),
            )
        )
        lessons = self.query_one("#progress-lessons", DataTable)
        lessons.clear(columns=True)
        lessons.add_columns("#", t("progress.col.lesson", lang), t("progress.col.status", lang))
        for lesson in self.course.lessons:
            status = progress.statuses[lesson.id]
            lessons.add_row(str(lesson.number), lesson.title[lang], f"{STATUS_MARK[status]} {t('status.' + status, lang)}")
        quizzes = self.query_one("#progress-quizzes", DataTable)
        quizzes.clear(columns=True)
        quizzes.add_columns(
            t("progress.col.quiz", lang), t("progress.col.attempts", lang), t("progress.col.best", lang), t("progress.col.last", lang)
        )
        none = t("progress.none", lang)
        for quiz in self.course.quizzes:
            attempts = [a for a in self.store.attempts(quiz.id) if a.kind == "quiz" and a.finished_at]
            best = progress.best_quiz[quiz.id]
            last = attempts[-1] if attempts else None
            quizzes.add_row(
                quiz.title[lang],
                str(len(attempts)),
                f"{percent(best)}%" if best is not None else none,
                f"{last.score}/{last.total}" if last else none,
            )

    def action_back(self) -> None:
        self.app.pop_screen()


# -- glossary --------------------------------------------------------------------------------


class GlossaryScreen(TutorScreen):
    KEYS = [("escape", "back", "key.back")]

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        with VerticalScroll(id="glossary"):
            yield Markdown("", id="glossary-text", open_links=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_content()
        self.query_one("#glossary", VerticalScroll).focus()

    def refresh_content(self) -> None:
        from tutor.lessons import load_glossary

        lang = self.lang
        lines = [f"# {t('glossary.title', lang)}", ""]
        for term in sorted(load_glossary(), key=lambda term: collation_key(term.term[lang])):
            lines.append(f"**{term.term[lang]}**: {term.definition[lang]}")
            lines.append("")
        self.query_one("#glossary-text", Markdown).update("\n".join(lines))

    def action_back(self) -> None:
        self.app.pop_screen()

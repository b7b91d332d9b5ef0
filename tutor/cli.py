"""Command line: argparse verbs, TTY checks and exit codes. The only layer that prints.

`tutor` alone opens the app where the learner left off. Every verb's handler returns an exit
code: 0 fine, 1 a failure at run time, 2 bad usage (unknown lesson, no terminal, bad value).
Heavy modules (Textual, torch, questionary) are imported inside the handlers that need them,
so `tutor --help` and `tutor lessons` start fast.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from pathlib import Path

from tutor import __version__
from tutor.i18n import LANGS

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_USAGE = 2


def err(message: str) -> None:
    print(f"tutor: {message}", file=sys.stderr)


def has_terminal() -> bool:
    """Textual reads keys from stdin and draws on stderr; questionary uses stdin and stdout."""
    streams = (sys.stdin, sys.stdout, sys.stderr)
    return all(stream is not None and stream.isatty() for stream in streams)


def no_terminal_message(what: str) -> str:
    from tutor.i18n import say

    return say("cli.no_terminal", what=what)


def open_store_or_explain():
    """Open the store; report a moved-aside damaged file; None (with a message) if unusable."""
    from tutor.i18n import message_lang, say, t
    from tutor.store import StoreError, open_store

    try:
        store = open_store()
    except StoreError as exc:
        err(exc.text(message_lang()))
        return None
    if store.recovered_from is not None:
        not_ours = getattr(store, "recovered_not_ours", None)
        if not_ours is not None:
            why = say("cli.recovered.not_ours", reason=t(not_ours.key, message_lang(), **dict(not_ours.values)))
        else:
            why = say("cli.recovered.damaged")
        err(say("cli.recovered", why=why, path=store.recovered_from))
    if store.read_only is not None:
        err(say("cli.read_only", message=store.read_only.text(message_lang())))
    return store


def resolve_lang(flag: str | None, store) -> str:
    from tutor.i18n import choose_lang

    remembered = store.get_setting("lang") if store is not None else None
    return choose_lang(flag, remembered)


# -- the app ---------------------------------------------------------------------------------


def run_app(args: argparse.Namespace, start: dict | None = None) -> int:
    from tutor.i18n import say

    if not has_terminal():
        err(no_terminal_message(say("cli.what.app")))
        return EXIT_USAGE
    store = open_store_or_explain()
    if store is None:
        return EXIT_FAIL
    from tutor.app.app import TutorApp  # Textual loads here, not at start-up

    lang = resolve_lang(getattr(args, "lang", None), store)
    if getattr(args, "lang", None):
        store.set_setting("lang", lang)
    app = TutorApp(store=store, lang=lang, start=start)
    try:
        app.run(mouse=not getattr(args, "no_mouse", False))
    finally:
        store.close()
    return app.return_code or EXIT_OK


def cmd_app(args: argparse.Namespace) -> int:
    return run_app(args)


def cmd_lesson(args: argparse.Namespace) -> int:
    from tutor.i18n import say
    from tutor.lessons import UnknownLesson, load_course

    course = load_course()
    try:
        lesson = course.find_lesson(args.lesson)
    except UnknownLesson:
        err(say("cli.unknown_lesson", ref=repr(args.lesson)))
        for item in course.lessons:
            print(f"  {item.number:>2}  {item.id}", file=sys.stderr)
        return EXIT_USAGE
    return run_app(args, start={"screen": "lesson", "lesson_id": lesson.id})


def cmd_chat(args: argparse.Namespace) -> int:
    start = {"screen": "chat"}
    for key in ("model", "host", "backend", "base_url"):
        if getattr(args, key, None):
            start[key] = getattr(args, key)
    if start.get("base_url") and not start.get("backend"):
        start["backend"] = "openai"  # --base-url alone means an OpenAI-compatible server
    return run_app(args, start=start)


def print_course(store, lang: str, with_attempts: bool = False) -> None:
    from tutor.i18n import t
    from tutor.lessons import load_course
    from tutor.quiz import PASS_MARK

    course = load_course()
    progress = store.all_lesson_progress()
    done = sum(1 for lesson in course.lessons if lesson.id in progress and progress[lesson.id].status == "done")
    total = len(course.lessons)
    print(course.title[lang])
    print(t("overview.progress", lang, done=done, total=total, percent=round(100 * done / total)))
    marks = {"done": "[x]", "reading": "[~]", "not_started": "[ ]"}
    for module in course.modules:
        print()
        print(f"{module.number}. {module.title[lang]}")
        for lesson in module.lessons:
            status = progress[lesson.id].status if lesson.id in progress else "not_started"
            print(
                f"  {marks[status]} {lesson.number:>2}. {lesson.title[lang]} "
                f"({lesson.minutes} min) · {t('status.' + status, lang)}  [{lesson.id}]"
            )
        best = store.best_score(module.quiz.id)
        best_text = t("overview.best", lang, percent=round(best * 100)) if best is not None else ""
        passed = best is not None and best >= PASS_MARK - 1e-9
        print(f"  {'[x]' if passed else '[ ]'}  * {module.quiz.title[lang]}{best_text}  [tutor quiz {module.number}]")
        if with_attempts:
            for attempt in store.attempts(module.quiz.id):
                if attempt.finished_at:
                    print(
                        f"        {attempt.finished_at}  {kind_name(attempt.kind, lang):<6} {attempt.score}/{attempt.total}"
                        f"  {t('progress.attempt_passed', lang) if attempt.passed else ''}"
                    )
                else:  # left with Ctrl-C or a closed window: listed, never counted as a score
                    answered = len(store.answers(attempt.id))
                    print(
                        f"        {attempt.started_at}  {kind_name(attempt.kind, lang):<6} "
                        + t("progress.unfinished", lang, answered=answered, total=attempt.total)
                    )


def kind_name(kind: str, lang: str) -> str:
    """An attempt's kind (quiz, retake, check) as the listing names it in `lang`."""
    from tutor.i18n import CATALOGUE, t

    key = f"progress.kind.{kind}"
    return t(key, lang) if key in CATALOGUE["en"] else kind


def cmd_lessons(args: argparse.Namespace) -> int:
    store = open_store_or_explain()
    if store is None:
        return EXIT_FAIL
    try:
        print_course(store, resolve_lang(args.lang, store))
    finally:
        store.close()
    return EXIT_OK


def cmd_quiz(args: argparse.Namespace) -> int:
    from tutor.i18n import say
    from tutor.lessons import load_course

    course = load_course()
    try:
        quiz = course.find_quiz(args.quiz)
    except LookupError:
        valid = ", ".join(f"{m.number} ({m.quiz.id})" for m in course.modules)
        err(say("cli.unknown_quiz", ref=repr(args.quiz), valid=valid))
        return EXIT_USAGE
    if not has_terminal():
        err(no_terminal_message(say("cli.what.quiz")))
        return EXIT_USAGE
    store = open_store_or_explain()
    if store is None:
        return EXIT_FAIL
    from tutor.plainquiz import run_plain_quiz

    lang = resolve_lang(args.lang, store)
    try:
        return run_plain_quiz(store, course, quiz, lang)
    finally:
        store.close()


def cmd_progress(args: argparse.Namespace) -> int:
    from tutor.i18n import os_reason, say, set_message_lang

    store = open_store_or_explain()
    if store is None:
        return EXIT_FAIL
    try:
        lang = resolve_lang(args.lang, store)
        set_message_lang(lang)  # the store's own choice, should the early guess (main) have missed it
        if args.export:
            data = store.export_progress()
            target = Path(args.export)
            if str(target) == "-":
                json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
                print()
            else:
                try:
                    target.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
                except OSError as exc:
                    err(say("progress.export.cannot_write", target=target, reason=os_reason(exc)))
                    return EXIT_FAIL
                print(say("progress.export.done", target=target))
            return EXIT_OK
        if (args.import_file or args.reset) and store.read_only is not None:
            err(say("progress.store_read_only"))
            return EXIT_FAIL
        if args.import_file:
            from tutor.lessons import load_course
            from tutor.progress import ImportRefused, vet_import

            try:
                if Path(args.import_file).stat().st_size > 50_000_000:
                    raise ImportRefused("progress.why.too_large")
                data = json.loads(Path(args.import_file).read_text(encoding="utf-8"))
                plan = vet_import(data, load_course(), lang)
                lessons, attempts = store.import_progress(plan.data)
                if store.read_only is not None:  # the disk filled up (or was taken) during the write
                    err(say("progress.import.nothing_imported", reason=store.read_only.text(lang)))
                    return EXIT_FAIL
            except FileNotFoundError:
                err(say("progress.import.no_file", path=args.import_file))
                return EXIT_USAGE
            except OSError as exc:  # a folder, no permission, ...
                err(say("progress.import.cannot_read", path=args.import_file, reason=os_reason(exc)))
                return EXIT_USAGE
            except UnicodeDecodeError:
                err(say("progress.import.refused", path=args.import_file, why=say("progress.why.not_utf8")))
                return EXIT_USAGE
            except RecursionError:
                err(say("progress.import.refused", path=args.import_file, why=say("progress.why.too_deep")))
                return EXIT_USAGE
            except ImportRefused as exc:
                err(say("progress.import.refused", path=args.import_file, why=exc.text(lang)))
                return EXIT_USAGE
            except json.JSONDecodeError as exc:
                why = say("progress.why.not_json", line=exc.lineno, column=exc.colno)
                err(say("progress.import.refused", path=args.import_file, why=why))
                return EXIT_USAGE
            except (ValueError, KeyError, TypeError) as exc:
                err(say("progress.import.refused", path=args.import_file, why=say("progress.why.unexpected", detail=exc)))
                return EXIT_USAGE
            shown = 20  # the first ones, then a count: an edited file may be long
            for line in plan.skipped[:shown]:
                err(say("progress.import.skipped", line=line))
            if len(plan.skipped) > shown:
                err(say("progress.import.skipped_more", n=len(plan.skipped) - shown))
            count = len(plan.skipped)
            rest_key = "progress.import.rest_" + ("none" if not count else "one" if count == 1 else "many")
            rest = say(rest_key, n=count)
            print(say("progress.import.done", lessons=lessons, attempts=attempts, rest=rest))
            return EXIT_OK
        if args.reset:
            from tutor.i18n import t

            if not args.yes:
                if not has_terminal():
                    err(say("progress.reset.needs_yes"))
                    return EXIT_USAGE
                from tutor.plainquiz import confirm

                answer = confirm(t("progress.reset.ask", lang), lang=lang)
                if not answer:
                    print(t("progress.reset.none", lang))
                    return EXIT_OK
            try:
                backup = store.backup()
            except OSError as exc:
                err(say("progress.reset.no_backup", path=store.path, reason=os_reason(exc)))
                return EXIT_FAIL
            store.reset_progress()
            if store.read_only is not None:
                err(say("progress.reset.failed", reason=store.read_only.text(lang), backup=backup))
                return EXIT_FAIL
            print(t("progress.reset.done", lang, backup=backup))
            return EXIT_OK
        print_course(store, lang, with_attempts=True)
        return EXIT_OK
    finally:
        store.close()


# -- the parser ------------------------------------------------------------------------------


class UsageError(Exception):
    """A command line argparse cannot use; main() reports it in one line and returns 2."""


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter with "usage: " in the command line's language."""

    def add_usage(self, usage, actions, groups, prefix=None):
        if prefix is None:
            from tutor.i18n import message_lang
            from tutor.i18n_help import help_text

            prefix = help_text("usage: ", message_lang())
        super().add_usage(usage, actions, groups, prefix)


class Parser(argparse.ArgumentParser):
    """argparse, but a bad command line is one line on stderr and exit code 2 returned by main(),
    not a usage block and SystemExit (the verbs are also called in-process, by tests).
    `--help` is in the command line's language (tutor/i18n_help.py holds the Spanish)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def format_help(self) -> str:
        from tutor.i18n import message_lang
        from tutor.i18n_help import help_text

        lang = message_lang()
        saved = []  # (object, attribute, English): put back once the help is written

        def swap(obj, attribute: str) -> None:
            english = getattr(obj, attribute)
            saved.append((obj, attribute, english))
            setattr(obj, attribute, help_text(english, lang))

        swap(self, "description")
        for group in self._action_groups:
            swap(group, "title")
        for action in self._actions:
            swap(action, "help")
            for choice in getattr(action, "_choices_actions", ()):  # the verbs listed under a subparsers action
                swap(choice, "help")
        try:
            return super().format_help()
        finally:
            for obj, attribute, english in reversed(saved):
                setattr(obj, attribute, english)

    def error(self, message: str):
        from tutor.i18n import say

        raise UsageError(say("cli.usage", prog=self.prog, message=argparse_in_lang(message)))


def add_app_options(parser: argparse.ArgumentParser, *, on_verb: bool = False) -> None:
    # On a verb the options default to SUPPRESS: a verb's own default would overwrite what was said
    # before the verb (`tutor --lang es lesson 4` must be Spanish), as argparse lets sub-parsers do.
    unset = {"default": argparse.SUPPRESS} if on_verb else {}
    parser.add_argument("--lang", choices=LANGS, help="language of the course (default: last used, else the locale)",
                        **unset)
    parser.add_argument("--no-mouse", action="store_true", help="do not capture the mouse (keyboard only)", **unset)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="tutor",
        description=(
            "Fundamentos de LLMs / LLM Fundamentals: a terminal course on how large language models work, "
            "with a live PyTorch engine and a chat with your local model. Run without a command to open the "
            "course where you left off."
        ),
    )
    parser.add_argument("--version", action="version", version=f"tutor {__version__}")
    add_app_options(parser)
    parser.set_defaults(func=cmd_app)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("lessons", help="print the course and your progress")
    p.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_lessons)

    p = sub.add_parser("lesson", help="open the app at a lesson (number or id)")
    p.add_argument("lesson", help="lesson number (1-15) or id, e.g. 4 or m1-l04-tokenization")
    add_app_options(p, on_verb=True)
    p.set_defaults(func=cmd_lesson)

    p = sub.add_parser("quiz", help="take a module quiz in the plain terminal")
    p.add_argument("quiz", help="module number (1 or 2) or quiz id")
    p.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_quiz)

    p = sub.add_parser("progress", help="show, export, import or reset your progress")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--export", metavar="FILE", help="write your progress as JSON (- for stdout)")
    group.add_argument("--import", dest="import_file", metavar="FILE", help="merge progress from a JSON export")
    group.add_argument("--reset", action="store_true", help="forget lessons and quiz attempts (asks first)")
    p.add_argument("--yes", action="store_true", help="with --reset: do not ask")
    p.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_progress)

    p = sub.add_parser("chat", help="open the app on the chat tab")
    p.add_argument("--model", help="preselect this model (e.g. llama3.2:3b)")
    p.add_argument("--host", help="Ollama address (default: the saved setting, else OLLAMA_HOST, else 127.0.0.1:11434)")
    p.add_argument("--backend", choices=("ollama", "openai"), help="ollama (default) or an OpenAI-compatible server")
    p.add_argument("--base-url", dest="base_url", help="OpenAI-compatible base URL, e.g. http://gpu-box:52415/v1 (exo)")
    add_app_options(p, on_verb=True)
    p.set_defaults(func=cmd_chat)

    # Each feature registers its own verbs: register(sub) adds parsers whose
    # set_defaults(func=handler) returns an exit code. Neither imports torch at this point.
    from tutor.engine import cli as engine_cli
    from tutor.fit import cli as fit_cli

    engine_cli.register(sub)
    fit_cli.register(sub)
    return parser


def _value_options(parser: argparse.ArgumentParser) -> tuple[set[str], set[str]]:
    """(options that take a value, every option string), over the parser and all its verbs."""
    takes, every = set(), set()
    for action in parser._actions:
        every.update(action.option_strings)
        if action.option_strings and action.nargs != 0:
            takes.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                more_takes, more_every = _value_options(sub)
                takes |= more_takes
                every |= more_every
    return takes, every


def join_dash_values(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """`--ram -1GiB` as `--ram=-1GiB`: argparse takes a value that starts with '-' for an option
    and says "expected one argument"; joined, the value's own check says what is wrong with it."""
    takes, every = _value_options(parser)
    out: list[str] = []
    i = 0
    while i < len(argv):
        item = argv[i]
        if item == "--":
            out.extend(argv[i:])
            break
        following = argv[i + 1] if i + 1 < len(argv) else None
        if (
            item in takes and following is not None and following.startswith("-") and following != "-"
            and following.split("=", 1)[0] not in every
        ):
            out.append(f"{item}={following}")
            i += 2
            continue
        out.append(item)
        i += 1
    return out


def early_lang(argv: list[str]) -> str:
    """The language of messages before a store is open: --lang, else the remembered one, else the locale."""
    from tutor.i18n import choose_lang
    from tutor.store import peek_setting

    flag = None
    for i, item in enumerate(argv):
        if item == "--":
            break
        if item == "--lang" and i + 1 < len(argv):
            flag = argv[i + 1]
        elif item.startswith("--lang="):
            flag = item.split("=", 1)[1]
    return choose_lang(flag, None if flag in LANGS else peek_setting("lang"))


# argparse's own phrases (Python 3.10-3.13), matched in its English and said from the catalogue.
_ARGPARSE_PHRASES = (
    (r"argument (?P<name>\S+?): (?P<message>.*)", "argparse.argument"),
    (r"invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)", "argparse.invalid_choice"),
    (r"the following arguments are required: (?P<names>.*)", "argparse.required"),
    (r"unrecognized arguments: (?P<args>.*)", "argparse.unrecognized"),
    (r"expected one argument", "argparse.expected_one"),
    (r"expected at least one argument", "argparse.expected_some"),
    (r"not allowed with argument (?P<other>.*)", "argparse.not_allowed_with"),
    (r"invalid (?P<type>.+?) value: (?P<value>.*)", "argparse.invalid_value"),
    (r"ambiguous option: (?P<option>\S+) could match (?P<matches>.*)", "argparse.ambiguous"),
    (r"one of the arguments (?P<names>.*) is required", "argparse.one_required"),
)


def argparse_in_lang(message: str) -> str:
    """argparse's error line in the command line's language (English as argparse wrote it)."""
    import re

    from tutor.i18n import message_lang, t

    lang = message_lang()
    if lang == "en":
        return message
    for pattern, key in _ARGPARSE_PHRASES:
        match = re.fullmatch(pattern, message, re.DOTALL)
        if match:
            values = match.groupdict()
            if "message" in values:
                values["message"] = argparse_in_lang(values["message"])
            return t(key, lang, **values)
    return message  # a phrase of a newer argparse: left as it wrote it


def _quiet_stdout() -> None:
    """After stdout failed: send the rest to /dev/null, so the exit flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
    try:
        sys.stdout = open(os.devnull, "w")
    except OSError:
        pass


def main(argv: list[str] | None = None) -> int:
    from tutor.i18n import set_message_lang

    argv = sys.argv[1:] if argv is None else list(argv)
    previous = set_message_lang(early_lang(argv))
    try:
        return _main(argv)
    finally:
        set_message_lang(previous)  # in-process callers (tests) get their own choice back


def _main(argv: list[str]) -> int:
    from tutor.i18n import os_reason, say

    parser = build_parser()
    try:
        args = parser.parse_args(join_dash_values(argv, parser))
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help and --version print, then exit 0
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a full disk shows here, while we can still say so
        return code
    except KeyboardInterrupt:
        err(say("cli.interrupted"))
        return 130
    except BrokenPipeError:
        # `tutor lessons | head`: the reader went away. Nothing to say (no one reads it), exit 1.
        _quiet_stdout()
        return EXIT_FAIL
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG):
            _quiet_stdout()
            err(say("cli.cannot_write_output", reason=os_reason(exc)))
        elif getattr(exc, "filename", None):  # a file the verb works on: one line, never a traceback
            err(say("cli.cannot_use", path=exc.filename, reason=os_reason(exc)))
        else:
            err(say("cli.failed", reason=os_reason(exc)))
        return EXIT_FAIL

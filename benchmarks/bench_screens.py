"""How fast the learner's screen answers, measured in a real terminal (tmux).

1. First paint: from starting the program to the overview's text on screen, against a bare
   Textual app (one Static) started the same way. Goal: within 1.5x the bare app.
2. Page turn: from pressing `n` (or `p`) in a lesson to the next lesson's header AND the start of
   its text on screen. Goal: under 150 ms.

3. Page turn in-process: the same n/p through Textual's Pilot (headless), from the key to the
   new lesson screen mounted with its text set and the next frame processed: what the event loop
   is busy with before the page answers keys (Textual's Markdown widget kept it busy for
   0.6-0.7 s here; a tmux capture sees the first lines earlier than that).

   The same harness turns pages in a bare Textual app (header, a scrolling text, a footer): the
   floor that Pilot and Textual's own screen switch cost on this machine.

1 and 2 are measured by polling `tmux capture-pane` every few milliseconds, so a figure includes the
terminal's own drawing and up to one polling interval (~3 ms). Needs tmux.

Both programs of 1 run with the environment this script has. Where PYTHONDONTWRITEBYTECODE is set
(as in some development shells) tutor's modules are compiled from source at every start while the
installed Textual's are not; `--cached-bytecode` runs both with a bytecode cache (a temporary
PYTHONPYCACHEPREFIX, one unmeasured start first), as a `pip install`ed tutor runs.

    python benchmarks/bench_screens.py                    # 9 starts each, 12 page turns
    python benchmarks/bench_screens.py --quick            # 3 starts, 6 page turns
    python benchmarks/bench_screens.py --starts 15        # more starts (first paint spreads most)
    python benchmarks/bench_screens.py --cached-bytecode  # first paint as installed
    python benchmarks/bench_screens.py --profile          # where the in-process page turn goes

Nothing is asserted: it prints medians to compare between machines and commits (on a shared,
busy machine the figures spread; compare the ratio and the medians, not single runs).
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The checkout this script is in is what gets measured (not whichever tutor is installed), for
# both programs alike: the programs get it as PYTHONPATH, the in-process parts on sys.path.
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SESSION = "tutor-bench"
POLL_S = 0.003
BARE_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("bare app ready")
        yield Footer()

Bare().run()
"""


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def pane() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait_for(text: str, timeout: float = 60.0, start: float | None = None) -> float:
    """Seconds from `start` (default: now) until `text` is on the pane."""
    start = time.perf_counter() if start is None else start
    while time.perf_counter() - start < timeout:
        if text in pane():
            return time.perf_counter() - start
        time.sleep(POLL_S)
    raise TimeoutError(f"{text!r} never showed:\n{pane()}")


def start_session(command: str, env: dict[str, str], size=(80, 24), unset: tuple[str, ...] = ()) -> float:
    """Start `command` in a fresh detached tmux session; return the perf_counter at launch."""
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    exports = " ".join([*(f"-u {name}" for name in unset), *(f"{k}={shlex.quote(v)}" for k, v in env.items())])
    start = time.perf_counter()
    tmux("new-session", "-d", "-s", SESSION, "-x", str(size[0]), "-y", str(size[1]), f"env {exports} {command}")
    return start


def stop_session() -> None:
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)


def first_paint(runs: int, home: Path, cached_bytecode: bool = False) -> tuple[list[float], list[float]]:
    bare_script = home / "bare_app.py"
    bare_script.write_text(BARE_APP, encoding="utf-8")
    env = {"TUTOR_HOME": str(home / "data"), "TERM": "xterm-256color", "PYTHONPATH": str(REPO)}
    python = shlex.quote(sys.executable)
    unset: tuple[str, ...] = ()
    bare_command = f"{python} {shlex.quote(str(bare_script))}"
    tutor_command = f"{python} -m tutor --lang en"
    if cached_bytecode:  # the same cache policy for both programs
        env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
        unset = ("PYTHONDONTWRITEBYTECODE",)
        for command, text in ((bare_command, "bare app ready"), (tutor_command, "Course progress")):
            wait_for(text, start=start_session(command, env, unset=unset))  # writes the cache; not measured
            stop_session()
    bare, tutor = [], []
    for _ in range(runs):
        start = start_session(bare_command, env, unset=unset)
        bare.append(wait_for("bare app ready", start=start))
        stop_session()
        start = start_session(tutor_command, env, unset=unset)
        tutor.append(wait_for("Course progress", start=start))
        stop_session()
    return bare, tutor


def page_turns(turns: int, home: Path) -> list[float]:
    from tutor.lessons import load_course

    course = load_course()
    env = {"TUTOR_HOME": str(home / "data-turns"), "TERM": "xterm-256color", "PYTHONPATH": str(REPO)}
    start_session(f"{shlex.quote(sys.executable)} -m tutor lesson 1 --lang en", env)
    lessons = course.lessons
    wait_for(f"Lesson 1 of {len(lessons)}")
    times = []
    index = 0
    for turn in range(turns):
        key = "n" if index < len(lessons) - 1 and (turn // 6) % 2 == 0 else "p"
        if key == "p" and index == 0:
            key = "n"
        index += 1 if key == "n" else -1
        lesson = lessons[index]
        first_line = lesson.title["en"]
        time.sleep(0.3)  # let the previous page settle (debounced saves, late workers)
        start = time.perf_counter()
        tmux("send-keys", "-t", SESSION, key)
        wait_for(f"Lesson {lesson.number} of {len(lessons)}", start=start)
        times.append(wait_for(first_line[:30], start=start))
    stop_session()
    return times


def inprocess_turns(home: Path, profile=None) -> list[float]:
    """Pilot page turns in tutor; with a cProfile.Profile, only the turns themselves are profiled."""
    import asyncio

    os.environ["TUTOR_HOME"] = str(home / "data-inprocess")
    from tutor.app.app import TutorApp
    from tutor.store import open_store

    async def run() -> list[float]:
        store = open_store()
        app = TutorApp(store=store, lang="en", start={"screen": "lesson", "lesson_id": "m1-l01-inside-llms"})
        times = []
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            for key in "nnnnpppp":
                await app.workers.wait_for_complete()
                await pilot.pause(0.2)
                before = app.screen
                if profile is not None:
                    profile.enable()
                start = time.perf_counter()
                await pilot.press(key)
                while app.screen is before or not getattr(app.screen.query_one("#lesson-text"), "source", ""):
                    await asyncio.sleep(0.001)
                await pilot.pause()
                times.append(time.perf_counter() - start)
                if profile is not None:
                    profile.disable()
        store.close()
        return times

    return asyncio.run(run())


def inprocess_turns_bare() -> list[float]:
    """The same Pilot harness in a bare Textual app: `n` replaces a screen of a header, a line, a
    scrolling text and a footer with a new one (Textual and Pilot's own cost, the floor)."""
    import asyncio

    from textual.app import App
    from textual.containers import VerticalScroll
    from textual.screen import Screen
    from textual.widgets import Footer, Header, Static

    text = "\n".join(f"line {i} of a page of text that fills the width of the terminal" for i in range(120))

    class Page(Screen):
        BINDINGS = [("n", "next", "Next"), ("p", "next", "Previous")]

        def compose(self):
            yield Header()
            yield Static("page header")
            with VerticalScroll():
                yield Static(text, id="text")
            yield Footer()

        def action_next(self) -> None:
            self.app.switch_screen(Page())

    class Bare(App):
        def on_mount(self) -> None:
            self.push_screen(Page())

    async def run() -> list[float]:
        app = Bare()
        times = []
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            for key in "nnnnpppp":
                await pilot.pause(0.2)
                before = app.screen
                start = time.perf_counter()
                await pilot.press(key)
                while app.screen is before:
                    await asyncio.sleep(0.001)
                await pilot.pause()
                times.append(time.perf_counter() - start)
        return times

    return asyncio.run(run())


def print_profile(profile, limit: int = 30) -> None:
    """The page turns' cumulative time by function, tutor's own and Textual's."""
    import io
    import pstats

    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(r"tutor/|textual/(screen|widget|_compositor|css/stylesheet|_styles_cache)", limit)
    print(out.getvalue())


def summary(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    return f"median {statistics.median(ms):6.0f} ms   min {ms[0]:6.0f} ms   max {ms[-1]:6.0f} ms   (n={len(ms)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--starts", type=int, metavar="N", help="starts of each program for the first paint")
    parser.add_argument("--cached-bytecode", action="store_true", help="first paint with a bytecode cache, as installed")
    parser.add_argument("--profile", action="store_true", help="only the in-process page turns, profiled")
    args = parser.parse_args()
    if args.profile:
        import cProfile

        profile = cProfile.Profile()
        with tempfile.TemporaryDirectory() as tmp:
            print("page turn in-process (Pilot, under cProfile):", summary(inprocess_turns(Path(tmp), profile)))
        print_profile(profile)
        return 0
    if subprocess.run(["which", "tmux"], capture_output=True).returncode:
        print("tmux is needed for this benchmark")
        return 1
    # Starts spread most on a busy machine (one slow start moves a median of 5): 9 by default.
    runs, turns = (3, 6) if args.quick else (9, 12)
    runs = args.starts or runs
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        try:
            bare, tutor = first_paint(runs, home, cached_bytecode=args.cached_bytecode)
            if args.cached_bytecode:
                print("(bytecode cached for both programs)")
            print("first paint, bare Textual app:", summary(bare))
            print("first paint, tutor overview:  ", summary(tutor))
            print(f"ratio tutor / bare (medians): {statistics.median(tutor) / statistics.median(bare):.2f}x (goal ≤ 1.5x)")
            print("page turn n/p (header + text):", summary(page_turns(turns, home)), "(goal < 150 ms)")
            print("page turn in-process (Pilot): ", summary(inprocess_turns(home)), "(goal < 150 ms)")
            print("  same harness, bare Textual app:", summary(inprocess_turns_bare()))
        finally:
            stop_session()
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} (CPUs: {os.cpu_count()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

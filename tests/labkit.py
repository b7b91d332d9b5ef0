"""What the lab tests share: open a lesson's lab by keys, wait for its workers, read what it shows."""

from __future__ import annotations

import io
import threading

from rich.console import Console
from textual.widgets import Static
from textual.worker import WorkerCancelled


async def settle(pilot) -> None:
    """Let the workers finish (a stopped one counts as finished) and the screen redraw."""
    await pilot.pause()
    for _ in range(5):
        try:
            await pilot.app.workers.wait_for_complete()
            break
        except WorkerCancelled:
            await pilot.pause()
    await pilot.pause()


async def open_lab(pilot):
    """Press `l` on the lesson screen and return the lab once its first work has landed."""
    from tutor.app.labs.base import Lab

    await pilot.press("l")
    await settle(pilot)
    await settle(pilot)
    return pilot.app.screen.query_one(Lab)


def shown(app, selector: str) -> str:
    """A Static's content as the learner sees it, rendered at the widget's own width."""
    widget = app.screen.query_one(selector, Static)
    console = Console(width=max(widget.size.width, 20), file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


def plain(app, selector: str) -> str:
    """A Static's content as plain text, unwrapped."""
    return str(app.screen.query_one(selector, Static).content)


def lab_text(lab, selector: str) -> str:
    """A Static inside `lab`, as plain text."""
    content = lab.query_one(selector, Static).content
    return getattr(content, "plain", str(content))


async def wait_until(pilot, condition, tries: int = 600, what=None) -> None:
    """Let the app run until `condition()` holds (a guard against hanging, not a timing check).

    `what()`, if given, describes the state seen when it never holds (for the failure message)."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the lab never got there" + (f": {what()}" if what else ""))


async def press(pilot, *keys: str) -> None:
    """Press keys in turn, then let the lab's workers finish."""
    for key in keys:
        await pilot.press(key)
    await settle(pilot)


class StepGate:
    """The test decides how many steps the training thread may take (`allow(n)`).

    The lab's thread calls `wait_while_paused` after every step; this wraps it with a semaphore, so
    a run can never race ahead of (or finish during) a key press: the test waits for states only.
    """

    def __init__(self, monkeypatch):
        self.permits = threading.Semaphore(0)
        self.blocked = threading.Event()  # the thread waits at the gate
        self.in_lab_pause = threading.Event()  # past the gate, in the lab's own wait_while_paused
        from tutor.app.labs import l12_training

        original = l12_training.wait_while_paused

        def gated(resume: threading.Event, cancel: threading.Event) -> None:
            from textual.worker import get_current_worker

            worker = get_current_worker()
            self.blocked.set()
            while not self.permits.acquire(timeout=0.01):
                if cancel.is_set() or worker.is_cancelled:
                    break
            self.blocked.clear()
            self.in_lab_pause.set()
            original(resume, cancel)
            self.in_lab_pause.clear()

        monkeypatch.setattr(l12_training, "wait_while_paused", gated)

    def allow(self, steps: int) -> None:
        for _ in range(steps):
            self.permits.release()

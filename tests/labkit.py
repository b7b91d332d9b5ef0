"""What the lab tests share: open a lesson's lab by keys, wait for its workers, read what it shows."""

from __future__ import annotations

import io

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


async def wait_until(pilot, condition, tries: int = 600) -> None:
    """Let the app run until `condition()` holds (a guard against hanging, not a timing check)."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the lab never got there")


async def press(pilot, *keys: str) -> None:
    """Press keys in turn, then let the lab's workers finish."""
    for key in keys:
        await pilot.press(key)
    await settle(pilot)

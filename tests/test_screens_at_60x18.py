"""The learner's screens at the app's minimum size, 60x18, in Spanish (issue 11, audit H1, H2, M2,
M3, M6, M7): what the learner needs is on the screen, not only in a widget's content.

Pilot tests against the real app; `screen_lines` reads the composed screen, exactly what a
terminal would show, so a widget squeezed to no rows or pushed below the edge fails them.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from conftest import settle
from labkit import wait_until

sys.path.insert(0, str(Path(__file__).resolve().parent))

SMALL = (60, 18)


def screen_lines(app) -> list[str]:
    """The screen as the terminal shows it: one string per row (Textual's compositor output)."""
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


def on_screen(app, text: str) -> bool:
    return any(text in line for line in screen_lines(app))


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


# -- H1: the chat input keeps a visible line ---------------------------------------------------------


async def chat_ready(app, pilot):
    from tutor.app.chat import ChatScreen

    await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen) and not app.screen.connecting)
    screen = app.screen
    await wait_until(pilot, lambda: screen.panel_error is not None or screen.model is not None)
    await settle(pilot)
    return screen


async def test_chat_offline_at_60x18_shows_what_is_typed(run_app, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port()}")
    async with run_app(lang="es", start={"screen": "chat"}, size=SMALL) as (app, pilot):
        screen = await chat_ready(app, pilot)
        assert screen.panel_error is not None  # the long offline help is shown
        await pilot.press(*"hola")
        await settle(pilot)
        box = screen.query_one("#chat-input")
        assert box.region.height >= 3 and box.region.bottom <= app.size.height - 1
        assert on_screen(app, "hola")
        # The panel is cut to fit and says so in words; Tab and the arrows scroll it to its end.
        panel = screen.query_one("#chat-panel")
        assert "sigue ↓" in str(panel.border_subtitle)
        panel.focus()
        await pilot.press("end")
        await settle(pilot)
        assert on_screen(app, "Ctrl+R reintenta")
        assert not panel.border_subtitle


async def test_chat_from_a_lesson_at_60x18_shows_the_prefilled_prompt(run_app, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port()}")
    start = {"screen": "lesson", "lesson_id": "m2-l15-ollama-exo"}
    async with run_app(lang="es", start=start, size=SMALL) as (app, pilot):
        await pilot.press("c")
        screen = await chat_ready(app, pilot)
        await pilot.press(*"hola")
        await settle(pilot)
        text = screen.query_one("#chat-input").text
        assert text.startswith("Explícame") and text.endswith("hola")
        assert on_screen(app, "Explícame") and on_screen(app, "hola")


async def test_chat_at_80x24_keeps_the_whole_offline_help_and_the_input(run_app, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port()}")
    async with run_app(lang="en", start={"screen": "chat"}, size=(80, 24)) as (app, pilot):
        screen = await chat_ready(app, pilot)
        await pilot.press(*"hello")
        await settle(pilot)
        assert on_screen(app, "hello") and on_screen(app, "Ctrl+R retries")
        assert not screen.query_one("#chat-panel").border_subtitle

"""Issue 9, end to end: control sequences a server sends never reach the learner's screen, the plain
view, the export or the clipboard, wherever the text comes from (reply, model name, error, history).

Everything goes through the official `ollama` client over real HTTP to the 127.0.0.1 stand-in."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers.chat_support import until  # noqa: E402
from servers.ollama_server import OllamaStub  # noqa: E402
from test_chat_app import CHAT, ask, panel_text, ready  # noqa: E402

from tutor.app.chat import ModelPicker, PlainView  # noqa: E402
from tutor.chat.history import History  # noqa: E402
from tutor.chat.sanitize import is_clean  # noqa: E402


@pytest.fixture
def ollama(monkeypatch):
    with OllamaStub(version="0.12.6") as stub:
        stub.add_model("llama3.2:1b")
        monkeypatch.setenv("OLLAMA_HOST", stub.host)
        yield stub


# Every kind from the issue, some of them split between two chunks as a stream may split them.
EVIL_CHUNKS = [
    "Sure", "\x1b]5", "2;c;cHduZWQ=\x07", " here", "\x1b]0;pwned\x1b\\", " is", "\x1b[2J\x1b[1;31m",
    " the", "\x1bP1$r0m\x1b\\", " answer", "\x9b2J", "\x1b", "\n\nBell\x07 end.",
]
SHOWN = "Sure here is the answer\n\nBell end."
RAW_MARKS = ("\x1b", "\x07", "\x9b", "\x9c", "\x90", "\x9d", "cHduZWQ", "pwned")


def raw_in(text: str) -> list[str]:
    return [mark for mark in RAW_MARKS if mark in text]


async def test_control_sequences_in_a_reply_reach_nothing(run_app, ollama, store, tutor_home):
    ollama.reply_chunks = EVIL_CHUNKS
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        view = await ask(pilot, screen, "hi")
        assert view.content == SHOWN and view.state == "done"
        assert not raw_in(app.export_screenshot())  # the rendered screen
        await pilot.press("f8")
        assert app.clipboard == SHOWN  # the OSC 52 copy payload
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, PlainView))
        plain = app.screen.query_one("#plain-text").text
        assert SHOWN in plain and not raw_in(plain)
        assert not raw_in(app.export_screenshot())
        await pilot.press("escape")
    history = History(store)
    chat = history.latest()
    stored = history.messages(chat.id)[-1]
    assert stored.content == SHOWN
    exported = history.export_markdown(chat.id)
    assert SHOWN in exported and not raw_in(exported)


async def test_raw_sequences_already_in_the_history_are_cleaned_when_read_back(run_app, ollama, store):
    history = History(store)
    chat = history.create(backend="ollama", model="llama3.2:1b")
    history.add_message(chat.id, "user", "hi")
    history.add_message(chat.id, "assistant", "old \x1b]52;c;cHduZWQ=\x07answer", complete=True)
    async with run_app(start=CHAT) as (app, pilot):
        await ready(app, pilot)
        assert not raw_in(app.export_screenshot())
        assert "old answer" in app.screen.plain_text()
    assert not raw_in(history.export_markdown(chat.id))


async def test_model_names_and_server_errors_are_cleaned(run_app, ollama, store):
    ollama.add_model("evil\x1b]0;pwned\x07:1b")
    ollama.error_message = "boom \x1b]52;c;cHduZWQ=\x07 \x9b2J failed"
    async with run_app(start={"screen": "chat", "model": "llama3.2:1b"}) as (app, pilot):
        screen = await ready(app, pilot)
        assert all(is_clean(m.name) for m in screen.models) and "evil:1b" in [m.name for m in screen.models]
        ollama.chat_mode = "http_500"
        await ask(pilot, screen, "q")
        panel = panel_text(screen)
        assert "boom" in panel and "failed" in panel and not raw_in(panel)
        assert not raw_in(app.export_screenshot())
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, ModelPicker) and bool(app.screen.models))
        await pilot.pause()
        assert "evil:1b" in app.export_screenshot() and not raw_in(app.export_screenshot())

"""Issue 9, the chat's faults end to end (Pilot, 80x24, the stand-in Ollama over real HTTP), each
asserting what the learner sees: long answers, errors, <think>, the status bar, pulls, settings."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers.chat_support import until  # noqa: E402
from servers.ollama_server import OllamaStub  # noqa: E402
from servers.openai_server import OpenAIServer  # noqa: E402
from test_chat_app import CHAT, ask, panel_text, ready  # noqa: E402

from tutor.app.chat import ChatInput, ModelPicker, PlainView, SettingsScreen  # noqa: E402
from tutor.app.chat.log import MAX_PIECE_WIDGETS, ChatLog, TextPieces  # noqa: E402
from tutor.chat.history import History  # noqa: E402


@pytest.fixture
def ollama(monkeypatch):
    with OllamaStub(version="0.12.6") as stub:
        stub.add_model("llama3.2:1b")
        monkeypatch.setenv("OLLAMA_HOST", stub.host)
        yield stub


NGINX = (
    "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n"
    "<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n"
)


def big_answer(size: int) -> list[str]:
    """About `size` characters of markdown in 2 KB chunks, ending in a marker."""
    paragraph = "Tokens are pieces of text; the model predicts the next one from the context. " * 6
    blocks, total = [], 0
    while total < size:
        block = paragraph if len(blocks) % 9 else "```python\nprint('piece', 1)\n```"
        blocks.append(block)
        total += len(block) + 2
    text = "\n\n".join(blocks) + "\n\nEND OF THE LONG ANSWER."
    return [text[i : i + 2000] for i in range(0, len(text), 2000)]


def shown(app) -> str:
    """The screen as the learner reads it: the text of each row of the rendered screenshot."""
    import html
    import re
    from collections import defaultdict

    rows = defaultdict(list)
    svg = app.export_screenshot()
    for x, y, text in re.findall(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows[float(y)].append((float(x), html.unescape(text).replace("\xa0", " ")))
    return "\n".join("".join(part for _, part in sorted(rows[y])) for y in sorted(rows))


# -- long answers ---------------------------------------------------------------------------------


async def test_a_200kb_answer_ends_with_its_marker_and_the_log_stays_small(run_app, ollama, store):
    ollama.reply_chunks = big_answer(200_000)
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        view = await ask(pilot, screen, "long")
        assert len(view.content) > 200_000 and view.state == "done"
        await pilot.pause()
        log = screen.query_one(ChatLog)
        assert log.at_end
        text = shown(app)
        assert "END OF THE LONG ANSWER." in text and "output tokens" in text  # the end and its stats line
        assert len(view.query(".piece")) <= MAX_PIECE_WIDGETS  # a bounded count, not a widget per markdown block
    assert History(store).messages(History(store).latest().id)[-1].content == view.content


async def test_a_key_press_is_answered_while_an_answer_streams_and_esc_stops_it_at_once(run_app, ollama, store):
    ollama.reply_chunks = big_answer(200_000)
    ollama.chunk_gate = threading.Event()  # the model holds after its first chunk, mid-answer
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        await pilot.press(*"long", "enter")
        await until(pilot, lambda: screen.answer is not None and screen.answer.got_first)
        view = screen.answer.view
        await pilot.press(*"next")
        assert screen.query_one(ChatInput).text == "next" and app.focused is screen.query_one(ChatInput)
        await pilot.press("escape")
        assert view.state == "stopped"  # marked at once, before the server has said anything more
        assert "stopped by you" in str(view.query_one(".msg-meta").render())
        ollama.chunk_gate.set()
        await until(pilot, lambda: screen.answer is None)
        assert view.state == "stopped" and len(view.content) < 200_000
        await pilot.pause()
        assert "stopped by you" in shown(app)


async def test_a_resumed_long_chat_mounts_lazily_and_shows_the_rest_on_scroll(run_app, ollama, store):
    history = History(store)
    chat = history.create(backend="ollama", model="llama3.2:1b")
    long_text = "".join(big_answer(200_000))
    for i in range(20):
        history.add_message(chat.id, "user", f"question {i}")
        history.add_message(chat.id, "assistant", f"FIRST ANSWER {i}\n\n" + long_text if i == 19 else f"answer {i}", complete=True)
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        log = screen.query_one(ChatLog)
        assert len(log.query(".msg")) < 40 and log.older  # not everything mounted
        assert app.focused is screen.query_one(ChatInput)
        await pilot.press("k")
        assert screen.query_one(ChatInput).text == "k"
        assert "END OF THE LONG ANSWER." in shown(app)
        assert "question 0" in screen.plain_text() and "FIRST ANSWER 19" in screen.plain_text()  # whole text kept
        mounted = len(log.query(".msg"))
        hidden = sum(p.hidden for p in log.query(TextPieces))
        log.scroll_home(animate=False)  # the learner scrolls up to the top: more is drawn there
        await until(pilot, lambda: len(log.query(".msg")) > mounted or sum(p.hidden for p in log.query(TextPieces)) < hidden)
        while log.older or any(p.hidden for p in log.query(TextPieces)):
            assert await log.load_older()
            await pilot.pause()
        assert len(log.query(".msg")) == 40
        log.scroll_home(animate=False)
        await pilot.pause()
        assert "question 0" in shown(app)


async def test_a_finished_answer_is_never_left_blank(run_app, ollama):
    ollama.reply_chunks = ["First words", " and the very last words."]
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        await ask(pilot, screen, "q")
        await pilot.pause()
        assert "the very last words." in shown(app)
        ollama.reply_chunks = []
        empty = await ask(pilot, screen, "q2")
        await pilot.pause()
        assert "finished without writing anything" in str(empty.query_one(".msg-meta").render())


# -- errors ---------------------------------------------------------------------------------------


async def test_an_html_500_from_a_proxy_is_one_short_line(run_app, ollama):
    ollama.route("POST", "/api/chat", lambda stub, body: (500, NGINX))
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        view = await ask(pilot, screen, "q")
        panel = panel_text(screen)
        assert panel == "Server error (500): 500 Internal Server Error"
        assert "<" not in str(view.query_one(".msg-meta").render())
        assert "<center>" not in shown(app) and "nginx" not in shown(app)


async def test_after_an_error_the_log_is_at_its_end(run_app, ollama):
    ollama.reply = " ".join(f"word{i}" for i in range(400))
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        await ask(pilot, screen, "one")
        ollama.chat_mode = "error_midstream"
        ollama.midstream_after = 200
        view = await ask(pilot, screen, "two")
        await pilot.pause()
        await pilot.pause()
        log = screen.query_one(ChatLog)
        assert view.state == "error" and log.at_end
        assert "incomplete answer" in shown(app)


# -- <think> inside the content -------------------------------------------------------------------


async def test_think_in_the_content_is_thinking_everywhere(run_app, ollama, store):
    ollama.reply_chunks = ["<thi", "nk>Weigh the", " options.</think>", "\n\nThe answer", " is 42."]
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        view = await ask(pilot, screen, "q")
        assert view.content == "The answer is 42." and view.thinking == "Weigh the options."
        assert "<think>" not in shown(app)
        await pilot.press("f8")
        assert app.clipboard == "The answer is 42."
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, PlainView))
        plain = app.screen.query_one("#plain-text").text
        assert "<think>" not in plain and "Weigh the options." in plain and "The answer is 42." in plain
        await pilot.press("escape")
        ollama.reply_chunks = None
        await ask(pilot, screen, "again")
        sent = ollama.chat_requests()[-1]["messages"]
        assert {"role": "assistant", "content": "The answer is 42."} in sent
    stored = [m for m in History(store).messages(History(store).latest().id) if m.role == "assistant"][0]
    assert stored.content == "The answer is 42." and stored.thinking == "Weigh the options."


# -- status bar, pulls, wording, settings, toasts -------------------------------------------------


async def test_the_status_bar_keeps_the_context_figure_at_80_columns(run_app, ollama):
    name = "qwen2.5-coder:32b-instruct-q4_K_M"
    ollama.add_model(name)
    async with run_app(start={"screen": "chat", "model": name}) as (app, pilot):
        screen = await ready(app, pilot)
        await ask(pilot, screen, "hi")
        await pilot.pause()
        bar = str(screen.query_one("#chat-bar").render())
        assert len(bar) <= 78 and "ctx " in bar and "/4,096" in bar and name in bar


async def test_a_stalled_pull_says_nothing_arrives(run_app, ollama):
    ollama.models.clear()
    ollama.add_registry_model("tiny:1b")
    ollama.pull_gate = threading.Event()
    async with run_app(start=CHAT) as (app, pilot):
        await ready(app, pilot)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, ModelPicker))
        picker = app.screen
        await pilot.press("tab", *"tiny:1b", "enter")
        await until(pilot, lambda: picker.pulling == "tiny:1b" and "pulling" in str(picker.query_one("#picker-note").render()))
        picker.check_stall(picker.pull_news_at + 12)  # the clock as the 1 s timer would see it 12 s later
        note = str(picker.query_one("#picker-note").render())
        assert "nothing received for 12 s" in note
        ollama.pull_gate.set()
        await until(pilot, lambda: picker.pulling is None)


async def test_a_pull_answered_with_html_shows_one_line(run_app, ollama):
    ollama.models.clear()
    ollama.route("POST", "/api/pull", lambda stub, body: (502, NGINX.replace("500 Internal Server Error", "502 Bad Gateway")))
    async with run_app(start=CHAT) as (app, pilot):
        await ready(app, pilot)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, ModelPicker))
        picker = app.screen
        await pilot.press("tab", *"tiny:1b", "enter")
        await until(pilot, lambda: picker.pulling is None and "502" in str(picker.query_one("#picker-note").render()))
        note = str(picker.query_one("#picker-note").render())
        assert "<" not in note and "502 Bad Gateway" in note


async def test_the_openai_picker_does_not_offer_downloads(run_app, store):
    with OpenAIServer() as server:
        async with run_app(start={"screen": "chat", "backend": "openai", "base_url": server.url}) as (app, pilot):
            await ready(app, pilot)
            await pilot.press("f2")
            await until(pilot, lambda: isinstance(app.screen, ModelPicker) and bool(app.screen.models))
            keys = str(app.screen.query_one("#picker-keys").render())
            assert "download" not in keys.replace("cannot download", "") and "Enter: use" in keys


async def test_settings_show_the_server_fields_without_a_gap(run_app, ollama):
    async with run_app(start=CHAT) as (app, pilot):
        await ready(app, pilot)
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await pilot.pause()
        settings = app.screen
        temperature = settings.query_one("#set-temperature")
        think = settings.query_one("#set-think")
        assert think.region.y - (temperature.region.y + temperature.region.height) <= 1  # no blank rows between
        host = settings.query_one("#set-host")
        assert host.region.y + host.region.height <= 24  # the server field is on screen at 80x24


async def test_toasts_do_not_cover_the_chat_input(run_app, ollama):
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        screen.notify("a notice that should not hide the input", timeout=30)
        await pilot.pause()
        await pilot.pause()
        box = screen.query_one(ChatInput).region
        for toast in app.screen.query("Toast"):
            assert not toast.region.overlaps(box)

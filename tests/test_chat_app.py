"""The chat screen driven by key presses (Textual Pilot, 80x24) against the fake servers."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from textual import events

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers.chat_support import closed_port, hardware, install_catalogue_model, until  # noqa: E402
from servers.ollama_server import OllamaStub  # noqa: E402
from servers.openai_server import OpenAIServer  # noqa: E402

from tutor.app.chat import (  # noqa: E402
    AssistantMessage,
    ChatInput,
    ChatScreen,
    HistoryScreen,
    ModelPicker,
    PlainView,
    SettingsScreen,
)
from tutor.chat.history import History  # noqa: E402
from tutor.store import open_store  # noqa: E402

CHAT = {"screen": "chat"}


@pytest.fixture
def ollama(monkeypatch):
    with OllamaStub(version="0.12.6") as stub:
        stub.add_model("llama3.2:1b")
        monkeypatch.setenv("OLLAMA_HOST", stub.host)
        yield stub


async def open_chat(app, pilot, **options) -> ChatScreen:
    """Open the chat screen the way the app does, with options (e.g. a what-if machine for the fit)."""
    await app.push_screen(ChatScreen(**options))
    return await ready(app, pilot)


async def ready(app, pilot) -> ChatScreen:
    await until(pilot, lambda: isinstance(app.screen, ChatScreen) and not app.screen.connecting)
    screen = app.screen
    await until(pilot, lambda: screen.model is not None or screen.panel_error is not None or bool(screen.panel_key))
    return screen


async def ask(pilot, screen: ChatScreen, text: str) -> AssistantMessage:
    await pilot.press(*text)
    await pilot.press("enter")
    await until(pilot, lambda: screen.answer is not None or bool(screen.query(AssistantMessage)))
    view = list(screen.query(AssistantMessage))[-1]
    await until(pilot, lambda: screen.answer is None)
    return view


def panel_text(screen: ChatScreen) -> str:
    panel = screen.query_one("#chat-panel")
    return panel.text if panel.has_class("shown") else ""


def screen_text(app) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query("Static"))


# -- chatting ---------------------------------------------------------------------------------------


async def test_stream_an_answer_with_stats_and_save_it(run_app, ollama, store):
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        assert screen.model == "llama3.2:1b" and screen.connected
        view = await ask(pilot, screen, "hi")
        assert view.content == ollama.reply and view.state == "done"
        meta = str(view.query_one(".msg-meta").render())
        assert "prompt tokens" in meta and "10 output tokens" in meta and "50.0 tokens/s" in meta and "load 1.5 s" in meta
        bar = str(screen.query_one("#chat-bar").render())
        assert "llama3.2:1b" in bar and "/4,096" in bar  # context used against the loaded context
        sent = ollama.chat_requests()[-1]
        assert sent["messages"][0]["role"] == "system" and sent["messages"][-1] == {"role": "user", "content": "hi"}
    history = History(store)
    chat = history.latest()
    messages = history.messages(chat.id)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[1].content == ollama.reply and messages[1].complete
    assert messages[1].stats["output_tokens"] == 10 and chat.title == "hi"


async def test_enter_sends_ctrl_j_and_alt_enter_insert_newlines(run_app, ollama):
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        await pilot.press("a", "ctrl+j", "b", "alt+enter", "c", "shift+enter", "d")
        assert screen.query_one(ChatInput).text == "a\nb\nc\nd"
        await pilot.press("enter")
        await until(pilot, lambda: screen.answer is None and bool(ollama.chat_requests()))
        assert ollama.chat_requests()[-1]["messages"][-1]["content"] == "a\nb\nc\nd"
        assert screen.query_one(ChatInput).text == ""


async def test_esc_stops_the_answer_and_keeps_what_arrived(run_app, ollama, store):
    ollama.chunk_gate = threading.Event()  # the model stalls after its first word
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        await pilot.press(*"hi", "enter")
        await until(pilot, lambda: screen.answer is not None and screen.answer.view.content == "Hello!")
        await pilot.press("escape")
        await until(pilot, lambda: screen.answer is None)
        view = list(screen.query(AssistantMessage))[-1]
        assert view.state == "stopped" and view.content == "Hello!"
        assert "stopped" in str(view.query_one(".msg-meta").render())
        assert app.screen is screen  # Esc stopped the answer; it did not leave the chat
        await pilot.press("escape")
        assert not isinstance(app.screen, ChatScreen)  # a second Esc goes back
    saved = History(store).messages(History(store).latest().id)[-1]
    assert saved.content == "Hello!" and saved.complete and saved.stopped


async def test_slow_first_token_shows_waiting_and_can_be_cancelled(run_app, ollama):
    ollama.chat_mode = "slow_first_token"
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        await pilot.press(*"hi", "enter")
        await until(pilot, lambda: "Waiting for the first token" in str(screen.query_one("#chat-state").render()))
        assert "Esc" in str(screen.query_one("#chat-state").render())
        await pilot.press("escape")
        await until(pilot, lambda: screen.answer is None)
        assert list(screen.query(AssistantMessage))[-1].state == "stopped"
        # the screen is alive: the next question works
        ollama.chat_mode = "ok"
        view = await ask(pilot, screen, "again")
        assert view.content == ollama.reply


ERRORS = [
    ("http_500", "Server error (500)"),
    ("http_500_text", "upstream exploded"),
    ("error_midstream", "middle of the answer"),
    ("close_midstream", "closed before the answer was complete"),
    ("garbage_midstream", "does not behave like an Ollama server"),
]


async def test_errors_are_shown_and_the_app_stays_up(run_app, ollama, store):
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        for mode, words in ERRORS:
            ollama.chat_mode = mode
            view = await ask(pilot, screen, "q")
            assert words in panel_text(screen), mode
            assert view.state == "error" and app.screen is screen
            if "midstream" in mode:
                assert view.content == "Hello! I"  # what was shown stays on screen...
        ollama.chat_mode = "ok"
        again = await ask(pilot, screen, "r")
        assert again.state == "done" and not panel_text(screen)
    messages = History(store).messages(History(store).latest().id)
    answers = [m for m in messages if m.role == "assistant"]
    assert [m.complete for m in answers] == [False] * len(ERRORS) + [True]
    assert answers[2].content == "Hello! I" and "middle of the answer" in answers[2].error  # ...and in the store


async def test_model_not_found_offers_the_pull(run_app, ollama):
    ollama.add_registry_model("llama3.2:3b")
    async with run_app(start={"screen": "chat", "model": "llama3.2:3b"}) as (app, pilot):
        screen = await ready(app, pilot)
        assert "not installed" in panel_text(screen) and "F2" in panel_text(screen)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, ModelPicker))
        picker = app.screen
        assert picker.query_one("#picker-pull").value == "llama3.2:3b"
        await pilot.press("enter")  # download it
        await until(pilot, lambda: app.screen is screen)
        await until(pilot, lambda: screen.model == "llama3.2:3b" and not panel_text(screen))
        assert any(path == "/api/pull" for _, path, _ in ollama.requests)
        view = await ask(pilot, screen, "hello")
        assert view.state == "done"


async def test_out_of_memory_shows_the_fit_numbers(run_app, monkeypatch, store):
    with OllamaStub(version="0.12.6") as stub:
        install_catalogue_model(stub, "qwen3:32b")
        monkeypatch.setenv("OLLAMA_HOST", stub.host)
        stub.chat_mode = "oom"
        async with run_app() as (app, pilot):
            screen = await open_chat(app, pilot, fit_hardware=hardware("none", "8GiB"))
            await until(pilot, lambda: screen.fit is not None and screen.model == "qwen3:32b")
            await ask(pilot, screen, "hi")
            text = panel_text(screen)
            assert "not enough memory" in text and "12.5 GiB" in text
            assert "Fit check:" in text  # the fit check's own numbers for this machine


async def test_unreachable_then_retry(run_app, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port()}")
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        text = panel_text(screen)
        assert "Ollama does not answer" in text and "ollama serve" in text and "OLLAMA_HOST" in text
        assert "Ctrl+R" in text
        await pilot.press(*"hello", "enter")  # no traceback, no hang: a notice and a retry
        assert app.screen is screen
        with OllamaStub() as stub:
            stub.add_model("llama3.2:1b")
            monkeypatch.setenv("OLLAMA_HOST", stub.host)
            await pilot.press("ctrl+r")
            await until(pilot, lambda: screen.connected and screen.model == "llama3.2:1b")
            assert not panel_text(screen)


# -- the model picker -------------------------------------------------------------------------------


async def test_best_fitting_model_is_preselected_with_its_verdict(run_app, monkeypatch):
    with OllamaStub(version="0.12.6") as stub:
        for name in ("llama3.2:1b", "llama3.2:3b", "qwen3:32b"):
            install_catalogue_model(stub, name)
        monkeypatch.setenv("OLLAMA_HOST", stub.host)
        async with run_app() as (app, pilot):
            screen = await open_chat(app, pilot, fit_hardware=hardware("cuda:8GiB", "16GiB"))
            await until(pilot, lambda: screen.model is not None and screen.fit is not None)
            assert screen.model == "llama3.2:3b"  # the largest one that fits on the GPU
            assert "fits on GPU" in str(screen.query_one("#chat-bar").render())
            await pilot.press("f2")
            await until(pilot, lambda: isinstance(app.screen, ModelPicker) and app.screen.fit is not None)
            options = app.screen.query_one("#picker-list")
            labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
            assert any("qwen3:32b" in label and "GPU + CPU" in label for label in labels)
            assert any("llama3.2:1b" in label and "fits on GPU" in label for label in labels)
            await pilot.press("down", "enter")
            await until(pilot, lambda: app.screen is screen)
            assert screen.model in ("llama3.2:1b", "qwen3:32b") and screen.model_chosen


async def picker_open(app, pilot) -> ModelPicker:
    await pilot.press("f2")
    await until(pilot, lambda: isinstance(app.screen, ModelPicker) and app.screen.query_one("#picker-list").option_count > 0)
    return app.screen


async def typed_lands_in_the_input_and_enter_sends_it(app, pilot, screen: ChatScreen, ollama, text: str) -> None:
    chat_input = screen.query_one(ChatInput)
    await pilot.press(*text)
    assert app.focused is chat_input and chat_input.text == text
    before = len(ollama.chat_requests())
    await pilot.press("enter")
    await until(pilot, lambda: len(ollama.chat_requests()) > before and screen.answer is None)
    assert ollama.chat_requests()[-1]["messages"][-1] == {"role": "user", "content": text}
    assert chat_input.text == "" and list(screen.query(AssistantMessage))[-1].state == "done"


@pytest.mark.parametrize("close", ["choose", "escape"])
@pytest.mark.parametrize("focus_before", ["input", "elsewhere"])
async def test_after_the_picker_closes_keys_go_to_the_chat_input(run_app, ollama, close, focus_before):
    """Choosing a model (Enter) or closing with Escape: what is typed next lands in the chat input and
    Enter sends it, even when the focus was off the input (a click on the log) before F2."""
    ollama.add_model("qwen3:0.6b")
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        first = screen.model
        if focus_before == "elsewhere":
            screen.query_one(ChatInput).blur()
            await pilot.pause()
            assert not isinstance(app.focused, ChatInput)
        picker = await picker_open(app, pilot)
        assert not isinstance(app.focused, ChatInput)  # the picker has the keys while it is open
        if close == "choose":
            await pilot.press("down", "enter")
        else:
            await pilot.press(*"zz", "escape")  # keys typed in the picker stay there
        await until(pilot, lambda: app.screen is screen and not picker.is_attached)
        await pilot.pause()
        assert (screen.model != first) if close == "choose" else (screen.model == first)
        await typed_lands_in_the_input_and_enter_sends_it(app, pilot, screen, ollama, "hola")
        assert ollama.chat_requests()[-1]["model"] == screen.model


async def test_no_models_recommends_and_pulls_with_progress(run_app, ollama, store):
    ollama.models.clear()
    ollama.add_registry_model("qwen3:0.6b", [("sha256:" + "c" * 64, 8000), ("sha256:" + "d" * 64, 2000)])
    async with run_app() as (app, pilot):
        screen = await open_chat(app, pilot, fit_hardware=hardware("cuda:8GiB", "16GiB"))
        assert "no model is installed" in panel_text(screen)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, ModelPicker) and app.screen.fit is not None)
        picker = app.screen
        options = picker.query_one("#picker-list")
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "pull:qwen3:0.6b" in ids and "pull:qwen3:8b" in ids  # recommendations from the fit check
        updates = []
        original = picker._pull_update

        def spy(message):
            updates.append(message.progress.fraction)
            original(message)

        picker._pull_update = spy
        await pilot.press("tab", *"qwen3:0.6b", "enter")
        await until(pilot, lambda: app.screen is screen and screen.model == "qwen3:0.6b")
        assert any(path == "/api/pull" for _, path, _ in ollama.requests)
        assert not panel_text(screen)
    assert store.get_setting("chat.model") == "qwen3:0.6b"


async def test_pull_refused_for_a_model_that_will_not_load(run_app, ollama):
    ollama.models.clear()
    async with run_app() as (app, pilot):
        screen = await open_chat(app, pilot, fit_hardware=hardware("none", "2GiB"))
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, ModelPicker) and app.screen.fit is not None)
        picker = app.screen
        await pilot.press("tab", *"qwen3:32b", "enter")
        await until(pilot, lambda: "Not downloading qwen3:32b" in str(picker.query_one("#picker-note").render()))
        assert not any(path == "/api/pull" for _, path, _ in ollama.requests)
        await pilot.press("escape")
        assert app.screen is screen


async def test_pull_can_be_stopped(run_app, ollama):
    ollama.models.clear()
    ollama.add_registry_model("tiny:1b")
    ollama.pull_gate = threading.Event()
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, ModelPicker))
        picker = app.screen
        await pilot.press("tab", *"tiny:1b", "enter")
        await until(pilot, lambda: picker.pulling == "tiny:1b" and "pulling" in str(picker.query_one("#picker-note").render()))
        await pilot.press("escape")  # stops the download, keeps the picker
        await until(pilot, lambda: picker.pulling is None)
        assert "stopped" in str(picker.query_one("#picker-note").render())
        assert app.screen is picker
        await pilot.press("escape")
        assert app.screen is screen


# -- history ----------------------------------------------------------------------------------------


async def test_history_across_restarts_rename_export_delete(run_app, ollama, tutor_home):
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        await ask(pilot, screen, "first")
    store = open_store()  # the app restarts: a new process would open the file again
    try:
        async with run_app(start=CHAT, store=store) as (app, pilot):
            screen = await ready(app, pilot)
            views = list(screen.query(AssistantMessage))
            assert len(views) == 1 and views[0].content == ollama.reply  # resumed where we left off
            assert "first" in screen.plain_text()
            await ask(pilot, screen, "second")
            assert [m["content"] for m in ollama.chat_requests()[-1]["messages"][1:]] == [
                "first", ollama.reply, "second"
            ]  # the model sees the whole conversation
            await pilot.press("f3")
            await until(pilot, lambda: isinstance(app.screen, HistoryScreen))
            history_screen = app.screen
            await pilot.press("r", "ctrl+u", *"RoPE", "enter")
            chat_id = screen.chat.id
            assert History(store).get(chat_id).title == "RoPE"
            await pilot.press("x")
            exported = tutor_home / "exports"
            files = list(exported.glob("chat-*.md"))
            assert len(files) == 1 and "first" in files[0].read_text(encoding="utf-8")
            await pilot.press("d")
            assert History(store).get(chat_id) is not None  # asks first
            await pilot.press("d")
            assert History(store).get(chat_id) is None
            assert history_screen.query_one("#history-list").option_count == 0
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen and screen.chat is None)
            assert not list(screen.query(AssistantMessage))  # the deleted chat left the screen
    finally:
        store.close()


async def test_resume_an_older_chat_and_start_a_new_one(run_app, ollama, store):
    history = History(store)
    old = history.create(model="llama3.2:1b")
    history.add_message(old.id, "user", "old question")
    history.add_message(old.id, "assistant", "old answer")
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.chat is None)
        await ask(pilot, screen, "new")
        assert len(history.list()) == 2
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await pilot.press("down", "enter")  # the older chat
        await until(pilot, lambda: app.screen is screen and screen.chat.id == old.id)
        assert [v.content for v in screen.query(AssistantMessage)] == ["old answer"]


# -- settings, tutor mode, other backends ----------------------------------------------------------


async def test_settings_temperature_and_context(run_app, ollama, store):
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        settings = app.screen
        settings.query_one("#set-temperature").focus()
        await pilot.press("ctrl+a", "ctrl+k", *"0.25")  # Input: select to start, delete to end, type
        settings.query_one("#set-num-ctx").focus()
        await pilot.press(*"8192")
        settings.query_one("#set-prompt").focus()
        await pilot.press("ctrl+a", *"Be brief. ")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        assert screen.options == {"temperature": 0.25, "num_ctx": 8192}
        assert "/8,192" in str(screen.query_one("#chat-bar").render())
        await ask(pilot, screen, "hi")
        sent = ollama.chat_requests()[-1]
        assert sent["options"] == {"temperature": 0.25, "num_ctx": 8192}
        assert sent["messages"][0]["content"].startswith("Be brief. ")
    assert store.get_setting("chat.temperature") == "0.25" and store.get_setting("chat.num_ctx") == "8192"


async def test_tutor_mode_from_the_lesson_screen(run_app, ollama, course):
    lesson = course.find_lesson("4")
    async with run_app(start={"screen": "lesson", "lesson_id": lesson.id}) as (app, pilot):
        await pilot.press("c")
        screen = await ready(app, pilot)
        box = screen.query_one(ChatInput)
        assert lesson.title["en"] in box.text  # a question about the lesson, ready to send
        await pilot.press("enter")
        await until(pilot, lambda: screen.answer is None and bool(ollama.chat_requests()))
        system = ollama.chat_requests()[-1]["messages"][0]
        assert system["role"] == "system"
        assert lesson.title["en"] in system["content"] and lesson.key_ideas("en")[0] in system["content"]
        assert screen.chat.lesson_id == lesson.id


async def test_openai_compatible_backend(run_app, store):
    with OpenAIServer() as server:
        async with run_app(start={"screen": "chat", "backend": "openai", "base_url": server.url}) as (app, pilot):
            screen = await ready(app, pilot)
            assert screen.model == server.models[0]
            assert "OpenAI" in str(screen.query_one("#chat-bar").render())
            view = await ask(pilot, screen, "hi")
            assert view.content == server.reply and view.state == "done"
            assert "21 prompt tokens" in str(view.query_one(".msg-meta").render())
            assert "/8,192" in str(screen.query_one("#chat-bar").render())
            server.mode = "html"
            await ask(pilot, screen, "again")
            assert "does not behave like an OpenAI server" in panel_text(screen)
    assert History(store).latest().backend == "openai"


async def test_switch_to_an_openai_server_in_settings(run_app, ollama, store):
    with OpenAIServer() as server:
        async with run_app(start=CHAT) as (app, pilot):
            screen = await ready(app, pilot)
            await pilot.press("f4")
            await until(pilot, lambda: isinstance(app.screen, SettingsScreen))
            settings = app.screen
            settings.query_one("#set-backend").focus()
            await pilot.press("down", "enter")  # the second choice: OpenAI-compatible
            settings.query_one("#set-base-url").focus()
            await pilot.press("ctrl+a", "ctrl+k", *server.url.removeprefix("http://"))
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.screen is screen and screen.backend.kind == "openai")
            await until(pilot, lambda: screen.connected and screen.model == server.models[0])
            assert screen.backend.url == server.base_url
            view = await ask(pilot, screen, "hi")
            assert view.content == server.reply
    assert store.get_setting("chat.backend") == "openai" and store.get_setting("chat.base_url") == server.base_url


# -- copy, plain view, thinking, odd input, language ----------------------------------------------


async def test_copy_answer_code_and_plain_view(run_app, ollama):
    ollama.reply = "Here:\n\n```python\nprint('hi')\n```\n\nDone."
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        await pilot.press("f8")
        assert app.clipboard == ""  # nothing to copy yet
        await ask(pilot, screen, "code")
        await pilot.press("f8")
        assert app.clipboard == ollama.reply
        await pilot.press("f9")
        assert app.clipboard == "print('hi')"
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, PlainView))
        assert ollama.reply in app.screen.query_one("#plain-text").text
        await pilot.press("escape")
        assert app.screen is screen


async def test_thinking_is_shown_apart_foldable_and_toggled(run_app, ollama, store):
    ollama.add_model("thinker:4b", capabilities=["completion", "thinking"])
    async with run_app(start={"screen": "chat", "model": "thinker:4b"}) as (app, pilot):
        screen = await ready(app, pilot)
        await until(pilot, lambda: screen.details is not None)
        view = await ask(pilot, screen, "think")
        assert ollama.chat_requests()[-1]["think"] is True
        box = view.query_one(".thinking")
        assert view.thinking == ollama.thinking and view.content == ollama.reply
        assert box.display and box.collapsed  # folded once the answer started
        await pilot.press("ctrl+t")
        assert not box.display
        assert store.get_setting("chat.show_thinking") == "0"
        await pilot.press("ctrl+t")
        assert box.display
    saved = History(store).messages(History(store).latest().id)[-1]
    assert saved.thinking == ollama.thinking


async def test_huge_paste_and_odd_bytes_do_not_crash(run_app, ollama, store):
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        box = screen.query_one(ChatInput)
        app.post_message(events.Paste("x" * 250_000))  # as the terminal sends it
        await until(pilot, lambda: len(box.text) == 250_000)
        await pilot.press("enter")
        await pilot.pause()
        assert len(box.text) == 250_000 and not ollama.chat_requests()  # refused with a notice, kept
        box.clear()
        app.post_message(events.Paste("odd \x00\x07 bytes \x1b[31m and \udc80 ok"))
        await until(pilot, lambda: "ok" in box.text)
        await pilot.press("enter")
        await until(pilot, lambda: screen.answer is None and bool(ollama.chat_requests()))
        sent = ollama.chat_requests()[-1]["messages"][-1]["content"]
        assert "\x00" not in sent and "\x1b" not in sent and "bytes" in sent
    assert app.return_code in (None, 0)


async def test_language_switch_relabels_the_chat(run_app, ollama):
    async with run_app(start=CHAT, lang="en") as (app, pilot):
        screen = await ready(app, pilot)
        await ask(pilot, screen, "hola")
        await pilot.press("f12")
        assert app.lang == "es"
        assert "Tú" in screen_text(app) and "tokens de entrada" in screen_text(app)
        assert "sin veredicto" in str(screen.query_one("#chat-bar").render())

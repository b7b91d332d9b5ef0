"""Chat history in the real SQLite store: chats, messages, streamed answers saved as they grow."""

from __future__ import annotations

import os
import stat

import pytest

from tutor.chat.history import History, title_from
from tutor.store import open_store


def test_create_list_rename_delete(store):
    history = History(store)
    first = history.create(backend="ollama", model="llama3.2:1b", system_prompt="Be a tutor.",
                           options={"temperature": 0.2}, lesson_id="m1-l04-tokenization")
    second = history.create(model="qwen3:4b")
    history.add_message(first.id, "user", "What is a token?\nAnd BPE?")
    history.add_message(first.id, "assistant", "A piece of text.", stats={"output_tokens": 4})
    chats = history.list()
    assert [c.id for c in chats] == [first.id, second.id] or chats[0].updated_at >= chats[1].updated_at
    chat = history.get(first.id)
    assert chat.title == "What is a token?"  # the first question names the chat
    assert chat.options == {"temperature": 0.2} and chat.lesson_id == "m1-l04-tokenization"
    assert chat.message_count == 2
    history.rename(first.id, "Tokens")
    assert history.get(first.id).title == "Tokens"
    history.add_message(first.id, "user", "another question")
    assert history.get(first.id).title == "Tokens"  # a rename sticks
    history.update(first.id, model="qwen3:4b", options={"temperature": 1.0, "num_ctx": 8192})
    assert history.get(first.id).options["num_ctx"] == 8192
    history.delete(first.id)
    assert history.get(first.id) is None and history.messages(first.id) == []
    assert [c.id for c in history.list()] == [second.id]
    with pytest.raises(ValueError):
        history.update(second.id, nonsense=1)


def test_streamed_answer_is_saved_as_it_grows(store):
    history = History(store)
    chat = history.create(model="m")
    history.add_message(chat.id, "user", "hi")
    clock = [0.0]
    writer = history.start_answer(chat.id, flush_seconds=0.5, flush_chars=10, clock=lambda: clock[0], model="m")
    saved = lambda: history.messages(chat.id)[-1]  # noqa: E731
    assert saved().role == "assistant" and saved().content == "" and not saved().complete
    assert writer.append("Hel") is False
    assert saved().content == ""  # buffered: few characters, little time
    clock[0] = 0.6
    assert writer.append("lo") is True  # half a second passed: written
    assert saved().content == "Hello" and not saved().complete
    assert writer.append(" there, a long enough piece") is True  # many characters: written
    assert saved().content == "Hello there, a long enough piece"
    writer.append("", thinking="hmm")
    writer.finish({"output_tokens": 7})
    final = saved()
    assert final.complete and final.thinking == "hmm" and final.stats == {"model": "m", "output_tokens": 7}


def test_stopped_and_failed_answers_keep_what_arrived(store):
    history = History(store)
    chat = history.create()
    stopped = history.start_answer(chat.id, flush_chars=10_000, flush_seconds=10_000)
    stopped.append("partial answer")
    stopped.finish(stopped=True)
    failed = history.start_answer(chat.id, flush_chars=10_000, flush_seconds=10_000)
    failed.append("cut here")
    failed.fail("connection closed")
    first, second = history.messages(chat.id)
    assert first.content == "partial answer" and first.complete and first.stopped
    assert second.content == "cut here" and not second.complete and second.error == "connection closed"


def test_a_crash_mid_answer_loses_nothing_flushed(tutor_home):
    store = open_store()
    history = History(store)
    chat = history.create()
    writer = history.start_answer(chat.id, flush_chars=5)
    writer.append("first words ")
    writer.append("more")  # not yet flushed (under 5 chars since the last write)
    del writer  # the process dies here: no finish()
    store.close()
    reopened = open_store()
    try:
        message = History(reopened).messages(chat.id)[0]
        assert message.content == "first words " and not message.complete
    finally:
        reopened.close()


def test_history_survives_a_restart(tutor_home):
    store = open_store()
    history = History(store)
    chat = history.create(model="llama3.2:1b")
    history.add_message(chat.id, "user", "¿Qué es un token? 🧩")
    history.add_message(chat.id, "assistant", "Un trozo de texto.")
    store.close()
    store = open_store()
    try:
        again = History(store)
        assert again.latest().id == chat.id
        assert [m.content for m in again.messages(chat.id)] == ["¿Qué es un token? 🧩", "Un trozo de texto."]
    finally:
        store.close()


def test_odd_bytes_are_stored_safely(store):
    history = History(store)
    chat = history.create()
    history.add_message(chat.id, "user", "nul\x00 and a lone surrogate \udc80 and \x1b[31mred")
    content = history.messages(chat.id)[0].content
    assert "\x00" not in content and "\udc80" not in content and "red" in content


def test_export_markdown(store, tmp_path):
    history = History(store)
    chat = history.create(model="llama3.2:1b", system_prompt="You are the tutor.\nBe brief.")
    history.add_message(chat.id, "user", "What is RoPE?")
    history.add_message(chat.id, "assistant", "A way to encode **positions**.", thinking="rotations", stats={"output_tokens": 9})
    history.add_message(chat.id, "assistant", "cut", complete=False)
    text = history.export_markdown(chat.id, "en")
    assert text.startswith("# What is RoPE?")
    assert "- Model: llama3.2:1b (ollama)" in text
    assert "> You are the tutor.\n> Be brief." in text
    assert "## You\n\nWhat is RoPE?" in text
    assert "A way to encode **positions**." in text and "rotations" in text and "9 tokens" in text
    assert "incomplete" in text
    spanish = history.export_markdown(chat.id, "es")
    assert "## Tú" in spanish and "- Modelo: llama3.2:1b" in spanish
    path = history.export_file(chat.id, tmp_path / "exports", "en")
    assert path.read_text(encoding="utf-8") == text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_chats_are_private_on_disk(store, tutor_home):
    history = History(store)
    chat = history.create()
    history.add_message(chat.id, "user", "private question")
    assert stat.S_IMODE(os.stat(tutor_home).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    for side in tutor_home.glob(store.path.name + "-*"):  # the WAL holds recent messages too
        assert stat.S_IMODE(os.stat(side).st_mode) == 0o600, side


def test_title_from():
    assert title_from("\n\n  Hello   world \nsecond line") == "Hello world"
    long = title_from("x" * 200)
    assert len(long) <= 60 and long.endswith("…")

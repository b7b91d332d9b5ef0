"""The chat's token view (F6), driven by keys at 80x24 against the stand-in servers through the
official client: each answer token shaded by its probability with its alternatives, also after a
restart (the numbers come from the store), and a clear note where the server sends none."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from labkit import shown as labkit_shown  # noqa: E402
from servers.chat_support import until  # noqa: E402
from servers.logprob_data import answer_entry  # noqa: E402
from servers.ollama_server import OllamaStub, words  # noqa: E402
from servers.openai_server import OpenAIServer  # noqa: E402

from tutor.app.chat import AssistantMessage, ChatScreen  # noqa: E402
from tutor.app.chat.tokens import TIERS, TokenView, shaded_tokens, tier_style  # noqa: E402
from tutor.chat.logprobs import CHAT_TOP, from_json, printable  # noqa: E402
from tutor.store import open_store  # noqa: E402

CHAT = {"screen": "chat"}


def stub_with_model(version: str) -> OllamaStub:
    stub = OllamaStub(version=version).start()
    stub.add_model("llama3.2:1b")
    return stub


@pytest.fixture
def ollama(monkeypatch):
    stub = stub_with_model("0.12.11")
    monkeypatch.setenv("OLLAMA_HOST", stub.host)
    yield stub
    stub.stop()


async def ready(app, pilot) -> ChatScreen:
    await until(pilot, lambda: isinstance(app.screen, ChatScreen) and not app.screen.connecting)
    screen = app.screen
    await until(pilot, lambda: screen.model is not None or screen.panel_error is not None)
    return screen


async def ask(pilot, screen: ChatScreen, text: str) -> None:
    await pilot.press(*text, "enter")
    await until(pilot, lambda: screen.answer is not None or bool(screen.query(AssistantMessage)))
    await until(pilot, lambda: screen.answer is None)


async def open_tokens(app, pilot) -> TokenView:
    await pilot.press("f6")
    await until(pilot, lambda: isinstance(app.screen, TokenView))
    await pilot.pause()
    return app.screen


def shown(view: TokenView, selector: str) -> str:
    return labkit_shown(view.app, selector)


def expected_tokens(reply: str) -> list[tuple[str, float]]:
    return [(token, answer_entry(i, token, CHAT_TOP)[0]) for i, token in enumerate(words(reply))]


async def check_view(app, pilot, stub: OllamaStub) -> None:
    view = await open_tokens(app, pilot)
    tokens = view.tokens
    assert [(e.token, round(e.logprob, 4)) for e in tokens] == [(t, round(lp, 4)) for t, lp in expected_tokens(stub.reply)]
    # every token drawn with its tier's style, the answer rebuilt from the tokens
    body = view.query_one("#tokens-text").render()
    assert body.plain.replace("⟦", "").replace("⟧", "").replace("\n", "") == printable(stub.reply)
    drawn = shaded_tokens(tokens, cursor=None)
    offset = 0
    for token in tokens:  # each token's characters carry its tier's style
        width = len(printable(token.token)) + token.token.count("\n")
        styles = {str(span.style) for span in drawn.spans if span.start <= offset and span.end >= offset + width}
        assert styles == ({tier_style(token.prob)} - {""}), token
        offset += width
    assert len({tier_style(t.prob) for t in tokens}) >= 4
    # the cursor starts on the first token and moves by keys; its alternatives are listed
    first = tokens[0]
    assert f"Token 1 of {len(tokens)}" in shown(view, "#tokens-alts")
    await pilot.press("right", "right")
    alts = shown(view, "#tokens-alts")
    third = tokens[2]
    assert f"Token 3 of {len(tokens)}" in alts and f"{third.prob:.1%}" in alts
    for alternative in third.top:
        assert f"«{printable(alternative.token)}»" in alts and f"{alternative.prob:.1%}" in alts
    assert "◀ chosen" in alts
    assert "⟦" + printable(third.token) + "⟧" in view.query_one("#tokens-text").content.plain
    await pilot.press("end")
    assert f"Token {len(tokens)} of {len(tokens)}" in shown(view, "#tokens-alts")
    await pilot.press("home")
    assert first.token.strip() in shown(view, "#tokens-alts")
    await pilot.press("f6")  # the same key closes it
    await until(pilot, lambda: isinstance(app.screen, ChatScreen))


async def test_token_view_shows_each_token_and_its_alternatives_also_after_a_restart(run_app, ollama):
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        await ask(pilot, screen, "hola")
        body = ollama.chat_requests()[-1]
        assert body["logprobs"] is True and body["top_logprobs"] == CHAT_TOP
        await check_view(app, pilot, ollama)
    store = open_store()  # a restart: the numbers come back from the store
    try:
        async with run_app(start=CHAT, store=store) as (app, pilot):
            await ready(app, pilot)
            await check_view(app, pilot, ollama)
    finally:
        store.close()


async def test_an_old_ollama_gets_a_note_and_the_chat_works(run_app, monkeypatch):
    stub = stub_with_model("0.12.3")
    monkeypatch.setenv("OLLAMA_HOST", stub.host)
    try:
        async with run_app(start=CHAT) as (app, pilot):
            screen = await ready(app, pilot)
            await ask(pilot, screen, "hola")
            assert list(screen.query(AssistantMessage))[-1].content == stub.reply
            view = await open_tokens(app, pilot)
            note = " ".join(shown(view, "#tokens-alts").split())
            assert "needs Ollama 0.12.11 or newer; this one is 0.12.3" in note
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, ChatScreen))
    finally:
        stub.stop()


async def test_an_openai_server_without_logprobs_gets_a_note(run_app):
    with OpenAIServer() as server:
        server.logprobs = "refuse"  # it even answers 400 to the fields: the chat retries without them
        async with run_app(start={"screen": "chat"}) as (app, pilot):
            await app.push_screen(ChatScreen(backend="openai", base_url=server.base_url))
            screen = await ready(app, pilot)
            await ask(pilot, screen, "hola")
            assert list(screen.query(AssistantMessage))[-1].content == server.reply
            view = await open_tokens(app, pilot)
            assert "sends no probabilities" in " ".join(shown(view, "#tokens-alts").split())


def test_tiers_read_without_colour():
    """Each of the three bands the legend names has its own attribute, not only a colour."""
    attributes = {floor: {word for word in style.split() if word in ("underline", "reverse")} for floor, style in TIERS}
    assert attributes[0.9] == attributes[0.5] == set()
    assert attributes[0.25] == attributes[0.1] == {"underline"}
    assert attributes[0.0] == {"reverse"}


async def test_a_long_answer_scrolls_to_the_cursor(run_app, ollama):
    ollama.reply = " ".join(f"word{i}" for i in range(400))
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        await ask(pilot, screen, "long")
        view = await open_tokens(app, pilot)
        scroll = view.query_one("#tokens-scroll")
        assert scroll.max_scroll_y > 0 and scroll.scroll_y == 0
        await pilot.press("end")
        await until(pilot, lambda: scroll.scroll_y > 0)
        assert "Token 400 of 400" in shown(view, "#tokens-alts")
        await pilot.press("home")
        await until(pilot, lambda: scroll.scroll_y == 0)


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


async def test_escape_sequences_in_served_tokens_are_cleaned_where_they_enter(run_app, ollama):
    """A token (or an alternative) holding terminal sequences is stored and shown without them: an
    OSC 52 clipboard write, a screen clear, an 8-bit CSI, a lone BEL."""
    ollama.reply_chunks = ["Hola", "\x1b]52;c;SGFja2Vk\x07", " \x1b[2Jmundo", "\x9b31m!", "\x07"]
    async with run_app(start=CHAT) as (app, pilot):
        screen = await ready(app, pilot)
        await ask(pilot, screen, "hola")
        # what is stored: the column as written, and read back
        [(raw,)] = [tuple(row) for row in app.store.query("SELECT logprobs FROM message WHERE role = 'assistant'")]
        assert raw and not CONTROL.search(raw) and "\\u001b" not in raw and "\\u009b" not in raw and "\\u0007" not in raw
        stored = from_json(raw)
        # the chunks that were nothing but control left no text in the answer, so no token in its view
        assert [e.token for e in stored] == ["Hola", " mundo", "!"]
        assert list(screen.query(AssistantMessage))[-1].content == "Hola mundo!"
        texts = [e.token for e in stored] + [a.token for e in stored for a in e.top]
        assert not [text for text in texts if CONTROL.search(text) or "52;c;" in text or "[2J" in text or "31m" in text]
        assert "mundo~1" in texts  # an alternative, cleaned the same way
        # what is shown: the token view, its text and each token's alternatives
        view = await open_tokens(app, pilot)
        assert [e.token for e in view.tokens] == [e.token for e in stored]
        body = view.query_one("#tokens-text").render().plain
        assert not CONTROL.search(body) and "mundo" in body and "52;c;" not in body
        for _ in stored:
            alts = shown(view, "#tokens-alts")
            assert not CONTROL.search(alts) and "52;c;" not in alts and "[2J" not in alts
            await pilot.press("right")
        assert not CONTROL.search(shown(view, "#tokens-head"))

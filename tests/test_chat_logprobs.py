"""Log-probabilities end to end, headless: the official `ollama` client and httpx against the stand-in
servers (which answer in Ollama's and OpenAI's shapes), the notes for servers that cannot, and the
store migration that keeps them with each chat message."""

from __future__ import annotations

import json
import math
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers.logprob_data import END_MARK, answer_entry, next_distribution  # noqa: E402
from servers.ollama_server import OllamaStub  # noqa: E402
from servers.openai_server import OpenAIServer  # noqa: E402

from tutor.chat.backends import LogprobsUnsupported, OllamaBackend, OpenAIBackend  # noqa: E402
from tutor.chat.history import History  # noqa: E402
from tutor.chat.logprobs import (  # noqa: E402
    Alternative,
    TokenLogprob,
    from_json,
    ollama_has_logprobs,
    parse_entries,
    parse_legacy,
    printable,
    to_json,
)
from tutor.store import MIGRATIONS, SCHEMA_VERSION, open_store  # noqa: E402

MESSAGES = [{"role": "user", "content": "What is a token?"}]
PROMPT = "El gato está en la"


def as_pairs(candidates) -> list[tuple[str, float]]:
    return [(c.token, round(c.logprob, 9)) for c in candidates]


def rounded(pairs) -> list[tuple[str, float]]:
    return [(t, round(lp, 9)) for t, lp in pairs]


@pytest.fixture
def ollama():
    with OllamaStub(version="0.12.11") as server:
        server.add_model("llama3.2:1b")
        server.add_model("thinker:4b", capabilities=["completion", "thinking"])
        yield server


# -- Ollama ---------------------------------------------------------------------------------------


def test_next_token_is_one_raw_generate_step_with_twenty_alternatives(ollama):
    result = OllamaBackend(ollama.url).next_token("llama3.2:1b", PROMPT)
    assert as_pairs(result.candidates) == rounded(next_distribution(PROMPT, 20))
    assert not result.ended and not result.via_chat
    assert 0.9 < result.covered <= 1.0
    [body] = [b for m, p, b in ollama.requests if p == "/api/generate"]
    assert body["raw"] is True and body["prompt"] == PROMPT and body["stream"] is False
    assert body["logprobs"] is True and body["top_logprobs"] == 20
    assert body["options"]["num_predict"] == 1


def test_next_token_at_the_end_of_text_says_so(ollama):
    result = OllamaBackend(ollama.url).next_token("llama3.2:1b", "Fin." + END_MARK)
    assert result.ended and result.candidates == []


@pytest.mark.parametrize("version", ["0.12.3", "0.6.8"])
def test_an_old_ollama_gets_a_note_with_both_versions(version):
    with OllamaStub(version=version) as old:
        old.add_model("llama3.2:1b")
        backend = OllamaBackend(old.url)
        with pytest.raises(LogprobsUnsupported) as caught:
            backend.next_token("llama3.2:1b", PROMPT)
        assert backend.logprobs_support() == (False, version)
        # and its chat simply carries none (the old server ignored the fields)
        chunks = list(backend.chat("llama3.2:1b", MESSAGES, top_logprobs=5))
    assert f"needs Ollama 0.12.11 or newer; this one is {version}" in caught.value.text("en")
    assert f"necesitan Ollama 0.12.11 o más reciente; este es {version}" in caught.value.text("es")
    assert all(c.logprobs is None for c in chunks) and "".join(c.content for c in chunks) == old.reply


def test_every_chat_chunk_carries_its_tokens_when_asked(ollama):
    chunks = list(OllamaBackend(ollama.url).chat("llama3.2:1b", MESSAGES, top_logprobs=5))
    content = [c for c in chunks if c.content]
    assert content and all(c.logprobs and len(c.logprobs) == 1 for c in content)
    for index, chunk in enumerate(content):
        [entry] = chunk.logprobs
        logprob, alternatives = answer_entry(index, chunk.content, 5)
        assert entry.token == chunk.content and math.isclose(entry.logprob, logprob)
        assert [(a.token, round(a.logprob, 9)) for a in entry.top] == rounded(alternatives)
    body = ollama.chat_requests()[-1]
    assert body["logprobs"] is True and body["top_logprobs"] == 5


def test_a_chat_without_top_logprobs_asks_for_none(ollama):
    chunks = list(OllamaBackend(ollama.url).chat("llama3.2:1b", MESSAGES))
    assert all(c.logprobs is None for c in chunks)
    assert "logprobs" not in ollama.chat_requests()[-1]


def test_version_rule():
    assert ollama_has_logprobs("0.12.11") and ollama_has_logprobs("0.13.0-rc1") and ollama_has_logprobs("1.0")
    assert ollama_has_logprobs("0.12.10") is False and ollama_has_logprobs("0.12.3") is False
    assert ollama_has_logprobs("garbage") is None


# -- OpenAI-compatible ----------------------------------------------------------------------------


@pytest.fixture
def openai():
    with OpenAIServer() as server:
        yield server


def test_openai_next_token_uses_the_legacy_completions_api(openai):
    model = openai.models[0]
    result = OpenAIBackend(openai.base_url).next_token(model, PROMPT)
    assert as_pairs(result.candidates) == rounded(next_distribution(PROMPT, 20))
    assert not result.via_chat
    [body] = [b for m, p, b in openai.requests if p == "/v1/completions"]
    assert body["prompt"] == PROMPT and body["max_tokens"] == 1 and body["logprobs"] == 20


def test_a_chat_only_server_answers_through_one_chat_step(openai):
    openai.completions = False
    result = OpenAIBackend(openai.base_url).next_token(openai.models[0], PROMPT)
    assert result.via_chat
    assert as_pairs(result.candidates) == rounded(next_distribution("[chat]" + PROMPT, 20))
    body = openai.chat_requests()[-1]
    assert body["max_tokens"] == 1 and body["logprobs"] is True and body["top_logprobs"] == 20


@pytest.mark.parametrize("behaviour", ["ignore", "refuse"])
def test_an_openai_server_without_logprobs_gets_a_note_and_its_chat_still_works(openai, behaviour):
    openai.logprobs = behaviour
    backend = OpenAIBackend(openai.base_url)
    with pytest.raises(LogprobsUnsupported) as caught:
        backend.next_token(openai.models[0], PROMPT)
    assert "sends no probabilities" in caught.value.text("en")
    chunks = list(backend.chat(openai.models[0], MESSAGES, top_logprobs=5))
    assert "".join(c.content for c in chunks) == openai.reply
    assert all(c.logprobs is None for c in chunks) and chunks[-1].done
    if behaviour == "refuse":  # refused once: not asked again, so one request per answer from then on
        before = len(openai.chat_requests())
        assert "".join(c.content for c in backend.chat(openai.models[0], MESSAGES, top_logprobs=5)) == openai.reply
        assert len(openai.chat_requests()) == before + 1 and "logprobs" not in openai.chat_requests()[-1]


def test_openai_chat_chunks_carry_logprobs(openai):
    chunks = list(OpenAIBackend(openai.base_url).chat(openai.models[0], MESSAGES, top_logprobs=3))
    content = [c for c in chunks if c.content]
    assert all(c.logprobs and c.logprobs[0].token == c.content and len(c.logprobs[0].top) == 3 for c in content)


# -- parsing untrusted data -----------------------------------------------------------------------


def test_bad_entries_are_dropped_never_raised():
    items = [
        {"token": "ok", "logprob": -0.5, "top_logprobs": [{"token": "b", "logprob": -2}, {"token": 3}, "x"]},
        {"token": "nan", "logprob": float("nan")},
        {"token": None, "logprob": -1},
        {"token": "big", "logprob": 3.0},  # above 0: clamped to probability 1
        "garbage",
        {"token": "x" * 500, "logprob": -1, "top_logprobs": [{"token": str(i), "logprob": -i} for i in range(99)]},
    ]
    entries = parse_entries(items)
    assert [e.token for e in entries] == ["ok", "big", "x" * 64]
    assert entries[0].top == (Alternative("b", -2.0),) and entries[1].logprob == 0.0
    assert len(entries[2].top) == 20
    assert parse_entries(None) == [] and parse_legacy({"tokens": "no"}) == [] and parse_legacy(None) == []


def test_json_round_trip_and_damaged_values():
    entries = [TokenLogprob(" hola", -0.123456, (Alternative(" hola", -0.123456), Alternative(" adiós", -2.5)))]
    back = from_json(to_json(entries))
    assert back[0].token == " hola" and back[0].logprob == -0.1235 and back[0].top[1] == Alternative(" adiós", -2.5)
    assert to_json([]) == "" and from_json("") == [] and from_json("{not json") == [] and from_json('{"a": 1}') == []


def test_printable_tokens():
    assert printable("a\nb\tc\x1b[31m") == "a↵b⇥c\N{REPLACEMENT CHARACTER}[31m"


# -- the store ------------------------------------------------------------------------------------


def make_v2_file(path: Path) -> None:
    """A store as the schema before log-probabilities (v2) left it, with two chats."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    for step in MIGRATIONS[:2]:
        conn.executescript(step)
    conn.execute("PRAGMA user_version = 2")
    for chat_id, title in ((1, "Tokens"), (2, "Atención")):
        conn.execute(
            "INSERT INTO chat (id, title, model, created_at, updated_at) VALUES (?, ?, 'llama3.2:1b', '2025-01-01', '2025-01-01')",
            (chat_id, title),
        )
        conn.execute(
            "INSERT INTO message (chat_id, role, content, created_at) VALUES (?, 'user', ?, '2025-01-01')",
            (chat_id, f"pregunta {chat_id}"),
        )
        conn.execute(
            "INSERT INTO message (chat_id, role, content, stats, complete, created_at) "
            "VALUES (?, 'assistant', ?, '{\"output_tokens\": 7}', 1, '2025-01-01')",
            (chat_id, f"respuesta {chat_id}"),
        )
    conn.commit()
    conn.close()


def test_migrating_from_v2_keeps_every_chat_and_message(tutor_home):
    path = tutor_home / "tutor.sqlite3"
    make_v2_file(path)
    store = open_store()
    try:
        assert store.schema_version == SCHEMA_VERSION >= 3 and store.recovered_from is None
        history = History(store)
        chats = sorted(history.list(), key=lambda c: c.id)
        assert [(c.id, c.title, c.message_count) for c in chats] == [(1, "Tokens", 2), (2, "Atención", 2)]
        for chat in chats:
            messages = history.messages(chat.id)
            assert [(m.role, m.content) for m in messages] == [
                ("user", f"pregunta {chat.id}"),
                ("assistant", f"respuesta {chat.id}"),
            ]
            assert messages[1].stats == {"output_tokens": 7} and messages[1].logprobs == []
    finally:
        store.close()


def test_an_answer_keeps_its_logprobs_after_a_restart(tutor_home):
    store = open_store()
    history = History(store)
    chat = history.create(model="m")
    writer = history.start_answer(chat.id)
    first = [TokenLogprob("Hola", -0.1, (Alternative("Hola", -0.1), Alternative("Hi", -2.4)))]
    writer.append("", "pensando", [TokenLogprob("pensando", -0.2)])  # thinking tokens are not the answer's
    writer.append("Hola", "", first)
    writer.append(" mundo", "", [TokenLogprob(" mundo", -1.5)])
    writer.finish({"output_tokens": 2})
    store.close()
    reopened = open_store()
    try:
        [answer] = History(reopened).messages(chat.id)
        assert [(e.token, e.logprob) for e in answer.logprobs] == [("Hola", -0.1), (" mundo", -1.5)]
        assert answer.logprobs[0].top[1] == Alternative("Hi", -2.4)
    finally:
        reopened.close()


def test_token_texts_are_cleaned_where_they_are_parsed():
    """Server text is cleaned where it enters: tokens and alternatives, in every shape."""
    osc52, clear, csi8 = "\x1b]52;c;SGFja2Vk\x07", "\x1b[2J", "\x9b31m"
    entries = parse_entries([
        {"token": f"{clear}Hola", "logprob": -0.1, "top_logprobs": [{"token": f"Hi{osc52}", "logprob": -2}]},
        {"token": osc52, "logprob": -0.5},  # nothing but control: it keeps its place, drawn as �
        {"token": "\n\t", "logprob": -0.2},  # a newline and a tab are text (printable() marks them)
    ])
    assert [(e.token, [a.token for a in e.top]) for e in entries] == [("Hola", ["Hi"]), ("\N{REPLACEMENT CHARACTER}", []), ("\n\t", [])]
    legacy = parse_legacy({"tokens": [f"a{csi8}b"], "token_logprobs": [-1.0], "top_logprobs": [{f"c{clear}": -1.5}]})
    assert [(e.token, [a.token for a in e.top]) for e in legacy] == [("ab", ["c"])]
    back = from_json(to_json(entries))
    assert [e.token for e in back] == [e.token for e in entries]
    assert from_json(json.dumps([[f"x{osc52}", -1.0, [[clear, -2.0]]]])) == [
        TokenLogprob("x", -1.0, (Alternative("\N{REPLACEMENT CHARACTER}", -2.0),))
    ]

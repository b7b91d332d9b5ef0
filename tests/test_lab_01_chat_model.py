"""Lesson 1's lab with the chat's own model as the source (issue 14), driven by keys at 80x24 through
the official `ollama` client against the stand-in server: the server's top 20 next tokens, greedy,
sample and undo; and a clear note (never an error) for an old Ollama or a server without logprobs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from labkit import lab_text, press, settle, shown, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers.logprob_data import next_distribution  # noqa: E402
from servers.ollama_server import OllamaStub  # noqa: E402
from servers.openai_server import OpenAIServer  # noqa: E402

from tutor.engine.pretrained import shipped_model_path  # noqa: E402

needs_model = pytest.mark.skipif(not shipped_model_path().is_file(), reason="the shipped mini GPT is not built yet")
START = {"screen": "lesson", "lesson_id": "m1-l01-inside-llms"}
MODEL = "llama3.2:1b"


@pytest.fixture
def ollama(monkeypatch, store):
    with OllamaStub(version="0.12.11") as stub:
        stub.add_model(MODEL)
        monkeypatch.setenv("OLLAMA_HOST", stub.host)
        store.set_setting("chat.model", MODEL)  # what the chat uses
        yield stub


async def open_lab(pilot):
    from tutor.app.labs.base import Lab

    await pilot.press("l")
    await settle(pilot)
    await settle(pilot)
    lab = pilot.app.screen.query_one(Lab)
    await pilot.press("tab")  # to the bars, where the lab's letter keys act
    await settle(pilot)
    return lab


async def to_chat_model(pilot, lab) -> None:
    """`m` until the source is the chat's model or a note says why it cannot be."""
    for _ in range(len(lab.MODEL_SOURCES)):
        await press(pilot, "m")
        await wait_until(pilot, lambda: lab.model_pending is None)
        if lab.model_source.kind == "server" or lab.server_note:
            return


def generate_requests(stub) -> list[dict]:
    return [body for method, path, body in stub.requests if path == "/api/generate"]


def expect(lab, prompt: str) -> None:
    expected = next_distribution(prompt, 20)
    assert [(c.token_text, round(c.prob, 9)) for c in lab.candidates] == [
        (token, round(__import__("math").exp(lp), 9)) for token, lp in expected
    ]


@needs_model
async def test_the_chat_models_next_tokens_greedy_sample_undo(run_app, ollama):
    async with run_app(lang="en", start=START) as (app, pilot):
        lab = await open_lab(pilot)
        start = lab.prompt_text
        await to_chat_model(pilot, lab)
        await wait_until(pilot, lambda: lab.server_result is not None)
        await settle(pilot)
        assert lab.model_source.kind == "server"
        assert f"chat model: {MODEL}" in shown(app, ".lab-title")
        expect(lab, start)
        bars = shown(app, "#nt-bars")
        assert len(lab.candidates) == 20
        for candidate in lab.candidates:  # all twenty drawn, with their percentages
            assert f"«{repr(candidate.token_text)[1:-1]}»" in bars and f"{candidate.prob:.1%}" in bars
        status = " ".join(lab_text(lab, "#nt-status").split())
        assert "own probabilities" in status and "before temperature" in status
        bars_widget = app.screen.query_one("#nt-bars")
        assert bars_widget.region.bottom <= app.size.height - 1 and bars_widget.region.height >= 7  # 80x24: all 20
        body = generate_requests(ollama)[-1]
        assert body["raw"] is True and body["prompt"] == start and body["top_logprobs"] == 20
        assert body["options"]["num_predict"] == 1 and body["logprobs"] is True

        top = lab.candidates[0].token_text
        await press(pilot, "t")  # greedy: the most likely token is appended, and the server asked again
        await wait_until(pilot, lambda: generate_requests(ollama)[-1]["prompt"] == start + top)
        await settle(pilot)
        assert lab.prompt_text == start + top
        expect(lab, start + top)

        asked = len(generate_requests(ollama))
        await press(pilot, "plus")  # temperature does not change the server's numbers: nothing to ask
        assert len(generate_requests(ollama)) == asked and "(1.1: only s uses it)" in lab_text(lab, "#nt-status")

        grown = lab.prompt_text
        offered = [c.token_text for c in lab.candidates]
        await press(pilot, "s")  # sample among the server's candidates
        await wait_until(pilot, lambda: lab.prompt_text != grown)
        piece = lab.prompt_text[len(grown) :]
        assert piece in offered
        assert any(str(n.message).startswith("Sampled") for n in app._notifications)

        await press(pilot, "u")
        await wait_until(pilot, lambda: lab.prompt_text == grown)
        await press(pilot, "u")
        await wait_until(pilot, lambda: lab.prompt_text == start)
        await wait_until(pilot, lambda: generate_requests(ollama)[-1]["prompt"] == start)
        await settle(pilot)
        expect(lab, start)


@needs_model
async def test_an_old_ollama_gets_a_note_in_the_lab(run_app, monkeypatch, store):
    with OllamaStub(version="0.12.3") as stub:
        stub.add_model(MODEL)
        monkeypatch.setenv("OLLAMA_HOST", stub.host)
        store.set_setting("chat.model", MODEL)
        async with run_app(lang="en", start=START) as (app, pilot):
            lab = await open_lab(pilot)
            await to_chat_model(pilot, lab)
            status = " ".join(lab_text(lab, "#nt-status").split())
            assert "needs Ollama 0.12.11 or newer; this one is 0.12.3" in status
            assert lab.model_source.kind != "server" and lab.candidates  # the course model's bars stay
            assert not generate_requests(stub)


@needs_model
async def test_an_openai_server_without_logprobs_gets_a_note(run_app, store):
    with OpenAIServer() as server:
        server.logprobs = "ignore"
        store.set_setting("chat.backend", "openai")
        store.set_setting("chat.base_url", server.base_url)
        async with run_app(lang="es", start=START) as (app, pilot):
            lab = await open_lab(pilot)
            await to_chat_model(pilot, lab)
            status = " ".join(lab_text(lab, "#nt-status").split())
            assert "no envía probabilidades" in status and lab.model_source.kind != "server"


@needs_model
async def test_an_openai_server_with_logprobs_is_a_source(run_app, store):
    with OpenAIServer() as server:
        store.set_setting("chat.backend", "openai")
        store.set_setting("chat.base_url", server.base_url)
        async with run_app(lang="en", start=START) as (app, pilot):
            lab = await open_lab(pilot)
            await to_chat_model(pilot, lab)
            await wait_until(pilot, lambda: lab.server_result is not None)
            await settle(pilot)
            assert server.models[0] in shown(app, ".lab-title") or "chat model" in shown(app, ".lab-title")
            expect(lab, lab.prompt_text)


@needs_model
async def test_the_server_going_away_gives_a_note_not_a_traceback(run_app, ollama):
    async with run_app(lang="en", start=START) as (app, pilot):
        lab = await open_lab(pilot)
        await to_chat_model(pilot, lab)
        await wait_until(pilot, lambda: lab.server_result is not None)
        ollama.stop()
        await press(pilot, "t")
        await wait_until(pilot, lambda: bool(lab.server_note))
        await settle(pilot)
        assert "Ollama does not answer" in lab_text(lab, "#nt-status") and lab.candidates == []
        assert "Ollama does not answer" in lab_text(lab, "#nt-bars")

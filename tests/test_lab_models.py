"""The model switch of labs 1, 6 and 8, driven by keys. A tiny random GPT-2 (Hugging Face layout,
written by transformers) sits in an isolated Hugging Face cache as "gpt2", standing in for
OpenAI's: same architecture and vocabulary, 2 layers x 2 heads x 32 wide."""

from __future__ import annotations

import pytest
from labkit import lab_text, press, settle, shown, wait_until
from textual.widgets import Static

pytest.importorskip("transformers")

from hf_gpt2 import REPO_ID, populate_cache, write_tiny_gpt2  # noqa: E402

from tutor.engine import registry  # noqa: E402
from tutor.engine.pretrained import shipped_model_path  # noqa: E402

needs_model = pytest.mark.skipif(not shipped_model_path().is_file(), reason="the shipped mini GPT is not built yet")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_tiny_gpt2(tmp_path_factory.mktemp("tiny-lab"), seed=7)


@pytest.fixture
def gpt2_cached(hf_cache_isolated, tiny):
    populate_cache(hf_cache_isolated, tiny, REPO_ID)
    registry.forget_loaded()
    yield tiny
    registry.forget_loaded()


def title(app) -> str:
    content = app.screen.query_one(".lab-title", Static).content
    return getattr(content, "plain", str(content))


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def open_lab(pilot, lesson: str):
    from tutor.app.labs.base import Lab

    await pilot.press("l")
    await settle(pilot)
    await settle(pilot)
    return pilot.app.screen.query_one(Lab)


def footer_has_model_key(app) -> bool:
    active = app.screen.active_bindings.get("m")
    return active is not None and active.binding.description in ("Model", "Modelo") and active.binding.show


@needs_model
async def test_lab1_switch_without_gpt2_says_how_to_get_it(run_app):
    async with run_app(lang="en", start={"screen": "lesson", "lesson_id": "m1-l01-inside-llms"}) as (app, pilot):
        lab = await open_lab(pilot, "m1-l01-inside-llms")
        assert title(app).endswith(" · mini GPT")
        await pilot.press("tab")  # to the bars: letter keys act on the lab (and show in the footer)
        await settle(pilot)
        assert footer_has_model_key(app)
        await press(pilot, "m")
        assert lab.model_name == "course" and title(app).endswith(" · mini GPT")
        message = " ".join(notices(app))
        assert "tutor engine get gpt2" in message and "548.1 MB" in message


@needs_model
async def test_lab1_switches_to_gpt2_and_back(run_app, gpt2_cached):
    from tutor.engine.sampling import next_token_distribution

    async with run_app(lang="es", start={"screen": "lesson", "lesson_id": "m1-l01-inside-llms"}) as (app, pilot):
        lab = await open_lab(pilot, "m1-l01-inside-llms")
        course_bars = shown(app, "#nt-bars")
        await pilot.press("tab")
        await press(pilot, "m")
        await wait_until(pilot, lambda: lab.model_name == "gpt2")
        await settle(pilot)
        assert "GPT-2 small" in title(app)
        model, tok = registry.load_model("gpt2")
        expected = next_token_distribution(model, tok, lab.prompt_text, top_n=8, temperature=lab.temperature)
        bars = shown(app, "#nt-bars")
        assert bars != course_bars
        assert [c.token_id for c in lab.candidates] == [c.token_id for c in expected]
        assert repr(expected[0].token_text)[1:-1][:14] in bars
        await press(pilot, "m")  # the list wraps round to the course model
        await wait_until(pilot, lambda: lab.model_name == "course")
        await settle(pilot)
        assert title(app).endswith(" · mini GPT") and shown(app, "#nt-bars") == course_bars


@needs_model
async def test_lab6_attention_from_gpt2_every_layer_and_head(run_app, gpt2_cached):
    async with run_app(lang="en", start={"screen": "lesson", "lesson_id": "m1-l06-gpt2-attention"}) as (app, pilot):
        lab = await open_lab(pilot, "m1-l06-gpt2-attention")
        await wait_until(pilot, lambda: lab.view is not None)
        lab.query_one("#att-map").focus()
        await press(pilot, "m")
        await wait_until(pilot, lambda: lab.model_name == "gpt2" and lab.view is not None and lab.view.n_layer == 2)
        await settle(pilot)
        assert "GPT-2 small" in title(app)
        model, tok = registry.load_model("gpt2")
        assert lab.view.labels == [tok.token_text(i) for i in tok.encode(lab.view.text)]
        await press(pilot, "y", "h")
        status = lab_text(lab, "#att-status")
        assert "2/2" in status  # layer 2 of 2, head 2 of 2 of the stand-in (GPT-2 small: 12 x 12)
        assert lab.view.weights == model.inspect(tok.encode(lab.view.text)).attention


async def test_lab8_real_sizes_and_weight_shapes_of_gpt2(run_app, gpt2_cached):
    from labkit import plain

    async with run_app(lang="en", start={"screen": "lesson", "lesson_id": "m2-l08-gpt2-from-scratch"}) as (app, pilot):
        lab = await open_lab(pilot, "m2-l08-gpt2-from-scratch")
        await wait_until(pilot, lambda: lab.fields)
        await press(pilot, "m")
        await wait_until(pilot, lambda: lab.model_name == "gpt2" and lab.weights is not None and "GPT-2" in lab.weights[0])
        await wait_until(pilot, lambda: lab.report is not None and lab.report.total == 1_635_744)
        await settle(pilot)
        assert "GPT-2 small" in title(app)
        assert "1,635,744" in plain(app, "#gpt-fields")  # the stand-in's real size, from its config
        await press(pilot, "v", "v")  # breakdown -> shapes -> the real tensors
        panel = plain(app, "#gpt-panel-text")
        assert "Real tensors of GPT-2 small (28)" in panel  # 2 x 12 per block + wte, wpe, ln_f x 2
        assert "wte.weight" in panel and "(50257,32)" in panel
        assert "h.0.attn.c_attn.weight" in panel and "(96,32)" in panel  # nn.Linear's (out, in), transposed from Conv1D
        await press(pilot, "v")
        assert "Parameters by component" in plain(app, "#gpt-panel-text")


@needs_model
async def test_lab4_embedding_neighbours_from_gpt2s_token_table(run_app, gpt2_cached):
    from tutor.app.labs.l04_tokens import NEIGHBOURS
    from tutor.engine import embeddings

    async with run_app(lang="en", start={"screen": "lesson", "lesson_id": "m1-l04-tokenization"}) as (app, pilot):
        lab = await open_lab(pilot, "m1-l04-tokenization")
        for _ in range(4):  # to the 5th view, the embedding map
            await press(pilot, "tab")
        await wait_until(pilot, lambda: lab.mapped is not None)
        assert "mini GPT · PCA" in " ".join(shown(app, "#map-grid").split())
        assert app.focused.id == "map-input"  # letters are typed here: the switch is ctrl+o
        await press(pilot, "ctrl+o")
        await wait_until(pilot, lambda: lab.model_name == "gpt2" and lab.mapped is not None and lab.mapped.vocab == 50257)
        await settle(pilot)
        assert "GPT-2 small · PCA 32→2" in " ".join(shown(app, "#map-grid").split())
        model, tok = registry.load_model("gpt2")
        expected = embeddings.nearest_neighbours(model.transformer.wte.weight.detach(), lab.mapped.token_id, k=NEIGHBOURS)
        assert [i for i, _t, _c in lab.mapped.neighbours] == [i for i, _c in expected]
        assert lab.mapped.dim == 32  # the stand-in's width (GPT-2 small: 768)


@needs_model
async def test_lab1_downloads_a_missing_gpt2_then_switches(run_app, tiny, monkeypatch):
    """m without GPT-2 offers the download; ctrl+g fetches it (from the 127.0.0.1 hub stand-in) with
    progress notes; then m switches to it."""
    from servers.hf_hub_server import HubStub

    files = {name: (tiny / name).read_bytes() for name in ("config.json", "model.safetensors")}
    registry.forget_loaded()
    with HubStub({REPO_ID: files}) as hub_stub:
        monkeypatch.setenv("HF_ENDPOINT", hub_stub.url)
        monkeypatch.delenv("HF_HUB_OFFLINE")
        async with run_app(lang="en", start={"screen": "lesson", "lesson_id": "m1-l01-inside-llms"}) as (app, pilot):
            lab = await open_lab(pilot, "m1-l01-inside-llms")
            await pilot.press("tab")
            await press(pilot, "m")
            assert lab.model_missing == "gpt2" and "press ctrl+g here" in " ".join(notices(app))
            await press(pilot, "ctrl+g")
            await wait_until(pilot, lambda: lab.model_download is None)
            said = " ".join(notices(app))
            assert "Downloading GPT-2 small: 100%" in said and "downloaded and verified" in said
            await press(pilot, "m")
            await wait_until(pilot, lambda: lab.model_name == "gpt2")
            assert title(app).endswith(" · GPT-2 small")
    registry.forget_loaded()


@needs_model
async def test_lab1_download_can_be_cancelled_and_says_so(run_app, tiny, monkeypatch):
    import threading

    from servers.hf_hub_server import HubStub

    files = {name: (tiny / name).read_bytes() for name in ("config.json", "model.safetensors")}
    with HubStub({REPO_ID: files}) as hub_stub:
        hub_stub.hold = threading.Event()  # the weights wait until the learner has pressed cancel
        monkeypatch.setenv("HF_ENDPOINT", hub_stub.url)
        monkeypatch.delenv("HF_HUB_OFFLINE")
        async with run_app(lang="es", start={"screen": "lesson", "lesson_id": "m1-l01-inside-llms"}) as (app, pilot):
            lab = await open_lab(pilot, "m1-l01-inside-llms")
            await pilot.press("tab")
            await press(pilot, "m")
            await pilot.press("ctrl+g")
            await wait_until(pilot, lambda: lab.model_download is not None and any(
                m == "GET" and p.endswith("model.safetensors") for m, p, _ in hub_stub.requests))
            await pilot.press("ctrl+g")  # again: cancel
            assert lab.model_download.is_set()
            hub_stub.hold.set()
            await wait_until(pilot, lambda: lab.model_download is None)
            assert "Descarga cancelada" in " ".join(notices(app))
            assert registry.resolve("gpt2").path is None and lab.model_name == "course"

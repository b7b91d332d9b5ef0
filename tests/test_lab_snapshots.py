"""Snapshots of every lab (pytest-textual-snapshot, driven by keys): all fifteen in Spanish at the
app's smallest size, 60x18, and at 80x24; a few in English; labs 4 and 6 in 16 colours.

Each lab is opened with `l` from its lesson, then a key or two shows its main interaction. Labs
driven by the shipped mini GPT (tutor/engine/data/course_gpt.pt and course_bpe.tiktoken) draw its
real numbers: the same weights, the same torch CPU build and seeded or greedy choices give the
same picture every run. Nothing here trains for long: labs 10 and 12 are shown before a run.
Values that differ between machines are fixed by fixtures, never hidden in the app: the hardware
(a test machine), Ollama's address (the stand-in server listens on a random port), and blinking
cursors.

After an intended change of a screen, or after the lead retrains the shipped model or tokenizer
(every model-driven picture changes then), regenerate with
`pytest tests/test_lab_snapshots.py --snapshot-update` and LOOK at the SVGs in
tests/__snapshots__/test_lab_snapshots/ before committing them.
"""

from __future__ import annotations

import pytest
from labkit import settle, wait_until
from pytest_textual_snapshot import SVGImageExtension
from snapshot16 import sixteen_colour_screenshot

from tests.servers.ollama_server import OllamaStub
from tutor.app.app import TutorApp
from tutor.app.labs import LABS

SMALL = (60, 18)
MEDIUM = (80, 24)
SIZES = {"60x18": SMALL, "80x24": MEDIUM}
GIB = 2**30
OLLAMA_DEFAULT = "127.0.0.1:11434"

# The keys that show each lab's main interaction, pressed once it has opened.
KEYS: dict[str, tuple[str, ...]] = {
    "m1-l01-inside-llms": ("tab", "t"),  # to the bars, then take the most likely token (greedy)
    "m1-l02-context-to-deployment": (),  # the example text's tokens in every encoding
    "m1-l03-history": ("t",),  # the timeline filtered to one tag
    "m1-l04-tokenization": ("down",),  # the next sentence pair
    "m1-l05-neural-networks": ("v",),  # one forward pass, stage by stage (seed 0)
    "m1-l06-gpt2-attention": ("h",),  # the second head
    "m1-l07-pytorch": ("2",),  # the autograd example, run by torch
    "m2-l08-gpt2-from-scratch": ("v",),  # the shapes of one pass
    "m2-l09-rope": ("plus",),  # one position further
    "m2-l10-rope-in-gpt2": (),  # ready to train both models
    "m2-l11-scaling-multimodal": ("up",),  # ten times the compute
    "m2-l12-training": (),  # ready to train
    "m2-l13-moe": ("v",),  # the second layer's routing
    "m2-l14-hardware": ("f",),  # the next precision
    "m2-l15-ollama-exo": (),  # Ollama found, its models and the catalogue's picks
}
assert set(KEYS) == set(LABS)

ENGLISH = [  # (lab, size): the longer English labels at both sizes
    ("m1-l01-inside-llms", "60x18"),
    ("m1-l04-tokenization", "80x24"),
    ("m1-l06-gpt2-attention", "60x18"),
    ("m2-l09-rope", "80x24"),
    ("m2-l14-hardware", "60x18"),
]


def short(lesson_id: str) -> str:
    return lesson_id.split("-")[1]  # "l04"


@pytest.fixture
def test_machine(monkeypatch):
    """32 GiB of RAM (16 free) and one 8 GiB GPU, whatever machine runs the tests."""
    from tutor.fit.hardware import GPU, Hardware

    hw = Hardware(os="linux", ram_total=32 * GIB, ram_available=16 * GIB, swap_free=0,
                  gpus=[GPU("cuda", "Test GPU", 8 * GIB, 8 * GIB, "0", "8.6", source="test")])
    monkeypatch.setattr("tutor.fit.hardware.detect_hardware", lambda: hw)


@pytest.fixture
def ollama(monkeypatch):
    """The stand-in Ollama (tests/servers/ollama_server.py) with two models, named by OLLAMA_HOST."""
    with OllamaStub(version="0.6.8") as server:
        server.add_model("llama3.2:3b", size=2_019_393_189, parameter_size="3.2B", quantization_level="Q4_K_M")
        server.add_model("qwen3:0.6b", size=522_653_767, parameter_size="751.63M", quantization_level="Q4_K_M")
        monkeypatch.setenv("OLLAMA_HOST", server.host)
        yield server


def lab_app(store, lesson_id: str, lang: str) -> TutorApp:
    return TutorApp(store=store, lang=lang, start={"screen": "lesson", "lesson_id": lesson_id})


def driver(lesson_id: str, monkeypatch, keys: tuple[str, ...] | None = None):
    """run_before for a snapshot: open the lab with `l`, press its keys, fix what varies by machine."""

    async def run_before(pilot) -> None:
        from textual.widgets import Input

        from tutor.app.labs.base import Lab

        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        await settle(pilot)
        lab = pilot.app.screen.query_one(Lab)
        if lesson_id == "m1-l06-gpt2-attention":
            await wait_until(pilot, lambda: lab.view is not None or lab.error is not None)
        if lesson_id == "m2-l15-ollama-exo":
            await wait_until(pilot, lambda: lab.status is not None)
            # The stand-in listens on a random port: show Ollama's default address instead.
            lab.status.host = f"http://{OLLAMA_DEFAULT}"
            monkeypatch.setenv("OLLAMA_HOST", OLLAMA_DEFAULT)
            lab.refresh_lab()
        for key in KEYS[lesson_id] if keys is None else keys:
            await pilot.press(key)
            await settle(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False  # a blinking cursor is on or off by chance
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lesson_id", list(LABS), ids=short)
def test_every_lab_in_spanish(snap_compare, store, test_machine, ollama, monkeypatch, lesson_id, size):
    assert snap_compare(lab_app(store, lesson_id, "es"), terminal_size=SIZES[size],
                        run_before=driver(lesson_id, monkeypatch))


@pytest.mark.parametrize(("lesson_id", "size"), ENGLISH, ids=[f"{short(lab)}-{size}" for lab, size in ENGLISH])
def test_labs_in_english(snap_compare, store, test_machine, ollama, monkeypatch, lesson_id, size):
    assert snap_compare(lab_app(store, lesson_id, "en"), terminal_size=SIZES[size],
                        run_before=driver(lesson_id, monkeypatch))


def test_lab_6_worked_example_in_glyphs(snap_compare, store, monkeypatch):
    """The worked example's heatmap: every weight a shading glyph as well as a colour."""
    lesson_id = "m1-l06-gpt2-attention"
    assert snap_compare(lab_app(store, lesson_id, "es"), terminal_size=SMALL,
                        run_before=driver(lesson_id, monkeypatch, keys=("x",)))


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize(("lesson_id", "keys"), [
    ("m1-l04-tokenization", ()),  # token boundaries: alternate tokens underlined
    ("m1-l06-gpt2-attention", ()),  # heatmap weights: ░▒▓█ shading
], ids=["l04", "l06"])
async def test_labs_4_and_6_in_16_colours(snapshot, store, monkeypatch, lesson_id, keys, size):
    svg = await sixteen_colour_screenshot(lab_app(store, lesson_id, "es"), SIZES[size],
                                          driver(lesson_id, monkeypatch, keys))
    assert snapshot.use_extension(SVGImageExtension) == svg


# -- the training labs after a short run ---------------------------------------------------------

TINY_MODEL = {"block_size": 32, "n_layer": 1, "n_head": 2, "n_embd": 32, "dropout": 0.0}


@pytest.fixture
def short_runs(monkeypatch):
    """Labs 10 and 12 train a tiny model for a few steps (seeded, one CPU thread: the same losses
    every run), and lab 12's tokens/s, the one figure that depends on the machine's speed, reads
    a fixed 1,000."""
    import dataclasses

    from tutor.app.labs import l10_rope_vs_learned as l10
    from tutor.app.labs import l12_training as l12

    run = {"batch_size": 4, "warmup_steps": 2, "eval_interval": 4, "eval_iters": 1}
    monkeypatch.setattr(l10, "LAB_STEPS", 24)
    monkeypatch.setattr(l10, "MODEL_OVERRIDES", TINY_MODEL)
    monkeypatch.setattr(l10, "RUN_OVERRIDES", {**run, "sample_interval": 0})
    monkeypatch.setattr(l12, "LAB_STEPS", 24)
    monkeypatch.setattr(l12, "MODEL_OVERRIDES", TINY_MODEL)
    monkeypatch.setattr(l12, "RUN_OVERRIDES", {**run, "sample_interval": 12, "sample_tokens": 12})
    build = l12.build_trainer

    def steady_speed(*args, **kwargs):
        trainer, setup = build(*args, **kwargs)
        events = trainer.run
        trainer.run = lambda **kw: (dataclasses.replace(e, tokens_per_s=1000.0) for e in events(**kw))
        return trainer, setup

    monkeypatch.setattr(l12, "build_trainer", steady_speed)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lesson_id", ["m2-l10-rope-in-gpt2", "m2-l12-training"], ids=short)
def test_training_labs_after_a_short_run(snap_compare, store, short_runs, monkeypatch, lesson_id, size):
    """The loss curves told apart by glyph: a braille line, × markers, * where both pass (lab 10)."""

    async def run_before(pilot) -> None:
        await driver(lesson_id, monkeypatch, keys=("s",))(pilot)
        lab = pilot.app.screen.query_one("Lab")
        await wait_until(pilot, lambda: lab.state == "finished", what=lambda: lab.state)
        await settle(pilot)

    assert snap_compare(lab_app(store, lesson_id, "es"), terminal_size=SIZES[size], run_before=run_before)


def test_the_16_colour_picture_keeps_only_the_16_colours():
    """tests/snapshot16.py: every colour becomes one of the 16 standard ones; attributes stay."""
    from rich.color import ColorType
    from rich.style import Style
    from snapshot16 import downgrade_style

    style = downgrade_style(Style(color="#ffa640", bgcolor="#1b1b1b", underline=True, bold=True))
    assert style.color.type == ColorType.STANDARD and style.bgcolor.type == ColorType.STANDARD
    assert style.color.number != style.bgcolor.number
    assert style.underline and style.bold
    assert downgrade_style(Style(underline=True)).color is None  # the terminal's own colours stay

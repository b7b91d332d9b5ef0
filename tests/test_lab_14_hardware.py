"""Lesson 14's lab: the memory calculator against this machine, driven by keys at 80x24."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from rich.console import Console
from rich.text import Text

from tutor.engine import memory

LESSON = "m2-l14-hardware"
GIB = 2**30


def plain(renderable) -> str:
    if isinstance(renderable, Text):
        return renderable.plain
    if isinstance(renderable, str):
        return Text.from_markup(renderable).plain
    console = Console(width=300, file=io.StringIO(), record=True)
    console.print(renderable)
    return console.export_text()


def static_text(app, selector: str) -> str:
    return plain(app.screen.query_one(selector).content)


def fake_hardware(ram_free: int = 16 * GIB, gpu: int | None = 8 * GIB):
    from tutor.fit.hardware import GPU, Hardware

    gpus = [GPU("cuda", "Test GPU", gpu, gpu, "0", "8.6", source="test")] if gpu else []
    return Hardware(os="linux", ram_total=32 * GIB, ram_available=ram_free, swap_free=0, gpus=gpus)


@pytest.fixture
def machine(monkeypatch):
    """This 'machine': 32 GiB of RAM (16 free), one 8 GiB GPU."""
    hw = fake_hardware()
    monkeypatch.setattr("tutor.fit.hardware.detect_hardware", lambda: hw)
    return hw


def lesson(lang: str = "en") -> dict:
    return {"lang": lang, "start": {"screen": "lesson", "lesson_id": LESSON}}


def lab_of(app):
    from tutor.app.labs.l14_hardware import HardwareLab

    return app.screen.query_one(HardwareLab)


def check_rows(app, dtype: str, context: int, kv_dtype: str, ram: int | None, gpu: int | None) -> None:
    """Every row of the table against memory.spec_memory / fits_in for the same inputs."""
    from textual.widgets import DataTable

    table = app.screen.query_one("#hw-table", DataTable)
    assert table.row_count == len(memory.KNOWN_MODELS)
    for spec in memory.KNOWN_MODELS:
        est = memory.spec_memory(spec, dtype, context, kv_dtype)
        name, params, weights, kv, total, on_gpu, in_ram = (plain(c) for c in table.get_row(spec.name))
        assert name == spec.name
        assert params == memory.format_params(spec.n_params, app.lang)
        assert weights == memory.format_bytes(est.weights_bytes)
        assert kv == memory.format_bytes(est.kv_bytes)
        assert total == memory.format_bytes(est.total_bytes)
        if gpu is None:
            assert on_gpu == "–"
        else:
            assert on_gpu.startswith("✓" if memory.fits_in(est, gpu) else "✗")
        if ram is None:
            assert in_ram == "–"
        else:
            assert in_ram.startswith("✓" if memory.fits_in(est, ram) else "✗")


async def test_calculator_and_fit_follow_the_keys(run_app, settle, machine):
    async with run_app(**lesson()) as (app, pilot):
        await pilot.press("l")
        await settle(pilot)
        lab = lab_of(app)
        assert static_text(app, ".lab-title").startswith("Lab · Will it fit?")
        machine_line = static_text(app, "#hw-machine")
        assert memory.format_bytes(16 * GIB) in machine_line and memory.format_bytes(32 * GIB) in machine_line
        assert "Test GPU" in machine_line and memory.format_bytes(8 * GIB) in machine_line
        check_rows(app, "fp16", 4096, "fp16", ram=16 * GIB, gpu=8 * GIB)
        settings = static_text(app, "#hw-settings")
        assert "fp16" in settings and "4,096" in settings

        # In fp16 an 8B model does not fit an 8 GiB GPU; in 4 bits it does (the lesson's replay).
        llama8 = memory.find_model("Llama 3.1 8B")
        assert not memory.fits_in(memory.spec_memory(llama8, "fp16", 4096), 8 * GIB)
        dtypes = list(memory.BITS_PER_WEIGHT)
        for _ in range(dtypes.index("q4_K_M") - dtypes.index("fp16")):
            await pilot.press("f")
        await settle(pilot)
        assert lab.dtype == "q4_K_M"
        check_rows(app, "q4_K_M", 4096, "fp16", ram=16 * GIB, gpu=8 * GIB)
        assert memory.fits_in(memory.spec_memory(llama8, "q4_K_M", 4096), 8 * GIB)

        # Stretch the context (doubling) and quantize the KV cache.
        for _ in range(3):
            await pilot.press("+")
        await pilot.press("v")
        await settle(pilot)
        kv_dtype = list(memory.KV_BYTES_PER_ELEMENT)[1]
        check_rows(app, "q4_K_M", 32768, kv_dtype, ram=16 * GIB, gpu=8 * GIB)
        assert "32,768" in static_text(app, "#hw-settings")

        # Halving stops at the smallest context.
        for _ in range(12):
            await pilot.press("-")
        await settle(pilot)
        assert lab.context == 256

        # The detail line is the calculation for the highlighted model.
        await pilot.press("down", "down")
        await settle(pilot)
        spec = memory.KNOWN_MODELS[2]
        est = memory.spec_memory(spec, "q4_K_M", 256, kv_dtype)
        detail = static_text(app, "#hw-detail")
        assert detail.startswith(f"{spec.name}: {spec.n_params:,} × ")
        for figure in (est.weights_bytes, est.kv_bytes, est.total_bytes):
            assert memory.format_bytes(figure) in detail
        assert memory.format_bytes(est.total_bytes, binary=False) in detail


async def test_spanish_and_a_machine_without_gpu(run_app, settle, monkeypatch):
    hw = fake_hardware(ram_free=6 * GIB, gpu=None)
    monkeypatch.setattr("tutor.fit.hardware.detect_hardware", lambda: hw)
    async with run_app(**lesson("es")) as (app, pilot):
        await pilot.press("l")
        await settle(pilot)
        assert static_text(app, ".lab-title").startswith("Laboratorio · ¿Cabe?")
        assert "sin GPU" in static_text(app, "#hw-machine")
        check_rows(app, "fp16", 4096, "fp16", ram=6 * GIB, gpu=None)
        await pilot.press("e")  # the app's language switch redraws the lab in English
        await settle(pilot)
        assert static_text(app, ".lab-title").startswith("Lab · Will it fit?")
        check_rows(app, "fp16", 4096, "fp16", ram=6 * GIB, gpu=None)


async def test_detection_failing_is_shown_not_raised(run_app, settle, monkeypatch):
    def broken():
        raise OSError("no /proc here")

    monkeypatch.setattr("tutor.fit.hardware.detect_hardware", broken)
    async with run_app(**lesson()) as (app, pilot):
        await pilot.press("l")
        await settle(pilot)
        line = static_text(app, "#hw-machine")
        assert "could not detect" in line and "no /proc here" in line
        check_rows(app, "fp16", 4096, "fp16", ram=None, gpu=None)  # the calculator still works
        monkeypatch.setattr("tutor.fit.hardware.detect_hardware", lambda: fake_hardware())
        await pilot.press("r")
        await settle(pilot)
        check_rows(app, "fp16", 4096, "fp16", ram=16 * GIB, gpu=8 * GIB)


def test_the_lab_needs_no_torch():
    code = "import tutor.app.labs.l14_hardware, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"

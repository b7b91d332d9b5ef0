"""Lesson 15's lab: Ollama reachable or not, a model that fits, exo, and the key to the chat.

A fake Ollama (tests/servers/ollama_server.py) runs on 127.0.0.1 and OLLAMA_HOST points at it;
the "unreachable" state points at a port nobody listens on.
"""

from __future__ import annotations

import io
import socket
import subprocess
import sys

import pytest
from rich.console import Console
from rich.text import Text

from tests.servers.ollama_server import OllamaStub
from tutor.engine.memory import format_bytes

LESSON = "m2-l15-ollama-exo"
GIB = 2**30


def plain(renderable) -> str:
    if isinstance(renderable, Text):
        return renderable.plain
    if isinstance(renderable, str):
        return Text.from_markup(renderable).plain
    console = Console(width=300, file=io.StringIO(), record=True)
    console.print(renderable)
    return console.export_text()


def shown(app, selector: str) -> str | None:
    """The text of a section, or None when the section is hidden."""
    widget = app.screen.query_one(selector)
    return plain(widget.content) if widget.display else None


def lesson(lang: str = "en") -> dict:
    return {"lang": lang, "start": {"screen": "lesson", "lesson_id": LESSON}}


@pytest.fixture
def machine(monkeypatch):
    """A CPU-only machine with 16 GiB free, so the catalogue's verdicts are the same everywhere."""
    from tutor.fit import what_if
    from tutor.fit.hardware import Hardware

    hw = what_if(Hardware(os="linux"), "none", "16GiB")
    monkeypatch.setattr("tutor.fit.hardware.detect_hardware", lambda: hw)
    return hw


@pytest.fixture
def stub(monkeypatch):
    with OllamaStub(version="0.6.8") as server:
        server.add_model("llama3.2:3b", size=2_019_393_189, parameter_size="3.2B", quantization_level="Q4_K_M")
        server.add_model("qwen3:0.6b", size=522_653_767, parameter_size="751.63M", quantization_level="Q4_K_M")
        monkeypatch.setenv("OLLAMA_HOST", server.host)
        yield server


@pytest.fixture
def closed_port(monkeypatch) -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now: connection refused at once
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{port}")
    return f"http://127.0.0.1:{port}"


def expected_picks(hw, version):
    from tutor.fit import VERDICT_NO, verdict_for_catalogue

    ranked = verdict_for_catalogue(hw, version)
    return [m for m in ranked if m["verdict"] != VERDICT_NO], len(ranked)


async def test_reachable_ollama_shows_version_models_and_picks(run_app, settle, stub, machine):
    async with run_app(**lesson()) as (app, pilot):
        await pilot.press("l")
        await settle(pilot)
        status = shown(app, "#ol-status")
        assert status.startswith("✓") and stub.url in status and "version 0.6.8" in status
        models = shown(app, "#ol-models")
        assert "Installed models (2)" in models
        for name, model in stub.models.items():
            assert name in models
            assert format_bytes(model["size"], binary=False) in models
            assert model["details"]["parameter_size"] in models
        assert shown(app, "#ol-install") is None  # nothing to install: it answers

        loads, total = expected_picks(machine, "0.6.8")
        pull = shown(app, "#ol-pull")
        assert f"{len(loads)} of the catalogue's {total} models fit" in pull
        for pick in loads[:3]:
            assert f"ollama pull {pick['model']}" in pull
            assert format_bytes(pick["estimate"]["total_bytes"], binary=False, decimals=1) in pull
        largest = max(loads, key=lambda m: m["file_bytes"])
        assert f"ollama pull {largest['model']}" in pull
        assert "52415/v1" in shown(app, "#ol-exo")
        assert stub.url in shown(app, "#ol-remote")

        # r checks again: a model pulled meanwhile shows up.
        stub.add_model("gemma3:1b", size=815_319_791, parameter_size="999.89M")
        await pilot.press("r")
        await settle(pilot)
        assert "Installed models (3)" in shown(app, "#ol-models") and "gemma3:1b" in shown(app, "#ol-models")


async def test_unreachable_ollama_gives_the_install_steps(run_app, settle, closed_port, machine):
    async with run_app(**lesson()) as (app, pilot):
        await pilot.press("l")
        await settle(pilot)
        status = shown(app, "#ol-status")
        assert status.startswith("✗") and f"does not answer at {closed_port}" in status
        assert shown(app, "#ol-models") is None
        install = shown(app, "#ol-install")
        assert "curl -fsSL https://ollama.com/install.sh | sh" in install and "ollama serve" in install
        assert "OLLAMA_HOST is" in install  # it is set (to the closed port): the lab says so
        loads, _ = expected_picks(machine, None)  # no server version: the latest rules
        assert f"ollama pull {loads[0]['model']}" in shown(app, "#ol-pull")
        await pilot.press("s")  # jumps between sections without errors
        await pilot.press("s")


async def test_spanish_and_the_key_to_the_chat(run_app, settle, stub, machine):
    from tutor.app.chat import ChatScreen

    async with run_app(**lesson("es")) as (app, pilot):
        await pilot.press("l")
        await settle(pilot)
        assert plain(app.screen.query_one(".lab-title").content).startswith("Laboratorio · Ollama")
        assert "versión 0.6.8" in shown(app, "#ol-status")
        assert "Modelos instalados (2)" in shown(app, "#ol-models")
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ChatScreen)
        assert app.screen.lesson_id == LESSON  # tutor mode: the chat knows the lesson


def test_probe_reports_a_closed_port(closed_port, monkeypatch):
    from tutor.app.labs import l15_ollama

    monkeypatch.setenv("OLLAMA_HOST", closed_port)
    status = l15_ollama.probe_ollama()
    assert not status.reachable and status.reason


def test_the_lab_needs_no_torch():
    code = "import tutor.app.labs.l15_ollama, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


# -- your own model: export to GGUF, create it in Ollama, chat with it ---------------------------


def own_lab(app):
    from tutor.app.labs.l15_ollama import OllamaLab

    return app.screen.query_one(OllamaLab)


async def test_m_creates_the_course_model_in_ollama_and_o_chats_with_it(run_app, settle, stub, machine, tutor_home):
    from tests.labkit import wait_until
    from tutor.app.chat import ChatScreen

    async with run_app(**lesson()) as (app, pilot):
        await pilot.press("l")
        await settle(pilot)
        assert "Press m to create it in this Ollama as \"tutor-course\"" in shown(app, "#ol-own")
        await pilot.press("m")
        lab = own_lab(app)
        await wait_until(pilot, lambda: lab.own is not None and lab.own.state in ("created", "failed"))
        await settle(pilot)
        assert lab.own.state == "created", lab.own.error
        assert "✓ Created \"tutor-course\"" in shown(app, "#ol-own")
        gguf_file = tutor_home / "models" / "course.gguf"
        assert gguf_file.is_file() and (tutor_home / "models" / "course.Modelfile").is_file()
        import hashlib

        digest = "sha256:" + hashlib.sha256(gguf_file.read_bytes()).hexdigest()
        assert stub.blobs[digest] == gguf_file.read_bytes()
        create = next(b for m, p, b in stub.requests if p == "/api/create")
        assert create["model"] == "tutor-course" and create["files"] == {"course.gguf": digest}
        assert create["parameters"]["num_ctx"] == 128 and create["template"] == "{{ .Prompt }}"

        await pilot.press("o")
        await settle(pilot)
        chat = app.screen
        assert isinstance(chat, ChatScreen) and chat.requested_model == "tutor-course"
        await wait_until(pilot, lambda: chat.details is not None)
        assert chat.details.completion_only
        await chat.send("La atención")
        await settle(pilot)
        sent = stub.chat_requests()[-1]["messages"]
        # A completion model: the text alone, no system prompt (tutor mode is off for it).
        assert sent == [{"role": "user", "content": "La atención"}]


async def test_without_ollama_m_exports_and_prints_the_command(run_app, settle, closed_port, machine, tutor_home):
    from tests.labkit import wait_until

    async with run_app(**lesson()) as (app, pilot):
        await pilot.press("l")
        await settle(pilot)
        assert "Press m to export it to GGUF" in shown(app, "#ol-own")
        await pilot.press("m")
        lab = own_lab(app)
        await wait_until(pilot, lambda: lab.own is not None and lab.own.state in ("exported", "failed"))
        await settle(pilot)
        assert lab.own.state == "exported", lab.own.error
        modelfile = tutor_home / "models" / "course.Modelfile"
        assert modelfile.is_file()
        assert f"ollama create tutor-course -f {modelfile}" in shown(app, "#ol-own").replace("\n", "")


async def test_an_ollama_too_old_to_create_from_files_is_explained(run_app, settle, stub, machine):
    from tests.labkit import wait_until

    stub.create_mode = "old_server"
    async with run_app(**lesson("es")) as (app, pilot):
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("m")
        lab = own_lab(app)
        await wait_until(pilot, lambda: lab.own is not None and lab.own.state in ("created", "failed"))
        await settle(pilot)
        assert lab.own.state == "failed"
        text = shown(app, "#ol-own")
        assert "No se pudo crear el modelo." in text and "0.5.5" in text
        assert "ollama create tutor-course -f" in text.replace("\n", "")


async def test_a_model_lab_12_exported_is_not_offered_for_export_again(run_app, settle, closed_port, machine, tutor_home):
    """Lab 12 wrote its GGUF already: without Ollama the lab says so and gives the command at once."""
    from tutor.engine.export import LAB_EXPORT, export_path

    gguf = export_path(LAB_EXPORT)
    gguf.parent.mkdir(parents=True, exist_ok=True)
    gguf.write_bytes(b"GGUF")  # only its presence is read before m
    async with run_app(**lesson()) as (app, pilot):
        await pilot.press("l")
        await settle(pilot)
        own = shown(app, "#ol-own")
        assert "you trained in lab 12" in own and "It is exported already" in own
        assert "Press m to export" not in own
        assert f"ollama create tutor-lab12 -f {tutor_home / 'models' / 'lab12.Modelfile'}" in own.replace("\n", "")

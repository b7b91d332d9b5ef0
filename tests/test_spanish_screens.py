"""The Spanish course shows only Spanish (issue 11): every lab's screen at 60x18, the plain quiz
with questionary's own prompts, and the plain commands, scanned for English words.

The scan looks for common English words; the few English names the course quotes on purpose
(a paper's title, "Mixture of Experts", the English half of lab 4's sentence pair) are allowed.
"""

from __future__ import annotations

import io
import random
import re

import pytest
from conftest import settle
from labkit import wait_until

from tutor.app.labs import LABS

ENGLISH = re.compile(
    r"\b(the|is|are|and|of|with|nothing|running|loading|press|free|layer|head|step|back|quit|next|previous|"
    r"done|type|train|training|paused|stop|start|weights|cancelled|passed|answers|use|shortcuts|arrow|keys|"
    r"when|this|that|from|not|will|fit|unfinished|answered|reading|lesson|question)\b",
    re.IGNORECASE,
)
QUOTED_ON_PURPOSE = ("Computing", "Machinery", "Intelligence", "Mixture of Experts", "EN «")


COMMANDS = ("tutor fit", "ollama serve", "ollama pull", "ollama run")


def english_in(text: str) -> list[str]:
    found = []
    # Turing's paper title wraps over lines in the timeline: its "and" may stand on a line of its own.
    title_wrapped = "Machinery" in text
    for line in text.splitlines():
        if any(quote in line for quote in QUOTED_ON_PURPOSE):
            continue
        for command in COMMANDS:
            line = line.replace(command, "")
        if title_wrapped and line.split()[:1] == ["and"]:
            line = line.replace("and", "", 1)
        found += [f"{m.group(0)!r} in {line.strip()!r}" for m in ENGLISH.finditer(line)]
    return found


def screen_text(app) -> str:
    return "\n".join("".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips())


async def test_every_lab_in_spanish_at_60x18_shows_no_english(run_app):
    from tutor.app.labs.base import Lab

    found: dict[str, list[str]] = {}
    first = next(iter(LABS))
    async with run_app(lang="es", start={"screen": "lesson", "lesson_id": first}, size=(60, 18)) as (app, pilot):
        for lesson_id in LABS:
            if app.screen.lesson_id != lesson_id:
                await pilot.press("escape", "n")
                await wait_until(pilot, lambda: getattr(app.screen, "lesson_id", None) == lesson_id)
            await pilot.press("l")
            await wait_until(pilot, lambda: bool(app.screen.query(Lab)))
            await settle(pilot)
            await settle(pilot)
            text = screen_text(app)
            lab = app.screen.query_one(Lab)
            for widget in lab.query("Static"):  # what a scroll would show, too
                text += "\n" + str(getattr(widget.content, "plain", widget.content))
            if english_in(text):
                found[lesson_id] = english_in(text)
    assert not found, found


def test_plain_quiz_in_spanish_shows_no_english(store):
    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output.vt100 import Vt100_Output

    from tutor.lessons import load_course
    from tutor.plainquiz import run_plain_quiz

    course = load_course()
    screen = io.StringIO()
    output = Vt100_Output(screen, lambda: Size(rows=24, columns=80), term="xterm")
    lines: list[str] = []
    with create_pipe_input() as pipe:
        pipe.send_text("1\r" * 3 + "\x03")  # three answers, then Ctrl-C
        run_plain_quiz(store, course, course.find_quiz("1"), "es", rng=random.Random(3), out=lines.append, input=pipe, output=output)
    drawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert "Use shortcuts" not in drawn and "Cancelled by user" not in drawn
    assert "(número o flechas, y Intro)" in drawn
    # the questions' own text is course content (Spanish); the frame around it must be too
    frame = "\n".join(line for line in lines if not line.startswith("  "))
    assert not [w for w in english_in(frame) if "'the'" not in w], frame


def test_plain_progress_in_spanish_shows_no_english(capsys, store):
    from tutor.cli import main

    store.mark_done("m1-l01-inside-llms")
    attempt = store.start_attempt("m1-quiz", "quiz", "es", 10)
    store.finish_attempt(attempt, 9, 10, True)
    store.start_attempt("m2-quiz", "quiz", "es", 10)
    retake = store.start_attempt("m1-quiz", "retake", "es", 1)
    store.finish_attempt(retake, 1, 1, True)
    assert main(["progress", "--lang", "es"]) == 0
    out = capsys.readouterr().out
    assert "aprobado" in out and "sin terminar" in out
    assert "fallos" in out and "retake" not in out  # the attempt's kind, named in Spanish
    lines = [line.rsplit("[", 1)[0] for line in out.splitlines()]  # the [lesson-id] / [tutor quiz N] hints are commands
    assert not english_in("\n".join(lines)), out


# -- every path of `tutor progress`, and the other plain commands' errors, in Spanish -------------

PATH = re.compile(r"(?<![\w-])/[^\s:;,()«»]+")  # a file's path is the learner's, in no language


LESSON_ID = re.compile(r"\bm\d-l\d\d-[\w-]+")  # an id to type, like a command


VERB = re.compile(r"\btutor (lessons|lesson|quiz|progress|chat|tokenize|generate|train|fit|engine( (info|get|bpe|export))?)\b")


def plain_words(text: str) -> str:
    return VERB.sub("ORDEN", LESSON_ID.sub("ID", PATH.sub("RUTA", text)))


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    from tutor.cli import main

    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err, captured.err
    return code, captured.out, captured.err


def assert_spanish(out: str, err: str) -> None:
    text = plain_words(out + "\n" + err)
    assert not english_in(text), text


def export_data(**changes) -> dict:
    return {"format": "tutor-progress", "version": 1, "lessons": [], "attempts": []} | changes


def test_every_progress_path_in_spanish_shows_no_english(store, tmp_path, capsys):
    import json

    store.mark_done("m1-l01-inside-llms")
    target = tmp_path / "mi-progreso.json"
    code, out, err = run_cli(capsys, "progress", "--export", str(target), "--lang", "es")
    assert code == 0 and "Progreso exportado a" in out and target.exists()
    assert_spanish(out, err)

    # a good file, back in
    code, out, err = run_cli(capsys, "progress", "--import", str(target), "--lang", "es")
    assert code == 0 and out.startswith("Importado: ") and "lección(es) actualizada(s)" in out
    assert_spanish(out, err)

    # a file with entries left out, each with why: the lines and the count in Spanish
    attempt = {
        "uid": "a1", "quiz_id": "m1-quiz", "kind": "quiz", "lang": "es",
        "started_at": "2024-01-01T00:00:00+00:00", "finished_at": "2024-01-01T00:10:00+00:00",
        "score": 8, "total": 10, "passed": True, "answers": [],
    }
    edited = export_data(
        lessons=[{"lesson_id": "m9-l99-nada", "status": "done"}, {"lesson_id": "m1-l01-inside-llms", "status": "x"},
                 {"lesson_id": "m1-l01-inside-llms", "status": "reading", "position": 7}, "raro"],
        attempts=[attempt | {"uid": "b", "quiz_id": "m9-quiz"}, attempt | {"uid": "c", "lang": "klingon"},
                  attempt | {"uid": "d", "score": 99}, attempt | {"uid": "e", "total": 0}, attempt | {"uid": "", "kind": "x"},
                  attempt | {"uid": "f", "kind": "otro"}, attempt | {"uid": "g", "passed": "quizá"},
                  attempt | {"uid": "h", "started_at": "ayer"}, attempt | {"uid": "i", "answers": [{"question_id": "nada"}]}],
    )
    path = tmp_path / "editado.json"
    path.write_text(json.dumps(edited), encoding="utf-8")
    code, out, err = run_cli(capsys, "progress", "--import", str(path), "--lang", "es")
    assert code == 0 and "13 entradas omitidas (ver arriba)" in out
    assert err.count("omitida: ") == 13 and "no es un quiz de este curso" in err and "no está entre 0 y 1" in err
    assert_spanish(out, err)

    # refused whole: a newer export, not an export at all, not UTF-8, not JSON, too deep, a missing file, a folder
    refused = {
        "nueva.json": json.dumps(export_data(version=99)).encode(),
        "otra-cosa.json": json.dumps({"hola": 1}).encode(),
        "sin-version.json": json.dumps(export_data(version="1")).encode(),
        "listas.json": json.dumps(export_data(lessons={})).encode(),
        "binario.json": b"\xff\xfe no es utf-8",
        "roto.json": b'{"format": "tutor-progress",',
        "hondo.json": b"[" * 100000,
    }
    for name, content in refused.items():
        (tmp_path / name).write_bytes(content)
        code, out, err = run_cli(capsys, "progress", "--import", str(tmp_path / name), "--lang", "es")
        assert code == 2 and "No se ha cambiado nada." in err, (name, err)
        assert_spanish(out, err)
    code, out, err = run_cli(capsys, "progress", "--import", str(tmp_path / "no-existe.json"), "--lang", "es")
    assert code == 2 and "no existe el archivo" in err
    assert_spanish(out, err)
    code, out, err = run_cli(capsys, "progress", "--import", str(tmp_path), "--lang", "es")  # a folder
    assert code == 2 and "no se puede leer" in err and "es una carpeta" in err
    assert_spanish(out, err)
    code, out, err = run_cli(capsys, "progress", "--export", str(tmp_path), "--lang", "es")  # cannot write
    assert code == 1 and "no se puede escribir" in err
    assert_spanish(out, err)

    # reset: without a terminal it asks for --yes; with it, done and a backup named
    code, out, err = run_cli(capsys, "progress", "--reset", "--lang", "es")
    assert code == 2 and "confírmalo con --yes" in err
    assert_spanish(out, err)
    code, out, err = run_cli(capsys, "progress", "--reset", "--yes", "--lang", "es")
    assert code == 0 and "Progreso borrado" in out
    assert_spanish(out, err)


def test_a_store_that_cannot_open_explains_in_spanish(tutor_home, capsys):
    (tutor_home / "tutor.sqlite3").mkdir(parents=True)  # the file is a folder
    code, out, err = run_cli(capsys, "progress", "--lang", "es")
    assert code == 1 and "es una carpeta" in err
    assert_spanish(out, err)


def test_the_plain_commands_errors_in_spanish_show_no_english(store, capsys):
    store.set_setting("lang", "es")  # the verbs without --lang answer in the remembered language
    cases = [
        (["quiz", "9", "--lang", "es"], "quiz desconocido"),
        (["quiz", "1", "--lang", "es"], "necesita una terminal interactiva"),  # pytest's capture is no terminal
        (["lesson", "99", "--lang", "es"], "lección desconocida"),
        (["lesson", "4"], "La app tutor necesita una terminal"),
        (["chat"], "La app tutor necesita una terminal"),
        (["quiz", "1", "--lang", "xx"], "valor no válido"),  # argparse's own phrase
        (["progress", "--export", "a", "--import", "b"], "no se puede usar junto con"),
        (["quiz"], "faltan estos argumentos"),
        (["lessons", "--nada"], "argumentos desconocidos"),
        (["train", "--steps", "muchos"], "no es un número entero"),
        (["train", "--steps", "0"], "no está entre"),
        (["train", "--out", "/proc/nada/x.pt"], "no se puede escribir en"),
        (["train", "--out", "/"], "es una carpeta"),
        (["generate", "La", "--temperature", "caliente"], "no es un número"),
        (["generate", "La", "--temperature", "inf"], "no es un número finito"),
        (["generate", "   "], "el texto de partida está vacío"),
        (["tokenize", "hola", "--encoding", "nada"], "codificación desconocida"),
        (["engine", "get", "nada"], "modelo desconocido"),
        (["engine", "export", "--gguf", "/"], "nombra una carpeta"),
        (["fit", "--ctx", "mucho"], "debe ser un número entero positivo"),
        (["fit", "--ram", "-1GiB"], "el tamaño debe ser positivo"),
        (["fit", "--ram", "mucha"], "no es un tamaño"),
        (["fit", "--gpu", "cuda"], "necesita TIPO:TAMAÑO"),
        (["fit", "--gpu", "tpu:8GiB"], "tipo de GPU desconocido"),
        (["fit", "--gpu", "metal:8GiB,metal:8GiB"], "una sola GPU unificada"),
    ]
    for argv, expected in cases:
        code, out, err = run_cli(capsys, *argv)
        assert code in (1, 2) and expected in err, (argv, err)
        assert_spanish(out, err)


def test_a_read_only_store_and_a_moved_aside_one_explain_in_spanish(tutor_home, monkeypatch, capsys, tmp_path):
    import sqlite3

    from tutor.store import SCHEMA_VERSION

    monkeypatch.setenv("TUTOR_HOME", "/proc/tutor-cannot-be-here/data")  # no folder can be made there
    code, out, err = run_cli(capsys, "progress", "--lang", "es")
    assert code == 0 and "solo lectura: No se puede crear la carpeta" in err and "no se guardará" in err
    assert_spanish("", err)  # (the course listing itself is scanned above)
    code, out, err = run_cli(capsys, "progress", "--reset", "--yes", "--lang", "es")
    assert code == 1 and "no se ha cambiado nada" in err
    assert_spanish(out, err)
    code, out, err = run_cli(capsys, "progress", "--import", str(tmp_path / "x.json"), "--lang", "es")
    assert code == 1 and "no se ha cambiado nada" in err
    assert_spanish(out, err)

    home = tmp_path / "casa"
    home.mkdir()
    monkeypatch.setenv("TUTOR_HOME", str(home))
    conn = sqlite3.connect(home / "tutor.sqlite3")  # an SQLite file, but not a whole tutor store
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.commit()
    conn.close()
    code, out, err = run_cli(capsys, "progress", "--lang", "es")
    assert code == 0 and "se ha apartado a" in err and "le faltan las tablas" in err
    assert_spanish("", err)


def test_the_engine_verbs_report_in_spanish(store, capsys):
    import io

    from tutor.engine import cli as engine_cli
    from tutor.engine.training import TrainEvent
    from tutor.i18n import set_message_lang

    store.set_setting("lang", "es")
    code, out, err = run_cli(capsys, "tokenize", "El gato 🦙")
    assert code == 0 and "codificación: gpt2" in out and "palabras: 3" in out and "parte de '🦙'" in out
    assert_spanish(out.replace("El gato", ""), err)  # the text itself is the learner's
    previous = set_message_lang("es")  # what main() does for `tutor train` when the learner chose Spanish
    try:
        drawn = io.StringIO()
        engine_cli.show_progress(
            [TrainEvent(1, 2, 5.0, 4.5, 1e-3, 100.0, "hola", 1.0), TrainEvent(2, 2, 4.0, 4.2, 1e-4, 100.0, None, 2.0, done=True)],
            drawn, tty=False,
        )
    finally:
        set_message_lang(previous)
    text = drawn.getvalue()
    assert "paso 2/2" in text and "pérdida 4.000 val 4.200" in text and "muestra: 'hola'" in text and "quedan 0:00" in text
    assert_spanish(text, "")


# -- the engine's errors, as the labs show them (issue 11, item 3) -------------------------------


def notices(app) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def open_lab(pilot):
    from tutor.app.labs.base import Lab

    await pilot.press("l")
    await wait_until(pilot, lambda: bool(pilot.app.screen.query(Lab)))
    await settle(pilot)
    return pilot.app.screen.query_one(Lab)


LAB8 = {"screen": "lesson", "lesson_id": "m2-l08-gpt2-from-scratch"}


async def test_lab8_in_spanish_says_why_gpt2_cannot_be_downloaded_offline(run_app):
    """GPT-2 asked for with nothing cached and HF_HUB_OFFLINE=1 (conftest): the missing model's
    note, then ctrl+g's refusal from the hub module, all in Spanish."""
    from labkit import press

    from tutor.engine import registry

    registry.forget_loaded()
    async with run_app(lang="es", start=LAB8) as (app, pilot):
        lab = await open_lab(pilot)
        await press(pilot, "m")
        await wait_until(pilot, lambda: lab.model_missing == "gpt2")
        await press(pilot, "ctrl+g")
        await wait_until(pilot, lambda: lab.model_download is None and "No se pudo descargar" in notices(app))
        said = notices(app)
    assert "no se puede descargar gpt2 (548.1 MB): HF_HUB_OFFLINE está activado" in said, said
    assert "Conéctate a internet" in said
    assert not english_in(plain_words(said)), said


async def test_lab8_in_spanish_says_why_a_cached_model_does_not_load(run_app, hf_cache_isolated):
    """A "gpt2" in the cache that is another architecture: the registry's refusal, in Spanish."""
    import json

    from hf_gpt2 import COMMIT, REPO_ID
    from labkit import press

    from tutor.engine import registry

    snapshot = hf_cache_isolated / ("models--" + REPO_ID.replace("/", "--")) / "snapshots" / COMMIT
    snapshot.mkdir(parents=True)
    (hf_cache_isolated / ("models--" + REPO_ID.replace("/", "--")) / "refs").mkdir()
    (snapshot.parent.parent / "refs" / "main").write_text(COMMIT)
    (snapshot / "config.json").write_text(json.dumps({"model_type": "llama"}))
    (snapshot / "model.safetensors").write_bytes(b"\0" * 16)
    registry.forget_loaded()
    async with run_app(lang="es", start=LAB8) as (app, pilot):
        lab = await open_lab(pilot)
        await press(pilot, "m")
        await wait_until(pilot, lambda: lab.model_pending is None and "No se pudo cargar" in notices(app))
        said = notices(app)
    registry.forget_loaded()
    assert "es un modelo 'llama', no GPT-2" in said, said
    assert not english_in(plain_words(said)), said


def test_the_engine_errors_follow_the_message_language():
    """str() of a Said error is in the message language; text(lang) in any; nested parts follow."""
    from tutor.engine import hub
    from tutor.engine.registry import HUB_MODELS
    from tutor.i18n import Phrase, set_message_lang

    error = hub.offline_error(HUB_MODELS["gpt2"], Phrase("engine.hub.why.unreachable", detail="x"), "unreachable")
    assert str(error).startswith("cannot download gpt2 (548.1 MB): the hub is unreachable (x).")
    set_message_lang("es")
    assert str(error).startswith("no se puede descargar gpt2 (548.1 MB): no se llega al hub (x).")
    assert error.text("en").startswith("cannot download gpt2")
    removed = hub.DownloadError("engine.hub.removed", "corrupt", reason=hub.DownloadError(
        "engine.hub.arrived_damaged", "corrupt", filename="model.safetensors"), name="gpt2")
    assert str(removed).startswith("model.safetensors llegó dañado") and "se ha borrado" in str(removed)
    assert not english_in(plain_words(str(removed)))
    import pickle

    copied = pickle.loads(pickle.dumps(removed))  # the key, values and kind come back; args stay English
    assert str(copied) == str(removed) and copied.kind == "corrupt" and copied.args[0].startswith("model.safetensors arrived")


# -- `tutor fit` and `tutor engine info` in Spanish (issue 11, item 3) ----------------------------


@pytest.fixture
def dead_ollama(monkeypatch) -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        host = f"127.0.0.1:{sock.getsockname()[1]}"  # nothing listens there once closed
    monkeypatch.setenv("OLLAMA_HOST", host)
    return host


def test_tutor_fit_reports_in_spanish(store, capsys, dead_ollama):
    import json

    code, out, err = run_cli(capsys, "--lang", "es", "fit", "--gpu", "cuda:8GiB", "--ram", "8GiB")
    assert code == 0, err
    assert "¿funcionará aquí?" in out and "Esta máquina (supuesto)" in out and "cuda (supuesta)" in out
    assert "Ollama no responde en" in out and "nada responde en" in out
    assert "VEREDICTO" in out and "cabe en la GPU" in out and "NO CARGARÁ (necesita" in out
    cpu_line = next(line for line in out.splitlines() if line.startswith("  CPU "))
    assert_spanish(out.replace(cpu_line, ""), err)  # the processor's name is the machine's own
    code, out, err = run_cli(capsys, "--lang", "es", "fit", "--gpu", "none", "--ram", "64GiB", "--model", "qwen3:8b")
    assert code == 0 and "solo CPU" in out
    assert_spanish(out.replace(next(line for line in out.splitlines() if line.startswith("  CPU ")), ""), err)
    code, out, _ = run_cli(capsys, "--lang", "es", "fit", "--json", "--gpu", "none", "--ram", "8GiB")
    doc = json.loads(out)
    assert code == 0 and doc["ollama"]["reason_kind"] == "unreachable"  # the reason itself stays as the server library said
    said = [m["verdict_text"] for m in doc["recommendations"]] + [n for m in doc["recommendations"] for n in m["notes"]]
    assert "solo CPU: " in said[0] and any(n.startswith("contexto ") for n in said), said
    assert not english_in("\n".join(said)), said  # the keys stay English: they are for scripts


def test_tutor_fit_reports_installed_models_in_spanish(store, capsys, monkeypatch):
    from fit_cases import load_cases
    from servers.ollama_server import OllamaStub

    case = next(c for c in load_cases() if c["id"] == "llama3-8b-q4_0-issue-7622")
    m = case["model"]
    with OllamaStub(models={m["name"]: {"model_info": m["model_info"], "tensors": m["tensors"],
                                        "details": m["details"], "size": 4_661_211_808}}, version="0.4.1") as stub:
        monkeypatch.setenv("OLLAMA_HOST", stub.url)
        code, out, err = run_cli(capsys, "--lang", "es", "fit", "--gpu", "cuda:20GiB", "--ram", "50GiB")
    assert code == 0 and "Ollama 0.4.1 en" in out and "\nModelos\n" in out and "llama3:8b" in out
    assert_spanish(out.replace(next(line for line in out.splitlines() if line.startswith("  CPU ")), ""), err)

    with OllamaStub(models={}, version="0.4.1") as stub:  # it answers, with nothing installed
        monkeypatch.setenv("OLLAMA_HOST", stub.url)
        code, out, err = run_cli(capsys, "--lang", "es", "fit", "--gpu", "none", "--ram", "8GiB")
    assert code == 0 and "No hay modelos instalados que comprobar: Ollama responde pero no tiene modelos" in out
    assert_spanish(out.replace(next(line for line in out.splitlines() if line.startswith("  CPU ")), ""), err)
    broken = {"model_info": {"general.architecture": "llama"}, "tensors": [{"name": "x", "type": 99, "shape": [1]}],
              "details": m["details"], "size": 1000}
    with OllamaStub(models={"roto:1b": broken}, version="0.4.1") as stub:  # a model the fit check cannot read
        monkeypatch.setenv("OLLAMA_HOST", stub.url)
        code, out, err = run_cli(capsys, "--lang", "es", "fit", "--gpu", "none", "--ram", "8GiB")
    assert code == 0 and "error: tipo de tensor desconocido, id 99" in out, out
    assert_spanish(out.replace(next(line for line in out.splitlines() if line.startswith("  CPU ")), ""), err)


def test_tutor_engine_info_reports_in_spanish(store, capsys):
    from tutor.engine.pretrained import shipped_model_path

    code, out, err = run_cli(capsys, "--lang", "es", "engine", "info", "--gpt2")
    assert code == 0 and "12 capas, 12 cabezas" in out and "embedding de tokens" in out and "0 parámetros nuevos" in out
    assert_spanish(out, err)
    if shipped_model_path().is_file():
        code, out, err = run_cli(capsys, "--lang", "es", "engine", "info")
        assert code == 0 and "mini GPT del curso" in out and "posiciones aprendidas" in out and "dispositivo" in out
        assert_spanish(out, err)
    code, out, err = run_cli(capsys, "--lang", "es", "engine", "info", "--model", "gpt2")  # not downloaded
    assert code == 2 and "aún no está descargado" in err
    assert_spanish(out, err)


def test_tutor_engine_info_of_a_downloaded_gpt2_in_spanish(store, capsys, hf_cache_isolated, tmp_path):
    pytest.importorskip("transformers")
    from hf_gpt2 import REPO_ID, populate_cache, write_tiny_gpt2

    from tutor.engine import registry

    populate_cache(hf_cache_isolated, write_tiny_gpt2(tmp_path / "tiny"), REPO_ID)
    registry.forget_loaded()
    try:
        code, out, err = run_cli(capsys, "--lang", "es", "engine", "info", "--model", "gpt2")
    finally:
        registry.forget_loaded()
    assert code == 0 and "2 capas, 2 cabezas" in out and "formato GPT-2 de Hugging Face" in out, err
    assert_spanish(out, err)


# -- `tutor --help` in Spanish --------------------------------------------------------------------


def every_parser():
    import argparse

    from tutor.cli import build_parser

    found, todo = [], [build_parser()]
    while todo:
        parser = todo.pop()
        found.append(parser)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                todo += [p for p in dict.fromkeys(action.choices.values()) if p not in found]
    return found


def test_every_option_has_its_spanish_help():
    import argparse

    from tutor.i18n_help import ARGPARSE, HELP

    missing = []
    for parser in every_parser():
        texts = [parser.description] + [a.help for a in parser._actions]
        for action in parser._actions:
            texts += [c.help for c in getattr(action, "_choices_actions", ())]
        missing += [f"{parser.prog}: {text!r}" for text in texts
                    if text not in (None, argparse.SUPPRESS) and text not in HELP["es"] and text not in ARGPARSE["es"]]
    assert not missing, "\n".join(missing)


def test_help_in_spanish_shows_no_english(store, capsys):
    verbs = set()
    for parser in every_parser():
        verbs.add(parser.prog.split()[-1])
    argvs = [["--help"]] + [[*parser.prog.split()[1:], "--help"] for parser in every_parser() if parser.prog != "tutor"]
    for argv in argvs:
        code, out, err = run_cli(capsys, "--lang", "es", *argv)
        assert code == 0 and out.startswith("uso: tutor") and "opciones:" in out, (argv, out)
        assert "usage:" not in out and "show this help" not in out
        # the verbs' names and the options' own words (--model-path, NAME) are what one types
        words = "\n".join(" ".join(w for w in line.split() if w not in verbs and not w.startswith(("-", "[-", "{")) and not w.isupper())
                          for line in out.splitlines())
        assert_spanish(words, err)
    store.set_setting("lang", "es")  # the remembered language, without --lang
    code, out, _ = run_cli(capsys, "quiz", "--help")
    assert out.startswith("uso: tutor quiz") and "número de módulo" in out
    code, out, _ = run_cli(capsys, "--lang", "en", "quiz", "--help")
    assert out.startswith("usage: tutor quiz") and "module number (1 or 2)" in out


# -- the fit check's verdict, as the chat shows it ------------------------------------------------


async def test_the_chat_shows_the_fit_checks_verdict_in_spanish(run_app, monkeypatch, store):
    from servers.chat_support import hardware, install_catalogue_model, until
    from servers.ollama_server import OllamaStub
    from test_chat_app import ask, open_chat, panel_text

    with OllamaStub(version="0.12.6") as stub:
        install_catalogue_model(stub, "qwen3:32b")
        monkeypatch.setenv("OLLAMA_HOST", stub.host)
        stub.chat_mode = "oom"
        async with run_app(lang="es") as (app, pilot):
            screen = await open_chat(app, pilot, fit_hardware=hardware("none", "8GiB"))
            await until(pilot, lambda: screen.fit is not None and screen.model == "qwen3:32b")
            await ask(pilot, screen, "hola")
            text = panel_text(screen)
    assert "Comprobación de memoria: no cargará: necesita" in text and "de memoria del sistema, hay" in text, text
    verdict_line = next(line for line in text.splitlines() if line.startswith("Comprobación de memoria"))
    assert not english_in(verdict_line), verdict_line


def test_the_engine_verbs_errors_from_the_engine_in_spanish(store, capsys, tmp_path):
    """Errors raised inside the engine (a device, a model folder, the hub offline), as the verbs print them."""
    (tmp_path / "vacia").mkdir()
    cases = [
        (["generate", "Hola", "--device", "tpu"], "dispositivo desconocido 'tpu'"),
        (["train", "--device", "tpu", "--steps", "1"], "dispositivo desconocido 'tpu'"),
        (["generate", "Hola", "--model-path", str(tmp_path / "no-existe")], "no existe la carpeta"),
        (["generate", "Hola", "--model-path", str(tmp_path / "vacia")], "no es una carpeta de modelo de Hugging Face"),
        (["generate", "Hola", "--model", "gpt2"], "aún no está descargado"),
        (["engine", "get", "gpt2", "--yes"], "HF_HUB_OFFLINE está activado"),
    ]
    for argv, expected in cases:
        code, out, err = run_cli(capsys, "--lang", "es", *argv)
        assert code in (1, 2) and expected in err, (argv, err)
        assert_spanish(out, err)

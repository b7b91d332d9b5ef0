"""The engine's CLI verbs, through tutor.cli.main and through `python -m tutor`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tutor.cli import main
from tutor.engine import cli as engine_cli
from tutor.engine.pretrained import shipped_model_path

needs_model = pytest.mark.skipif(not shipped_model_path().is_file(), reason="no shipped model yet")


def run_module(*args: str, env=None, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args], capture_output=True, text=True, env=env, input=input, timeout=120, check=False
    )


def test_tokenize_gpt2(capsys):
    assert main(["tokenize", "Hello world"]) == 0
    out = capsys.readouterr().out
    assert "gpt2" in out and "50,257" in out
    assert "15496" in out and "'Hello'" in out
    assert "995" in out and "' world'" in out
    assert "tokens: 2" in out and "words x 1.3 estimate: 3" in out


def test_tokenize_cl100k_and_course(capsys):
    assert main(["tokenize", "hello world", "--encoding", "cl100k_base"]) == 0
    out = capsys.readouterr().out
    assert "15339" in out and "1917" in out
    assert main(["tokenize", "La atención", "-e", "course"]) == 0
    assert "course" in capsys.readouterr().out


def test_tokenize_shows_partial_characters_as_bytes(capsys):
    assert main(["tokenize", "🦙", "-e", "gpt2"]) == 0
    out = capsys.readouterr().out
    assert "bytes f0" in out and "part of '🦙'" in out and "rest of the character above" in out


def test_tokenize_bad_encoding_is_one_line_and_exit_2(capsys):
    assert main(["tokenize", "hola", "--encoding", "gpt5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "gpt5" in err and "cl100k_base" in err


def test_tokenize_subprocess_and_stdin(tutor_env):
    done = run_module("tokenize", "Hello world", env=tutor_env)
    assert done.returncode == 0 and "15496" in done.stdout
    done = run_module("tokenize", "-", env=tutor_env, input="hello world")
    assert done.returncode == 0 and "tokens: 2" in done.stdout
    done = run_module("tokenize", "x", "--encoding", "nope", env=tutor_env)
    assert done.returncode == 2 and done.stderr.startswith("tutor: error:") and done.stderr.count("\n") == 1


def test_generate_empty_prompt_is_an_error(capsys):
    assert main(["generate", "   "]) == 2
    err = capsys.readouterr().err
    assert "empty" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [["--temperature", "-1"], ["--top-p", "0"], ["--top-p", "1.5"], ["--max-tokens", "0"], ["--top-k", "-2"], ["--device", "tpu"]],
)
def test_generate_bad_options(capsys, args):
    assert main(["generate", "hola", *args]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@needs_model
def test_generate_is_seeded(capsys):
    assert main(["generate", "La atención", "--seed", "7", "--max-tokens", "15"]) == 0
    first = capsys.readouterr().out
    assert main(["generate", "La atención", "--seed", "7", "--max-tokens", "15"]) == 0
    assert capsys.readouterr().out == first
    assert first.startswith("La atención") and len(first) > len("La atención\n")
    assert main(["generate", "La atención", "--temperature", "0", "--max-tokens", "10"]) == 0


@needs_model
def test_generate_subprocess(tutor_env):
    done = run_module("generate", "El token", "--max-tokens", "8", "--seed", "1", "--device", "cpu", env=tutor_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("El token")


@needs_model
def test_engine_info(capsys):
    assert main(["engine", "info"]) == 0
    out = capsys.readouterr().out
    assert "course mini GPT" in out and "wte" in out and "total" in out and "held-out loss" in out


def test_engine_info_gpt2(capsys):
    assert main(["engine", "info", "--gpt2"]) == 0
    out = capsys.readouterr().out
    assert "124,439,808" in out and "38,597,376" in out and "786,432" in out


def test_engine_bpe_retrains(tmp_path, capsys):
    out = tmp_path / "bpe.tiktoken"
    assert main(["engine", "bpe", "--vocab-size", "300", "--out", str(out)]) == 0
    assert out.is_file() and len(out.read_bytes().splitlines()) == 299
    assert "43 merges" in capsys.readouterr().out
    assert main(["engine", "bpe", "--vocab-size", "10"]) == 2


def test_train_bad_steps(capsys):
    assert main(["train", "--steps", "0"]) == 2
    assert main(["train", "--device", "quantum"]) == 2


def test_train_short_run_with_progress(tmp_path, capsys):
    out = tmp_path / "m.pt"
    assert main(["train", "--steps", "3", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "step 3/3" in text and "saved" in text and "unigram" in text
    from tutor.engine.training import load_checkpoint

    model, meta = load_checkpoint(out)
    assert meta["steps_done"] == 3 and meta["created_by"] == "tutor train"
    assert model.config.vocab_size == 3072 or model.config.vocab_size > 256


def test_progress_line():
    from tutor.engine.training import TrainEvent

    line = engine_cli.progress_line(TrainEvent(50, 200, 3.21, 3.5, 1e-3, 1234.0, None, 10.0))
    assert line.startswith("step  50/200 [######..................]  25%")
    assert "loss 3.210 val 3.500" in line and "1,234 tok/s" in line and "0:10 elapsed, 0:30 left" in line


def test_show_progress_tty_and_lines():
    import io

    from tutor.engine.training import TrainEvent

    events = [
        TrainEvent(1, 3, 5.0, None, 1e-3, 100.0, None, 1.0),
        TrainEvent(2, 3, 4.0, 4.5, 1e-3, 100.0, "hola", 2.0),
        TrainEvent(3, 3, 3.0, 4.2, 1e-4, 100.0, None, 3.0, done=True),
    ]
    tty = io.StringIO()
    engine_cli.show_progress(events, tty, tty=True)
    text = tty.getvalue()
    assert text.count("\r") == 3 and "step 1/3" in text and "sample: 'hola'" in text and text.endswith("\n")
    plain = io.StringIO()
    engine_cli.show_progress(events, plain, tty=False)
    lines = plain.getvalue().splitlines()
    assert "\r" not in plain.getvalue()
    assert [line.split()[1] for line in lines if line.startswith("step")] == ["2/3", "3/3"]


def test_engine_without_action_prints_help(capsys):
    assert main(["engine"]) == 0
    assert "info" in capsys.readouterr().out

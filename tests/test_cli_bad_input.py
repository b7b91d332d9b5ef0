"""Bad command lines, full disks and edited imports: a clear line and an exit code, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.cli import main
from tutor.lessons import load_course
from tutor.store import open_store

L1 = "m1-l01-inside-llms"


def one_line(err: str) -> str:
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["generate", "hola", "--temperature", "nan"], "not a finite number"),
        (["generate", "hola", "--temperature", "inf"], "not a finite number"),
        (["generate", "hola", "--temperature", "-inf"], "not a finite number"),
        (["generate", "hola", "--temperature", "11"], "not in [0, 10]"),
        (["generate", "hola", "--top-p", "nan"], "not a finite number"),
        (["generate", "hola", "--seed", "99999999999999999999999"], "not between 0 and"),
        (["generate", "hola", "--seed", "-1"], "not between 0 and"),
        (["generate", "hola", "--seed", "1e3"], "not a whole number"),
        (["generate", "hola", "--max-tokens", "10000000000"], "not between 1 and 10,000"),
        (["train", "--steps", "1", "--out", "/proc/nope/x.pt"], "cannot write in /proc"),
        (["train", "--steps", "99999999999999999999"], "not between 1 and"),
        (["train", "--threads", "0"], "not between 1 and 256"),
        (["train", "--seed", "2" * 40], "not a whole number"),
        (["engine", "bpe", "--vocab-size", "10"], "not between 257"),
        (["engine", "bpe", "--out", "/proc/x.tiktoken"], "cannot write in /proc"),
        (["fit", "--ram", "-1GiB"], "size must be positive"),
        (["fit", "--gpu", "-1"], "--gpu"),
        (["generate", "hola", "--temperature", "--seed", "3"], "expected one argument"),
    ],
)
def test_a_bad_value_is_one_line_and_exit_2(capsys, argv, says):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert says in one_line(captured.err)
    assert "training" not in captured.out  # nothing started


def test_out_path_is_checked_before_training(tmp_path, capsys):
    (tmp_path / "folder").mkdir()
    assert main(["train", "--steps", "1", "--out", str(tmp_path / "folder")]) == 2
    assert "is a folder" in one_line(capsys.readouterr().err)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["train", "--steps", "1", "--out", str(blocker / "m.pt")]) == 2
    assert "not a folder" in one_line(capsys.readouterr().err)


def run_tutor(tutor_cmd, tutor_env, args, stdout) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*tutor_cmd, *args], env=tutor_env, stdout=stdout, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL, text=True, timeout=120,
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["lessons"], ["tokenize", "hola mundo"], ["progress", "--export", "-"], ["fit", "--json", "--host", "127.0.0.1:9"]])
def test_a_full_disk_on_stdout_is_one_line_and_exit_1(tutor_cmd, tutor_env, args):
    with open("/dev/full", "w") as full:
        done = run_tutor(tutor_cmd, tutor_env, args, full)
    assert done.returncode == 1
    assert "No space left" in one_line(done.stderr)


def test_a_reader_that_goes_away_is_quiet(tutor_cmd, tutor_env):
    """`tutor tokenize LONG | head -1`: exit 1, nothing on stderr."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before we write
    with os.fdopen(write, "w") as pipe:
        done = run_tutor(tutor_cmd, tutor_env, ["tokenize", "hola " * 5000], pipe)
    assert done.returncode == 1 and done.stderr == ""


# -- import -------------------------------------------------------------------------------------


def export_with(**changes) -> dict:
    data = {"format": "tutor-progress", "version": 1, "lessons": [], "attempts": []}
    data.update(changes)
    return data


def attempt(**changes) -> dict:
    base = {
        "uid": "a1", "quiz_id": "m1-quiz", "kind": "quiz", "lang": "es",
        "started_at": "2024-01-01T00:00:00+00:00", "finished_at": "2024-01-01T00:10:00+00:00",
        "score": 8, "total": 10, "passed": True, "answers": [],
    }
    return base | changes


def do_import(tmp_path, capsys, data) -> tuple[int, str, str]:
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data))
    code = main(["progress", "--import", str(path)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def test_the_issues_edited_export_changes_nothing_it_should_not(store, tmp_path, capsys):
    """Version 99 is refused whole; the same entries under version 1 are skipped, each with why."""
    lessons = [
        {"lesson_id": "m9-l99-nope", "status": "done"},
        {"lesson_id": L1, "status": "reading", "position": 1e308},
    ]
    attempts = [attempt(uid="u1", quiz_id="m9-quiz"), attempt(uid="u2", lang="klingon"), attempt(uid="u3", score=99)]
    code, out, err = do_import(tmp_path, capsys, export_with(version=99, lessons=lessons, attempts=attempts))
    assert code == 2 and "newer tutor" in err and "Nothing was changed" in err
    code, out, err = do_import(tmp_path, capsys, export_with(lessons=lessons, attempts=attempts))
    assert code == 0 and "0 lesson(s) updated, 0 quiz attempt(s) added; 5 entries skipped" in out
    assert "'m9-l99-nope': not a lesson of this course" in err
    assert "position 1e+308 is not between 0 and 1" in err
    assert "not a quiz of this course" in err and "'klingon'" in err and "score 99 is not between 0 and the total 10" in err
    assert store.all_lesson_progress() == {} and store.attempts() == []
    assert main(["lessons", "--lang", "en"]) == 0
    assert "%" not in capsys.readouterr().out.split("Course progress")[1].split("\n", 1)[1]  # no "best: 990%"


def test_good_entries_go_in_beside_skipped_ones(store, tmp_path, capsys):
    bank = load_course().modules[0]
    from tutor.quiz import load_bank

    question = load_bank(bank.id)[0]
    good = attempt(uid="good", answers=[{"question_id": question.id, "chosen": 0, "correct": False}])
    bad_answer = attempt(uid="bad", answers=[{"question_id": question.id, "chosen": 99, "correct": True}])
    data = export_with(lessons=[{"lesson_id": L1, "status": "done", "position": 0.5}], attempts=[good, bad_answer])
    code, out, err = do_import(tmp_path, capsys, data)
    assert code == 0 and "1 lesson(s) updated, 1 quiz attempt(s) added; 1 entry skipped" in out
    assert "chose option 99" in err
    assert store.lesson_progress(L1).status == "done" and [a.uid for a in store.attempts()] == ["good"]
    assert store.best_score("m1-quiz") == pytest.approx(0.8)


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe not utf-8", b"[" * 100000, json.dumps(export_with(version="1")).encode(), json.dumps(export_with(lessons={})).encode()],
)
def test_unreadable_imports_are_refused_in_one_line(store, tmp_path, capsys, content):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    assert main(["progress", "--import", str(path)]) == 2
    assert "Nothing was changed" in one_line(capsys.readouterr().err)


def test_many_skipped_entries_are_counted_not_all_listed(store, tmp_path, capsys):
    lessons = [{"lesson_id": f"nope-{i}", "status": "done"} for i in range(50)]
    code, out, err = do_import(tmp_path, capsys, export_with(lessons=lessons))
    assert code == 0 and "50 entries skipped" in out
    assert err.count("\n") == 21 and "skipped 30 more entries" in err


def test_import_skips_control_characters_as_escapes(store, tmp_path, capsys):
    code, out, err = do_import(tmp_path, capsys, export_with(lessons=[{"lesson_id": "\x1b[31mred", "status": "done"}]))
    assert code == 0 and "\x1b" not in err and "\\x1b" in err


def test_store_open_needs_no_course(tutor_home):
    """vet_import is the CLI's; the store still takes a well-formed export as it did."""
    store = open_store()
    try:
        assert store.import_progress(export_with(lessons=[{"lesson_id": L1, "status": "done"}])) == (1, 0)
    finally:
        store.close()


def test_python_m_tutor_exit_codes_survive_a_bad_value(tutor_env):
    done = subprocess.run([sys.executable, "-m", "tutor", "generate", "x", "-t", "nan"], env=tutor_env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "not a finite number" in one_line(done.stderr)

"""The SQLite store: schema, migrations, damaged files, permissions, concurrent writers, export/import."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from tutor.paths import data_dir, store_path
from tutor.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreError, open_store

L1, L2, L3 = "m1-l01-inside-llms", "m1-l02-context-to-deployment", "m1-l03-history"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def make_v1_file(path: Path) -> None:
    """A progress file as the first release wrote it: MIGRATIONS[0] only, user_version 1."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO setting (key, value) VALUES ('lang', 'es')")
    conn.execute(
        "INSERT INTO lesson_progress (lesson_id, status, position, updated_at, completed_at) "
        "VALUES (?, 'done', 0, '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00')",
        (L1,),
    )
    conn.execute(
        "INSERT INTO lesson_progress (lesson_id, status, position, updated_at) "
        "VALUES (?, 'reading', 0.5, '2024-01-02T00:00:00+00:00')",
        (L2,),
    )
    conn.execute(
        "INSERT INTO quiz_attempt (uid, quiz_id, kind, lang, started_at, finished_at, score, total, passed) "
        "VALUES ('old-attempt', 'm1-quiz', 'quiz', 'es', '2024-01-03T00:00:00+00:00', "
        "'2024-01-03T00:10:00+00:00', 8, 10, 1)"
    )
    conn.execute(
        "INSERT INTO quiz_answer (attempt_id, question_id, chosen, correct, answered_at) "
        "VALUES (1, 'm1-q01', 2, 1, '2024-01-03T00:01:00+00:00')"
    )
    conn.commit()
    conn.close()


# -- a fresh store -----------------------------------------------------------------------------


def test_fresh_store_lives_in_tutor_home_with_current_schema(store, tutor_home):
    assert store.path == tutor_home / "tutor.sqlite3" == store_path()
    assert store.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
    assert store.recovered_from is None
    assert {"setting", "lesson_progress", "quiz_attempt", "quiz_answer", "chat", "message"} <= tables(store.path)


def test_wal_mode_and_busy_timeout(store):
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    finally:
        conn.close()
    assert store._conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_file_is_private_and_folder_is_private(store, tutor_home):
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tutor_home).st_mode) == 0o700
    assert data_dir() == tutor_home


def test_settings_and_last_location(store):
    assert store.get_setting("lang") is None
    assert store.get_setting("lang", "en") == "en"
    store.set_setting("lang", "es")
    store.set_setting("lang", "en")
    assert store.get_setting("lang") == "en"
    assert store.last_location() is None
    store.set_last_location({"screen": "lesson", "lesson_id": L3, "position": 0.25})
    assert store.last_location() == {"screen": "lesson", "lesson_id": L3, "position": 0.25}
    store.set_setting("last_location", "not json")
    assert store.last_location() is None
    store.set_setting("last_location", "[1, 2]")
    assert store.last_location() is None


def test_lesson_status_moves_forward_and_done_is_never_demoted(store):
    assert store.lesson_progress(L1).status == "not_started"
    store.mark_reading(L1, 0.4)
    progress = store.lesson_progress(L1)
    assert (progress.status, progress.position, progress.completed_at) == ("reading", 0.4, None)
    store.mark_reading(L1)  # no position: keep the old one
    assert store.lesson_progress(L1).position == 0.4
    store.mark_done(L1)
    done = store.lesson_progress(L1)
    assert done.status == "done" and done.completed_at
    store.mark_reading(L1, 0.9)
    again = store.lesson_progress(L1)
    assert again.status == "done" and again.position == 0.9 and again.completed_at == done.completed_at
    store.mark_done(L1)
    assert store.lesson_progress(L1).completed_at == done.completed_at
    assert set(store.all_lesson_progress()) == {L1}


def test_attempts_answers_and_best_score(store):
    first = store.start_attempt("m1-quiz", "quiz", "en", 10)
    store.record_answer(first, "m1-q01", 2, True)
    store.record_answer(first, "m1-q02", 0, False)
    store.record_answer(first, "m1-q02", 1, True)  # answering again replaces, never duplicates
    rows = store.answers(first)
    assert [(r["question_id"], r["chosen"], r["correct"]) for r in rows] == [("m1-q01", 2, 1), ("m1-q02", 1, 1)]
    assert store.best_score("m1-quiz") is None  # unfinished attempts do not count
    store.finish_attempt(first, 6, 10, False)
    retake = store.start_attempt("m1-quiz", "retake", "en", 4)
    store.finish_attempt(retake, 4, 4, True)
    assert store.best_score("m1-quiz") == pytest.approx(0.6)  # a retake of the misses is not a score
    second = store.start_attempt("m1-quiz", "quiz", "es", 10)
    store.finish_attempt(second, 9, 10, True)
    assert store.best_score("m1-quiz") == pytest.approx(0.9)
    attempts = store.attempts("m1-quiz")
    assert [(a.kind, a.score, a.passed) for a in attempts] == [("quiz", 6, False), ("retake", 4, True), ("quiz", 9, True)]
    assert len({a.uid for a in attempts}) == 3
    assert store.attempts("m2-quiz") == [] and store.best_score("m2-quiz") is None


# -- migrations --------------------------------------------------------------------------------


def test_migrates_a_v1_file_and_keeps_its_data(tutor_home):
    path = tutor_home / "tutor.sqlite3"
    make_v1_file(path)
    assert "chat" not in tables(path)
    store = open_store()
    try:
        assert store.recovered_from is None
        assert store.schema_version == SCHEMA_VERSION
        assert {"chat", "message"} <= tables(path)
        assert store.get_setting("lang") == "es"
        assert store.lesson_progress(L1).status == "done"
        assert store.lesson_progress(L2).position == 0.5
        [attempt] = store.attempts("m1-quiz")
        assert (attempt.uid, attempt.score, attempt.passed) == ("old-attempt", 8, True)
        assert [r["question_id"] for r in store.answers(attempt.id)] == ["m1-q01"]
        store.mark_done(L2)  # and it is writable afterwards
    finally:
        store.close()
    assert list(tutor_home.glob("*.corrupt-*")) == []
    reopened = open_store()
    try:
        assert reopened.schema_version == SCHEMA_VERSION and reopened.lesson_progress(L2).status == "done"
    finally:
        reopened.close()


def test_migrates_an_empty_file(tutor_home):
    path = tutor_home / "tutor.sqlite3"
    path.parent.mkdir(parents=True)
    path.touch()
    store = open_store()
    try:
        assert store.recovered_from is None and store.schema_version == SCHEMA_VERSION
    finally:
        store.close()


def test_refuses_a_file_from_a_newer_tutor_and_leaves_it_untouched(tutor_home):
    path = tutor_home / "tutor.sqlite3"
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(StoreError, match="newer"):
        open_store()
    assert digest(path) == before
    assert sorted(p.name for p in tutor_home.iterdir() if not p.name.endswith(("-wal", "-shm"))) == ["tutor.sqlite3"]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 5
    conn.close()


# -- damaged and unreadable files --------------------------------------------------------------


def assert_moved_aside(store: Store, home: Path, original: bytes) -> None:
    assert store.recovered_from is not None
    moved = Path(store.recovered_from)
    assert moved.parent == home and moved.name.startswith("tutor.sqlite3.corrupt-")
    assert moved.read_bytes() == original, "the damaged file must be kept byte for byte"
    assert store.schema_version == SCHEMA_VERSION
    store.mark_done(L1)  # a fresh, working store
    assert store.lesson_progress(L1).status == "done"


def test_random_bytes_are_moved_aside_not_overwritten(tutor_home):
    path = tutor_home / "tutor.sqlite3"
    path.parent.mkdir(parents=True)
    garbage = os.urandom(8192)
    path.write_bytes(garbage)
    store = open_store()
    try:
        assert_moved_aside(store, tutor_home, garbage)
    finally:
        store.close()


def test_text_file_is_moved_aside(tutor_home):
    path = tutor_home / "tutor.sqlite3"
    path.parent.mkdir(parents=True)
    path.write_text("this is not a database\n" * 200)
    original = path.read_bytes()
    store = open_store()
    try:
        assert_moved_aside(store, tutor_home, original)
    finally:
        store.close()


def test_truncated_database_is_moved_aside(tutor_home):
    store = open_store()
    for i in range(300):  # enough rows for several pages
        store.set_setting(f"key-{i}", "x" * 200)
    store.close()  # checkpoints the WAL into the main file
    path = tutor_home / "tutor.sqlite3"
    data = path.read_bytes()
    assert len(data) > 8 * 4096
    path.write_bytes(data[: len(data) // 3])
    truncated = path.read_bytes()
    store = open_store()
    try:
        assert_moved_aside(store, tutor_home, truncated)
        assert store.get_setting("key-1") is None
    finally:
        store.close()


def test_two_recoveries_never_clobber_each_other(tutor_home):
    path = tutor_home / "tutor.sqlite3"
    path.parent.mkdir(parents=True)
    moved = []
    for n in range(2):
        path.write_bytes(b"garbage %d " % n * 1000)
        store = open_store()
        moved.append(store.recovered_from)
        store.close()
    assert moved[0] != moved[1]
    assert {Path(p).read_bytes()[:9] for p in moved} == {b"garbage 0", b"garbage 1"}


def test_recovery_message_is_shown_by_the_cli(tutor_home, capsys):
    from tutor.cli import main

    path = tutor_home / "tutor.sqlite3"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00garbage" * 512)
    assert main(["lessons", "--lang", "en"]) == 0
    captured = capsys.readouterr()
    assert "moved aside" in captured.err and ".corrupt-" in captured.err
    assert "nothing was deleted" in captured.err
    assert len(list(tutor_home.glob("tutor.sqlite3.corrupt-*"))) == 1


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read a chmod 000 file anyway")
def test_unreadable_file_is_reported_and_left_alone(tutor_home, capsys):
    store = open_store()
    store.mark_done(L1)
    store.close()
    path = tutor_home / "tutor.sqlite3"
    before = digest(path)
    path.chmod(0o000)
    try:
        with pytest.raises(StoreError, match="permissions"):
            open_store()
        from tutor.cli import main

        assert main(["lessons", "--lang", "en"]) == 1
        assert "permissions" in capsys.readouterr().err
    finally:
        path.chmod(0o600)
    assert digest(path) == before
    assert list(tutor_home.glob("*.corrupt-*")) == []


# -- concurrent writers ------------------------------------------------------------------------

WRITERS = 3
ANSWERS_PER_WRITER = 200
LESSONS_PER_WRITER = 60


def _writer(path: str, worker: int, go) -> None:
    """One 'terminal': its own Store on the shared file, writing as fast as it can."""
    store = Store(Path(path))
    go.wait(30)
    attempt = store.start_attempt("m1-quiz", "quiz", "en", ANSWERS_PER_WRITER)
    for i in range(ANSWERS_PER_WRITER):
        store.record_answer(attempt, f"w{worker}-q{i}", i % 4, i % 2 == 0)
        if i < LESSONS_PER_WRITER:
            lesson = f"w{worker}-lesson-{i}"
            store.mark_reading(lesson, i / 100)
            if i % 3 == 0:
                store.mark_done(lesson)
        store.set_setting("last_writer", str(worker))
    store.finish_attempt(attempt, ANSWERS_PER_WRITER // 2, ANSWERS_PER_WRITER, False)
    store.close()


def test_concurrent_writers_lose_nothing_and_do_not_corrupt(tutor_home):
    store = open_store()  # create the file (and migrate) first, like a running app would
    path = store.path
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    workers = [ctx.Process(target=_writer, args=(str(path), n, go)) for n in range(WRITERS)]
    for process in workers:
        process.start()
    go.set()
    store.mark_done(L1)  # this process writes at the same time
    for i in range(50):
        store.set_setting(f"main-{i}", str(i))
    for process in workers:
        process.join(120)
        assert process.exitcode == 0, f"writer failed with exit code {process.exitcode}"

    attempts = [a for a in store.attempts("m1-quiz")]
    assert len(attempts) == WRITERS
    assert all(a.finished_at and a.score == ANSWERS_PER_WRITER // 2 for a in attempts)
    for attempt in attempts:
        assert len(store.answers(attempt.id)) == ANSWERS_PER_WRITER
    progress = store.all_lesson_progress()
    assert len(progress) == WRITERS * LESSONS_PER_WRITER + 1
    assert sum(1 for p in progress.values() if p.status == "done") == WRITERS * (LESSONS_PER_WRITER // 3) + 1
    assert store.get_setting("last_writer") in {str(n) for n in range(WRITERS)}
    assert store.get_setting("main-49") == "49"
    store.close()

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM quiz_answer").fetchone()[0] == WRITERS * ANSWERS_PER_WRITER
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def test_threads_share_one_store(store):
    import threading

    def work(n: int) -> None:
        attempt = store.start_attempt("m2-quiz", "quiz", "en", 50)
        for i in range(50):
            store.record_answer(attempt, f"t{n}-{i}", 0, True)
        store.finish_attempt(attempt, 50, 50, True)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    attempts = store.attempts("m2-quiz")
    assert len(attempts) == 4 and all(len(store.answers(a.id)) == 50 for a in attempts)


# -- export, import, backup, reset -------------------------------------------------------------


def fill(store: Store) -> None:
    store.set_setting("lang", "es")
    store.mark_done(L1)
    store.mark_reading(L2, 0.3)
    attempt = store.start_attempt("m1-quiz", "quiz", "es", 10)
    store.record_answer(attempt, "m1-q01", 1, True)
    store.record_answer(attempt, "m1-q02", 3, False)
    store.finish_attempt(attempt, 8, 10, True)
    store.set_last_location({"screen": "lesson", "lesson_id": L2, "position": 0.3})


def test_export_then_import_into_a_fresh_store(store, tmp_path):
    fill(store)
    data = store.export_progress()
    assert data["format"] == "tutor-progress" and data["version"] == 1
    other = Store(tmp_path / "other" / "tutor.sqlite3")
    try:
        assert other.import_progress(data) == (2, 1)
        assert other.lesson_progress(L1).status == "done"
        assert other.lesson_progress(L2).status == "reading" and other.lesson_progress(L2).position == 0.3
        [attempt] = other.attempts("m1-quiz")
        assert (attempt.score, attempt.total, attempt.passed, attempt.lang) == (8, 10, True, "es")
        assert [(r["question_id"], r["chosen"], r["correct"]) for r in other.answers(attempt.id)] == [
            ("m1-q01", 1, 1),
            ("m1-q02", 3, 0),
        ]
        assert other.import_progress(data) == (0, 0), "importing twice adds nothing"
        assert len(other.attempts()) == 1
    finally:
        other.close()


def test_import_keeps_the_furthest_lesson_status(store):
    store.mark_done(L1)
    data = {"format": "tutor-progress", "lessons": [{"lesson_id": L1, "status": "reading"}, {"lesson_id": L2, "status": "done"}]}
    assert store.import_progress(data) == (1, 0)
    assert store.lesson_progress(L1).status == "done"
    assert store.lesson_progress(L2).status == "done"


@pytest.mark.parametrize(
    "data",
    [
        {"lessons": []},
        [],
        {"format": "tutor-progress", "lessons": [{"lesson_id": L3, "status": "done"}, {"lesson_id": L2, "status": "finished"}]},
        {"format": "tutor-progress", "attempts": [{"quiz_id": "m1-quiz"}]},
    ],
    ids=["no-format", "not-a-dict", "bad-status-after-a-good-one", "attempt-without-uid"],
)
def test_bad_import_changes_nothing(store, data):
    fill(store)
    before = store.export_progress()
    with pytest.raises(ValueError):
        store.import_progress(data)
    after = store.export_progress()
    before.pop("exported_at"), after.pop("exported_at")
    assert after == before


def test_backup_and_reset(store):
    fill(store)
    backup = store.backup()
    assert backup.exists() and backup.parent == store.path.parent
    store.reset_progress()
    assert store.all_lesson_progress() == {} and store.attempts() == []
    assert store.last_location() is None
    assert store.get_setting("lang") == "es", "reset keeps the language"
    saved = Store(backup)
    try:
        assert saved.lesson_progress(L1).status == "done" and len(saved.attempts()) == 1
    finally:
        saved.close()

"""Store states a learner can end up in, told apart: damaged, not ours, unwritable folder, file or
side files. Read-only where it is safe (the lessons open, nothing is saved, the learner is told),
never a traceback, and the file on disk is never changed.

Permissions cannot stop root, and the suite often runs as root (CI, containers). Then the learner
is played by the `nobody` user through `setpriv`, in a subprocess, with the files handed out by
owner instead of by mode; as another user the same cases are made with chmod.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tutor.store import SCHEMA_VERSION, StoreReadOnly, open_store  # noqa: F401

L1 = "m1-l01-inside-llms"
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = 65534
pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- states any user can make --------------------------------------------------------------------


def test_current_version_without_tables_is_moved_aside_with_the_reason(tutor_home, capsys):
    tutor_home.mkdir(parents=True)
    path = tutor_home / "tutor.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.execute("CREATE TABLE unrelated (x)")
    conn.commit()
    conn.close()
    before = digest(path)
    store = open_store()
    try:
        assert store.recovered_from is not None and digest(store.recovered_from) == before
        assert "lacks the tables" in store.recovered_reason and "lesson_progress" in store.recovered_reason
        store.mark_done(L1)  # the fresh store is whole
        assert store.lesson_progress(L1).status == "done"
    finally:
        store.close()
    from tutor.cli import main

    path.unlink()
    for side in tutor_home.glob("tutor.sqlite3-*"):
        side.unlink()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.commit()
    conn.close()
    assert main(["lessons", "--lang", "en"]) == 0
    err = capsys.readouterr().err
    assert "not a whole tutor store" in err and "moved aside" in err and "Traceback" not in err


def test_a_folder_that_cannot_be_created_runs_read_only(monkeypatch, capsys):
    """/proc accepts no new folder, not even from root: the learner still gets the course."""
    monkeypatch.setenv("TUTOR_HOME", "/proc/tutor-cannot-be-here/data")
    store = open_store()
    try:
        assert store.read_only is not None and store.read_only.kind == "folder"
        store.mark_done(L1)  # kept for this session only, in memory
        assert store.lesson_progress(L1).status == "done"
    finally:
        store.close()
    from tutor.cli import main

    assert main(["lessons", "--lang", "en"]) == 0
    captured = capsys.readouterr()
    assert "LLM Fundamentals" in captured.out
    assert "read-only" in captured.err and "will not be saved" in captured.err
    assert main(["progress", "--reset", "--yes"]) == 1
    assert "nothing was changed" in capsys.readouterr().err
    assert not Path("/proc/tutor-cannot-be-here").exists()


async def test_the_app_tells_the_learner_that_nothing_is_saved(run_app, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", "/proc/tutor-cannot-be-here/data")
    store = open_store()
    try:
        async with run_app(lang="es", store=store) as (app, pilot):
            notices = [str(n.message) for n in app._notifications]
            assert any("no se guardará" in notice and "/proc/tutor-cannot-be-here" in notice for notice in notices)
            await pilot.press("enter")  # the lessons still open
            await pilot.pause()
            assert app.screen.__class__.__name__ == "LessonScreen"
    finally:
        store.close()


def test_reset_backup_is_private(store, capsys):
    from tutor.cli import main

    store.mark_done(L1)
    assert main(["progress", "--reset", "--yes"]) == 0
    backups = list(store.path.parent.glob("tutor.sqlite3.backup-*"))
    assert len(backups) == 1
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600


# -- states made by another user -----------------------------------------------------------------

PROBE = r"""
import json, sys
from pathlib import Path
from tutor.store import open_store
from tutor.cli import main
store = open_store()
ro = store.read_only
seen = store.lesson_progress(sys.argv[1]).status
store.mark_done("m1-l02-context-to-deployment")  # must not raise
store.close()
lessons = main(["lessons", "--lang", "en"])
imported = main(["progress", "--import", sys.argv[2]])
print(json.dumps({"kind": ro and ro.kind, "message": ro and ro.message, "seen": seen,
                  "recovered": str(store.recovered_from) if store.recovered_from else None,
                  "lessons": lessons, "import": imported}))
"""


@pytest.fixture
def shared_home():
    """A TUTOR_HOME that `nobody` can reach (pytest's own tmp folders are 0700 root)."""
    base = Path(tempfile.mkdtemp(prefix="tutor-diag-"))
    base.chmod(0o755)
    home = base / "data"
    home.mkdir()
    try:
        yield home
    finally:
        for path in [base, *base.rglob("*")]:
            try:
                path.chmod(0o700 if path.is_dir() else 0o600)
            except OSError:
                pass
        shutil.rmtree(base, ignore_errors=True)


def learner_owns(path: Path) -> None:
    if ROOT:
        os.chown(path, NOBODY, NOBODY)


def not_the_learners(path: Path) -> None:
    """Root's (0644 file, 0755 folder); as another user, take away the write bit instead."""
    if ROOT:
        os.chown(path, 0, 0)  # SQLite, run as root, hands side files to the file's owner: take them back
        path.chmod(0o755 if path.is_dir() else 0o644)
    else:
        path.chmod(0o555 if path.is_dir() else 0o444)


def as_learner(home: Path, export: Path) -> dict:
    if ROOT and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot play an ordinary user")
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if ROOT else []
    env = dict(os.environ, TUTOR_HOME=str(home), PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [*prefix, sys.executable, "-c", PROBE, L1, str(export)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    report["stderr"] = result.stderr
    return report


def progress_file(home: Path) -> Path:
    path = home / "tutor.sqlite3"
    store = open_store(path)
    store.mark_done(L1)
    store.close()
    return path


def an_export(home: Path) -> Path:
    export = home.parent / "export.json"
    export.write_text(json.dumps({"format": "tutor-progress", "version": 1, "lessons": [], "attempts": []}))
    export.chmod(0o644)
    return export


def test_unwritable_side_files_left_by_sudo_run_read_only(shared_home):
    path = progress_file(shared_home)
    learner_owns(shared_home)
    learner_owns(path)
    # A `sudo tutor` that crashed: its -wal and -shm stay behind, owned by root.
    crash = (
        "import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA journal_mode=WAL');"
        "c.execute(\"INSERT INTO setting VALUES ('from_sudo', '1')\"); c.commit(); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", crash, str(path)], check=True)
    sides = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
    assert all(side.exists() for side in sides)
    for side in sides:
        not_the_learners(side)
    before = {p.name: digest(p) for p in [path, *sides]}
    report = as_learner(shared_home, an_export(shared_home))
    assert report["kind"] == "side_files", report
    assert "sudo chown" in report["message"] and report["recovered"] is None
    assert report["seen"] == "done"  # the learner's progress is still shown
    assert report["lessons"] == 0 and report["import"] == 1
    assert "read-only" in report["stderr"] and "nothing was changed" in report["stderr"]
    assert {p.name: digest(p) for p in [path, *sides]} == before
    assert not list(shared_home.glob("*.corrupt-*"))


def test_unwritable_folder_is_not_called_a_damaged_file(shared_home):
    path = progress_file(shared_home)
    learner_owns(path)
    not_the_learners(shared_home)
    before = digest(path)
    report = as_learner(shared_home, an_export(shared_home))
    assert report["kind"] == "folder", report
    assert "damaged" not in report["message"] and "cannot be written" in report["message"]
    assert report["seen"] == "done" and report["lessons"] == 0 and report["import"] == 1
    assert digest(path) == before and not list(shared_home.glob("*.corrupt-*"))


def test_unwritable_file_runs_read_only(shared_home):
    path = progress_file(shared_home)
    learner_owns(shared_home)
    not_the_learners(path)
    before = digest(path)
    report = as_learner(shared_home, an_export(shared_home))
    assert report["kind"] == "file", report
    assert report["seen"] == "done" and report["lessons"] == 0
    assert digest(path) == before


def test_damaged_file_in_an_unwritable_folder_starts_afresh_in_memory(shared_home):
    path = shared_home / "tutor.sqlite3"
    path.write_bytes(b"\x00garbage" * 512)
    learner_owns(path)
    not_the_learners(shared_home)
    report = as_learner(shared_home, an_export(shared_home))
    assert report["kind"] == "damaged", report
    assert report["seen"] == "not_started" and report["lessons"] == 0
    assert path.read_bytes() == b"\x00garbage" * 512


# -- a disk that fills up mid-session ------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A real 1 MiB filesystem (tmpfs), where root may mount one; else the test is skipped."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(folder: Path) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        pass
    finally:
        os.close(fd)


def test_a_disk_that_fills_up_mid_session_turns_the_store_read_only(small_disk):
    from tutor.store import Store

    store = Store(small_disk / "data" / "tutor.sqlite3")
    told = []
    store.on_read_only = told.append
    try:
        store.mark_done(L1)
        fill(small_disk)
        for i in range(100):  # never an exception: the first write that fails is lost, then memory
            store.set_setting(f"note{i}", "x" * 3000)
        assert store.read_only is not None and "disk is full" in store.read_only.message
        assert told == [store.read_only]
        assert store.lesson_progress(L1).status == "done"  # what was saved before is still shown
        assert store.get_setting("note99") is not None  # the session goes on, in memory
    finally:
        store.close()


async def test_the_app_says_so_when_the_disk_fills_up(run_app, small_disk):
    from tutor.store import Store

    store = Store(small_disk / "data" / "tutor.sqlite3")
    try:
        async with run_app(lang="en", store=store) as (app, pilot):
            fill(small_disk)
            for _ in range(40):  # each write fails on the full disk until the store gives up on it
                store.set_setting("padding", "x" * 20000)
                if store.read_only is not None:
                    break
            await pilot.press("enter")  # the course goes on: a lesson opens (its writes go to memory)
            await pilot.pause()
            assert app.screen.__class__.__name__ == "LessonScreen"
            notices = [str(n.message) for n in app._notifications]
            assert any("will not be saved" in notice for notice in notices), notices
    finally:
        store.close()


def test_a_file_held_by_another_tutor_is_busy_not_damaged(tutor_home, monkeypatch):
    """A writer that holds the file past the busy timeout must never get the file moved aside."""
    from tutor import store as store_module
    from tutor.store import StoreError

    first = open_store()
    first.mark_done(L1)
    holder = sqlite3.connect(first.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another terminal in the middle of a write
    monkeypatch.setattr(store_module.Store, "_connect", _short_timeout(store_module.Store._connect))
    try:
        with pytest.raises(StoreError, match="busy"):
            open_store()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        first.close()
    assert not list(tutor_home.glob("*.corrupt-*"))


def _short_timeout(connect):
    def quick(self):
        conn = connect(self)
        conn.execute("PRAGMA busy_timeout = 50")  # the real 10 s, shortened: the outcome is the same
        return conn
    return quick

"""The one SQLite store: progress, quiz attempts, settings and chat history.

- WAL mode and a busy timeout, so two terminals running tutor at once take turns instead of
  corrupting the file or failing; every write is one short `BEGIN IMMEDIATE` transaction.
- The schema version lives in `PRAGMA user_version`; `MIGRATIONS[i]` takes version i to i+1.
  A file written by a newer tutor is refused, never downgraded.
- A corrupt file, or one that is SQLite but lacks tutor's tables, is moved aside
  (`<name>.corrupt-<time>`) and a fresh one is started; `Store.recovered_from` and
  `Store.recovered_reason` tell the caller, which shows the learner where it went and why.
- What cannot be written is told apart from what is damaged: a folder that cannot be written,
  a file that cannot be written, or WAL side files (`-wal`, `-shm`) left by another user (a
  `sudo tutor`). Then the store runs read-only: the file is read once into memory and left
  untouched, the session works as usual, nothing is saved, and `Store.read_only` says why.
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

LESSON_STATUSES = ("not_started", "reading", "done")
_STATUS_RANK = {status: rank for rank, status in enumerate(LESSON_STATUSES)}

MIGRATIONS: list[str] = [
    # v1: progress, quizzes and settings.
    """
    CREATE TABLE setting (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE lesson_progress (
        lesson_id TEXT PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('not_started', 'reading', 'done')),
        position REAL NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        completed_at TEXT
    );
    CREATE TABLE quiz_attempt (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        quiz_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('quiz', 'retake', 'check')),
        lang TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        score INTEGER,
        total INTEGER NOT NULL,
        passed INTEGER
    );
    CREATE TABLE quiz_answer (
        id INTEGER PRIMARY KEY,
        attempt_id INTEGER NOT NULL REFERENCES quiz_attempt(id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        chosen INTEGER NOT NULL,
        correct INTEGER NOT NULL,
        answered_at TEXT NOT NULL,
        UNIQUE (attempt_id, question_id)
    );
    CREATE INDEX quiz_attempt_by_quiz ON quiz_attempt (quiz_id, started_at);
    """,
    # v2: chat history (conversations and their messages), kept with the progress.
    """
    CREATE TABLE chat (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        backend TEXT NOT NULL DEFAULT 'ollama',
        model TEXT NOT NULL DEFAULT '',
        system_prompt TEXT NOT NULL DEFAULT '',
        options TEXT NOT NULL DEFAULT '{}',
        lesson_id TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE message (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL REFERENCES chat(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
        content TEXT NOT NULL,
        thinking TEXT NOT NULL DEFAULT '',
        stats TEXT NOT NULL DEFAULT '{}',
        complete INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );
    CREATE INDEX message_by_chat ON message (chat_id, id);
    """,
    # v3: each answer's tokens with their log-probabilities and alternatives (JSON written by
    # tutor.chat.logprobs.to_json; '' when the server sent none), for the chat's token view.
    """
    ALTER TABLE message ADD COLUMN logprobs TEXT NOT NULL DEFAULT ''
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
# Every table the migrations create: a file at the current version must have them all.
SCHEMA_TABLES = frozenset(re.findall(r"CREATE TABLE (\w+)", "".join(MIGRATIONS)))
_SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def _localised_text(key: str, values: tuple, lang: str) -> str:
    """A store message in `lang`: OSError values as os_reason(), nested messages in `lang` too."""
    from tutor.i18n import os_reason, t

    shown = {}
    for name, value in values:
        if isinstance(value, OSError):
            value = os_reason(value, lang)
        elif isinstance(value, ReadOnly):
            value = value.text(lang)
        shown[name] = value
    return t(key, lang, **shown)


class StoreError(RuntimeError):
    """The store cannot be used; the message says why and what to do.

    str() is English; `text(lang)` is the same message from the catalogue (`store.cli.*`) in `lang`.
    """

    def __init__(self, key: str, **values: object):
        self.key, self.values = key, tuple(values.items())
        super().__init__(_localised_text(key, self.values, "en"))

    def text(self, lang: str) -> str:
        return _localised_text(self.key, self.values, lang)


class StoreReadOnly(StoreError):
    """A write was asked of a store that runs read-only (`Store.read_only` says why)."""


@dataclass(frozen=True)
class ReadOnly:
    """Why this session's progress is not saved.

    `kind`: "folder" (the folder cannot be written or created), "file" (the file cannot be
    written), "side_files" (its -wal/-shm files belong to someone else), "damaged" (damaged, and
    it cannot be moved aside). `message`: one English sentence for the command line; `text(lang)`
    is the same from the catalogue (`key`, `values`), and the app shows its own text for `kind`.
    """

    kind: str
    message: str
    key: str = ""
    values: tuple = ()

    @classmethod
    def said(cls, kind: str, key: str, **values: object) -> "ReadOnly":
        pairs = tuple(values.items())
        return cls(kind, _localised_text(key, pairs, "en"), key, pairs)

    def text(self, lang: str) -> str:
        return _localised_text(self.key, self.values, lang) if self.key else self.message


class _NotOurs(sqlite3.DatabaseError):
    """A valid SQLite file that is not (or no longer) a whole tutor store."""

    def __init__(self, version: int, tables: str):
        self.key, self.values = "store.cli.not_ours", (("version", version), ("tables", tables))
        super().__init__(_localised_text(self.key, self.values, "en"))


def _error_name(exc: BaseException) -> str:
    """SQLite's error name (SQLITE_READONLY, ...); from the message on Pythons before 3.11."""
    name = getattr(exc, "sqlite_errorname", None)
    if name:
        return name
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        return "SQLITE_READONLY"
    if "unable to open" in text:
        return "SQLITE_CANTOPEN"
    if "disk is full" in text or "disk i/o" in text:
        return "SQLITE_FULL"
    if "locked" in text:
        return "SQLITE_BUSY"
    return "SQLITE_ERROR"


def _cannot_write(exc: BaseException) -> bool:
    return _error_name(exc).startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH"))


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class LessonProgress:
    lesson_id: str
    status: str
    position: float
    updated_at: str
    completed_at: str | None


@dataclass(frozen=True)
class Attempt:
    id: int
    uid: str
    quiz_id: str
    kind: str
    lang: str
    started_at: str
    finished_at: str | None
    score: int | None
    total: int
    passed: bool | None


class Store:
    """Thread-safe access to the SQLite file (Textual workers write from threads)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.recovered_from: Path | None = None  # where a damaged file was moved, if it was
        self.recovered_reason: str | None = None  # why, in one English phrase
        self.recovered_not_ours = None  # or the _NotOurs error (its `key` and `values` say it in either language)
        self.read_only: ReadOnly | None = None  # set when nothing this session does is saved
        self.on_read_only = None  # called (from the writing thread) if that happens mid-session
        self._lock = threading.RLock()
        self._conn = self._open()

    # -- opening, diagnosis, recovery and migrations -------------------------------------------

    def _open(self) -> sqlite3.Connection:
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return self._read_only(ReadOnly.said("folder", "store.cli.folder_create", folder=folder, reason=exc))
        exists = self.path.exists()
        if exists and self.path.is_dir():
            raise StoreError("store.cli.is_folder", path=self.path)
        if exists and not os.access(self.path, os.R_OK):
            raise StoreError("store.cli.no_read", path=self.path)
        problem = self._write_problem(exists)
        if problem is not None:
            return self._read_only(problem)
        try:
            return self._open_writable()
        except StoreError:
            raise
        except sqlite3.DatabaseError as exc:
            if _error_name(exc).startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
                # Another tutor held the file for the whole busy timeout: busy is not damaged.
                raise StoreError("store.cli.busy", path=self.path) from exc
            if _cannot_write(exc):  # what os.access could not foresee (a read-only mount, ...)
                return self._read_only(ReadOnly.said("file", "store.cli.file_cannot", path=self.path, reason=str(exc)))
            # Not a database, a damaged one, or not ours: never overwrite it; move it aside.
            self.recovered_reason = str(exc) if isinstance(exc, _NotOurs) else "damaged"
            self.recovered_not_ours = exc if isinstance(exc, _NotOurs) else None
            try:
                self.recovered_from = self._move_aside()
            except OSError as move_error:
                self.recovered_reason = None
                return self._read_only(
                    ReadOnly.said("damaged", "store.cli.damaged_stuck", path=self.path, reason=move_error),
                    fresh=True,
                )
            return self._open_writable()

    def _write_problem(self, exists: bool) -> ReadOnly | None:
        """Why (kind and message) the file, its folder or its side files cannot be written, if so."""
        folder = self.path.parent
        for suffix in _SIDE_SUFFIXES:
            side = self.path.with_name(self.path.name + suffix)
            if side.exists() and not _writable(side):
                return ReadOnly.said("side_files", "store.cli.side_files", side=side.name, folder=folder, path=self.path)
        if exists and not _writable(self.path):
            return ReadOnly.said("file", "store.cli.file_perm", path=self.path)
        if not (_writable(folder) and os.access(folder, os.X_OK)):
            key = "store.cli.folder_perm" if exists else "store.cli.folder_perm_new"
            return ReadOnly.said("folder", key, folder=folder)
        return None

    def _open_writable(self) -> sqlite3.Connection:
        conn = self._connect()
        try:
            self._check_integrity(conn)
            self._migrate(conn)
            self._check_tables(conn)
            # Only now, with the schema known to be ours: switching to WAL rewrites the file header,
            # and a file from a newer tutor must be left byte for byte as it was.
            conn.execute("PRAGMA journal_mode = WAL")
            # Taking the write lock touches the -wal and -shm files: it fails now, with a diagnosis,
            # instead of at the learner's first step.
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        except BaseException:
            conn.close()
            raise
        return conn

    def _read_only(self, why: ReadOnly, fresh: bool = False) -> sqlite3.Connection:
        """Read the file once into memory (left untouched on disk); this session saves nothing."""
        self.read_only = why
        memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        copied = fresh or not self.path.exists()
        if not copied:
            quoted = self.path.resolve().as_posix().replace("?", "%3f").replace("#", "%23")
            # mode=ro reads what the -wal holds too; immutable=1 needs no lock files at all (an
            # unwritable folder), at the price of not seeing a -wal that was never checkpointed.
            for flags in ("mode=ro", "mode=ro&immutable=1"):
                try:
                    source = sqlite3.connect(f"file:{quoted}?{flags}", uri=True)
                    try:
                        self._check_integrity(source)
                        source.backup(memory)
                    finally:
                        source.close()
                    copied = True
                    break
                except sqlite3.DatabaseError:
                    memory.close()
                    memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        memory.row_factory = sqlite3.Row
        memory.execute("PRAGMA foreign_keys = ON")
        try:
            self._migrate(memory)
            self._check_tables(memory)
        except StoreError:
            memory.close()
            raise
        except sqlite3.DatabaseError:  # unreadable as tutor's: start from nothing, still in memory
            copied = False
            memory.close()
            memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            memory.row_factory = sqlite3.Row
            memory.execute("PRAGMA foreign_keys = ON")
            self._migrate(memory)
        if not copied:
            self.read_only = ReadOnly.said("damaged", "store.cli.damaged_afresh", path=self.path, message=why)
        return memory

    @staticmethod
    def _check_tables(conn: sqlite3.Connection) -> None:
        present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = sorted(SCHEMA_TABLES - present)
        if missing:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            raise _NotOurs(version, ", ".join(missing))

    def _connect(self) -> sqlite3.Connection:
        new_file = not self.path.exists()
        conn = sqlite3.connect(
            self.path, timeout=10.0, isolation_level=None, check_same_thread=False
        )
        if new_file:
            try:
                os.chmod(self.path, 0o600)  # chats are private on shared machines
            except OSError:
                pass
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    @staticmethod
    def _check_integrity(conn: sqlite3.Connection) -> None:
        row = conn.execute("PRAGMA quick_check").fetchone()
        if row is None or row[0] != "ok":
            conn.close()
            raise sqlite3.DatabaseError(f"integrity check failed: {row[0] if row else 'no answer'}")

    def _move_aside(self) -> Path:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        self.path.rename(target)  # an OSError here leaves the file where it was: the caller says so
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.rename(target.with_name(target.name + suffix))
        return target

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            conn.close()
            raise StoreError("store.cli.newer", path=self.path, version=version, known=SCHEMA_VERSION)
        while version < SCHEMA_VERSION:
            # One transaction per step: a crash mid-migration leaves the previous version intact.
            conn.execute("BEGIN IMMEDIATE")
            try:
                current = conn.execute("PRAGMA user_version").fetchone()[0]
                if current != version:  # another process migrated meanwhile
                    conn.execute("ROLLBACK")
                    version = current
                    continue
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            version += 1

    @property
    def schema_version(self) -> int:
        with self._lock:
            return self._conn.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if not self._lose_disk(exc):  # e.g. a `sudo tutor` took the -wal/-shm files meanwhile
                    raise
                self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:  # a full disk shows here, in WAL mode
                try:
                    self._conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                if not self._lose_disk(exc):
                    raise
                # This one write is lost with the disk; the session goes on in memory.

    def _lose_disk(self, exc: sqlite3.OperationalError) -> bool:
        """The file stopped taking writes mid-session: go on read-only, in a memory copy. True if so."""
        if self.read_only is not None or not (_cannot_write(exc) or _error_name(exc).startswith("SQLITE_FULL")):
            return False
        memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        try:
            self._conn.backup(memory)
        except sqlite3.Error:
            memory.close()
            return False
        memory.row_factory = sqlite3.Row
        # Rows written before the loss may point at rows the lost write held: let them.
        memory.execute("PRAGMA foreign_keys = OFF")
        self._conn.close()
        self._conn = memory
        self.read_only = ReadOnly.said("file", "store.cli.stopped", path=self.path, reason=str(exc))
        if self.on_read_only is not None:
            self.on_read_only(self.read_only)
        return True

    def query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # -- settings ----------------------------------------------------------------------------

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        rows = self.query("SELECT value FROM setting WHERE key = ?", (key,))
        return rows[0]["value"] if rows else default

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO setting (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def last_location(self) -> dict | None:
        """Where the learner was: {"screen": "lesson", "lesson_id": ...} or similar."""
        raw = self.get_setting("last_location")
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def set_last_location(self, location: dict) -> None:
        self.set_setting("last_location", json.dumps(location))

    # -- lessons -----------------------------------------------------------------------------

    def lesson_progress(self, lesson_id: str) -> LessonProgress:
        rows = self.query("SELECT * FROM lesson_progress WHERE lesson_id = ?", (lesson_id,))
        if not rows:
            return LessonProgress(lesson_id, "not_started", 0.0, "", None)
        return _lesson_row(rows[0])

    def all_lesson_progress(self) -> dict[str, LessonProgress]:
        return {row["lesson_id"]: _lesson_row(row) for row in self.query("SELECT * FROM lesson_progress")}

    def mark_reading(self, lesson_id: str, position: float | None = None) -> None:
        """Opened or scrolled: never demotes a lesson that is done."""
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO lesson_progress (lesson_id, status, position, updated_at)
                   VALUES (?, 'reading', ?, ?)
                   ON CONFLICT (lesson_id) DO UPDATE SET
                     status = CASE WHEN status = 'done' THEN 'done' ELSE 'reading' END,
                     position = COALESCE(?, position),
                     updated_at = excluded.updated_at""",
                (lesson_id, position or 0.0, now(), position),
            )

    def mark_done(self, lesson_id: str) -> None:
        stamp = now()
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO lesson_progress (lesson_id, status, position, updated_at, completed_at)
                   VALUES (?, 'done', 0, ?, ?)
                   ON CONFLICT (lesson_id) DO UPDATE SET
                     status = 'done', updated_at = excluded.updated_at,
                     completed_at = COALESCE(completed_at, excluded.completed_at)""",
                (lesson_id, stamp, stamp),
            )

    def unmark_done(self, lesson_id: str) -> None:
        """The learner takes a lesson back to 'reading' (its completion time is forgotten)."""
        with self.transaction() as conn:
            conn.execute(
                """UPDATE lesson_progress SET status = 'reading', completed_at = NULL, updated_at = ?
                   WHERE lesson_id = ? AND status = 'done'""",
                (now(), lesson_id),
            )

    # -- quizzes -----------------------------------------------------------------------------

    def start_attempt(self, quiz_id: str, kind: str, lang: str, total: int) -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO quiz_attempt (uid, quiz_id, kind, lang, started_at, total) VALUES (?, ?, ?, ?, ?, ?)",
                (uuid.uuid4().hex, quiz_id, kind, lang, now(), total),
            )
            return int(cur.lastrowid)

    def record_answer(self, attempt_id: int, question_id: str, chosen: int, correct: bool) -> None:
        """Saved as soon as it is given, so a crash mid-quiz loses nothing answered."""
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO quiz_answer (attempt_id, question_id, chosen, correct, answered_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (attempt_id, question_id) DO UPDATE SET
                     chosen = excluded.chosen, correct = excluded.correct, answered_at = excluded.answered_at""",
                (attempt_id, question_id, chosen, int(correct), now()),
            )

    def finish_attempt(self, attempt_id: int, score: int, total: int, passed: bool) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE quiz_attempt SET finished_at = ?, score = ?, total = ?, passed = ? WHERE id = ?",
                (now(), score, total, int(passed), attempt_id),
            )

    def attempts(self, quiz_id: str | None = None) -> list[Attempt]:
        if quiz_id is None:
            rows = self.query("SELECT * FROM quiz_attempt ORDER BY id")
        else:
            rows = self.query("SELECT * FROM quiz_attempt WHERE quiz_id = ? ORDER BY id", (quiz_id,))
        return [_attempt_row(row) for row in rows]

    def answers(self, attempt_id: int) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM quiz_answer WHERE attempt_id = ? ORDER BY id", (attempt_id,))

    def best_score(self, quiz_id: str) -> float | None:
        """Best finished full-quiz fraction (retakes of the misses don't count as a score)."""
        rows = self.query(
            "SELECT MAX(CAST(score AS REAL) / total) AS best FROM quiz_attempt "
            "WHERE quiz_id = ? AND kind = 'quiz' AND finished_at IS NOT NULL AND total > 0",
            (quiz_id,),
        )
        return rows[0]["best"] if rows and rows[0]["best"] is not None else None

    # -- export / import / reset -------------------------------------------------------------

    def export_progress(self) -> dict:
        attempts = []
        for attempt in self.attempts():
            answers = [
                {
                    "question_id": row["question_id"],
                    "chosen": row["chosen"],
                    "correct": bool(row["correct"]),
                    "answered_at": row["answered_at"],
                }
                for row in self.answers(attempt.id)
            ]
            record = attempt.__dict__ | {"answers": answers}
            record.pop("id")
            attempts.append(record)
        return {
            "format": "tutor-progress",
            "version": 1,
            "exported_at": now(),
            "lessons": [p.__dict__ for p in self.all_lesson_progress().values()],
            "attempts": attempts,
            "settings": {
                key: self.get_setting(key) for key in ("lang", "last_location") if self.get_setting(key)
            },
        }

    def import_progress(self, data: dict) -> tuple[int, int]:
        """Merge an export: lessons keep the furthest status, attempts are added once (by uid).

        Returns (lessons updated, attempts added). Raises ValueError on a file that is not an export.
        """
        if not isinstance(data, dict) or data.get("format") != "tutor-progress":
            raise ValueError("not a tutor progress export (no \"format\": \"tutor-progress\")")
        _check_import(data)  # the whole file first: a bad entry changes nothing
        lessons_changed = attempts_added = 0
        with self.transaction() as conn:
            for item in data.get("lessons", []):
                status = item.get("status")
                lesson_id = item.get("lesson_id")
                if status not in _STATUS_RANK or not isinstance(lesson_id, str):
                    raise ValueError(f"bad lesson entry in import: {item!r}")
                row = conn.execute(
                    "SELECT status FROM lesson_progress WHERE lesson_id = ?", (lesson_id,)
                ).fetchone()
                if row is None or _STATUS_RANK[status] > _STATUS_RANK[row["status"]]:
                    conn.execute(
                        """INSERT INTO lesson_progress (lesson_id, status, position, updated_at, completed_at)
                           VALUES (?, ?, ?, ?, ?)
                           ON CONFLICT (lesson_id) DO UPDATE SET status = excluded.status,
                             position = excluded.position, updated_at = excluded.updated_at,
                             completed_at = excluded.completed_at""",
                        (
                            lesson_id,
                            status,
                            float(item.get("position") or 0),
                            item.get("updated_at") or now(),
                            item.get("completed_at"),
                        ),
                    )
                    lessons_changed += 1
            for item in data.get("attempts", []):
                uid = item.get("uid")
                if not uid:
                    raise ValueError(f"attempt without uid in import: {item!r}")
                if conn.execute("SELECT 1 FROM quiz_attempt WHERE uid = ?", (uid,)).fetchone():
                    continue
                cur = conn.execute(
                    """INSERT INTO quiz_attempt (uid, quiz_id, kind, lang, started_at, finished_at,
                                                 score, total, passed)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (
                        uid,
                        item["quiz_id"],
                        item["kind"],
                        item.get("lang", "en"),
                        item["started_at"],
                        item.get("finished_at"),
                        item.get("score"),
                        item["total"],
                        None if item.get("passed") is None else int(item["passed"]),
                    ),
                )
                for answer in item.get("answers", []):
                    conn.execute(
                        "INSERT INTO quiz_answer (attempt_id, question_id, chosen, correct, answered_at) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (
                            cur.lastrowid,
                            answer["question_id"],
                            int(answer["chosen"]),
                            int(bool(answer["correct"])),
                            answer.get("answered_at") or now(),
                        ),
                    )
                attempts_added += 1
        return lessons_changed, attempts_added

    def backup(self) -> Path:
        """A consistent copy of the whole file (SQLite's online backup), next to it."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.backup-{stamp}-{int(time.time() * 1000) % 1000:03d}")
        # Created private before SQLite writes a byte: the copy holds the chats too.
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        dest = sqlite3.connect(target)
        try:
            with self._lock:
                self._conn.backup(dest)
        finally:
            dest.close()
        return target

    def reset_progress(self) -> None:
        """Forget lessons, quiz attempts and the last location; keeps settings and chats."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM quiz_answer")
            conn.execute("DELETE FROM quiz_attempt")
            conn.execute("DELETE FROM lesson_progress")
            conn.execute("DELETE FROM setting WHERE key = 'last_location'")


_ATTEMPT_KINDS = ("quiz", "retake", "check")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _optional(value: object, check) -> bool:
    return value is None or check(value)


def _check_import(data: dict) -> None:
    """Refuse an export whose entries have the wrong shape or types (ValueError), before writing."""
    lessons, attempts = data.get("lessons", []), data.get("attempts", [])
    if not isinstance(lessons, list) or not isinstance(attempts, list):
        raise ValueError('"lessons" and "attempts" must be lists')
    for item in lessons:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("lesson_id"), str)
            and item.get("status") in _STATUS_RANK
            and _optional(item.get("position"), _is_number)
            and _optional(item.get("updated_at"), lambda v: isinstance(v, str))
            and _optional(item.get("completed_at"), lambda v: isinstance(v, str))
        ):
            raise ValueError(f"bad lesson entry in import: {item!r}")
    for item in attempts:
        if not isinstance(item, dict) or not item.get("uid"):
            raise ValueError(f"attempt without uid in import: {item!r}")
        answers = item.get("answers", [])
        if not (
            isinstance(item["uid"], str)
            and isinstance(item.get("quiz_id"), str)
            and item.get("kind") in _ATTEMPT_KINDS
            and isinstance(item.get("lang", "en"), str)
            and isinstance(item.get("started_at"), str)
            and _optional(item.get("finished_at"), lambda v: isinstance(v, str))
            and _is_int(item.get("total"))
            and _optional(item.get("score"), _is_int)
            and _optional(item.get("passed"), lambda v: isinstance(v, (bool, int)))
            and isinstance(answers, list)
        ):
            raise ValueError(f"bad attempt entry in import: {item!r}")
        for answer in answers:
            if not (
                isinstance(answer, dict)
                and isinstance(answer.get("question_id"), str)
                and _is_int(answer.get("chosen"))
                and "correct" in answer
                and _optional(answer.get("answered_at"), lambda v: isinstance(v, str))
            ):
                raise ValueError(f"bad answer entry in import: {answer!r}")


def _lesson_row(row: sqlite3.Row) -> LessonProgress:
    return LessonProgress(
        row["lesson_id"], row["status"], float(row["position"]), row["updated_at"], row["completed_at"]
    )


def _attempt_row(row: sqlite3.Row) -> Attempt:
    return Attempt(
        id=row["id"],
        uid=row["uid"],
        quiz_id=row["quiz_id"],
        kind=row["kind"],
        lang=row["lang"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        score=row["score"],
        total=row["total"],
        passed=None if row["passed"] is None else bool(row["passed"]),
    )


def open_store(path: Path | None = None) -> Store:
    if path is None:
        from tutor.paths import data_dir, store_path

        try:
            path = store_path()
        except OSError:  # the folder cannot be made: Store says so and runs read-only
            path = data_dir(create=False) / "tutor.sqlite3"
    return Store(path)


def peek_setting(key: str) -> str | None:
    """A saved setting, read without opening the store: no folder or file is created, nothing is
    migrated, and any problem is just None (the command line needs its language before it opens
    the store, and even when it never does)."""
    from tutor.paths import data_dir

    try:
        path = data_dir(create=False) / "tutor.sqlite3"
        if not path.is_file():
            return None
        quoted = path.resolve().as_posix().replace("?", "%3f").replace("#", "%23")
        conn = sqlite3.connect(f"file:{quoted}?mode=ro", uri=True, timeout=0.5)
        try:
            row = conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
        finally:
            conn.close()
    except (OSError, sqlite3.Error):
        return None
    return row[0] if row and isinstance(row[0], str) else None

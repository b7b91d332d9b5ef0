"""A property over the whole command line: whatever the verbs, flags, values, text and files,
`tutor` ends with exit code 0, 1, 2 or 130 and never a traceback.

In-process (`tutor.cli.main`, no subprocess per example), with stdout and stderr captured and no
terminal, so the app verbs stop at their terminal check. What would be slow or leave the machine
is kept out by construction, not by time: no host but a closed local port (no DNS lookups), no
o200k_base (a download), generate asks for a handful of tokens, and train / engine bpe always get
one value that must be refused before any work starts. Files are written only in a fresh folder under tmp_path.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tutor.cli import main

ALLOWED = {0, 1, 2, 130}
CLOSED_PORT = "127.0.0.1:9"  # refused at once: nothing listens on the discard port here


def no_big_number(limit: int):
    """Random text, but never a whole number above `limit` (that would be real, long work)."""
    def small(text: str) -> bool:
        match = re.fullmatch(r"\s*\+?0*(\d{1,40})\s*", text)
        return match is None or int(match.group(1)) <= limit
    return st.text(max_size=12).filter(small)


junk = st.text(max_size=20)
numberish = st.one_of(
    st.sampled_from(["nan", "inf", "-inf", "-1", "0", "1", "1e3", "1_000", "0x10", "99999999999999999999999", " 2 ", "", "-"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    junk,
)
size_text = st.one_of(st.sampled_from(["-1GiB", "8GB", "0", "1e9GiB", "24 GiB", "nanGiB", "cuda:24GiB", "none"]), junk)
lang = st.sampled_from(["es", "en", "fr", "", "ES"])
names = st.text(alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1, max_size=12).filter(lambda n: n not in (".", ".."))


def optional(flag: str, values) -> st.SearchStrategy[list[str]]:
    return st.one_of(st.just([]), values.map(lambda v: [flag, v]))


def flags(*pairs) -> st.SearchStrategy[list[str]]:
    return st.tuples(*(optional(flag, values) for flag, values in pairs)).map(lambda parts: [x for p in parts for x in p])


@dataclass(frozen=True)
class FileSpec:
    """A file the test makes, in a fresh folder for each example (strategies must not look at disk)."""

    name: str
    kind: str  # missing | folder | bytes | json
    content: bytes = b""

    def make(self, folder: Path) -> str:
        path = folder / self.name
        if self.kind == "folder":
            path.mkdir()
        elif self.kind != "missing":
            path.write_bytes(self.content)
        return str(path)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
entries = st.dictionaries(
    st.sampled_from(["lesson_id", "status", "position", "uid", "quiz_id", "kind", "lang", "started_at",
                     "finished_at", "score", "total", "passed", "answers", "updated_at"]),
    st.none() | st.integers(-5, 20) | st.floats() | st.sampled_from(
        ["m1-l01-inside-llms", "m1-quiz", "done", "reading", "quiz", "check", "es", "2024-01-01T00:00:00"]),
    max_size=8,
)
exports = st.fixed_dictionaries({
    "format": st.just("tutor-progress"),
    "version": st.sampled_from([1, 2, 99, 0, "1", None]),
    "lessons": st.lists(entries, max_size=4),
    "attempts": st.lists(entries, max_size=4),
})
files = st.one_of(
    st.builds(FileSpec, names, st.sampled_from(["missing", "folder"])),
    st.builds(FileSpec, names, st.just("bytes"), st.binary(max_size=200)),
    st.builds(FileSpec, names, st.just("json"), st.one_of(json_values, exports).map(lambda v: json.dumps(v).encode())),
)


def command_lines() -> st.SearchStrategy[list]:
    out_path = st.one_of(files, st.sampled_from(["/proc/nope/x.pt", "/", ""]))
    refused = st.sampled_from(["0", "-3", "nan", "abc", "99999999999999999999", ""])
    return st.one_of(
        st.lists(junk, max_size=4),
        st.sampled_from([["--help"], ["--version"], ["fit", "--help"], ["engine"], ["progress"]]),
        flags(("--lang", lang)).map(lambda f: ["lessons", *f]),
        st.tuples(junk, flags(("--lang", lang))).map(lambda t: ["lesson", t[0], *t[1]]),
        st.tuples(junk, flags(("--lang", lang))).map(lambda t: ["quiz", t[0], *t[1]]),
        st.tuples(st.sampled_from(["--export", "--import"]), st.one_of(files, st.just("-"))).map(lambda t: ["progress", *t]),
        st.sampled_from([["progress", "--reset"], ["progress", "--reset", "--yes"], ["progress", "--yes"]]),
        flags(("--model", junk), ("--backend", junk), ("--base-url", junk)).map(lambda f: ["chat", *f]),
        flags(("--ctx", numberish), ("--gpu", size_text), ("--ram", size_text), ("--model", junk)).map(
            lambda f: ["fit", "--host", CLOSED_PORT, *f]),
        st.tuples(junk, flags(("--encoding", st.sampled_from(["gpt2", "cl100k_base", "course", "klingon", ""])))).map(
            lambda t: ["tokenize", t[0], *t[1]]),
        st.tuples(
            junk,
            flags(("--temperature", numberish), ("--top-k", numberish), ("--top-p", numberish), ("--seed", numberish),
                  ("--device", st.sampled_from(["cpu", "auto", "tpu", "cuda:7", ""]))),
            st.one_of(st.sampled_from(["1", "3", "0", "-1", "x"]), no_big_number(5)),
        ).map(lambda t: ["generate", t[0], *t[1], "--max-tokens", t[2]]),
        st.tuples(refused, flags(("--out", out_path), ("--seed", numberish), ("--threads", numberish))).map(
            lambda t: ["train", "--steps", t[0], *t[1]]),
        st.tuples(refused, flags(("--out", out_path))).map(lambda t: ["engine", "bpe", "--vocab-size", t[0], *t[1]]),
        st.sampled_from([["engine", "info", "--gpt2"], ["engine", "nonsense"]]),
    )


def run_in_process(argv: list[str], stdin: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # a verb must not exit on its own, but say what it did
                code = exc.code
    finally:
        sys.stdin = saved
    return code, err.getvalue()


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_command_line_ends_with_a_known_code_and_no_traceback(tmp_path, monkeypatch, data):
    monkeypatch.setenv("OLLAMA_HOST", CLOSED_PORT)
    drawn = data.draw(command_lines(), label="argv")
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    argv = [item.make(folder) if isinstance(item, FileSpec) else item for item in drawn]
    stdin = data.draw(st.text(max_size=30), label="stdin")
    code, err = run_in_process(argv, stdin)
    event(f"{argv[0] if argv else '(none)'} -> {code}")  # --hypothesis-show-statistics shows the spread
    assert code in ALLOWED, (argv, code, err)
    assert "Traceback" not in err, (argv, err)
    if code == 2:
        assert err.strip(), (argv, "exit 2 must say why")

"""The sanitiser for outside text (tutor/chat/sanitize.py): properties over arbitrary text, sequences
split between streamed chunks, `<think>` moved to thinking, the short line of an HTML error page."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.chat.sanitize import (
    StreamCleaner,
    ThinkSplitter,
    clean_text,
    first_meaningful_line,
    is_clean,
    split_think,
)

FORBIDDEN = {chr(c) for c in range(0x20) if chr(c) not in "\n\t"} | {chr(c) for c in range(0x7F, 0xA0)}

# The attacks of issue 9, each in the form a model or a server could send it.
OSC52 = "\x1b]52;c;cHduZWQ=\x07"
OSC0 = "\x1b]0;pwned title\x1b\\"
CSI = "\x1b[2J\x1b[1;31m"
DCS = "\x1bP1$r0m\x1b\\"
C1_CSI = "\x9b2J"
LONE_ESC = "\x1b"
BEL = "\x07"
ATTACKS = [OSC52, OSC0, CSI, DCS, C1_CSI, LONE_ESC, BEL, "\x9d0;t\x9c", "\x1b_apc\x1b\\", "\x1b^pm\x07", "\x1bXsos\x1b\\", "\x1bc", "\x1b(B"]

# Text built from the pieces that matter: control bytes, introducers, terminators and plain letters.
pieces = st.sampled_from(["\x1b", "[", "]", "P", "\\", "\x07", "\x9b", "\x9c", "\x9d", "\r", "\n", "\t", "a", "é", "52;c;", "2J", "<think>", "</think>", "0;"] + ATTACKS)
tricky_text = st.lists(pieces, max_size=40).map("".join)
any_text = st.one_of(st.text(), tricky_text)


@given(any_text)
@settings(max_examples=400)
def test_nothing_forbidden_survives_and_cleaning_twice_changes_nothing(text):
    cleaned = clean_text(text)
    assert not FORBIDDEN & set(cleaned)
    assert is_clean(cleaned)
    assert clean_text(cleaned) == cleaned


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"))))
def test_text_without_controls_is_left_as_it_is(text):
    assert clean_text(text) == text


@given(tricky_text, st.lists(st.integers(min_value=0, max_value=60), max_size=6))
@settings(max_examples=400)
def test_a_stream_cut_anywhere_cleans_like_the_whole_text(text, cuts):
    cleaner = StreamCleaner()
    bounds = sorted({min(c, len(text)) for c in cuts} | {0, len(text)})
    out = "".join(cleaner.feed(text[a:b]) for a, b in zip(bounds, bounds[1:])) + cleaner.flush()
    assert not FORBIDDEN & set(out)
    assert out == clean_text(text)


def test_every_kind_of_sequence_is_removed_whole():
    for attack in ATTACKS:
        if attack != LONE_ESC:  # ESC + a letter is itself a (short) sequence: the letter goes with it
            assert clean_text(f"a{attack}b") == "ab", repr(attack)
    assert clean_text("a\x1b") == "a" and clean_text("a\x1b\nb") == "a\nb"
    assert clean_text("line\r\nnext\rlast") == "line\nnext\nlast"
    assert clean_text("tab\tand\nnew line") == "tab\tand\nnew line"
    assert clean_text("[bold]markup[/] stays text") == "[bold]markup[/] stays text"


def test_an_osc52_split_between_chunks_never_leaks():
    cleaner = StreamCleaner()
    out = [cleaner.feed(part) for part in ("Sure\x1b]5", "2;c;cHdu", "ZWQ=\x07 done")]
    assert "".join(out) + cleaner.flush() == "Sure done"


@given(st.text(alphabet="ab<>/thinkx\n"), st.lists(st.integers(min_value=0, max_value=40), max_size=5))
def test_think_splitter_agrees_with_itself_however_the_stream_is_cut(text, cuts):
    whole = ThinkSplitter()
    expected = [a + b for a, b in zip(whole.feed(text), whole.flush())]
    splitter = ThinkSplitter()
    bounds = sorted({min(c, len(text)) for c in cuts} | {0, len(text)})
    content = thinking = ""
    for a, b in zip(bounds, bounds[1:]):
        c, t = splitter.feed(text[a:b])
        content, thinking = content + c, thinking + t
    c, t = splitter.flush()
    assert [content + c, thinking + t] == expected


def test_think_block_in_the_content_moves_to_thinking():
    assert split_think("<think>\nweigh it\n</think>\n\nThe answer.") == ("The answer.", "weigh it")
    assert split_think("no tags", "kept") == ("no tags", "kept")
    splitter = ThinkSplitter()
    parts = [splitter.feed(p) for p in ("<thi", "nk>hmm</th", "ink>Yes")]
    assert "".join(c for c, _ in parts) == "Yes" and "".join(t for _, t in parts) == "hmm"


def test_an_html_error_page_gives_its_one_meaningful_line():
    nginx = (
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n"
    )
    assert first_meaningful_line(nginx) == "502 Bad Gateway"
    assert first_meaningful_line("<html><body><p>upstream &amp; proxy down</p></body></html>") == "upstream & proxy down"
    assert first_meaningful_line("\n\n  model crashed\nstack...") == "model crashed"
    assert first_meaningful_line("bad \x1b]0;x\x07thing") == "bad thing"
    assert len(first_meaningful_line("x" * 1000)) == 160

"""Lesson 4 lab: tokens and embeddings, in five views that Tab cycles through.

1. Tokens: the learner's text cut into coloured tokens with their ids under gpt2, cl100k_base
   and the course BPE side by side, and the same sentence in Spanish and English counted by each.
2. BPE: the course tokenizer's merges replayed one rule at a time on a word (↓/↑ step).
3. Colours: RGB arithmetic with real swatches ("amarillo - verde + azul" = magenta).
4. Analogies: the engine's hand-made word space ("rey - hombre + mujer" ≈ reina) with cosines.
5. Map: the mini GPT's learned token embeddings: a token's nearest neighbours and a 2-D PCA map.

Every figure comes from `tutor.engine` at that moment. Tokenizers, BPE and the colour and word
spaces need no torch; only the map loads the mini GPT (in a worker, with a "loading" line), and
only when the learner opens that view.
"""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass, field

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, Input, Static

from tutor.app.labs.base import FittedStatic, Lab
from tutor.app.labs.charts import wrap_pieces
from tutor.app.labs.models import MODEL_KEYS_WHILE_TYPING, ModelSwitch
from tutor.engine import bpe, embeddings
from tutor.engine.tokenizers import get_tokenizer

VIEWS = ("play", "bpe", "colour", "words", "map")
ENCODINGS = ("gpt2", "cl100k_base", "course")
# Backgrounds that alternate token by token (black text reads on all of them, dark or light theme).
TOKEN_BACKGROUNDS = ("#8ecae6", "#ffb703", "#90be6d", "#f4a4c0")
MAX_IDS_SHOWN = 40
HISTORY_ROWS = 6  # merge steps listed around the current one
NEIGHBOUR_MARK = "◆"  # a nearest neighbour on the map and in its list (in 16 colours or none, cyan alone is lost)
MAP_TOKENS = 36  # frequent course tokens drawn on the embedding map
NEIGHBOURS = 7
FIT_TOKENS = 400  # the most used tokens the map's PCA is fitted on

COMMON_KEYS = [("tab", "next_view", "key.next_view"), ("shift+tab", "previous_view", "")]
VIEW_KEYS = {
    "play": [("down", "pair(1)", "key.next_pair"), ("up", "pair(-1)", "")],
    "bpe": [
        ("down", "merge_step(1)", "key.step_forward"),
        ("up", "merge_step(-1)", "key.step_back"),
        ("pagedown", "merge_jump(1)", "key.step_end"),
        ("pageup", "merge_jump(-1)", "key.step_start"),
    ],
    "colour": [("down", "example(1)", "key.next_example"), ("up", "example(-1)", "")],
    "words": [("down", "example(1)", "key.next_example"), ("up", "example(-1)", "")],
    # The map also has the model switch: GPT-2's 50,257 x 768 token table instead of the mini GPT's.
    # (ctrl+o: the view's focus stays in its text field, where letters are typed.)
    "map": [("down", "map_token(1)", "key.next_token"), ("up", "map_token(-1)", ""), *MODEL_KEYS_WHILE_TYPING],
}


def token_style(index: int) -> str:
    # Every other token is underlined as well: in 16 colours (where the backgrounds collapse to
    # two) or with NO_COLOR, each boundary between tokens still shows.
    underline = " underline" if index % 2 else ""
    return f"black on {TOKEN_BACKGROUNDS[index % len(TOKEN_BACKGROUNDS)]}{underline}"


def id_style(index: int) -> str:
    """A token id in the colour (and underline) of its token."""
    return TOKEN_BACKGROUNDS[index % len(TOKEN_BACKGROUNDS)] + (" underline" if index % 2 else "")


def show_bytes(token: bytes) -> str:
    """A token as the learner should see it: its text with spaces as ␣, or its bytes in hex."""
    try:
        text = token.decode("utf-8")
    except UnicodeDecodeError:
        return " ".join(f"{b:02x}" for b in token)
    return text.replace(" ", "␣").replace("\n", "⏎")


# -- engine work (runs in thread workers) ---------------------------------------------------------


@dataclass
class PlayView:
    text: str
    pieces: dict[str, list]  # encoding -> [TokenPiece]
    pair: tuple[str, str]
    pair_counts: dict[str, tuple[int, int]]  # encoding -> (Spanish count, English count)


def tokenize_view(text: str, pair: tuple[str, str]) -> PlayView:
    pieces = {name: get_tokenizer(name).pieces(text) for name in ENCODINGS}
    counts = {name: (get_tokenizer(name).count(pair[0]), get_tokenizer(name).count(pair[1])) for name in ENCODINGS}
    return PlayView(text, pieces, pair, counts)


@dataclass
class ReplayView:
    word: str
    steps: list  # [bpe.MergeStep]
    ids: list[int]  # what the course tokenizer's encoder returns for the word


def replay_view(word: str) -> ReplayView:
    return ReplayView(word, bpe.replay(word, _course_ranks()), get_tokenizer("course").encode(word))


_ranks_cache: dict[str, dict[bytes, int]] = {}


def _course_ranks() -> dict[bytes, int]:
    if "course" not in _ranks_cache:
        _ranks_cache["course"] = bpe.load_ranks()
    return _ranks_cache["course"]


@dataclass
class MapView:
    query: str
    token_id: int | None  # the token whose neighbours are shown
    query_pieces: list[str]  # how the course tokenizer cuts the query
    neighbours: list[tuple[int, str, float]]  # (id, text, cosine)
    points: dict[int, tuple[float, float]]  # token id -> 2-D position
    labels: dict[int, str]
    frequent: list[int]  # the frequent word tokens drawn on the map
    fit_ids: list[int]  # the rows the PCA was computed on (their order = the projection's)
    fit_top: int  # how many of them are the most used tokens (the rest are drawn ones)
    explained: tuple[float, float]
    vocab: int
    dim: int


@dataclass
class _MapSpace:
    matrix: object  # the mini GPT's token embedding table (vocab x n_embd)
    ranked: list[int] = field(default_factory=list)  # token ids, most used in the course first
    frequent: list[int] = field(default_factory=list)  # the most used tokens that are words


_space_cache: dict[str, _MapSpace] = {}


def _map_space(model_name: str = "course") -> _MapSpace:
    """A model's embedding table (the mini GPT's by default) and the course tokens, in that
    model's tokenizer, ranked by how often they occur."""
    if model_name in _space_cache:
        return _space_cache[model_name]
    from tutor.engine.corpus import build_corpus
    from tutor.engine.registry import load_model

    model, tokenizer = load_model(model_name)
    counts: Counter = Counter()
    for ids in tokenizer.encode_batch([doc.text for doc in build_corpus()]):
        counts.update(ids)
    ranked = [token_id for token_id, _ in counts.most_common()]
    frequent = []
    for token_id in ranked:
        text = tokenizer.token_text(token_id)
        # Whole words (a leading space, then letters): not punctuation, suffixes or bytes.
        if text.startswith(" ") and len(text) >= 4 and text[1:].isalpha():
            frequent.append(token_id)
            if len(frequent) == MAP_TOKENS:
                break
    space = _MapSpace(model.transformer.wte.weight.detach(), ranked, frequent)
    if model_name != "course":
        _space_cache.pop(next((k for k in _space_cache if k != "course"), None), None)  # one big table at a time
    _space_cache[model_name] = space
    return space


def query_token(tokenizer, word: str) -> tuple[int | None, list[str]]:
    """The course token for `word`: " word" or "word" when either is one token, else the first
    of its pieces. Returns (id or None for empty input, the pieces of the word)."""
    word = word.strip()
    if not word:
        return None, []
    for candidate in (" " + word, word):
        ids = tokenizer.encode(candidate)
        if len(ids) == 1:
            return ids[0], [tokenizer.token_text(ids[0])]
    ids = tokenizer.encode(word)
    return ids[0], [tokenizer.token_text(i) for i in ids]


def map_view(query: str, model_name: str = "course") -> MapView:
    """Neighbours of the query's token, and a PCA map fitted on the most used tokens.

    The PCA is fitted on the FIT_TOKENS most used tokens (the part of the table training moved
    most) plus the few drawn ones not among them, so the map barely moves between queries.
    """
    from tutor.engine.registry import load_model

    _model, tokenizer = load_model(model_name)
    space = _map_space(model_name)
    token_id, pieces = query_token(tokenizer, query)
    neighbours = []
    if token_id is not None:
        found = embeddings.nearest_neighbours(space.matrix, token_id, k=NEIGHBOURS)
        # A neighbour that is a piece of a character has no text of its own: its bytes show in
        # hex (show_bytes), never as "�".
        neighbours = [(i, show_bytes(tokenizer.token_bytes(i)), cos) for i, cos in found]
    shown = list(space.frequent)
    shown += [i for i in [token_id, *(n[0] for n in neighbours)] if i is not None and i not in shown]
    fit_ids = list(space.ranked[:FIT_TOKENS])
    fit_ids += [i for i in shown if i not in set(fit_ids)]
    projection = embeddings.project_2d(space.matrix[fit_ids])
    row = {token_id: k for k, token_id in enumerate(fit_ids)}
    points = {i: projection.points[row[i]] for i in shown}
    labels = {i: tokenizer.token_text(i) for i in shown}
    vocab, dim = space.matrix.shape
    return MapView(query, token_id, pieces, neighbours, points, labels, list(space.frequent), fit_ids,
                   len(space.ranked[:FIT_TOKENS]), projection.explained_variance, int(vocab), int(dim))


# -- the character-grid scatter plot --------------------------------------------------------------


def scatter(points: dict[int, tuple[float, float]], labels: dict[int, str], styles: dict[int, str],
            order: list[int], width: int, height: int, marks: dict[int, str] | None = None) -> Text:
    """Points as "•label" in a width x height grid (or another mark from `marks`); earlier ids in
    `order` win where labels collide."""
    grid: list[list[tuple[str, str]]] = [[(" ", "")] * width for _ in range(height)]
    if not points:
        return Text("")
    xs = [p[0] for p in points.values()]
    ys = [p[1] for p in points.values()]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    label_room = 6  # keep labels of the rightmost points on the grid
    for token_id in order:
        if token_id not in points:
            continue
        x, y = points[token_id]
        col = round((x - x0) / (x1 - x0) * (width - label_room - 1)) if x1 > x0 else 0
        row = round((y1 - y) / (y1 - y0) * (height - 1)) if y1 > y0 else 0
        style = styles.get(token_id, "dim")
        label = labels[token_id].strip() or labels[token_id].replace(" ", "␣")
        cells = (marks or {}).get(token_id, "•") + label
        free = 0
        while free < len(cells) and col + free < width and grid[row][col + free][0] == " ":
            free += 1
        if free == 0:
            continue
        text = cells[:free] if free == len(cells) or free < 3 else cells[: free - 1] + "…"
        if free < len(cells) and free < 3:
            text = cells[0]
        for k, ch in enumerate(text):
            grid[row][col + k] = (ch, style)
    out = Text(no_wrap=True, overflow="crop")
    for r, line in enumerate(grid):
        for ch, style in line:
            out.append(ch, style=style or None)
        if r < height - 1:
            out.append("\n")
    return out


# -- the lab --------------------------------------------------------------------------------------


class TokensLab(ModelSwitch, Lab):
    MODEL_KEY_NAMES = ("ctrl+o", "ctrl+g")
    LESSON_ID = "m1-l04-tokenization"
    KEYS = COMMON_KEYS + VIEW_KEYS["play"]

    DEFAULT_CSS = """
    TokensLab.narrow .lab-title { height: auto; }
    TokensLab ContentSwitcher { height: 1fr; }
    TokensLab ContentSwitcher > Vertical { height: 1fr; }
    /* At 60x18 the sentence pair does not fit under the tokens: the view scrolls, never cuts. */
    TokensLab #view-play { overflow-y: auto; scrollbar-size-vertical: 1; }
    TokensLab Input { margin: 0; }
    TokensLab .tl-body { height: auto; }
    TokensLab Horizontal { height: 1fr; }
    TokensLab #colour-sum { width: 1fr; }
    TokensLab #colour-palette { width: 45; }
    TokensLab #words-table { width: 1fr; }
    TokensLab #words-neighbours { width: 26; }
    TokensLab #map-neighbours { width: 27; }
    TokensLab #map-grid { width: 1fr; }
    /* At 60 columns a sum and its palette (an analogy and its neighbours) side by side left the
       sum 13 columns: names split mid-word, the result cut before its colour. Stacked, the
       result comes first and whole; the palette (the neighbours) follows below. */
    TokensLab.narrow .tl-pair { layout: vertical; }
    TokensLab.narrow .tl-pair > Static { width: 100%; }
    TokensLab.narrow #colour-palette, TokensLab.narrow #words-neighbours { margin-top: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.KEYS = COMMON_KEYS + VIEW_KEYS["play"]
        self.view_index = 0
        self.pair_index = 0
        self.example_index = {"colour": 0, "words": 0}
        self.map_index = -1
        self.play: PlayView | None = None
        self.replay: ReplayView | None = None
        self.step = 0
        self.mapped: MapView | None = None
        self.map_error: str | None = None
        self.map_requested = False
        # The value this lab last put in each input: replaced on a language switch unless edited.
        self.placed: dict[str, str] = {}

    @property
    def view(self) -> str:
        return VIEWS[self.view_index]

    def compose(self) -> ComposeResult:
        yield FittedStatic("", id="tl-title", classes="lab-title")
        with ContentSwitcher(initial="view-play"):
            with Vertical(id="view-play"):
                yield Input(id="play-input", compact=True)
                yield FittedStatic("", id="play-tokens", classes="tl-body")
                yield Static("", id="play-pair", classes="tl-body")
            with Vertical(id="view-bpe"):
                yield Input(id="bpe-input", compact=True)
                yield Static("", id="bpe-steps", classes="tl-body")
            with Vertical(id="view-colour"):
                yield Input(id="colour-input", compact=True)
                with Horizontal(classes="tl-pair"):
                    yield Static("", id="colour-sum")
                    yield Static("", id="colour-palette")
            with Vertical(id="view-words"):
                yield Input(id="words-input", compact=True)
                with Horizontal(classes="tl-pair"):
                    yield Static("", id="words-table")
                    yield Static("", id="words-neighbours")
            with Vertical(id="view-map"):
                yield Input(id="map-input", compact=True)
                with Horizontal():
                    yield Static("", id="map-neighbours")
                    yield FittedStatic("", id="map-grid")
        yield Static("", id="tl-hint", classes="lab-status")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#play-tokens", Static).update(Text(self.s("loading_tokenizers"), style="dim"))
        self.place("play", self.s("example"))
        self.place("bpe", self.s("bpe_example"))
        self.place("colour", self.examples("colour")[0])
        self.place("words", self.examples("words")[0])

    # -- inputs and language --------------------------------------------------------------------

    def input(self, view: str) -> Input:
        return self.query_one(f"#{view}-input", Input)

    def place(self, view: str, value: str) -> None:
        """Put a value in a view's input (which recomputes that view through Input.Changed)."""
        self.placed[view] = value
        box = self.input(view)
        box.value = value
        box.cursor_position = len(value)

    def examples(self, view: str) -> list[str]:
        return [e.strip() for e in self.s(f"{view}_examples").split("|") if e.strip()]

    def apply_language(self) -> None:
        # Inputs still showing the lab's own example switch to the new language's example.
        defaults = {
            "play": self.s("example"),
            "bpe": self.s("bpe_example"),
            "colour": self.examples("colour")[self.example_index["colour"] % len(self.examples("colour"))],
            "words": self.examples("words")[self.example_index["words"] % len(self.examples("words"))],
        }
        if self.map_requested:
            defaults["map"] = self.s("map_example")
        for view, value in defaults.items():
            if self.input(view).value == self.placed.get(view) and value != self.placed.get(view):
                self.place(view, value)
        super().apply_language()

    def refresh_lab(self) -> None:
        self.draw_title()
        self.query_one("#tl-hint", Static).update(self.s(f"hint_{self.view}"))
        if self.play is not None:
            self.draw_play()
        if self.replay is not None:
            self.draw_bpe()
        self.draw_colour()
        self.draw_words()
        self.draw_map()

    def draw_title(self) -> None:
        widget = self.query_one("#tl-title", Static)
        tabs = [Text(f" {i + 1} {self.s('view_' + name)} ", style="reverse bold" if i == self.view_index else "dim")
                for i, name in enumerate(VIEWS)]
        # A narrow lab breaks the line between tabs, never between a tab's number and its name.
        widget.update(wrap_pieces(tabs, widget.size.width, gap="", start=Text(self.s("title") + "  ", style="bold")))

    # -- switching views ------------------------------------------------------------------------

    def action_next_view(self) -> None:
        self.show_view((self.view_index + 1) % len(VIEWS))

    def action_previous_view(self) -> None:
        self.show_view((self.view_index - 1) % len(VIEWS))

    def show_view(self, index: int) -> None:
        self.view_index = index
        self.query_one(ContentSwitcher).current = f"view-{self.view}"
        self.KEYS = COMMON_KEYS + VIEW_KEYS[self.view]
        self.bind_keys()
        self.draw_title()
        self.query_one("#tl-hint", Static).update(self.s(f"hint_{self.view}"))
        if self.view == "map" and not self.map_requested:
            self.map_requested = True
            self.query_one("#map-neighbours", Static).update(Text(self.s("loading_model"), style="dim"))
            self.place("map", self.s("map_example"))
        self.input(self.view).focus()

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        view = (event.input.id or "").removesuffix("-input")
        if view == "play":
            self.compute_play()
        elif view == "bpe":
            word = event.value
            self.run_engine(lambda: replay_view(word), self._got_replay, group="bpe")
        elif view == "colour":
            self.draw_colour()
        elif view == "words":
            self.draw_words()
        elif view == "map" and self.map_requested:
            self.compute_map()

    # -- 1. tokenizer playground ----------------------------------------------------------------

    def pair(self) -> tuple[str, str]:
        pairs = self.s("pairs").split("|")
        es, en = pairs[self.pair_index % len(pairs)].split("=")
        return es.strip(), en.strip()

    def compute_play(self) -> None:
        text, pair = self.input("play").value, self.pair()
        self.run_engine(lambda: tokenize_view(text, pair), self._got_play, group="play")

    def _got_play(self, view: PlayView) -> None:
        self.play = view
        self.draw_play()

    def action_pair(self, delta: int) -> None:
        self.pair_index = (self.pair_index + delta) % len(self.s("pairs").split("|"))
        self.compute_play()

    def encoding_name(self, name: str) -> str:
        """gpt2 and cl100k_base are names; the course's own tokenizer is named in the learner's language."""
        return self.s("enc." + name) if name == "course" else name

    def draw_play(self) -> None:
        view = self.play
        table = Table.grid(padding=(0, 1))
        # Names and counts keep their width; only the token row gives way (ellipsis) when narrow.
        names = {name: self.encoding_name(name) for name in ENCODINGS}
        table.add_column(no_wrap=True, min_width=max(len(name) for name in names.values()))
        counts = [self.s("n_tokens", n=len(view.pieces[name])) for name in ENCODINGS]
        table.add_column(justify="right", no_wrap=True, min_width=max(len(c) for c in counts))
        table.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
        # Room for the ids: whole ids only, never one cut in half, then "…".
        id_room = (self.content_size.width or 78) - max(len(name) for name in names.values()) - max(len(c) for c in counts) - 3
        for name in ENCODINGS:
            pieces = view.pieces[name]
            coloured = Text(no_wrap=True, overflow="ellipsis")
            ids = Text(no_wrap=True, overflow="ellipsis")
            for i, piece in enumerate(pieces):
                # A token holding only the tail bytes of a character owns no character: a dot.
                coloured.append(piece.text or "·", style=token_style(i))
            for i, piece in enumerate(pieces[:MAX_IDS_SHOWN]):
                if len(ids) + len(str(piece.id)) + 2 > id_room:
                    break
                ids.append(str(piece.id), style=id_style(i))
                ids.append(" ")
            if len(ids.plain.split()) < len(pieces):
                ids.append("…")
            table.add_row(Text(names[name], style="bold"), self.s("n_tokens", n=len(pieces)), coloured)
            table.add_row("", Text(self.s("ids"), style="dim"), ids)
        self.query_one("#play-tokens", Static).update(table)

        es, en = view.pair
        pair = Table(box=None, padding=(0, 1), show_edge=False, expand=True)
        # The sentences wrap in a narrow lab (their counts stay on the first line): never cut to "…".
        pair.add_column(Text(self.s("pair_heading"), style="bold"), overflow="fold", ratio=1)
        for name in ENCODINGS:
            pair.add_column(names[name], justify="right", no_wrap=True)
        pair.add_row(f"ES «{es}»", *(f"{view.pair_counts[n][0]}" for n in ENCODINGS))
        pair.add_row(f"EN «{en}»", *(f"{view.pair_counts[n][1]}" for n in ENCODINGS))
        ratios = []
        for name in ENCODINGS:
            es_n, en_n = view.pair_counts[name]
            ratios.append(Text(f"×{es_n / en_n:.2f}" if en_n else "–", style="bold yellow"))
        pair.add_row(Text(self.s("ratio"), style="bold"), *ratios)
        self.query_one("#play-pair", Static).update(pair)

    # -- 2. BPE replay --------------------------------------------------------------------------

    def _got_replay(self, view: ReplayView) -> None:
        self.replay = view
        self.step = 0  # start from the raw bytes; the learner applies the merges one by one
        self.draw_bpe()

    def action_merge_step(self, delta: int) -> None:
        if self.replay is not None:
            self.step = min(len(self.replay.steps) - 1, max(0, self.step + delta))
            self.draw_bpe()

    def action_merge_jump(self, direction: int) -> None:
        if self.replay is not None:
            self.step = len(self.replay.steps) - 1 if direction > 0 else 0
            self.draw_bpe()

    def draw_bpe(self) -> None:
        view = self.replay
        out = Text()
        if not view.steps or not view.steps[0].tokens:
            out.append(self.s("bpe_empty"), style="dim")
            self.query_one("#bpe-steps", Static).update(out)
            return
        last = len(view.steps) - 1
        current = view.steps[self.step]
        if self.step == 0:
            out.append(self.s("bpe_start", total=last, n=len(current.tokens)), style="bold")
        elif current.rank is None:
            out.append(self.s("bpe_whole", step=self.step, total=last), style="bold")
        else:
            out.append(self.s("bpe_step", step=self.step, total=last, rank=current.rank,
                              left=show_bytes(current.left), right=show_bytes(current.right),
                              merged=show_bytes(current.merged)), style="bold")
        out.append("\n")
        for i, token in enumerate(current.tokens):
            out.append(show_bytes(token), style=token_style(i))
            out.append(" ")
        out.append("  " + self.s("n_tokens", n=len(current.tokens)), style="dim")
        out.append("\n\n")
        lo = max(0, min(self.step - HISTORY_ROWS // 2, len(view.steps) - HISTORY_ROWS))
        for index in range(lo, min(len(view.steps), lo + HISTORY_ROWS)):
            step = view.steps[index]
            mark = "▶" if index == self.step else " "
            if index == 0:
                line = self.s("bpe_row_bytes", n=len(step.tokens))
            elif step.rank is None:
                line = self.s("bpe_row_whole", n=len(step.tokens))
            else:
                line = self.s("bpe_row", rank=step.rank, left=show_bytes(step.left),
                              right=show_bytes(step.right), n=len(step.tokens))
            out.append(f"{mark}{index:>3}  {line}\n", style="bold" if index == self.step else "dim")
        if self.step == last:
            out.append(self.s("bpe_done", ids=" ".join(str(i) for i in view.ids), n=len(view.ids)), style="green")
        else:
            out.append(self.s("bpe_left", n=last - self.step), style="dim")
        self.query_one("#bpe-steps", Static).update(out)

    # -- 3. colour arithmetic -------------------------------------------------------------------

    def action_example(self, delta: int) -> None:
        view = self.view
        examples = self.examples(view)
        self.example_index[view] = (self.example_index[view] + delta) % len(examples)
        self.place(view, examples[self.example_index[view]])

    def draw_colour(self) -> None:
        lang = self.lang
        expression = self.input("colour").value
        out = Text(no_wrap=True, overflow="ellipsis")
        try:
            result = embeddings.colour_arithmetic(expression)
        except KeyError as exc:
            out.append(self.s("colour_unknown", name=unknown_name(exc)), style="red")
            result = None
        except ValueError:
            out.append(self.s("colour_incomplete"), style="dim")
            result = None
        if result is not None:
            for i, (sign, colour) in enumerate(result.terms):
                op = "−" if sign < 0 else ("+" if i else " ")
                out.append(f"{op} ")
                out.append("      ", style=f"on {colour.hex}")
                out.append(f" {colour.name(lang):<9} {colour.rgb}\n")
            out.append("= ", style="bold")
            out.append(f"{result.raw}\n")
            if result.raw != result.clipped:
                out.append("→ ", style="bold")
                out.append("      ", style=f"on {result.hex}")
                out.append(f" {result.clipped} {self.s('clipped')}\n")
            out.append("≈ ", style="bold")
            out.append("      ", style=f"on {result.nearest.hex}")
            out.append(f" {result.nearest.name(lang)}", style="bold")
            if result.exact:
                out.append(f"  {self.s('exact')}", style="green")
            else:
                out.append(f"  {self.s('distance', d=result.distance)}", style="dim")
        self.query_one("#colour-sum", Static).update(out)
        palette = Table.grid(padding=(0, 0))
        column = max(15, (self.query_one("#colour-palette", Static).content_size.width or 45) // 3)
        for _ in range(3):
            palette.add_column(no_wrap=True, overflow="ellipsis", max_width=column)
        cells = []
        for colour in embeddings.COLOURS:
            cell = Text()
            cell.append("  ", style=f"on {colour.hex}")
            cell.append(" " + colour.name(lang))
            cells.append(cell)
        for k in range(0, len(cells), 3):
            palette.add_row(*cells[k : k + 3])
        self.query_one("#colour-palette", Static).update(palette)

    # -- 4. word analogies ----------------------------------------------------------------------

    def draw_words(self) -> None:
        lang = self.lang
        expression = self.input("words").value
        try:
            result = embeddings.word_arithmetic(expression, k=5)
        except KeyError as exc:
            known = ", ".join(w.name(lang) for w in embeddings.WORDS)
            message = Text(self.s("word_unknown", name=unknown_name(exc)), style="red")
            message.append("\n" + self.s("word_known", words=known), style="dim")
            self.query_one("#words-table", Static).update(message)
            self.query_one("#words-neighbours", Static).update("")
            return
        except ValueError:
            self.query_one("#words-table", Static).update(Text(self.s("word_incomplete"), style="dim"))
            self.query_one("#words-neighbours", Static).update("")
            return
        table = Table(box=None, padding=(0, 1), show_edge=False)
        table.add_column(self.s("axis"), no_wrap=True, style="dim")
        for i, (sign, label, _vec) in enumerate(result.terms):
            op = "−" if sign < 0 else ("+" if i else "")
            table.add_column(f"{op}{self.term_name(label)}", justify="right", no_wrap=True, max_width=10)
        table.add_column("=", justify="right", no_wrap=True, style="bold")
        for a, axis in enumerate(embeddings.AXES):
            values = [number(vec[a]) for _sign, _label, vec in result.terms]
            table.add_row(axis[0 if lang == "es" else 1], *values, number(result.vector[a]))
        self.query_one("#words-table", Static).update(table)
        near = Text()
        near.append(self.s("nearest") + "\n", style="bold")
        for word, cos in result.neighbours:
            near.append(f"{word.name(lang):<9} {cos:6.3f} ")
            near.append("█" * max(0, round(cos * 8)) + "\n", style="magenta")
        if result.excluded:
            names = ", ".join(self.term_name(e) for e in result.excluded)
            near.append(self.s("excluded", words=names), style="dim")
        self.query_one("#words-neighbours", Static).update(near)

    def term_name(self, label: str) -> str:
        """A term as the engine understood it (Spanish word or [axis]) in the learner's language."""
        if label.startswith("["):
            return label
        try:
            return embeddings.find_word(label).name(self.lang)
        except KeyError:
            return label

    # -- 5. the mini GPT's embeddings -----------------------------------------------------------

    def compute_map(self) -> None:
        query, model = self.input("map").value, self.model_name
        self.run_engine(lambda: map_view(query, model), self._got_map, group="map", failed=self._map_failed)

    def model_changed(self) -> None:
        self.compute_map()

    def model_title_changed(self) -> None:
        self.draw_map()  # the map names its model in its caption

    def _got_map(self, view: MapView) -> None:
        self.mapped = view
        self.map_error = None
        self.draw_map()

    def _map_failed(self, exc: BaseException) -> None:
        self.map_error = f"{type(exc).__name__}: {exc}"
        self.draw_map()

    def action_map_token(self, delta: int) -> None:
        if self.mapped is None or not self.mapped.frequent:
            return
        self.map_index = (self.map_index + delta) % len(self.mapped.frequent)
        token_id = self.mapped.frequent[self.map_index]
        self.place("map", self.mapped.labels[token_id].strip())

    def draw_map(self) -> None:
        if self.map_error is not None:
            self.query_one("#map-neighbours", Static).update(Text(self.map_error, style="red"))
            return
        view = self.mapped
        if view is None:
            return
        near = Text(no_wrap=True, overflow="ellipsis")
        if view.token_id is None:
            near.append(self.s("map_type"), style="dim")
        else:
            near.append(f"«{show_bytes(view.labels[view.token_id].encode())}» · id {view.token_id}\n", style="bold")
            near.append(self.s("map_neighbours") + "\n", style="dim")
            if len(view.query_pieces) > 1:
                pieces = " + ".join(show_bytes(p.encode()) for p in view.query_pieces)
                near.append(self.s("map_split", n=len(view.query_pieces), pieces=pieces) + "\n", style="yellow")
            for _i, text, cos in view.neighbours:  # ◆ as on the map: not the colour alone
                near.append(f"{NEIGHBOUR_MARK} {text:<14.14} {cos:6.3f}\n", style="cyan")
        self.query_one("#map-neighbours", Static).update(near)
        grid = self.query_one("#map-grid", Static)
        width = max(20, grid.size.width or 46)
        styles = {i: "dim" for i in view.frequent}
        styles.update({i: "cyan underline" for i, _t, _c in view.neighbours})
        marks = {i: NEIGHBOUR_MARK for i, _t, _c in view.neighbours}
        if view.token_id is not None:
            styles[view.token_id] = "bold black on yellow"
        order = ([view.token_id] if view.token_id is not None else []) + [n[0] for n in view.neighbours] + view.frequent
        picture = scatter(view.points, view.labels, styles, order, width, 8, marks)
        caption = Text(self.model_label + " · ", style="italic")  # the model is always named
        caption += Text(self.s("map_caption", n=len(view.points), fit=view.fit_top, dim=view.dim,
                              pc1=view.explained[0], pc2=view.explained[1]), style="dim")
        grid.update(Group(picture, caption))


def unknown_name(exc: KeyError) -> str:
    """The name the engine did not know, from its KeyError ("unknown word or axis: 'x'" or 'x')."""
    message = str(exc.args[0]) if exc.args else ""
    if ": " in message:
        try:
            return str(ast.literal_eval(message.split(": ", 1)[1]))
        except (ValueError, SyntaxError):
            pass
    return message


def number(value: float) -> str:
    """An axis value as the table shows it: · for zero, else a signed short number."""
    if value == 0:
        return "·"
    return f"{value:+.0f}" if float(value).is_integer() else f"{value:+.1f}"

"""Embeddings as vectors you can do arithmetic with (lesson 4), and tools for any embedding matrix.

Three parts:

1. Colours as RGB vectors: the course's own example, "amarillo − verde + azul = magenta":
   (255, 255, 0) − (0, 255, 0) + (0, 0, 255) = (255, 0, 255). Real arithmetic, clipped to
   [0, 255], then the nearest colour of a bilingual named-colour table.

2. A tiny, hand-made and explicitly illustrative word space. Real embeddings have hundreds of
   dimensions nobody chose; here each of 9 dimensions has a name ("realeza", "género", "edad"...)
   so the learner can see *why* rey − hombre + mujer ≈ reina works. It reproduces the examples of
   the source material that can be made honest: caminé/caminar are close (they differ only on the
   "tiempo verbal" axis), mamá − género ≈ progenitor (the seed's "pariente", a relative, is corrected). The seed's
   "regente + mujer ≈ reina" still computes, but a regent is not a queen, so no lesson or lab example uses it.

3. Functions for any embedding matrix (e.g. the mini GPT's learned token embeddings, passed in as
   a tensor or array with its labels): cosine `nearest_neighbours` and `project_2d` (PCA).

torch is imported lazily, only by the matrix functions when they get a tensor or do PCA.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Sequence

# --- 1. colours ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedColour:
    es: str
    en: str
    rgb: tuple[int, int, int]

    @property
    def hex(self) -> str:
        return rgb_to_hex(self.rgb)

    def name(self, lang: str = "es") -> str:
        return self.es if lang == "es" else self.en


# Pure primaries and secondaries as in the course (green = (0, 255, 0); note that CSS calls that
# "lime" and uses "green" for (0, 128, 0), listed here as verde oscuro / dark green). The other
# values are the CSS/X11 colour keywords of the same name.
COLOURS: tuple[NamedColour, ...] = (
    NamedColour("negro", "black", (0, 0, 0)),
    NamedColour("blanco", "white", (255, 255, 255)),
    NamedColour("rojo", "red", (255, 0, 0)),
    NamedColour("verde", "green", (0, 255, 0)),
    NamedColour("azul", "blue", (0, 0, 255)),
    NamedColour("amarillo", "yellow", (255, 255, 0)),
    NamedColour("cian", "cyan", (0, 255, 255)),
    NamedColour("magenta", "magenta", (255, 0, 255)),
    NamedColour("gris", "grey", (128, 128, 128)),
    NamedColour("plateado", "silver", (192, 192, 192)),
    NamedColour("naranja", "orange", (255, 165, 0)),
    NamedColour("dorado", "gold", (255, 215, 0)),
    NamedColour("rosa", "pink", (255, 192, 203)),
    NamedColour("morado", "purple", (128, 0, 128)),
    NamedColour("violeta", "violet", (238, 130, 238)),
    NamedColour("marrón", "brown", (165, 42, 42)),
    NamedColour("granate", "maroon", (128, 0, 0)),
    NamedColour("azul marino", "navy", (0, 0, 128)),
    NamedColour("verde oscuro", "dark green", (0, 128, 0)),
    NamedColour("oliva", "olive", (128, 128, 0)),
    NamedColour("verde azulado", "teal", (0, 128, 128)),
    NamedColour("turquesa", "turquoise", (64, 224, 208)),
)


def _norm(text: str) -> str:
    """Lower-case, accents removed, inner spaces collapsed: 'Marrón ' -> 'marron'."""
    text = unicodedata.normalize("NFD", text.strip().lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return " ".join(text.split())


def find_colour(name: str) -> NamedColour:
    """A colour of COLOURS by its Spanish or English name (case and accents ignored)."""
    key = _norm(name)
    for colour in COLOURS:
        if key in (_norm(colour.es), _norm(colour.en)) or (key == "gray" and colour.en == "grey"):
            return colour
    raise KeyError(name)


def rgb_to_hex(rgb: Sequence[float]) -> str:
    return "#" + "".join(f"{int(round(v)):02x}" for v in rgb)


def clip_rgb(rgb: Sequence[float]) -> tuple[int, int, int]:
    """Clip each channel to [0, 255] and round to an integer."""
    return tuple(int(round(min(255.0, max(0.0, v)))) for v in rgb)  # type: ignore[return-value]


def nearest_colour(rgb: Sequence[float]) -> tuple[NamedColour, float]:
    """The named colour closest to `rgb` (Euclidean distance in RGB space) and that distance."""
    best, best_d = COLOURS[0], math.inf
    for colour in COLOURS:
        d = math.dist(rgb, colour.rgb)
        if d < best_d:
            best, best_d = colour, d
    return best, best_d


_SPLIT = re.compile(r"\s*([+\-−])\s*")


def _parse_expression(expr: str) -> list[tuple[int, str]]:
    """'a - b + c' -> [(+1, 'a'), (-1, 'b'), (+1, 'c')]. Names may contain spaces."""
    parts = _SPLIT.split(expr.strip())
    terms: list[tuple[int, str]] = []
    sign = 1
    for i, part in enumerate(parts):
        if i % 2 == 1:  # an operator
            sign = 1 if part == "+" else -1
            continue
        if not part:
            if i == 0:  # leading operator: "-a + b"
                continue
            raise ValueError(f"missing term in {expr!r}")
        terms.append((sign, part))
    if not terms:
        raise ValueError("empty expression")
    return terms


@dataclass
class ColourResult:
    terms: list[tuple[int, NamedColour]]  # (+1 or -1, colour)
    raw: tuple[int, int, int]  # the plain sum, may leave [0, 255]
    clipped: tuple[int, int, int]
    nearest: NamedColour
    distance: float  # from `clipped` to `nearest`
    exact: bool  # distance == 0

    @property
    def hex(self) -> str:
        return rgb_to_hex(self.clipped)

    def steps(self, lang: str = "es") -> str:
        """The worked sum as text: '(255, 255, 0) − (0, 255, 0) + (0, 0, 255) = (255, 0, 255)'."""
        out = []
        for i, (sign, colour) in enumerate(self.terms):
            op = ("− " if sign < 0 else "") if i == 0 else ("− " if sign < 0 else "+ ")
            out.append(f"{op}{colour.rgb}")
        text = " ".join(out) + f" = {self.raw}"
        if self.raw != self.clipped:
            text += f" → {self.clipped}"
        return text + f" ≈ {self.nearest.name(lang)}"


def colour_arithmetic(expr: str) -> ColourResult:
    """Evaluate e.g. 'amarillo - verde + azul' (names in either language) on RGB vectors."""
    terms = [(sign, find_colour(name)) for sign, name in _parse_expression(expr)]
    raw = [0, 0, 0]
    for sign, colour in terms:
        for c in range(3):
            raw[c] += sign * colour.rgb[c]
    clipped = clip_rgb(raw)
    nearest, dist = nearest_colour(clipped)
    return ColourResult(terms, (raw[0], raw[1], raw[2]), clipped, nearest, dist, dist == 0.0)


# --- 2. a hand-made word space -------------------------------------------------------------------

# The axes (es, en). "género" is +1 for feminine and −1 for masculine words, 0 for neutral ones.
# "edad" is 0 for a child, 1 for an adult (0.5: any age).
AXES: tuple[tuple[str, str], ...] = (
    ("realeza", "royalty"),
    ("género", "gender"),
    ("edad", "age"),
    ("persona", "person"),
    ("parentesco", "kinship"),
    ("verbo", "verb"),
    ("tiempo verbal", "verb tense"),  # 1 = past
    ("movimiento", "motion"),
    ("comida", "food"),
)


@dataclass(frozen=True)
class Word:
    es: str
    en: str
    vector: tuple[float, ...]

    def name(self, lang: str = "es") -> str:
        return self.es if lang == "es" else self.en


def _w(es: str, en: str, **features: float) -> Word:
    keys = ["realeza", "genero", "edad", "persona", "parentesco", "verbo", "pasado", "movimiento", "comida"]
    unknown = set(features) - set(keys)
    if unknown:
        raise ValueError(f"unknown features {unknown}")
    return Word(es, en, tuple(float(features.get(k, 0.0)) for k in keys))


# Illustrative values chosen by hand (not learned).
WORDS: tuple[Word, ...] = (
    _w("rey", "king", realeza=1, genero=-1, edad=1, persona=1),
    _w("reina", "queen", realeza=1, genero=1, edad=1, persona=1),
    _w("príncipe", "prince", realeza=1, genero=-1, edad=0.3, persona=1),
    _w("princesa", "princess", realeza=1, genero=1, edad=0.3, persona=1),
    _w("regente", "regent", realeza=1, genero=0, edad=1, persona=1),
    _w("hombre", "man", genero=-1, edad=1, persona=1),
    _w("mujer", "woman", genero=1, edad=1, persona=1),
    _w("niño", "boy", genero=-1, edad=0, persona=1),
    _w("niña", "girl", genero=1, edad=0, persona=1),
    _w("persona", "person", edad=0.5, persona=1),
    _w("papá", "dad", genero=-1, edad=1, persona=1, parentesco=1),
    _w("mamá", "mom", genero=1, edad=1, persona=1, parentesco=1),
    _w("progenitor", "parent", genero=0, edad=1, persona=1, parentesco=1),
    _w("pariente", "relative", genero=0, edad=0.5, persona=1, parentesco=1),
    _w("hermano", "brother", genero=-1, edad=0.5, persona=1, parentesco=1),
    _w("hermana", "sister", genero=1, edad=0.5, persona=1, parentesco=1),
    _w("caminar", "walk", verbo=1, movimiento=1),
    _w("caminé", "walked", verbo=1, pasado=1, movimiento=1),
    _w("comer", "eat", verbo=1, comida=1),
    _w("comí", "ate", verbo=1, pasado=1, comida=1),
    _w("pan", "bread", comida=1),
)


def find_word(name: str) -> Word:
    key = _norm(name)
    for word in WORDS:
        if key in (_norm(word.es), _norm(word.en)):
            return word
    if key == "mum":  # British spelling
        return find_word("mamá")
    raise KeyError(name)


def axis_vector(name: str) -> tuple[float, ...]:
    """The unit vector of an axis, by its es/en name ('género' -> (0, 1, 0, ...))."""
    key = _norm(name)
    for i, (es, en) in enumerate(AXES):
        if key in (_norm(es), _norm(en)):
            return tuple(1.0 if j == i else 0.0 for j in range(len(AXES)))
    raise KeyError(name)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """cos(a, b) = a·b / (|a| |b|); 0.0 when either vector is zero."""
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(x * x for x in b))
    if na == 0.0 or nb == 0.0:
        return 0.0
    return sum(x * y for x, y in zip(a, b)) / (na * nb)


@dataclass
class WordResult:
    terms: list[tuple[int, str, tuple[float, ...]]]  # (sign, term as understood, its vector)
    vector: tuple[float, ...]
    neighbours: list[tuple[Word, float]]  # best first, query words excluded
    excluded: list[str]  # Spanish names of the words left out (the query's own words)

    @property
    def best(self) -> Word:
        return self.neighbours[0][0]


def word_arithmetic(expr: str, k: int = 3, exclude_query: bool = True) -> WordResult:
    """Evaluate e.g. 'rey - hombre + mujer' in the hand-made space; terms are words (es or en) or
    axis names ('mamá - género'). Returns the cosine nearest words, excluding the query's words
    (as word2vec demos do: otherwise 'rey' itself is often the closest to rey − hombre + mujer).
    """
    dim = len(AXES)
    total = [0.0] * dim
    terms = []
    excluded: list[str] = []
    for sign, name in _parse_expression(expr):
        try:
            word = find_word(name)
            vec, label = word.vector, word.es
            excluded.append(word.es)
        except KeyError:
            try:
                vec, label = axis_vector(name), f"[{name}]"
            except KeyError:
                raise KeyError(f"unknown word or axis: {name!r}") from None
        terms.append((sign, label, vec))
        for i in range(dim):
            total[i] += sign * vec[i]
    skip = set(excluded) if exclude_query else set()
    scored = [(w, cosine(total, w.vector)) for w in WORDS if w.es not in skip]
    scored.sort(key=lambda item: -item[1])
    return WordResult(terms, tuple(total), scored[:k], excluded if exclude_query else [])


def word_neighbours(name: str, k: int = 3) -> list[tuple[Word, float]]:
    """The k words closest (cosine) to `name`, itself excluded."""
    return word_arithmetic(name, k=k).neighbours


def word_difference(a: str, b: str) -> tuple[float, ...]:
    """vector(a) − vector(b): e.g. mujer − hombre equals reina − rey (both are 2 on 'género')."""
    va, vb = find_word(a).vector, find_word(b).vector
    return tuple(x - y for x, y in zip(va, vb))


def word_space_matrix(lang: str = "es") -> tuple[list[list[float]], list[str]]:
    """The hand-made space as a matrix (one row per word) and its labels, e.g. for project_2d."""
    return [list(w.vector) for w in WORDS], [w.name(lang) for w in WORDS]


# --- 3. any embedding matrix ---------------------------------------------------------------------


def _is_tensor(x: Any) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def _rows(matrix: Any) -> list[list[float]]:
    if hasattr(matrix, "tolist"):  # numpy arrays (and tensors, though those take the torch path)
        matrix = matrix.tolist()
    return [[float(v) for v in row] for row in matrix]


def nearest_neighbours(
    matrix: Any, index: int, k: int = 5, exclude: Sequence[int] = ()
) -> list[tuple[int, float]]:
    """The k rows most similar (cosine) to row `index`, itself and `exclude` left out.

    `matrix` is a 2-D torch tensor (computed with torch), a numpy array or a list of rows.
    Returns (row index, cosine) pairs, best first; ties keep the lower index first.
    """
    skip = set(exclude) | {index}
    if _is_tensor(matrix):
        import torch

        m = matrix.detach().to("cpu", torch.float64)
        if m.ndim != 2:
            raise ValueError("matrix must be 2-D")
        norms = m.norm(dim=1).clamp_min(1e-12)
        sims = (m @ m[index]) / (norms * norms[index])
        sims = torch.where(m.norm(dim=1) == 0, torch.zeros_like(sims), sims)
        scores = sims.tolist()
    else:
        rows = _rows(matrix)
        query = rows[index]
        scores = [cosine(query, row) for row in rows]
    order = sorted((i for i in range(len(scores)) if i not in skip), key=lambda i: (-scores[i], i))
    return [(i, scores[i]) for i in order[:k]]


@dataclass
class Projection:
    points: list[tuple[float, float]]
    labels: list[str]
    explained_variance: tuple[float, float]  # fraction of the total variance on each axis
    method: str


def project_2d(matrix: Any, method: str = "pca", labels: Sequence[str] | None = None) -> Projection:
    """2-D coordinates of the rows of `matrix` by PCA (torch SVD of the centred matrix).

    Each axis's sign is fixed so that its largest loading is positive, which makes the picture
    deterministic (SVD alone may flip an axis between runs or machines).
    """
    if method != "pca":
        raise ValueError("only method='pca' is supported")
    import torch

    if _is_tensor(matrix):
        m = matrix.detach().to("cpu", torch.float64)
    else:
        m = torch.tensor(_rows(matrix), dtype=torch.float64)
    if m.ndim != 2 or m.shape[0] < 1:
        raise ValueError("matrix must be 2-D with at least one row")
    centred = m - m.mean(dim=0, keepdim=True)
    _, s, vh = torch.linalg.svd(centred, full_matrices=False)
    comps = vh[:2]
    if comps.shape[0] < 2:  # a single column: pad a zero axis
        comps = torch.cat([comps, torch.zeros(2 - comps.shape[0], m.shape[1], dtype=m.dtype)])
    for j in range(comps.shape[0]):
        if comps[j, comps[j].abs().argmax()] < 0:
            comps[j] = -comps[j]
    coords = centred @ comps.T
    var = s**2
    total = float(var.sum())
    explained = [float(v) / total if total > 0 else 0.0 for v in var[:2].tolist()]
    explained += [0.0] * (2 - len(explained))
    names = list(labels) if labels is not None else [str(i) for i in range(m.shape[0])]
    if len(names) != m.shape[0]:
        raise ValueError("labels must have one entry per row")
    return Projection([(float(x), float(y)) for x, y in coords.tolist()], names,
                      (explained[0], explained[1]), method)

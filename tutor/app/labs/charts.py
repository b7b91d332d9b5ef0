"""Terminal drawing for the labs: a braille canvas, line charts and number formats.

A braille character holds 2 x 4 dots, so a chart gets twice the columns and four times the rows
of resolution of plain characters, and dots are about square, so circles look round.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text

# Braille cells hold 2 x 4 dots: bit of the dot at (row, column) inside one character.
_BRAILLE_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))

SERIES_COLORS = ("#4f9dff", "#ffa640", "#4cd964", "#ff5c8a", "#c38fff")

REDRAWS_PER_SECOND = 10


class Canvas:
    """A width x height character area drawn with braille dots (2 x 4 dots per character).

    Dots are about square on a terminal, so circles look round. Characters placed with `put`
    are drawn over the dots.
    """

    def __init__(self, width: int, height: int, overlap: str | None = None) -> None:
        self.width, self.height = max(1, width), max(1, height)
        self.bits = [[0] * self.width for _ in range(self.height)]
        self.colors: list[list[str | None]] = [[None] * self.width for _ in range(self.height)]
        self.chars: dict[tuple[int, int], tuple[str, str]] = {}
        self.overlap = overlap  # the colour of a cell two colours share (None: the last one drawn wins)

    @property
    def dots_x(self) -> int:
        return 2 * self.width

    @property
    def dots_y(self) -> int:
        return 4 * self.height

    def dot(self, x: float, y: float, color: str | None = None) -> None:
        """Set the dot at (x, y); x grows to the right, y grows downwards, both in dots."""
        px, py = round(x), round(y)
        if 0 <= px < self.dots_x and 0 <= py < self.dots_y:
            cx, cy = px // 2, py // 4
            self.bits[cy][cx] |= _BRAILLE_BITS[py % 4][px % 2]
            if color is not None:
                current = self.colors[cy][cx]
                if self.overlap and current and current != color:
                    color = self.overlap
                self.colors[cy][cx] = color

    def line(self, x0: float, y0: float, x1: float, y1: float, color: str | None = None) -> None:
        steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        for i in range(steps + 1):
            f = i / steps
            self.dot(x0 + (x1 - x0) * f, y0 + (y1 - y0) * f, color)

    def mark_line(self, x0: float, y0: float, x1: float, y1: float, marker: str, style: str = "",
                  both: str = "", both_style: str = "") -> None:
        """A line drawn as `marker` in every cell it crosses (coordinates in dots, as `line`), for a
        curve told apart from the braille ones by its glyph, not only its colour. A cell that braille
        dots already use gets `both` instead (when given): both curves pass there."""
        steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        for i in range(steps + 1):
            f = i / steps
            px, py = round(x0 + (x1 - x0) * f), round(y0 + (y1 - y0) * f)
            if 0 <= px < self.dots_x and 0 <= py < self.dots_y:
                column, row = px // 2, py // 4
                if both and self.bits[row][column]:
                    self.put(column, row, both, both_style or style)
                else:
                    self.put(column, row, marker, style)

    def put(self, column: int, row: int, text: str, style: str = "") -> None:
        for i, ch in enumerate(text):
            if 0 <= column + i < self.width and 0 <= row < self.height:
                self.chars[(column + i, row)] = (ch, style)

    def rows(self) -> list[Text]:
        out = []
        for r in range(self.height):
            line = Text(no_wrap=True, overflow="crop")
            for c in range(self.width):
                if (c, r) in self.chars:
                    ch, style = self.chars[(c, r)]
                    line.append(ch, style)
                elif self.bits[r][c]:
                    line.append(chr(0x2800 + self.bits[r][c]), self.colors[r][c] or "")
                else:
                    line.append(" ")
            out.append(line)
        return out

    def text(self) -> Text:
        return Text("\n", no_wrap=True).join(self.rows())


def plot_lines(
    series: Sequence[tuple[Sequence[tuple[float, float]], str]],
    width: int,
    height: int,
    *,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    log_x: bool = False,
    log_y: bool = False,
    end_labels: dict[int, str] | None = None,
) -> tuple[Canvas, tuple[float, float], tuple[float, float]]:
    """Draw each series of (x, y) points as a connected line; returns (canvas, x range, y range).

    The ranges returned are in data units (before any log), for the caller's axis labels.
    `end_labels` ({series index: character}) writes a character at the end of those series, the
    same one the legend shows, so curves are told apart without their colours.
    """

    def tx(v: float) -> float:
        return math.log10(max(v, 1e-300)) if log_x else v

    def ty(v: float) -> float:
        return math.log10(max(v, 1e-300)) if log_y else v

    points = [(x, y) for pts, _ in series for x, y in pts if math.isfinite(x) and math.isfinite(y)]
    if x_range is None:
        xs = [x for x, _ in points] or [0.0, 1.0]
        x_range = (min(xs), max(xs))
    if y_range is None:
        ys = [y for _, y in points] or [0.0, 1.0]
        y_range = (min(ys), max(ys))
    x0, x1 = tx(x_range[0]), tx(x_range[1])
    y0, y1 = ty(y_range[0]), ty(y_range[1])
    if x1 == x0:
        x1 = x0 + 1.0
    if y1 == y0:
        y1 = y0 + 1.0
    canvas = Canvas(width, height)
    for pts, color in series:
        if len(pts) > 2 * canvas.dots_x:  # more points than dots: keep an even sample, and the last
            stride = len(pts) / (2 * canvas.dots_x)
            pts = [pts[int(i * stride)] for i in range(2 * canvas.dots_x)] + [pts[-1]]
        previous = None
        for x, y in pts:
            if not (math.isfinite(x) and math.isfinite(y)):
                previous = None
                continue
            px = (tx(x) - x0) / (x1 - x0) * (canvas.dots_x - 1)
            fy = (ty(y) - y0) / (y1 - y0)
            py = (1.0 - min(1.0, max(0.0, fy))) * (canvas.dots_y - 1)
            if previous is None:
                canvas.dot(px, py, color)
            else:
                canvas.line(previous[0], previous[1], px, py, color)
            previous = (px, py)
    ends = []
    for index, label in (end_labels or {}).items():
        pts, color = series[index]
        finite_points = [(x, y) for x, y in pts if math.isfinite(x) and math.isfinite(y)]
        if finite_points:
            x, y = finite_points[-1]
            column = min(canvas.width - 1, round((tx(x) - x0) / (x1 - x0) * (canvas.dots_x - 1)) // 2)
            py = (1.0 - min(1.0, max(0.0, (ty(y) - y0) / (y1 - y0)))) * (canvas.dots_y - 1)
            ends.append((py, column, label, color))
    # Ends that share a cell spread out one row apart, keeping their order top to bottom.
    ends.sort()
    rows: list[int] = []
    for py, *_ in ends:
        rows.append(max(round(py) // 4, rows[-1] + 1 if rows else 0))
    overflow = max(0, (rows[-1] if rows else 0) - (canvas.height - 1))
    for (_py, column, label, color), row in zip(ends, rows):
        canvas.put(column, max(0, row - overflow), label, f"bold {color}")
    return canvas, x_range, y_range


def chart_with_axes(canvas: Canvas, top: str, bottom: str, left: str = "", right: str = "") -> Text:
    """A canvas with its y labels (top and bottom) on the left and x labels below."""
    label_width = max(len(top), len(bottom))
    rows = canvas.rows()
    out = Text(no_wrap=True, overflow="crop")
    for i, row in enumerate(rows):
        label = top if i == 0 else bottom if i == len(rows) - 1 else ""
        out.append(f"{label:>{label_width}}┤", "dim")
        out.append_text(row)
        out.append("\n")
    if left or right:
        gap = max(1, canvas.width - len(left) - len(right))  # the right label ends under the last column
        out.append(" " * (label_width + 1) + left + " " * gap + right, "dim")
    else:
        out.rstrip()
    return out


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sci(value: float, digits: int = 3) -> str:
    """1.23×10⁹ style, for numbers that span many orders of magnitude."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    exponent = math.floor(math.log10(abs(value)))
    mantissa = value / 10**exponent
    if round(abs(mantissa), digits - 1) >= 10:
        mantissa /= 10
        exponent += 1
    if -3 <= exponent <= 2:
        return f"{value:.{max(digits, exponent + 1)}g}"
    return f"{mantissa:.{digits - 1}f}×10{str(exponent).translate(_SUPERSCRIPTS)}"


def num(value: float, digits: int = 4) -> str:
    """A number with `digits` significant digits (no exponent below 1e-4 or above 1e6)."""
    if not math.isfinite(value):
        return f"{value}"
    if value != 0 and (abs(value) < 1e-4 or abs(value) >= 1e6):
        return f"{value:.{digits - 1}e}"
    return f"{value:.{digits}g}"


def vec(values: Sequence[float], digits: int = 4) -> str:
    return "[" + ", ".join(num(v, digits) for v in values) + "]"


def mat(rows: Sequence[Sequence[float]], digits: int = 4) -> str:
    return "[" + ", ".join(vec(r, digits) for r in rows) + "]"


def selector(labels: Sequence[str], selected: int, width: int = 0) -> Text:
    """Fields side by side, the selected one in reverse video; given a `width`, lines break
    between fields, never inside one (a "4" left at a line's end, its name on the next)."""
    return wrap_pieces([Text(label, "reverse bold" if i == selected else "") for i, label in enumerate(labels)],
                       width, gap="  ")


def wrap_pieces(pieces: Sequence[Text], width: int = 0, gap: str = " ", start: Text | None = None) -> Text:
    """Pieces side by side, `gap` apart, after `start` (which carries its own trailing space); when
    the next piece would pass `width` cells it starts a new line instead (width 0: one line)."""
    out = Text(no_wrap=True, overflow="ellipsis")
    used = 0
    if start is not None:
        out.append_text(start)
        used = start.cell_len
    for index, piece in enumerate(pieces):
        sep = "" if index == 0 else gap
        if used and width and used + len(sep) + piece.cell_len > width:
            out.append("\n")
            used = 0
        elif used:
            out.append(sep)
            used += len(sep)
        out.append_text(piece)
        used += piece.cell_len
    return out


def chart_columns(room: int, label_width: int, most: int, least: int = 12) -> int:
    """How many canvas columns a chart gets in a column `room` cells wide whose y labels take
    `label_width` (plus one for the axis): at most `most`. A chart line wider than its column
    wraps into false curves; drawn in its own no-wrap Text it is at worst cropped. Before the
    column is laid out (room 0), `most`."""
    if room <= 0:
        return most
    return max(least, min(most, room - label_width - 1))

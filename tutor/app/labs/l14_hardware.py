"""Lesson 14 lab: will it fit? Memory = parameters x precision + KV cache, against this machine.

Every figure comes from `tutor.engine.memory` (pure Python, no torch) for the model, precision and
context chosen; the machine's RAM and GPUs come from `tutor.fit`'s hardware detection, run in a
thread worker and failing soft (unknown, never a crash).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from tutor.app.labs.base import Lab, error_text
from tutor.engine import memory

# The context the calculator starts at, and its bounds: the learner doubles and halves it.
START_CONTEXT = 4096
MIN_CONTEXT = 256
START_DTYPE = "fp16"

# The table's columns: their order on screen, and which go first when the lab is narrow.
COLUMN_ORDER = ("col_model", "col_params", "col_weights", "col_kv", "col_total", "col_gpu", "col_ram")
COLUMNS_BY_IMPORTANCE = ("col_model", "col_total", "col_gpu", "col_ram", "col_params", "col_weights", "col_kv")
COLUMN_JUSTIFY = {key: "left" if key in ("col_model", "col_gpu", "col_ram") else "right" for key in COLUMN_ORDER}


@dataclass
class Machine:
    """What the lab needs from the hardware probe (None = unknown)."""

    ram_total: int | None
    ram_free: int | None  # what a model may use in system memory
    gpus: list[tuple[str, int]]  # (name, bytes free for a model)
    error: str | None = None

    @property
    def gpu_bytes(self) -> int:
        return sum(size for _, size in self.gpus)


def detect_machine() -> Machine:
    """This machine's memory, from tutor.fit (imported here: it may not be installed yet)."""
    try:
        from tutor.fit.hardware import detect_hardware
    except ImportError as exc:
        return Machine(None, None, [], error=type(exc).__name__)
    try:
        hw = detect_hardware()
    except Exception as exc:  # noqa: BLE001 - fail soft: the calculator still works without the machine
        return Machine(None, None, [], error=error_text(exc))
    gpus = [(gpu.name or gpu.kind, int(gpu.usable_bytes)) for gpu in hw.gpus]
    return Machine(hw.ram_total, hw.memory_for_cpu, gpus)


def fit_headroom() -> float:
    """The share of memory memory.fits_in lets a model use (the rest stays for the OS)."""
    return inspect.signature(memory.fits_in).parameters["headroom"].default


class HardwareLab(Lab):
    LESSON_ID = "m2-l14-hardware"
    KEYS = [
        ("f", "next_dtype", "key.dtype"),
        ("plus,equals_sign", "context(2)", "key.more_context"),
        ("minus", "context(0.5)", "key.less_context"),
        ("v", "next_kv_dtype", "key.kv_dtype"),
        ("r", "detect", "key.detect"),
    ]

    DEFAULT_CSS = """
    HardwareLab #hw-settings, HardwareLab #hw-machine { height: auto; }
    HardwareLab #hw-table { height: auto; }
    HardwareLab #hw-detail { height: auto; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.dtypes = list(memory.BITS_PER_WEIGHT)
        self.kv_dtypes = list(memory.KV_BYTES_PER_ELEMENT)
        self.dtype = START_DTYPE if START_DTYPE in self.dtypes else self.dtypes[0]
        self.kv_dtype = "fp16" if "fp16" in self.kv_dtypes else self.kv_dtypes[0]
        self.context = START_CONTEXT
        self.machine: Machine | None = None  # None while detecting
        self.specs = list(memory.KNOWN_MODELS)
        self._widths: dict[str, int] | None = None  # last measured column widths

    def compose(self) -> ComposeResult:
        yield self.title_widget()
        yield Static(id="hw-settings")
        yield Static(id="hw-machine")
        yield DataTable(id="hw-table", cursor_type="row", zebra_stripes=True)  # the focus: arrows pick a model
        yield Static(id="hw-detail")

    def on_mount(self) -> None:
        super().on_mount()
        self.action_detect()

    # -- machine ------------------------------------------------------------------------------

    def action_detect(self) -> None:
        self.machine = None
        self.refresh_lab()
        self.run_engine(detect_machine, self._got_machine, group="detect")

    def _got_machine(self, machine: Machine) -> None:
        self.machine = machine
        self.refresh_lab()

    # -- settings -----------------------------------------------------------------------------

    def action_next_dtype(self) -> None:
        self.dtype = self.dtypes[(self.dtypes.index(self.dtype) + 1) % len(self.dtypes)]
        self.refresh_lab()

    def action_next_kv_dtype(self) -> None:
        self.kv_dtype = self.kv_dtypes[(self.kv_dtypes.index(self.kv_dtype) + 1) % len(self.kv_dtypes)]
        self.refresh_lab()

    def action_context(self, factor: float) -> None:
        largest = max(spec.max_context for spec in self.specs)
        self.context = int(min(largest, max(MIN_CONTEXT, self.context * factor)))
        self.refresh_lab()

    # -- drawing ------------------------------------------------------------------------------

    def estimate(self, spec: memory.ModelSpec) -> memory.MemoryEstimate:
        return memory.spec_memory(spec, self.dtype, self.context, self.kv_dtype)

    def fits(self, estimate: memory.MemoryEstimate) -> tuple[bool | None, bool | None]:
        """(fits on the GPUs, fits in RAM); None when unknown or there is no GPU."""
        machine = self.machine
        if machine is None or machine.error:
            return None, None
        gpu = memory.fits_in(estimate, machine.gpu_bytes) if machine.gpus else None
        ram = memory.fits_in(estimate, machine.ram_free) if machine.ram_free is not None else None
        return gpu, ram

    def mark(self, ok: bool | None) -> Text:
        if ok is None:
            return Text("–", style="dim")
        return Text("✓ " + self.s("yes"), style="green") if ok else Text("✗ " + self.s("no"), style="red")

    def refresh_lab(self) -> None:
        self.query_one(".lab-title", Static).update(self.s("title"))
        self.query_one("#hw-settings", Static).update(
            self.s(
                "settings",
                dtype=self.dtype,
                bits=memory.bits_per_weight(self.dtype),
                context=self.context,
                kv_dtype=self.kv_dtype,
            )
        )
        self.query_one("#hw-machine", Static).update(self.machine_text())
        self.fill_table()
        self.show_detail()

    def machine_text(self) -> Text:
        machine = self.machine
        if machine is None:
            return Text(self.s("machine_detecting"), style="dim")
        if machine.error:
            return Text(self.s("machine_unknown", error=machine.error), style="yellow")
        ram = (
            self.s("ram", free=memory.format_bytes(machine.ram_free), total=memory.format_bytes(machine.ram_total))
            if machine.ram_free is not None and machine.ram_total is not None
            else self.s("ram_unknown")
        )
        if machine.gpus:
            gpu = self.s(
                "gpus",
                names=", ".join(name for name, _ in machine.gpus),
                free=memory.format_bytes(machine.gpu_bytes),
            )
        else:
            gpu = self.s("no_gpu")
        return Text(self.s("machine", ram=ram, gpu=gpu))

    def fill_table(self) -> None:
        table = self.query_one("#hw-table", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        rows = []
        for spec in self.specs:
            est = self.estimate(spec)
            gpu, ram = self.fits(est)
            rows.append((spec.name, {
                "col_model": Text(spec.name),
                "col_params": Text(memory.format_params(spec.n_params, self.lang), justify="right"),
                "col_weights": Text(memory.format_bytes(est.weights_bytes), justify="right"),
                "col_kv": Text(memory.format_bytes(est.kv_bytes), justify="right"),
                "col_total": Text(memory.format_bytes(est.total_bytes), justify="right", style="bold"),
                "col_gpu": self.mark(gpu),
                "col_ram": self.mark(ram),
            }))
        widths = {key: max([cell_len(self.s(key))] + [cell_len(cells[key].plain) for _, cells in rows]) for key in COLUMN_ORDER}
        columns = self.shown_columns(widths)
        self._widths = widths
        for key in columns:
            table.add_column(Text(self.s(key), justify=COLUMN_JUSTIFY[key]), key=key, width=widths[key])
        for name, cells in rows:
            table.add_row(*(cells[key] for key in columns), key=name)
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1), animate=False)

    def shown_columns(self, widths: dict[str, int]) -> list[str]:
        """The columns that fit the lab's width, dropped in reverse order of importance (the
        detail line below the table still spells out weights and KV cache for the chosen model)."""
        room = (self.content_size.width or 78) - 1  # a scrollbar column may appear
        shown = list(COLUMNS_BY_IMPORTANCE)
        while len(shown) > 2 and sum(widths[key] + 2 for key in shown) > room:  # 2: cell padding
            shown.pop()
        return [key for key in COLUMN_ORDER if key in shown]

    def on_resize(self) -> None:
        table = self.query_one("#hw-table", DataTable)
        widths = getattr(self, "_widths", None)
        if widths and [str(key.value) for key in table.columns] != self.shown_columns(widths):
            self.fill_table()

    @on(DataTable.RowHighlighted, "#hw-table")
    def _row_changed(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def selected_spec(self) -> memory.ModelSpec:
        row = self.query_one("#hw-table", DataTable).cursor_row
        return self.specs[min(max(row, 0), len(self.specs) - 1)]

    def show_detail(self) -> None:
        spec = self.selected_spec()
        est = self.estimate(spec)
        kv_bytes = memory.KV_BYTES_PER_ELEMENT[self.kv_dtype]
        text = Text.from_markup(
            self.s(
                "detail",
                name=spec.name,
                params=spec.n_params,
                bits=est.bits_per_weight,
                weights=memory.format_bytes(est.weights_bytes),
                layers=spec.layers,
                kv_heads=spec.kv_heads,
                head_dim=spec.head_dim,
                context=self.context,
                kv_bytes=kv_bytes,
                kv=memory.format_bytes(est.kv_bytes),
                total=memory.format_bytes(est.total_bytes),
                total_gb=memory.format_bytes(est.total_bytes, binary=False),
            )
        )
        extra = [memory.DTYPE_NOTES.get(self.dtype, ("", ""))[0 if self.lang == "es" else 1]]
        if self.context > spec.max_context:
            extra.append(self.s("beyond_context", max_context=spec.max_context))
        if spec.uses_gqa:
            extra.append(self.s("gqa", heads=spec.heads, kv_heads=spec.kv_heads))
        extra.append(self.s("headroom", share=round(fit_headroom() * 100)))
        text.append("\n" + " · ".join(e for e in extra if e), style="dim")
        self.query_one("#hw-detail", Static).update(text)

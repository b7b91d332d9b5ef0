"""Hardware fit check: will a model fit this machine, the way Ollama itself decides?

Headless (no Textual, no torch). The API for the rest of tutor:

- `detect_hardware() -> Hardware`: RAM, swap, container limit, CPU, GPUs, disk; never raises.
- `estimate(model_info, tensors, hardware, ctx, version, ...) -> Estimate`: what `/api/ps` would
  report (`total_bytes` = size, `vram_bytes` = size_vram) and the verdict.
- `fit_report(host=None, ctx=None, model=None, gpus=None, ram=None) -> dict`: the `tutor fit --json`
  document (hardware, Ollama, installed models, catalogue recommendations).
- `verdict_for_catalogue(hardware, version=None, ctx=None) -> list[dict]`: the catalogue, best first.
"""

from tutor.fit.estimate import (
    VERDICT_CPU,
    VERDICT_GPU,
    VERDICT_NO,
    VERDICT_PARTIAL,
    Estimate,
    Settings,
    estimate,
    max_full_gpu_context,
    naive_bytes,
)
from tutor.fit.hardware import GPU, Hardware, SpecError, detect_hardware, parse_gpu_spec, what_if
from tutor.fit.model import ModelFacts
from tutor.fit.report import UnknownModel, fit_report, verdict_for_catalogue

__all__ = [
    "GPU",
    "Estimate",
    "Hardware",
    "ModelFacts",
    "Settings",
    "SpecError",
    "UnknownModel",
    "VERDICT_CPU",
    "VERDICT_GPU",
    "VERDICT_NO",
    "VERDICT_PARTIAL",
    "detect_hardware",
    "estimate",
    "fit_report",
    "max_full_gpu_context",
    "naive_bytes",
    "parse_gpu_spec",
    "verdict_for_catalogue",
    "what_if",
]

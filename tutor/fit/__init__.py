"""Hardware fit check: will a model fit this machine, the way Ollama itself decides?

Headless (no Textual, no torch). The API for the rest of tutor:

- `detect_hardware() -> Hardware`: RAM, swap, container limit, CPU, GPUs, disk; never raises.
- `estimate(model_info, tensors, hardware, ctx, version, ...) -> Estimate`: what `/api/ps` would
  report (`total_bytes` = size, `vram_bytes` = size_vram) and the verdict.
- `fit_report(host=None, ctx=None, model=None, gpus=None, ram=None) -> dict`: the `tutor fit --json`
  document (hardware, Ollama, installed models, catalogue recommendations).
- `verdict_for_catalogue(hardware, version=None, ctx=None) -> list[dict]`: the catalogue, best first.

Importing this package is instant: every name below is loaded on first use (PEP 562), so
`tutor --help` and the app's start-up, which only register `tutor fit`'s parser, do not load
the estimator, the catalogue or httpx (about 0.1 s together).
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    # estimate.py
    "VERDICT_CPU": "estimate",
    "VERDICT_GPU": "estimate",
    "VERDICT_NO": "estimate",
    "VERDICT_PARTIAL": "estimate",
    "Estimate": "estimate",
    "Settings": "estimate",
    # The function. Once the submodule is imported by its full name the package attribute is
    # that module instead: take the function from `tutor.fit.estimate`, as the code here does.
    "estimate": "estimate",
    "max_full_gpu_context": "estimate",
    "naive_bytes": "estimate",
    # hardware.py
    "GPU": "hardware",
    "Hardware": "hardware",
    "SpecError": "hardware",
    "detect_hardware": "hardware",
    "parse_gpu_spec": "hardware",
    "what_if": "hardware",
    # model.py
    "ModelFacts": "model",
    # report.py
    "UnknownModel": "report",
    "fit_report": "report",
    "verdict_for_catalogue": "report",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tutor.fit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"tutor.fit.{module}"), name)
    globals()[name] = value  # next time, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))

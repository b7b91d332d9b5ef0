"""Put it together: hardware + installed models + catalogue -> the `tutor fit --json` document."""

from __future__ import annotations

from typing import Any

from tutor.fit.catalogue import entry as catalogue_entry
from tutor.fit.catalogue import load_catalogue
from tutor.fit.estimate import (
    VERDICT_CPU,
    VERDICT_GPU,
    VERDICT_NO,
    VERDICT_PARTIAL,
    Estimate,
    Settings,
    estimate,
    max_full_gpu_context,
)
from tutor.fit.hardware import Hardware, detect_hardware, what_if
from tutor.fit.model import ModelDataError, ModelFacts
from tutor.fit.ollama_api import OllamaAPI, OllamaUnavailable
from tutor.fit.versions import LATEST_KNOWN, parse_version, version_str

_RANK = {VERDICT_GPU: 0, VERDICT_PARTIAL: 1, VERDICT_CPU: 2, VERDICT_NO: 3}


class UnknownModel(LookupError):
    """--model names neither an installed model nor a catalogue entry."""


def model_entry(name: str, facts: ModelFacts, est: Estimate, max_ctx: int, file_bytes: int | None,
                installed: bool) -> dict:
    return {
        "model": name,
        "installed": installed,
        "file_bytes": file_bytes,
        "context": est.context,
        "parallel": est.parallel,
        "estimate": est.estimate_json,
        "verdict": est.verdict,
        "verdict_text": est.verdict_text,
        "processor": est.processor,
        "gpu_layers": est.gpu_layers,
        "total_layers": est.total_layers,
        "max_full_gpu_context": max_ctx,
        "trained_context": facts.context_length,
        "kv_cache_type": est.kv_cache_type,
        "flash_attention": est.flash_attention,
        "rules": est.rules,
        "exact": est.exact,
        "margin_bytes": est.margin_bytes,
        "needs_bytes": est.needs_bytes,
        "has_bytes": est.has_bytes,
        "notes": est.notes,
    }


def assess(name: str, facts: ModelFacts, hardware: Hardware, version: str | None, ctx: int | None,
           settings: Settings, file_bytes: int | None, installed: bool, modelfile_ctx: int | None = None) -> dict:
    est = estimate(facts, None, hardware, ctx, version, model=name, modelfile_ctx=modelfile_ctx, settings=settings)
    mx = max_full_gpu_context(facts, None, hardware, version, settings=settings, parallel=est.parallel)
    return model_entry(name, facts, est, mx, file_bytes, installed)


def verdict_for_catalogue(hardware: Hardware, version: str | None = None, ctx: int | None = None,
                          settings: Settings | None = None) -> list[dict]:
    """Every catalogue model assessed for `hardware`, best first: all on GPU (largest first), then
    partial (largest GPU share first), then CPU only (smallest first), then the ones that will not load."""
    s = settings or Settings.from_env()
    out = []
    for e in load_catalogue():
        m = assess(e.model, e.facts(), hardware, version, ctx, s, e.file_bytes, installed=False)
        m["source"] = e.source
        m["file_bytes_source"] = e.file_bytes_source
        out.append(m)

    def key(m: dict) -> tuple:
        rank = _RANK.get(m["verdict"], 4)
        if m["verdict"] == VERDICT_GPU:
            return (rank, -m["file_bytes"])
        if m["verdict"] == VERDICT_PARTIAL:
            share = m["estimate"]["vram_bytes"] / max(m["estimate"]["total_bytes"], 1)
            return (rank, -share)
        return (rank, m["file_bytes"])

    return sorted(out, key=key)


def fit_report(host: str | None = None, ctx: int | None = None, model: str | None = None,
               gpus: str | None = None, ram: str | None = None, *, settings: Settings | None = None,
               hardware: Hardware | None = None, catalogue: bool = True) -> dict:
    """The `tutor fit --json` document. Raises hardware.SpecError for a bad --gpu/--ram and
    UnknownModel for a --model that is neither installed nor in the catalogue."""
    s = settings or Settings.from_env()
    hw = hardware or detect_hardware()
    if gpus is not None or ram is not None:
        hw = what_if(hw, gpus, ram)
    api = OllamaAPI(host)
    ollama: dict[str, Any] = {"host": api.base, "reachable": False, "version": None}
    version: str | None = None
    try:
        version = api.version()
        ollama.update(reachable=True, version=version)
    except OllamaUnavailable as exc:
        # The reason in English for scripts; its kind and values let `tutor fit` word it in Spanish.
        ollama.update(reason=str(exc), reason_kind=exc.kind, reason_values=exc.values)
    planned = version or version_str(LATEST_KNOWN)
    ollama["rules_version"] = version_str(parse_version(planned))
    models: list[dict] = []
    if ollama["reachable"]:
        try:
            tags = api.tags()
        except OllamaUnavailable as exc:
            tags = []
            ollama.update(reason=f"could not list models: {exc}", reason_kind="list_failed", reason_values={"reason": str(exc)})
        names = [t.get("model") or t.get("name") for t in tags]
        sizes = {t.get("model") or t.get("name"): t.get("size") for t in tags}
        if model:
            wanted = [n for n in names if n == model or n == f"{model}:latest"]
        else:
            wanted = names
        for name in wanted:
            try:
                sh = api.show(name)
                facts = ModelFacts.from_show(sh.model_info, sh.tensors, sh.projector_info)
                if not facts.tensors:
                    raise ModelDataError("fit.data.no_tensors")
                models.append(assess(name, facts, hw, version, ctx, s, sizes.get(name), True, sh.num_ctx))
            except (OllamaUnavailable, ModelDataError) as exc:
                models.append({"model": name, "installed": True, "file_bytes": sizes.get(name),
                               "verdict": "unknown", "error": str(exc)})
        if not names:
            if "reason" not in ollama:
                ollama.update(reason="Ollama answers but has no models installed", reason_kind="no_models", reason_values={})
    if model and not any(m["model"] in (model, f"{model}:latest") for m in models):
        e = catalogue_entry(model)
        if e is None:
            from tutor.i18n import say

            key = "fit.err.unknown_model" if ollama["reachable"] else "fit.err.unknown_model_offline"
            raise UnknownModel(say(key, model=repr(model)))
        m = assess(e.model, e.facts(), hw, version, ctx, s, e.file_bytes, installed=False)
        m["source"] = e.source
        models.append(m)
    recs: list[dict] = []
    if catalogue and not model:
        recs = verdict_for_catalogue(hw, version, ctx, s)
    return {"hardware": hw.to_json(), "ollama": ollama, "models": models, "recommendations": recs}

"""`tutor fit`: will a model fit this machine? A table for people, `--json` for scripts.

The lead wires it in tutor/cli.py with `fit_cli.register(sub)`; the handler returns an exit code
(0 ok, 2 for a bad option value) and prints nothing but its report (errors go to stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from tutor.fit.hardware import SpecError
from tutor.fit.units import human_bytes, human_bytes2

EXIT_OK = 0
EXIT_USAGE = 2


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "fit",
        help="check which models fit this machine (before you pull them)",
        description="Estimate the memory Ollama will use for your installed models and for popular "
        "library models, the way the running Ollama version computes it, and say whether each runs "
        "on the GPU, partly, on the CPU, or not at all.",
    )
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    p.add_argument("--ctx", metavar="N", help="context length to plan for (default: what Ollama would use)")
    p.add_argument("--model", metavar="NAME", help="only this model (installed or from the catalogue)")
    p.add_argument("--host", metavar="URL", help="Ollama server (default: OLLAMA_HOST or 127.0.0.1:11434)")
    p.add_argument("--gpu", metavar="KIND:SIZE[,KIND:SIZE...]",
                   help="what-if: plan for these GPUs instead (e.g. cuda:24GiB, metal:10.67GiB, none); "
                   "SIZE is the memory free for models")
    p.add_argument("--ram", metavar="SIZE", help="what-if: plan for this much free system memory (e.g. 32GiB)")
    p.set_defaults(func=run)
    return p


def _parse_ctx(text: str | None) -> int | None:
    if text is None:
        return None
    t = text.strip().lower().replace("_", "")
    mult = 1
    if t.endswith("k"):
        t, mult = t[:-1], 1024
    if not t.isdigit() or int(t) * mult <= 0:
        from tutor.i18n import say

        raise ValueError(say("fit.err.ctx", text=repr(text)))
    return int(t) * mult


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    from tutor.fit.report import UnknownModel, fit_report

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        ctx = _parse_ctx(getattr(args, "ctx", None))
        report = fit_report(host=args.host, ctx=ctx, model=args.model, gpus=args.gpu, ram=args.ram)
    except (ValueError, SpecError, UnknownModel) as exc:
        msg = exc.args[0] if exc.args else str(exc)
        print(f"tutor fit: {msg}", file=err)
        return EXIT_USAGE
    try:
        if args.json:
            json.dump(report, out, indent=2)
            out.write("\n")
        else:
            out.write(render(report))
        out.flush()
    except BrokenPipeError:  # `tutor fit --json | head`: the reader left, that is fine
        pass
    return EXIT_OK


# ------------------------------------------------------------------------------------ table

def _gb(n: int | None) -> str:
    return human_bytes(n) if n else "-"


def _table(rows: list[list[str]], head: list[str]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  " + "  ".join(str(h).ljust(w) for h, w in zip(head, widths)).rstrip()]
    for r in rows:
        lines.append("  " + "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    return lines


_SHORT = {"gpu": "fits on GPU", "partial": "partial", "cpu": "CPU only", "will_not_load": "WILL NOT LOAD",
          "unknown": "unknown"}


def _row(m: dict) -> list[str]:
    est = m.get("estimate") or {}
    if m.get("error"):
        return [m["model"], _gb(m.get("file_bytes")), "-", "-", "-", "-", "error: " + m["error"]]
    verdict = _SHORT.get(m["verdict"], m["verdict"])
    if m["verdict"] == "will_not_load" and m.get("needs_bytes"):
        verdict += f" (needs {human_bytes2(m['needs_bytes'])}, has {human_bytes2(m['has_bytes'])})"
    approx = "" if m.get("exact", True) else "~"
    return [
        m["model"],
        _gb(m.get("file_bytes")),
        approx + human_bytes(est.get("total_bytes")),
        str(m.get("context", "-")),
        m.get("processor", "-"),
        str(m.get("max_full_gpu_context") or "-"),
        verdict,
    ]


HEAD = ["MODEL", "DOWNLOAD", "NEEDS", "CONTEXT", "PROCESSOR", "MAX GPU CTX", "VERDICT"]


def render(report: dict) -> str:
    hw = report["hardware"]
    ol = report["ollama"]
    lines = ["tutor fit: will it run here?", ""]
    what_if = " (what-if)" if hw.get("what_if") else ""
    lines.append("This machine" + what_if)
    cpu = hw.get("cpu") or {}
    feats = " ".join(f for f in cpu.get("features") or [] if f in ("avx", "avx2", "avx512f", "fma", "f16c", "neon"))
    cores = f"{cpu.get('cores')} cores" if cpu.get("cores") else "cores unknown"
    lines.append(f"  CPU     {cpu.get('model') or 'unknown'} ({cores}{'; ' + feats if feats else ''})")
    if hw.get("ram_total") is None:
        lines.append("  Memory  unknown")
    else:
        mem = f"  Memory  {human_bytes2(hw['ram_total'])} total, {human_bytes2(hw.get('ram_available'))} available"
        if hw.get("swap_free"):
            mem += f", {human_bytes2(hw['swap_free'])} swap free"
        if hw.get("cgroup_limit") is not None:
            mem += f", container limit {human_bytes2(hw['cgroup_limit'])}"
        lines.append(mem)
    if not hw.get("gpus"):
        lines.append("  GPU     none (models run on the CPU)")
    for g in hw.get("gpus") or []:
        free = g.get("free_bytes")
        lines.append(f"  GPU     {g.get('kind')} {g.get('name') or ''}: {human_bytes2(g.get('total_bytes'))}"
                     + (f" ({human_bytes2(free)} free)" if free is not None and free != g.get("total_bytes") else ""))
    if hw.get("disk_free") is not None:
        lines.append(f"  Disk    {human_bytes2(hw['disk_free'])} free for models ({hw.get('models_dir')})")
    lines.append("")
    if ol.get("reachable"):
        lines.append(f"Ollama {ol.get('version')} at {ol.get('host')}")
    else:
        lines.append(f"Ollama not reachable at {ol.get('host')}: {ol.get('reason', 'no answer')}")
        lines.append(f"  so installed models are not listed; estimates use the rules of Ollama {ol.get('rules_version')}.")
    models = report.get("models") or []
    if models:
        lines += ["", "Models"]
        lines += _table([_row(m) for m in models], HEAD)
    elif ol.get("reachable"):
        lines += ["", f"No installed models to check{': ' + ol['reason'] if ol.get('reason') else ''}."]
    recs = report.get("recommendations") or []
    if recs:
        lines += ["", "Popular models from the Ollama library, best fit first"]
        lines += _table([_row(m) for m in recs], HEAD)
    lines += ["", "NEEDS is what `ollama ps` would show as SIZE (~ = this Ollama measures; estimate with margin).",
              "MAX GPU CTX is the largest context that still runs 100% on the GPU.", ""]
    return "\n".join(lines)

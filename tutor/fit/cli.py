"""`tutor fit`: will a model fit this machine? A table for people, `--json` for scripts.

The lead wires it in tutor/cli.py with `fit_cli.register(sub)`; the handler returns an exit code
(0 ok, 2 for a bad option value) and prints nothing but its report (errors go to stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from tutor.fit.units import human_bytes, human_bytes2
from tutor.i18n import CATALOGUE, say

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
    from tutor.fit.hardware import SpecError  # here, not at import: every `tutor` start registers this verb
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


def _verdict_word(verdict: str) -> str:
    key = f"fit.table.verdict.{verdict}"
    return say(key) if key in CATALOGUE["en"] else verdict


def _row(m: dict) -> list[str]:
    est = m.get("estimate") or {}
    if m.get("error"):
        return [m["model"], _gb(m.get("file_bytes")), "-", "-", "-", "-", say("fit.table.error", error=m["error"])]
    verdict = _verdict_word(m["verdict"])
    if m["verdict"] == "will_not_load" and m.get("needs_bytes"):
        verdict += " " + say("fit.table.needs_has", needs=human_bytes2(m["needs_bytes"]), has=human_bytes2(m["has_bytes"]))
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


HEAD_KEYS = ["model", "download", "needs", "context", "processor", "max_gpu_ctx", "verdict"]


def _reason(ol: dict) -> str:
    """Why Ollama did not answer (or listed nothing), in the message language where its kind is known."""
    key = f"fit.reason.{ol.get('reason_kind')}"
    if key in CATALOGUE["en"]:
        return say(key, **(ol.get("reason_values") or {}))
    return ol.get("reason") or say("fit.reason.no_answer")


def render(report: dict) -> str:
    """The report as a table, in the command line's language (tutor.i18n.message_lang)."""
    hw = report["hardware"]
    ol = report["ollama"]
    lines = [say("fit.title"), ""]
    lines.append(say("fit.machine.what_if") if hw.get("what_if") else say("fit.machine"))
    cpu = hw.get("cpu") or {}
    feats = " ".join(f for f in cpu.get("features") or [] if f in ("avx", "avx2", "avx512f", "fma", "f16c", "neon"))
    cores = say("fit.machine.cores", n=cpu.get("cores")) if cpu.get("cores") else say("fit.machine.cores_unknown")
    lines.append(say("fit.machine.cpu", model=cpu.get("model") or say("fit.unknown"), cores=cores,
                     features="; " + feats if feats else ""))
    if hw.get("ram_total") is None:
        lines.append(say("fit.machine.memory_unknown"))
    else:
        mem = say("fit.machine.memory", total=human_bytes2(hw["ram_total"]), available=human_bytes2(hw.get("ram_available")))
        if hw.get("swap_free"):
            mem += say("fit.machine.swap", size=human_bytes2(hw["swap_free"]))
        if hw.get("cgroup_limit") is not None:
            mem += say("fit.machine.container", size=human_bytes2(hw["cgroup_limit"]))
        lines.append(mem)
    if not hw.get("gpus"):
        lines.append(say("fit.machine.no_gpu"))
    for g in hw.get("gpus") or []:
        free = g.get("free_bytes")
        shown_free = say("fit.machine.gpu_free", size=human_bytes2(free)) if free is not None and free != g.get("total_bytes") else ""
        name = say("fit.machine.gpu_what_if", kind=g.get("kind")) if g.get("source") == "what-if" else g.get("name") or ""
        lines.append(say("fit.machine.gpu", kind=g.get("kind"), name=name,
                         total=human_bytes2(g.get("total_bytes")), free=shown_free))
    if hw.get("disk_free") is not None:
        lines.append(say("fit.machine.disk", size=human_bytes2(hw["disk_free"]), folder=hw.get("models_dir")))
    lines.append("")
    if ol.get("reachable"):
        lines.append(say("fit.ollama.at", version=ol.get("version"), host=ol.get("host")))
    else:
        lines.append(say("fit.ollama.unreachable", host=ol.get("host"), reason=_reason(ol)))
        lines.append(say("fit.ollama.rules", version=ol.get("rules_version")))
    head = [say(f"fit.table.head.{key}") for key in HEAD_KEYS]
    models = report.get("models") or []
    if models:
        lines += ["", say("fit.models")]
        lines += _table([_row(m) for m in models], head)
    elif ol.get("reachable"):
        lines += ["", say("fit.no_models", reason=": " + _reason(ol) if ol.get("reason") else "")]
    recs = report.get("recommendations") or []
    if recs:
        lines += ["", say("fit.popular")]
        lines += _table([_row(m) for m in recs], head)
    lines += ["", say("fit.legend.needs"), say("fit.legend.max_ctx"), ""]
    return "\n".join(lines)

"""The engine's command-line verbs: tokenize, generate, train, engine info / engine bpe / engine export.

`register(subparsers)` is called by tutor/cli.py. Handlers return an exit code: 0 ok,
1 something failed at run time, 2 a usage error (reported in one line on stderr), 130
interrupted. torch is imported inside the handlers only, so `tutor --help` stays instant.
"""

from __future__ import annotations

import argparse
import sys
import time

from tutor.argtypes import float_between, int_between, seed, writable_file
from tutor.i18n import CATALOGUE, say

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _error(message: str, code: int = EXIT_USAGE) -> int:
    print(f"tutor: error: {message}", file=sys.stderr)
    return code


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("tokenize", help="show how a text splits into tokens")
    p.add_argument("text", help="the text to tokenize ('-' reads standard input)")
    p.add_argument(
        "--encoding", "-e", default="gpt2", metavar="NAME",
        help="gpt2 | cl100k_base | o200k_base | course (default: gpt2)",
    )
    p.set_defaults(func=cmd_tokenize)

    p = subparsers.add_parser("generate", help="continue a prompt with the course's mini GPT (or GPT-2: --model gpt2)")
    p.add_argument("prompt", help="the text to continue")
    p.add_argument("--temperature", "-t", type=float_between(0, 10), default=0.8, help="0 = greedy, at most 10 (default 0.8)")
    p.add_argument("--top-k", type=int_between(0, 1_000_000), default=40, help="keep the k most likely tokens (0 = all; default 40)")
    p.add_argument("--top-p", type=float_between(0, 1, low_open=True), default=None, help="nucleus sampling threshold in (0, 1]")
    p.add_argument("--max-tokens", type=int_between(1, 10_000), default=80, help="new tokens at most, 1 to 10,000 (default 80)")
    p.add_argument("--seed", type=seed, default=None, help="same seed, same text (0 to 2^63-1)")
    p.add_argument("--device", default=None, help="auto | cpu | cuda | mps")
    add_model_options(p)
    p.set_defaults(func=cmd_generate)

    p = subparsers.add_parser("train", help="train the course's mini GPT on the course text")
    p.add_argument("--steps", type=int_between(1, 1_000_000), default=None, help="optimiser steps (default: the shipped recipe's)")
    p.add_argument("--out", type=writable_file, default=None, help="checkpoint path (default: <data dir>/models/course_gpt.pt)")
    p.add_argument("--device", default=None, help="auto | cpu | cuda | mps")
    p.add_argument("--seed", type=seed, default=None, help="default: the shipped recipe's seed")
    p.add_argument("--threads", type=int_between(1, 256), default=None, help="CPU threads (default 1: reproducible, and fastest on a busy machine)")
    p.add_argument("--fp32", action="store_true", help="save float32 weights (default float16, half the size)")
    p.set_defaults(func=cmd_train)

    p = subparsers.add_parser("engine", help="the engine: model info, course tokenizer")
    sub = p.add_subparsers(dest="engine_command", metavar="ACTION")
    info = sub.add_parser("info", help="the shipped model's config and where its parameters live")
    info.add_argument("--gpt2", action="store_true", help="explain GPT-2 small (124M) instead")
    add_model_options(info)
    info.set_defaults(func=cmd_engine_info)
    g = sub.add_parser("get", help="download GPT-2 weights from the Hugging Face hub (asks first)")
    g.add_argument("name", help="gpt2 | gpt2-medium | gpt2-large")
    g.add_argument("--yes", "-y", action="store_true", help="do not ask (needed without a terminal)")
    g.set_defaults(func=cmd_engine_get)
    b = sub.add_parser("bpe", help="retrain the course tokenizer (BPE) on the course text")
    b.add_argument("--vocab-size", type=int_between(257, 65_536), default=None, help="257 to 65,536 (default 3072)")
    b.add_argument("--out", type=writable_file, default=None, help="default: <data dir>/models/course_bpe.tiktoken")
    b.set_defaults(func=cmd_engine_bpe)
    x = sub.add_parser("export", help="write the model as a llama.cpp GGUF file (+ an Ollama Modelfile)")
    x.add_argument("--gguf", required=True, metavar="OUT.gguf", help="the file to write; OUT.Modelfile goes beside it")
    x.add_argument("--checkpoint", default=None, metavar="F.pt", help="a checkpoint from `tutor train --out` or lab 12 (default: the shipped model; or --model/--model-path for GPT-2)")
    x.add_argument("--dtype", default="f16", choices=("f16", "f32"), help="matrix precision (default f16)")
    x.add_argument("--name", default=None, help="the model's name inside the file")
    add_model_options(x)
    x.set_defaults(func=cmd_engine_export)
    p.set_defaults(func=lambda args: (p.print_help(), EXIT_OK)[1])


def add_model_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--model", default=None, metavar="NAME",
        help="course (default) | gpt2 | gpt2-medium | gpt2-large (after `tutor engine get NAME`)",
    )
    group.add_argument("--model-path", default=None, metavar="DIR", help="a Hugging Face GPT-2 folder: config.json + model.safetensors")


def _model_choice(args: argparse.Namespace) -> str | None:
    """The model named by --model / --model-path, or None for the default (course) path."""
    if getattr(args, "model_path", None):
        return args.model_path
    model = getattr(args, "model", None)
    return None if model in (None, "course") else model


def _load_named_model(choice: str, device: str | None):
    """-> ((model, tokenizer), None) or (None, exit code) with the reason printed."""
    from tutor.engine.registry import ModelLoadError, ModelUnavailable, load_model

    try:
        return load_model(choice, device), None
    except (ModelUnavailable, ModelLoadError) as exc:
        return None, _error(str(exc))


# ----------------------------------------------------------------------------- tokenize


def cmd_tokenize(args: argparse.Namespace) -> int:
    from tutor.engine.tokenizers import (
        ENCODING_NAMES,
        TokenizerUnavailable,
        estimate_tokens_from_words,
        get_tokenizer,
    )

    if args.encoding not in ENCODING_NAMES:
        return _error(say("engine.err.unknown_encoding", name=repr(args.encoding), names=", ".join(ENCODING_NAMES)))
    text = sys.stdin.read() if args.text == "-" else args.text
    try:
        tok = get_tokenizer(args.encoding)
    except TokenizerUnavailable as exc:
        return _error(str(exc), EXIT_FAIL)
    pieces = tok.pieces(text)
    print(say("engine.tokenize.encoding", name=tok.name, n=f"{tok.n_vocab:,}"))
    width = len(str(tok.n_vocab))
    for piece in pieces:
        try:
            shown = repr(piece.raw.decode("utf-8"))
        except UnicodeDecodeError:  # a token that holds only part of a character's bytes
            shown = say("engine.tokenize.bytes", hex=piece.raw.hex(" "))
            if piece.text:
                shown += "  " + say("engine.tokenize.part_of", char=repr(piece.text[-1]))
            else:
                shown += "  " + say("engine.tokenize.rest_of")
        print(f"  {piece.id:>{width}}  {shown}")
    words = len(text.split())
    print(say("engine.tokenize.counts", tokens=len(pieces), words=words, estimate=estimate_tokens_from_words(text)))
    return EXIT_OK


# ----------------------------------------------------------------------------- generate


def cmd_generate(args: argparse.Namespace) -> int:
    if not args.prompt.strip():
        return _error(say("engine.err.empty_prompt"))
    if args.temperature < 0:
        return _error(say("engine.err.not_negative", option="--temperature"))
    if args.top_k < 0:
        return _error(say("engine.err.not_negative", option="--top-k"))
    if args.top_p is not None and not 0 < args.top_p <= 1:
        return _error(say("engine.err.top_p"))
    if args.max_tokens < 1:
        return _error(say("engine.err.at_least", option="--max-tokens", n=1))
    try:
        from tutor.engine.device import pick_device

        device = pick_device(args.device)
    except ValueError as exc:
        return _error(str(exc))
    from tutor.engine.pretrained import load_pretrained
    from tutor.engine.sampling import generate

    choice = _model_choice(args)
    if choice is not None:
        loaded, code = _load_named_model(choice, device)
        if loaded is None:
            return code
        model, tok = loaded
    else:
        try:
            model, tok = load_pretrained(device)
        except (FileNotFoundError, RuntimeError) as exc:
            return _error(str(exc), EXIT_FAIL)
    out = sys.stdout
    out.write(args.prompt)
    out.flush()
    steps = generate(
        model, tok, args.prompt, args.max_tokens, temperature=args.temperature,
        top_k=args.top_k or None, top_p=args.top_p, seed=args.seed, stream=True,
    )
    pending: list[int] = []  # tokens that end mid-character wait for the rest of it
    try:
        for step in steps:
            if step.token_id == tok.eot_id:
                break
            pending.append(step.token_id)
            text = tok.decode(pending)
            if not text.endswith("\ufffd"):
                out.write(text)
                out.flush()
                pending = []
    except KeyboardInterrupt:
        out.write("\n")
        return EXIT_INTERRUPTED
    if pending:
        out.write(tok.decode(pending))
    out.write("\n")
    return EXIT_OK


# ----------------------------------------------------------------------------- train


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def progress_line(event, width: int = 24) -> str:
    """One line of plain-text progress for a TrainEvent."""
    frac = event.step / max(1, event.max_steps)
    filled = round(frac * width)
    bar = "#" * filled + "." * (width - filled)
    left = event.elapsed / max(frac, 1e-9) - event.elapsed if event.step else 0.0
    val = f" val {event.val_loss:.3f}" if event.val_loss is not None else ""
    return say(
        "engine.train.progress",
        step=f"{event.step:>{len(str(event.max_steps))}}/{event.max_steps}", bar=bar, percent=f"{frac:4.0%}",
        loss=f"{event.train_loss:.3f}", val=val, lr=f"{event.lr:.1e}", speed=f"{event.tokens_per_s:,.0f}",
        elapsed=_clock(event.elapsed), left=_clock(left),
    )


def show_progress(events, out, tty: bool) -> None:
    """Draw TrainEvents as plain text: one line rewritten with \\r on a terminal (validation
    points and samples stay on screen), or a line per validation point otherwise (logs, CI)."""
    last = ""
    for event in events:
        line = progress_line(event)
        if tty:
            out.write("\r" + line.ljust(len(last)))
            last = line
            if event.val_loss is not None or event.sample or event.done:
                out.write("\n")
                last = ""
        elif event.val_loss is not None or event.done:
            out.write(line + "\n")
        if event.sample:
            out.write("  " + say("engine.train.sample", text=repr(event.sample)) + "\n")
        out.flush()


def cmd_train(args: argparse.Namespace) -> int:
    if args.steps is not None and args.steps < 1:
        return _error(say("engine.err.at_least", option="--steps", n=1))
    if args.threads is not None and args.threads < 1:
        return _error(say("engine.err.at_least", option="--threads", n=1))
    try:
        from tutor.engine.device import describe_device, pick_device

        device = pick_device(args.device)
    except ValueError as exc:
        return _error(str(exc))
    from pathlib import Path

    from tutor.engine.pretrained import COURSE_THREADS, train_course_model
    from tutor.engine.training import load_checkpoint

    if args.out:
        out = Path(args.out)
    else:
        from tutor.paths import data_dir

        out = data_dir() / "models" / "course_gpt.pt"
        try:  # checked now, not after the training run
            writable_file(str(out))
        except argparse.ArgumentTypeError as exc:
            return _error(f"--out: {exc}")

    where = describe_device(device)
    if device == "cpu":
        n = args.threads or COURSE_THREADS
        where = say("engine.train.cpu_threads" if n > 1 else "engine.train.cpu_thread", n=n)
    print(say("engine.train.start", where=where, out=out), flush=True)
    try:
        events = train_course_model(
            steps=args.steps, out=out, device=device, seed=args.seed, half=not args.fp32, threads=args.threads
        )
        show_progress(events, sys.stdout, sys.stdout.isatty())
    except KeyboardInterrupt:
        print("\n" + say("engine.err.interrupted_train"), file=sys.stderr)
        return EXIT_INTERRUPTED
    except (RuntimeError, ValueError) as exc:
        return _error(str(exc), EXIT_FAIL)
    _, meta = load_checkpoint(out, "cpu")
    print(say(
        "engine.train.saved", out=out, mb=f"{out.stat().st_size / 1e6:.1f}",
        loss=f"{meta['val_loss_exact']:.3f}", unigram=f"{meta['unigram_val_loss']:.3f}",
    ))
    return EXIT_OK


# ----------------------------------------------------------------------------- engine info / bpe


def _print_breakdown(rows, total: int) -> None:
    width = max(len(name) for name, _, _ in rows)
    for name, count, text in rows:
        print(f"  {name:<{width}}  {count:>12,}  {100 * count / total:5.1f}%  {text}")
    print(f"  {say('engine.info.total'):<{width}}  {total:>12,}")


def _setting(value) -> str:
    """A config value (learned, rope, dense, moe, True, False) as the message language words it."""
    key = f"engine.info.value.{value}"
    return say(key) if key in CATALOGUE["en"] else str(value)


def cmd_engine_info(args: argparse.Namespace) -> int:
    from tutor.engine.model import GPTConfig, count_parameters, parameter_breakdown

    if args.gpt2:
        config = GPTConfig.gpt2_small()
        total = count_parameters(config)
        print(say("engine.info.gpt2", layers=config.n_layer, heads=config.n_head, width=config.n_embd,
                  vocab=f"{config.vocab_size:,}", context=f"{config.block_size:,}", total=f"{total:,}"))
        _print_breakdown(parameter_breakdown(config), total)
        return EXIT_OK
    if _model_choice(args) is not None:
        return _info_named_model(_model_choice(args))
    from tutor.engine.device import describe_device, pick_device
    from tutor.engine.pretrained import pretrained_info

    try:
        start = time.perf_counter()
        info = pretrained_info()
        load_s = time.perf_counter() - start
    except (FileNotFoundError, RuntimeError) as exc:
        return _error(str(exc), EXIT_FAIL)
    c, meta = info["config"], info["meta"]
    print(say("engine.info.course", layers=c["n_layer"], heads=c["n_head"], width=c["n_embd"],
              vocab=f"{c['vocab_size']:,}", context=c["block_size"]))
    print(say("engine.info.arch", positions=_setting(c["positions"]), ffn=_setting(c["ffn"]), dropout=c["dropout"],
              bias=_setting(c["bias"])))
    print(say("engine.info.file", mb=f"{info['file_bytes'] / 1e6:.1f}", seconds=f"{load_s:.2f}",
              device=describe_device(pick_device(None))))
    if meta:
        tc = meta.get("train_config", {})
        print(say("engine.info.trained", by=meta.get("created_by", "?"), steps=meta.get("steps_done", "?"),
                  batch=tc.get("batch_size", "?"), seed=tc.get("seed", "?"), train=f"{meta.get('train_tokens', 0):,}",
                  val=f"{meta.get('val_tokens', 0):,}"))
        if "val_loss_exact" in meta:
            print(say("engine.info.loss", loss=f"{meta['val_loss_exact']:.3f}", unigram=f"{meta['unigram_val_loss']:.3f}"))
    if not info["tokenizer_matches"]:
        print(say("engine.info.tokenizer_changed"))
    if not info["corpus_matches"]:
        print(say("engine.info.corpus_changed"))
    print(say("engine.info.parameters", n=f"{info['parameters']:,}"))
    from tutor.engine.model import GPTConfig as _Config

    _print_breakdown(parameter_breakdown(_Config(**c)), info["parameters"])
    return EXIT_OK


def _info_named_model(choice: str) -> int:
    from tutor.engine.model import parameter_breakdown
    from tutor.engine.registry import resolve

    start = time.perf_counter()
    loaded, code = _load_named_model(choice, "cpu")
    if loaded is None:
        return code
    load_s = time.perf_counter() - start
    model, tok = loaded
    c = model.config
    source = resolve(choice)
    total = model.num_params()
    print(say("engine.info.named", label=source.label, layers=c.n_layer, heads=c.n_head, width=c.n_embd,
              vocab=f"{c.vocab_size:,}", tokenizer=tok.name, context=f"{c.block_size:,}", total=f"{total:,}"))
    print(say("engine.info.from", path=source.path, seconds=f"{load_s:.2f}"))
    print(say("engine.info.named_arch", positions=_setting(c.positions), ffn=_setting(c.ffn), eps=f"{c.layer_norm_eps:g}",
              bias=_setting(c.bias)))
    _print_breakdown(parameter_breakdown(model), total)
    return EXIT_OK


def _download_bar(done: int, total: int, width: int = 24) -> str:
    from tutor.engine.registry import human_bytes

    frac = done / total if total else 1.0
    filled = round(frac * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {frac:4.0%} {human_bytes(done)} of {human_bytes(total)}"


def cmd_engine_get(args: argparse.Namespace) -> int:
    from tutor.engine import hub
    from tutor.engine.registry import HUB_MODELS, human_bytes

    if args.name not in HUB_MODELS:
        return _error(say("engine.err.unknown_model", name=repr(args.name), names=", ".join(HUB_MODELS)))
    model = HUB_MODELS[args.name]
    try:
        cached = hub.verify_cached(args.name)
    except hub.DownloadError as exc:  # a damaged copy was removed: say so, then download afresh
        print(say("engine.note", text=exc), file=sys.stderr)
        cached = None
    if cached is not None:
        print(say("engine.get.cached", name=model.name, path=cached))
        return EXIT_OK
    try:
        files = hub.remote_files(model)
    except hub.DownloadError as exc:
        return _error(str(exc), EXIT_USAGE)
    size = sum(f.size for f in files)
    print(say(
        "engine.get.size", name=model.name, repo=model.repo_id, parameters=f"{model.parameters:,}",
        size=human_bytes(size), folder=hub.hub_cache_dir(),
    ))
    if not args.yes:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            return _error(say("engine.err.download_needs_yes"))
        try:
            answer = input(say("engine.download_ask")).strip().lower()
        except EOFError:
            answer = ""
        if answer not in ("y", "yes", "s", "si", "sí"):
            print(say("engine.nothing_downloaded"))
            return EXIT_OK
    tty = sys.stdout.isatty()
    shown = {"step": -1}

    def progress(done: int, total: int) -> None:
        if tty:
            sys.stdout.write("\r" + _download_bar(done, total))
            sys.stdout.flush()
        else:  # logs and CI: a line per tenth
            step = int(10 * done / total) if total else 10
            if step > shown["step"]:
                shown["step"] = step
                print(_download_bar(done, total), flush=True)

    try:
        folder = hub.download(args.name, progress=progress, files=files)
    except KeyboardInterrupt:
        print("\n" + say("engine.err.interrupted_download"), file=sys.stderr)
        return EXIT_INTERRUPTED
    except hub.DownloadError as exc:
        if tty:
            print()
        return _error(str(exc), EXIT_FAIL if exc.kind == "corrupt" else EXIT_USAGE)
    if tty:
        print()
    print(say("engine.get.saved", folder=folder))
    print(say("engine.get.try", name=model.name))
    return EXIT_OK


def cmd_engine_bpe(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tutor.engine.bpe import DEFAULT_VOCAB_SIZE, train_course_tokenizer

    vocab = args.vocab_size or DEFAULT_VOCAB_SIZE
    if vocab < 257:
        return _error(say("engine.err.vocab_size"))
    if args.out:
        out = Path(args.out)
    else:
        from tutor.paths import data_dir

        out = data_dir() / "models" / "course_bpe.tiktoken"
        try:
            writable_file(str(out))
        except argparse.ArgumentTypeError as exc:
            return _error(f"--out: {exc}")
    try:
        ranks, path = train_course_tokenizer(vocab, out)
    except RuntimeError as exc:
        return _error(str(exc), EXIT_FAIL)
    print(say("engine.bpe.done", merges=f"{len(ranks) - 256:,}", tokens=f"{len(ranks) + 1:,}", path=path))
    return EXIT_OK


# ----------------------------------------------------------------------------- engine export


def cmd_engine_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    try:
        from tutor.engine.export import ExportRefused, export_gguf, load_source
    except ImportError as exc:  # the gguf package missing from a partial install
        return _error(say("engine.err.no_gguf", detail=exc), EXIT_FAIL)
    out = Path(args.gguf)
    if out.is_dir():
        return _error(say("engine.err.gguf_folder", out=out, example=out / "course.gguf"))
    choice = _model_choice(args)
    if choice is not None and args.checkpoint:
        return _error(say("engine.err.not_both"))
    if choice is not None:  # GPT-2 from the Hugging Face cache or a folder (the model registry)
        loaded, code = _load_named_model(choice, "cpu")
        if loaded is None:
            return code
        model, tokenizer = loaded
        label = choice
        name = args.name or f"{Path(choice).name or choice} (exported by tutor)"
    else:
        try:
            model, tokenizer, label = load_source(args.checkpoint)
        except FileNotFoundError as exc:
            return _error(str(exc))
        except Exception as exc:  # noqa: BLE001 - a file that is not a checkpoint: say so in one line
            return _error(say("engine.err.cannot_read", path=args.checkpoint, detail=f"{type(exc).__name__}: {exc}"), EXIT_FAIL)
        name = args.name or ("tutor course GPT" if args.checkpoint is None else f"tutor GPT ({Path(args.checkpoint).stem})")
    try:
        result = export_gguf(out, model, tokenizer, dtype=args.dtype, name=name)
    except ExportRefused as exc:
        return _error(say("engine.err.cannot_export", detail=exc), EXIT_FAIL)
    except OSError as exc:
        return _error(say("engine.err.cannot_write", path=out, detail=exc), EXIT_FAIL)
    print(say(
        "engine.export.done", label=label, parameters=f"{result.parameters:,}", tensors=result.tensors,
        dtype=result.dtype, path=result.gguf_path, mb=f"{result.file_bytes / 1e6:.1f}", sha=result.sha256[:12],
    ))
    print(say("engine.export.modelfile", path=result.modelfile_path))
    from tutor.engine.export import ollama_name

    ollama = ollama_name(result.gguf_path.stem)
    print(say("engine.export.ollama", name=ollama, path=result.modelfile_path))
    print(say("engine.export.ollama_run", name=ollama))
    return EXIT_OK

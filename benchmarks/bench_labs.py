"""How live the labs feel: the engine work behind each redraw, timed the way the labs call it.

Prints medians (and the 90th percentile) per lab action, next to the budget the issue sets:
a keystroke's token view well under a frame, a next-token distribution or an attention heatmap
within a quarter second, a training lab drawing progress several times a second.

    python benchmarks/bench_labs.py            # all of it (~1 minute on 2 CPU cores)
    python benchmarks/bench_labs.py --quick    # fewer repeats

Nothing here is asserted: it prints figures to compare between machines and commits.
"""

from __future__ import annotations

import argparse
import statistics
import time

SENTENCE_ES = "El gato está en la mesa y mira por la ventana mientras llueve sobre la ciudad"
SENTENCE_EN = "The cat is on the table and looks out of the window while it rains on the city"


def timed(fn, repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def report(name: str, samples: list[float], budget_s: float | None) -> None:
    median = statistics.median(samples)
    p90 = sorted(samples)[max(0, int(len(samples) * 0.9) - 1)]
    budget = f"budget {budget_s * 1000:7.1f} ms  {'ok' if median <= budget_s else 'OVER'}" if budget_s else ""
    print(f"{name:<52} median {median * 1000:8.2f} ms   p90 {p90 * 1000:8.2f} ms   {budget}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeats = 10 if args.quick else 40

    start = time.perf_counter()
    from tutor.engine.pretrained import load_pretrained

    model, tokenizer = load_pretrained("cpu")
    print(f"first load of torch + the shipped mini GPT: {time.perf_counter() - start:.2f} s (once per session)\n")

    from tutor.app.labs.l01_next_token import next_token_view
    from tutor.app.labs.l02_context import measure
    from tutor.engine.tokenizers import get_tokenizer

    encoders = [get_tokenizer(name) for name in ("gpt2", "cl100k_base", "course")]

    # Lab 4 / lab 2: every keystroke re-tokenizes the text with three encodings.
    def keystroke_tokens() -> None:
        for enc in encoders:
            enc.pieces(SENTENCE_ES)

    report("lab 4: token view per keystroke (3 encodings)", timed(keystroke_tokens, repeats * 5), 1 / 60)
    report("lab 2: counts + shapes + next token per keystroke", timed(lambda: measure(SENTENCE_EN), repeats), 0.25)
    report("lab 1: next-token distribution (top 8)", timed(lambda: next_token_view(SENTENCE_ES, 1.0), repeats), 0.25)
    ids = tokenizer.encode(SENTENCE_ES)
    report(f"lab 6: attention heatmap, all layers/heads ({len(ids)} tokens)", timed(lambda: model.inspect(ids), repeats), 0.25)

    # Lab 12: the time between two progress events of a live training run.
    from tutor.app.labs.l12_training import RUN_OVERRIDES, build_trainer
    from tutor.engine.device import small_model_threads

    steps = 15 if args.quick else 40
    overrides = dict(RUN_OVERRIDES, eval_interval=10**9, sample_interval=10**9)
    trainer, _setup = build_trainer(steps, overrides, {})
    gaps = []
    last = time.perf_counter()
    with small_model_threads(trainer.model):  # as the lab runs it
        for event in trainer.run():
            now = time.perf_counter()
            if event.step > 1:  # the first step pays for warm-up
                gaps.append(now - last)
            last = now
    report("lab 12: time between training progress events", gaps, 1 / 3)
    print(f"   -> {1 / statistics.median(gaps):.1f} progress updates per second (the lab redraws at most 10/s)")


if __name__ == "__main__":
    main()

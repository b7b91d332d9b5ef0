"""GGUF export speed and size, measured: prints medians; asserts nothing (tests never time things).

    python benchmarks/bench_export.py [--repeats 5]

1. tokenizer: rebuilding the merges from the course tokenizer's tiktoken ranks (tokenizer_data).
2. export:    export_gguf of the shipped model, f16 and f32 (tokenizer + tensors + Modelfile),
              with the file sizes.
3. upload:    create_model against the 127.0.0.1 stand-in Ollama (tests/servers/ollama_server.py):
              blob HEAD + upload + /api/create, first time and again (blob already there).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def timed(fn, repeats: int) -> float:
    values = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        values.append(time.perf_counter() - start)
    return statistics.median(values) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from tutor.engine import export
    from tutor.engine.pretrained import load_pretrained

    model, tok = load_pretrained("cpu")
    print(f"tokenizer data (merges from ranks, {tok.n_vocab:,} tokens): {timed(lambda: export.tokenizer_data(tok), args.repeats):8.1f} ms")
    with tempfile.TemporaryDirectory() as folder:
        for dtype in export.DTYPES:
            out = Path(folder) / f"course-{dtype}.gguf"
            ms = timed(lambda: export.export_gguf(out, model, tok, dtype=dtype), args.repeats)
            print(f"export {dtype}: {ms:8.1f} ms  -> {out.stat().st_size / 1e6:.2f} MB")

        from tests.servers.ollama_server import OllamaStub
        from tutor.chat.create import create_model

        path = Path(folder) / "course-f16.gguf"
        spec = export.read_modelfile(export.modelfile_path(path))
        with OllamaStub() as stub:
            first = timed(lambda: list(create_model("tutor-course", path, spec, host=stub.url)), 1)
            again = timed(lambda: list(create_model("tutor-course", path, spec, host=stub.url)), args.repeats)
        print(f"create in the stand-in Ollama: first {first:8.1f} ms (upload), again {again:8.1f} ms (blob reused)")


if __name__ == "__main__":
    main()

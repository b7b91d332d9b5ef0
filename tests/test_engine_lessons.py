"""The lesson engines' numbers: MLP, embeddings, PyTorch basics, scaling, memory, RoPE, timeline."""

from __future__ import annotations

import math
import subprocess
import sys
import threading

import pytest

from tutor.engine import (
    attention_demo,
    basics,
    embeddings,
    memory,
    mlp,
    rope_demo,
    scaling,
    timeline,
)

# --- no torch where it is not needed -------------------------------------------------------------


def test_modules_import_without_torch():
    code = (
        "import sys\n"
        "import tutor.engine.memory, tutor.engine.scaling, tutor.engine.timeline\n"
        "import tutor.engine.rope_demo, tutor.engine.attention_demo\n"
        "assert 'torch' not in sys.modules, 'pure modules loaded torch'\n"
        "import tutor.engine.mlp, tutor.engine.embeddings, tutor.engine.basics\n"
        "assert 'torch' not in sys.modules, 'lazy modules loaded torch at import'\n"
        "from tutor.engine import memory, scaling, timeline, rope_demo, embeddings\n"
        "memory.model_memory(7e9, 'q4_K_M'); scaling.compute_optimal(1e21); timeline.gpt_log_bars()\n"
        "rope_demo.relative_position_check(); embeddings.colour_arithmetic('amarillo - verde + azul')\n"
        "embeddings.word_arithmetic('rey - hombre + mujer')\n"
        "assert 'torch' not in sys.modules, 'a pure function loaded torch'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


# --- memory --------------------------------------------------------------------------------------


def test_weight_bytes_and_units():
    b = memory.weight_bytes(7e9, "fp16")
    assert b == 14e9
    assert round(memory.to_gib(b), 2) == 13.04
    assert memory.to_gb(b) == 14.0
    assert memory.format_bytes(b) == "13.04 GiB"
    assert memory.format_bytes(b, binary=False) == "14.00 GB"
    assert memory.format_bytes(2**30) == "1.00 GiB"
    assert memory.format_bytes(512) == "512 B"
    assert memory.weight_bytes(7e9, "fp32") == 28e9
    assert memory.weight_bytes(7e9, "bf16") == 14e9
    assert memory.weight_bytes(7e9, "int8") == 7e9
    assert memory.weight_bytes(7e9, "4bit") == 3.5e9
    with pytest.raises(ValueError):
        memory.weight_bytes(1e9, "fp12")


def test_gguf_bits_per_weight_follow_the_block_layouts():
    # q8_0: 32 int8 + one fp16 scale; q4_0: 32 nibbles + one fp16 scale; q4_K: 144 bytes / 256.
    assert memory.bits_per_weight("q8_0") == (32 + 2) * 8 / 32 == 8.5
    assert memory.bits_per_weight("q4_0") == (16 + 2) * 8 / 32 == 4.5
    q4_k, q6_k = 144 * 8 / 256, 210 * 8 / 256
    assert q4_k < memory.bits_per_weight("q4_K_M") < q6_k
    assert abs(memory.bits_per_weight("q4_K_M") - 4.84) < 0.05  # llama.cpp: 4.84 bpw on Llama 2 7B
    assert memory.weight_bytes(8e9, "q4_K_M") == pytest.approx(4.85e9)


def test_kv_cache_with_and_without_gqa():
    # Llama 3.1 8B: 32 layers, 8 KV heads of 128 -> 128 KiB per token in fp16, 1 GiB at 8192 tokens.
    assert memory.kv_cache_bytes_per_token(32, 8, 128) == 128 * 1024
    assert memory.kv_cache_bytes(32, 8, 128, 8192, 2) == 2**30
    # Llama 2 7B has no GQA (32 KV heads): 4x the cache, 2 GiB at 4096 tokens.
    assert memory.kv_cache_bytes(32, 32, 128, 4096, 2) == 2 * 2**30
    assert memory.kv_cache_bytes(32, 32, 128, 4096) == 4 * memory.kv_cache_bytes(32, 8, 128, 4096)
    assert memory.kv_cache_bytes(32, 8, 128, 1000, 2, batch=3) == 3 * memory.kv_cache_bytes(32, 8, 128, 1000, 2)


def test_known_models_parameter_counts_match_published():
    counts = {spec.name: spec.n_params for spec in memory.KNOWN_MODELS}
    assert counts["Llama 3.1 8B"] == 8_030_261_248
    assert counts["Llama 2 7B"] == 6_738_415_616
    assert counts["Mistral 7B"] == 7_241_732_096
    assert counts["Llama 3.1 70B"] == 70_553_706_496
    assert round(counts["Llama 3.2 1B"] / 1e9, 2) == 1.24
    assert round(counts["Llama 3.2 3B"] / 1e9, 2) == 3.21
    assert round(counts["Llama 2 13B"] / 1e9, 1) == 13.0
    assert round(counts["Llama 3.1 405B"] / 1e9) in (405, 406)
    assert [s.n_params for s in memory.KNOWN_MODELS] == sorted(s.n_params for s in memory.KNOWN_MODELS)
    assert memory.find_model("llama 3.1 8b").uses_gqa and not memory.find_model("Llama 2 13B").uses_gqa


def test_model_memory_summary():
    spec = memory.find_model("Llama 3.1 8B")
    est = memory.spec_memory(spec, "fp16", context=8192)
    assert est.weights_bytes == spec.n_params * 2
    assert est.kv_bytes == 2**30
    assert est.total_bytes == est.weights_bytes + est.kv_bytes
    assert est.total_gib == pytest.approx((spec.n_params * 2 + 2**30) / 2**30)
    assert memory.fits_in(est, 24 * 2**30) and not memory.fits_in(est, 16 * 2**30)
    plain = memory.model_memory(7e9, "fp16")
    assert plain.kv_bytes == 0 and plain.total_bytes == 14e9
    q8_cache = memory.model_memory(1e9, "q8_0", layers=32, kv_heads=8, head_dim=128, context=8192, kv_dtype="q8_0")
    assert q8_cache.kv_bytes == pytest.approx(2**30 * 8.5 / 16)
    rows = memory.memory_table(("fp16", "q4_K_M"), context=4096)
    assert len(rows) == len(memory.KNOWN_MODELS)
    assert rows[0].weights_bytes["q4_K_M"] < rows[0].weights_bytes["fp16"]
    assert memory.format_params(117e6) == "117M" and memory.format_params(1.5e9) == "1.5B"
    assert memory.format_params(175e9) == "175B"


# --- scaling -------------------------------------------------------------------------------------


def test_chinchilla_rule_of_20_for_chinchilla_compute():
    alloc = scaling.rule_of_20(5.76e23)
    assert round(alloc.n_params / 1e9) == 69
    assert round(alloc.n_tokens / 1e12, 1) == 1.4
    assert scaling.training_flops(alloc.n_params, alloc.n_tokens) == pytest.approx(5.76e23)
    assert alloc.tokens_per_param == 20


def test_chinchilla_loss_values():
    assert scaling.chinchilla_loss(70e9, 1.4e12) == pytest.approx(
        1.69 + 406.4 / 70e9**0.34 + 410.7 / 1.4e12**0.28)
    assert scaling.chinchilla_loss(70e9, 1.4e12) == pytest.approx(1.9366, abs=1e-4)
    # Bigger model or more data: lower loss, never below E.
    assert scaling.chinchilla_loss(1e12, 1e13) < scaling.chinchilla_loss(1e9, 1e13)
    assert scaling.chinchilla_loss(1e15, 1e18) > scaling.E


def test_compute_optimal_closed_form_is_the_minimum():
    c = 5.76e23
    opt = scaling.compute_optimal(c)
    assert 6 * opt.n_params * opt.n_tokens == pytest.approx(c)
    g = (0.34 * 406.4 / (0.28 * 410.7)) ** (1 / 0.62)
    assert opt.n_params == pytest.approx(g * (c / 6) ** (0.28 / 0.62))
    # Any other split of the same compute gives a higher predicted loss.
    for factor in (0.5, 0.8, 1.25, 2.0):
        n = opt.n_params * factor
        assert scaling.chinchilla_loss(n, c / (6 * n)) > opt.loss
    # The fit's optimum has fewer parameters than the rule of thumb (documented caveat).
    assert 30e9 < opt.n_params < 35e9
    assert opt.n_params < scaling.rule_of_20(c).n_params


def test_scaling_curves():
    curve = scaling.loss_curve_fixed_tokens(300e9, points=20)
    assert len(curve) == 20
    assert curve[0][0] == pytest.approx(1e7) and curve[-1][0] == pytest.approx(1e12)
    losses = [loss for _, loss in curve]
    assert losses == sorted(losses, reverse=True)
    # With D fixed the loss flattens at E + B/D^beta, not at E.
    assert losses[-1] > scaling.E + 410.7 / 300e9**0.28
    frontier = scaling.compute_frontier(1e20, 1e24, points=5)
    assert [a.loss for a in frontier] == sorted((a.loss for a in frontier), reverse=True)
    rule = scaling.compute_frontier(1e20, 1e24, points=5, method="rule")
    assert all(a.tokens_per_param == 20 for a in rule)
    gpt3 = next(r for r in scaling.REFERENCE_MODELS if r.name == "GPT-3")
    chin = next(r for r in scaling.REFERENCE_MODELS if r.name == "Chinchilla")
    assert gpt3.tokens_per_param == pytest.approx(300 / 175)
    assert chin.tokens_per_param == pytest.approx(20)
    assert chin.compute == pytest.approx(5.88e23)


def test_scaling_experiment_trains_three_sizes():
    events = list(scaling.scaling_experiment(sizes=(4, 16, 48), steps=80, eval_every=20))
    assert len(events) == 3 * 80
    by_size: dict[int, list[scaling.ScalingEvent]] = {}
    for ev in events:
        by_size.setdefault(ev.size, []).append(ev)
    params = [by_size[s][0].n_params for s in (4, 16, 48)]
    assert params == sorted(params) and params[0] < params[-1]
    for evs in by_size.values():
        assert [e.step for e in evs] == list(range(1, 81))
        assert evs[-1].done and not evs[0].done
        evals = [e.eval_loss for e in evs if e.eval_loss is not None]
        assert len(evals) == 5  # steps 1, 20, 40, 60, 80
        assert evals[-1] < evals[0]
        assert all(math.isfinite(e.loss) for e in evs)
    # The biggest model ends lower than the smallest (same steps, same batches).
    assert by_size[48][-1].eval_loss < by_size[4][-1].eval_loss
    # Deterministic.
    again = list(scaling.scaling_experiment(sizes=(4, 16, 48), steps=80, eval_every=20))
    assert [e.loss for e in again] == [e.loss for e in events]


def test_scaling_experiment_on_given_tokens_and_cancel():
    tokens = [i % 7 for i in range(300)]
    events = list(scaling.scaling_experiment(sizes=(4, 8), steps=5, tokens=tokens))
    assert len(events) == 10
    cancel = threading.Event()
    got = []
    for ev in scaling.scaling_experiment(sizes=(4, 8), steps=50, cancel=cancel, tokens=tokens):
        got.append(ev)
        if ev.step == 3:
            cancel.set()
    assert max(e.step for e in got) == 3


# --- MLP -----------------------------------------------------------------------------------------


def test_datasets_are_seeded_and_shaped():
    a = mlp.make_dataset("spiral", 90, 3, seed=4)
    b = mlp.make_dataset("spiral", 90, 3, seed=4)
    c = mlp.make_dataset("spiral", 90, 3, seed=5)
    assert a.points == b.points and a.points != c.points
    assert len(a.points) == 90 and sorted(set(a.labels)) == [0, 1, 2] and a.n_classes == 3
    for name in ("xor", "circles"):
        d = mlp.make_dataset(name, 100, seed=0)
        assert len(d.points) == 100 and set(d.labels) == {0, 1} and d.n_classes == 2
        assert all(d.x_min <= x <= d.x_max and d.y_min <= y <= d.y_max for x, y in d.points)
    xor = mlp.make_dataset("xor", 200, noise=0.0)
    assert all((lab == 1) == ((x > 0) != (y > 0)) for (x, y), lab in zip(xor.points, xor.labels))
    circ = mlp.make_dataset("circles", 200, noise=0.0)
    assert all((math.hypot(x, y) <= 0.5) == (lab == 0) for (x, y), lab in zip(circ.points, circ.labels))


def test_mlp_learns_xor():
    cfg = mlp.MLPConfig(dataset="xor", hidden=(8, 8), activation="tanh", steps=300, grid_every=100,
                        grid_width=12, grid_height=6)
    events = list(mlp.train_mlp(cfg))
    assert len(events) == 301
    assert events[0].step == 0 and events[0].grid is not None
    assert [e.step for e in events if e.grid is not None] == [0, 100, 200, 300]
    last = events[-1]
    assert last.done and last.accuracy >= 0.99
    assert last.loss < events[0].loss
    grid = last.grid
    assert len(grid.classes) == 6 and all(len(r) == 12 for r in grid.classes)
    assert all(0.5 <= p <= 1.0 for row in grid.confidence for p in row)
    # Row 0 is the top: the top-left cell is (x < 0, y > 0), class 1 in XOR; the top-right is class 0.
    assert grid.classes[0][0] == 1 and grid.classes[0][-1] == 0
    assert grid.classes[-1][0] == 0 and grid.classes[-1][-1] == 1


@pytest.mark.parametrize(
    "cfg, minimum",
    [
        (mlp.MLPConfig(dataset="circles", activation="relu", steps=300), 0.95),
        (mlp.MLPConfig(dataset="spiral", n_points=300, n_classes=3, hidden=(32, 32), steps=500), 0.90),
        (mlp.MLPConfig(dataset="xor", activation="sigmoid", steps=400), 0.98),
    ],
)
def test_mlp_learns_circles_spiral_and_sigmoid(cfg, minimum):
    assert mlp.run_to_end(cfg).accuracy > minimum


def test_mlp_cancel_and_determinism():
    cancel = threading.Event()
    seen = []
    for ev in mlp.train_mlp(mlp.MLPConfig(steps=100), cancel):
        seen.append(ev.step)
        if ev.step == 5:
            cancel.set()
    assert seen == [0, 1, 2, 3, 4, 5]
    cfg = mlp.MLPConfig(steps=20, batch_size=32)
    a = [e.loss for e in mlp.train_mlp(cfg)]
    b = [e.loss for e in mlp.train_mlp(cfg)]
    assert a == b
    with pytest.raises(ValueError):
        list(mlp.train_mlp(mlp.MLPConfig(activation="gelu")))


def _hand_pass(x, t, w1, b1, w2, b2, lr):
    """Lesson 5's 2-1-1 network (ReLU hidden unit, linear output) by the chain rule, by hand."""
    z = w1[0] * x[0] + w1[1] * x[1] + b1
    h = max(0.0, z)
    y = w2 * h + b2
    d_y = 2 * (y - t)
    d_h = d_y * w2
    d_z = d_h * (1.0 if z > 0 else 0.0)
    grads = {"w2": d_y * h, "b2": d_y, "w1": [d_z * x[0], d_z * x[1]], "b1": d_z, "z": d_z, "h": d_h, "y": d_y}
    return z, h, y, (y - t) ** 2, grads


def test_tiny_net_replays_the_lessons_worked_example():
    """Seed 0 is lesson 5's worked example, number for number (x = (1, 2), t = 1, lr = 0.1)."""
    p = mlp.tiny_net_pass()
    assert (p.x, p.target, p.lr) == ([1.0, 2.0], 1.0, 0.1)
    assert (p.w1, p.b1, p.w2, p.b2) == ([[0.5, 0.25]], [0.0], [0.4], 0.2)
    assert p.z1 == pytest.approx([1.0]) and p.h == pytest.approx([1.0])
    assert p.y_hat == pytest.approx(0.6) and p.loss == pytest.approx(0.16)
    assert p.grad_y_hat == pytest.approx(-0.8) and p.grad_w2 == pytest.approx([-0.8]) and p.grad_b2 == pytest.approx(-0.8)
    assert p.grad_h == pytest.approx([-0.32]) and p.grad_z1 == pytest.approx([-0.32])
    assert p.grad_w1[0] == pytest.approx([-0.32, -0.64]) and p.grad_b1 == pytest.approx([-0.32])
    assert p.new_w2 == pytest.approx([0.48]) and p.new_b2 == pytest.approx(0.28)
    assert p.new_w1[0] == pytest.approx([0.532, 0.314]) and p.new_b1 == pytest.approx([0.032])
    assert p.loss_after == pytest.approx((0.48 * 1.192 + 0.28 - 1) ** 2)  # the lesson's 0.0219


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_tiny_net_matches_the_hand_chain_rule(seed):
    p = mlp.tiny_net_pass(seed=seed)
    if seed:  # drawn weights are readable: 2 decimals, in [-1, 1]
        for w in [*p.w1[0], *p.b1, *p.w2, p.b2]:
            assert -1 <= w <= 1 and round(w, 2) == w
    z, h, y, loss, g = _hand_pass(p.x, p.target, p.w1[0], p.b1[0], p.w2[0], p.b2, p.lr)
    assert p.z1 == pytest.approx([z], abs=1e-12) and p.h == pytest.approx([h], abs=1e-12)
    assert p.z2 == pytest.approx(y, abs=1e-12) and p.y_hat == pytest.approx(y, abs=1e-12)
    assert p.loss == pytest.approx(loss, abs=1e-12)
    assert p.grad_y_hat == pytest.approx(g["y"], abs=1e-12) and p.grad_z2 == pytest.approx(g["y"], abs=1e-12)
    assert p.grad_w2 == pytest.approx([g["w2"]], abs=1e-12) and p.grad_b2 == pytest.approx(g["b2"], abs=1e-12)
    assert p.grad_h == pytest.approx([g["h"]], abs=1e-12) and p.grad_z1 == pytest.approx([g["z"]], abs=1e-12)
    assert p.grad_w1[0] == pytest.approx(g["w1"], abs=1e-12) and p.grad_b1 == pytest.approx([g["b1"]], abs=1e-12)
    assert p.new_w1[0] == pytest.approx([p.w1[0][i] - p.lr * g["w1"][i] for i in range(2)], abs=1e-12)
    assert p.new_b1 == pytest.approx([p.b1[0] - p.lr * g["b1"]], abs=1e-12)
    assert p.new_w2 == pytest.approx([p.w2[0] - p.lr * g["w2"]], abs=1e-12)
    assert p.new_b2 == pytest.approx(p.b2 - p.lr * g["b2"], abs=1e-12)
    assert p.loss_after < p.loss
    assert mlp.tiny_net_pass(seed=1).w1 != mlp.tiny_net_pass(seed=0).w1


# --- embeddings ----------------------------------------------------------------------------------


def test_colour_arithmetic_gives_magenta():
    r = embeddings.colour_arithmetic("amarillo - verde + azul")
    assert r.raw == (255, 0, 255) and r.clipped == (255, 0, 255)
    assert r.nearest.es == "magenta" and r.nearest.en == "magenta" and r.exact and r.hex == "#ff00ff"
    assert r.steps() == "(255, 255, 0) − (0, 255, 0) + (0, 0, 255) = (255, 0, 255) ≈ magenta"
    en = embeddings.colour_arithmetic("Yellow − green + BLUE")
    assert en.clipped == (255, 0, 255) and en.nearest.name("en") == "magenta"


def test_colour_clipping_and_nearest():
    r = embeddings.colour_arithmetic("verde - amarillo")
    assert r.raw == (-255, 0, 0) and r.clipped == (0, 0, 0) and r.nearest.es == "negro"
    assert embeddings.colour_arithmetic("rojo + verde").nearest.en == "yellow"
    assert embeddings.colour_arithmetic("rojo + rojo").raw == (510, 0, 0)
    assert embeddings.colour_arithmetic("rojo + rojo").clipped == (255, 0, 0)
    assert embeddings.colour_arithmetic("blanco - azul marino").clipped == (255, 255, 127)
    near, dist = embeddings.nearest_colour((250, 5, 250))
    assert near.en == "magenta" and dist == pytest.approx(math.sqrt(75))
    assert embeddings.find_colour("Marron").en == "brown"
    with pytest.raises(KeyError):
        embeddings.colour_arithmetic("amarillo + ultravioleta")
    # Every name is unique in each language.
    assert len({c.es for c in embeddings.COLOURS}) == len({c.en for c in embeddings.COLOURS}) == len(embeddings.COLOURS)


def test_word_analogies():
    r = embeddings.word_arithmetic("rey - hombre + mujer")
    assert r.best.es == "reina" and r.neighbours[0][1] == pytest.approx(1.0)
    assert {"rey", "hombre", "mujer"}.isdisjoint(w.es for w, _ in r.neighbours)
    assert embeddings.word_arithmetic("king - man + woman").best.en == "queen"
    assert embeddings.word_arithmetic("regente + mujer").best.es == "reina"
    assert embeddings.word_arithmetic("mamá - género").best.es == "progenitor"
    assert embeddings.word_arithmetic("caminé - caminar + comer").best.es == "comí"
    assert embeddings.word_neighbours("caminar", 1)[0][0].es == "caminé"
    assert embeddings.word_difference("mujer", "hombre") == embeddings.word_difference("reina", "rey")
    # Without the exclusion the query word itself can win (why demos exclude it).
    assert embeddings.word_arithmetic("regente + mujer", exclude_query=False).best.es == "reina"
    assert embeddings.cosine([1, 0], [0, 1]) == 0 and embeddings.cosine([0, 0], [1, 1]) == 0
    # Both languages for every word, and no two words with the same vector.
    vectors = [w.vector for w in embeddings.WORDS]
    assert len(set(vectors)) == len(vectors)
    assert all(w.es and w.en for w in embeddings.WORDS)


def test_nearest_neighbours_and_projection_on_any_matrix():
    import torch

    m = [[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.7, 0.7, 0.0]]
    nn_list = embeddings.nearest_neighbours(m, 0, k=3)
    assert [i for i, _ in nn_list] == [1, 4, 2]
    assert nn_list[0][1] == pytest.approx(0.9 / math.sqrt(0.82))
    nn_tensor = embeddings.nearest_neighbours(torch.tensor(m, dtype=torch.float64), 0, k=3)
    assert [i for i, _ in nn_tensor] == [1, 4, 2]
    assert [s for _, s in nn_tensor] == pytest.approx([s for _, s in nn_list])
    assert [i for i, _ in embeddings.nearest_neighbours(m, 0, k=2, exclude=[1])] == [4, 2]
    # Points on a line: one component explains everything; signs are deterministic.
    line = torch.tensor([[t, 2 * t, 0.0] for t in range(5)], dtype=torch.float32)
    proj = embeddings.project_2d(line, labels=[str(i) for i in range(5)])
    assert proj.explained_variance[0] == pytest.approx(1.0, abs=1e-6)
    assert proj.explained_variance[1] == pytest.approx(0.0, abs=1e-6)
    xs = [x for x, _ in proj.points]
    assert xs == sorted(xs) and xs[-1] - xs[0] == pytest.approx(4 * math.sqrt(5), rel=1e-5)
    words, labels = embeddings.word_space_matrix("en")
    proj2 = embeddings.project_2d(words, "pca", labels)
    assert len(proj2.points) == len(labels) and 0 < sum(proj2.explained_variance) <= 1 + 1e-9
    assert proj2.points == embeddings.project_2d(words, labels=labels).points
    assert proj.labels == ["0", "1", "2", "3", "4"] and embeddings.project_2d(line).labels[0] == "0"


# --- PyTorch basics ------------------------------------------------------------------------------


def test_tensors_of_each_rank():
    scalar = basics.make_tensor((), start=5.0)
    assert scalar.ndim == 0 and scalar.shape == [] and scalar.values == 5.0 and scalar.name_es == "escalar"
    vec = basics.make_tensor((4,))
    assert vec.values == [1.0, 2.0, 3.0, 4.0] and vec.ndim == 1
    mat = basics.make_tensor((2, 2), dtype="int64")
    assert mat.values == [[1, 2], [3, 4]] and mat.dtype == "int64" and mat.name_en == "matrix"
    cube = basics.make_tensor((2, 2, 2))
    assert cube.values == [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]] and cube.numel == 8
    assert basics.make_tensor((3,), start=0.5, step=0.25).values == [0.5, 0.75, 1.0]
    assert "torch" in cube.code
    with pytest.raises(ValueError):
        basics.make_tensor((2, 2, 2, 2))


def test_autograd_examples():
    sq = basics.grad_square(2.0)
    assert sq.y == 4.0 and sq.grad == 4.0 == sq.expected_grad
    assert basics.grad_square(-3.0).grad == -6.0
    ch = basics.grad_chain(1.0)
    assert ch.y == 16.0 and ch.grad == 24.0 == ch.expected_grad
    assert dict(ch.steps)["u"] == 4.0
    other = basics.grad_chain(x=2.0, a=0.5, b=-1.0)  # u = 0, so y = 0 and dy/dx = 0
    assert other.y == 0.0 and other.grad == 0.0
    assert basics.grad_chain(x=-1.0, a=2.0, b=5.0).grad == 2 * 3.0 * 2.0


def test_matmul_shapes():
    ok = basics.matmul_shapes((2, 3), (3, 4))
    assert ok.ok and ok.result_shape == [2, 4] and ok.multiply_adds == 24
    assert ok.result[0][0] == 1 * 1 + 2 * 5 + 3 * 9
    bad = basics.matmul_shapes((2, 3), (2, 4))
    assert not bad.ok and bad.result_shape is None and "2x3" in bad.error
    assert basics.matmul_shapes((5, 2, 3), (3, 4)).result_shape == [5, 2, 4]
    dot = basics.matmul_shapes((3,), (3,))
    assert dot.result_shape == [] and dot.result == 14.0


def test_fit_line_learns_and_its_code_is_equivalent():
    fit = basics.fit_line(true_weight=2.0, true_bias=1.0, epochs=100, lr=0.1)
    assert fit.weight == pytest.approx(2.0, abs=0.01) and fit.bias == pytest.approx(1.0, abs=0.01)
    assert len(fit.losses) == 100 and fit.losses[-1] < fit.losses[0] / 1000
    noisy = basics.fit_line(true_weight=-1.5, true_bias=0.5, epochs=300, lr=0.1, noise=0.1, seed=3)
    assert noisy.weight == pytest.approx(-1.5, abs=0.15) and noisy.bias == pytest.approx(0.5, abs=0.1)
    # The displayed snippet, run as is, gives the same numbers (it is only ever shown in the app).
    import torch

    namespace: dict = {}
    with torch.random.fork_rng(devices=[]):
        exec(compile(noisy.code.replace("print(", "_ = ("), "<snippet>", "exec"), namespace)
    assert namespace["model"].weight.item() == pytest.approx(noisy.weight, abs=1e-6)
    assert namespace["model"].bias.item() == pytest.approx(noisy.bias, abs=1e-6)


# --- RoPE ----------------------------------------------------------------------------------------


def test_rope_rotation_of_a_pair():
    assert rope_demo.rope_thetas(8) == pytest.approx([1.0, 0.1, 0.01, 0.001])
    pairs = rope_demo.rotate_query_pair((1.0, 0.0), i=0, d=8, positions=4)
    assert [p.position for p in pairs] == [0, 1, 2, 3, 4]
    for p in pairs:
        assert p.angle == pytest.approx(p.position * 1.0)
        assert (p.x, p.y) == pytest.approx((math.cos(p.position), math.sin(p.position)))
    slow = rope_demo.rotate_query_pair((3.0, 4.0), i=1, d=4, positions=10)
    assert slow[10].angle == pytest.approx(10 * 0.01)
    assert all(math.hypot(p.x, p.y) == pytest.approx(5.0) for p in slow)
    assert rope_demo.apply_rope([1.0, 2.0, 3.0, 4.0], 0) == pytest.approx([1.0, 2.0, 3.0, 4.0])
    table = rope_demo.angle_table(4, 2)
    assert [row[0] for row in table] == pytest.approx([0, 1, 2])
    assert [row[1] for row in table] == pytest.approx([0, 0.01, 0.02])


def test_rope_scores_depend_only_on_relative_position():
    check = rope_demo.relative_position_check(d=16, distance=5, starts=(0, 3, 50, 999), seed=7)
    assert check.equal and check.max_abs_diff < 1e-5
    assert all(m - n == 5 for m, n in check.position_pairs)
    assert check.scores == pytest.approx([check.scores[0]] * 4, abs=1e-5)
    # Other distances give other scores; distance 0 is the plain dot product.
    assert check.by_distance[0] == pytest.approx(check.plain_score)
    assert len({round(s, 6) for s in check.by_distance.values()}) > 3
    q, k = check.q, check.k
    assert rope_demo.rope_score(q, k, 12, 7) == pytest.approx(check.scores[0], abs=1e-9)


# --- attention -----------------------------------------------------------------------------------


def test_attention_demo():
    r = attention_demo.example()
    for i, row in enumerate(r.weights):
        assert sum(row) == pytest.approx(1.0)
        assert all(w == 0.0 for w in row[i + 1:])  # causal
    last = r.weights[-1]
    assert r.tokens[last.index(max(last))] == "perro"
    assert r.scaled_scores[3][1] == pytest.approx(r.raw_scores[3][1] / math.sqrt(2))
    full = attention_demo.example(causal=False)
    assert all(w > 0 for row in full.weights for w in row)


# --- timeline ------------------------------------------------------------------------------------


def test_timeline_sorted_bilingual_and_complete():
    evs = timeline.events()
    keys = [e.sort_key for e in evs]
    assert keys == sorted(keys)
    assert evs[0].year == 1950 and "Turing" in evs[0].es and "Turing" in evs[0].en
    assert evs[-1].year == 2024 and "GPT-4o" in evs[-1].en
    for e in evs:
        assert e.es.strip() and e.en.strip() and e.es != e.en
        assert "\n" not in e.es + e.en and e.tag in timeline.TAGS
    found = {(e.year, word) for e in evs for word in (
        "Dartmouth", "perceptr", "ELIZA", "retropropagación", "AlexNet", "word2vec", "Transformer",
        "GPT-1", "BERT", "GPT-2", "GPT-3", "ChatGPT", "GPT-4", "GPT-4o", "SVM", "RLHF", "Gemini", "Llama 3",
    ) if word in e.es}
    years: dict[str, int] = {}
    for year, word in found:  # the first year a word appears ("Transformer" is in GPT-1's line too)
        years[word] = min(year, years.get(word, year))
    assert years["Dartmouth"] == 1956 and years["perceptr"] == 1958 and years["ELIZA"] == 1966
    assert years["retropropagación"] == 1986 and years["AlexNet"] == 2012 and years["word2vec"] == 2013
    assert years["Transformer"] == 2017 and years["GPT-1"] == 2018 and years["BERT"] == 2018
    assert years["GPT-2"] == 2019 and years["GPT-3"] == 2020 and years["ChatGPT"] == 2022
    assert years["GPT-4"] == 2023 and years["GPT-4o"] == 2024
    winters = timeline.events(tag="winter")
    assert len(winters) == 2 and all(w.end_year for w in winters)
    assert timeline.timeline_lines("en")[0][0] == "1950"


def test_gpt_generations_never_invent_sizes():
    gens = {g.name: g for g in timeline.GPT_GENERATIONS}
    assert gens["GPT-1"].params == 117e6 and gens["GPT-2"].params == 1.5e9 and gens["GPT-3"].params == 175e9
    assert gens["GPT-4"].params is None and gens["GPT-4o"].params is None
    bars = {b.name: b for b in timeline.gpt_log_bars(width=50, lang="en")}
    assert bars["GPT-4"].length == 0 and bars["GPT-4"].label == "?" and bars["GPT-4"].log10 is None
    assert bars["GPT-1"].length < bars["GPT-2"].length < bars["GPT-3"].length <= 50
    assert bars["GPT-3"].log10 == pytest.approx(math.log10(175e9))
    assert bars["GPT-2"].label == "1.5B"
    es = {b.name: b for b in timeline.gpt_log_bars(lang="es")}
    assert es["GPT-2"].label == "1.5 mil M" and es["GPT-1"].label == "117 M"


def test_mixtral_total_and_active_parameters():
    from tutor.engine.memory import MOE_MODELS

    mixtral = MOE_MODELS[0]
    assert mixtral.n_params == 46_702_792_704  # Mistral: "46.7B total"
    assert mixtral.active_params == 12_879_925_248  # "12.9B active per token"


def test_timeline_writes_numbers_the_way_the_lessons_do():
    """Commas group thousands and a point marks decimals in both languages (lesson 2's note): a
    Spanish "1.500 millones" would read as 1.5 million by that convention."""
    import re

    for event in timeline.events():
        for lang in ("es", "en"):
            text = event.text(lang)
            assert not re.search(r"\b\d{1,3}\.\d{3}\b", text), text
    gpt2 = next(e for e in timeline.events() if e.text("es").startswith("GPT-2:"))
    assert "1,500 millones" in gpt2.text("es")


def test_chinchilla_fit_minimum_at_1e21_is_about_50_tokens_per_parameter():
    """Lesson 11 states the exact minimum of the fitted formula at 10^21 FLOPs: ~1.8e9 parameters,
    ~9.1e10 tokens, ~50 tokens per parameter, loss 2.329 (2.335 with the rule of 20)."""
    fit, rule = scaling.compute_optimal(1e21), scaling.rule_of_20(1e21)
    assert fit.n_params == pytest.approx(1.82e9, rel=0.01) and fit.n_tokens == pytest.approx(9.14e10, rel=0.01)
    assert round(fit.tokens_per_param) == 50
    assert round(fit.loss, 3) == 2.329 and round(rule.loss, 3) == 2.335
    # it is the minimum along C = 6ND: nudging N either way raises the loss
    for f in (0.9, 1.1):
        n = fit.n_params * f
        assert scaling.chinchilla_loss(n, 1e21 / (6 * n)) > fit.loss

"""Training: data splits, schedule, a loop that learns, cancelling, checkpoints, baselines."""

from __future__ import annotations

import math
import threading

import pytest
import torch

from tutor.engine.model import GPT, GPTConfig
from tutor.engine.training import (
    TrainConfig,
    Trainer,
    evaluate_loss,
    get_batch,
    load_checkpoint,
    lr_at,
    save_checkpoint,
    split_documents,
    split_ids,
    unigram_loss,
)

TINY = {"block_size": 16, "n_layer": 2, "n_head": 2, "n_embd": 32, "dropout": 0.0}


def corpus_ids():
    # A small language with structure: "a b c d e f ..." cycles, with a little noise.
    g = torch.Generator().manual_seed(0)
    ids = []
    for _ in range(300):
        start = int(torch.randint(0, 5, (1,), generator=g))
        ids += [(start + i) % 20 for i in range(8)]
    return ids


def test_split_ids_70_30():
    train, val = split_ids(list(range(10)))
    assert train == list(range(7)) and val == [7, 8, 9]
    assert split_ids(list(range(10)), 0.0) == (list(range(10)), [])
    with pytest.raises(ValueError):
        split_ids([1, 2], 1.0)


def test_split_documents_holds_out_each_tail():
    train, val = split_documents([list(range(10)), [20, 21, 22, 23]], 0.3, separator=99)
    assert train == [0, 1, 2, 3, 4, 5, 6, 99, 20, 21, 22, 99]  # 4 * 0.3 = 1.2 -> 1 held out
    assert val == [7, 8, 9, 99, 23, 99]


def test_get_batch_targets_are_shifted_inputs():
    data = torch.arange(100)
    x, y = get_batch(data, 4, 8, torch.Generator().manual_seed(1))
    assert x.shape == y.shape == (4, 8)
    assert torch.equal(y, x + 1)
    x, _ = get_batch(torch.arange(5), 2, 8, torch.Generator().manual_seed(1))
    assert x.shape == (2, 4)  # shorter data: shorter windows


def test_lr_schedule():
    cfg = TrainConfig(max_steps=100, warmup_steps=10, learning_rate=1e-3, min_lr=1e-4)
    assert lr_at(0, cfg) == pytest.approx(1e-4)  # 1/10 of the way up
    assert lr_at(9, cfg) == pytest.approx(1e-3)
    assert lr_at(10, cfg) == pytest.approx(1e-3)  # cosine starts at the top
    assert lr_at(55, cfg) == pytest.approx(5.5e-4)  # halfway down: (max + min) / 2
    assert lr_at(100, cfg) == pytest.approx(1e-4)
    values = [lr_at(s, cfg) for s in range(10, 101)]
    assert values == sorted(values, reverse=True)


def test_unigram_loss_by_hand():
    # train counts: a=3, b=1; vocab 3, add-one: p(a) = 4/7, p(b) = 2/7, p(c) = 1/7.
    loss = unigram_loss([0, 0, 0, 1], [0, 1, 2], vocab_size=3)
    assert loss == pytest.approx(-(math.log(4 / 7) + math.log(2 / 7) + math.log(1 / 7)) / 3)


def test_training_lowers_the_loss_and_beats_unigram():
    ids = corpus_ids()
    train, val = split_ids(ids, 0.2)
    cfg = TrainConfig(max_steps=60, batch_size=8, learning_rate=1e-2, min_lr=1e-3, warmup_steps=5, eval_interval=20, eval_iters=4)
    trainer = Trainer(GPTConfig(vocab_size=20, **TINY), train, val, cfg, device="cpu")
    events = list(trainer.run())
    assert [e.step for e in events] == list(range(1, 61))
    assert events[-1].done and not events[-1].cancelled
    vals = [e.val_loss for e in events if e.val_loss is not None]
    assert len(vals) == 3
    assert vals[-1] < vals[0] < math.log(20)
    assert vals[-1] < 0.7 * math.log(20)  # well below uniform guessing
    assert events[-1].train_loss < events[0].train_loss - 1.0
    assert all(e.tokens_per_s > 0 and e.elapsed >= 0 for e in events)
    assert evaluate_loss(trainer.model, val) < 0.7 * unigram_loss(train, val, 20)


def test_training_is_reproducible():
    ids = corpus_ids()
    cfg = TrainConfig(max_steps=8, batch_size=4, eval_interval=4, eval_iters=2)
    runs = [list(Trainer(GPTConfig(vocab_size=20, **TINY), ids[:2000], ids[2000:], cfg, device="cpu").run()) for _ in range(2)]
    assert [(e.train_loss, e.val_loss) for e in runs[0]] == [(e.train_loss, e.val_loss) for e in runs[1]]


def test_cancel_stops_between_steps():
    ids = corpus_ids()
    stop = threading.Event()
    trainer = Trainer(GPTConfig(vocab_size=20, **TINY), ids, [], TrainConfig(max_steps=100, batch_size=4, eval_interval=0), device="cpu")
    events = []
    for event in trainer.run(cancel=stop):
        events.append(event)
        if event.step == 3:
            stop.set()
    assert events[-1].cancelled and events[-1].done
    assert trainer.step == 3 and len(events) == 4


def test_moe_and_rope_models_train():
    ids = corpus_ids()
    config = GPTConfig(vocab_size=20, positions="rope", ffn="moe", n_experts=4, top_k=2, **TINY)
    cfg = TrainConfig(max_steps=15, batch_size=4, learning_rate=1e-2, warmup_steps=3, eval_interval=0)
    events = list(Trainer(config, ids, [], cfg, device="cpu").run())
    assert events[-1].train_loss < events[0].train_loss
    assert all(math.isfinite(e.train_loss) for e in events)


@pytest.mark.parametrize("kw", [{}, {"positions": "rope", "ffn": "moe", "bias": False}])
def test_checkpoint_round_trip(tmp_path, kw):
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=50, **TINY, **kw))
    path = save_checkpoint(tmp_path / "m.pt", model, meta={"note": "hola", "steps": 3})
    loaded, meta = load_checkpoint(path, "cpu")
    assert meta == {"note": "hola", "steps": 3}
    assert loaded.config == model.config
    assert loaded.lm_head.weight is loaded.transformer.wte.weight  # still tied
    x = torch.randint(0, 50, (2, 10))
    model.eval()
    assert torch.equal(loaded(x)[0], model(x)[0])
    # float16: half the file, nearly the same outputs.
    half = save_checkpoint(tmp_path / "h.pt", model, half=True)
    assert half.stat().st_size < 0.6 * path.stat().st_size
    loaded16, _ = load_checkpoint(half, "cpu")
    assert torch.allclose(loaded16(x)[0], model(x)[0], atol=1e-2)
    raw = torch.load(path, weights_only=True)  # plain data only
    assert isinstance(raw["config"], dict) and "lm_head.weight" not in raw["model"]


def test_bad_checkpoint_is_refused(tmp_path):
    path = tmp_path / "x.pt"
    torch.save({"format": "something-else"}, path)
    with pytest.raises(ValueError, match="not a tutor checkpoint"):
        load_checkpoint(path)


def test_trainer_save_records_the_run(tmp_path):
    ids = corpus_ids()
    cfg = TrainConfig(max_steps=4, batch_size=4, eval_interval=2, eval_iters=1)
    trainer = Trainer(GPTConfig(vocab_size=20, **TINY), ids[:1000], ids[1000:1200], cfg, device="cpu")
    for _ in trainer.run():
        pass
    _, meta = load_checkpoint(trainer.save(tmp_path / "t.pt", meta={"extra": 1}))
    assert meta["steps_done"] == 4 and meta["extra"] == 1
    assert meta["train_config"]["max_steps"] == 4 and "val_loss" in meta


def test_same_weights_give_the_same_file_bytes(tmp_path):
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=50, **TINY))
    a = save_checkpoint(tmp_path / "one.pt", model, meta={"x": 1}, half=True)
    b = save_checkpoint(tmp_path / "sub" / "other-name.pt", model, meta={"x": 1}, half=True)
    assert a.read_bytes() == b.read_bytes()

"""Tests of the digits task (training/tasks.py) and its judge (training/judge.py).

    /usr/bin/python3 -m pytest training/test_digits.py -q

Needs the training split (`npm run data:digits`); the committed held-out set is enough for the
rest, so tests that need the training file are skipped without it.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from judge import DigitJudge, shift_batch  # noqa: E402
from mdm import MDM, MDMConfig  # noqa: E402
from tasks import (DIGITS_HELDOUT, DIGITS_LEVEL_CHARS, DigitsTask, decode_k_per_step, quantize_grey,  # noqa: E402
                   read_digits_csv)

needs_train = pytest.mark.skipif(not DigitsTask.TRAIN.exists(), reason="npm run data:digits first")


def test_quantize_grey_rounds_halves_up_like_the_typescript():
    g = np.arange(256)
    q = quantize_grey(g)
    assert q.tolist() == [int(np.floor(v * 3 / 255 + 0.5)) for v in range(256)]
    assert q[[0, 42, 43, 127, 128, 212, 213, 255]].tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


def test_heldout_file_is_100_per_class():
    y, grey = read_digits_csv(DIGITS_HELDOUT)
    assert grey.shape == (1000, 196) and grey.dtype == np.uint8
    assert np.bincount(y, minlength=10).tolist() == [100] * 10


def test_read_digits_csv_names_the_bad_line(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("label,pixels\n3," + "00" * 196 + "\n12," + "00" * 196 + "\n")
    with pytest.raises(ValueError, match=r"d.csv:3: expected a label 0-9"):
        read_digits_csv(p)


@needs_train
def test_canvas_is_class_then_pixels_and_the_class_is_never_a_target():
    task = DigitsTask(seed=0)
    x, tgt = task.train_batch(16)
    assert x.shape == (16, 197) and tgt.shape == (16, 197)
    assert not tgt[:, 0].any() and tgt[:, 1:].all()
    assert set(x[:, 0].tolist()) <= set(task.class_ids)
    assert set(x[:, 1:].flatten().tolist()) <= set(task.level_ids)
    assert task.tok.decode([task.class_ids[7]]) == "7"
    assert "".join(task.tok.decode([i]) for i in task.level_ids) == DIGITS_LEVEL_CHARS


@needs_train
def test_heldout_order_is_class_balanced():
    task = DigitsTask(seed=0)
    x, _ = task.heldout()
    labels = [task.class_ids.index(v) for v in x[:20, 0].tolist()]
    assert labels == list(range(10)) * 2


@needs_train
def test_data_stream_resumes_exactly():
    a = DigitsTask(seed=3)
    for _ in range(300):  # past one epoch of 9,000 at batch 32
        a.train_batch(32)
    state = a.state_dict()
    nxt = a.train_batch(32)[0]
    b = DigitsTask(seed=3)
    b.load_state_dict(state)
    assert torch.equal(b.train_batch(32)[0], nxt)
    assert a.epoch >= 1


@needs_train
def test_metric_decodes_every_pixel_into_the_levels():
    task = DigitsTask(seed=0)
    torch.manual_seed(0)
    cfg = MDMConfig(vocab_size=task.tok.vocab_size, mask_id=task.tok.mask_id, d_model=16, n_layers=1, n_heads=2,
                    mlp_mult=2, max_len=task.T)
    model = MDM(cfg).eval()
    x = torch.tensor([task.prompt_canvas(c) for c in (0, 5)])
    out = decode_k_per_step(model, x, task.tok.mask_id, task.level_ids, 7, sample=True, g=torch.Generator().manual_seed(1))
    assert torch.equal(out[:, 0], x[:, 0])
    assert set(out[:, 1:].flatten().tolist()) <= set(task.level_ids)
    res = task.metric(model, 10)
    assert res["n"] == 20 and 0.0 <= res["greedy_knn_acc"] <= 1.0
    assert len(task.sample_text().splitlines()) == 2 * (1 + 14) + 1  # two titles, 14 rows each, a blank between


def test_judge_shapes_and_shift():
    torch.manual_seed(0)
    j = DigitJudge().eval()
    logits, feats = j(torch.rand(5, 196))
    assert logits.shape == (5, 10) and feats.shape == (5, 64)
    img = torch.zeros(1, 196)
    img[0, 7 * 14 + 7] = 1.0
    moved = shift_batch(img, torch.Generator().manual_seed(0)).reshape(14, 14)
    assert moved.sum().item() == 1.0
    r, c = (moved == 1).nonzero()[0].tolist()
    assert abs(r - 7) <= 1 and abs(c - 7) <= 1

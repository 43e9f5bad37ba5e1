"""pytest: the cache graph (training/mdm.py CachedMDM, training/export_cache.py).

A window attending to the keys/values of every other position, taken from a whole-canvas pass of
the same canvas, must give the whole-canvas logits of its rows: for full and block-causal
attention, learned positions and RoPE, keys in any order, rows sharing one cache. The weights read
back from an exported plain graph must rebuild the model exactly.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mdm import MDM, CachedMDM, MDMConfig  # noqa: E402

torch.set_num_threads(1)
CONFIGS = [{}, {"rope": True}, {"attention": "block-causal", "block_size": 4}, {"attention": "block-causal", "block_size": 4, "rope": True}]


def tiny(vocab: int = 11, **kw) -> MDM:
    torch.manual_seed(0)
    return MDM(MDMConfig(vocab_size=vocab, mask_id=1, d_model=16, n_layers=2, n_heads=2, mlp_mult=2, max_len=16, **kw)).eval()


def empty(m: MDM, caches: int = 1):
    L, H, hd = m.cfg.n_layers, m.cfg.n_heads, m.cfg.d_model // m.cfg.n_heads
    return torch.zeros(L, caches, H, 0, hd), torch.zeros(L, caches, H, 0, hd), torch.zeros(caches, 0, dtype=torch.int64)


@pytest.mark.parametrize("kw", CONFIGS)
def test_window_against_the_rest_equals_the_whole_canvas(kw):
    m = tiny(**kw)
    c = CachedMDM(m)
    T = 12
    x = torch.randint(0, 11, (1, T), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        want = m(x)
        k0, v0, p0 = empty(m)
        full, keys, values = c(x, torch.arange(T).unsqueeze(0), torch.zeros(1, dtype=torch.int64), k0, v0, p0)
        assert torch.allclose(full, want, atol=1e-5)
        s, e = 4, 8
        outside = torch.tensor([10, 11, 8, 9, 0, 1, 2, 3])  # any order
        pk, pv = keys[:, :, :, outside], values[:, :, :, outside]
        rows = x[:, s:e].repeat(3, 1)
        got, _, _ = c(rows, torch.arange(s, e).repeat(3, 1), torch.zeros(3, dtype=torch.int64), pk, pv, outside.unsqueeze(0))
    for r in range(3):
        assert torch.allclose(got[r], want[0, s:e], atol=1e-5)


def test_block_causal_prefix_cache_is_exact_after_commits():
    m = tiny(attention="block-causal", block_size=4)
    c = CachedMDM(m)
    T, s = 12, 4
    x = torch.randint(2, 11, (1, T), generator=torch.Generator().manual_seed(3))
    x[0, s:] = 1
    with torch.no_grad():
        k0, v0, p0 = empty(m)
        _, keys, values = c(x, torch.arange(T).unsqueeze(0), torch.zeros(1, dtype=torch.int64), k0, v0, p0)
        later = x.clone()
        later[0, 5] = 7  # a commit inside the block after the cache was filled
        got, _, _ = c(later[:, s:], torch.arange(s, T).unsqueeze(0), torch.zeros(1, dtype=torch.int64),
                      keys[:, :, :, :s], values[:, :, :, :s], torch.arange(s).unsqueeze(0))
        assert torch.allclose(got[0], m(later)[0, s:], atol=1e-5)


def test_weights_read_back_from_the_plain_graph(tmp_path):
    import json

    from export_cache import read_plain_graph
    from export_tiny import export_onnx

    m = tiny(vocab=16, rope=True)  # export_onnx's example input uses ids up to 13
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():  # as after training: no two parameters equal (the export would share them)
        for q in m.parameters():
            q.add_(0.01 * torch.randn(q.shape, generator=g))
    export_onnx(m, tmp_path / "model.onnx")
    (tmp_path / "model.json").write_text(json.dumps({"vocabSize": 16, "maskId": 1, "contextLimit": 16, "attention": {"kind": "full"}}))
    back, _card = read_plain_graph(tmp_path)
    assert back.cfg.rope and back.cfg.n_heads == 2 and back.cfg.n_layers == 2
    x = torch.randint(0, 16, (2, 9), generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        assert torch.equal(back(x), m(x))


def test_shifted_model_read_back_and_its_cache_graph(tmp_path):
    """A Dream-style export (ShiftedLogits around an MDM, card logitShift) is read back as the
    aligned MDM, and its cache graph's window rows [s, e - 1) are the shifted whole-canvas rows;
    a card without logitShift does not find the wrapped weights and says so."""
    import json

    from export_cache import GraphReadError, ShiftedCachedMDM, read_plain_graph
    from export_tiny import export_onnx
    from mdm import ShiftedLogits

    m = tiny(vocab=16)
    g = torch.Generator().manual_seed(6)
    with torch.no_grad():
        for q in m.parameters():
            q.add_(0.01 * torch.randn(q.shape, generator=g))
    shifted = ShiftedLogits(m).eval()
    export_onnx(shifted, tmp_path / "model.onnx")
    card = {"vocabSize": 16, "maskId": 1, "contextLimit": 16, "attention": {"kind": "full"}}
    (tmp_path / "model.json").write_text(json.dumps({**card, "logitShift": True}))
    back, _card = read_plain_graph(tmp_path)
    T = 12
    x = torch.randint(0, 16, (1, T), generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        assert torch.equal(back(x), m(x))
        want = shifted(x)
        c = ShiftedCachedMDM(back).eval()
        k0, v0, p0 = empty(back)
        full, keys, values = c(x, torch.arange(T).unsqueeze(0), torch.zeros(1, dtype=torch.int64), k0, v0, p0)
        assert torch.allclose(full, want, atol=1e-5)
        s, e = 4, 8
        outside = torch.tensor([0, 1, 2, 3, 8, 9, 10, 11])
        got, _, _ = c(x[:, s:e], torch.arange(s, e).unsqueeze(0), torch.zeros(1, dtype=torch.int64),
                      keys[:, :, :, outside], values[:, :, :, outside], outside.unsqueeze(0))
        assert torch.allclose(got[0, : e - s - 1], want[0, s : e - 1], atol=1e-5)
        assert not torch.allclose(got[0, -1], want[0, e - 1], atol=1e-3)  # row e - 1 would need position e
    (tmp_path / "model.json").write_text(json.dumps(card))
    with pytest.raises(GraphReadError, match="no tok_emb.weight initializer"):
        read_plain_graph(tmp_path)

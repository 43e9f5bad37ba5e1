"""pytest: training/mdm.py (shapes, attention masks, RoPE, the forward process) and the training
objective `diffusion_loss` of training/train.py, on tiny configs.

Expected values are worked out independently: the attention mask by hand, the losses from the
same random draws recomputed in the test, and a model with constant logits (CE = log V exactly).
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mdm import (MDM, NEG, ONNX_EXPORT_OPTIONS, FusedRotary, MDMConfig, ShiftedLogits, mask_tokens, mdm_loss,  # noqa: E402
                 rope_tables, rotate, rotate_at)
from train import diffusion_loss  # noqa: E402

torch.set_num_threads(1)


def tiny(**kw) -> MDM:
    torch.manual_seed(0)
    return MDM(MDMConfig(vocab_size=11, mask_id=1, d_model=16, n_layers=2, n_heads=2, mlp_mult=2, max_len=12, **kw))


@pytest.mark.parametrize("kw", [{}, {"rope": True}, {"attention": "block-causal", "block_size": 4}])
def test_forward_shape_dtype_and_batch_independence(kw):
    m = tiny(**kw).eval()
    x = torch.randint(0, 11, (3, 10), generator=torch.Generator().manual_seed(1))
    y = m(x)
    assert y.shape == (3, 10, 11) and y.dtype == torch.float32
    assert torch.allclose(m(x[1:2]), y[1:2], atol=1e-6)  # rows do not see each other
    assert m(x[:, :7]).shape == (3, 7, 11)  # any length up to max_len
    assert (m.pos_emb is None) == bool(kw.get("rope"))


def test_block_causal_bias_by_hand():
    m = tiny(attention="block-causal", block_size=2)
    bias = m.attention_bias(5, torch.device("cpu"))
    # blocks {0,1} {2,3} {4}: a query sees its own block and earlier ones
    allowed = [[1, 1, 0, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 0], [1, 1, 1, 1, 0], [1, 1, 1, 1, 1]]
    assert bias.tolist() == [[0.0 if a else NEG for a in row] for row in allowed]
    assert tiny().attention_bias(5, torch.device("cpu")) is None


def test_attention_reaches_exactly_where_the_mask_allows():
    x = torch.tensor([[2, 3, 4, 5, 6, 7, 8, 9]])
    later = x.clone()
    later[0, 6] = 1  # a token in block 1 (positions 4..7) of a block size 4
    earlier = x.clone()
    earlier[0, 1] = 1  # a token in block 0
    with torch.no_grad():
        bc = tiny(attention="block-causal", block_size=4).eval()
        d_later = (bc(later) - bc(x)).abs().amax(-1)[0]
        d_earlier = (bc(earlier) - bc(x)).abs().amax(-1)[0]
        full = tiny().eval()
        d_full = (full(later) - full(x)).abs().amax(-1)[0]
    assert d_later[:4].max() == 0 and bool((d_later[4:] > 0).all())
    assert bool((d_earlier > 0).all())
    assert bool((d_full > 0).all())  # bidirectional: position 0 sees position 6


def test_rope_is_a_rotation_whose_scores_depend_on_the_offset_only():
    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(1, 1, 6, 8, generator=g), torch.randn(1, 1, 6, 8, generator=g)
    assert torch.allclose(rotate(q, 6)[..., 0, :], q[..., 0, :])  # position 0: angle 0
    assert torch.allclose(rotate(q, 6).norm(dim=-1), q.norm(dim=-1), atol=1e-5)
    # the same vector at every position: <R_m q, R_n k> depends on m − n only
    qs, ks = q[..., :1, :].expand(1, 1, 6, 8), k[..., :1, :].expand(1, 1, 6, 8)
    s = rotate(qs, 6)[0, 0] @ rotate(ks, 6)[0, 0].T
    assert torch.allclose(s[3, 1], s[5, 3], atol=1e-5) and torch.allclose(s[1, 1], s[4, 4], atol=1e-5)
    assert not torch.allclose(s[3, 1], s[3, 2], atol=1e-3)
    # head dim 4: inverse frequencies 1 and 10000^(-1/2) = 0.01; e_1 at position 2 turns by 0.02
    e1 = torch.tensor([0.0, 1.0, 0.0, 0.0]).expand(1, 1, 3, 4)
    assert torch.allclose(rotate(e1, 3)[0, 0, 2], torch.tensor([0.0, math.cos(0.02), 0.0, math.sin(0.02)]), atol=1e-6)
    # head dim 2: a plain rotation of (x1, x2) by the angle = position (inverse frequency 1)
    v = torch.tensor([1.0, 0.0]).expand(1, 1, 3, 2)
    assert torch.allclose(rotate(v, 3)[0, 0], torch.tensor([[1.0, 0.0], [math.cos(1), math.sin(1)],
                                                           [math.cos(2), math.sin(2)]]), atol=1e-6)


def test_fused_rotary_is_rotate_at_on_unsplit_heads():
    # The export-time RoPE works on [B, W, D] with the heads not yet split; per head it must be the
    # training path's rotation at the same (per-row) positions.
    g = torch.Generator().manual_seed(0)
    B, W, H, hd = 2, 5, 2, 8
    x = torch.randn(B, W, H * hd, generator=g)
    pos = torch.randint(0, 12, (B, W), generator=g)
    cos, sin = rope_tables(12, hd)
    fused = FusedRotary.forward(None, x, pos, cos, sin, H)
    split = x.reshape(B, W, H, hd).transpose(1, 2)
    assert torch.allclose(fused, rotate_at(split, pos).transpose(1, 2).reshape(B, W, H * hd), atol=1e-6)


def test_rope_export_uses_one_fused_rotary_node_per_use(tmp_path):
    import onnx

    m = tiny(rope=True).eval()
    with torch.no_grad():
        torch.onnx.export(m, (torch.ones(1, 6, dtype=torch.int64),), str(tmp_path / "m.onnx"), input_names=["input_ids"],
                          output_names=["logits"], dynamic_axes={"input_ids": {0: "b", 1: "t"}}, **ONNX_EXPORT_OPTIONS)
    ops = [n.op_type for n in onnx.load(str(tmp_path / "m.onnx")).graph.node]
    assert ops.count("RotaryEmbedding") == 2 * 2  # q and k of each of the 2 layers
    assert "Cos" not in ops and "Sin" not in ops
    # training never takes the export path (FusedRotary has no backward)
    loss = m.train()(torch.ones(1, 6, dtype=torch.int64)).sum()
    loss.backward()
    assert m.blocks[0].attn.qkv.weight.grad is not None


def test_shifted_logits_move_every_row_up_by_one():
    m = tiny().eval()
    x = torch.tensor([[2, 3, 4, 1, 1]])
    with torch.no_grad():
        a, s = m(x), ShiftedLogits(m)(x)
    assert torch.equal(s[:, :4], a[:, 1:]) and torch.equal(s[:, 4], a[:, 4])


def test_config_rejects_bad_fields():
    with pytest.raises(ValueError, match="attention"):
        MDMConfig(vocab_size=5, mask_id=1, attention="causal")
    with pytest.raises(ValueError, match="divisible"):
        MDMConfig(vocab_size=5, mask_id=1, d_model=10, n_heads=4)
    with pytest.raises(ValueError, match="block_size"):
        MDMConfig(vocab_size=5, mask_id=1, attention="block-causal", block_size=0)
    assert MDMConfig(vocab_size=5, mask_id=1).to_dict()["d_model"] == 64


def test_mask_tokens_draws_t_then_masks_with_p():
    x = torch.arange(2, 10).repeat(4, 1)  # [4, 8], no mask id in it
    noisy, masked, p = mask_tokens(x, mask_id=1, eps=0.1, generator=torch.Generator().manual_seed(5))
    g = torch.Generator().manual_seed(5)  # the same draws, recomputed
    t = 1.0 - torch.rand(4, generator=g)
    r = torch.rand(4, 8, generator=g)
    assert torch.allclose(p[:, 0], 0.9 * t + 0.1)
    assert torch.equal(masked, r < p)
    assert torch.equal(noisy, torch.where(masked, torch.ones_like(x), x))
    assert p.shape == (4, 1) and bool(((p >= 0.1) & (p <= 1.0)).all())


class Constant(torch.nn.Module):
    """Zero logits over V tokens (CE = log V at every position); remembers its input."""

    def __init__(self, V: int) -> None:
        super().__init__()
        self.V = V

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        self.seen = ids.clone()
        return torch.zeros(*ids.shape, self.V)


def test_mdm_loss_is_the_weighted_masked_ce_over_b_times_t():
    V = 7
    x = torch.randint(2, V, (5, 6), generator=torch.Generator().manual_seed(0))
    m = Constant(V)
    loss = mdm_loss(m, x, mask_id=1, eps=1e-3, generator=torch.Generator().manual_seed(9))
    _, masked, p = mask_tokens(x, 1, 1e-3, torch.Generator().manual_seed(9))
    assert torch.equal(m.seen == 1, masked)
    want = math.log(V) * (masked.float() / p).sum().item() / 30
    assert loss.item() == pytest.approx(want, rel=1e-6)


def test_diffusion_loss_masks_targets_only_at_least_one_per_row():
    V, B, T = 7, 4, 6
    x = torch.randint(2, V, (B, T), generator=torch.Generator().manual_seed(0))
    target = torch.ones(B, T, dtype=torch.bool)
    target[:, :2] = False  # a two-token prompt
    target[3] = False
    target[3, 5] = True  # a row with a single target
    m = Constant(V)
    loss = diffusion_loss(m, x, target, mask_id=1, g=torch.Generator().manual_seed(3))
    masked = m.seen == 1
    assert not bool((masked & ~target).any())  # the prompt is never masked
    assert bool(masked.any(1).all()) and masked[3].tolist() == [False] * 5 + [True]
    # recompute: stratified t_i = 1 − ((u + i/B) mod 1), weight 1 / max(t_i, 1/n_i), over Σ n_i
    g = torch.Generator().manual_seed(3)
    u = torch.rand((), generator=g).item()
    r = torch.rand(B, T, generator=g)
    t = [1.0 - ((u + i / B) % 1.0) for i in range(B)]
    n = target.sum(1).tolist()
    assert n == [4, 4, 4, 1]
    for i in range(B):
        drawn = (r[i] < t[i]) & target[i]
        if drawn.any():
            assert masked[i].tolist() == drawn.tolist()
        else:  # forced: the target with the smallest draw
            j = int(torch.where(target[i], r[i], torch.full_like(r[i], 2.0)).argmin())
            assert masked[i].tolist() == [k == j for k in range(T)]
    want = sum(math.log(V) * masked[i].sum().item() / max(t[i], 1.0 / n[i]) for i in range(B)) / sum(n)
    assert loss.item() == pytest.approx(want, rel=1e-5)


def test_a_few_steps_of_training_lower_the_loss_on_a_fixed_batch():
    m = tiny()
    x = torch.tensor([[2, 3, 4, 5, 6, 7, 8, 9]] * 8)
    opt = torch.optim.Adam(m.parameters(), lr=3e-3)
    first = None
    for step in range(30):
        loss = mdm_loss(m, x, 1, generator=torch.Generator().manual_seed(step))
        first = loss.item() if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        final = mdm_loss(m, x, 1, generator=torch.Generator().manual_seed(0)).item()
    assert first == pytest.approx(math.log(11), rel=0.35)  # near-uniform logits at initialisation
    assert final < 0.5 * first

"""A small bidirectional transformer masked-diffusion LM (MDM) in PyTorch.

Written to be reused for bigger built-in models: every size is a config field.

    token embedding + learned positional embedding (max context `max_len`), or rotary position
    embedding on queries and keys (`rope`)
    n_layers x pre-LN block: x + MHSA(LN(x)), then x + MLP(LN(x)) with GELU, hidden mlp_mult*d
    final LN, output projection to the vocabulary (logits[:, i] predicts token i)

Attention:
    "full"          every position attends to every position (LLaDA, Dream)
    "block-causal"  block size b, blocks aligned to ABSOLUTE positions (block id = position // b);
                    a query in block i attends to keys in blocks <= i (SDAR). The mask is built
                    inside forward() from the sequence length, so an ONNX export keeps a dynamic
                    length axis.

Training objective (`mdm_loss`, LLaDA's pre-training loss):
    t ~ U(0, 1] per sequence; each token is replaced by the mask id with probability
    p = (1 - eps) * t + eps; loss = sum over masked tokens of CE / p, divided by B * T
    (an unbiased estimate of the per-token negative ELBO, averaged over the batch).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class MDMConfig:
    vocab_size: int
    mask_id: int
    d_model: int = 64
    n_layers: int = 2
    n_heads: int = 4
    mlp_mult: int = 4
    max_len: int = 64
    attention: str = "full"  # "full" | "block-causal"
    block_size: int = 4  # used by "block-causal" only
    dropout: float = 0.0
    # Rotary position embedding on queries and keys instead of the learned absolute table:
    # attention to a neighbour at a fixed offset is then one pattern for every position, which a
    # text model (random window starts) needs and learns far sooner than from absolute positions.
    rope: bool = False

    def __post_init__(self) -> None:
        if self.attention not in ("full", "block-causal"):
            raise ValueError(f"attention must be 'full' or 'block-causal', got {self.attention!r}")
        if self.d_model % self.n_heads != 0:
            raise ValueError("d_model must be divisible by n_heads")
        if self.attention == "block-causal" and self.block_size < 1:
            raise ValueError("block_size must be >= 1")

    def to_dict(self) -> dict:
        return asdict(self)


def rotate(x: torch.Tensor, T: int) -> torch.Tensor:
    """RoPE (Su et al. 2021) in the rotate-half layout on [B, H, T, hd] at positions 0..T-1;
    tables built from T so exports stay dynamic."""
    return rotate_at(x, torch.arange(T, device=x.device))


def rotate_at(x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """RoPE of `x` [B, H, W, hd] at absolute `positions` ([W], or [B, W] per row): a cached
    window's queries and keys rotate by where they stand in the canvas, not by their index."""
    hd = x.shape[-1]
    half = hd // 2
    inv = torch.exp(torch.arange(half, device=x.device, dtype=torch.float32) * (-math.log(10000.0) / half))
    ang = positions.to(torch.float32).unsqueeze(-1) * inv  # [W, half] or [B, W, half]
    if ang.dim() == 3:
        ang = ang.unsqueeze(1)  # [B, 1, W, half]: one table per row, shared by the heads
    cos, sin = torch.cos(ang), torch.sin(ang)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)


def rope_tables(max_len: int, head_dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin [max_len, head_dim / 2] of the angles `rotate_at` uses, for the fused export."""
    half = head_dim // 2
    inv = torch.exp(torch.arange(half, dtype=torch.float32) * (-math.log(10000.0) / half))
    ang = torch.arange(max_len, dtype=torch.float32).unsqueeze(1) * inv
    return torch.cos(ang), torch.sin(ang)


# The contrib operator domain of onnxruntime; every torch.onnx.export of an MDM passes it
# (`ONNX_EXPORT_OPTIONS`), because a RoPE model's graph uses its fused RotaryEmbedding.
ORT_DOMAIN = "com.microsoft"
ONNX_EXPORT_OPTIONS = {"opset_version": 17, "do_constant_folding": True, "custom_opsets": {ORT_DOMAIN: 1}}


class FusedRotary(torch.autograd.Function):
    """RoPE of q or k [B, W, D] (heads not yet split) at `positions` [B, W], exported as one
    onnxruntime `com.microsoft::RotaryEmbedding` node (rotate-half layout: interleaved 0) instead
    of ~20 elementwise nodes per use; measured 17-24% off a forward of the d128 RoPE built-ins
    (docs/performance.md). Export only: it has no backward, so training never takes this path.
    `forward` is the same arithmetic as `rotate_at`, so the traced module stays checkable."""

    @staticmethod
    def forward(ctx, x, positions, cos, sin, heads: int):  # noqa: ANN001
        B, W, D = x.shape
        half = D // heads // 2
        xs = x.reshape(B, W, heads, 2 * half)
        c, s = cos[positions].unsqueeze(2), sin[positions].unsqueeze(2)  # [B, W, 1, half]
        x1, x2 = xs[..., :half], xs[..., half:]
        return torch.cat((x1 * c - x2 * s, x1 * s + x2 * c), dim=-1).reshape(B, W, D)

    @staticmethod
    def symbolic(g, x, positions, cos, sin, heads: int):  # noqa: ANN001
        return g.op(f"{ORT_DOMAIN}::RotaryEmbedding", x, positions, cos, sin, num_heads_i=heads, interleaved_i=0)


class SelfAttention(nn.Module):
    def __init__(self, cfg: MDMConfig) -> None:
        super().__init__()
        self.n_heads = cfg.n_heads
        self.head_dim = cfg.d_model // cfg.n_heads
        self.rope = cfg.rope
        if cfg.rope:  # tables for the fused export only; not part of the state dict
            cos, sin = rope_tables(cfg.max_len, self.head_dim)
            self.register_buffer("rope_cos", cos, persistent=False)
            self.register_buffer("rope_sin", sin, persistent=False)
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)

    def heads(self, x: torch.Tensor, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """q, k, v of `x` [B, W, D] at `positions` ([W] or [B, W]), each [B, H, W, hd]; q and k
        rotated if the model uses RoPE."""
        B, W, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=2)
        fused = self.rope and torch.onnx.is_in_onnx_export()
        if fused:
            pos = positions if positions.dim() == 2 else positions.unsqueeze(0).expand(B, W)
            q, k = (FusedRotary.apply(t, pos, self.rope_cos, self.rope_sin, self.n_heads) for t in (q, k))
        q, k, v = (t.reshape(B, W, self.n_heads, self.head_dim).transpose(1, 2) for t in (q, k, v))
        if self.rope and not fused:
            q, k = rotate_at(q, positions), rotate_at(k, positions)
        return q, k, v

    def attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        """softmax(q k^T / sqrt(hd) + bias) v, heads merged and projected: [B, W, D]."""
        att = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))
        if bias is not None:
            att = att + bias  # additive mask: 0 allowed, large negative blocked
        att = self.drop(torch.softmax(att, dim=-1))
        B, _, W, _ = q.shape
        return self.proj(torch.matmul(att, v).transpose(1, 2).reshape(B, W, self.n_heads * self.head_dim))

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        return self.attend(*self.heads(x, torch.arange(x.shape[1], device=x.device)), bias)

    def forward_cached(self, x: torch.Tensor, positions: torch.Tensor, past_k: torch.Tensor, past_v: torch.Tensor,
                       bias: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """A window [B, W, D] at `positions` [B, W] attending to cached keys/values [B, H, P, hd]
        (rotated already) and to itself; returns the output and the window's own (rotated) k, v."""
        q, k, v = self.heads(x, positions)
        y = self.attend(q, torch.cat((past_k, k), dim=2), torch.cat((past_v, v), dim=2), bias)
        return y, k, v


class Block(nn.Module):
    def __init__(self, cfg: MDMConfig) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.attn = SelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.mlp = nn.Sequential(
            nn.Linear(cfg.d_model, cfg.mlp_mult * cfg.d_model),
            nn.GELU(),
            nn.Linear(cfg.mlp_mult * cfg.d_model, cfg.d_model),
            nn.Dropout(cfg.dropout),
        )

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), bias)
        return x + self.mlp(self.ln2(x))

    def forward_cached(self, x, positions, past_k, past_v, bias):
        y, k, v = self.attn.forward_cached(self.ln1(x), positions, past_k, past_v, bias)
        x = x + y
        return x + self.mlp(self.ln2(x)), k, v


# Finite "minus infinity": keeps softmax free of NaN and exports as a plain constant.
NEG = -1e9


class MDM(nn.Module):
    def __init__(self, cfg: MDMConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos_emb = None if cfg.rope else nn.Embedding(cfg.max_len, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, cfg.vocab_size)
        self.apply(self._init)

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def attention_bias(self, T: int, device: torch.device) -> torch.Tensor | None:
        """Additive [T, T] mask, or None for full attention. Built from T so exports stay dynamic."""
        if self.cfg.attention == "full":
            return None
        pos = torch.arange(T, device=device)
        blk = torch.div(pos, self.cfg.block_size, rounding_mode="floor")
        allowed = blk.unsqueeze(0) <= blk.unsqueeze(1)  # [query, key]: key block <= query block
        zero = torch.zeros((), dtype=torch.float32, device=device)
        neg = torch.full((), NEG, dtype=torch.float32, device=device)
        return torch.where(allowed, zero, neg)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """input_ids int64 [B, T] (T <= max_len) -> logits float32 [B, T, V]."""
        T = input_ids.shape[1]
        x = self.tok_emb(input_ids)
        if self.pos_emb is not None:
            x = x + self.pos_emb(torch.arange(T, device=input_ids.device)).unsqueeze(0)
        x = self.drop(x)
        bias = self.attention_bias(T, input_ids.device)
        for block in self.blocks:
            x = block(x, bias)
        return self.head(self.ln_f(x))


class CachedMDM(nn.Module):
    """The cache-capable graph of an MDM (docs/onnx-models.md, "cache graph"): a window of the
    canvas attends to cached keys/values of the other positions and to itself.

    inputs   input_ids [B, W] int64, position_ids [B, W] int64 (absolute), cache_index [B] int64
             (row b reads cache cache_index[b]), past_key / past_value [L, C, H, P, hd] float32
             (rotated keys, as present_key returns them), past_position_ids [C, P] int64
    outputs  logits [B, W, V], present_key / present_value [L, B, H, W, hd] (the window's own)

    P = 0 with the whole canvas as the window is the plain forward (and fills a cache). Rows
    share a cache through cache_index, so N lookahead rows of one sequence need one copy of it.
    Attention over keys is order-free, so a dual cache is simply the positions outside the
    window, in any order; a block-causal model masks by the keys' absolute positions.
    """

    def __init__(self, inner: MDM) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, input_ids, position_ids, cache_index, past_key, past_value, past_position_ids):
        m = self.inner
        x = m.tok_emb(input_ids)
        if m.pos_emb is not None:
            x = x + m.pos_emb(position_ids)
        bias = None
        if m.cfg.attention == "block-causal":
            keys = torch.cat((past_position_ids.index_select(0, cache_index), position_ids), dim=1)
            q_blk = torch.div(position_ids, m.cfg.block_size, rounding_mode="floor").unsqueeze(2)
            k_blk = torch.div(keys, m.cfg.block_size, rounding_mode="floor").unsqueeze(1)
            zero = torch.zeros((), dtype=torch.float32, device=x.device)
            neg = torch.full((), NEG, dtype=torch.float32, device=x.device)
            bias = torch.where(k_blk <= q_blk, zero, neg).unsqueeze(1)  # [B, 1, W, P + W]
        keys_out, values_out = [], []
        for layer, block in enumerate(m.blocks):
            pk = past_key[layer].index_select(0, cache_index)
            pv = past_value[layer].index_select(0, cache_index)
            x, k, v = block.forward_cached(x, position_ids, pk, pv, bias)
            keys_out.append(k)
            values_out.append(v)
        return m.head(m.ln_f(x)), torch.stack(keys_out), torch.stack(values_out)


class ShiftedLogits(nn.Module):
    """Dream-style output convention around an aligned MDM: raw[:, i] predicts token i + 1.

    raw[:, i] = aligned[:, i + 1] for i < T - 1 and raw[:, T - 1] = aligned[:, T - 1]. A decoder
    with `logitShift: true` restores aligned[0] = raw[0], aligned[i] = raw[i - 1], which equals the
    aligned model's logits at every position >= 1 (position 0 gets aligned[1]'s row).
    """

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        logits = self.inner(input_ids)
        return torch.cat([logits[:, 1:], logits[:, -1:]], dim=1)


def mask_tokens(x: torch.Tensor, mask_id: int, eps: float = 1e-3, generator: torch.Generator | None = None):
    """Forward process: t ~ U(0,1] per row, mask each token with probability p = (1-eps) t + eps.

    Returns (noisy ids, boolean mask of masked positions, p per row [B, 1])."""
    B, T = x.shape
    t = 1.0 - torch.rand(B, generator=generator, device=x.device)  # U(0, 1]
    p = ((1.0 - eps) * t + eps).unsqueeze(1)
    masked = torch.rand(B, T, generator=generator, device=x.device) < p
    noisy = torch.where(masked, torch.full_like(x, mask_id), x)
    return noisy, masked, p


def mdm_loss(model: nn.Module, x: torch.Tensor, mask_id: int, eps: float = 1e-3,
             generator: torch.Generator | None = None) -> torch.Tensor:
    """Masked-diffusion loss: CE on masked tokens weighted by 1/p, summed, divided by B*T."""
    noisy, masked, p = mask_tokens(x, mask_id, eps, generator)
    logits = model(noisy)
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x.reshape(-1), reduction="none").view_as(x)
    weighted = torch.where(masked, ce / p, torch.zeros_like(ce))
    return weighted.sum() / x.numel()

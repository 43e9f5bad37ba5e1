"""Stand-ins for the public Qwen3-0.6B diffusion ONNX exports, with random weights.

`naklitechie/Qwen3-0.6B-diffusion-mdlm-ONNX` and `...-bd3lm-ONNX` (dllm's Tiny-A2D conversions of
Qwen3-0.6B) cannot be downloaded here, so infogain is tested on folders with the same layout,
inputs, outputs, operators and geometry (training/qwen3_onnx.py says what those are):

    <out>/onnx/model_fp16_fused.onnx (+ .onnx.data)     fp16, float16 logits
    <out>/onnx/model_q4f16_rtn_sym.onnx (+ .onnx.data)  --q4: MatMulNBits 4-bit, fp16 scales, float32 I/O
    <out>/onnx/model_fp32.onnx (+ .onnx.data)           --fp32: float32 throughout
    <out>/tokenizer.json, tokenizer_config.json         byte-level BPE in Qwen3's format (qwen3_tokenizer.py)
    <out>/README.md                                     what it is and how it was made

Small (the committed test fixtures, a few layers and a small vocabulary):

    /usr/bin/python3 training/qwen3_standin.py --size small --convention mdlm  --out models/tiny/qwen3-mdlm-tiny
    /usr/bin/python3 training/qwen3_standin.py --size small --convention bd3lm --out models/tiny/qwen3-bd3lm-tiny --q4

and `--ref FILE` writes float64 torch reference logits of every written graph's weights for the
test suite (test/qwen3-standin.test.ts compares onnxruntime-node's logits with them).

Full size (Qwen3-0.6B geometry: 28 layers, hidden 1024, 16/8 heads of 128, MLP 3072, V 151936;
~1.5 GB fp16, ~3 GB fp32; never committed, never run by the tests):

    /usr/bin/python3 training/qwen3_standin.py --size full --convention bd3lm --out tmp/qwen3-bd3lm-full --q4

Weights are random (seeded): the stand-ins test loading and decoding, not language.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from onnx import TensorProto

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import qwen3_tokenizer  # noqa: E402
from qwen3_onnx import QWEN3_0_6B, Geometry, build_graph, dequantize_q4, pack_q4, projections, rope_tables, save_external  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SMALL = Geometry(layers=2, hidden=64, heads=4, kv_heads=2, head_dim=16, mlp=128, vocab=512, rope_theta=1e6, context=512)
SMALL_MERGES = 217  # 256 bytes + 217 merges + 27 added tokens = 500 tokenizer ids; V = 512 (padding rows, as Qwen3)
BD3LM_BLOCK = 32
FP16_GRAPH, Q4_GRAPH, FP32_GRAPH = "model_fp16_fused.onnx", "model_q4f16_rtn_sym.onnx", "model_fp32.onnx"


def random_weights(g: Geometry, seed: int) -> dict[str, np.ndarray]:
    """Seeded random weights, rounded to fp16 (what the fp16 graph stores; fp32 graphs store the same
    values). Scales are chosen so that attention is peaked (q/k norm gains ~2.5) and the logits spread
    over a few nats, so that a wrong mask, rotation or head mapping moves them far beyond fp16 error."""
    gen = torch.Generator().manual_seed(seed)

    def normal(shape: tuple[int, ...], std: float, mean: float = 0.0) -> np.ndarray:
        return (torch.randn(shape, generator=gen, dtype=torch.float32) * std + mean).numpy().astype(np.float16)

    w: dict[str, np.ndarray] = {}
    embed = normal((g.vocab, g.hidden), 2.5 / np.sqrt(g.hidden))
    w["model.embed_tokens.weight"] = embed
    w["lm_head.weight"] = np.ascontiguousarray(embed.T)  # tied, exported as a transposed copy
    for i in range(g.layers):
        p = f"model.layers.{i}"
        for name, (fan_in, fan_out) in projections(g, i).items():
            w[f"{name}.weight"] = normal((fan_in, fan_out), 1.0 / np.sqrt(fan_in))
        w[f"{p}.input_layernorm.weight"] = normal((g.hidden,), 0.1, 1.0)
        w[f"{p}.post_attention_layernorm.weight"] = normal((g.hidden,), 0.1, 1.0)
        w[f"{p}.self_attn.q_norm.weight"] = normal((g.head_dim,), 0.2, 2.5)
        w[f"{p}.self_attn.k_norm.weight"] = normal((g.head_dim,), 0.2, 2.5)
    w["model.norm.weight"] = normal((g.hidden,), 0.1, 1.0)
    return w


def dequantized(g: Geometry, w: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The weights a q4 graph computes with: every projection and lm_head through pack/dequantize."""
    out = dict(w)
    names = [n for i in range(g.layers) for n in projections(g, i)] + ["lm_head"]
    for n in names:
        K, N = w[f"{n}.weight"].shape
        packed, scales = pack_q4(w[f"{n}.weight"])
        out[f"{n}.weight"] = dequantize_q4(packed, scales, K, N)
    return out


def block_causal_mask(T: int, block: int) -> torch.Tensor:
    """The BD3LM additive mask [T, T]: 0 where key block <= query block, -1e9 elsewhere."""
    blk = torch.arange(T) // block
    return torch.where(blk[None, :] <= blk[:, None], 0.0, -1e9).double()


def rms_norm(x: torch.Tensor, weight: np.ndarray) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * torch.from_numpy(weight.astype(np.float64))


@torch.no_grad()
def reference_logits(g: Geometry, w: dict[str, np.ndarray], ids: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Qwen3's forward in float64 (as transformers' modeling_qwen3 with non-causal attention):
    ids [B, T] -> logits [B, T, V]."""
    W = {k: torch.from_numpy(v.astype(np.float64)) for k, v in w.items()}
    B, T = ids.shape
    cos, sin = (torch.from_numpy(t[:T]) for t in rope_tables(g))
    cos, sin = torch.cat([cos, cos], -1), torch.cat([sin, sin], -1)  # [T, D]

    def rotate(x: torch.Tensor) -> torch.Tensor:  # x [B, H, T, D]
        half = x.shape[-1] // 2
        rot = torch.cat([-x[..., half:], x[..., :half]], -1)
        return x * cos + rot * sin

    h = W["model.embed_tokens.weight"][ids]
    r = g.heads // g.kv_heads
    for i in range(g.layers):
        p = f"model.layers.{i}"
        x = rms_norm(h, w[f"{p}.input_layernorm.weight"])
        q = (x @ W[f"{p}.self_attn.q_proj.weight"]).view(B, T, g.heads, g.head_dim)
        k = (x @ W[f"{p}.self_attn.k_proj.weight"]).view(B, T, g.kv_heads, g.head_dim)
        v = (x @ W[f"{p}.self_attn.v_proj.weight"]).view(B, T, g.kv_heads, g.head_dim)
        q = rotate(rms_norm(q, w[f"{p}.self_attn.q_norm.weight"]).transpose(1, 2))
        k = rotate(rms_norm(k, w[f"{p}.self_attn.k_norm.weight"]).transpose(1, 2))
        v = v.transpose(1, 2)
        k, v = k.repeat_interleave(r, dim=1), v.repeat_interleave(r, dim=1)  # transformers' repeat_kv
        scores = q @ k.transpose(-1, -2) / np.sqrt(g.head_dim)
        if mask is not None:
            scores = scores + mask
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, T, g.heads * g.head_dim)
        h = h + ctx @ W[f"{p}.self_attn.o_proj.weight"]
        x = rms_norm(h, w[f"{p}.post_attention_layernorm.weight"])
        gate = x @ W[f"{p}.mlp.gate_proj.weight"]
        h = h + (torch.nn.functional.silu(gate) * (x @ W[f"{p}.mlp.up_proj.weight"])) @ W[f"{p}.mlp.down_proj.weight"]
    return rms_norm(h, w["model.norm.weight"]) @ W["lm_head.weight"]


def reference_case(ids: dict[str, int], T: int, seed: int, n_bpe: int) -> torch.Tensor:
    """Two rows of length T: a ChatML-shaped prompt with masks after it, and random BPE ids with every
    third position masked."""
    gen = torch.Generator().manual_seed(seed)
    chat = [ids["im_start"]] + torch.randint(0, n_bpe, (T // 3 - 2,), generator=gen).tolist() + [ids["im_end"]]
    row0 = chat + [ids["mask"]] * (T - len(chat))
    row1 = torch.randint(0, n_bpe, (T,), generator=gen)
    row1[::3] = ids["mask"]
    return torch.tensor([row0, row1.tolist()], dtype=torch.int64)


def readme(a: argparse.Namespace, g: Geometry, files: dict[str, int], tok_ids: dict[str, int], params: int) -> str:
    conv = (f"BD3LM: block-causal attention with block size {BD3LM_BLOCK} through the graph's `attention_mask` "
            "input float [1, 1, sequence, sequence] (additive: 0 = attend, -1e9 = blocked)" if a.convention == "bd3lm"
            else "MDLM: bidirectional attention, `input_ids` is the only input")
    rows = "\n".join(f"| `onnx/{n}` + `.onnx.data` | {s:,} bytes of external data |" for n, s in files.items())
    return f"""# {Path(a.out).name}

A stand-in for `naklitechie/Qwen3-0.6B-diffusion-{a.convention}-ONNX` (dllm's Tiny-A2D Qwen3-0.6B,
{a.convention.upper()}) with **random weights**: the same folder layout, input and output names and
dtypes, operators and special-token roles, so that infogain's loading and decoding of that export
is tested without its 1.4 GB of weights. It writes nothing meaningful.

- **Convention:** {conv}.
- **Geometry:** {g.layers} layers, hidden {g.hidden}, {g.heads} query heads and {g.kv_heads} key/value heads
  of {g.head_dim}, MLP {g.mlp} (SiLU gate), per-head RMSNorm on queries and keys, RoPE θ = {g.rope_theta:g}
  (fused `com.microsoft::RotaryEmbedding`, {g.context} positions), RMSNorm fused to
  `SimplifiedLayerNormalization` / `SkipSimplifiedLayerNormalization`, tied embeddings (a Gather table
  and a transposed lm_head), vocabulary {g.vocab} logits; {params:,} parameters.
- **Tokenizer:** byte-level BPE in Qwen3's format ({SMALL_MERGES if a.size == 'small' else a.merges} merges learned on
  `data/text/heldout.txt`), Qwen3's added tokens from id {tok_ids['pad']} (`<|endoftext|>`, the pad),
  `<|im_end|>` = {tok_ids['eos']} (eos), `<|mask|>` = {tok_ids['mask']} (mask), ChatML chat template;
  {tok_ids['size']} tokenizer ids, the rest of the {g.vocab} logits are padding rows as in Qwen3.
- **Files:**

| file | |
|---|---|
{rows}

Made by `training/qwen3_standin.py` (seed {a.seed}):

```sh
/usr/bin/python3 training/qwen3_standin.py {' '.join(sys.argv[1:])}
```
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", choices=["small", "full"], required=True)
    ap.add_argument("--convention", choices=["mdlm", "bd3lm"], required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--q4", action="store_true", help=f"also write onnx/{Q4_GRAPH} (MatMulNBits)")
    ap.add_argument("--fp32", action="store_true", help=f"also write onnx/{FP32_GRAPH}")
    ap.add_argument("--no-fp16", action="store_true", help=f"skip onnx/{FP16_GRAPH}")
    ap.add_argument("--ref", help="write float64 reference logits (JSON) of each written graph here")
    ap.add_argument("--ref-length", type=int, default=12)
    ap.add_argument("--merges", type=int, default=SMALL_MERGES)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--fixed-batch", type=int, default=None, help="fix input_ids' batch axis to this number (a test fixture)")
    ap.add_argument("--text", default=str(REPO / "data" / "text" / "heldout.txt"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    g = SMALL if a.size == "small" else QWEN3_0_6B
    out = Path(a.out)
    t0 = time.time()
    tok = qwen3_tokenizer.write(out, Path(a.text).read_text(), a.merges,
                                None if a.size == "small" else qwen3_tokenizer.QWEN3_SPECIAL_BASE)
    if tok["size"] > g.vocab:
        raise SystemExit(f"the tokenizer has {tok['size']} ids, more than the {g.vocab} logits")
    w = random_weights(g, a.seed)
    params = sum(v.size for k, v in w.items() if k != "lm_head.weight")
    bd3lm = a.convention == "bd3lm"
    variants = [] if a.no_fp16 else [(FP16_GRAPH, TensorProto.FLOAT16, TensorProto.FLOAT16, False)]
    if a.q4:
        variants.append((Q4_GRAPH, TensorProto.FLOAT16, TensorProto.FLOAT, True))
    if a.fp32:
        variants.append((FP32_GRAPH, TensorProto.FLOAT, TensorProto.FLOAT, False))
    (out / "onnx").mkdir(parents=True, exist_ok=True)
    files = {}
    for name, dt, logits_dt, q4 in variants:
        model = build_graph(g, w, block_causal=bd3lm, dt=dt, logits_dt=logits_dt, q4=q4, batch=a.fixed_batch or "batch")
        files[name] = save_external(model, out / "onnx" / name)
        del model
        print(f"wrote {out / 'onnx' / name} (+ {files[name]:,} bytes of external data) at {time.time() - t0:.0f} s", flush=True)
    # Graphs written by an earlier run into the same folder (--no-fp16 adds a precision beside them) are listed too.
    for name in (FP16_GRAPH, Q4_GRAPH, FP32_GRAPH):
        data = out / "onnx" / f"{name}.data"
        if name not in files and (out / "onnx" / name).exists() and data.exists():
            files[name] = data.stat().st_size
    (out / "README.md").write_text(readme(a, g, files, tok, params))
    if a.ref:
        ids = {"mask": tok["mask"], "im_start": tok["pad"] + 1, "im_end": tok["eos"]}
        case = reference_case(ids, a.ref_length, a.seed + 1, 256 + a.merges)
        mask = block_causal_mask(a.ref_length, BD3LM_BLOCK if a.size == "full" else 4) if bd3lm else None
        ref = {"input_ids": case.tolist(), "blockSize": BD3LM_BLOCK, "graphs": {}}
        if bd3lm:  # the small reference uses 4-blocks within 12 positions, so the mask is seen to act
            ref["referenceBlockSize"] = BD3LM_BLOCK if a.size == "full" else 4
        for name, _, _, q4 in variants:
            logits = reference_logits(g, dequantized(g, w) if q4 else w, case, mask)
            ref["graphs"][name] = [[[round(float(z), 5) for z in row] for row in seq] for seq in logits]
        Path(a.ref).parent.mkdir(parents=True, exist_ok=True)
        Path(a.ref).write_text(json.dumps(ref, separators=(",", ":")) + "\n")
        print(f"wrote {a.ref}", flush=True)
    print(f"done in {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()

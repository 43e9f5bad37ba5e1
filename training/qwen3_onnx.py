"""The ONNX graph of a Qwen3 diffusion LM as the public Tiny-A2D exports lay it out, from weights.

What the exports of `naklitechie/Qwen3-0.6B-diffusion-{mdlm,bd3lm}-ONNX` are (their export
scripts): a bare forward `input_ids` int64 [batch, sequence] -> `logits` [batch, sequence, V],
opset 17, bidirectional attention (MDLM) or an extra additive `attention_mask` float
[1, 1, sequence, sequence] (BD3LM: 0 = attend, -1e9 = blocked), RMSNorm fused to onnxruntime's
`SimplifiedLayerNormalization` / `SkipSimplifiedLayerNormalization`, rotary embedding fused to
`com.microsoft::RotaryEmbedding`, attention left decomposed (MatMul, Softmax) so that the mask is
honoured, tied embeddings exported as a Gather table and a transposed lm_head, weights fp16 in
ONNX external data (`<graph>.onnx.data`); the 4-bit variant has every projection as
`com.microsoft::MatMulNBits` (RTN, symmetric, block 32, fp16 scales).

This module writes such a graph with onnx.helper (torch's exporter cannot emit the fused contrib
operators). `weights` holds numpy arrays already rounded to what the graph stores; q4 packing is
`pack_q4`'s, whose dequantization `dequantize_q4` is what the float64 reference uses.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ORT = "com.microsoft"
OPSET = 17
EPS = 1e-6
Q4_BLOCK = 32


@dataclass(frozen=True)
class Geometry:
    layers: int
    hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    mlp: int
    vocab: int
    rope_theta: float
    context: int  # rows of the baked rotary cos/sin tables


QWEN3_0_6B = Geometry(layers=28, hidden=1024, heads=16, kv_heads=8, head_dim=128, mlp=3072, vocab=151936,
                      rope_theta=1e6, context=40960)


def projections(g: Geometry, layer: int) -> dict[str, tuple[int, int]]:
    """Each linear map of a layer as (in, out) features, named as in Qwen3's state dict."""
    p = f"model.layers.{layer}"
    return {f"{p}.self_attn.q_proj": (g.hidden, g.heads * g.head_dim),
            f"{p}.self_attn.k_proj": (g.hidden, g.kv_heads * g.head_dim),
            f"{p}.self_attn.v_proj": (g.hidden, g.kv_heads * g.head_dim),
            f"{p}.self_attn.o_proj": (g.heads * g.head_dim, g.hidden),
            f"{p}.mlp.gate_proj": (g.hidden, g.mlp),
            f"{p}.mlp.up_proj": (g.hidden, g.mlp),
            f"{p}.mlp.down_proj": (g.mlp, g.hidden)}


def rope_tables(g: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """cos/sin [context, head_dim/2] of Qwen3's rotary embedding (rotate-half, theta = rope_theta), float64."""
    inv = 1.0 / (g.rope_theta ** (np.arange(0, g.head_dim, 2, dtype=np.float64) / g.head_dim))
    angles = np.outer(np.arange(g.context, dtype=np.float64), inv)
    return np.cos(angles), np.sin(angles)


def pack_q4(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MatMulNBits' documented layout for W [K, N] (A @ W), 4 bits, symmetric, block 32: B uint8
    [N, K/32, 16] with element 2i of a block in the low nibble of byte i and 2i+1 in the high nibble,
    scales [N * K/32], no zero points (the default zero point 8). q = clamp(round(w/s) + 8, 0, 15),
    s = max|w| / 7 per block; dequantized as (q - 8) * s."""
    K, N = w.shape
    if K % Q4_BLOCK:
        raise ValueError(f"pack_q4: K = {K} is not a multiple of the block size {Q4_BLOCK}")
    blocks = w.T.reshape(N, K // Q4_BLOCK, Q4_BLOCK).astype(np.float64)
    scale = np.abs(blocks).max(axis=2) / 7.0
    scale = scale.astype(np.float16).astype(np.float64)  # stored fp16: quantize against the stored value
    safe = np.where(scale == 0, 1.0, scale)
    q = np.clip(np.rint(blocks / safe[..., None]) + 8, 0, 15).astype(np.uint8)
    packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
    return packed, scale.astype(np.float16).reshape(-1)


def dequantize_q4(packed: np.ndarray, scales: np.ndarray, K: int, N: int) -> np.ndarray:
    """W [K, N] float64 from `pack_q4`'s output: the weights a q4 graph multiplies by."""
    lo, hi = packed & 0x0F, packed >> 4
    q = np.empty(packed.shape[:2] + (Q4_BLOCK,), dtype=np.float64)
    q[..., 0::2], q[..., 1::2] = lo, hi
    w = (q - 8.0) * scales.astype(np.float64).reshape(N, K // Q4_BLOCK, 1)
    return w.reshape(N, K).T


class GraphBuilder:
    """Nodes and initializers of one graph; `dt` is the activations' and weights' float type."""

    def __init__(self, dt: int, q4: bool):
        self.dt, self.q4 = dt, q4
        self.np_dt = np.float16 if dt == TensorProto.FLOAT16 else np.float32
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.count = 0

    def init(self, name: str, array: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(array, name))
        return name

    def const(self, name: str, values: list[int]) -> str:
        return self.init(name, np.array(values, dtype=np.int64))

    def node(self, op: str, inputs: list[str], name: str, outputs: int = 1, domain: str = "", **attrs) -> list[str]:
        outs = [f"{name}_out{i}" if i else f"{name}_out" for i in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, domain=domain, **attrs))
        return outs

    def linear(self, x: str, name: str, w: np.ndarray) -> str:
        """x @ w, w [in, out]: a MatMul with the weight, or MatMulNBits with its q4 packing."""
        K, N = w.shape
        if not self.q4:
            return self.node("MatMul", [x, self.init(f"{name}.weight", w.astype(self.np_dt))], f"/{name}/MatMul")[0]
        packed, scales = pack_q4(w)
        b = self.init(f"{name}.weight_Q4", packed)
        s = self.init(f"{name}.weight_scales", scales.astype(self.np_dt))
        return self.node("MatMulNBits", [x, b, s], f"/{name}/MatMulNBits", domain=ORT,
                         K=K, N=N, bits=4, block_size=Q4_BLOCK)[0]


def build_graph(g: Geometry, weights: dict[str, np.ndarray], *, block_causal: bool, dt: int, logits_dt: int,
                q4: bool, batch: int | str = "batch") -> onnx.ModelProto:
    """The model proto (initializers inline; `save_external` moves them out). `weights` maps Qwen3
    state-dict names to float arrays (linear weights as [in, out]); `batch` a number fixes the batch
    axis (as an export traced without a dynamic batch would)."""
    b = GraphBuilder(dt, q4)
    npd = b.np_dt
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [batch, "sequence"])]
    mask = None
    if block_causal:
        inputs.append(helper.make_tensor_value_info("attention_mask", TensorProto.FLOAT, [1, 1, "sequence", "sequence"]))
        # The additive mask arrives as float32 and is cast once, as convert_float_to_float16(keep_io_types) does.
        mask = b.node("Cast", ["attention_mask"], "/model/attention_mask/Cast", to=dt)[0] if dt != TensorProto.FLOAT else "attention_mask"
    cos, sin = rope_tables(g)
    cos_name, sin_name = b.init("cos_cache", cos.astype(npd)), b.init("sin_cache", sin.astype(npd))
    pos0 = b.const("rotary_position_offset", [0])  # position_ids of shape (1): every row starts at position 0
    scale = b.init("attention_scale", np.array(1.0 / math.sqrt(g.head_dim), dtype=npd))
    h = b.node("Gather", [b.init("model.embed_tokens.weight", weights["model.embed_tokens.weight"].astype(npd)), "input_ids"],
               "/model/embed_tokens/Gather")[0]
    shape_heads = b.const("shape_heads_q", [0, 0, g.heads, g.head_dim])
    shape_kv = b.const("shape_heads_kv", [0, 0, g.kv_heads, g.head_dim])
    shape_flat = b.const("shape_flat", [0, 0, -1])
    shape_grouped = b.const("shape_grouped", [0, g.kv_heads, -1, g.head_dim])  # q heads i*r..i*r+r-1 share kv head i
    shape_scores = b.const("shape_scores", [0, g.heads, -1, 0])
    shape_scores_grouped = b.const("shape_scores_grouped", [0, g.kv_heads, -1, 0])
    shape_out = b.const("shape_attn_out", [0, g.heads, -1, g.head_dim])
    x = b.node("SimplifiedLayerNormalization", [h, b.init("model.layers.0.input_layernorm.weight",
                                                          weights["model.layers.0.input_layernorm.weight"].astype(npd))],
               "/model/layers.0/input_layernorm/SimplifiedLayerNorm", axis=-1, epsilon=EPS, stash_type=1)[0]
    residual = h
    for i in range(g.layers):
        p = f"model.layers.{i}"
        q = b.linear(x, f"{p}.self_attn.q_proj", weights[f"{p}.self_attn.q_proj.weight"])
        k = b.linear(x, f"{p}.self_attn.k_proj", weights[f"{p}.self_attn.k_proj.weight"])
        v = b.linear(x, f"{p}.self_attn.v_proj", weights[f"{p}.self_attn.v_proj.weight"])

        def heads_normed_rotated(t: str, which: str, n: int, shape: str) -> str:
            split = b.node("Reshape", [t, shape], f"/{p}/self_attn/{which}_split/Reshape")[0]
            normed = b.node("SimplifiedLayerNormalization",
                            [split, b.init(f"{p}.self_attn.{which}_norm.weight", weights[f"{p}.self_attn.{which}_norm.weight"].astype(npd))],
                            f"/{p}/self_attn/{which}_norm/SimplifiedLayerNorm", axis=-1, epsilon=EPS, stash_type=1)[0]
            flat = b.node("Reshape", [normed, shape_flat], f"/{p}/self_attn/{which}_flat/Reshape")[0]
            rot = b.node("RotaryEmbedding", [flat, pos0, cos_name, sin_name], f"/{p}/self_attn/{which}_rotary/RotaryEmbedding",
                         domain=ORT, num_heads=n, interleaved=0)[0]
            back = b.node("Reshape", [rot, shape], f"/{p}/self_attn/{which}_heads/Reshape")[0]
            return b.node("Transpose", [back], f"/{p}/self_attn/{which}_heads/Transpose", perm=[0, 2, 1, 3])[0]

        qh = heads_normed_rotated(q, "q", g.heads, shape_heads)  # [B, H, T, D]
        kh = heads_normed_rotated(k, "k", g.kv_heads, shape_kv)  # [B, Hkv, T, D]
        vs = b.node("Reshape", [v, shape_kv], f"/{p}/self_attn/v_split/Reshape")[0]
        vh = b.node("Transpose", [vs], f"/{p}/self_attn/v_heads/Transpose", perm=[0, 2, 1, 3])[0]
        kt = b.node("Transpose", [kh], f"/{p}/self_attn/k_t/Transpose", perm=[0, 1, 3, 2])[0]
        qg = b.node("Reshape", [qh, shape_grouped], f"/{p}/self_attn/q_grouped/Reshape")[0]
        scores = b.node("MatMul", [qg, kt], f"/{p}/self_attn/scores/MatMul")[0]  # [B, Hkv, r*T, T]
        scores = b.node("Reshape", [scores, shape_scores], f"/{p}/self_attn/scores/Reshape")[0]  # [B, H, T, T]
        scores = b.node("Mul", [scores, scale], f"/{p}/self_attn/scores/Mul")[0]
        if mask is not None:
            scores = b.node("Add", [scores, mask], f"/{p}/self_attn/mask/Add")[0]
        probs = b.node("Softmax", [scores], f"/{p}/self_attn/Softmax", axis=-1)[0]
        probs = b.node("Reshape", [probs, shape_scores_grouped], f"/{p}/self_attn/probs/Reshape")[0]
        ctx = b.node("MatMul", [probs, vh], f"/{p}/self_attn/context/MatMul")[0]  # [B, Hkv, r*T, D]
        ctx = b.node("Reshape", [ctx, shape_out], f"/{p}/self_attn/context/Reshape")[0]
        ctx = b.node("Transpose", [ctx], f"/{p}/self_attn/context/Transpose", perm=[0, 2, 1, 3])[0]
        ctx = b.node("Reshape", [ctx, shape_flat], f"/{p}/self_attn/context_flat/Reshape")[0]
        attn = b.linear(ctx, f"{p}.self_attn.o_proj", weights[f"{p}.self_attn.o_proj.weight"])
        x, _, _, residual = b.node("SkipSimplifiedLayerNormalization",
                                   [attn, residual, b.init(f"{p}.post_attention_layernorm.weight",
                                                           weights[f"{p}.post_attention_layernorm.weight"].astype(npd))],
                                   f"/{p}/post_attention_layernorm/SkipLayerNorm", outputs=4, domain=ORT, epsilon=EPS)
        gate = b.linear(x, f"{p}.mlp.gate_proj", weights[f"{p}.mlp.gate_proj.weight"])
        up = b.linear(x, f"{p}.mlp.up_proj", weights[f"{p}.mlp.up_proj.weight"])
        sig = b.node("Sigmoid", [gate], f"/{p}/mlp/act_fn/Sigmoid")[0]
        act = b.node("Mul", [gate, sig], f"/{p}/mlp/act_fn/Mul")[0]
        prod = b.node("Mul", [act, up], f"/{p}/mlp/Mul")[0]
        down = b.linear(prod, f"{p}.mlp.down_proj", weights[f"{p}.mlp.down_proj.weight"])
        nxt = f"model.layers.{i + 1}.input_layernorm.weight" if i + 1 < g.layers else "model.norm.weight"
        x, _, _, residual = b.node("SkipSimplifiedLayerNormalization",
                                   [down, residual, b.init(nxt, weights[nxt].astype(npd))],
                                   f"/{nxt.rsplit('.', 1)[0]}/SkipLayerNorm", outputs=4, domain=ORT, epsilon=EPS)
    logits = b.linear(x, "lm_head", weights["lm_head.weight"])
    out_name = "logits"
    if logits_dt != dt:
        b.node("Cast", [logits], "/lm_head/Cast", to=logits_dt)
        b.nodes[-1].output[0] = out_name
    else:
        b.nodes[-1].output[0] = out_name
    outputs = [helper.make_tensor_value_info(out_name, logits_dt, [batch, "sequence", g.vocab])]
    graph = helper.make_graph(b.nodes, "qwen3_diffusion", inputs, outputs, b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(ORT, 1)],
                              producer_name="infogain training/qwen3_standin.py")
    model.ir_version = 8
    return model


def save_external(model: onnx.ModelProto, path: Path, threshold: int = 1024) -> int:
    """Write `path` with every initializer of at least `threshold` bytes moved to `<name>.data`
    beside it (ONNX external data: location relative to the graph, offset, length). Returns the
    data file's size. Tensors are written one by one, so no 2 GB protobuf is ever serialized."""
    data_name = path.name + ".data"
    offset = 0
    with open(path.parent / data_name, "wb") as f:
        for t in model.graph.initializer:
            if len(t.raw_data) < threshold:
                continue
            raw = t.raw_data
            f.write(raw)
            t.ClearField("raw_data")
            t.data_location = TensorProto.EXTERNAL
            del t.external_data[:]
            for key, value in (("location", data_name), ("offset", str(offset)), ("length", str(len(raw)))):
                entry = t.external_data.add()
                entry.key, entry.value = key, value
            offset += len(raw)
    path.write_bytes(model.SerializeToString())
    return offset

"""Append the in-graph statistics head to an exported MDM, so no [B, T, V] tensor has to reach JS;
or write the same head as a graph of its own (the "statistics graph" infogain ships).

    /usr/bin/python3 training/add_stats_head.py IN.onnx OUT.onnx [--top-k 2]
    /usr/bin/python3 training/add_stats_head.py --standalone src/models/stats-graph

OUT may be IN (the file is replaced only once the new graph has passed onnx's checker).

--standalone DIR writes DIR/float32.onnx and DIR/float16.onnx: inputs `logits` (that type,
[batch, length, vocab], V dynamic) and `input_ids` int64 [batch, length], then the head's inputs
below; the head's outputs. infogain runs it as a second onnxruntime session on the logits of a
graph without a head (src/models/stats-graph.ts; docs/decisions.md D15). Both forms come from
one builder, `_append_head`: the standalone graph is that head on an empty graph's inputs.

The input graph must have an output `logits` (float [batch, length, V]; float16/bfloat16 are cast
to float32 for the head) and an int64 input `input_ids` [batch, length]. The output graph keeps
every original input and output (`logits` included, so the same file serves the full-row path)
and adds:

inputs
    logit_bias        float32 [V]          added to every position's logits first (the card's
                                           suppressed ids -inf, EOS/PAD -penalty, zeros otherwise)
    shift             int64   [1]          0 or 1; 1 applies the Dream right shift to the biased
                                           logits: z[:, 0] = b[:, 0], z[:, i] = b[:, i-1]
    sample_positions  int64   [batch, P]   positions whose token draws are wanted (P may be 0)
    sample_uniforms   float32 [batch, P, S] one u in [0, 1) per draw (S may be 0)
    temperature       float32 [1]          tau > 0 for the draws (clamped below at 1e-30)
outputs (z = the biased, aligned logits; p = softmax(z) over V)
    entropy           float32 [batch, length]      -sum_v p' ln p', p' = max(p, 1e-12)
    top_probs         float32 [batch, length, K]   p at top_ids
    top_ids           int64   [batch, length, K]   TopK of z (= of p), largest first; ties keep
                                                   the lower id first (so top_ids[..., 0] is the
                                                   first argmax, like the JS reduction)
    token_probs       float32 [batch, length]      p at input_ids (also at masks: the JS NaN there
                                                   is the caller's business)
    sample_ids        int64   [batch, P, S]        inverse-CDF draw from softmax(z/tau) at
                                                   sample_positions with u = sample_uniforms,
                                                   in float64: e = exp((z - max z)/tau),
                                                   c = cumsum(e), id = min(#{v : c_v <= u c[V-1]}, V-1)
    sample_probs      float32 [batch, P, S]        p (untempered) at the drawn id

These equal `reduceLogits` / `inverseCdfDraw` in src/models/denoiser.ts applied to the same
logits after `prepareLogits`: ids exactly (given the same float32 u and tau), probabilities and
entropies to ~1e-7 relative, the float32 outputs' own rounding, at V = 151,936 too (single-id
probabilities are taken in float64 from the logits and a float64 log-normaliser; the normaliser
and the entropy sum float32 terms in float64, see the comments below).
onnxruntime runs every node whatever the caller fetches, so fetching only `logits` from this
graph still pays for the head (feed P = 0 to skip most of the draws).

Only standard ai.onnx ops that onnxruntime's CPU provider implements are used: Add, Cast, Concat,
ConstantOfShape, CumSum, Div, Exp, Expand, Gather, GatherND (batch_dims 1 and 2), LessOrEqual,
Log, MatMulInteger, Max, Min, Mul, Neg, Pad, Range, ReduceSum, Reshape (static V only), Shape, Slice,
Squeeze, Sub, TopK, Unsqueeze. The head is written in the input
model's default-domain opset (13 or newer; checked with 13 and 17). batch and length must be
>= 1 at run time; P = 0 and S = 0 are fine. sample_positions must lie in [0, length).

Models with external data (> 2 GB) are read without loading the weights; OUT must then be in the
same directory as IN, so the relative external-data paths stay valid.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

PREFIX = "stats_head/"
NEW_INPUTS = ("logit_bias", "shift", "sample_positions", "sample_uniforms", "temperature")
NEW_OUTPUTS = ("entropy", "top_probs", "top_ids", "token_probs", "sample_ids", "sample_probs")
INT64_MAX = np.iinfo(np.int64).max
BLOCK = 256  # ids per block of the two-level CDF search


class HeadError(Exception):
    pass


def default_opset(model: onnx.ModelProto) -> int:
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx"):
            return o.version
    raise HeadError("the model imports no default-domain (ai.onnx) opset")


def _dims(vi: onnx.ValueInfoProto) -> list:
    """Static ints, symbolic names, or None per dimension of a tensor value info."""
    out = []
    for d in vi.type.tensor_type.shape.dim:
        if d.HasField("dim_value"):
            out.append(d.dim_value)
        elif d.HasField("dim_param"):
            out.append(d.dim_param)
        else:
            out.append(None)
    return out


class Builder:
    """Appends prefixed nodes and initializers to a graph, in a given opset."""

    def __init__(self, graph: onnx.GraphProto, opset: int) -> None:
        self.g = graph
        self.opset = opset
        self.n = 0
        self.consts: dict[tuple, str] = {}
        self.taken = {v.name for v in graph.input} | {v.name for v in graph.output} | {
            t.name for t in graph.initializer} | {v.name for v in graph.value_info}
        for node in graph.node:
            self.taken.update(node.input)
            self.taken.update(node.output)

    def fresh(self, hint: str) -> str:
        self.n += 1
        name = f"{PREFIX}{hint}_{self.n}"
        if name in self.taken:
            raise HeadError(f"name {name!r} already exists in the graph (was the head added twice?)")
        self.taken.add(name)
        return name

    def const(self, hint: str, value: np.ndarray) -> str:
        value = np.asarray(value)
        key = (value.dtype.str, value.shape, value.tobytes())
        if key not in self.consts:
            self.consts[key] = name = self.fresh(hint)
            self.g.initializer.append(numpy_helper.from_array(value, name))
        return self.consts[key]

    def op(self, op_type: str, inputs: list[str], hint: str | None = None, outputs: list[str] | int | None = None,
           **attrs) -> str | list[str]:
        if outputs is None or isinstance(outputs, int):
            k = 1 if outputs is None else outputs
            outs = [self.fresh(hint or op_type.lower()) for _ in range(k)]
        else:
            outs = list(outputs)
        self.g.node.append(helper.make_node(op_type, inputs, outs, name=self.fresh(f"{op_type}_node"), **attrs))
        return outs[0] if len(outs) == 1 else outs

    # ops whose signature changed across opsets
    def reduce(self, op_type: str, x: str, axes: list[int], keepdims: int, hint: str | None = None,
               output: str | None = None) -> str:
        axes_as_input = self.opset >= (13 if op_type == "ReduceSum" else 18)
        outs = [output] if output else None
        if axes_as_input:
            return self.op(op_type, [x, self.const("axes", np.array(axes, np.int64))], hint, outs, keepdims=keepdims)
        return self.op(op_type, [x], hint, outs, axes=axes, keepdims=keepdims)

    def unsqueeze(self, x: str, axes: list[int], hint: str | None = None) -> str:
        return self.op("Unsqueeze", [x, self.const("axes", np.array(axes, np.int64))], hint)

    def squeeze(self, x: str, axes: list[int], hint: str | None = None, output: str | None = None) -> str:
        return self.op("Squeeze", [x, self.const("axes", np.array(axes, np.int64))], hint,
                       [output] if output else None)


def add_stats_head(model: onnx.ModelProto, top_k: int = 2, logits_name: str = "logits",
                   ids_name: str = "input_ids") -> onnx.ModelProto:
    """Return `model` with the statistics head appended (modified in place)."""
    opset = default_opset(model)
    if opset < 13:
        raise HeadError(f"the model's opset is {opset}; the head needs opset 13 or newer (re-export with a newer opset)")
    if top_k < 1:
        raise HeadError(f"--top-k must be >= 1, got {top_k}")
    g = model.graph
    outputs = {o.name: o for o in g.output}
    inputs = {i.name: i for i in g.input}
    if logits_name not in outputs:
        raise HeadError(f"the graph has no output {logits_name!r} (outputs: {', '.join(outputs)})")
    if ids_name not in inputs:
        raise HeadError(f"the graph has no input {ids_name!r} (inputs: {', '.join(inputs)})")
    for name in NEW_INPUTS + NEW_OUTPUTS:
        if name in outputs or name in inputs:
            raise HeadError(f"the graph already has a tensor named {name!r} (was the head added twice?)")
    lvi = outputs[logits_name]
    ltype = lvi.type.tensor_type.elem_type
    if ltype not in (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.BFLOAT16, TensorProto.DOUBLE):
        raise HeadError(f"output {logits_name!r} has element type {TensorProto.DataType.Name(ltype)}, expected a float type")
    ldims = _dims(lvi)
    if ldims and len(ldims) != 3:
        raise HeadError(f"output {logits_name!r} has rank {len(ldims)}, expected 3 ([batch, length, V])")
    if len(ldims) != 3:
        ldims = [None, None, None]
    batch = ldims[0] if ldims[0] is not None else "batch"
    length = ldims[1] if ldims[1] is not None else "length"
    vocab = ldims[2] if isinstance(ldims[2], int) and ldims[2] > 0 else None
    if vocab is not None and top_k > vocab:
        raise HeadError(f"--top-k {top_k} exceeds the vocabulary size {vocab}")
    ids_type = inputs[ids_name].type.tensor_type.elem_type
    if ids_type not in (TensorProto.INT64, TensorProto.INT32):
        raise HeadError(f"input {ids_name!r} has element type {TensorProto.DataType.Name(ids_type)}, expected int64 or int32")

    _append_head(g, opset, logits_name, ltype, ids_name, ids_type, batch, length, vocab, top_k)
    return model


def _append_head(g: onnx.GraphProto, opset: int, logits_name: str, ltype: int, ids_name: str, ids_type: int,
                 batch: int | str, length: int | str, vocab: int | None, top_k: int) -> None:
    """The head itself: nodes reading `logits_name` and `ids_name`, appended to `g`, plus the
    NEW_INPUTS / NEW_OUTPUTS of its interface. The one implementation behind both `add_stats_head`
    (appended to a model) and `stats_graph` (a graph of its own)."""
    b = Builder(g, opset)
    F32, F64, I64 = TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.INT64

    def i64(hint: str, *values: int) -> str:
        return b.const(hint, np.array(values, np.int64))

    def i64_scalar(hint: str, value: int) -> str:
        return b.const(hint, np.array(value, np.int64))

    # --- preprocessing. zb = logits + logit_bias at the model's own positions. The Dream shift is
    # applied to the small per-position results instead of the [B, T, V] block: aligned position t
    # reads model position src[t] = max(t - shift, 0), which is exactly the JS copyWithin.
    raw = logits_name if ltype == F32 else b.op("Cast", [logits_name], "logits_f32", to=F32)
    zb = b.op("Add", [raw, "logit_bias"], "biased")  # [B, T, V]
    shape = b.op("Shape", [raw], "logits_shape")
    T = b.op("Gather", [shape, i64_scalar("one", 1)], "T", axis=0)  # scalar
    V_1d = b.op("Slice", [shape, i64("starts", 2), i64("ends", 3)], "V_1d")  # [1]
    v_last = i64("V_minus_1", vocab - 1) if vocab is not None else b.op("Sub", [V_1d, i64("one", 1)], "V_minus_1")
    t_range = b.op("Range", [i64_scalar("zero", 0), T, i64_scalar("one", 1)], "t_range")
    src = b.op("Max", [b.op("Sub", [t_range, "shift"], "t_minus_shift"), i64("zero", 0)], "src")  # [T]

    # --- per-position statistics at model positions, then gathered through src.
    # TopK of the logits: the same order as p, but immune to two logits rounding to one float32
    # probability, so top_ids[..., 0] is exactly the JS argmax (the first maximum).
    top_z, top_i = b.op("TopK", [zb, i64("k", top_k)], "top", 2, axis=-1, largest=1, sorted=1)  # [B, T, K]
    b.op("Gather", [top_i, src], outputs=["top_ids"], axis=1)
    z_max = b.op("Slice", [top_z, i64("starts", 0), i64("ends", 1), i64("axes", 2)], "z_max")  # [B, T, 1]
    # The normaliser s = sum_v exp(z_v - max) and the entropy's sum are taken in float64 (a Cast of
    # the float32 terms, then ReduceSum): a float32 ReduceSum of V = 151,936 terms is off by
    # ~1e-5 relative, which moved the entropy by ~1e-4 nats against the JS reduction's float64
    # loop (measured on 256 positions of random logits); in float64 it is 1e-6 nats, the float32
    # output's own rounding. s >= 1 (the maximum's term is exactly 1), and at a confident position
    # ln s ~ s - 1 is most of the entropy: float64 keeps its ~1e-16 absolute error negligible.
    # ln p = (z - max) - ln s; p = exp(z - max) / s (the same exponentials as s, so the p sum to
    # 1 whatever small bias the float32 Exp has: 4x smaller entropy errors than exp(ln p)).
    d = b.op("Sub", [zb, z_max], "z_centred")  # [B, T, V]; exactly 0 at the maximum
    e_all = b.op("Exp", [d], "e_all")
    s_norm = b.reduce("ReduceSum", b.op("Cast", [e_all], "e_f64", to=F64), [-1], 1, "norm")  # [B, T, 1] float64
    ln_s = b.op("Log", [s_norm], "log_norm")
    ls = b.op("Sub", [d, b.op("Cast", [ln_s], "log_norm_f32", to=F32)], "log_p")  # [B, T, V]
    # p' = max(p, 1e-12), ln p' = max(ln p, ln 1e-12); H = -sum p' ln p' (summed in float64).
    log_eps = np.float32(np.log(1e-12))
    eps = np.float32(np.exp(log_eps))
    lsc = b.op("Max", [ls, b.const("log_eps", np.array(log_eps, np.float32))], "log_p_clamped")
    p = b.op("Div", [e_all, b.op("Cast", [s_norm], "norm_f32", to=F32)], "p")
    plogp = b.op("Mul", [b.op("Max", [p, b.const("eps", np.array(eps, np.float32))], "p_clamped"), lsc], "p_log_p")
    neg_h = b.reduce("ReduceSum", b.op("Cast", [plogp], "p_log_p_f64", to=F64), [-1], 0, "neg_entropy")  # [B, T]
    h = b.op("Cast", [b.op("Neg", [neg_h], "entropy_f64")], "entropy_model_pos", to=F32)
    b.op("Gather", [h, src], outputs=["entropy"], axis=1)
    # Probabilities at single ids, in float64 like the JS: p = exp(z - lse), lse = max + ln s.
    lse = b.op("Add", [b.op("Cast", [z_max], "z_max_f64_all", to=F64), ln_s], "lse")  # [B, T, 1] float64

    def prob(z_at: str, lse_at: str, out: str) -> None:
        diff = b.op("Sub", [b.op("Cast", [z_at], f"{out}_z_f64", to=F64), lse_at], f"{out}_log_p")
        b.op("Cast", [b.op("Exp", [diff], f"{out}_f64")], outputs=[out], to=F32)

    lse_al = b.op("Gather", [lse, src], "lse_aligned", axis=1)  # [B, T, 1]
    prob(b.op("Gather", [top_z, src], "top_z_aligned", axis=1), lse_al, "top_probs")
    # token_probs[b, t] = p[b, src[t], input_ids[b, t]]
    ids = ids_name if ids_type == I64 else b.op("Cast", [ids_name], "ids_i64", to=I64)
    ids_u = b.unsqueeze(ids, [2], "ids_u")  # [B, T, 1]
    src_e = b.op("Expand", [b.unsqueeze(src, [0, 2], "src_u"), b.op("Shape", [ids_u], "ids_u_shape")], "src_e")
    tok_z = b.op("GatherND", [zb, b.op("Concat", [src_e, ids_u], "src_id", axis=2)], "token_z", batch_dims=1)  # [B, T]
    prob(tok_z, b.squeeze(lse_al, [2], "lse_aligned_sq"), "token_probs")

    # --- token draws at sample_positions, in float64 like inverseCdfDraw.
    # onnxruntime's CPU reductions return their input unreduced when it is empty (P = 0 or
    # S = 0), so this part uses no Reduce*: the maximum comes from TopK above, and counts are
    # MatMulInteger products with a column of ones (uint8 in, exact int32 out).
    src_pos = b.op("Gather", [src, "sample_positions"], "src_pos", axis=0)  # [B, P] model positions
    pos_u = b.unsqueeze(src_pos, [2], "src_pos_u")  # [B, P, 1]
    m = b.op("Cast", [b.op("GatherND", [z_max, pos_u], "z_max_at_pos", batch_dims=1)], "z_max_f64", to=F64)  # [B, P, 1]
    tau = b.op("Cast", [b.op("Max", ["temperature", b.const("tiny", np.array([1e-30], np.float32))], "tau")],
               "tau_f64", to=F64)
    # count = #{v : c_v <= thr} needs O(S V) comparisons done naively. c is non-decreasing, so the
    # ids with c_v <= thr are a prefix: split the ids into nblk blocks of BLOCK, count the whole
    # blocks by their last entries, then count inside the first block that ends above thr:
    # O(S (V/BLOCK + BLOCK)). The logits are padded with -inf to nblk * BLOCK ids (at least one
    # pad); a pad adds e = 0, so its c is the total, and thr = u * total < total for u < 1: pads
    # are never counted and the last block always ends above thr.
    if vocab is not None:
        nblk_n = vocab // BLOCK + 1
        pad_1d, nblk_1d = i64("pad", nblk_n * BLOCK - vocab), i64("nblk", nblk_n)
    else:
        nblk_1d = b.op("Add", [b.op("Div", [V_1d, i64("block", BLOCK)], "V_div_block"), i64("one", 1)], "nblk")
        pad_1d = b.op("Sub", [b.op("Mul", [nblk_1d, i64("block", BLOCK)], "V_padded"), V_1d], "pad")
    pads = b.op("Concat", [i64("zeros", 0, 0, 0, 0, 0), pad_1d], "pads", axis=0)
    zs = b.op("GatherND", [zb, pos_u], "z_at_pos", batch_dims=1)  # [B, P, V]
    zs = b.op("Pad", [zs, pads, b.const("neg_inf", np.array(-np.inf, np.float32))], "z_at_pos_padded", mode="constant")
    zd = b.op("Cast", [zs], "z_at_pos_f64", to=F64)  # [B, P, nblk * BLOCK]
    e = b.op("Exp", [b.op("Div", [b.op("Sub", [zd, m], "z_centred"), tau], "z_over_tau")], "e")
    c = b.op("CumSum", [e, i64_scalar("axis", 2)], "cdf")  # a sequential running sum, like the JS loop
    total = b.op("Slice", [c, i64("starts", -1), i64("ends", INT64_MAX), i64("axes", 2)], "total")  # [B, P, 1]
    thr = b.op("Mul", [b.op("Cast", ["sample_uniforms"], "u_f64", to=F64), total], "threshold")  # [B, P, S]
    thr_u = b.unsqueeze(thr, [3], "threshold_u")  # [B, P, S, 1]
    ends = b.op("Slice", [c, i64("starts", BLOCK - 1), i64("ends", INT64_MAX), i64("axes", 2), i64("steps", BLOCK)],
                "block_ends")  # [B, P, nblk]

    def ones(n_1d: str, hint: str) -> str:  # uint8 [n, 1] of ones
        sh = b.op("Concat", [n_1d, i64("one", 1)], f"{hint}_shape", axis=0)
        return b.op("ConstantOfShape", [sh], hint, value=numpy_helper.from_array(np.array([1], np.uint8)))

    def count_le(x: str, n_1d: str, hint: str) -> str:  # #{x[..., j] <= thr} over the last axis, int64 [B, P, S]
        le = b.op("Cast", [b.op("LessOrEqual", [x, thr_u], f"{hint}_le")], f"{hint}_le_u8", to=TensorProto.UINT8)
        n = b.op("MatMulInteger", [le, ones(n_1d, f"{hint}_ones")], f"{hint}_count")  # [B, P, S, 1] int32
        return b.squeeze(b.op("Cast", [n], f"{hint}_count_i64", to=I64), [3], f"{hint}_count_sq")

    full = count_le(b.unsqueeze(ends, [2], "block_ends_u"), nblk_1d, "blocks")  # [B, P, S]
    full = b.op("Min", [full, b.op("Sub", [nblk_1d, i64("one", 1)], "nblk_minus_1")], "full_blocks")  # NaN/inf guard
    # the entries of that block, c[b, p, full * BLOCK + j] for j < BLOCK: with a static V, a
    # Reshape of c to [B, P, nblk, BLOCK] and a row gather. With a dynamic V, onnxruntime's
    # reshape fusion rewrites the computed shape to [0, 0, -1, BLOCK], which fails when P = 0, so
    # gather the entries one by one instead (slower, still O(S BLOCK) per position).
    start = b.op("Mul", [full, i64("block", BLOCK)], "block_start")  # [B, P, S]
    if vocab is not None:
        blocks = b.op("Reshape", [c, i64("blocks_shape", 0, 0, nblk_n, BLOCK)], "cdf_blocks")  # [B, P, nblk, BLOCK]
        part = b.op("GatherND", [blocks, b.unsqueeze(full, [3], "full_u")], "partial_block", batch_dims=2)
    else:
        idx = b.op("Add", [b.unsqueeze(start, [3], "block_start_u"),
                           b.const("block_range", np.arange(BLOCK, dtype=np.int64))], "block_ids")  # [B, P, S, BLOCK]
        part = b.op("GatherND", [c, b.unsqueeze(idx, [4], "block_ids_u")], "partial_block", batch_dims=2)
    inside = count_le(part, i64("block", BLOCK), "inside")
    count = b.op("Add", [start, inside], "count")
    b.op("Min", [count, v_last], outputs=["sample_ids"])
    # p at (src_pos, sample_ids): GatherND on log p [B, T, V] with [B, P, S, 2] indices
    pos_e = b.op("Expand", [b.unsqueeze(src_pos, [2, 3], "src_pos_uu"),
                            b.op("Concat", [b.op("Shape", ["sample_ids"], "sample_shape"), i64("one", 1)], "pos_shape",
                                 axis=0)], "pos_e")  # [B, P, S, 1]
    nd = b.op("Concat", [pos_e, b.unsqueeze("sample_ids", [3], "sample_ids_u")], "pos_id", axis=3)  # [B, P, S, 2]
    lse_pos = b.op("GatherND", [lse, pos_u], "lse_at_pos", batch_dims=1)  # [B, P, 1]
    prob(b.op("GatherND", [zb, nd], "sample_z", batch_dims=1), lse_pos, "sample_probs")

    # --- interface
    P, S = "num_positions", "num_samples"
    g.input.extend([
        helper.make_tensor_value_info("logit_bias", F32, [vocab if vocab is not None else "vocab"]),
        helper.make_tensor_value_info("shift", I64, [1]),
        helper.make_tensor_value_info("sample_positions", I64, [batch, P]),
        helper.make_tensor_value_info("sample_uniforms", F32, [batch, P, S]),
        helper.make_tensor_value_info("temperature", F32, [1]),
    ])
    g.output.extend([
        helper.make_tensor_value_info("entropy", F32, [batch, length]),
        helper.make_tensor_value_info("top_probs", F32, [batch, length, top_k]),
        helper.make_tensor_value_info("top_ids", I64, [batch, length, top_k]),
        helper.make_tensor_value_info("token_probs", F32, [batch, length]),
        helper.make_tensor_value_info("sample_ids", I64, [batch, P, S]),
        helper.make_tensor_value_info("sample_probs", F32, [batch, P, S]),
    ])


STATS_GRAPH_OPSET = 17
LOGITS_TYPES = {"float32": TensorProto.FLOAT, "float16": TensorProto.FLOAT16}


def stats_graph(logits_type: str = "float32", top_k: int = 2, opset: int = STATS_GRAPH_OPSET) -> onnx.ModelProto:
    """The head as a model-independent graph of its own (the "statistics graph"): inputs
    `logits` float32 or float16 [batch, length, vocab] (V dynamic) and `input_ids` int64
    [batch, length], then the head's inputs; the head's outputs. onnxruntime runs it as a second
    session on the logits a head-less model returns (src/models/stats-graph.ts), so those
    statistics are computed by the same nodes as the appended head's."""
    if logits_type not in LOGITS_TYPES:
        raise HeadError(f"logits type {logits_type!r}, expected one of {', '.join(LOGITS_TYPES)}")
    if top_k < 1:
        raise HeadError(f"--top-k must be >= 1, got {top_k}")
    ltype = LOGITS_TYPES[logits_type]
    g = helper.make_graph([], f"stats_graph_{logits_type}", [
        helper.make_tensor_value_info("logits", ltype, ["batch", "length", "vocab"]),
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"]),
    ], [])
    _append_head(g, opset, "logits", ltype, "input_ids", TensorProto.INT64, "batch", "length", None, top_k)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="infogain add_stats_head.py",
                              doc_string=f"infogain statistics graph (training/add_stats_head.py --standalone {logits_type}, "
                                         f"top-k {top_k}): the statistics head on logits given as an input")
    model.ir_version = 8  # opset 17's IR; onnxruntime-node and -web 1.30 read it
    onnx.checker.check_model(model, full_check=True)
    return model


def _has_external_data(model: onnx.ModelProto) -> bool:
    def ext(t: onnx.TensorProto) -> bool:
        return t.data_location == TensorProto.EXTERNAL
    if any(ext(t) for t in model.graph.initializer):
        return True
    for node in model.graph.node:
        for a in node.attribute:
            if a.type == onnx.AttributeProto.TENSOR and ext(a.t):
                return True
    return False


STANDALONE_DIR = "src/models/stats-graph"


def write_standalone(out: Path, top_k: int = 2) -> int:
    """Write `stats_graph` for float32 and float16 logits into `out` (the files infogain ships)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in LOGITS_TYPES:
            model = stats_graph(name, top_k)
            path = out / f"{name}.onnx"
            onnx.save(model, str(path))
            print(f"wrote {path} ({os.path.getsize(path):,} bytes): opset {default_opset(model)}, "
                  f"inputs {[i.name for i in model.graph.input]}, outputs {[o.name for o in model.graph.output]}")
    except HeadError as err:
        print(f"add_stats_head: {err}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Append the in-graph statistics head to an MDM ONNX graph.")
    ap.add_argument("input", nargs="?", help="model with an output 'logits' [batch, length, V]")
    ap.add_argument("output", nargs="?", help="where to write the model with the head (may be the input: replaced in place)")
    ap.add_argument("--top-k", type=int, default=2, help="K of top_probs / top_ids (default 2)")
    ap.add_argument("--logits", default="logits", help="name of the logits output (default logits)")
    ap.add_argument("--input-ids", default="input_ids", help="name of the token-id input (default input_ids)")
    ap.add_argument("--standalone", metavar="DIR",
                    help=f"instead of IN OUT: write the head as graphs of their own, DIR/float32.onnx and "
                         f"DIR/float16.onnx (input logits of that type, V dynamic; {STANDALONE_DIR} in a checkout)")
    a = ap.parse_args(argv)
    if a.standalone is not None:
        if a.input is not None or a.output is not None:
            ap.error("--standalone DIR takes no IN OUT")
        return write_standalone(Path(a.standalone), a.top_k)
    if a.input is None or a.output is None:
        ap.error("IN and OUT are required (or --standalone DIR)")
    src, dst = Path(a.input), Path(a.output)
    try:
        if not src.is_file():
            raise HeadError(f"{src}: no such file")
        model = onnx.load(str(src), load_external_data=False)
        external = _has_external_data(model)
        if external and src.resolve().parent != dst.resolve().parent:
            raise HeadError(f"{src} keeps its weights in external data files; write the output into the same "
                            f"directory ({src.resolve().parent}) so their relative paths stay valid")
        add_stats_head(model, a.top_k, a.logits, a.input_ids)
        # Write beside OUT and rename only after the check: OUT may be IN (in place), and a failed
        # check must leave neither a broken OUT nor a half-written IN behind. The temporary file
        # sits in OUT's directory, so external-data paths stay valid and the rename is atomic.
        tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
        try:
            onnx.save(model, str(tmp))
            # full_check runs strict shape inference over the whole graph, head included
            onnx.checker.check_model(str(tmp) if external else model, full_check=True)
            os.replace(tmp, dst)
        finally:
            if tmp.exists():
                tmp.unlink()
    except HeadError as err:
        print(f"add_stats_head: {err}", file=sys.stderr)
        return 2
    print(f"wrote {dst} ({os.path.getsize(dst):,} bytes): opset {default_opset(model)}, "
          f"inputs {[i.name for i in model.graph.input]}, outputs {[o.name for o in model.graph.output]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Build the tiny ONNX error fixtures in test/fixtures/onnx/ (deterministic, a few hundred bytes each).

    /usr/bin/python3 training/make_fixtures.py

Every fixture is the same toy "model" (logits = W[input_ids], W a seeded random [8, 8] table: each
position's logits depend on its own token only) with one named defect, and a model.json card that
describes the VALID model (vocabSize 8, maskId 7, eos/pad 0, context 16), so only the defect differs:

    valid/                the reference: input_ids int64 [batch, length] -> logits float32 [batch, length, 8]
    needs-past-kv/        extra required inputs past_key_values.0.key / .value float32 [batch, 2, past, 4]
                          (and present.0.key / .value outputs), as a causal-LM export has
    int32-ids/            input_ids is int32 instead of int64
    wrong-vocab/          logits are [batch, length, 9] while the card says vocabSize 8
    no-logits/            no `logits` output: the only output is `hidden` float32 [batch, length, 4]
    with-attention-mask/  VALID: also takes attention_mask int64 [batch, length] (should load and run;
                          feed ones); logits are unaffected by it
    causal-lm-kv/         a causal-LM export's inputs in their usual order: input_ids, attention_mask,
                          position_ids, past_key_values.0.key / .value (position_ids comes first)
    nan-logits/           loads, but W[3, 5] is NaN and W[4, 2] is +Inf: a canvas holding token 3 (4)
                          gets a NaN (+Inf) logit for id 5 (2) at that position
    nan-logits-head/      nan-logits/ with the in-graph statistics head (training/add_stats_head.py)
    vocab-268/            VALID, V = 268 (the dream-like tokenizer fixture's size): logits = E[input_ids] @ U,
                          E [268, 4], U [4, 268]; card vocabSize 268, maskId 267
Opset 17, IR version 8. Needs python3-onnx and numpy (Debian: apt-get install -y python3-onnx).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from add_stats_head import add_stats_head

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "test" / "fixtures" / "onnx"
V, MASK, CONTEXT, HEADS, HEAD_DIM, HIDDEN = 8, 7, 16, 2, 4, 4
OPSET, IR = 17, 8


def table(rows: int, cols: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 1.0, (rows, cols)).astype(np.float32).round(3)


def ids_input(elem: int = TensorProto.INT64):
    return helper.make_tensor_value_info("input_ids", elem, ["batch", "length"])


def save(name: str, nodes, inputs, outputs, inits, doc: str, head: bool = False, v: int = V, mask: int = MASK) -> None:
    graph = helper.make_graph(nodes, name.replace("-", "_"), inputs, outputs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="infogain-fixtures",
                              doc_string=doc)
    model.ir_version = IR
    onnx.checker.check_model(model, full_check=True)
    if head:
        add_stats_head(model)
        onnx.checker.check_model(model, full_check=True)
    d = OUT / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "model.onnx").write_bytes(model.SerializeToString())
    card = {"name": f"fixture-{name}", "vocabSize": v, "maskId": mask, "eosId": 0, "padId": 0, "eosPenalty": 0,
            "logitShift": False, "attention": {"kind": "full"}, "contextLimit": CONTEXT, "suppressTokens": []}
    (d / "model.json").write_text(json.dumps(card, indent=2) + "\n")
    print(f"wrote {d.relative_to(REPO)}/model.onnx ({(d / 'model.onnx').stat().st_size} bytes)")


def logits_out(v: int = V, name: str = "logits"):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", "length", v])


def main() -> None:
    W = numpy_helper.from_array(table(V, V, 1), "W")

    save("valid", [helper.make_node("Gather", ["W", "input_ids"], ["logits"], axis=0)],
         [ids_input()], [logits_out()], [W], "valid reference fixture")

    # Causal-LM style export: past key/value inputs are required; present outputs returned.
    kv_in = [helper.make_tensor_value_info(f"past_key_values.0.{k}", TensorProto.FLOAT,
                                           ["batch", HEADS, "past_sequence_length", HEAD_DIM]) for k in ("key", "value")]
    kv_out = [helper.make_tensor_value_info(f"present.0.{k}", TensorProto.FLOAT,
                                            ["batch", HEADS, "past_sequence_length", HEAD_DIM]) for k in ("key", "value")]
    zero = numpy_helper.from_array(np.zeros((), np.float32), "zero")
    save("needs-past-kv", [
        helper.make_node("Gather", ["W", "input_ids"], ["g"], axis=0),
        helper.make_node("ReduceSum", ["past_key_values.0.key"], ["sk"], keepdims=0),
        helper.make_node("ReduceSum", ["past_key_values.0.value"], ["sv"], keepdims=0),
        helper.make_node("Add", ["sk", "sv"], ["s"]),
        helper.make_node("Mul", ["s", "zero"], ["s0"]),
        helper.make_node("Add", ["g", "s0"], ["logits"]),
        helper.make_node("Identity", ["past_key_values.0.key"], ["present.0.key"]),
        helper.make_node("Identity", ["past_key_values.0.value"], ["present.0.value"]),
    ], [ids_input()] + kv_in, [logits_out()] + kv_out, [W, zero], "defect: requires past_key_values inputs")

    save("int32-ids", [helper.make_node("Gather", ["W", "input_ids"], ["logits"], axis=0)],
         [ids_input(TensorProto.INT32)], [logits_out()], [W], "defect: input_ids is int32")

    W9 = numpy_helper.from_array(table(V, V + 1, 1), "W")
    save("wrong-vocab", [helper.make_node("Gather", ["W", "input_ids"], ["logits"], axis=0)],
         [ids_input()], [logits_out(V + 1)], [W9], "defect: logits have 9 columns, card says vocabSize 8")

    E = numpy_helper.from_array(table(V, HIDDEN, 2), "E")
    save("no-logits", [helper.make_node("Gather", ["E", "input_ids"], ["hidden"], axis=0)],
         [ids_input()], [logits_out(HIDDEN, "hidden")], [E], "defect: no logits output (only hidden)")

    axes = numpy_helper.from_array(np.array([2], np.int64), "axes")
    save("with-attention-mask", [
        helper.make_node("Gather", ["W", "input_ids"], ["g"], axis=0),
        helper.make_node("Cast", ["attention_mask"], ["mf"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mf", "axes"], ["mu"]),
        helper.make_node("Mul", ["mu", "zero"], ["m0"]),
        helper.make_node("Add", ["g", "m0"], ["logits"]),
    ], [ids_input(), helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "length"])],
        [logits_out()], [W, zero, axes], "valid: also takes attention_mask (ignored by the logits)")

    # A causal LM export: every input past input_ids / attention_mask is one infogain cannot feed.
    pos = helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["batch", "length"])
    mask = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "length"])
    save("causal-lm-kv", [
        helper.make_node("Gather", ["W", "input_ids"], ["g"], axis=0),
        helper.make_node("Cast", ["position_ids"], ["pf"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["pf", "axes"], ["pu"]),
        helper.make_node("Mul", ["pu", "zero"], ["p0"]),
        helper.make_node("ReduceSum", ["past_key_values.0.key"], ["sk"], keepdims=0),
        helper.make_node("ReduceSum", ["past_key_values.0.value"], ["sv"], keepdims=0),
        helper.make_node("Add", ["sk", "sv"], ["s"]),
        helper.make_node("Mul", ["s", "zero"], ["s0"]),
        helper.make_node("Add", ["g", "s0"], ["g0"]),
        helper.make_node("Add", ["g0", "p0"], ["logits"]),
        helper.make_node("Identity", ["past_key_values.0.key"], ["present.0.key"]),
        helper.make_node("Identity", ["past_key_values.0.value"], ["present.0.value"]),
    ], [ids_input(), mask, pos] + kv_in, [logits_out()] + kv_out, [W, zero, axes],
        "defect: a causal LM export (position_ids, past_key_values)")

    # Non-finite logits: a valid graph whose table holds one NaN and one +Inf.
    bad = table(V, V, 1)
    bad[3, 5] = np.nan
    bad[4, 2] = np.inf
    for name, head in (("nan-logits", False), ("nan-logits-head", True)):
        save(name, [helper.make_node("Gather", ["W", "input_ids"], ["logits"], axis=0)],
             [ids_input()], [logits_out()], [numpy_helper.from_array(bad, "W")],
             "defect: W[3, 5] is NaN and W[4, 2] is +Inf", head=head)

    # A vocabulary the size of a real (if tiny) byte-level BPE, for tokenizer layouts end to end.
    big = 268
    save("vocab-268", [
        helper.make_node("Gather", ["E", "input_ids"], ["h"], axis=0),
        helper.make_node("MatMul", ["h", "U"], ["logits"]),
    ], [ids_input()], [logits_out(big)], [numpy_helper.from_array(table(big, HIDDEN, 3), "E"),
                                         numpy_helper.from_array(table(HIDDEN, big, 4), "U")],
        "valid: V = 268", v=big, mask=big - 1)

    (OUT / "weights.json").write_text(json.dumps({"note": "logits = W[input_ids] for valid/, int32-ids/, "
                                            "needs-past-kv/, with-attention-mask/", "W": table(V, V, 1).tolist()})
                                + "\n")


if __name__ == "__main__":
    main()

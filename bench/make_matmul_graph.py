"""The machine's own limit for a model's forward: a graph of only the model's matrix products.

    /usr/bin/python3 bench/make_matmul_graph.py MODEL_DIR OUT.onnx

For a model exported from training/mdm.py, OUT holds every MatMul the forward does, with the
model's own weights as initializers (so onnxruntime pre-packs them as it does for the model):
per layer x·W_qkv, x·W_proj, x·W_mlp1, h·W_mlp2 and the attention products Q·Kᵀ and A·V, then
x·W_head. Operands are broadcast inside the graph (Expand) from one row fed in, with their shapes
as int64 inputs (x_shape [N, d], h_shape [N, m·d], q_shape [B, H, T, hd], kt_shape [B, H, hd, T],
a_shape [B, H, T, T]), and every product is summed into the one scalar output `total`, so only a
few numbers cross between JavaScript and the runtime, as for the model's ids. Same MatMul FLOPs as
the forward, plus one broadcast and one sum per product: its time is what the forward's matrix
products take at the machine's MatMul speed (bench/speed.ts, ratio 1).
"""
from __future__ import annotations

import sys
from pathlib import Path

import onnx
from onnx import TensorProto, helper

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "training"))
from export_cache import read_plain_graph  # noqa: E402


def main(model_dir: str, out: str) -> None:
    model, _card = read_plain_graph(Path(model_dir))
    cfg = model.cfg
    d, m, H, hd = cfg.d_model, cfg.mlp_mult, cfg.n_heads, cfg.d_model // cfg.n_heads
    inits, nodes = [], []

    def weight(name: str, tensor) -> str:
        inits.append(helper.make_tensor(name, TensorProto.FLOAT, list(tensor.shape), tensor.detach().numpy().ravel().tolist()))
        return name

    def matmul(a: str, b: str, name: str) -> None:
        nodes.append(helper.make_node("MatMul", [a, b], [name]))
        nodes.append(helper.make_node("ReduceSum", [name], [f"{name}_sum"], keepdims=0))
        sums.append(f"{name}_sum")

    sums: list[str] = []
    operands = {"x": [1, d], "h": [1, m * d], "q": [1, 1, 1, hd], "kt": [1, 1, hd, 1], "a": [1, 1, 1, 1]}
    for name in operands:
        nodes.append(helper.make_node("Expand", [f"{name}_row", f"{name}_shape"], [name]))
    for i, block in enumerate(model.blocks):
        matmul("x", weight(f"w_qkv_{i}", block.attn.qkv.weight.t()), f"qkv_{i}")
        matmul("x", weight(f"w_proj_{i}", block.attn.proj.weight.t()), f"proj_{i}")
        matmul("x", weight(f"w_mlp1_{i}", block.mlp[0].weight.t()), f"mlp1_{i}")
        matmul("h", weight(f"w_mlp2_{i}", block.mlp[2].weight.t()), f"mlp2_{i}")
        matmul("q", "kt", f"scores_{i}")
        matmul("a", "q", f"mix_{i}")
    matmul("x", weight("w_head", model.head.weight.t()), "head")
    nodes.append(helper.make_node("Sum", sums, ["total"]))
    inputs = [helper.make_tensor_value_info(f"{n}_row", TensorProto.FLOAT, shape) for n, shape in operands.items()]
    inputs += [helper.make_tensor_value_info(f"{n}_shape", TensorProto.INT64, [len(shape)]) for n, shape in operands.items()]
    outputs = [helper.make_tensor_value_info("total", TensorProto.FLOAT, [])]
    graph = helper.make_graph(nodes, "matmuls", inputs, outputs, inits)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(proto)
    onnx.save(proto, out)
    print(f"{out}: {len(sums)} MatMuls of {model_dir} (L {cfg.n_layers}, d {d}, heads {H}, mlp {m}×, V {cfg.vocab_size})")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: bench/make_matmul_graph.py MODEL_DIR OUT.onnx")
    main(sys.argv[1], sys.argv[2])

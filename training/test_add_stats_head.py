"""Tests and fixtures for training/add_stats_head.py.

    /usr/bin/python3 training/test_add_stats_head.py                 # structural checks (no runtime; also under pytest)
    /usr/bin/python3 training/test_add_stats_head.py --write DIR     # also write the test graphs:
        DIR/v37-plain.onnx, DIR/v37-head.onnx          V = 37 (ids 5 and 6 have identical logits: ties)
        DIR/v32000-plain.onnx, DIR/v32000-head.onnx    V = 32000, embedding dim 8
    /usr/bin/python3 training/test_add_stats_head.py --fixtures      # rewrite test/fixtures/stats-head/

The numerical comparison with the JS reference (reduceLogits / inverseCdfDraw) runs the graphs
through onnxruntime-node (there is no Python onnxruntime here): test/stats-head.test.ts does it for
the fixture.

The test "model" is an embedding, a tanh and a linear map to V logits, plus a learned per-position
term (so the Dream shift is visible), exported with torch.onnx.export at opset 17 with dynamic
batch and length axes.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import onnx
import torch

torch.set_num_threads(1)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import add_stats_head as ash  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "test" / "fixtures" / "stats-head"
HEAD_OPS = {"Add", "Cast", "Concat", "ConstantOfShape", "CumSum", "Div", "Exp", "Expand", "Gather", "GatherND",
            "LessOrEqual", "Log", "MatMulInteger", "Max", "Min", "Mul", "Neg", "Pad", "Range", "ReduceSum", "Reshape",
            "ScatterElements", "Shape", "Slice", "Squeeze", "Sub", "TopK", "Unsqueeze"}
CARD = {"name": "stats-head-tiny", "vocabSize": 37, "maskId": 36, "eosId": 0, "padId": 0, "eosPenalty": 0,
        "logitShift": False, "attention": {"kind": "full"}, "contextLimit": 64, "suppressTokens": []}


class Tiny(torch.nn.Module):
    def __init__(self, vocab: int, dim: int, context: int = 64, tie: tuple[int, int] | None = None,
                 seed: int = 0) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.emb = torch.nn.Parameter(torch.randn(vocab, dim, generator=g))
        self.pos = torch.nn.Parameter(torch.randn(context, dim, generator=g) * 0.5)
        w = torch.randn(vocab, dim, generator=g) * (3.0 / dim ** 0.5)
        bias = torch.randn(vocab, generator=g)
        if tie is not None:  # two ids with identical logits everywhere: TopK tie order is tested
            w[tie[1]] = w[tie[0]]
            bias[tie[1]] = bias[tie[0]]
        self.w = torch.nn.Parameter(w)
        self.b = torch.nn.Parameter(bias)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        T = input_ids.shape[1]
        h = torch.tanh(self.emb[input_ids] + self.pos[:T])
        return h @ self.w.t() + self.b


def export(module: torch.nn.Module, path: Path) -> None:
    dummy = torch.tensor([[1, 2, 3, 4, 5]] * 2, dtype=torch.int64)
    with torch.no_grad():
        torch.onnx.export(module, (dummy,), str(path), input_names=["input_ids"], output_names=["logits"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "length"}, "logits": {0: "batch", 1: "length"}},
                          opset_version=17, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(str(path)))


def build(out: Path, which: tuple[str, ...] = ("v37", "v32000")) -> None:
    out.mkdir(parents=True, exist_ok=True)
    specs = {"v37": dict(vocab=37, dim=16, tie=(5, 6), seed=37), "v32000": dict(vocab=32000, dim=8, seed=32000)}
    for name in which:
        plain, head = out / f"{name}-plain.onnx", out / f"{name}-head.onnx"
        export(Tiny(**specs[name]), plain)
        rc = ash.main([str(plain), str(head)])
        assert rc == 0, f"add_stats_head failed on {plain}"


def structural_checks() -> None:
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        build(d, ("v37",))
        m = onnx.load(str(d / "v37-head.onnx"))
        ins = {i.name: i for i in m.graph.input}
        outs = {o.name: o for o in m.graph.output}
        assert list(ins) == ["input_ids", *ash.NEW_INPUTS], list(ins)
        assert list(outs) == ["logits", *ash.NEW_OUTPUTS], list(outs)
        I64, F32 = onnx.TensorProto.INT64, onnx.TensorProto.FLOAT
        want = {"logit_bias": (F32, [37]), "shift": (I64, [1]), "sample_positions": (I64, ["batch", "num_positions"]),
                "sample_uniforms": (F32, ["batch", "num_positions", "num_samples"]), "temperature": (F32, [1]),
                "entropy": (F32, ["batch", "length"]), "top_probs": (F32, ["batch", "length", 2]),
                "top_ids": (I64, ["batch", "length", 2]), "token_probs": (F32, ["batch", "length"]),
                "sample_ids": (I64, ["batch", "num_positions", "num_samples"]),
                "sample_probs": (F32, ["batch", "num_positions", "num_samples"])}
        for name, (dtype, dims) in want.items():
            vi = ins.get(name) or outs[name]
            assert vi.type.tensor_type.elem_type == dtype, name
            assert ash._dims(vi) == dims, (name, ash._dims(vi))
        assert ash.default_opset(m) == 17
        # only default-domain ops, all from the documented list
        assert all(n.domain in ("", "ai.onnx") for n in m.graph.node)
        head_ops = {n.op_type for n in m.graph.node if n.name.startswith(ash.PREFIX)}
        assert head_ops <= HEAD_OPS, head_ops - HEAD_OPS
        # inferred shapes of the new outputs agree with the declared ones
        inferred = onnx.shape_inference.infer_shapes(m, strict_mode=True)
        assert inferred is not None
        # --top-k
        assert ash.main([str(d / "v37-plain.onnx"), str(d / "k3.onnx"), "--top-k", "3"]) == 0
        k3 = {o.name: o for o in onnx.load(str(d / "k3.onnx")).graph.output}
        assert ash._dims(k3["top_ids"]) == ["batch", "length", 3]
        # in place (OUT = IN, as docs/onnx-models.md shows it): replaced only after the check; a second
        # run is refused and leaves the file as it was, with no temporary file behind
        inplace = d / "inplace.onnx"
        inplace.write_bytes((d / "v37-plain.onnx").read_bytes())
        assert ash.main([str(inplace), str(inplace)]) == 0
        assert inplace.read_bytes() == (d / "v37-head.onnx").read_bytes()
        assert ash.main([str(inplace), str(inplace)]) == 2
        assert inplace.read_bytes() == (d / "v37-head.onnx").read_bytes()
        assert not [p for p in d.iterdir() if p.name.endswith(".tmp")]
        assert ash.main([str(d / "missing.onnx"), str(d / "x.onnx")]) == 2
        # errors: the head twice, a missing output, too large k, old opset
        assert ash.main([str(d / "v37-head.onnx"), str(d / "twice.onnx")]) == 2
        assert ash.main([str(d / "v37-plain.onnx"), str(d / "k.onnx"), "--top-k", "38"]) == 2
        assert ash.main([str(d / "v37-plain.onnx"), str(d / "x.onnx"), "--logits", "nope"]) == 2
        # external data: written next to the input, refused elsewhere
        ext = d / "ext"
        ext.mkdir()
        onnx.save(onnx.load(str(d / "v37-plain.onnx")), str(ext / "plain.onnx"), save_as_external_data=True,
                  location="weights.bin", size_threshold=0)
        assert ash.main([str(ext / "plain.onnx"), str(ext / "head.onnx")]) == 0
        assert ash.main([str(ext / "plain.onnx"), str(d / "elsewhere.onnx")]) == 2
        head = onnx.load(str(ext / "head.onnx"), load_external_data=False)
        assert any(t.data_location == onnx.TensorProto.EXTERNAL for t in head.graph.initializer)
        # dynamic V
        dyn = onnx.load(str(d / "v37-plain.onnx"))
        dim = dyn.graph.output[0].type.tensor_type.shape.dim[2]
        dim.Clear()
        dim.dim_param = "vocab"
        ash.add_stats_head(dyn)
        onnx.checker.check_model(dyn, full_check=True)
        assert ash._dims([i for i in dyn.graph.input if i.name == "logit_bias"][0]) == ["vocab"]
        old = onnx.load(str(d / "v37-plain.onnx"))
        for o in old.opset_import:
            if o.domain in ("", "ai.onnx"):
                o.version = 12
        try:
            ash.add_stats_head(old)
            raise AssertionError("opset 12 accepted")
        except ash.HeadError:
            pass
        standalone_checks(d)
    print("structural checks passed")


def standalone_checks(d: Path) -> None:
    """The standalone statistics graph: the head's interface on a `logits` input, V dynamic, the same
    nodes as the appended head, and the committed files (src/models/stats-graph/) are what the
    builder writes now."""
    I64, F32, F16 = onnx.TensorProto.INT64, onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16
    appended = onnx.load(str(d / "v37-head.onnx"))
    for name, ltype in (("float32", F32), ("float16", F16)):
        m = ash.stats_graph(name)
        ins = {i.name: i for i in m.graph.input}
        outs = {o.name: o for o in m.graph.output}
        assert list(ins) == ["logits", "input_ids", *ash.NEW_INPUTS], list(ins)
        assert list(outs) == list(ash.NEW_OUTPUTS), list(outs)
        assert ins["logits"].type.tensor_type.elem_type == ltype
        assert ash._dims(ins["logits"]) == ["batch", "length", "vocab"]
        assert ash._dims(ins["logit_bias"]) == ["vocab"]
        assert ins["input_ids"].type.tensor_type.elem_type == I64
        assert outs["top_ids"].type.tensor_type.elem_type == I64 and ash._dims(outs["top_ids"]) == ["batch", "length", 2]
        assert outs["entropy"].type.tensor_type.elem_type == F32
        assert ash.default_opset(m) == ash.STATS_GRAPH_OPSET
        ops = [n.op_type for n in m.graph.node]
        assert set(ops) <= HEAD_OPS, set(ops) - HEAD_OPS
        assert all(n.domain in ("", "ai.onnx") for n in m.graph.node)
        # one builder: the standalone graph's nodes are the appended head's, less the static-V
        # Reshape path (V is dynamic here) and plus the Cast of float16 logits
        head_ops = [n.op_type for n in appended.graph.node if n.name.startswith(ash.PREFIX)]
        assert set(ops) - {"Cast"} <= set(head_ops) | {"Div", "Mul", "Add", "Sub", "Concat"}, set(ops) - set(head_ops)
        assert ("Cast" in ops) and ops.count("Cast") == head_ops.count("Cast") + (1 if name == "float16" else 0)
        onnx.checker.check_model(m, full_check=True)
    # the committed files equal a fresh build
    out = d / "standalone"
    assert ash.main(["--standalone", str(out)]) == 0
    for name in ash.LOGITS_TYPES:
        committed = REPO / ash.STANDALONE_DIR / f"{name}.onnx"
        assert committed.read_bytes() == (out / f"{name}.onnx").read_bytes(), (
            f"{committed} differs from what training/add_stats_head.py writes now: rerun "
            f"/usr/bin/python3 training/add_stats_head.py --standalone {ash.STANDALONE_DIR}")
    try:
        ash.stats_graph("bfloat16")
        raise AssertionError("bfloat16 accepted")
    except ash.HeadError:
        pass


def test_structural_checks() -> None:
    """pytest entry (`.ci/run`): the checks above, on graphs written to a temporary directory."""
    structural_checks()


def write_fixtures() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    module = Tiny(vocab=37, dim=16, tie=(5, 6), seed=37)
    export(module, FIXTURES / "plain.onnx")
    assert ash.main([str(FIXTURES / "plain.onnx"), str(FIXTURES / "with-head.onnx")]) == 0
    (FIXTURES / "model.json").write_text(json.dumps(CARD, separators=(",", ":")) + "\n")
    print(f"wrote {FIXTURES}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", metavar="DIR", help="write the V=37 and V=32000 test graphs into DIR")
    ap.add_argument("--fixtures", action="store_true", help="rewrite test/fixtures/stats-head/")
    a = ap.parse_args()
    structural_checks()
    if a.write:
        build(Path(a.write))
    if a.fixtures:
        write_fixtures()

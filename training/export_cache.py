"""Export the cache graph (docs/onnx-models.md, "The cache graph") of a shipped model directory.

    /usr/bin/python3 training/export_cache.py models/sudoku [models/text ...] [--no-check]

writes MODEL_DIR/model.cache.onnx beside the plain graph. The weights are read back from the
plain graph itself (model.onnx), so every shipped model gets its cache graph without its training
checkpoint: torch's export names every parameter but the matrices of Linear layers, which it
stores transposed under the name of the MatMul node that reads them (`/blocks.3/attn/qkv/MatMul`).
The head count is read from the first attention Reshape's target shape. Two checks, both run by
onnxruntime-node through scripts/check-export.ts:
  1. the rebuilt torch model reproduces the plain graph's logits (so the weights were read back
     right);
  2. the cache graph, fed its own keys/values, reproduces the same logits window by window.

A Dream-style shifted model (card `logitShift: true`, exported as mdm.py's ShiftedLogits around an
MDM, like models/tiny/dream-tiny) gets a cache graph with the plain graph's contract: raw logits,
shifted within the window the same way (raw[w] = aligned[w + 1], the last row aligned[W - 1]); the
decoder undoes the shift inside the window, so a window [s, e) serves positions (s, e), and its last
raw row, which would predict position e outside it, is never read (docs/onnx-models.md).
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
from mdm import MDM, ONNX_EXPORT_OPTIONS, CachedMDM, MDMConfig, ShiftedLogits  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CACHE_GRAPH = "model.cache.onnx"
CACHE_INPUTS = ["input_ids", "position_ids", "cache_index", "past_key", "past_value", "past_position_ids"]
CACHE_OUTPUTS = ["logits", "present_key", "present_value"]
LINEAR = re.compile(r"^/(blocks\.\d+/attn/qkv|blocks\.\d+/attn/proj|blocks\.\d+/mlp/mlp\.[02]|head)/MatMul$")


class GraphReadError(Exception):
    pass


class ShiftedCachedMDM(torch.nn.Module):
    """The cache graph of ShiftedLogits(MDM): CachedMDM's window logits shifted as ShiftedLogits
    shifts the whole canvas's (raw[:, w] = aligned[:, w + 1], raw[:, W - 1] = aligned[:, W - 1])."""

    def __init__(self, inner: MDM) -> None:
        super().__init__()
        self.cached = CachedMDM(inner)

    def forward(self, *inputs: torch.Tensor):  # CachedMDM's inputs, passed through
        logits, keys, values = self.cached(*inputs)
        return torch.cat([logits[:, 1:], logits[:, -1:]], dim=1), keys, values


def module_name(scope: str) -> str:
    """A node scope as a parameter prefix: `blocks.0/attn/qkv` -> `blocks.0.attn.qkv`; a Sequential's
    child repeats its parent's name (`blocks.0/mlp/mlp.0` -> `blocks.0.mlp.0`)."""
    parts: list[str] = []
    for part in scope.split("/"):
        if parts and part.startswith(parts[-1] + "."):
            parts[-1] = part
        else:
            parts.append(part)
    return ".".join(parts)


def read_head_count(graph, produced_by: dict, path: Path, unscoped=lambda name: name) -> int:  # noqa: ANN001
    """The attention head count: an attribute of a fused RotaryEmbedding node (RoPE models exported
    since the fused export), else the head axis of the first attention Reshape's target shape."""
    from onnx import helper, numpy_helper

    rotary = next((n for n in graph.node if n.op_type == "RotaryEmbedding"), None)
    if rotary is not None:
        return int(next(helper.get_attribute_value(a) for a in rotary.attribute if a.name == "num_heads"))
    reshape = next((n for n in graph.node if unscoped(n.name) == "/blocks.0/attn/Reshape"), None)
    if reshape is None:
        raise GraphReadError(f"{path}: no /blocks.0/attn/Reshape node to read the head count from")
    shape = produced_by[reshape.input[1]]
    heads_node = produced_by[shape.input[2]]
    return int(numpy_helper.to_array(heads_node.attribute[0].t).reshape(-1)[0])


def read_plain_graph(model_dir: Path) -> tuple[MDM, dict]:
    """The torch MDM whose export is MODEL_DIR/model.onnx, and the model's card."""
    import onnx
    from onnx import numpy_helper

    path = model_dir / "model.onnx"
    card = json.loads((model_dir / "model.json").read_text())
    # A shifted model's plain graph is ShiftedLogits(MDM): every name sits under its `inner` module.
    scope = "inner" if card.get("logitShift") else ""
    unscoped = (lambda name: name.removeprefix(f"{scope}.").removeprefix(f"/{scope}")) if scope else (lambda name: name)
    graph = onnx.load(str(path)).graph
    inits = {unscoped(i.name): torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
    state = {k: v for k, v in inits.items() if not k.startswith("onnx::")}
    produced_by = {o: n for n in graph.node for o in n.output}
    for node in graph.node:
        m = LINEAR.match(unscoped(node.name))
        if m and node.op_type == "MatMul":
            weight = next((unscoped(x) for x in node.input if unscoped(x) in inits), None)
            if weight is None:
                raise GraphReadError(f"{path}: {node.name} has no weight initializer")
            state[module_name(m.group(1)) + ".weight"] = inits[weight].t().contiguous()
    if "tok_emb.weight" not in state:
        raise GraphReadError(f"{path}: no {scope + '.' if scope else ''}tok_emb.weight initializer: not a graph exported from training/mdm.py"
                             + (" as ShiftedLogits(MDM), which the card's logitShift says it is" if scope else ""))
    vocab, d_model = state["tok_emb.weight"].shape
    n_layers = len({k.split(".")[1] for k in state if k.startswith("blocks.")})
    n_heads = read_head_count(graph, produced_by, path, unscoped)
    mlp_mult = state["blocks.0.mlp.0.weight"].shape[0] // d_model
    attention = card.get("attention", {"kind": "full"})
    cfg = MDMConfig(vocab_size=vocab, mask_id=card["maskId"], d_model=d_model, n_layers=n_layers, n_heads=n_heads,
                    mlp_mult=mlp_mult, max_len=state["pos_emb.weight"].shape[0] if "pos_emb.weight" in state else card["contextLimit"],
                    attention=attention["kind"], block_size=attention.get("blockSize", 4), rope="pos_emb.weight" not in state)
    model = MDM(cfg)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise GraphReadError(f"{path}: weights do not fit the model read from it (missing {missing}, unexpected {unexpected}); "
                             "an untrained model's equal parameters (zero biases, unit norms) are shared under one name by the export")
    return model.eval(), card


def export_cache_graph(model: MDM, out: Path, shifted: bool = False) -> None:
    cached = (ShiftedCachedMDM(model) if shifted else CachedMDM(model)).eval()
    L, H, hd = model.cfg.n_layers, model.cfg.n_heads, model.cfg.d_model // model.cfg.n_heads
    B, W, C, P = 2, 3, 1, 2
    args = (torch.ones(B, W, dtype=torch.int64), torch.arange(P, P + W).repeat(B, 1), torch.zeros(B, dtype=torch.int64),
            torch.zeros(L, C, H, P, hd), torch.zeros(L, C, H, P, hd), torch.arange(P).unsqueeze(0))
    axes = {"input_ids": {0: "batch", 1: "window"}, "position_ids": {0: "batch", 1: "window"}, "cache_index": {0: "batch"},
            "past_key": {1: "caches", 3: "past"}, "past_value": {1: "caches", 3: "past"}, "past_position_ids": {0: "caches", 1: "past"},
            "logits": {0: "batch", 1: "window"}, "present_key": {1: "batch", 3: "window"}, "present_value": {1: "batch", 3: "window"}}
    with torch.no_grad():
        torch.onnx.export(cached, args, str(out), input_names=CACHE_INPUTS, output_names=CACHE_OUTPUTS,
                          dynamic_axes=axes, **ONNX_EXPORT_OPTIONS)
    import onnx
    onnx.checker.check_model(onnx.load(str(out)))


def cache_card(model: MDM) -> dict:
    """The card's `cache` entry: where the cache graph is and the shape of its keys/values."""
    return {"graph": CACHE_GRAPH, "layers": model.cfg.n_layers, "heads": model.cfg.n_heads,
            "headDim": model.cfg.d_model // model.cfg.n_heads}


def reference_cases(model: MDM, card: dict, n: int = 3) -> list[dict]:
    """Canvases of random tokens with masks, the rebuilt model's logits on them (shifted as the
    plain graph's when the card says logitShift), and the windows a cache check slides over them."""
    plain = ShiftedLogits(model).eval() if card.get("logitShift") else model
    T = min(card["contextLimit"], model.cfg.max_len)
    g = torch.Generator().manual_seed(0)
    cases = []
    for i in range(n):
        x = torch.randint(0, model.cfg.vocab_size, (1, T), generator=g)
        x[torch.rand(1, T, generator=g) < 0.5] = card["maskId"]
        with torch.no_grad():
            logits = plain(x)
        cases.append({"input_ids": x.tolist(), "dims": list(logits.shape), "logits": logits.reshape(-1).tolist(),
                      "windows": [[0, T], [T // 3, T // 3 + max(1, T // 4)], [T - max(1, T // 4), T]]})
    return cases


# Float32 noise over 8 layers on random (off-distribution) canvases reaches 1.3e-4 on the sudoku
# model; a misread weight moves logits by 0.1 or more, so 2e-4 still tells them apart.
CHECK_TOLERANCE = {"atol": 2e-4, "rtol": 1e-4}


def read_or_report(model_dir: Path, prog: str) -> tuple[MDM, dict] | None:
    """read_plain_graph, or None after printing why not (the caller counts it as failed)."""
    try:
        return read_plain_graph(model_dir)
    except (GraphReadError, OSError, KeyError, json.JSONDecodeError) as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return None


def run_check(script: str, model_dir: Path, ref: Path) -> bool:
    """One of the onnxruntime-node checks (scripts/check-*.ts) on MODEL_DIR; prints its output."""
    p = subprocess.run(["npx", "--no-install", "tsx", script, str(model_dir.resolve()), str(ref)], cwd=REPO,
                       capture_output=True, text=True)
    print(p.stdout + p.stderr, end="", flush=True)
    return p.returncode == 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Export model.cache.onnx for MDM model directories.")
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--no-check", action="store_true", help="skip the onnxruntime checks")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    failed = 0
    for model_dir in a.dirs:
        got = read_or_report(model_dir, "export_cache")
        if got is None:
            failed += 1
            continue
        model, card = got
        out = model_dir / CACHE_GRAPH
        export_cache_graph(model, out, shifted=bool(card.get("logitShift")))
        card["cache"] = cache_card(model)
        (model_dir / "model.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
        print(f"[cache] {out}: {out.stat().st_size:,} bytes ({model.cfg.n_layers} layers, {model.cfg.n_heads} heads, "
              f"d {model.cfg.d_model}, {'RoPE' if model.cfg.rope else 'learned positions'}, {model.cfg.attention})", flush=True)
        if a.no_check:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            ref = Path(tmp) / "ref.json"
            ref.write_text(json.dumps({"model": model_dir.name, **CHECK_TOLERANCE, "cache": cache_card(model),
                                       "cases": reference_cases(model, card)}))
            for script in ("scripts/check-export.ts", "scripts/check-cache-graph.ts"):
                failed += not run_check(script, model_dir, ref)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Re-export a shipped model's plain graph (model.onnx) from its own weights with today's export.

    /usr/bin/python3 training/reexport_plain.py models/text [models/digits ...]

For a model whose training checkpoint is not shipped: the weights are read back from model.onnx
(`export_cache.read_plain_graph`), and the graph is exported again the way training/train.py
exports it now (e.g. a RoPE model's fused RotaryEmbedding, training/mdm.py). Run
training/export_cache.py afterwards for the cache graph. Three checks, by onnxruntime-node through
scripts/check-export.ts, before the file is replaced:
  1. the old graph reproduces the rebuilt torch model (the weights were read back right);
  2. the new graph reproduces it too;
  3. so old and new agree within the check's tolerance on the same canvases.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import torch

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_cache import CHECK_TOLERANCE, read_or_report, reference_cases, run_check  # noqa: E402
from mdm import MDM, ONNX_EXPORT_OPTIONS  # noqa: E402

CHECK = "scripts/check-export.ts"


def export_plain_graph(model: MDM, example: torch.Tensor, out: Path) -> None:
    """model.onnx as training/train.py writes it: input_ids [batch, length] -> logits."""
    with torch.no_grad():
        torch.onnx.export(model, (example,), str(out), input_names=["input_ids"], output_names=["logits"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "length"}, "logits": {0: "batch", 1: "length"}},
                          **ONNX_EXPORT_OPTIONS)
    import onnx
    onnx.checker.check_model(onnx.load(str(out)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Re-export model.onnx of MDM model directories from their own weights.")
    ap.add_argument("dirs", nargs="+", type=Path)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    failed = 0
    for model_dir in a.dirs:
        got = read_or_report(model_dir, "reexport_plain")
        if got is None:
            failed += 1
            continue
        model, card = got
        cases = reference_cases(model, card)
        with tempfile.TemporaryDirectory() as tmp:
            ref = Path(tmp) / "ref.json"
            ref.write_text(json.dumps({"model": model_dir.name, **CHECK_TOLERANCE, "cases": cases}))
            staged = Path(tmp) / model_dir.name
            staged.mkdir()
            shutil.copy(model_dir / "model.json", staged / "model.json")
            export_plain_graph(model, torch.tensor(cases[0]["input_ids"]), staged / "model.onnx")
            if not (run_check(CHECK, model_dir, ref) and run_check(CHECK, staged, ref)):
                print(f"reexport_plain: {model_dir}: a check failed; model.onnx left as it was", file=sys.stderr)
                failed += 1
                continue
            old, new = (model_dir / "model.onnx").stat().st_size, (staged / "model.onnx").stat().st_size
            shutil.copy(staged / "model.onnx", model_dir / "model.onnx")
            print(f"[plain] {model_dir / 'model.onnx'}: re-exported ({old:,} -> {new:,} bytes)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

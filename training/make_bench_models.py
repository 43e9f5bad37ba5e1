"""Bench models for `npm run bench`: the same small MDM body at V = 32 and V = 32,000, random
weights (speed does not depend on training): `model.onnx` with the in-graph statistics head
appended, and `plain.onnx` without it, so the logits path is timed without the head's nodes.

    /usr/bin/python3 training/make_bench_models.py      # writes bench/models/v32, bench/models/v32000
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import onnx
import torch

sys.path.insert(0, str(Path(__file__).parent))
sys.dont_write_bytecode = True
from add_stats_head import add_stats_head  # noqa: E402
from export_tiny import export_onnx  # noqa: E402
from mdm import MDM, MDMConfig  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    torch.manual_seed(0)
    for vocab in (32, 32000):
        out = ROOT / "bench" / "models" / f"v{vocab}"
        out.mkdir(parents=True, exist_ok=True)
        # d_model 32 keeps the V = 32,000 file near 8 MB; the output projection dominates anyway.
        cfg = MDMConfig(vocab_size=vocab, mask_id=vocab - 1, d_model=32, n_layers=2, n_heads=4, max_len=128)
        model = MDM(cfg).eval()
        plain = out / "plain.onnx"
        export_onnx(model, plain)
        with_head = add_stats_head(onnx.load(str(plain)))
        onnx.save(with_head, str(out / "model.onnx"))
        card = {"name": f"bench-v{vocab}", "vocabSize": vocab, "maskId": vocab - 1, "eosId": None, "padId": None,
                "eosPenalty": 0, "logitShift": False, "attention": {"kind": "full"}, "contextLimit": 128,
                "suppressTokens": []}
        (out / "model.json").write_text(json.dumps(card, indent=2) + "\n")
        print(f"wrote {out} ({model.num_params():,} parameters, {(out / 'model.onnx').stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()

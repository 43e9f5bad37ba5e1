"""Train and export the tiny built-in MDMs (models/tiny/*) to ONNX. Deterministic and seeded.

Rebuild (from the repository root, ~5-6 minutes on one CPU core):

    /usr/bin/python3 training/export_tiny.py

writes
    models/tiny/llada-tiny/   full attention, aligned logits (logits[:, i] predicts token i)
    models/tiny/dream-tiny/   the SAME weights as llada-tiny, output shifted Dream-style
                              (raw[:, i] predicts token i+1; card logitShift: true)
    models/tiny/sdar-tiny/    trained separately, block-causal attention, block size 4
each with model.onnx, model.json (the model card), tokenizer.json, tokenizer_config.json, README.md,
and reference logits for the export check under --ref-dir (default /tmp/infogain-export-ref):

    npx tsx scripts/check-export.ts models/tiny/llada-tiny /tmp/infogain-export-ref/llada-tiny.json

Options: --steps, --batch, --lr, --seed, --corpus, --out, --ref-dir, --threads, --only llada|sdar.
Needs Debian's torch (apt-get install -y python3-torch python3-onnx libopenblas0-openmp); see
training/README.md.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import sys
import time
from pathlib import Path

import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
from char_tokenizer import CharTokenizer, corpus_chars  # noqa: E402
from mdm import MDM, ONNX_EXPORT_OPTIONS, MDMConfig, ShiftedLogits, mask_tokens, mdm_loss  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OPSET = ONNX_EXPORT_OPTIONS["opset_version"]
CONTEXT = 64


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Train and export the tiny ONNX MDMs.")
    ap.add_argument("--corpus", default=str(REPO.parent / "shared" / "data" / "tinyshakespeare-train.txt"))
    ap.add_argument("--out", default=str(REPO / "models" / "tiny"))
    ap.add_argument("--ref-dir", default="/tmp/infogain-export-ref")
    ap.add_argument("--steps", type=int, default=2500)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1: as fast as 2 on an idle 2-core machine and far faster on a busy one)")
    ap.add_argument("--log-every", type=int, default=250)
    ap.add_argument("--only", choices=["llada", "sdar"], default=None, help="train just one of the two weight sets")
    return ap.parse_args()


# ---------------------------------------------------------------- data

class Windows:
    """Random training windows from the encoded corpus (train: first 95%, held-out: last 5%)."""

    def __init__(self, ids: torch.Tensor, eos_id: int) -> None:
        cut = int(len(ids) * 0.95)
        self.train, self.held = ids[:cut], ids[cut:]
        self.eos_id = eos_id

    def batch(self, B: int, g: torch.Generator) -> torch.Tensor:
        # 70% of batches use the full context, the rest a random length in [8, 64], so the model
        # also sees short canvases; 10% of rows end early and are padded with EOS (LLaDA-style
        # padding), so EOS is a meaningful prediction past the end of the text.
        T = CONTEXT if torch.rand((), generator=g).item() < 0.7 else int(torch.randint(8, CONTEXT + 1, (), generator=g))
        starts = torch.randint(0, len(self.train) - T, (B,), generator=g)
        x = torch.stack([self.train[s:s + T] for s in starts.tolist()])
        ends = torch.randint(1, T, (B,), generator=g)
        early = torch.rand(B, generator=g) < 0.1
        pos = torch.arange(T).unsqueeze(0)
        pad = early.unsqueeze(1) & (pos >= ends.unsqueeze(1))
        return torch.where(pad, torch.full_like(x, self.eos_id), x)

    def held_out(self, n: int, seed: int) -> torch.Tensor:
        g = torch.Generator().manual_seed(seed)
        starts = torch.randint(0, len(self.held) - CONTEXT, (n,), generator=g)
        return torch.stack([self.held[s:s + CONTEXT] for s in starts.tolist()])


@torch.no_grad()
def eval_loss(model: MDM, x: torch.Tensor, mask_id: int, seed: int, repeats: int = 4) -> float:
    """Held-out MDM loss (nats/token, the negative ELBO estimate) with fixed noise."""
    model.eval()
    g = torch.Generator().manual_seed(seed)
    total = 0.0
    for _ in range(repeats):
        for chunk in x.split(64):
            total += mdm_loss(model, chunk, mask_id, generator=g).item() * chunk.shape[0]
    model.train()
    return total / (repeats * x.shape[0])


def train(name: str, cfg: MDMConfig, data: Windows, a: argparse.Namespace, seed: int) -> tuple[MDM, dict]:
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed + 1)
    model = MDM(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.98), weight_decay=0.01)
    warmup = max(1, a.steps // 30)

    def lr_at(step: int) -> float:  # linear warm-up, cosine decay to 10%
        if step < warmup:
            return a.lr * (step + 1) / warmup
        q = (step - warmup) / max(1, a.steps - warmup)
        return a.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * q)))

    held = data.held_out(256, seed=seed + 2)
    print(f"[{name}] {model.num_params():,} parameters, attention={cfg.attention}"
          + (f"/{cfg.block_size}" if cfg.attention == "block-causal" else "")
          + f", {a.steps} steps x batch {a.batch}", flush=True)
    t0 = time.time()
    window, log = [], []
    for step in range(a.steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        x = data.batch(a.batch, g)
        loss = mdm_loss(model, x, cfg.mask_id, generator=g)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        window.append(loss.item())
        if (step + 1) % a.log_every == 0 or step + 1 == a.steps:
            avg = sum(window) / len(window)
            window = []
            log.append((step + 1, avg))
            print(f"[{name}] step {step + 1:5d}  train loss {avg:.4f}  lr {lr_at(step):.2e}  {time.time() - t0:6.1f}s",
                  flush=True)
    train_s = time.time() - t0
    held_loss = eval_loss(model, held, cfg.mask_id, seed=seed + 3)
    print(f"[{name}] done in {train_s:.1f}s; held-out MDM loss {held_loss:.4f} nats/token", flush=True)
    model.eval()
    return model, {"train_seconds": train_s, "final_train_loss": log[-1][1], "held_out_loss": held_loss,
                   "log": log, "params": model.num_params()}


# ---------------------------------------------------------------- export

def export_onnx(module: torch.nn.Module, path: Path) -> None:
    dummy = torch.tensor([[5, 6, 7, 1, 1, 9, 10, 11, 1, 12, 13]] * 2, dtype=torch.int64)  # [2, 11]
    with torch.no_grad():
        torch.onnx.export(
            module, (dummy,), str(path),
            input_names=["input_ids"], output_names=["logits"],
            dynamic_axes={"input_ids": {0: "batch", 1: "length"}, "logits": {0: "batch", 1: "length"}},
            **ONNX_EXPORT_OPTIONS,
        )
    import onnx
    m = onnx.load(str(path))
    onnx.checker.check_model(m)


def reference_cases(tok: CharTokenizer, data: Windows, seed: int) -> list[torch.Tensor]:
    """Fixed input batches for the export check: (1, 64), (3, 17), (3, 40), (2, 1); with masks."""
    g = torch.Generator().manual_seed(seed)
    cases = []
    for B, T in ((1, CONTEXT), (3, 17), (3, 40), (2, 1)):
        starts = torch.randint(0, len(data.held) - T, (B,), generator=g)
        x = torch.stack([data.held[s:s + T] for s in starts.tolist()])
        noisy, _, _ = mask_tokens(x, tok.mask_id, generator=g)
        if B == 3:
            noisy[2] = tok.mask_id  # an all-mask row
            noisy[1, -1] = tok.eos_id
        cases.append(noisy)
    prompt = tok.encode("ROMEO:\n")
    row = prompt + [tok.mask_id] * (CONTEXT - len(prompt))
    cases.append(torch.tensor([row], dtype=torch.int64))
    return cases


def write_reference(module: torch.nn.Module, cases: list[torch.Tensor], name: str, ref_dir: Path) -> None:
    """Torch fp32 logits (what the check compares against) and float64 logits of the same weights
    (to show how far fp32 itself is from exact, for torch and for onnxruntime alike)."""
    ref_dir.mkdir(parents=True, exist_ok=True)
    exact = copy.deepcopy(module).double().eval()
    out = []
    with torch.no_grad():
        for x in cases:
            y = module(x)
            out.append({"input_ids": x.tolist(), "dims": list(y.shape), "logits": y.reshape(-1).tolist(),
                        "logits_f64": exact(x).reshape(-1).tolist()})
    torch.save(module.state_dict(), ref_dir / f"{name}.pt")  # the weights, for reuse or debugging
    (ref_dir / f"{name}.json").write_text(json.dumps({"model": name, "atol": 1e-4, "rtol": 1e-4, "cases": out}))


@torch.no_grad()
def greedy_sample(model: MDM, tok: CharTokenizer, prompt: str, length: int) -> str:
    """Confidence-ordered greedy unmasking, one token per step (a sanity sample for the README)."""
    ids = tok.encode(prompt)
    x = torch.tensor([ids + [tok.mask_id] * (length - len(ids))])
    while (x == tok.mask_id).any():
        logits = model(x)[0]
        logits[:, tok.mask_id] = -math.inf
        logits[:, tok.unk_id] = -math.inf
        p, v = torch.softmax(logits, -1).max(-1)
        p = torch.where(x[0] == tok.mask_id, p, torch.full_like(p, -1.0))
        i = int(p.argmax())
        x[0, i] = v[i]
    return tok.decode(x[0].tolist(), skip_special=True)


def card(name: str, tok: CharTokenizer, logit_shift: bool, attention: dict) -> dict:
    return {"name": name, "vocabSize": tok.vocab_size, "maskId": tok.mask_id, "eosId": tok.eos_id,
            "padId": tok.pad_id, "eosPenalty": 0, "logitShift": logit_shift, "attention": attention,
            "contextLimit": CONTEXT, "suppressTokens": []}


def model_readme(name: str, blurb: str, cfg: MDMConfig, stats: dict, a: argparse.Namespace,
                 sample: str, tok: CharTokenizer) -> str:
    log = "\n".join(f"| {s} | {l:.4f} |" for s, l in stats["log"])
    attn = "full" if cfg.attention == "full" else f"block-causal, block size {cfg.block_size} (absolute positions)"
    return f"""# {name}

{blurb}

A tiny character-level masked diffusion LM, for tests and demos: it decodes in milliseconds on a
CPU, and is far too small to write good text.

- **Data:** Tiny Shakespeare (`tinyshakespeare-train.txt`, {len(tok.chars)} characters), first 95% for
  training, last 5% held out. Random windows of up to {CONTEXT} characters (70% full length, the rest
  8–{CONTEXT}); 10% of rows end early and are padded with `<|endoftext|>`. No chat data: the
  `<|user|>`/`<|assistant|>` tokens exist but were never trained.
- **Architecture:** bidirectional transformer, {cfg.n_layers} pre-LN layers, d_model {cfg.d_model},
  {cfg.n_heads} heads, GELU MLP {cfg.mlp_mult}×, learned positions (context {cfg.max_len}),
  attention {attn}. {stats['params']:,} parameters, fp32; `model.onnx` is @@SIZE@@ bytes.
- **Vocabulary ({tok.vocab_size}):** 0 `<|endoftext|>` (EOS and PAD), {tok.mask_id} `{tok.mask_token}` (mask),
  2 `<|user|>`, 3 `<|assistant|>`, 4–{3 + len(tok.chars)} the characters, {tok.unk_id} `<|unk|>`.
- **Objective:** masked diffusion (LLaDA): t ~ U(0,1], each token masked with probability
  (1−ε)t+ε (ε = 1e-3), cross-entropy on masked tokens weighted by 1/p, over B·T.
- **Training:** {a.steps} steps, batch {a.batch}, AdamW (lr {a.lr}, β = (0.9, 0.98), wd 0.01), warm-up
  then cosine to 10%, grad clip 1.0, seed {a.seed}; {stats['train_seconds']:.0f} s on {a.threads} CPU thread{'' if a.threads == 1 else 's'}.
  Final training loss (mean of the last {a.log_every} steps) {stats['final_train_loss']:.4f};
  held-out MDM loss {stats['held_out_loss']:.4f} nats/token (upper bound on NLL per character).
- **ONNX:** opset {OPSET}; input `input_ids` int64 [batch, length]; output `logits` float32
  [batch, length, {tok.vocab_size}]; length ≤ {CONTEXT}.

Greedy confidence-order sample (Python, prompt `ROMEO:` + newline, {CONTEXT} positions):

```
{sample}
```

Training log:

| step | train loss |
|---:|---:|
{log}

Rebuild (deterministic on a given machine; all three tiny models at once):

```sh
/usr/bin/python3 training/export_tiny.py
```
"""


def write_model_dir(out: Path, name: str, module: torch.nn.Module, tok: CharTokenizer, model_card: dict,
                    readme: str, cases: list[torch.Tensor], ref_dir: Path) -> int:
    d = out / name
    d.mkdir(parents=True, exist_ok=True)
    export_onnx(module, d / "model.onnx")
    (d / "model.json").write_text(json.dumps(model_card, indent=2) + "\n")
    tok.save(d, CONTEXT)
    size = (d / "model.onnx").stat().st_size
    (d / "README.md").write_text(readme.replace("@@SIZE@@", f"{size:,}"))
    write_reference(module, cases, name, ref_dir)
    print(f"wrote {d} (model.onnx {size:,} bytes); reference {ref_dir / (name + '.json')}", flush=True)
    return size


def main() -> None:
    a = parse_args()
    torch.set_num_threads(a.threads)
    torch.use_deterministic_algorithms(True)
    text = Path(a.corpus).read_text()
    chars = corpus_chars(text)
    out, ref_dir = Path(a.out), Path(a.ref_dir)
    toks = {c: CharTokenizer(chars, c) for c in ("llada", "dream", "sdar")}
    base = toks["llada"]
    assert all(t.mask_id == base.mask_id and t.vocab_size == base.vocab_size for t in toks.values())
    ids = torch.tensor(base.encode(text), dtype=torch.int64)
    assert not (ids == base.unk_id).any()
    data = Windows(ids, base.eos_id)
    cases = reference_cases(base, data, seed=a.seed + 100)

    def cfg(attention: str) -> MDMConfig:
        return MDMConfig(vocab_size=base.vocab_size, mask_id=base.mask_id, d_model=64, n_layers=2, n_heads=4,
                         mlp_mult=4, max_len=CONTEXT, attention=attention, block_size=4)

    if a.only in (None, "llada"):
        c = cfg("full")
        model, stats = train("llada-tiny", c, data, a, a.seed)
        sample = greedy_sample(model, base, "ROMEO:\n", CONTEXT)
        print(sample)
        shifted = ShiftedLogits(model).eval()
        with torch.no_grad():  # the dream wrapper must be an exact shift of the aligned logits
            for x in cases:
                al, raw = model(x), shifted(x)
                assert torch.equal(raw[:, :-1], al[:, 1:]) and torch.equal(raw[:, -1], al[:, -1])
        write_model_dir(out, "llada-tiny", model, toks["llada"], card("llada-tiny", toks["llada"], False, {"kind": "full"}),
                        model_readme("llada-tiny", "LLaDA convention: full attention, aligned outputs "
                                     "(`logits[:, i]` predicts token i), mask token `<|mdm_mask|>`.",
                                     c, stats, a, sample, toks["llada"]), cases, ref_dir)
        write_model_dir(out, "dream-tiny", shifted, toks["dream"], card("dream-tiny", toks["dream"], True, {"kind": "full"}),
                        model_readme("dream-tiny", "Dream convention: the SAME weights as `llada-tiny`, with the "
                                     "graph's output shifted so that raw output i−1 predicts token i "
                                     "(`raw[:, i] = llada[:, i+1]`, `raw[:, T−1] = llada[:, T−1]`); the card's "
                                     "`logitShift: true` undoes it, so decoding gives llada-tiny's predictions at "
                                     "every position ≥ 1. Mask token `<|mask|>`. (Training numbers below are "
                                     "llada-tiny's.)", c, stats, a, sample, toks["dream"]), cases, ref_dir)
    if a.only in (None, "sdar"):
        c = cfg("block-causal")
        model, stats = train("sdar-tiny", c, data, a, a.seed + 1000)
        sample = greedy_sample(model, base, "ROMEO:\n", CONTEXT)
        print(sample)
        write_model_dir(out, "sdar-tiny", model, toks["sdar"],
                        card("sdar-tiny", toks["sdar"], False, {"kind": "block-causal", "blockSize": 4}),
                        model_readme("sdar-tiny", "SDAR convention: block-causal attention with block size 4, "
                                     "blocks aligned to absolute positions (block id = position // 4; a block "
                                     "attends to itself and every earlier block), aligned outputs, mask token "
                                     "`<|MASK|>`.", c, stats, a, sample, toks["sdar"]), cases, ref_dir)


if __name__ == "__main__":
    main()

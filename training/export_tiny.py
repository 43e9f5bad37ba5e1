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

A larger block-causal test model, only on request (~2-3 minutes on one core):

    /usr/bin/python3 training/export_tiny.py --only sdar-small

    models/tiny/sdar-small/   block-causal, block size 8, RoPE, 4 layers, d_model 96, 3 heads of 32
                              (the fixture of test/cache-exact.test.ts), 800 steps by default
It also writes the cache graph (model.cache.onnx, training/export_cache.py's export_cache_graph) and
the card's `cache` field, and runs both onnxruntime checks on it (scripts/check-export.ts and
scripts/check-cache-graph.ts against the reference, which then carries the cache shape and windows);
a failed check fails the script. Its README records both checks' output.

Options: --steps, --batch, --lr, --seed, --corpus, --out, --ref-dir, --threads, --only llada|sdar|sdar-small.
Needs Debian's torch (apt-get install -y python3-torch python3-onnx libopenblas0-openmp); see
training/README.md.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
from char_tokenizer import CharTokenizer, corpus_chars  # noqa: E402
from mdm import MDM, ONNX_EXPORT_OPTIONS, MDMConfig, ShiftedLogits, mask_tokens, mdm_loss  # noqa: E402
from export_cache import cache_card, export_cache_graph  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OPSET = ONNX_EXPORT_OPTIONS["opset_version"]
CONTEXT = 64
STEPS = 2500  # --steps default of the tiny models
# sdar-small: a larger block-causal model for the cache-exactness test (test/cache-exact.test.ts).
# Width and depth are chosen so that model.onnx and model.cache.onnx together stay under 3 MB.
SMALL = {"d_model": 96, "n_layers": 4, "n_heads": 3, "mlp_mult": 2, "rope": True, "block_size": 8, "steps": 800}


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Train and export the tiny ONNX MDMs.")
    ap.add_argument("--corpus", default=str(REPO.parent / "shared" / "data" / "tinyshakespeare-train.txt"))
    ap.add_argument("--out", default=str(REPO / "models" / "tiny"))
    ap.add_argument("--ref-dir", default="/tmp/infogain-export-ref")
    ap.add_argument("--steps", type=int, default=None,
                    help=f"training steps ({STEPS}; sdar-small: {SMALL['steps']})")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1: as fast as 2 on an idle 2-core machine and far faster on a busy one)")
    ap.add_argument("--log-every", type=int, default=None, help="training-log interval (250; sdar-small: 50)")
    ap.add_argument("--only", choices=["llada", "sdar", "sdar-small"], default=None,
                    help="train just one weight set (default: llada and sdar, i.e. the three tiny models; "
                         "sdar-small is built only when asked for)")
    a = ap.parse_args()
    if a.steps is None:
        a.steps = SMALL["steps"] if a.only == "sdar-small" else STEPS
    if a.log_every is None:
        a.log_every = 50 if a.only == "sdar-small" else 250
    return a


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


def cache_windows(T: int, block_size: int) -> list[list[int]]:
    """Windows [s, e) for scripts/check-cache-graph.ts on a canvas of T: the whole canvas, export_cache's
    three (a middle stretch, the tail), one block, and a prefix-mode window [s, T) from an s that is
    not on a block boundary."""
    q = max(1, T // 4)
    wanted = [(0, T), (T // 3, T // 3 + q), (T - q, T), (block_size, 2 * block_size), (block_size + block_size // 2 + 1, T)]
    out: list[list[int]] = []
    for s, e in wanted:
        if 0 <= s < e <= T and [s, e] not in out:
            out.append([s, e])
    return out


def write_reference(module: torch.nn.Module, cases: list[torch.Tensor], name: str, ref_dir: Path,
                    cache: dict | None = None) -> Path:
    """Torch fp32 logits (what the check compares against) and float64 logits of the same weights
    (to show how far fp32 itself is from exact, for torch and for onnxruntime alike). With `cache`
    (the card's cache field) the reference also serves scripts/check-cache-graph.ts: it carries the
    cache shape and, per case, the windows to slide over the case's first row."""
    ref_dir.mkdir(parents=True, exist_ok=True)
    exact = copy.deepcopy(module).double().eval()
    out = []
    with torch.no_grad():
        for x in cases:
            y = module(x)
            out.append({"input_ids": x.tolist(), "dims": list(y.shape), "logits": y.reshape(-1).tolist(),
                        "logits_f64": exact(x).reshape(-1).tolist()})
            if cache is not None:
                out[-1]["windows"] = cache_windows(x.shape[1], module.cfg.block_size)
    torch.save(module.state_dict(), ref_dir / f"{name}.pt")  # the weights, for reuse or debugging
    ref = {"model": name, "atol": 1e-4, "rtol": 1e-4, "cases": out}
    if cache is not None:
        ref["cache"] = cache
    path = ref_dir / f"{name}.json"
    path.write_text(json.dumps(ref))
    return path


def run_checks(model_dir: Path, ref: Path) -> str:
    """scripts/check-export.ts and scripts/check-cache-graph.ts (onnxruntime-node) on a model with a
    cache graph; their output, or SystemExit when either fails."""
    lines = []
    shown = model_dir.resolve().relative_to(REPO) if model_dir.resolve().is_relative_to(REPO) else model_dir.resolve()
    for script in ("scripts/check-export.ts", "scripts/check-cache-graph.ts"):
        p = subprocess.run(["npx", "--no-install", "tsx", script, str(model_dir.resolve()), str(ref)], cwd=REPO,
                           capture_output=True, text=True)
        print(p.stdout + p.stderr, end="", flush=True)
        if p.returncode != 0:
            raise SystemExit(f"{script} failed on {model_dir} (exit {p.returncode})")
        lines.append(f"$ npx tsx {script} {shown} {ref}\n" + p.stdout.strip())
    return "\n".join(lines)


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
                 sample: str, tok: CharTokenizer, rebuild: str = "all three tiny models at once",
                 command: str = "/usr/bin/python3 training/export_tiny.py") -> str:
    log = "\n".join(f"| {s} | {l:.4f} |" for s, l in stats["log"])
    attn = "full" if cfg.attention == "full" else f"block-causal, block size {cfg.block_size} (absolute positions)"
    heads = f"{cfg.n_heads} heads of {cfg.d_model // cfg.n_heads}" if cfg.rope else f"{cfg.n_heads} heads"
    positions = ("rotary position embedding (exported as onnxruntime's fused `com.microsoft::RotaryEmbedding`; "
                 f"context {cfg.max_len})") if cfg.rope else f"learned positions (context {cfg.max_len})"
    return f"""# {name}

{blurb}

A tiny character-level masked diffusion LM, for tests and demos: it decodes in milliseconds on a
CPU, and is far too small to write good text.

- **Data:** Tiny Shakespeare (`tinyshakespeare-train.txt`, {len(tok.chars)} characters), first 95% for
  training, last 5% held out. Random windows of up to {CONTEXT} characters (70% full length, the rest
  8–{CONTEXT}); 10% of rows end early and are padded with `<|endoftext|>`. No chat data: the
  `<|user|>`/`<|assistant|>` tokens exist but were never trained.
- **Architecture:** transformer, {cfg.n_layers} pre-LN layers, d_model {cfg.d_model},
  {heads}, GELU MLP {cfg.mlp_mult}×, {positions},
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
  [batch, length, {tok.vocab_size}]; length ≤ {CONTEXT}.@@CACHE@@

Greedy confidence-order sample (Python, prompt `ROMEO:` + newline, {CONTEXT} positions):

```
{sample}
```

Training log:

| step | train loss |
|---:|---:|
{log}

Rebuild (deterministic on a given machine; {rebuild}):

```sh
{command}
```
"""


def write_model_dir(out: Path, name: str, module: torch.nn.Module, tok: CharTokenizer, model_card: dict,
                    readme: str, cases: list[torch.Tensor], ref_dir: Path, with_cache: bool = False) -> int:
    """model.onnx, the card, the tokenizer files, the README and the reference logits; `with_cache`
    (an MDM) also exports model.cache.onnx with the card's `cache` field, runs both onnxruntime checks
    and puts their output in the README."""
    d = out / name
    d.mkdir(parents=True, exist_ok=True)
    export_onnx(module, d / "model.onnx")
    cache_note, checks = "", ""
    if with_cache:
        export_cache_graph(module, d / "model.cache.onnx")
        model_card = {**model_card, "cache": cache_card(module)}
        cache_size = (d / "model.cache.onnx").stat().st_size
        cache_note = (f"\n  `model.cache.onnx` ({cache_size:,} bytes) is the cache graph (docs/onnx-models.md, \"The cache graph\"; "
                      "training/export_cache.py's `export_cache_graph`), named by the card's field `cache`.")
    (d / "model.json").write_text(json.dumps(model_card, indent=2) + "\n")
    tok.save(d, CONTEXT)
    size = (d / "model.onnx").stat().st_size
    ref = write_reference(module, cases, name, ref_dir, model_card.get("cache"))
    if with_cache:
        checks = ("\nonnxruntime-node against torch, run by the export (the cache check slides windows over the first "
                  "row of each reference case, against the keys/values of every other position):\n\n```\n"
                  + run_checks(d, ref) + "\n```\n")
    (d / "README.md").write_text(readme.replace("@@SIZE@@", f"{size:,}").replace("@@CACHE@@", cache_note) + checks)
    print(f"wrote {d} (model.onnx {size:,} bytes); reference {ref}", flush=True)
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

    if a.only == "sdar-small":
        arch = {k: v for k, v in SMALL.items() if k != "steps"}
        c = MDMConfig(vocab_size=base.vocab_size, mask_id=base.mask_id, max_len=CONTEXT, attention="block-causal", **arch)
        model, stats = train("sdar-small", c, data, a, a.seed + 2000)
        sample = greedy_sample(model, base, "ROMEO:\n", CONTEXT)
        print(sample)
        b = c.block_size
        blurb = (f"SDAR convention, larger than `sdar-tiny`: block-causal attention with block size {b}, blocks "
                 f"aligned to absolute positions (block id = position // {b}; a block attends to itself and every "
                 "earlier block), rotary positions, aligned outputs, mask token `<|MASK|>` (sdar-tiny's tokenizer). "
                 "A test fixture: `test/cache-exact.test.ts` decodes it with and without the committed-prefix cache "
                 "(`model.cache.onnx`) and compares the two decodes step by step. Trained only briefly, so that "
                 "its predictions are far from uniform (random weights give ties and near-ties that could hide or "
                 "fake a difference), not to write text.")
        write_model_dir(out, "sdar-small", model, toks["sdar"],
                        card("sdar-small", toks["sdar"], False, {"kind": "block-causal", "blockSize": b}),
                        model_readme("sdar-small", blurb, c, stats, a, sample, toks["sdar"], rebuild="this model only",
                                     command="/usr/bin/python3 training/export_tiny.py --only sdar-small"
                                     + (f" --steps {a.steps}" if a.steps != SMALL["steps"] else "")
                                     + (f" --seed {a.seed}" if a.seed != 2026 else "")),
                        cases, ref_dir, with_cache=True)
        return

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

"""Train a masked-diffusion LM (training/mdm.py) on one task and export it as an infogain model directory.

    /usr/bin/python3 training/train.py --task {sudoku,sudoku-hard,countdown,text,digits} --out models/<task> (--minutes M | --steps N)
    /usr/bin/python3 training/train.py --task sudoku --resume             # continue the run in training/runs/sudoku
    /usr/bin/python3 training/train.py --task sudoku --export-only        # export the run's checkpoint
    /usr/bin/python3 training/train.py --task sudoku --smoke              # ~1 min end-to-end self-test

Objective (per batch of B canvases; `target` marks the positions the model must produce):
    t_i = 1 - ((u + i/B) mod 1), u ~ U(0,1) once per batch: each t_i ~ U(0,1] (stratified over the batch);
    every target token of row i is masked with probability t_i, and at least one is (the target with
    the smallest draw); prompt (non-target) tokens are never masked;
    loss = sum over masked positions of CE / max(t_i, 1/n_i), divided by the batch's number of targets
    (n_i = targets in row i; the clamp keeps the weight of a forced single mask at n_i instead of 1/t_i).
AdamW (β = 0.9/0.98; weight decay 0.1 on weight matrices, none on biases, LayerNorm and embeddings),
linear warm-up then cosine decay to --min-lr-frac of the peak over the planned steps, gradient clipping.

--minutes M: the run first evaluates at step 0 (timing the evaluation), then trains; once 30 s of
training have passed (or warm-up ends, whichever is first) the step plan is fixed as
    steps done + speed × (M minutes − time used − the remaining evaluations − min(1 min, 10%) for the export),
and is stored in the checkpoint, so the schedule is a normal cosine over a fixed number of steps and a
resumed run continues exactly. If the machine slows down, the run goes past M; it stops early (with
a checkpoint and an export) once the training wall time exceeds 1.25 M.

Files: training/runs/<task>/log.jsonl (one JSON object per event), training/runs/<task>/ckpt.pt
(model, optimizer, step, plan, RNG and data states; written every --ckpt-minutes, at the end and on
SIGTERM/SIGINT), training/runs/<task>/export-ref.json (torch logits for scripts/check-export.ts).
Formats of the canvases: training/FORMATS.md.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mdm import MDM, ONNX_EXPORT_OPTIONS, MDMConfig  # noqa: E402
from tasks import REPO, TASKS  # noqa: E402

OPSET = ONNX_EXPORT_OPTIONS["opset_version"]
MAX_ONNX_BYTES = 18_000_000
CKPT_VERSION = 1


# ============================================================================== arguments

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Train and export a masked-diffusion LM on one task.",
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--task", choices=sorted(TASKS), required=True)
    ap.add_argument("--out", default=None, help="model directory to export to (default models/<task>)")
    ap.add_argument("--run-dir", default=None, help="log and checkpoint directory (default training/runs/<task>)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--minutes", type=float, default=None, help="training time budget (plans the step count)")
    g.add_argument("--steps", type=int, default=None, help="number of optimizer steps")
    ap.add_argument("--resume", action="store_true", help="continue the run in --run-dir exactly")
    ap.add_argument("--overwrite", action="store_true", help="start afresh even if --run-dir has a checkpoint")
    ap.add_argument("--export-only", action="store_true", help="export the checkpoint in --run-dir and exit")
    ap.add_argument("--smoke", action="store_true", help="end-to-end self-test on a tiny config in a temp dir")
    ap.add_argument("--tiny", action="store_true", help="the tiny smoke-test model and batch")
    ap.add_argument("--bench", type=float, default=None, metavar="SECONDS",
                    help="measure training samples/s for SECONDS (after 3 warm-up steps) at the chosen size; writes nothing")
    # model (defaults per task: see tasks.py)
    ap.add_argument("--d-model", type=int, default=None)
    ap.add_argument("--layers", type=int, default=None)
    ap.add_argument("--heads", type=int, default=None)
    ap.add_argument("--rope", action="store_true", help="rotary position embedding instead of learned positions")
    ap.add_argument("--mlp-mult", type=int, default=None)
    ap.add_argument("--context", type=int, default=None,
                    help="text: window length (default 128); countdown: canvas length (default 48, longer for public 4-number files)")
    ap.add_argument("--metric4", action="store_true", help="countdown: also evaluate the held-out 4-number problems (solved4)")
    ap.add_argument("--init-from", default=None, metavar="CKPT",
                    help="start from another run's checkpoint weights (its architecture; a longer --context extends its "
                         "learned position table by copying its last rows); new optimizer and plan")
    # optimisation
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--lr", type=float, default=None, help="peak learning rate")
    ap.add_argument("--min-lr-frac", type=float, default=0.1, help="final LR as a fraction of the peak")
    ap.add_argument("--warmup", type=int, default=None,
                    help="warm-up steps (default: 300, or 5%% of a --steps plan if that is fewer)")
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--bf16", choices=["auto", "on", "off"], default="auto",
                    help="bf16 autocast for the training forward; auto = on iff the CPU has avx512_bf16 or amx_bf16")
    ap.add_argument("--eval-bf16", action="store_true",
                    help="run the held-out evaluations under bf16 autocast too (cheaper on a busy CPU; the export stays fp32)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default 2; --smoke: 1)")
    ap.add_argument("--seed", type=int, default=0)
    # logging / evaluation / checkpoints
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--evals", type=int, default=8, help="held-out evaluations during the run (plus step 0 and the end)")
    ap.add_argument("--eval-every", type=int, default=0, help="steps between evaluations (0: plan / --evals)")
    ap.add_argument("--metric-n", type=int, default=None, help="held-out problems for the task metric")
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--no-check", action="store_true", help="skip the onnxruntime export check")
    ap.add_argument("--drills", type=float, default=0.0,
                    help="countdown: fraction of each batch that is arithmetic drill (steps `a op b=c` joined by commas, no prompt)")
    ap.add_argument("--data", default=None, help="countdown: training JSONL (default training/data/countdown-train.jsonl); digits: training CSV (default training/data/digits-train.csv); sudoku-hard: training puzzles CSV (default training/data/sudoku-hard-train.csv)")
    ap.add_argument("--heldout", default=None, help="held-out file (default under training/data/)")
    ap.add_argument("--corpus", default=None, help="text: training corpus (default ../shared/data/tinyshakespeare-train.txt, "
                    "development checkouts only; --smoke: the committed data/text/heldout.txt)")
    ap.add_argument("--stop-after", type=int, default=None, help=argparse.SUPPRESS)  # tests: act as if signalled
    a = ap.parse_args(argv)
    a.out = Path(a.out or REPO / "models" / a.task)
    a.run_dir = Path(a.run_dir or REPO / "training" / "runs" / a.task)
    return a


def cpu_has_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return bool(re.search(r"\b(avx512_bf16|amx_bf16)\b", flags))


# ============================================================================== objective

def diffusion_loss(model: torch.nn.Module, x: torch.Tensor, target: torch.Tensor, mask_id: int,
                   g: torch.Generator, bf16: bool = False) -> torch.Tensor:
    """The masked-diffusion loss of the module docstring (a scalar, fp32)."""
    B, T = x.shape
    u = torch.rand((), generator=g)
    t = 1.0 - torch.remainder(u + torch.arange(B) / B, 1.0)  # (0, 1], stratified
    r = torch.rand(B, T, generator=g)
    masked = (r < t.unsqueeze(1)) & target
    none = ~masked.any(1)
    if none.any():
        j = torch.where(target, r, torch.full_like(r, 2.0)).argmin(1)
        masked[none.nonzero().flatten(), j[none]] = True
    n_tgt = target.sum(1).clamp(min=1)
    w = 1.0 / torch.maximum(t, 1.0 / n_tgt)
    noisy = torch.where(masked, torch.full_like(x, mask_id), x)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        logits = model(noisy)
    ce = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), x.reshape(-1), reduction="none").view(B, T)
    return (ce * masked * w.unsqueeze(1)).sum() / n_tgt.sum()


@torch.no_grad()
def heldout_eval(model: torch.nn.Module, task, ratios=(0.15, 0.5, 0.9), chunk: int = 128) -> dict:
    """Held-out loss (fixed noise) and masked-token accuracy with exactly round(r * targets) targets masked."""
    x, target = task.heldout()
    x, target = x[:256], target[:256]
    mask_id = task.tok.mask_id
    g = torch.Generator().manual_seed(4242)
    loss = sum(diffusion_loss(model, xs, ts, mask_id, g).item() * ts.sum().item()
               for xs, ts in zip(x.split(chunk), target.split(chunk))) / target.sum().item()
    out = {"heldout_loss": loss}
    for ratio in ratios:
        g = torch.Generator().manual_seed(int(ratio * 1000))
        r = torch.rand(x.shape, generator=g)
        r[~target] = 2.0
        k = (target.sum(1).float() * ratio).round().clamp(min=1).long()
        rank = r.argsort(1).argsort(1)
        masked = rank < k.unsqueeze(1)
        noisy = torch.where(masked, torch.full_like(x, mask_id), x)
        pred = torch.cat([model(c).argmax(-1) for c in noisy.split(chunk)])
        out[f"acc@{ratio}"] = (pred == x)[masked].float().mean().item()
    return out


# ============================================================================== training run

class Run:
    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        self.task_cls = TASKS[a.task]
        self.ckpt_path = a.run_dir / "ckpt.pt"
        self.log_path = a.run_dir / "log.jsonl"
        self.stop_reason: str | None = None

    # ---------------------------------------------------------------- set-up

    def make_task(self, seed: int, smoke: bool):
        kw = {"seed": seed, "smoke": smoke}
        if self.a.task == "countdown":
            if self.a.data:
                kw["train_path"] = Path(self.a.data)
            if self.a.heldout:
                kw["heldout_path"] = Path(self.a.heldout)
            kw["drills"] = self.hp.get("drills", 0.0)
            kw["context"] = self.hp.get("context")
            kw["metric4"] = self.hp.get("metric4", False)
        elif self.a.task == "digits":
            if self.a.data:
                kw["train_path"] = Path(self.a.data)
            if self.a.heldout:
                kw["heldout_path"] = Path(self.a.heldout)
        elif self.a.task == "sudoku" and self.a.heldout:
            kw["heldout_path"] = Path(self.a.heldout)
        elif self.a.task == "sudoku-hard":
            if self.a.data:
                kw["train_path"] = Path(self.a.data)
            if self.a.heldout:
                kw["heldout_path"] = Path(self.a.heldout)
        elif self.a.task == "text" and self.a.corpus:
            kw["corpus"] = Path(self.a.corpus)
        task = self.task_cls(**kw)
        if self.a.task == "text" and self.hp.get("context"):
            task.T = self.hp["context"]
        return task

    def hyper(self) -> dict:
        a = self.a
        base = dict(self.task_cls.smoke if a.tiny else self.task_cls.defaults)
        for k, v in (("d_model", a.d_model), ("layers", a.layers), ("heads", a.heads), ("mlp_mult", a.mlp_mult),
                     ("batch", a.batch), ("lr", a.lr), ("metric_n", a.metric_n)):
            if v is not None:
                base[k] = v
        if a.init_from:
            src = torch.load(a.init_from, map_location="cpu")
            for k in ("d_model", "layers", "heads", "mlp_mult", "rope"):
                base[k] = src["hp"][k]
            base["init_from"] = {"ckpt": rel(Path(a.init_from)), "step": src["step"], "context": src["cfg"]["max_len"]}
        if a.context is not None:
            if a.task not in ("text", "countdown"):
                raise SystemExit("train.py: --context applies to --task text and countdown only (sudoku is 81)")
            base["context"] = a.context
        if a.metric4:
            if a.task != "countdown":
                raise SystemExit("train.py: --metric4 applies to --task countdown only")
            base["metric4"] = True
        base.setdefault("rope", a.rope)
        if a.drills:
            if a.task != "countdown":
                raise SystemExit("train.py: --drills applies to --task countdown only")
            base["drills"] = a.drills
        base.update(min_lr_frac=a.min_lr_frac, weight_decay=a.weight_decay, clip=a.clip, seed=a.seed, tiny=a.tiny)
        base["bf16"] = {"on": True, "off": False, "auto": cpu_has_bf16()}[a.bf16]
        if a.eval_bf16:
            base["eval_bf16"] = True
        return base

    def build(self, hp: dict) -> None:
        self.hp = hp
        self.task = self.make_task(hp["seed"], hp["tiny"])
        tok = self.task.tok
        torch.manual_seed(hp["seed"])
        self.cfg = MDMConfig(vocab_size=tok.vocab_size, mask_id=tok.mask_id, d_model=hp["d_model"],
                             n_layers=hp["layers"], n_heads=hp["heads"], mlp_mult=hp["mlp_mult"], max_len=self.task.T,
                             rope=hp.get("rope", False))
        self.model = MDM(self.cfg)
        decay, no_decay = [], []
        for n, p in self.model.named_parameters():
            (decay if p.dim() == 2 and "emb" not in n else no_decay).append(p)
        self.opt = torch.optim.AdamW([{"params": decay, "weight_decay": hp["weight_decay"]},
                                      {"params": no_decay, "weight_decay": 0.0}],
                                     lr=hp["lr"], betas=(0.9, 0.98), eps=1e-8)
        self.g = torch.Generator().manual_seed(10_000 + hp["seed"])
        self.step = 0
        self.samples = 0
        self.train_s = 0.0  # training wall time, summed over sessions (evaluations included)
        self.plan: int | None = None
        self.warmup = 0
        self.eval_every = 0
        self.budget_s: float | None = None
        self.history: list[dict] = []
        self.losses: list[float] = []  # recent training losses (for the README's final loss)
        self.sessions = 0
        self.sample = ""  # the last evaluation's decoded sample, for the README

    def lr_at(self, step: int) -> float:
        lr, w = self.hp["lr"], max(1, self.warmup)
        if step < w:
            return lr * (step + 1) / w
        plan = self.plan if self.plan is not None else w
        q = min(1.0, (step - w) / max(1, plan - w))
        f = self.hp["min_lr_frac"]
        return lr * (f + (1 - f) * 0.5 * (1 + math.cos(math.pi * q)))

    # ---------------------------------------------------------------- checkpoints

    def state(self) -> dict:
        return {"version": CKPT_VERSION, "hp": self.hp, "cfg": self.cfg.to_dict(), "model": self.model.state_dict(),
                "opt": self.opt.state_dict(), "step": self.step, "samples": self.samples, "train_s": self.train_s,
                "plan": self.plan, "warmup": self.warmup, "eval_every": self.eval_every, "budget_s": self.budget_s,
                "history": self.history, "losses": self.losses[-200:], "g": self.g.get_state(),
                "torch_rng": torch.get_rng_state(), "task": self.task.state_dict(), "sessions": self.sessions,
                "sample": self.sample, "argv": self.argv_record}

    def save(self) -> None:
        self.a.run_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.ckpt_path.with_suffix(".tmp")
        torch.save(self.state(), tmp)
        os.replace(tmp, self.ckpt_path)
        self.last_save = time.time()

    def load(self) -> None:
        s = torch.load(self.ckpt_path)
        if s.get("version") != CKPT_VERSION:
            raise SystemExit(f"train.py: {self.ckpt_path} has checkpoint version {s.get('version')}, expected {CKPT_VERSION}")
        self.build(s["hp"])
        self.model.load_state_dict(s["model"])
        self.opt.load_state_dict(s["opt"])
        for k in ("step", "samples", "train_s", "plan", "warmup", "eval_every", "budget_s", "history", "losses", "sessions"):
            setattr(self, k, s[k])
        self.sample = s.get("sample", "")
        self.g.set_state(s["g"])
        torch.set_rng_state(s["torch_rng"])
        self.task.load_state_dict(s["task"])
        self.argv_record = s["argv"]

    # ---------------------------------------------------------------- logging

    def log(self, rec: dict, echo: str | None = None) -> None:
        rec = {"time": time.strftime("%Y-%m-%dT%H:%M:%S"), **rec}
        with open(self.log_path, "a") as f:
            f.write(json.dumps(rec) + "\n")
        print(echo if echo is not None else json.dumps(rec), flush=True)

    # ---------------------------------------------------------------- evaluation

    def evaluate(self) -> dict:
        t0 = time.time()
        self.model.eval()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bool(self.hp.get("eval_bf16"))):
            res = heldout_eval(self.model, self.task)
            res.update(self.task.metric(self.model, self.hp["metric_n"]))
        self.model.train()
        res = {"step": self.step, "samples": self.samples, **{k: round(v, 5) if isinstance(v, float) else v
                                                                for k, v in res.items()}}
        res["eval_s"] = round(time.time() - t0, 1)
        self.sample = self.task.sample_text()
        if not self.history or self.history[-1]["step"] != self.step:
            self.history.append(res)
        self.log({"event": "eval", **res}, "[eval] " + "  ".join(f"{k} {v}" for k, v in res.items()))
        return res

    # ---------------------------------------------------------------- the loop

    def on_signal(self, signum, frame) -> None:  # noqa: ARG002
        if self.stop_reason is None:
            self.stop_reason = signal.Signals(signum).name
            print(f"\n[{self.stop_reason}] stopping after this step; a checkpoint follows", flush=True)

    def train(self) -> int:
        a = self.a
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        self.sessions += 1
        self.last_save = time.time()
        session_t0 = time.time()
        base_train_s = self.train_s
        if self.step == 0 and not self.history:
            self.evaluate()  # the baseline; also times an evaluation for the --minutes plan
        eval_s = self.history[-1]["eval_s"] if self.history else 0.0
        win_t, win_steps, win_samples, win_loss = time.time(), 0, 0, []
        rate_t0 = rate_step0 = None
        B = self.hp["batch"]
        code = 0
        while self.plan is None or self.step < self.plan:
            if self.stop_reason:
                code = 143 if self.stop_reason == "SIGTERM" else 130
                break
            for group in self.opt.param_groups:
                group["lr"] = self.lr_at(self.step)
            x, target = self.task.train_batch(B)
            loss = diffusion_loss(self.model, x, target, self.task.tok.mask_id, self.g, self.hp["bf16"])
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            gnorm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.hp["clip"])
            self.opt.step()
            lv = loss.item()
            if not math.isfinite(lv):
                self.log({"event": "error", "step": self.step, "loss": lv})
                raise SystemExit("train.py: the loss is not finite; stopping (the last checkpoint is intact)")
            self.step += 1
            self.samples += B
            self.train_s = base_train_s + (time.time() - session_t0)
            win_steps += 1
            win_samples += B
            win_loss.append(lv)
            self.losses.append(lv)
            self.losses = self.losses[-200:]
            # --minutes: fix the plan once the speed is known
            if self.plan is None:
                if self.step == 3:
                    rate_t0, rate_step0 = time.time(), self.step
                measured = rate_t0 is not None and (time.time() - rate_t0 >= 30 or self.step >= self.warmup)
                if measured and self.step > rate_step0:
                    speed = (self.step - rate_step0) / (time.time() - rate_t0)
                    evals_left = a.evals + 1
                    left = self.budget_s - self.train_s - evals_left * eval_s - min(60.0, 0.1 * self.budget_s)
                    self.plan = max(self.step + 1, self.step + int(speed * left))
                    self.eval_every = a.eval_every or max(1, math.ceil(self.plan / a.evals))
                    self.log({"event": "plan", "step": self.step, "plan": self.plan, "steps_per_s": round(speed, 3),
                              "eval_s": eval_s, "budget_s": self.budget_s, "eval_every": self.eval_every})
            if self.step % a.log_every == 0 or self.step == self.plan:
                dt = time.time() - win_t
                self.log({"event": "train", "step": self.step, "loss": round(sum(win_loss) / len(win_loss), 5),
                          "lr": float(f"{self.lr_at(self.step - 1):.3e}"), "grad_norm": round(float(gnorm), 3),
                          "samples_per_s": round(win_samples / dt, 2), "samples": self.samples,
                          "elapsed_s": round(self.train_s, 1)},
                         f"[{a.task}] step {self.step}/{self.plan or '?'}  loss {sum(win_loss) / len(win_loss):.4f}  "
                         f"lr {self.lr_at(self.step - 1):.2e}  {win_samples / dt:.1f} samples/s  "
                         f"{self.train_s / 60:.1f} min")
                win_t, win_steps, win_samples, win_loss = time.time(), 0, 0, []
            if self.eval_every and self.step % self.eval_every == 0 and self.step != self.plan and not self.stop_reason:
                self.evaluate()
                win_t = time.time()
            if a.stop_after is not None and self.step >= a.stop_after and self.stop_reason is None:
                self.stop_reason = "stop-after"
            if self.budget_s is not None and self.train_s > 1.25 * self.budget_s:
                self.log({"event": "overrun", "step": self.step, "plan": self.plan, "elapsed_s": round(self.train_s, 1)},
                         f"[{a.task}] over 1.25 × the time budget at step {self.step} of {self.plan}: finishing now")
                break
            if time.time() - self.last_save > a.ckpt_minutes * 60:
                self.save()
        if self.stop_reason == "stop-after":
            code = 0
        if self.stop_reason is None:
            self.evaluate()
        self.save()
        self.log({"event": "stop" if self.stop_reason else "done", "step": self.step, "plan": self.plan,
                  "reason": self.stop_reason, "elapsed_s": round(self.train_s, 1), "samples": self.samples},
                 f"[{a.task}] {'stopped (' + self.stop_reason + ')' if self.stop_reason else 'done'} at step "
                 f"{self.step}/{self.plan}; checkpoint {self.ckpt_path}")
        if self.stop_reason and self.stop_reason != "stop-after":
            print(f"resume with: {self.resume_command()}", flush=True)
        return code

    def resume_command(self) -> str:
        return (f"/usr/bin/python3 training/train.py --task {self.a.task} --run-dir {shlex.quote(str(self.a.run_dir))} "
                f"--out {shlex.quote(str(self.a.out))} --resume")

    # ---------------------------------------------------------------- export

    def export(self) -> dict:
        a, tok, T = self.a, self.task.tok, self.task.T
        out = a.out
        out.mkdir(parents=True, exist_ok=True)
        model = self.model.eval().float()
        cases = self.task.reference_cases()
        with torch.no_grad():
            torch.onnx.export(model, (cases[0],), str(out / "model.onnx"), input_names=["input_ids"],
                              output_names=["logits"], **ONNX_EXPORT_OPTIONS,
                              dynamic_axes={"input_ids": {0: "batch", 1: "length"},
                                            "logits": {0: "batch", 1: "length"}})
        import onnx
        onnx.checker.check_model(onnx.load(str(out / "model.onnx")))
        size = (out / "model.onnx").stat().st_size
        name = out.name
        # The cache graph (use_cache=prefix|dual, docs/onnx-models.md) from the same weights.
        from export_cache import CACHE_GRAPH, cache_card, export_cache_graph
        export_cache_graph(model, out / CACHE_GRAPH)
        card = {"name": name, "vocabSize": tok.vocab_size, "maskId": tok.mask_id, "eosId": tok.eos_id,
                "padId": tok.pad_id, "eosPenalty": 0, "logitShift": False, "attention": {"kind": "full"},
                "contextLimit": T, "cache": cache_card(model)}
        (out / "model.json").write_text(json.dumps(card, indent=2) + "\n")
        tok.save(out, T)
        ref = a.run_dir / "export-ref.json"
        a.run_dir.mkdir(parents=True, exist_ok=True)
        with torch.no_grad():
            ref_cases = [{"input_ids": x.tolist(), "dims": list(model(x).shape), "logits": model(x).reshape(-1).tolist()}
                         for x in cases]
        m64 = copy.deepcopy(model).double()
        with torch.no_grad():
            for c, x in zip(ref_cases, cases):
                c["logits_f64"] = m64(x).reshape(-1).tolist()
        # absolute bound only: max |Δlogit| <= 1e-4
        ref.write_text(json.dumps({"model": name, "atol": 1e-4, "rtol": 0, "cases": ref_cases}))
        check = {"max_abs_dlogit": None, "ok": None}
        if not a.no_check:
            cmd = ["npx", "--no-install", "tsx", "scripts/check-export.ts", str(out.resolve()), str(ref.resolve())]
            p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
            print(p.stdout + p.stderr, end="", flush=True)
            m = re.search(r"ORT vs torch over \d+ cases: max \|Δlogit\| ([0-9.e+-]+)", p.stdout)
            check = {"max_abs_dlogit": float(m.group(1)) if m else None, "ok": p.returncode == 0}
        (out / "README.md").write_text(self.readme(size, check))
        rec = {"event": "export", "out": str(out), "onnx_bytes": size, "params": model.num_params(), **check}
        self.log(rec, f"[export] {out}: model.onnx {size:,} bytes, {model.num_params():,} parameters; "
                      f"export check max |Δlogit| {check['max_abs_dlogit']} ({'OK' if check['ok'] else 'FAILED' if check['ok'] is False else 'skipped'})")
        if size > MAX_ONNX_BYTES:
            print(f"WARNING: model.onnx is {size:,} bytes, above the {MAX_ONNX_BYTES:,} limit", flush=True)
        return rec

    def replan_note(self) -> str:
        """The plan changes of a resumed run (`--resume --steps N`), which the rebuild line cannot repeat."""
        try:
            events = [json.loads(l) for l in Path(self.log_path).read_text().splitlines() if '"replan"' in l]
        except OSError:
            return ""
        events = [e for e in events if e.get("event") == "replan"]
        if not events:
            return ""
        changes = "; ".join(f"at step {e['step']:,} from {e['old_plan']:,} to {e['plan']:,} steps" for e in events)
        return (f"\nThe plan was changed during the run ({changes}): the cosine schedule continued over the new plan "
                f"from the step of the change, which shortened the decay to fit the session's time. The rebuild line "
                f"uses one cosine over {self.plan or self.step:,} steps, so it gives a similar, not identical, model.\n")

    def readme(self, size: int, check: dict) -> str:
        hp, cfg, task, tok = self.hp, self.cfg, self.task, self.task.tok
        last = self.history[-1] if self.history else {}
        final_loss = sum(self.losses[-100:]) / max(1, len(self.losses[-100:]))
        metric_keys = [k for k in last if k not in ("step", "samples", "eval_s", "n")]
        hist_keys = ["heldout_loss"] + [k for k in metric_keys if k != "heldout_loss"]
        rows = "\n".join("| " + " | ".join([str(h["step"]), f"{h['samples']:,}"] + [str(h.get(k, "")) for k in hist_keys]) + " |"
                         for h in self.history)
        size_flags = ""
        defaults = task.smoke if hp["tiny"] else task.defaults
        for k, flag in (("d_model", "--d-model"), ("layers", "--layers"), ("heads", "--heads"), ("mlp_mult", "--mlp-mult"),
                        ("batch", "--batch"), ("lr", "--lr"), ("metric_n", "--metric-n")):
            if hp[k] != defaults[k]:
                size_flags += f" {flag} {hp[k]}"
        if hp.get("context"):
            size_flags += f" --context {hp['context']}"
        if hp.get("rope"):
            size_flags += " --rope"
        if hp.get("eval_bf16"):
            size_flags += " --eval-bf16"
        if hp.get("metric4"):
            size_flags += " --metric4"
        init = hp.get("init_from")
        if init:
            size_flags += f" --init-from {shlex.quote(init['ckpt'])}"
        if hp["tiny"]:
            size_flags += " --tiny"
        if hp["seed"]:
            size_flags += f" --seed {hp['seed']}"
        for k, flag, d in (("min_lr_frac", "--min-lr-frac", 0.1), ("weight_decay", "--weight-decay", 0.1), ("clip", "--clip", 1.0)):
            if hp[k] != d:
                size_flags += f" {flag} {hp[k]}"
        for v, flag in ((self.a.data, "--data"), (self.a.heldout, "--heldout"), (self.a.corpus, "--corpus")):
            if v:
                size_flags += f" {flag} {shlex.quote(rel(Path(v)))}"
        stopped_early = self.plan is not None and self.step < self.plan
        bf = "on" if hp["bf16"] else "off"
        data_file = Path(self.a.data).name if self.a.data else None
        data_cmd = {"countdown-train-mix50.jsonl": "npm run data:countdown-64\n", "digits-train-60k.csv": "npm run data:digits-60k\n"}.get(
            data_file or "", {"countdown": "npm run data:countdown\n", "digits": "npm run data:digits\n",
                              "sudoku-hard": "npm run data:sudoku-hard\n"}.get(self.a.task, ""))
        ok = {True: "passed", False: "FAILED", None: "not run"}[check["ok"]]
        specials = (f"{tok.eos_id} `<|endoftext|>` (EOS and PAD), {tok.mask_id} `{tok.mask_token}` (mask), 2 `<|user|>`, "
                    f"3 `<|assistant|>` (never trained), 4–{3 + len(tok.chars)} the characters, {tok.unk_id} `<|unk|>`")
        sample = self.sample
        init_note = ""
        if init:
            init_note = (f"\n  Initialized from `{init['ckpt']}` (step {init['step']:,} of a run with a {init['context']}-token context; "
                         f"the positions beyond it start as copies of its last learned ones); the steps above come on top of that run's. "
                         f"The rebuild below needs that checkpoint (training/checkpoints/ keeps the committed copies).")
        return f"""# {self.a.out.name}

A masked diffusion LM trained from scratch on the **{self.a.task}** task for infogain's evaluations
(canvas formats: `training/FORMATS.md`). Built by `training/train.py`.

- **Data:** {task.data_desc()}.
- **Canvas:** {task.T} tokens, one token per character/cell.
- **Architecture:** bidirectional transformer (`training/mdm.py`), {cfg.n_layers} pre-LN layers, d_model {cfg.d_model},
  {cfg.n_heads} heads, GELU MLP {cfg.mlp_mult}×, {'rotary position embedding' if cfg.rope else 'learned positions'} (context {cfg.max_len}), full attention.
  **{self.model.num_params():,} parameters**, fp32; `model.onnx` is {size:,} bytes.
- **Vocabulary ({tok.vocab_size}):** {specials}.
- **Objective:** masked diffusion: t ~ U(0,1] per sequence (stratified over the batch), each target token masked
  with probability t (at least one), cross-entropy on the masked tokens weighted by 1/max(t, 1/#targets), divided
  by the number of targets; non-target (prompt) tokens are never masked.
- **Training:** {self.step:,} steps × batch {hp['batch']} = **{self.samples:,} samples**; AdamW (peak lr {hp['lr']},
  β = (0.9, 0.98), weight decay {hp['weight_decay']} on matrices), {self.warmup} warm-up steps then cosine to
  {hp['min_lr_frac']}× the peak, grad clip {hp['clip']}, bf16 autocast {bf}, seed {hp['seed']}, {torch.get_num_threads()}
  CPU threads; **{self.train_s / 60:.1f} min** of wall time (evaluations included) in {self.sessions} session(s).
  Final training loss (mean of the last {min(100, len(self.losses))} steps): **{final_loss:.4f}**.{init_note}
- **Held-out metrics (step {last.get('step')}{', bf16 autocast' if hp.get('eval_bf16') else ''}):** {', '.join(f'{k} = {last[k]}' for k in metric_keys)}
  (on {last.get('n')} problems/windows for the task metric). {task.metric_desc()}. `heldout_loss` is the
  objective on the held-out set with fixed noise; `acc@r`: argmax accuracy at masked positions with a fraction r
  of the targets masked.
- **ONNX:** opset {OPSET}; input `input_ids` int64 [batch, length]; output `logits` float32 [batch, length,
  {tok.vocab_size}]; length ≤ {task.T}. Export check (`scripts/check-export.ts`, onnxruntime vs torch):
  {ok}, max |Δlogit| = {check['max_abs_dlogit']}.

Held-out evaluations during training:

| step | samples | {' | '.join(hist_keys)} |
|---:|---:|{'---:|' * len(hist_keys)}
{rows}

Sample (final evaluation, Python greedy confidence decoding):

```
{sample}
```

Rebuild (from the repository root; deterministic on a given machine and thread count; the first
line is needed once):

```sh
{data_cmd}/usr/bin/python3 training/train.py --task {self.a.task} --out {rel(self.a.out)} --steps {self.plan or self.step} --warmup {self.warmup} --threads {torch.get_num_threads()} --bf16 {bf}{size_flags} --overwrite
```

(the run itself was `{self.argv_record}`{'; it stopped at step ' + str(self.step) + ' of the ' + str(self.plan) + ' planned, so the rebuild needs the same stop' if stopped_early else ''}.){self.replan_note()}
"""


# ============================================================================== entry points

def rel(p: Path) -> str:
    p = Path(p).resolve()
    return str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p)


def params_of(task_name: str, hp: dict) -> int:
    cls = TASKS[task_name]
    cfg = MDMConfig(vocab_size=100, mask_id=1, d_model=hp["d_model"], n_layers=hp["layers"], n_heads=hp["heads"],
                    mlp_mult=hp["mlp_mult"], max_len=cls.T, rope=hp.get("rope", False))
    return MDM(cfg).num_params()


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    if a.threads is None:
        a.threads = 1 if a.smoke else 2
    torch.set_num_threads(a.threads)
    if a.smoke:
        return smoke(a)
    run = Run(a)
    if a.bench is not None:
        return bench(run)
    if a.export_only:
        if not run.ckpt_path.exists():
            raise SystemExit(f"train.py: no checkpoint at {run.ckpt_path}")
        run.load()
        run.export()
        return 0
    if a.resume:
        if not run.ckpt_path.exists():
            raise SystemExit(f"train.py: --resume but no checkpoint at {run.ckpt_path}")
        run.load()
        if a.minutes is not None:
            raise SystemExit("train.py: --minutes cannot change a resumed run's plan; give --steps N to set a new plan")
        if a.steps is not None and a.steps != run.plan:
            run.log({"event": "replan", "step": run.step, "old_plan": run.plan, "plan": a.steps})
            run.plan = a.steps
        if a.steps is not None and run.budget_s is not None:
            # A step plan given on resume replaces the time budget the run started with: otherwise
            # the 1.25x overrun guard would stop it again at once.
            run.log({"event": "budget", "step": run.step, "old_budget_s": run.budget_s, "budget_s": None})
            run.budget_s = None
        run.log({"event": "resume", "step": run.step, "plan": run.plan, "argv": " ".join(sys.argv)},
                f"[{a.task}] resuming at step {run.step}/{run.plan} from {run.ckpt_path}")
    else:
        if a.steps is None and a.minutes is None:
            raise SystemExit("train.py: give --steps N or --minutes M (or --resume / --export-only / --smoke)")
        if run.ckpt_path.exists() and not a.overwrite:
            raise SystemExit(f"train.py: {run.ckpt_path} exists; use --resume to continue it or --overwrite to start afresh")
        a.run_dir.mkdir(parents=True, exist_ok=True)
        if run.log_path.exists():
            run.log_path.unlink()
        run.build(run.hyper())
        if a.init_from:
            init_weights(run.model, torch.load(a.init_from, map_location="cpu")["model"])
        run.argv_record = "/usr/bin/python3 training/train.py " + " ".join(shlex.quote(x) for x in sys.argv[1:])
        if a.steps is not None:
            run.plan = a.steps
            run.warmup = a.warmup if a.warmup is not None else min(300, max(1, a.steps // 20))
            run.eval_every = a.eval_every or max(1, math.ceil(a.steps / a.evals))
        else:
            run.budget_s = a.minutes * 60
            run.warmup = max(10, a.warmup if a.warmup is not None else 300)
        run.log({"event": "start", "task": a.task, "argv": run.argv_record, "hp": run.hp, "params": run.model.num_params(),
                 "plan": run.plan, "budget_s": run.budget_s, "warmup": run.warmup, "threads": torch.get_num_threads()},
                f"[{a.task}] {run.model.num_params():,} parameters (d_model {run.hp['d_model']}, {run.hp['layers']} layers, "
                f"{run.hp['heads']} heads, mlp {run.hp['mlp_mult']}x), batch {run.hp['batch']}, lr {run.hp['lr']}, "
                f"bf16 {'on' if run.hp['bf16'] else 'off'}, {torch.get_num_threads()} threads, "
                + (f"{a.steps} steps" if a.steps else f"{a.minutes} minutes") + f"; logging to {run.log_path}")
    code = run.train()
    if code == 0 and not run.stop_reason and not a.no_export:
        run.export()
    return code


def init_weights(model: torch.nn.Module, src: dict) -> None:
    """Load another run's weights; a longer learned position table keeps the source's rows and fills
    the new tail positions with copies of its last ones (the canvas end, where EOS padding sits), so
    nothing the model learned moves and the new positions start distinct, not random."""
    own = model.state_dict()
    src = dict(src)
    key = "pos_emb.weight"
    if key in src and src[key].shape != own[key].shape:
        old, new = src[key], own[key].clone()
        n_old, n_new = old.shape[0], new.shape[0]
        if n_new < n_old:
            raise SystemExit(f"train.py: --init-from has a {n_old}-position table; --context {n_new} would cut it")
        new[:n_old] = old
        new[n_old:] = old[n_old - (n_new - n_old):] if n_new - n_old <= n_old else old[-1]
        src[key] = new
    model.load_state_dict(src)


def bench(run: Run) -> int:
    """Training speed at the chosen size: 3 warm-up steps, then steps for --bench seconds."""
    run.build(run.hyper())
    run.warmup, run.plan = 1, 10 ** 9
    B, hp = run.hp["batch"], run.hp
    def one() -> None:
        x, target = run.task.train_batch(B)
        loss = diffusion_loss(run.model, x, target, run.task.tok.mask_id, run.g, hp["bf16"])
        run.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(run.model.parameters(), hp["clip"])
        run.opt.step()
    for _ in range(3):
        one()
    t0, n = time.time(), 0
    while time.time() - t0 < run.a.bench:
        one()
        n += 1
    dt = time.time() - t0
    print(json.dumps({"task": run.a.task, "params": run.model.num_params(), "d_model": hp["d_model"], "layers": hp["layers"],
                      "heads": hp["heads"], "mlp_mult": hp["mlp_mult"], "batch": B, "bf16": hp["bf16"],
                      "threads": torch.get_num_threads(), "steps": n, "seconds": round(dt, 1),
                      "samples_per_s": round(n * B / dt, 2), "tokens_per_s": round(n * B * run.task.T / dt)}), flush=True)
    return 0


def smoke(a: argparse.Namespace) -> int:
    """Tiny config, 20 steps: run to step 10 and stop (checkpoint), resume to 20 (evaluate, export, check),
    export again with --export-only, and compare with an uninterrupted 20-step run (must be bit-identical)."""
    t0 = time.time()
    tmp = Path(tempfile.mkdtemp(prefix=f"infogain-smoke-{a.task}-"))
    base = [sys.executable, str(Path(__file__).resolve()), "--task", a.task, "--tiny", "--steps", "20", "--log-every", "5",
            "--evals", "2", "--threads", str(a.threads), "--bf16", a.bf16]
    if a.task == "countdown":
        data = Path(a.data) if a.data else tmp / "countdown-train.jsonl"
        if not data.exists():
            from tasks import CountdownTask, make_data
            if not CountdownTask.HELDOUT.exists():
                make_data(["countdown", *CountdownTask.HELDOUT_ARGS, "--out", str(CountdownTask.HELDOUT)])
            make_data(["countdown", "--n", "5000", "--seed", "1000000", "--exclude", str(CountdownTask.HELDOUT),
                       "--out", str(data)])
        base += ["--data", str(data)]
    if a.task == "sudoku-hard":
        # A small puzzle file and held-out set (the real ones take minutes to make): mechanics, not the model.
        from tasks import make_data
        data = Path(a.data) if a.data else tmp / "sudoku-hard-train.csv"
        if not data.exists():
            make_data(["sudoku", "--n", "300", "--seed", "1000000", "--blanks", "50-56", "--describe", "1", "--out", str(data)])
        heldout = Path(a.heldout) if a.heldout else tmp / "sudoku-hard-heldout.csv"
        if not heldout.exists():
            make_data(["sudoku", "--n", "8", "--seed", "1", "--blanks", "55-58", "--describe", "1", "--out", str(heldout)])
        base += ["--data", str(data), "--heldout", str(heldout)]
    if a.task == "digits" and not a.data:
        from tasks import DigitsTask
        if not DigitsTask.TRAIN.exists():
            subprocess.run(["npx", "--no-install", "tsx", "scripts/make-digits.ts"], cwd=REPO, check=True)
    if a.task == "text":
        # The committed held-out text (50 kB) keeps the self-test runnable in any checkout; the full
        # corpus is only in development checkouts. The smoke test checks mechanics, not the model.
        from tasks import REPO
        base += ["--corpus", str(Path(a.corpus) if a.corpus else REPO / "data" / "text" / "heldout.txt")]

    def sh(extra: list[str], what: str) -> None:
        print(f"\n=== smoke: {what}\n$ {' '.join(base + extra)}", flush=True)
        subprocess.run(base + extra, check=True)

    sh(["--run-dir", str(tmp / "run"), "--out", str(tmp / "model"), "--stop-after", "10"], "train to step 10, stop")
    sh(["--run-dir", str(tmp / "run"), "--out", str(tmp / "model"), "--resume"], "resume to step 20, evaluate, export, check")
    sh(["--run-dir", str(tmp / "run"), "--out", str(tmp / "model-again"), "--export-only"], "export-only")
    sh(["--run-dir", str(tmp / "straight"), "--out", str(tmp / "unused"), "--no-export"], "uninterrupted 20 steps")
    r, s = torch.load(tmp / "run" / "ckpt.pt"), torch.load(tmp / "straight" / "ckpt.pt")
    same_model = all(torch.equal(r["model"][k], s["model"][k]) for k in r["model"])
    same_opt = all(torch.equal(x["exp_avg"], y["exp_avg"]) and torch.equal(x["exp_avg_sq"], y["exp_avg_sq"])
                   for x, y in zip(r["opt"]["state"].values(), s["opt"]["state"].values()))
    same_losses = r["losses"] == s["losses"]
    exports = [json.loads(l) for l in (tmp / "run" / "log.jsonl").read_text().splitlines() if '"export"' in l]
    ok_export = all(e["ok"] for e in exports) and len(exports) == 2
    files = sorted(p.name for p in (tmp / "model").iterdir())
    print(f"\n=== smoke {a.task}: losses {[round(x, 4) for x in r['losses']]}", flush=True)
    print(f"final eval: {r['history'][-1]}")
    print(f"resumed run == uninterrupted run: weights {same_model}, optimizer {same_opt}, losses {same_losses}")
    print(f"exports: {[(e['onnx_bytes'], e['max_abs_dlogit'], e['ok']) for e in exports]}; files {files}")
    ok = same_model and same_opt and same_losses and ok_export
    print(f"smoke {a.task}: {'OK' if ok else 'FAILED'} in {time.time() - t0:.0f} s (files in {tmp})", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

